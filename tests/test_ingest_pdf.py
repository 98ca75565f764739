"""PDF parser: running heads, page breaks, numbers, headings, hyphenation, tables, limits."""

from __future__ import annotations

import pdfplumber
import pytest

import tracker.ingest.pdf as pdf_mod
from tracker.errors import BadInput
from tracker.ingest import parse_bytes
from tracker.ingest.pdf import parse_pdf

HEADER = "Sample Guidance (running header)"
FOOTER = "Sample statutory guidance, version 1      Page {page} of {pages}"


def _texts(doc) -> list[str]:  # noqa: ANN001
    return [u.text for u in doc.units]


def _body(page_no: int, first_y: float = 30) -> list[tuple]:
    """A few numbered paragraphs filling part of a page."""
    lines: list[tuple] = []
    y = first_y
    for k in range(3):
        n = page_no * 10 + k
        lines += [(20, y, f"{n}."), (30, y, f"Paragraph {n} says what the local authority should do"), (30, y + 5, f"for children in need on page {page_no}.")]
        y += 14
    return lines


def test_ingest_pdf_running_header_footer_removed(make_pdf) -> None:
    data = make_pdf([_body(1), _body(2), _body(3), _body(4)], header=HEADER, footer=FOOTER)
    doc = parse_bytes(data, name="heads.pdf")
    text = " ".join(_texts(doc))
    assert "running header" not in text and "Page" not in text and "version 1" not in text
    assert [u.number for u in doc.units] == ["10", "11", "12", "20", "21", "22", "30", "31", "32", "40", "41", "42"]
    assert doc.units[0].text == "Paragraph 10 says what the local authority should do for children in need on page 1."


def test_ingest_pdf_lone_page_numbers_removed(make_pdf) -> None:
    pages = [
        [(20, 30, "1. A paragraph on the first page."), (105, 287, "1")],
        [(20, 30, "2. A paragraph on the second page."), (100, 287, "- 2 -")],
        [(20, 30, "3. A paragraph on the third page."), (180, 12, "Page 3")],
    ]
    doc = parse_bytes(make_pdf(pages), name="numbers.pdf")
    assert [(u.number, u.text) for u in doc.units] == [
        ("1", "A paragraph on the first page."),
        ("2", "A paragraph on the second page."),
        ("3", "A paragraph on the third page."),
    ]


def test_ingest_pdf_paragraph_continues_across_page_break(make_pdf) -> None:
    page1 = [
        (20, 250, "7."), (30, 250, "The social worker should agree a plan with the family and"),
        (30, 255, "with the other practitioners, and should review"),
        (20, 269, "8."), (30, 269, "A paragraph that ends exactly at the foot of the page."),
    ]
    page2 = [
        (30, 30, "Hanging text that continues paragraph 8 after a sentence break."),
        (20, 44, "An unnumbered paragraph at the margin starts a new unit."),
        (20, 58, "9."), (30, 58, "Another paragraph that runs"),
    ]
    page3 = [(30, 30, "on to a third page without a full stop"), (30, 35, "and ends here.")]
    doc = parse_bytes(make_pdf([page1, page2, page3], header=HEADER, footer=FOOTER), name="break.pdf")
    assert [(u.number, u.text) for u in doc.units] == [
        ("7", "The social worker should agree a plan with the family and with the other practitioners, and should review"),
        ("8", "A paragraph that ends exactly at the foot of the page. Hanging text that continues paragraph 8 after a sentence break."),
        (None, "An unnumbered paragraph at the margin starts a new unit."),
        ("9", "Another paragraph that runs on to a third page without a full stop and ends here."),
    ]


def test_ingest_pdf_page_break_then_new_paragraph(make_pdf) -> None:
    page1 = [(20, 270, "A paragraph that ends at the foot of the page.")]
    page2 = [(20, 30, "A new paragraph at the top of the next page.")]
    doc = parse_bytes(make_pdf([page1, page2]), name="two.pdf")
    assert _texts(doc) == ["A paragraph that ends at the foot of the page.", "A new paragraph at the top of the next page."]


def test_ingest_pdf_lowercase_continuation_after_full_stop(make_pdf) -> None:
    page1 = [(20, 270, "The guidance applies to schools, health services etc.")]
    page2 = [(20, 30, "and to every other organisation.")]
    doc = parse_bytes(make_pdf([page1, page2]), name="lower.pdf")
    assert _texts(doc) == ["The guidance applies to schools, health services etc. and to every other organisation."]


def test_ingest_pdf_paragraph_numbers(make_pdf) -> None:
    page = [
        (20, 30, "12."), (30, 30, "Hanging number in the left margin, text indented,"),
        (30, 35, "continued on an indented line."),
        (20, 45, "13 Number followed by a space and a capital letter."),
        (20, 55, "4.2 A decimal paragraph number, wrapping onto a line that"),
        (20, 60, "12 children and families would start with a number."),
        (20, 70, "In 2018 the guidance changed; a year is not a number."),
    ]
    doc = parse_bytes(make_pdf([page]), name="nums.pdf")
    assert [(u.kind, u.number, u.text) for u in doc.units] == [
        ("paragraph", "12", "Hanging number in the left margin, text indented, continued on an indented line."),
        ("paragraph", "13", "Number followed by a space and a capital letter."),
        ("paragraph", "4.2", "A decimal paragraph number, wrapping onto a line that 12 children and families would start with a number."),
        ("paragraph", None, "In 2018 the guidance changed; a year is not a number."),
    ]


def test_ingest_pdf_gap_separates_paragraphs(make_pdf) -> None:
    page = [
        (20, 30, "First unnumbered paragraph, first line"), (20, 35, "and its second line."),
        (20, 45, "Second paragraph after a gap."),
    ]
    doc = parse_bytes(make_pdf([page]), name="gap.pdf")
    assert _texts(doc) == ["First unnumbered paragraph, first line and its second line.", "Second paragraph after a gap."]


def test_ingest_pdf_headings_by_font_size(make_pdf) -> None:
    page = [
        (20, 25, "Sample Guidance Title", 22, True),
        (20, 40, "Chapter 1: Assessing need", 16, True),
        (20, 50, "Timeliness", 12, True),
        (20, 58, "1."), (30, 58, "The assessment should be timely."),
        (20, 68, "Emphasised subheading", 10.5, True),
        (20, 76, "2."), (30, 76, "The plan should be reviewed."),
        (20, 90, "Chapter 2", 10.5, False),
        (20, 98, "3."), (30, 98, "Supervision should be regular."),
    ]
    doc = parse_bytes(make_pdf([page]), name="heads.pdf")
    assert doc.title == "Sample Guidance Title"
    got = [(u.kind, u.level, u.text, u.path) for u in doc.units]
    ch1 = "Chapter 1: Assessing need"
    assert got == [
        ("heading", 1, ch1, ()),
        ("heading", 2, "Timeliness", (ch1,)),
        ("paragraph", 0, "The assessment should be timely.", (ch1, "Timeliness")),
        ("heading", 3, "Emphasised subheading", (ch1, "Timeliness")),
        ("paragraph", 0, "The plan should be reviewed.", (ch1, "Timeliness", "Emphasised subheading")),
        ("heading", 4, "Chapter 2", (ch1, "Timeliness", "Emphasised subheading")),
        ("paragraph", 0, "Supervision should be regular.", (ch1, "Timeliness", "Emphasised subheading", "Chapter 2")),
    ]


def test_ingest_pdf_two_line_heading_is_one_unit(make_pdf) -> None:
    page = [
        (20, 30, "Chapter 3: Child protection conferences and", 16, True),
        (20, 37, "the plans that follow them", 16, True),
        (20, 48, "1. Text of the chapter."),
    ]
    doc = parse_bytes(make_pdf([page]), name="h2.pdf")
    assert [(u.kind, u.text) for u in doc.units] == [
        ("heading", "Chapter 3: Child protection conferences and the plans that follow them"),
        ("paragraph", "Text of the chapter."),
    ]


def test_ingest_pdf_hyphenation_joined(make_pdf) -> None:
    page = [
        (20, 30, "1. Every assess-"), (20, 35, "ment should be child-"), (20, 40, "centred, as child-centred practice requires."),
        (20, 50, "2. The COVID-"), (20, 55, "19 rules and the risk -"), (20, 60, "a dash - stay as they are."),
    ]
    doc = parse_bytes(make_pdf([page]), name="hyph.pdf")
    assert _texts(doc) == [
        "Every assessment should be child-centred, as child-centred practice requires.",
        "The COVID-19 rules and the risk - a dash - stay as they are.",
    ]


def test_ingest_pdf_lists(make_pdf) -> None:
    page = [
        (20, 30, "5."), (30, 30, "The outcome will be one of the following:"),
        (30, 36, "(a)"), (38, 36, "no further action;"),
        (30, 42, "(b)"), (38, 42, "help under a child in need plan, which may run"),
        (38, 47, "for several months;"),
        (30, 53, "-"), (35, 53, "a bullet point"),
        (20, 62, "6."), (30, 62, "Next paragraph."),
    ]
    doc = parse_bytes(make_pdf([page]), name="lists.pdf")
    assert [(u.kind, u.number, u.text) for u in doc.units] == [
        ("paragraph", "5", "The outcome will be one of the following:"),
        ("list_item", "a", "no further action;"),
        ("list_item", "b", "help under a child in need plan, which may run for several months;"),
        ("list_item", None, "a bullet point"),
        ("paragraph", "6", "Next paragraph."),
    ]


def test_ingest_pdf_table_rows(make_pdf) -> None:
    rows = [["Stage", "Timescale"], ["Referral", "Within one working day"], ["Assessment", "Within 45 working days"]]
    page = [(20, 30, "1. The timescales are:"), (20, 120, "2. After the table.")]
    doc = parse_bytes(make_pdf([page], table=(0, rows, 40)), name="table.pdf")
    assert _texts(doc) == [
        "The timescales are:",
        "Stage | Timescale",
        "Referral | Within one working day",
        "Assessment | Within 45 working days",
        "After the table.",
    ]


def test_ingest_pdf_contents_leaders_dropped(make_pdf) -> None:
    page = [(20, 30, "Chapter 1: Assessing need ........ 4"), (20, 40, "1. Real text.")]
    doc = parse_bytes(make_pdf([page]), name="toc.pdf")
    assert _texts(doc) == ["Real text."]


def test_ingest_pdf_page_limit_warns(make_pdf, monkeypatch) -> None:
    data = make_pdf([_body(1), _body(2), _body(3)])
    parsed = parse_pdf(data, max_pages=2)
    assert any("stopped after 2 of 3 pages" in w for w in parsed.warnings)
    monkeypatch.setattr(pdf_mod, "MAX_PAGES", 1)
    doc = parse_bytes(data, name="long.pdf")
    assert [u.number for u in doc.units] == ["10", "11", "12"]
    assert any("stopped after 1 of 3 pages" in w for w in doc.warnings)


def test_ingest_pdf_time_limit_warns(make_pdf) -> None:
    parsed = parse_pdf(make_pdf([_body(1), _body(2)]), time_limit=-1)
    assert any("longer than" in w for w in parsed.warnings)


def test_ingest_pdf_blank_page_warns(make_pdf) -> None:
    doc = parse_bytes(make_pdf([_body(1), [], _body(3)]), name="blank.pdf")
    assert any("no text" in w and "2" in w for w in doc.warnings)


def test_ingest_pdf_no_text_layer(make_pdf) -> None:
    with pytest.raises(BadInput, match=r"scan\.pdf has no text layer.*OCR"):
        parse_bytes(make_pdf([[], []]), name="scan.pdf")


def test_ingest_pdf_owner_password_only_is_readable(make_pdf) -> None:
    data = make_pdf([[(20, 30, "1. Readable although protected.")]], encrypt=("owner", None))
    assert b"/Encrypt" in data
    doc = parse_bytes(data, name="owner.pdf")
    assert doc.units[0].text == "Readable although protected."


def test_ingest_pdf_user_password_is_encrypted(make_pdf) -> None:
    data = make_pdf([[(20, 30, "1. Secret.")]], encrypt=("owner", "user"))
    with pytest.raises(BadInput, match=r"locked\.pdf is encrypted"):
        parse_bytes(data, name="locked.pdf")


def test_ingest_pdf_damaged_body(make_pdf) -> None:
    with pytest.raises(BadInput, match=r"junk\.pdf is a truncated or damaged PDF") as e:
        parse_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nnonsense\n%%EOF\n", name="junk.pdf")
    assert "To fix:" in str(e.value)


def test_ingest_pdf_sample_has_running_heads_and_page_breaks(sample_dir) -> None:
    """The sample PDFs carry what the parser must undo (so the golden test means something)."""
    for v in ("v1", "v2"):
        with pdfplumber.open(sample_dir / f"{v}.pdf") as pdf:
            pages = [p.extract_text_lines() for p in pdf.pages]
        assert len(pages) >= 3
        assert all(lines[0]["text"].startswith("Working Together for Children") for lines in pages)
        assert all(lines[-1]["text"].endswith(f"Page {i + 1} of {len(pages)}") for i, lines in enumerate(pages))
        body_ends = [lines[-2]["text"] for lines in pages[:-1]]
        assert any(not t.rstrip().endswith((".", ":", ";")) for t in body_ends), "no paragraph runs across a page"
        hyphenated = [ln["text"] for lines in pages for ln in lines if ln["text"].endswith("-") and ln["text"][-2].islower()]
        assert len(hyphenated) >= 2


def test_ingest_pdf_sample_hyphenation_undone(sample_docs) -> None:
    for v in ("v1", "v2"):
        doc = sample_docs[(v, "pdf")]
        html = {u.norm for u in sample_docs[(v, "html")].units}
        for u in doc.units:
            assert u.norm in html
            assert "- " not in u.text.replace(" - ", "")


def test_ingest_pdf_inline_bold_and_numbered_heading() -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.add_page()
    x = 20.0
    for style, piece in (("", "1. The plan "), ("B", "must"), ("", ", without fail, be agreed.")):
        pdf.set_font("Helvetica", style, 10.5)
        pdf.text(x, 30, piece)
        x += pdf.get_string_width(piece)
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(20, 50, "2. Numbered heading in large type")
    pdf.set_font("Helvetica", "", 10.5)
    pdf.text(20, 60, "3. Text after the heading.")
    doc = parse_bytes(bytes(pdf.output()), name="inline.pdf")
    assert [(u.kind, u.number, u.text) for u in doc.units] == [
        ("paragraph", "1", "The plan must, without fail, be agreed."),
        ("heading", None, "2. Numbered heading in large type"),
        ("paragraph", "3", "Text after the heading."),
    ]
