"""`cloudexit-ci smoke`: a running stack checked from outside, route by route.

``plan`` decides what to send and what an answer means (pure), ``http`` sends the
requests, ``health`` reads each function service's state from Docker Compose, ``report``
prints the result. The command is ``cloudexit_ci.commands.smoke``.
"""
