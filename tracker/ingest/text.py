"""Plain text and Markdown -> units.

Blocks are separated by blank lines; inside a block a line that starts a list item,
a numbered paragraph or a heading starts a new unit, other line breaks are soft wraps.
Headings: Markdown ``#``, "Chapter 3: ...", "Part 2", "Annex A", and short title-like
lines standing alone.
"""

from __future__ import annotations

import re

from tracker.ingest.normalise import clean

__all__ = ["RawUnit", "split_text", "HEADING_WORDS", "match_number", "match_list_marker"]

HEADING_WORDS = re.compile(
    r"^(chapter|part|section|annex|appendix|schedule)\s+([0-9]+|[a-z]|[ivxlc]+)\b[\s:.\-\u2013\u2014]*",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBER = re.compile(r"^(\d{1,4}(?:\.\d{1,3}){0,3})(?:([.)])\s+|\s+(?=[A-Z\u2018\u201c\"'(]))")
_LIST = re.compile(r"^(?:[-*\u2022\u25cf\u25aa\u2013\u25e6]|\(?([a-z]{1,2}|[ivx]{1,5})\)|\(?(\d{1,2})\))\s+")

RawUnit = tuple[str, str, int, "str | None"]
"""(kind, text, level, number) as parsers hand them to the Document builder."""


def match_number(line: str) -> tuple[str | None, str]:
    """Split a printed paragraph number off a line: ``"12. Text"`` -> ``("12", "Text")``."""
    m = _NUMBER.match(line)
    # "2018 guidance" is a year, not paragraph 2018; "1024." is a paragraph number
    if m and not (m.group(2) is None and re.match(r"^(19|20)\d\d\b", line)):
        return m.group(1), line[m.end():]
    return None, line


def match_list_marker(line: str) -> tuple[bool, str | None, str]:
    """``"(a) text"`` -> ``(True, "a", "text")``; bullets give number ``None``."""
    m = _LIST.match(line)
    if not m:
        return False, None, line
    return True, m.group(1) or m.group(2), line[m.end():]


def _heading(line: str) -> tuple[int, str] | None:
    m = _MD_HEADING.match(line)
    if m:
        return len(m.group(1)), m.group(2)
    if HEADING_WORDS.match(line) and len(line.split()) <= 14 and not line.rstrip().endswith((".", ";", ",")):
        return 1, line
    return None


def _looks_like_title(block: str) -> bool:
    words = block.split()
    return (
        0 < len(words) <= 10
        and block[:1].isupper()
        and not block.rstrip().endswith((".", ";", ",", ":", "?", "!"))
        and not re.search(r"\b(must|should|may|will|shall)\b", block, re.IGNORECASE)
    )


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")


def strip_markdown(line: str) -> str:
    """Drop inline Markdown: links keep their text, emphasis and code marks go.

    >>> strip_markdown("The manager **must** read [the policy](policy.html).")
    'The manager must read the policy.'
    """
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPH.sub(r"\2", line)


def split_text(text: str) -> list[RawUnit]:
    """Split plain text or Markdown into raw units (kind, text, level, number)."""
    units: list[RawUnit] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for block in re.split(r"\n\s*\n", text):
        lines = [strip_markdown(ln.strip()) for ln in block.split("\n") if ln.strip() and not re.fullmatch(r"\s*(---+|\*\*\*+|___+)\s*", ln)]
        current: list[str] = []
        kind, level, number = "paragraph", 0, None

        def flush() -> None:
            if current:
                body = clean(" ".join(current))
                if body:
                    units.append((kind, body, level, number))

        for line in lines:
            h = _heading(line)
            is_list, list_no, list_body = match_list_marker(line)
            num, num_body = match_number(line)
            if h:
                flush()
                current, kind, level, number = [], "heading", h[0], None
                units.append(("heading", clean(h[1]), h[0], None))
                continue
            if is_list:
                flush()
                current, kind, level, number = [list_body], "list_item", 1, list_no
                continue
            if num is not None:
                flush()
                current, kind, level, number = [num_body], "paragraph", 0, num
                continue
            if kind == "heading":
                kind, level, number = "paragraph", 0, None
            current.append(line)
        flush()
    # A short title-like block standing alone, followed by more text, is a heading.
    out: list[RawUnit] = []
    for i, (kind, body, level, number) in enumerate(units):
        if kind == "paragraph" and number is None and i + 1 < len(units) and _looks_like_title(body):
            out.append(("heading", body, 2, None))
        else:
            out.append((kind, body, level, number))
    return out
