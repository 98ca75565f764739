"""PDF -> raw units (pdfplumber over pdfminer.six).

A PDF has no paragraphs, only positioned words; this module rebuilds them:

1. Words are grouped into lines by their vertical position, with font size and weight.
2. Running headers and footers are dropped: lines in the top or bottom band of the page
   whose text recurs on at least 40% of the pages, the same each time or varying only
   in a page number ("Page 3 of 40", "12 Working together"), and lone page numbers
   ("12", "xii", "- 3 -"). Contents-page lines with dot leaders go too.
3. Ruled tables found by pdfplumber become one paragraph per row (cells joined with
   `` | ``); their words are kept out of the running text.
4. Headings: type clearly larger than the body text, a whole line in bold that does not
   end like a sentence, or a "Chapter N" line. Levels rank the heading sizes, largest
   first; consecutive lines of one heading style are one heading.
5. Paragraphs: a line starts a new unit when it carries a paragraph number ("12." or
   "12 " then a capital) or a list marker ("(a)", a bullet) after the end of a sentence
   or an outdent, when the vertical gap above it is larger than the line spacing, or
   when the line above ends a sentence short of the right margin (its first word would
   have fitted there, so the break was deliberate). At
   a page break a paragraph continues when its last line does not end a sentence, when
   the next line starts in lower case, or when the next line sits at the paragraph's
   hanging indent. One text column is assumed (as in GOV.UK guidance PDFs).
6. Lines are joined with a space, except that a word hyphenated across a line break
   ("assess-" / "ment", lower case on both sides) is joined up again, keeping the hyphen
   only when the document spells the compound with one elsewhere.

Truncated, damaged and encrypted files raise ``BadInput``; parsing stops after
``MAX_PAGES`` pages or ``TIME_LIMIT`` seconds with a warning.
"""

from __future__ import annotations

import io
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import BadInput
from tracker.ingest import Parsed
from tracker.ingest.normalise import clean, norm
from tracker.ingest.text import HEADING_WORDS, RawUnit, match_list_marker, match_number

__all__ = ["MAX_PAGES", "TIME_LIMIT", "parse_pdf"]

MAX_PAGES = 2000
"""Pages read at most; the rest of a longer PDF is skipped with a warning."""
TIME_LIMIT = 300.0
"""Seconds spent at most on one PDF before stopping with a warning."""

_BAND = 0.12
"""Share of the page height at the top and at the bottom where running heads live."""
_TERMINAL = (".", "!", "?", ":", ";")
_CLOSERS = "\"')]\u2019\u201d"
_BOLD = re.compile(r"bold|black|heavy|semibold|demibold|extrabold", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.)\s*)?(?:\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))(?:\s*(?:of|/)\s*\d{1,4})?$"
    r"|^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$",
    re.IGNORECASE,
)
_PAGE_NUMBERED = re.compile(r"^#\b|\b#$|^page #|\bpage #( of #)?$|# (of|/) #$")
_DOT_LEADER = re.compile(r"(?:\.\s*){4,}\d{1,4}$|\u2026{2,}\s*\d{1,4}$")
_GLYPHS = "\u2022\u25cf\u25aa\u25e6\u2023\u2043\u25a0\u25a1\uf0b7\uf0a7"
"""Bullet glyphs: a line starting with one always starts a list item."""
_BULLETS = _GLYPHS + "\u2013-*"
"""Also dashes and asterisks, which start a list item only after a sentence ends."""
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
_COMPOUND = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    page_height: float
    text_x: float = 0.0
    """Where the text starts after a leading number or list marker."""
    first_width: float = 0.0
    """Width of the first word: would it have fitted at the end of the line before?"""
    heading_level: int = 0
    rows: list[str] | None = None
    """For a table: its rows, already joined."""


@dataclass
class _Unit:
    kind: str
    number: str | None
    level: int
    lines: list[Line] = field(default_factory=list)
    marker_x: float = 0.0
    text_x: float = 0.0


def _bad(what: str, cause: str, fix: str) -> BadInput:
    return BadInput(what, cause.rstrip(".?! "), fix)


def _open(data: bytes) -> Any:
    """Open the PDF with pdfplumber, turning pdfminer's failures into ``BadInput``."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise _bad(
            "is a truncated or damaged PDF",
            "it does not end with %%EOF, so it was probably cut short while downloading or copying",
            "download or copy it again",
        )
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages  # reads the page tree: the first place a damaged file fails
        return pdf
    except Exception as e:  # noqa: BLE001 - pdfminer raises many types, often wrapped
        inner = getattr(e, "args", (None,))[0] if type(e).__name__ == "PdfminerException" else e
        inner = inner if isinstance(inner, BaseException) else e
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(e).lower() or "encrypt" in str(e).lower():
            raise _bad(
                "is encrypted",
                "it needs a password to open",
                "save an unprotected copy (print to PDF) or get the published version from GOV.UK",
            ) from None
        raise _bad(
            "is a truncated or damaged PDF",
            clean(f"{type(inner).__name__}: {inner}")[:160] or "pdfminer could not read its structure",
            "download it again, or open and re-save it in a PDF viewer",
        ) from None


def _is_bold(fontname: str) -> bool:
    return bool(_BOLD.search(fontname or ""))


def _page_lines(page: Any, number: int, table_boxes: list[tuple[float, float, float, float]]) -> list[Line]:
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False, use_text_flow=False)
    words = [
        w for w in words
        if not any(b[0] - 1 <= (w["x0"] + w["x1"]) / 2 <= b[2] + 1 and b[1] - 1 <= (w["top"] + w["bottom"]) / 2 <= b[3] + 1 for b in table_boxes)
    ]
    words.sort(key=lambda w: (round(w["top"], 1), w["x0"]))
    rows: list[list[dict[str, Any]]] = []
    for w in words:
        if rows:
            last = rows[-1]
            ref = last[0]
            overlap = min(ref["bottom"], w["bottom"]) - max(ref["top"], w["top"])
            if abs(w["top"] - ref["top"]) <= 2 or overlap > 0.6 * min(ref["bottom"] - ref["top"], w["bottom"] - w["top"]):
                last.append(w)
                continue
        rows.append([w])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        chars = sum(len(w["text"]) for w in row) or 1
        sizes: Counter[float] = Counter()
        for w in row:
            sizes[round(float(w["size"]) * 2) / 2] += len(w["text"])
        bold_chars = sum(len(w["text"]) for w in row if _is_bold(w.get("fontname", "")))
        text = clean(_line_text(row).translate(_LIGATURES))
        if not text:
            continue
        line = Line(
            text=text,
            x0=float(row[0]["x0"]),
            x1=float(row[-1]["x1"]),
            top=min(float(w["top"]) for w in row),
            bottom=max(float(w["bottom"]) for w in row),
            size=sizes.most_common(1)[0][0],
            bold=bold_chars >= 0.8 * chars,
            page=number,
            page_height=float(page.height),
        )
        line.text_x = _text_x(row, line.x0)
        line.first_width = float(row[0]["x1"] - row[0]["x0"])
        lines.append(line)
    return lines


def _line_text(row: list[dict[str, Any]]) -> str:
    """Words joined by spaces, except pieces that touch (a bold word and its comma)."""
    out = row[0]["text"]
    for prev, w in zip(row, row[1:]):
        touching = w["x0"] - prev["x1"] < 0.12 * float(w.get("size") or 10)
        out += ("" if touching else " ") + w["text"]
    return out


def _text_x(row: list[dict[str, Any]], x0: float) -> float:
    """x of the first word after a leading paragraph number or list marker."""
    if len(row) < 2:
        return x0
    first = row[0]["text"]
    if match_number(first + " X")[0] is not None or match_list_marker(first + " x")[0] or first in _BULLETS:
        return float(row[1]["x0"])
    return x0


def _tables(page: Any, number: int) -> tuple[list[Line], list[tuple[float, float, float, float]]]:
    if not (page.rects or page.lines):
        return [], []
    out, boxes = [], []
    for table in page.find_tables():
        rows = []
        for r in table.extract():
            cells = [_join([c for c in (cell or "").split("\n")]) for cell in r]
            row = " | ".join(c for c in cells if c)
            if row:
                rows.append(row)
        if len(rows) < 1 or len(table.rows) < 2 or max(len(r.cells) for r in table.rows) < 2:
            continue  # a box around text, not a table
        x0, top, x1, bottom = table.bbox
        boxes.append(table.bbox)
        out.append(Line(text="", x0=x0, x1=x1, top=top, bottom=bottom, size=0, bold=False, page=number, page_height=float(page.height), rows=rows))
    return out, boxes


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", norm(text))


def _drop_running(lines_by_page: list[list[Line]]) -> list[list[Line]]:
    """Drop running heads and feet, page numbers and contents-page leaders."""
    n = len(lines_by_page)
    pages_with: dict[str, set[int]] = defaultdict(set)
    raw_texts: dict[str, set[str]] = defaultdict(set)
    for lines in lines_by_page:
        for ln in lines:
            if ln.rows is None and _in_band(ln):
                pages_with[_mask(ln.text)].add(ln.page)
                raw_texts[_mask(ln.text)].add(ln.text)
    threshold = max(2, math.ceil(0.4 * n)) if n >= 2 else n + 1
    # A recurring line is a running head if its text is the same on every page, or if what
    # varies is a page number ("Page 3 of 40", "12 Working together ...").
    running = {
        k for k, pages in pages_with.items()
        if len(pages) >= threshold and (len(raw_texts[k]) == 1 or _PAGE_NUMBERED.search(k))
    }
    out = []
    for lines in lines_by_page:
        kept = []
        for ln in lines:
            if ln.rows is None:
                if _in_band(ln) and (_mask(ln.text) in running or _PAGE_NUMBER.match(ln.text)):
                    continue
                if _DOT_LEADER.search(ln.text):
                    continue
            kept.append(ln)
        out.append(kept)
    return out


def _in_band(ln: Line) -> bool:
    return ln.top < _BAND * ln.page_height or ln.bottom > (1 - _BAND) * ln.page_height


def _body_size(lines: list[Line]) -> float:
    sizes: Counter[float] = Counter()
    for ln in lines:
        if ln.rows is None:
            sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_TERMINAL)


def _mark_headings(lines: list[Line], body: float) -> None:
    styles: set[tuple[float, bool]] = set()
    for ln in lines:
        if ln.rows is not None:
            continue
        words = len(ln.text.split())
        numbered = match_number(ln.text)[0] is not None or match_list_marker(ln.text)[0]
        larger = ln.size >= body + 1.0 and words <= 25
        bold_line = ln.bold and ln.size >= body - 0.5 and words <= 15 and not ln.text.endswith((".", ",", ";", ":")) and not numbered
        chapter = bool(HEADING_WORDS.match(ln.text)) and words <= 14 and not ln.text.endswith((".", ";", ","))
        if larger or bold_line or chapter:  # a numbered line in large type is a numbered heading
            ln.heading_level = -1
            styles.add((ln.size, ln.bold))
    ranked = sorted(styles, key=lambda s: (-s[0], not s[1]))
    for ln in lines:
        if ln.heading_level == -1:
            ln.heading_level = ranked.index((ln.size, ln.bold)) + 1


def _typical_gap(lines: list[Line], body: float) -> float:
    """White space between two lines of one paragraph: the smallest gap that recurs."""
    gaps: Counter[float] = Counter()
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and a.rows is None and b.rows is None and not a.heading_level and not b.heading_level and a.size == body == b.size:
            g = b.top - a.bottom
            if 0 <= g < 3 * body:
                gaps[round(g * 2) / 2] += 1
    recurring = [g for g, n in gaps.items() if n >= 2]
    if recurring:
        return min(recurring)
    return min(gaps) if gaps else body * 0.3


def _right_edge(lines: list[Line], body: float) -> float:
    """Where full lines of body text end (the text column's right edge)."""
    ends = sorted(ln.x1 for ln in lines if ln.rows is None and not ln.heading_level and ln.size == body)
    return ends[int(0.9 * (len(ends) - 1))] if ends else 0.0


def _join(parts: list[str], compounds: frozenset[str] = frozenset()) -> str:
    """Join wrapped lines; undo hyphenation across a break (lower case on both sides)."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if not out:
            out = part
            continue
        if out.endswith("\u00ad"):
            out = out[:-1] + part
        elif re.search(r"[A-Za-z]-$", out) and not out.endswith("--"):
            left = re.search(r"([A-Za-z]+)-$", out)
            right = re.match(r"[A-Za-z]+", part)
            if left and right and out[-2].islower() and part[0].islower():
                keep = f"{left.group(1)}-{right.group(0)}".lower() in compounds
                out = out + part if keep else out[:-1] + part
            else:
                out = out + part  # "COVID-" + "19": a real hyphen, no space
        else:
            out = out + " " + part
    return clean(out)


def _starts(ln: Line) -> tuple[str, str | None] | None:
    """What a line would start: ("paragraph", number) or ("list_item", marker)."""
    is_list, marker, _ = match_list_marker(ln.text)
    if is_list:
        return "list_item", marker
    num, _ = match_number(ln.text)
    if num is not None:
        return "paragraph", num
    if ln.text[:1] in _BULLETS and len(ln.text) > 1 and ln.text[1] == " ":
        return "list_item", None
    return None


def _strip_marker(text: str) -> str:
    is_list, _, body = match_list_marker(text)
    if is_list:
        return body
    num, body = match_number(text)
    if num is not None:
        return body
    if text[:1] in _BULLETS and text[1:2] == " ":
        return text[2:]
    return text


def _assemble(lines: list[Line], body: float) -> list[RawUnit]:
    gap0 = _typical_gap(lines, body)
    para_gap = gap0 + max(2.0, 0.3 * body)
    right = _right_edge(lines, body)
    compounds = frozenset(m.lower() for ln in lines for m in _COMPOUND.findall(ln.text))
    units: list[RawUnit] = []
    cur: _Unit | None = None
    list_stack: list[float] = []

    def flush() -> None:
        nonlocal cur
        if cur is not None and cur.lines:
            parts = [_strip_marker(cur.lines[0].text) if cur.kind != "heading" and (cur.number is not None or cur.kind == "list_item") else cur.lines[0].text]
            parts += [ln.text for ln in cur.lines[1:]]
            text = _join(parts, compounds)
            if text:
                units.append((cur.kind, text, cur.level, cur.number))
        cur = None

    for ln in lines:
        if ln.rows is not None:
            flush()
            list_stack.clear()
            units.extend(("paragraph", r, 0, None) for r in ln.rows)
            continue
        if ln.heading_level:
            prev = cur.lines[-1] if cur is not None and cur.kind == "heading" else None
            if prev is not None and prev.page == ln.page and (prev.size, prev.bold, prev.heading_level) == (ln.size, ln.bold, ln.heading_level) and ln.top - prev.bottom < 0.8 * ln.size:
                cur.lines.append(ln)  # the second line of a long heading
                continue
            flush()
            list_stack.clear()
            cur = _Unit("heading", None, ln.heading_level, [ln])
            continue
        start = _starts(ln)
        prev = cur.lines[-1] if cur is not None and cur.kind != "heading" else None
        new = prev is None
        if prev is not None:
            same_page = prev.page == ln.page
            ended = _ends_sentence(prev.text)
            outdent = ln.x0 < prev.x0 - 3
            if start is not None:
                new = ended or outdent or (same_page and ln.top - prev.bottom > para_gap) or start[0] == "list_item" and ln.text[:1] in _GLYPHS
            elif same_page:
                # A sentence ends and the next line's first word would have fitted after
                # it: the line was broken on purpose, so a paragraph ends there.
                deliberate = ended and prev.x1 + 0.3 * body + ln.first_width < right and not ln.text[:1].islower()
                new = ln.top - prev.bottom > para_gap or deliberate
            else:
                hanging = cur is not None and cur.text_x > cur.marker_x + 2 and abs(ln.x0 - cur.text_x) <= 2
                new = ended and not ln.text[:1].islower() and not hanging
        if not new:
            assert cur is not None
            cur.lines.append(ln)
            continue
        flush()
        if start is None:
            list_stack.clear()
            cur = _Unit("paragraph", None, 0, [ln], ln.x0, ln.x0)
        elif start[0] == "paragraph":
            list_stack.clear()
            cur = _Unit("paragraph", start[1], 0, [ln], ln.x0, ln.text_x)
        else:
            while list_stack and ln.x0 < list_stack[-1] - 3:
                list_stack.pop()
            if not list_stack or ln.x0 > list_stack[-1] + 3:
                list_stack.append(ln.x0)
            cur = _Unit("list_item", start[1], len(list_stack), [ln], ln.x0, ln.text_x)
    flush()
    return units


def parse_pdf(data: bytes, *, max_pages: int | None = None, time_limit: float | None = None) -> Parsed:
    """Parse a PDF into raw units (at most ``MAX_PAGES`` pages, ``TIME_LIMIT`` seconds).

    Raises:
        BadInput: truncated, damaged or encrypted, or with no text layer at all.
    """
    max_pages = MAX_PAGES if max_pages is None else max_pages
    time_limit = TIME_LIMIT if time_limit is None else time_limit
    warnings: list[str] = []
    started = time.monotonic()
    pdf = _open(data)
    try:
        title = (pdf.metadata or {}).get("Title")
        title = clean(title) if isinstance(title, str) else None
        lines_by_page: list[list[Line]] = []
        empty: list[int] = []
        pages = pdf.pages
        for i, page in enumerate(pages):
            if i >= max_pages:
                warnings.append(f"stopped after {max_pages} of {len(pages)} pages: the rest was not read")
                break
            if time.monotonic() - started > time_limit:
                warnings.append(f"stopped after {i} of {len(pages)} pages: reading took longer than {time_limit:.0f} seconds")
                break
            tables, boxes = _tables(page, i)
            lines = _page_lines(page, i, boxes) + tables
            lines.sort(key=lambda ln: ln.top)
            if not lines:
                empty.append(i + 1)
            lines_by_page.append(lines)
            page.close()
    except BadInput:
        raise
    except Exception as e:  # noqa: BLE001 - a page that pdfminer cannot read
        raise _bad(
            "is a truncated or damaged PDF",
            clean(f"{type(e).__name__}: {e}")[:160],
            "download it again, or open and re-save it in a PDF viewer",
        ) from None
    finally:
        pdf.close()
    if lines_by_page and len(empty) == len(lines_by_page):
        raise _bad(
            "has no text layer",
            "its pages are images (a scan) or empty",
            "run OCR on it first (for example with ocrmypdf), or find the text version of the guidance",
        )
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" ..." if len(empty) > 10 else "")
        warnings.append(f"{len(empty)} page(s) have no text (images or blank): {shown}")
    kept = [ln for page_lines in _drop_running(lines_by_page) for ln in page_lines]
    body = _body_size(kept)
    _mark_headings(kept, body)
    return Parsed(_assemble(kept, body), warnings=warnings, fallback_title=title)
