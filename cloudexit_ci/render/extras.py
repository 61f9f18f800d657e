"""Config files of the estate services: ElasticMQ queues, pollers, scheduler, ALB routers.

The finishers describe each file as data (mappers/estate.ExtraFile); this
module turns it into bytes: YAML and JSON dumped from data, code and config
through Jinja2 templates (values via ``tojson``/``shquote``), static scripts
copied from templates/extras/.
"""

from __future__ import annotations

import json

from cloudexit_ci import yamlio
from cloudexit_ci.mappers.base import Options
from cloudexit_ci.mappers.estate import ExtraFile
from cloudexit_ci.mappers.estate import extra_files as wanted
from cloudexit_ci.render.jinja import render, template_text
from cloudexit_ci.stack import Stack

Files = dict[str, tuple[bytes, tuple[str, ...]]]


def extra_files(stack: Stack, options: Options, header: str) -> Files:
    return {
        path: (_bytes(item, header), item.sources) for path, item in sorted(wanted(stack).items())
    }


def _bytes(item: ExtraFile, header: str) -> bytes:
    if item.kind == "yaml":
        return yamlio.dump(item.data, header=header).encode()
    if item.kind == "json":
        return (json.dumps(item.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if item.kind == "template":
        return render(item.template, header=header, **item.data).encode()
    return template_text(item.template).encode()
