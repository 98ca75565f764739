"""Markdown briefing: pastes into an email, a wiki page or a consultation response.

Document text is escaped so that a ``*`` or ``[1]`` in the guidance stays literal;
deletions read ``~~struck~~`` and insertions ``**bold**`` (GitHub-flavoured Markdown).
The output depends only on the report, so golden tests can pin it byte for byte.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from tracker.models import Report
from tracker.render import register
from tracker.render._common import (
    AUDIENCE_NAMES,
    KIND_NAMES,
    SEVERITY_NAMES,
    TAG_NAMES,
    ChangeView,
    build_view,
)

__all__ = ["md_escape", "md_redline", "render_markdown"]

_INLINE = re.compile(r"([\\`*~\[\]<|]|(?<!\w)_|_(?!\w))")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What would start a block if it opened a line: a heading, quote, list item, rule, table.
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)](?=\s|$))")


def md_escape(text: str | None) -> str:
    """Escape document text for use inside a Markdown line.

    >>> md_escape("see [1] and *note*")
    'see \\\\[1\\\\] and \\\\*note\\\\*'
    """
    if not text:
        return ""
    s = re.sub(r"\s+", " ", str(text))
    s = _INLINE.sub(r"\\\1", s)
    return _ENTITY.sub(r"\\&", s)


def md_line(text: str) -> str:
    """Escape what would make an already escaped line start a block (``# ``, ``- ``, ``1. ``)."""
    m = _LINE_START.match(text)
    if not m:
        return text
    lead, tok = m.group(1), m.group(2)
    if tok[0].isdigit():
        return lead + tok[:-1] + "\\" + tok[-1] + text[m.end():]
    return lead + "\\" + tok + text[m.end():]


def md_cell(text: str | None) -> str:
    """Escape for a table cell (pipes are already escaped by ``md_escape``)."""
    return md_escape(text).strip() or "—"


def _wrap(text: str, marker: str) -> str:
    """``" words "`` -> ``" ~~words~~ "``: markers hug the words, or they do not render."""
    core = text.strip()
    if not core:
        return "" if marker == "~~" else text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{marker}{md_escape(core)}{marker}{trail}"


def md_redline(cv: ChangeView) -> str:
    """One line of the unit's text with ``~~deleted~~`` and ``**inserted**`` words."""
    out = []
    for op, text in cv.change.diff:
        if op == "equal":
            out.append(md_escape(text) if text.strip() else text)
        elif op == "delete":
            out.append(_wrap(text, "~~"))
        else:
            out.append(_wrap(text, "**"))
    return md_line(" ".join("".join(out).split()))


def _tag_list(cv: ChangeView) -> str:
    """Tags in order, repeats counted: ``Duty removed: manager must (×2)``."""
    counts: dict[str, int] = {}
    for t in cv.tags:
        counts[t.text] = counts.get(t.text, 0) + 1
    return "; ".join(md_escape(k) + (f" (×{n})" if n > 1 else "") for k, n in counts.items())


def _swaps(cv: ChangeView) -> str:
    parts = []
    for a, b in cv.swaps:
        if a and b:
            parts.append(f"“{md_escape(a)}” → “{md_escape(b)}”")
        elif a:
            parts.append(f"“{md_escape(a)}” removed")
        elif b:
            parts.append(f"“{md_escape(b)}” added")
    return "; ".join(parts) or "wording unchanged"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.render", "templates"),
        autoescape=False,  # Markdown, not HTML: text goes through |md instead
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(md=md_escape, cell=md_cell, line=md_line, redline=md_redline, swaps=_swaps, tag_list=_tag_list)
    env.globals.update(SEVERITY_NAMES=SEVERITY_NAMES, TAG_NAMES=TAG_NAMES, KIND_NAMES=KIND_NAMES, AUDIENCE_NAMES=AUDIENCE_NAMES)
    return env


@register("md", "md")
def render_markdown(report: Report) -> bytes:
    """A briefing in GitHub-flavoured Markdown, in a stable order."""
    view = build_view(report)
    text = _env().get_template("report.md.j2").render(v=view, r=report, s=report.summary)
    # One blank line between blocks, one newline at the end, whatever the template did.
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text.encode("utf-8")
