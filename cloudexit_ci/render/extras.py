"""Config files of the estate services: ElasticMQ queues, pollers, scheduler, SNS, realms.

Each file is an IR record (``stack.ExtraFile``); this module turns it into
bytes: JSON dumped from data, code and config through Jinja2 templates
(values via ``tojson``/``shquote``), static scripts copied from templates/extras/.
"""

from __future__ import annotations

import json

from cloudexit_ci.render.jinja import render, template_text
from cloudexit_ci.stack import ExtraFile, Stack
from cloudexit_ci.tree import Files


def extra_files(stack: Stack, header: str) -> Files:
    return {
        path: (_bytes(item, header), item.sources)
        for path, item in sorted(stack.extra_files.items())
    }


def _bytes(item: ExtraFile, header: str) -> bytes:
    if item.kind == "json":
        return (json.dumps(item.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if item.kind == "template":
        return render(item.template, header=header, **item.data).encode()
    return template_text(item.template).encode()
