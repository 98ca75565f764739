"""Ingest: bytes -> ``Document`` of ``Unit``s.

``PARSERS`` maps a format name to a function ``bytes -> list[RawUnit]``; the format is
sniffed from the content, the file name only breaks ties. A parser may return a
``Parsed`` (a list of raw units that also carries the title and warnings it found).

A parser raises ``BadInput`` with a message that starts with a verb ("is encrypted");
``parse_bytes`` puts the file's name in front. Any other exception a parser lets out is
wrapped in ``BadInput`` naming the file, so no library exception escapes.

After parsing, every format goes through the same finishing steps:

- the document title is lifted out of the units: the parser's own title (DOCX ``Title``
  style), else a first heading that ranks above every other heading (an HTML ``<h1>``
  over ``<h2>`` chapters, the biggest type on a PDF's first page, Markdown's ``#``);
- heading levels are renumbered densely from 1, so that a chapter is level 1 whether it
  was an ``<h2>``, a ``Heading 1`` style, Markdown ``##`` or 16pt bold type.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from tracker.errors import BadInput, TrackerError, UnsupportedFormat
from tracker.ingest.normalise import clean, norm
from tracker.ingest.text import HEADING_WORDS, RawUnit, split_text
from tracker.models import Document, Unit, VersionInfo

__all__ = [
    "MAX_BYTES",
    "PARSERS",
    "Parsed",
    "build_document",
    "parse_bytes",
    "parse_file",
    "parse_file_bytes",
    "parse_text",
    "read_file",
    "sniff",
]

MAX_BYTES = 64 * 1024 * 1024
"""Largest input accepted (64 MiB): guidance PDFs run to a few MB."""

FORMAT_NAMES = {"html": "HTML", "pdf": "a PDF", "docx": "a DOCX", "text": "text"}
_EXTENSIONS = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf", ".docx": "docx",
    ".txt": "text", ".md": "text", ".markdown": "text", ".text": "text",
}
_GIVE = "give a .html, .pdf, .docx, .md or .txt file"


class Parsed(list[RawUnit]):
    """What a parser returns: its raw units, and what else it found on the way.

    Attributes:
        title: the document's title when the format marks it (DOCX ``Title`` style, a
            GOV.UK publication header outside the content).
        warnings: things the parser noticed but could live with.
        fallback_title: a title to use if none is found in the units (HTML ``<title>``).
    """

    def __init__(
        self,
        units: Iterable[RawUnit] = (),
        *,
        title: str | None = None,
        warnings: Iterable[str] = (),
        fallback_title: str | None = None,
    ) -> None:
        super().__init__(units)
        self.title = title
        self.warnings = list(warnings)
        self.fallback_title = fallback_title


# --- Markdown tables: one unit per row, as the other formats give -----------------

_MD_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _md_tables(text: str) -> str:
    """Turn Markdown pipe-table rows into blocks of their own, cells joined by `` | ``."""
    if "|" not in text:
        return text
    out: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _MD_TABLE_RULE.match(line) and line.count("|") >= 1 and "-" in line:
            out.append("")
            continue
        m = _MD_TABLE_ROW.match(line)
        if m:
            cells = [c.strip() for c in m.group(1).split("|")]
            row = " | ".join(c for c in cells if c)
            out.extend(["", row, ""] if row else [""])
        else:
            out.append(line)
    return "\n".join(out)


def _split_text(text: str) -> list[RawUnit]:
    units = split_text(_md_tables(text))
    # A table row is a paragraph, never a title-like heading.
    return [("paragraph", t, 0, None) if k == "heading" and " | " in t else (k, t, lv, n) for k, t, lv, n in units]


def _parse_text_bytes(data: bytes) -> list[RawUnit]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return _split_text(text)


# Parser modules are imported on first use: pdfplumber alone takes a good part of a second.
def _parse_html(data: bytes) -> list[RawUnit]:
    from tracker.ingest.html import parse_html

    return parse_html(data)


def _parse_pdf(data: bytes) -> list[RawUnit]:
    from tracker.ingest.pdf import parse_pdf

    return parse_pdf(data)


def _parse_docx(data: bytes) -> list[RawUnit]:
    from tracker.ingest.docx import parse_docx

    return parse_docx(data)


PARSERS: dict[str, Callable[[bytes], list[RawUnit]]] = {
    "text": _parse_text_bytes,
    "html": _parse_html,
    "pdf": _parse_pdf,
    "docx": _parse_docx,
}


# --- Sniffing ------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Office file (.doc, .xls or .ppt)", "save it as .docx or PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _GIVE),
    (b"\xff\xd8\xff", "a JPEG image", _GIVE),
    (b"GIF87a", "a GIF image", _GIVE),
    (b"GIF89a", "a GIF image", _GIVE),
    (b"\x1f\x8b", "a gzip archive", "unpack it and give the document inside"),
    (b"{\\rtf", "an RTF file", "save it as .docx or PDF"),
    (b"\x7fELF", "a program, not a document", _GIVE),
    (b"MZ", "a program, not a document", _GIVE),
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAG = re.compile(
    rb"<(?:html|head|body|title|meta|div|p|h[1-6]|main|article|section|table|ul|ol|span|br)[\s>/]",
    re.IGNORECASE,
)


def _zip_format(data: bytes, label: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        if b"word/document.xml" in data:
            return "docx"  # a damaged DOCX: the DOCX parser says so
        raise UnsupportedFormat(
            f"{label} is a damaged zip archive, not a DOCX", "its zip directory cannot be read", "give the .docx or PDF of the guidance"
        ) from None
    if "word/document.xml" in names:
        return "docx"
    what = "a zip archive, not a DOCX"
    if "content.xml" in names:
        what = "an OpenDocument file (.odt), not a DOCX"
    elif "xl/workbook.xml" in names:
        what = "an Excel workbook, not a DOCX"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint file, not a DOCX"
    raise UnsupportedFormat(
        f"{label} is {what}", "it holds no word/document.xml", "give the guidance itself as .docx, PDF, HTML or text"
    )


def _from_utf16(data: bytes) -> bytes:
    """UTF-16 text (Windows "Unicode" text files) as UTF-8; other bytes unchanged."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_WORDLIKE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t\r\n.,;:'\"-()!?")


def _garbage_cjk(ch: str) -> bool:
    """CJK, private-use or replacement: what 8-bit text read as UTF-16 turns into."""
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xE000 <= o <= 0xF8FF or 0xD800 <= o <= 0xDFFF or o == 0xFFFD


def _check_utf16(data: bytes, label: str) -> None:
    """Refuse bytes whose BOM says UTF-16 but which are not UTF-16 text.

    Truncated UTF-16 has an odd number of bytes. Ordinary 8-bit text behind a stray BOM
    decodes to CJK-looking characters, since each pair of ASCII letters makes one code
    point in U+4100..U+7AFF. That is told from real Chinese or Japanese text by the
    bytes: 8-bit text is mostly ASCII letters, spaces and punctuation, with runs of
    letters (words) between spaces, while real UTF-16 has a NUL byte
    for every ASCII character and low bytes spread over 0..255.

    Raises:
        BadInput: ``data`` starts with a UTF-16 BOM but is not UTF-16 text.
    """
    if data[:2] not in _UTF16_BOMS or data[:4] == b"\xff\xfe\x00\x00":  # UTF-32 LE: not ours to judge
        return
    payload = data[2:]
    why = None
    if len(payload) % 2:
        why = "it has an odd number of bytes after its UTF-16 byte-order mark"
    else:
        sample = payload[:65536]
        text = sample.decode("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be", errors="replace")
        chars = [c for c in text if not c.isspace()]
        cjk = sum(map(_garbage_cjk, chars))
        wordlike = sum(b in _WORDLIKE for b in sample)
        in_words = sum(len(w) for w in re.findall(rb"[A-Za-z]{3,}", sample))
        spaces = sample.count(b" ")  # few CJK characters have 0x20 as a byte; 8-bit prose is full of them
        if (chars and cjk > 0.3 * len(chars) and wordlike >= 0.7 * len(sample) and in_words >= 0.3 * len(sample)
                and spaces >= max(1, 0.05 * len(sample))):
            why = "its UTF-16 byte-order mark is followed by 8-bit text, which would read as CJK characters"
    if why:
        raise BadInput(
            f"{label} is not readable text (bad UTF-16)", why,
            "save it again as UTF-8 (or as whole UTF-16) text, or remove its first two bytes",
        )


def sniff(data: bytes, name: str | None = None) -> str:
    """Guess the format of ``data`` from its content (and ``name`` to break ties).

    Returns ``"pdf"``, ``"docx"``, ``"html"`` or ``"text"``.

    Raises:
        UnsupportedFormat: a zip that is not a DOCX, an image, binary data.
    """
    label = name or "input"
    data = _from_utf16(data[:65536]) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
    stripped = data[:4096].lstrip()
    pdf_at = data[:1024].find(b"%PDF-")
    if stripped.startswith(b"%PDF-") or (pdf_at >= 0 and (b"\x00" in data[:pdf_at] or (name or "").lower().endswith(".pdf"))):
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return _zip_format(data, label)
    for magic, what, fix in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormat(f"{label} is {what}", "not text, HTML, PDF or DOCX", fix)
    binary = b"\x00" in data[:4096]
    if not binary:
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < 65000:
                bad = sum(1 for b in data[:4096] if b < 9 or 13 < b < 32 or b == 127)
                # Otherwise legacy-encoded text (Windows-1252): the text parser decodes it.
                binary = bad > len(data[:4096]) // 50
    if binary:
        ext = Path(name).suffix.lower() if name else ""
        if ext == ".docx":
            raise UnsupportedFormat(f"{label} is not a valid DOCX", "it is not a zip archive, and every .docx file is one", "open it in Word and save it as .docx, or give the PDF")
        if ext == ".pdf":
            raise UnsupportedFormat(f"{label} is not a valid PDF", "it has no %PDF- header", "download it again, or give the HTML or DOCX version")
        raise UnsupportedFormat(f"{label} is binary data", "not text, HTML, PDF or DOCX", _GIVE)
    if _HTML_START.match(data[:4096]):
        return "html"
    if stripped.startswith(b"<") and _HTML_TAG.search(data[:8192]):
        return "html"
    ext = Path(name).suffix.lower() if name else ""
    if _EXTENSIONS.get(ext) == "html" and _HTML_TAG.search(data[:65536]):
        return "html"
    return "text"


# --- Building the document -----------------------------------------------------

def _lift_title(raw: list[RawUnit]) -> tuple[list[RawUnit], str | None]:
    """Take the document title out of the units: a first heading above all the others."""
    if len(raw) < 2 or raw[0][0] != "heading":
        return raw, None
    level = raw[0][2]
    others = [lv for kind, _, lv, _ in raw[1:] if kind == "heading"]
    if not others or min(others) <= level or HEADING_WORDS.match(clean(raw[0][1])):
        return raw, None
    if not any(kind != "heading" for kind, *_ in raw[1:]):
        return raw, None
    return raw[1:], clean(raw[0][1]) or None


def _dense_levels(raw: list[RawUnit]) -> list[RawUnit]:
    """Renumber heading levels 1, 2, 3... in the order of the levels present."""
    levels = sorted({lv for kind, _, lv, _ in raw if kind == "heading"})
    rank = {lv: i + 1 for i, lv in enumerate(levels)}
    return [(k, t, rank[lv] if k == "heading" else lv, n) for k, t, lv, n in raw]


def _finish(raw: list[RawUnit]) -> tuple[list[RawUnit], str | None, list[str]]:
    """Title lifting and heading levels, the same for every format."""
    title = getattr(raw, "title", None)
    warnings = list(getattr(raw, "warnings", ()))
    units = list(raw)
    if title is None:
        units, title = _lift_title(units)
    if title is None:
        title = getattr(raw, "fallback_title", None)
    return _dense_levels(units), title, warnings


def build_document(raw: list[RawUnit], info: VersionInfo, fmt: str, title: str | None = None, warnings: tuple[str, ...] = ()) -> Document:
    """Turn raw units into a ``Document``: heading trails, indexes and comparison keys."""
    units: list[Unit] = []
    trail: list[tuple[int, str]] = []
    for kind, text, level, number in raw:
        text = clean(text)
        if not text:
            continue
        path = tuple(t for _, t in trail)
        if kind == "heading":
            trail = [(lv, t) for lv, t in trail if lv < level]
            path = tuple(t for _, t in trail)
            trail.append((level, text))
        units.append(Unit(kind=kind, text=text, norm=norm(text), path=path, number=number, index=len(units), level=level))  # type: ignore[arg-type]
    if not units:
        raise BadInput(f"{info.label} has no text", "nothing readable was found in it", "check the file is the guidance itself, not an empty page")
    return Document(units=tuple(units), info=info, title=title, format=fmt, warnings=warnings)


def _named(e: TrackerError, label: str) -> TrackerError:
    """The same error with the file's name in front, if it does not name it already."""
    if label in e.what:
        return e
    return type(e)(f"{label} {e.what}", e.cause, e.fix)


def parse_bytes(data: bytes, *, name: str | None = None, info: VersionInfo | None = None, fmt: str | None = None) -> Document:
    """Parse raw bytes of any supported format into a ``Document``.

    Raises:
        BadInput: empty, too large, or unreadable input (truncated, encrypted, no text).
        UnsupportedFormat: a format no parser handles.
    """
    label = name or (info.label if info else "input")
    if not data or not data.strip():
        raise BadInput(f"{label} is empty", None, "give a file with the guidance text in it")
    if len(data) > MAX_BYTES:
        raise BadInput(f"{label} is too large ({len(data)} bytes)", f"the limit is {MAX_BYTES} bytes", "split the document")
    _check_utf16(data, label)
    fmt = fmt or sniff(data, label)
    if fmt not in PARSERS:
        raise UnsupportedFormat(f"{label} is in an unsupported format ({fmt})", None, "give HTML, PDF, DOCX, Markdown or plain text")
    if info is None:
        info = VersionInfo(label=label, sha256=hashlib.sha256(data).hexdigest(), source=name, origin="file", media_type=fmt)
    if fmt in ("text", "html"):
        data = _from_utf16(data)
    try:
        raw = PARSERS[fmt](data)
    except TrackerError as e:
        raise _named(e, label) from None
    except Exception as e:  # noqa: BLE001 - a library's exception must not escape
        detail = clean(f"{type(e).__name__}: {e}")[:200]
        raise BadInput(
            f"{label} could not be read as {FORMAT_NAMES.get(fmt, fmt)}",
            detail,
            "check that it opens in its usual program; if it does, report this as a bug with the file",
        ) from e
    units, title, warnings = _finish(raw)
    ext = Path(name).suffix.lower() if name else ""
    if _EXTENSIONS.get(ext) not in (None, fmt) and not (_EXTENSIONS.get(ext) == "text" and fmt == "html"):
        warnings.append(f"{label} is named {ext} but holds {FORMAT_NAMES.get(fmt, fmt)}: parsed as {fmt}")
    try:
        return build_document(units, info, fmt, title=title, warnings=tuple(warnings))
    except TrackerError as e:
        raise _named(e, label) from None


def read_file(path: str | Path) -> bytes:
    """Read a local file's bytes, within the size limit.

    Raises:
        BadInput: the path is missing, a directory, too large or unreadable.
    """
    p = Path(path)
    if not p.exists():
        raise BadInput(f"{p} does not exist", None, "check the path")
    if p.is_dir():
        raise BadInput(f"{p} is a directory", None, "give a file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise BadInput(f"{p} is too large ({size} bytes)", f"the limit is {MAX_BYTES} bytes", "split the document")
        return p.read_bytes()
    except OSError as e:
        raise BadInput(f"{p} cannot be read", e.strerror, "check its permissions") from None


def parse_file_bytes(data: bytes, path: str | Path) -> Document:
    """Parse the bytes read from ``path`` (pure: ``parse_file`` without the reading, so
    a batch worker can parse bytes the driver read).

    Raises:
        BadInput, UnsupportedFormat: as ``parse_bytes``.
    """
    p = Path(path)
    info = VersionInfo(label=p.name, sha256=hashlib.sha256(data).hexdigest(), source=str(p), origin="file")
    doc = parse_bytes(data, name=str(p), info=info)
    return Document(units=doc.units, info=VersionInfo(**{**info.__dict__, "media_type": doc.format}), title=doc.title, format=doc.format, warnings=doc.warnings)


def parse_file(path: str | Path) -> Document:
    """Read and parse a local file.

    Raises:
        BadInput: the path is missing, a directory, or unreadable.
    """
    return parse_file_bytes(read_file(path), path)


def parse_text(text: str, *, label: str = "text") -> Document:
    """Parse a string (plain text or Markdown) into a ``Document``."""
    data = text.encode("utf-8")
    info = VersionInfo(label=label, sha256=hashlib.sha256(data).hexdigest(), source=None, origin="text", media_type="text")
    if not text.strip():
        return Document(units=(), info=info, format="text")
    units, title, _ = _finish(_split_text(text))
    return build_document(units, info, "text", title=title)
