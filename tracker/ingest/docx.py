"""DOCX -> raw units (python-docx for the package, lxml for the body).

- ``Title`` style: the document title (not a unit); ``Heading 1``..``Heading 9``, styles
  based on them, and paragraphs with an outline level: headings at that level.
- Numbering (``w:numPr`` on the paragraph or inherited from its style, as the
  ``List Number`` and ``List Bullet`` styles do): the displayed number is computed as
  Word does, counting per numbering instance (``numId``) and level (``ilvl``) from the
  level's start value or a ``startOverride``, deeper levels restarting, and the level's
  ``lvlText`` ("%1.", "(%1)", "%1.%2") filled in with each level's format (decimal,
  letters, roman). Decimal numbering at the top level, or any multi-level number like
  "4.2", gives a numbered *paragraph*; letters, roman numerals and nested levels give
  list items; bullets give list items without a number.
- Numbers typed into the text ("12. ...", "(a) ...") are recognised as in plain text.
- Each table row is one paragraph, its non-empty cells joined with `` | ``.
- Text: tracked insertions are kept and deletions dropped; field codes, text boxes,
  contents (TOC) paragraphs and content controls marked as a table of contents are
  skipped. Headers, footers and footnotes are not part of the body and are not read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree

from tracker.errors import BadInput
from tracker.ingest import Parsed
from tracker.ingest.normalise import clean
from tracker.ingest.text import RawUnit, match_list_marker, match_number

__all__ = ["parse_docx"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {W + "del", W + "moveFrom", W + "txbxContent", W + "pPr", W + "rPr", W + "instrText", W + "delText", MC_FALLBACK}
_HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def _val(el: Any, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(W + tag)
    return child.get(W + "val") if child is not None else None


def _int(v: str | None, default: int) -> int:
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


# --- numbers ------------------------------------------------------------------------

def _alpha(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(ord("a") + r) + s
    return s


def _roman(n: int) -> str:
    out = ""
    for v, r in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                 (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out += r
            n -= v
    return out


def _format(n: int, fmt: str) -> str:
    if n <= 0:
        return str(n)
    if fmt == "lowerLetter":
        return _alpha(n)
    if fmt == "upperLetter":
        return _alpha(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class _Numbering:
    """Word's list numbering: definitions from numbering.xml, counters as the body is read."""

    def __init__(self, root: Any, style_num: dict[str, tuple[str | None, int | None]]) -> None:
        self.abstract: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.links: dict[str, str] = {}  # abstractNumId -> style it links to (numStyleLink)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.style_num = style_num
        self.counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        for a in root.findall(W + "abstractNum"):
            aid = a.get(W + "abstractNumId")
            levels = {}
            for lvl in a.findall(W + "lvl"):
                ilvl = _int(lvl.get(W + "ilvl"), 0)
                levels[ilvl] = (_int(_val(lvl, "start"), 1), _val(lvl, "numFmt") or "decimal", _val(lvl, "lvlText") or "")
            self.abstract[aid] = levels
            link = _val(a, "numStyleLink")
            if link:
                self.links[aid] = link
        for n in root.findall(W + "num"):
            overrides = {}
            for o in n.findall(W + "lvlOverride"):
                start = _val(o, "startOverride")
                if start is not None:
                    overrides[_int(o.get(W + "ilvl"), 0)] = _int(start, 1)
            self.nums[n.get(W + "numId")] = (_val(n, "abstractNumId") or "", overrides)

    def _levels(self, num_id: str, depth: int = 0) -> dict[int, tuple[int, str, str]]:
        aid = self.nums.get(num_id, ("", {}))[0]
        if aid in self.links and depth < 3:
            linked = self.style_num.get(self.links[aid], (None, None))[0]
            if linked and linked != num_id:
                return self._levels(linked, depth + 1)
        return self.abstract.get(aid, {})

    def next(self, num_id: str, ilvl: int) -> tuple[str, str | None, bool] | None:
        """Count one paragraph: (format, displayed number or None, multi-level)."""
        if num_id not in self.nums:
            return None
        levels = self._levels(num_id)
        if ilvl not in levels:
            return None
        overrides = self.nums[num_id][1]
        counters = self.counters.setdefault(num_id, {})

        def start(level: int) -> int:
            return overrides.get(level, levels.get(level, (1, "decimal", ""))[0])

        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start(ilvl)
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        _, fmt, text = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return fmt, None, False

        def fill(m: re.Match[str]) -> str:
            level = int(m.group(1)) - 1
            n = counters.get(level, start(level))
            return _format(n, levels.get(level, (1, "decimal", ""))[1])

        shown = re.sub(r"%([1-9])", fill, text)
        number = re.sub(r"^[^\w]+|[^\w]+$", "", shown) or None
        return fmt, number, len(re.findall(r"%[1-9]", text)) > 1


# --- styles -------------------------------------------------------------------------

class _Styles:
    def __init__(self, root: Any) -> None:
        self.name: dict[str, str] = {}
        self.base: dict[str, str] = {}
        self.num: dict[str, tuple[str | None, int | None]] = {}
        self.outline: dict[str, int] = {}
        self.default: str | None = None
        if root is None:
            return
        for s in root.findall(W + "style"):
            sid = s.get(W + "styleId")
            if sid is None:
                continue
            self.name[sid] = (_val(s, "name") or sid).strip()
            based = _val(s, "basedOn")
            if based:
                self.base[sid] = based
            ppr = s.find(W + "pPr")
            numpr = ppr.find(W + "numPr") if ppr is not None else None
            if numpr is not None:
                self.num[sid] = (_val(numpr, "numId"), _int(_val(numpr, "ilvl"), 0) if _val(numpr, "ilvl") else None)
            outline = _val(ppr, "outlineLvl") if ppr is not None else None
            if outline is not None:
                self.outline[sid] = _int(outline, 9)
            if s.get(W + "type") == "paragraph" and s.get(W + "default") in ("1", "true"):
                self.default = sid

    def chain(self, sid: str | None) -> Iterator[str]:
        seen = set()
        sid = sid or self.default
        while sid and sid not in seen:
            seen.add(sid)
            yield sid
            sid = self.base.get(sid)

    def heading(self, sid: str | None) -> int | None:
        """0 for Title, 1..9 for headings, None for body text."""
        for s in self.chain(sid):
            name = self.name.get(s, s).lower()
            if name == "title":
                return 0
            m = _HEADING_NAME.match(name)
            if m:
                return int(m.group(1))
            if s in self.outline:
                return self.outline[s] + 1 if self.outline[s] < 9 else None
        return None

    def is_toc(self, sid: str | None) -> bool:
        return any(re.match(r"^toc\s*\d|^table of contents", self.name.get(s, s), re.IGNORECASE) for s in self.chain(sid))

    def numbering(self, sid: str | None) -> tuple[str | None, int | None]:
        for s in self.chain(sid):
            if s in self.num:
                return self.num[s]
        return None, None


# --- body ---------------------------------------------------------------------------

def _text(el: Any) -> str:
    """Visible text of a paragraph (or any element): runs, tabs and breaks."""
    out: list[str] = []

    def walk(node: Any) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == W + "t":
                out.append(child.text or "")
            elif tag in (W + "tab", W + "br", W + "cr", W + "ptab"):
                out.append(" ")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            elif tag == W + "softHyphen":
                continue
            elif tag == W + "p":
                out.append(" ")
                walk(child)
                out.append(" ")
            else:
                walk(child)

    walk(el)
    return "".join(out)


def _is_toc_sdt(sdt: Any) -> bool:
    gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "contents" in (gallery.get(W + "val") or "").lower()


def _rows(tbl: Any) -> Iterator[Any]:
    for tr in tbl.iter(W + "tr"):
        parent = tr.getparent()
        while parent is not None and parent.tag != W + "tbl":
            parent = parent.getparent()
        if parent is tbl:
            yield tr


class _Reader:
    def __init__(self, styles: _Styles, numbering: _Numbering) -> None:
        self.styles = styles
        self.numbering = numbering
        self.units: list[RawUnit] = []
        self.title: str | None = None

    def block(self, el: Any) -> None:
        tag = el.tag
        if tag == W + "p":
            self.paragraph(el)
        elif tag == W + "tbl":
            self.table(el)
        elif tag == W + "sdt":
            if not _is_toc_sdt(el):
                content = el.find(W + "sdtContent")
                if content is not None:
                    for child in content:
                        self.block(child)
        elif tag in (W + "customXml", W + "ins", W + "moveTo"):
            for child in el:
                self.block(child)

    def paragraph(self, p: Any) -> None:
        ppr = p.find(W + "pPr")
        sid = _val(ppr, "pStyle")
        if self.styles.is_toc(sid):
            return
        text = clean(_text(p))
        level = self.styles.heading(sid)
        outline = _val(ppr, "outlineLvl") if ppr is not None else None
        if level is None and outline is not None and _int(outline, 9) < 9:
            level = _int(outline, 9) + 1
        num_id, ilvl = self._numpr(ppr, sid)
        counted = self.numbering.next(num_id, ilvl or 0) if num_id and num_id != "0" else None
        if not text:
            return
        if level == 0:
            if self.title is None:
                self.title = text
            else:
                self.units.append(("heading", text, 1, None))
            return
        if level is not None:
            self.units.append(("heading", text, level, None))
            return
        if counted is not None:
            fmt, number, multi = counted
            depth = (ilvl or 0) + 1
            if number is None:
                self.units.append(("list_item", text, depth, None))
            elif multi or (fmt.startswith("decimal") and not ilvl):
                self.units.append(("paragraph", text, 0, number))
            else:
                self.units.append(("list_item", text, depth, number))
            return
        is_list, marker, body = match_list_marker(text)
        if is_list:
            self.units.append(("list_item", body, 1, marker))
            return
        num, body = match_number(text)
        if num is not None:
            self.units.append(("paragraph", body, 0, num))
            return
        name = " ".join(self.styles.name.get(s, s) for s in self.styles.chain(sid)).lower()
        self.units.append(("list_item" if "list bullet" in name else "paragraph", text, 1 if "list bullet" in name else 0, None))

    def _numpr(self, ppr: Any, sid: str | None) -> tuple[str | None, int | None]:
        style_num, style_ilvl = self.styles.numbering(sid)
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is None:
            return style_num, style_ilvl
        num_id = _val(numpr, "numId") or style_num
        ilvl_v = _val(numpr, "ilvl")
        return num_id, _int(ilvl_v, 0) if ilvl_v is not None else style_ilvl

    def table(self, tbl: Any) -> None:
        for tr in _rows(tbl):
            cells = []
            for tc in tr.findall(W + "tc") + [tc for sdt in tr.findall(W + "sdt") for tc in sdt.iter(W + "tc")]:
                vmerge = tc.find(f"{W}tcPr/{W}vMerge")
                if vmerge is not None and vmerge.get(W + "val") in (None, "continue"):
                    continue
                cells.append(clean(_text(tc)))
            row = " | ".join(c for c in cells if c)
            if row:
                self.units.append(("paragraph", row, 0, None))


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                zf.getinfo("word/document.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        if data[:2] == b"PK":
            raise BadInput("is a damaged DOCX", "its zip structure is broken or cut short", "download it again, or open and re-save it in Word") from None
        raise BadInput(
            "is not a DOCX", "it is not a zip archive, and every .docx file is one",
            "open it in Word and save it as .docx, or give the PDF or HTML version",
        ) from None
    if "word/document.xml" not in names:
        raise BadInput("is not a DOCX", "the zip archive holds no word/document.xml", "give the guidance itself as .docx, PDF or HTML")


def parse_docx(data: bytes) -> Parsed:
    """Parse a DOCX file into raw units (the ``Title`` paragraph becomes the title).

    Raises:
        BadInput: not a zip, no ``word/document.xml``, or a damaged package.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        styles_root = document.styles.element
        try:
            numbering_root = document.part.numbering_part.element
        except (NotImplementedError, KeyError):
            numbering_root = None
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError) as e:
        raise BadInput("is a damaged DOCX", clean(f"{type(e).__name__}: {e}")[:160], "open and re-save it in Word, or give the PDF version") from None
    except Exception as e:  # noqa: BLE001 - python-docx fails in many ways on a broken package
        raise BadInput("is a damaged DOCX", clean(f"{type(e).__name__}: {e}")[:160], "open and re-save it in Word, or give the PDF version") from None
    styles = _Styles(styles_root)
    reader = _Reader(styles, _Numbering(numbering_root, styles.num))
    for child in body:
        reader.block(child)
    title = reader.title or clean(document.core_properties.title or "") or None
    if not any(kind != "heading" for kind, *_ in reader.units):
        raise BadInput("has no body text", "the document body holds no paragraphs with text", "check it is the guidance itself")
    return Parsed(reader.units, title=reader.title, fallback_title=title)
