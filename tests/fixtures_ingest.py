"""Fixtures for the ingest tests (a pytest plugin loaded by conftest.py).

- ``ingest_dir``: ``tests/fixtures/ingest/``, the hostile and bad input files.
- ``sample_dir`` / ``sample_docs``: the sample corpus and its versions parsed once per
  session (``sample_docs[("v1", "pdf")]``; formats html, pdf, docx, md).
- ``make_pdf``: build a PDF from positioned lines (fpdf2, Helvetica).
- ``docx_tools``: python-docx helpers for numbering definitions and ``w:numPr``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def ingest_dir() -> Path:
    return ROOT / "tests" / "fixtures" / "ingest"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return ROOT / "corpora" / "sample"


@pytest.fixture(scope="session")
def sample_docs(sample_dir: Path) -> dict[tuple[str, str], Any]:
    """Every version of the sample in every format, parsed once."""
    from tracker.ingest import parse_file, parse_text

    docs: dict[tuple[str, str], Any] = {}
    for v in ("v1", "v2"):
        for fmt in ("html", "pdf", "docx"):
            docs[(v, fmt)] = parse_file(sample_dir / f"{v}.{fmt}")
        docs[(v, "md")] = parse_text((sample_dir / f"{v}.md").read_text(encoding="utf-8"), label=f"{v}.md")
    return docs


@dataclass(frozen=True)
class PdfLine:
    """One line of text placed on a page (millimetres from the top left)."""

    x: float
    y: float
    text: str
    size: float = 10.5
    bold: bool = False


def _build_pdf(
    pages: Sequence[Sequence[PdfLine | tuple[Any, ...]]],
    header: str | None = None,
    footer: str | None = None,
    table: tuple[int, Sequence[Sequence[str]], float] | None = None,
    encrypt: tuple[str, str | None] | None = None,
) -> bytes:
    """Pages of lines; ``footer`` may hold ``{page}`` and ``{pages}``.

    ``table``: (page index, rows, y in mm) for a ruled table. ``encrypt``: (owner, user).
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    for i, lines in enumerate(pages):
        pdf.add_page()
        if header:
            pdf.set_font("Helvetica", "", 8)
            pdf.text(20, 12, header)
        if footer:
            pdf.set_font("Helvetica", "", 8)
            pdf.text(20, 287, footer.format(page=i + 1, pages=len(pages)))
        for ln in lines:
            ln = ln if isinstance(ln, PdfLine) else PdfLine(*ln)
            pdf.set_font("Helvetica", "B" if ln.bold else "", ln.size)
            pdf.text(ln.x, ln.y, ln.text)
        if table is not None and table[0] == i:
            pdf.set_font("Helvetica", "", 9)
            pdf.set_y(table[2])
            with pdf.table(width=150, align="LEFT", first_row_as_headings=True) as t:
                for r in table[1]:
                    row = t.row()
                    for c in r:
                        row.cell(c)
    if encrypt is not None:
        pdf.set_encryption(owner_password=encrypt[0], user_password=encrypt[1])
    return bytes(pdf.output())


@pytest.fixture(scope="session")
def make_pdf() -> Callable[..., bytes]:
    """``make_pdf(pages, header=None, footer=None, table=None, encrypt=None) -> bytes``.

    Each page is a list of ``PdfLine`` or ``(x_mm, y_mm, text, size=10.5, bold=False)``.
    """
    return _build_pdf


class DocxTools:
    """Helpers for building DOCX test documents with python-docx."""

    @staticmethod
    def new() -> Any:
        import docx

        return docx.Document()

    @staticmethod
    def add_abstract(doc: Any, levels: Sequence[tuple[str, str, int]]) -> int:
        """Add an abstract numbering: one (numFmt, lvlText, start) per level. Returns its id."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        numbering = doc.part.numbering_part.element
        aid = max((int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))), default=0) + 1
        a = OxmlElement("w:abstractNum")
        a.set(qn("w:abstractNumId"), str(aid))
        for ilvl, (fmt, text, start) in enumerate(levels):
            lvl = OxmlElement("w:lvl")
            lvl.set(qn("w:ilvl"), str(ilvl))
            for tag, val in (("w:start", str(start)), ("w:numFmt", fmt), ("w:lvlText", text)):
                el = OxmlElement(tag)
                el.set(qn("w:val"), val)
                lvl.append(el)
            a.append(lvl)
        first = numbering.find(qn("w:num"))
        if first is not None:
            first.addprevious(a)
        else:
            numbering.append(a)
        return aid

    @staticmethod
    def add_num(doc: Any, abstract_id: int, start_override: int | None = None) -> int:
        """Add a numbering instance (``w:num``) of an abstract numbering. Returns its numId."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        numbering = doc.part.numbering_part.element
        nid = max((int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))), default=0) + 1
        n = OxmlElement("w:num")
        n.set(qn("w:numId"), str(nid))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract_id))
        n.append(ref)
        if start_override is not None:
            o = OxmlElement("w:lvlOverride")
            o.set(qn("w:ilvl"), "0")
            s = OxmlElement("w:startOverride")
            s.set(qn("w:val"), str(start_override))
            o.append(s)
            n.append(o)
        numbering.append(n)
        return nid

    @staticmethod
    def numbered(doc: Any, text: str, num_id: int, ilvl: int = 0, style: str | None = None) -> Any:
        """Add a paragraph numbered by ``w:numPr`` in its own properties."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        p = doc.add_paragraph(text, style=style)
        numpr = OxmlElement("w:numPr")
        for tag, val in (("w:ilvl", ilvl), ("w:numId", num_id)):
            el = OxmlElement(tag)
            el.set(qn("w:val"), str(val))
            numpr.append(el)
        p._p.get_or_add_pPr().append(numpr)
        return p

    @staticmethod
    def to_bytes(doc: Any) -> bytes:
        import io

        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()


@pytest.fixture(scope="session")
def docx_tools() -> type[DocxTools]:
    return DocxTools
