"""Clause timeline renderers: Timeline -> HTML (one self-contained file), Markdown, JSON.

Each step is read through the report view of ``_common`` (the same tag labels, the same
highlighted words, the same redline) by presenting the steps as the changes of a
report. The HTML reuses the report's stylesheet, has no script and a
Content-Security-Policy that allows none; all text goes through Jinja's autoescape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tracker.errors import BadInput
from tracker.models import Change, Report, Summary, Timeline, TimelineStep
from tracker.render._common import AUDIENCE_NAMES, SEVERITY_NAMES, TAG_NAMES, ChangeView, build_view, is_web_url
from tracker.render.markdown import md_cell, md_escape, md_line, md_redline

__all__ = ["STATUS_NAMES", "TIMELINE_FORMATS", "render_timeline", "timeline_extension"]

TIMELINE_FORMATS = {"html": "html", "md": "md", "json": "json"}
STATUS_NAMES = {
    "first": "Earliest version",
    "added": "Added",
    "unchanged": "Unchanged",
    "renumbered": "Renumbered",
    "moved": "Moved",
    "modified": "Modified",
    "deleted": "Deleted",
    "absent": "Absent",
}
MATCH_NAMES = {
    "query": "matched by the query",
    "aligned": "paired by the aligner",
    "fuzzy": "found by similarity",
    "none": "not found",
}
_KIND = {"modified": "modified", "added": "added", "deleted": "deleted", "moved": "moved", "renumbered": "moved"}


@dataclass(frozen=True)
class StepView:
    n: int
    """1-based position of the version."""
    step: TimelineStep
    cv: ChangeView
    prev_number: str
    """The number the unit had in the last version that held it."""

    @property
    def id(self) -> str:
        return f"v{self.n}"

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.step.status, self.step.status)

    @property
    def number_text(self) -> str:
        u = self.step.unit
        now = (u.number or "") if u else ""
        if self.prev_number and now and self.prev_number != now:
            return f"¶ {self.prev_number} → {now}"
        return f"¶ {now}" if now else ""

    @property
    def whole(self) -> bool:
        return self.step.status in ("added", "deleted") and len(self.step.diff) == 1


def _steps(tl: Timeline) -> list[StepView]:
    """Steps as report changes, read once through ``build_view``."""
    changes = []
    last = None
    for n, s in enumerate(tl.steps, 1):
        old = last if s.status not in ("first",) else None
        new = s.unit
        changes.append(Change(
            id=f"v{n}", kind=_KIND.get(s.status, "modified"), old=old, new=new,
            text_changed=s.status in ("modified", "added", "deleted"), similarity=s.similarity,
            diff=s.diff, tags=s.tags, impact=s.impact,
        ))
        if s.unit is not None:
            last = s.unit
    first, final = tl.steps[0].version, tl.steps[-1].version
    summary = Summary(units_old=0, units_new=0, unchanged=0, changes=len(changes), by_kind={}, by_tag={}, by_severity={}, role_mentions={})
    view = build_view(Report(old=first, new=final, summary=summary, changes=tuple(changes), tool=tl.tool, pack=tl.pack))
    out = []
    prev_number = ""
    for n, (s, cv) in enumerate(zip(tl.steps, view.changes), 1):
        out.append(StepView(n=n, step=s, cv=cv, prev_number=prev_number))
        if s.unit is not None:
            prev_number = s.unit.number or ""
    return out


def _title(tl: Timeline) -> str:
    anchor = tl.steps[tl.anchor].unit
    where = anchor.path_str if anchor else tl.query
    return f"Timeline of {where}" + (f" in {tl.name}" if tl.name else "")


@lru_cache(maxsize=2)
def _env(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.render", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=not html,
        undefined=StrictUndefined,
    )
    env.globals.update(SEVERITY_NAMES=SEVERITY_NAMES, TAG_NAMES=TAG_NAMES, AUDIENCE_NAMES=AUDIENCE_NAMES,
                       STATUS_NAMES=STATUS_NAMES, MATCH_NAMES=MATCH_NAMES, is_web_url=is_web_url)
    if not html:
        env.filters.update(md=md_escape, cell=md_cell, line=md_line, redline=md_redline)
    return env


def _html(tl: Timeline) -> bytes:
    env = _env(True)
    assert env.loader is not None
    css = env.loader.get_source(env, "report.css")[0] + "\n" + env.loader.get_source(env, "timeline.css")[0]
    csp = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    text = env.get_template("timeline.html.j2").render(t=tl, steps=_steps(tl), title=_title(tl), css=Markup(css), csp=csp)
    return text.encode("utf-8")


def _markdown(tl: Timeline) -> bytes:
    text = _env(False).get_template("timeline.md.j2").render(t=tl, steps=_steps(tl), title=_title(tl))
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text.encode("utf-8")


def render_timeline(tl: Timeline, fmt: str) -> bytes:
    """Render a timeline as ``html``, ``md`` or ``json``.

    Raises:
        BadInput: unknown format.
    """
    if fmt == "json":
        return (json.dumps(tl.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "html":
        return _html(tl)
    if fmt in ("md", "markdown"):
        return _markdown(tl)
    raise BadInput(f"unknown timeline format {fmt!r}", f"formats are {', '.join(TIMELINE_FORMATS)}", "pick one of them")


def timeline_extension(fmt: str) -> str:
    return TIMELINE_FORMATS.get(fmt, fmt)
