"""HTML report: one self-contained file (inline CSS, a little vanilla JS, inline SVG).

Everything taken from a document goes through Jinja's autoescape; the data the script
needs is embedded with ``|tojson`` (which escapes ``<``, ``>``, ``&`` and ``'``), and a
Content-Security-Policy allows only this file's own script, by hash, and no network at
all: a hostile page quoted in a report can neither run script nor fetch anything.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tracker.models import Report
from tracker.render import register
from tracker.render._common import (
    AUDIENCE_NAMES,
    KIND_NAMES,
    SEVERITY_NAMES,
    TAG_NAMES,
    ReportView,
    build_view,
    is_web_url,
)

__all__ = ["render_html"]

CHART_ROWS = 12


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.globals.update(
        SEVERITY_NAMES=SEVERITY_NAMES, TAG_NAMES=TAG_NAMES, KIND_NAMES=KIND_NAMES,
        AUDIENCE_NAMES=AUDIENCE_NAMES, is_web_url=is_web_url,
    )
    return env


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    """The stylesheet and the script, read once from the templates folder."""
    env = _env()
    assert env.loader is not None
    css = env.loader.get_source(env, "report.css")[0]
    js = env.loader.get_source(env, "report.js")[0]
    return css, js


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _chart(view: ReportView) -> dict[str, Any]:
    """Geometry of the role-mentions bar chart (old against new, one row per role)."""
    rows = list(view.changed_mentions[:CHART_ROWS]) or list(view.role_mentions[:8])
    top = max([max(m.old, m.new) for m in rows] + [1])
    label_w, bar_w, row_h, head = 170, 250, 34, 8
    out = []
    for i, m in enumerate(rows):
        y = head + i * row_h
        out.append({
            "label": m.label, "old": m.old, "new": m.new, "delta": m.delta, "y": y,
            "old_w": round(bar_w * m.old / top, 1), "new_w": round(bar_w * m.new / top, 1),
        })
    return {
        "rows": out, "label_w": label_w, "bar_w": bar_w, "row_h": row_h,
        "width": label_w + bar_w + 115, "height": head + row_h * len(out) + 6,
    }


def _script_data(view: ReportView) -> dict[str, Any]:
    """What the filters need, per change (embedded with ``|tojson``)."""
    return {
        "changes": [
            {"id": c.id, "severity": c.severity, "kind": c.kind, "section": c.section,
             "tags": sorted({t.type for t in c.tags}), "roles": list(c.roles)}
            for c in view.changes
        ],
        "roles": {e.role: e.label for e in view.roles},
    }


@register("html", "html")
def render_html(report: Report) -> bytes:
    """The flagship report: a single HTML file a browser opens with no network."""
    view = build_view(report)
    css, js = _assets()
    csp = (
        "default-src 'none'; "
        f"script-src '{_csp_hash(js)}'; "
        "style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    html = _env().get_template("report.html.j2").render(
        v=view, r=report, s=report.summary, chart=_chart(view), data=_script_data(view),
        css=Markup(css), js=Markup(js), csp=csp,
    )
    return html.encode("utf-8")
