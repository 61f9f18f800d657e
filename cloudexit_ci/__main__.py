from __future__ import annotations

from cloudexit_ci.main import entry

entry()
