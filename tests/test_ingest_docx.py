"""DOCX parser: heading styles, Word numbering, lists, tables, tracked changes, bad packages."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from tracker.errors import BadInput, UnsupportedFormat
from tracker.ingest import parse_bytes
from tracker.ingest.docx import parse_docx


def _units(doc) -> list[tuple[str, str | None, str]]:  # noqa: ANN001
    return [(u.kind, u.number, u.text) for u in doc.units]


def test_ingest_docx_heading_styles(docx_tools) -> None:
    d = docx_tools.new()
    d.add_paragraph("Sample guidance", style="Title")
    d.add_heading("Chapter 1: Assessing need", level=1)
    d.add_heading("Timeliness", level=2)
    d.add_paragraph("Body text under timeliness.")
    d.add_heading("Detail", level=3)
    d.add_paragraph("Deeper text.")
    d.add_heading("Chapter 2: Supervision", level=1)
    d.add_paragraph("Chapter two text.")
    doc = parse_bytes(docx_tools.to_bytes(d), name="h.docx")
    assert doc.format == "docx"
    assert doc.title == "Sample guidance"
    got = [(u.kind, u.level, u.text, u.path) for u in doc.units]
    ch1 = "Chapter 1: Assessing need"
    assert got == [
        ("heading", 1, ch1, ()),
        ("heading", 2, "Timeliness", (ch1,)),
        ("paragraph", 0, "Body text under timeliness.", (ch1, "Timeliness")),
        ("heading", 3, "Detail", (ch1, "Timeliness")),
        ("paragraph", 0, "Deeper text.", (ch1, "Timeliness", "Detail")),
        ("heading", 1, "Chapter 2: Supervision", ()),
        ("paragraph", 0, "Chapter two text.", ("Chapter 2: Supervision",)),
    ]


def test_ingest_docx_style_based_on_heading_and_outline_level(docx_tools) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    d = docx_tools.new()
    custom = d.styles.add_style("Guidance Chapter", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = d.styles["Heading 1"]
    d.add_paragraph("Chapter 1", style="Guidance Chapter")
    p = d.add_paragraph("Outlined subheading")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")
    p._p.get_or_add_pPr().append(outline)
    d.add_paragraph("Text.")
    doc = parse_bytes(docx_tools.to_bytes(d), name="c.docx")
    assert [(u.kind, u.level, u.text) for u in doc.units] == [
        ("heading", 1, "Chapter 1"),
        ("heading", 2, "Outlined subheading"),
        ("paragraph", 0, "Text."),
    ]


def test_ingest_docx_list_number_style_counts_through_document(docx_tools) -> None:
    d = docx_tools.new()
    d.add_heading("Chapter 1", level=1)
    d.add_paragraph("First numbered paragraph.", style="List Number")
    d.add_paragraph("Second numbered paragraph.", style="List Number")
    d.add_heading("Chapter 2", level=1)
    d.add_paragraph("Third numbered paragraph.", style="List Number")
    d.add_paragraph("A bullet.", style="List Bullet")
    d.add_paragraph("Fourth numbered paragraph.", style="List Number")
    doc = parse_bytes(docx_tools.to_bytes(d), name="n.docx")
    assert _units(doc) == [
        ("heading", None, "Chapter 1"),
        ("paragraph", "1", "First numbered paragraph."),
        ("paragraph", "2", "Second numbered paragraph."),
        ("heading", None, "Chapter 2"),
        ("paragraph", "3", "Third numbered paragraph."),
        ("list_item", None, "A bullet."),
        ("paragraph", "4", "Fourth numbered paragraph."),
    ]


def test_ingest_docx_numpr_start_override_and_restart(docx_tools) -> None:
    d = docx_tools.new()
    decimal = docx_tools.add_abstract(d, [("decimal", "%1.", 1)])
    letters = docx_tools.add_abstract(d, [("lowerLetter", "(%1)", 1)])
    paras = docx_tools.add_num(d, decimal, start_override=7)
    docx_tools.numbered(d, "Paragraph seven.", paras)
    docx_tools.numbered(d, "Paragraph eight, which introduces a list:", paras)
    first = docx_tools.add_num(d, letters)
    docx_tools.numbered(d, "first option;", first)
    docx_tools.numbered(d, "second option.", first)
    docx_tools.numbered(d, "", paras)  # an empty numbered paragraph still takes a number
    docx_tools.numbered(d, "Paragraph ten.", paras)
    second = docx_tools.add_num(d, letters)
    docx_tools.numbered(d, "a new list restarts.", second)
    doc = parse_bytes(docx_tools.to_bytes(d), name="o.docx")
    assert _units(doc) == [
        ("paragraph", "7", "Paragraph seven."),
        ("paragraph", "8", "Paragraph eight, which introduces a list:"),
        ("list_item", "a", "first option;"),
        ("list_item", "b", "second option."),
        ("paragraph", "10", "Paragraph ten."),
        ("list_item", "a", "a new list restarts."),
    ]


def test_ingest_docx_multilevel_numbers(docx_tools) -> None:
    d = docx_tools.new()
    abstract = docx_tools.add_abstract(d, [("decimal", "%1.", 4), ("decimal", "%1.%2", 1), ("lowerRoman", "(%3)", 1)])
    num = docx_tools.add_num(d, abstract)
    docx_tools.numbered(d, "Section four.", num, 0)
    docx_tools.numbered(d, "Point four one.", num, 1)
    docx_tools.numbered(d, "Point four two.", num, 1)
    docx_tools.numbered(d, "roman one", num, 2)
    docx_tools.numbered(d, "roman two", num, 2)
    docx_tools.numbered(d, "Section five.", num, 0)
    docx_tools.numbered(d, "Point five one.", num, 1)
    doc = parse_bytes(docx_tools.to_bytes(d), name="m.docx")
    assert [(u.kind, u.number, u.level) for u in doc.units] == [
        ("paragraph", "4", 0),
        ("paragraph", "4.1", 0),
        ("paragraph", "4.2", 0),
        ("list_item", "i", 3),
        ("list_item", "ii", 3),
        ("paragraph", "5", 0),
        ("paragraph", "5.1", 0),
    ]


def test_ingest_docx_typed_numbers_and_markers(docx_tools) -> None:
    d = docx_tools.new()
    d.add_paragraph("12. A number typed into the text.")
    d.add_paragraph("(b) a typed list marker")
    d.add_paragraph("\u2022 a typed bullet")
    doc = parse_bytes(docx_tools.to_bytes(d), name="t.docx")
    assert _units(doc) == [
        ("paragraph", "12", "A number typed into the text."),
        ("list_item", "b", "a typed list marker"),
        ("list_item", None, "a typed bullet"),
    ]


def test_ingest_docx_tables_one_unit_per_row(docx_tools) -> None:
    d = docx_tools.new()
    d.add_paragraph("Before the table.")
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["Stage", "Timescale", "Who"], ["Referral", "One working day", "Social worker"], ["Review", "", "Chair"]]):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    merged = t.add_row().cells
    merged[0].merge(merged[1]).text = "Merged across two columns"
    merged[2].text = "Last"
    d.add_paragraph("After the table.")
    doc = parse_bytes(docx_tools.to_bytes(d), name="tab.docx")
    assert [u.text for u in doc.units] == [
        "Before the table.",
        "Stage | Timescale | Who",
        "Referral | One working day | Social worker",
        "Review | Chair",
        "Merged across two columns | Last",
        "After the table.",
    ]


def test_ingest_docx_tracked_changes_fields_and_toc(docx_tools) -> None:
    d = docx_tools.new()
    toc = d.add_paragraph("Chapter 1 ........ 3")
    toc.style = d.styles.add_style("TOC 1", 1) if "TOC 1" not in [s.name for s in d.styles] else d.styles["TOC 1"]
    p = d.add_paragraph("The social worker ")
    ins = OxmlElement("w:ins")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "should "
    r.append(t)
    ins.append(r)
    p._p.append(ins)
    dele = OxmlElement("w:del")
    r = OxmlElement("w:r")
    dt = OxmlElement("w:delText")
    dt.text = "and their manager "
    r.append(dt)
    dele.append(r)
    p._p.append(dele)
    run = p.add_run("agree a plan")
    instr = OxmlElement("w:instrText")
    instr.text = " PAGEREF _Toc1 \\h "
    run._r.append(instr)
    p.add_run(".")
    doc = parse_bytes(docx_tools.to_bytes(d), name="tracked.docx")
    assert _units(doc) == [("paragraph", None, "The social worker should agree a plan.")]


def test_ingest_docx_sample_uses_styles_and_numbering(sample_dir) -> None:
    """The sample DOCX numbers paragraphs through Word numbering, not typed text."""
    with zipfile.ZipFile(sample_dir / "v1.docx") as zf:
        xml = zf.read("word/document.xml").decode()
    assert "<w:numPr>" in xml and 'w:val="ListNumber"' in xml and 'w:val="Heading1"' in xml
    assert ">4. " not in xml and "Assessment is a dynamic process" in xml


def test_ingest_docx_not_a_zip() -> None:
    with pytest.raises(BadInput, match=r"bad\.docx is not a DOCX: it is not a zip archive"):
        parse_bytes(b"Just some text pretending to be Word", name="bad.docx", fmt="docx")


def test_ingest_docx_zip_without_document_xml() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/styles.xml", "<x/>")
    with pytest.raises(BadInput, match="no word/document.xml"):
        parse_docx(buf.getvalue())
    with pytest.raises(UnsupportedFormat, match=r"styles\.docx is a zip archive, not a DOCX"):
        parse_bytes(buf.getvalue(), name="styles.docx")


def test_ingest_docx_damaged_package(ingest_dir) -> None:
    with pytest.raises(BadInput, match=r"damaged\.docx is a damaged DOCX"):
        parse_bytes((ingest_dir / "damaged.docx").read_bytes(), name="damaged.docx")


def test_ingest_docx_truncated_zip(sample_dir) -> None:
    data = (sample_dir / "v1.docx").read_bytes()
    with pytest.raises(BadInput, match=r"cut\.docx is a damaged DOCX"):
        parse_bytes(data[: len(data) // 2], name="cut.docx")


def test_ingest_docx_headings_only_has_no_body_text(docx_tools) -> None:
    d = docx_tools.new()
    d.add_heading("Only a heading", level=1)
    with pytest.raises(BadInput, match=r"h\.docx has no body text"):
        parse_bytes(docx_tools.to_bytes(d), name="h.docx")
