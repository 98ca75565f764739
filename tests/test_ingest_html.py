"""HTML parser: GOV.UK chrome dropped, headings and trails, numbering, lists, tables."""

from __future__ import annotations

import pytest

from tracker.errors import BadInput
from tracker.ingest import parse_bytes
from tracker.models import Document


def _page(body: str, title: str = "Sample guidance - GOV.UK", head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>".encode()


def _units(doc: Document) -> list[tuple[str, str | None, str]]:
    return [(u.kind, u.number, u.text) for u in doc.units]


CHROME = """
<a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<div class="gem-c-cookie-banner" id="global-cookie-message"><p>We use some essential cookies.</p>
  <button>Accept additional cookies</button></div>
<header class="govuk-header" role="banner"><a href="/">GOV.UK</a><nav><a href="/browse">Topics</a></nav></header>
<div class="govuk-breadcrumbs"><ol><li><a href="/">Home</a></li><li>Safeguarding</li></ol></div>
"""
FOOTER = """<footer class="govuk-footer"><p>Open Government Licence</p><a href="/help/cookies">Cookies</a></footer>
<script>document.write('script text');</script>"""


def test_ingest_html_chrome_dropped() -> None:
    body = CHROME + """
<main id="main-content">
  <nav class="gem-c-contents-list"><h2>Contents</h2><ol><li><a href="#c1">Chapter 1: Assessing need</a></li></ol></nav>
  <div class="gem-c-print-link"><button>Print this page</button></div>
  <h2 id="c1">Chapter 1: Assessing need</h2>
  <p>1. Practitioners should agree a plan.</p>
  <aside class="gem-c-related-navigation"><h2>Related content</h2><ul><li>Other guidance</li></ul></aside>
  <form><label>Search GOV.UK</label><input></form>
  <style>.x { color: red }</style>
</main>""" + FOOTER
    doc = parse_bytes(_page(body), name="page.html")
    assert doc.format == "html"
    assert _units(doc) == [
        ("heading", None, "Chapter 1: Assessing need"),
        ("paragraph", "1", "Practitioners should agree a plan."),
    ]
    joined = " ".join(u.text for u in doc.units).lower()
    for chrome in ("cookie", "skip to", "gov.uk", "home", "contents", "print", "related", "search", "licence", "script", "color"):
        assert chrome not in joined


def test_ingest_html_sample_chrome_dropped(sample_dir) -> None:
    raw = (sample_dir / "v1.html").read_text(encoding="utf-8")
    assert "govuk-cookie-banner" in raw and "gem-c-breadcrumbs" in raw and "govuk-footer" in raw
    doc = parse_bytes(raw.encode(), name="v1.html")
    text = " ".join(u.text for u in doc.units).lower()
    for chrome in ("cookies", "skip to main content", "breadcrumb", "print this page", "explore the topic", "contents", "testing guidance-tracker"):
        assert chrome not in text
    assert doc.units[0].text == "Introduction"


def test_ingest_html_headings_and_trails() -> None:
    body = """<main>
<h1>Sample guidance title</h1>
<h2>Chapter 1: Assessing need</h2>
<h3>Timeliness</h3>
<p>1. The social worker should decide within one working day.</p>
<h4>Exceptions</h4>
<p>2. In an emergency the police may act first.</p>
<h3>Outcomes</h3>
<p>3. The plan should say who does what.</p>
<h2>Chapter 2: Supervision</h2>
<p>4. Supervision should be regular.</p>
</main>"""
    doc = parse_bytes(_page(body), name="page.html")
    assert doc.title == "Sample guidance title"
    got = [(u.kind, u.level, u.path, u.number) for u in doc.units]
    ch1, ch2 = "Chapter 1: Assessing need", "Chapter 2: Supervision"
    assert got == [
        ("heading", 1, (), None),
        ("heading", 2, (ch1,), None),
        ("paragraph", 0, (ch1, "Timeliness"), "1"),
        ("heading", 3, (ch1, "Timeliness"), None),
        ("paragraph", 0, (ch1, "Timeliness", "Exceptions"), "2"),
        ("heading", 2, (ch1,), None),
        ("paragraph", 0, (ch1, "Outcomes"), "3"),
        ("heading", 1, (), None),
        ("paragraph", 0, (ch2,), "4"),
    ]
    assert doc.units[2].path_str == "Chapter 1: Assessing need > Timeliness > 1"


def test_ingest_html_title_from_title_tag_without_h1() -> None:
    doc = parse_bytes(_page("<main><h2>Part 1</h2><p>Text of the part.</p></main>", title="Keeping children safe - GOV.UK"), name="p.html")
    assert doc.title == "Keeping children safe"
    assert doc.units[0].text == "Part 1"


def test_ingest_html_lone_h1_stays_a_heading() -> None:
    doc = parse_bytes(_page("<main><h1>Only heading</h1><p>Some text.</p></main>"), name="p.html")
    assert [(u.kind, u.text) for u in doc.units] == [("heading", "Only heading"), ("paragraph", "Some text.")]


def test_ingest_html_numbered_paragraphs() -> None:
    body = """<div class="govspeak">
<p>12. Practitioners should share information.</p>
<p>4.2 Where the child is at risk, act at once.</p>
<p>13) A bracketed number is a list item.</p>
<p>2018 was the year of the revision.</p>
</div>"""
    doc = parse_bytes(_page(body), name="p.html")
    assert _units(doc) == [
        ("paragraph", "12", "Practitioners should share information."),
        ("paragraph", "4.2", "Where the child is at risk, act at once."),
        ("list_item", "13", "A bracketed number is a list item."),
        ("paragraph", None, "2018 was the year of the revision."),
    ]


LONG = "is a long paragraph of guidance that says what practitioners should do and why they should do it."


def test_ingest_html_ol_numbering() -> None:
    body = f"""<main>
<h2>Chapter 2</h2>
<ol start="5"><li>Five {LONG}</li><li>Six {LONG}<ul><li>a bullet under six</li></ul></li></ol>
<ol><li value="9">Nine {LONG}</li><li>Ten {LONG}</li></ol>
<ol><li>Eleven {LONG}</li></ol>
<p>The plan should cover:</p>
<ol><li>safety</li><li>health</li></ol>
<ol type="a"><li>first</li><li>second<ol type="i"><li>nested one</li><li>nested two</li></ol></li></ol>
<ol type="A" start="3"><li>third</li></ol>
</main>"""
    doc = parse_bytes(_page(body), name="p.html")
    got = [(u.kind, u.number, u.level, u.text.split()[0]) for u in doc.units]
    assert got == [
        ("heading", None, 1, "Chapter"),
        ("paragraph", "5", 0, "Five"),
        ("paragraph", "6", 0, "Six"),
        ("list_item", None, 1, "a"),
        ("paragraph", "9", 0, "Nine"),
        ("paragraph", "10", 0, "Ten"),
        ("paragraph", "1", 0, "Eleven"),
        ("paragraph", None, 0, "The"),
        ("list_item", "1", 1, "safety"),
        ("list_item", "2", 1, "health"),
        ("list_item", "a", 1, "first"),
        ("list_item", "b", 1, "second"),
        ("list_item", "i", 2, "nested"),
        ("list_item", "ii", 2, "nested"),
        ("list_item", "C", 1, "third"),
    ]
    assert doc.units[2].text == f"Six {LONG}"  # the nested list is not part of the paragraph


def test_ingest_html_bullets_and_typed_markers() -> None:
    body = """<main><ul><li>(a) typed marker</li><li>plain bullet</li></ul><p>(b) a lettered paragraph</p></main>"""
    doc = parse_bytes(_page(body), name="p.html")
    assert _units(doc) == [
        ("list_item", "a", "typed marker"),
        ("list_item", None, "plain bullet"),
        ("list_item", "b", "a lettered paragraph"),
    ]


def test_ingest_html_tables_one_unit_per_row() -> None:
    body = """<main><h2>Timescales</h2>
<table><caption>Table 1: Key timescales</caption>
<thead><tr><th>Stage</th><th>Timescale</th></tr></thead>
<tbody><tr><td>Referral</td><td>Within <strong>one</strong> working day</td></tr>
<tr><td>Assessment</td><td></td></tr>
<tr><td><p>Conference</p><p>(initial)</p></td><td>15 days</td></tr></tbody></table></main>"""
    doc = parse_bytes(_page(body), name="p.html")
    assert [u.text for u in doc.units] == [
        "Timescales",
        "Table 1: Key timescales",
        "Stage | Timescale",
        "Referral | Within one working day",
        "Assessment",
        "Conference (initial) | 15 days",
    ]
    assert all(u.kind in ("heading", "paragraph") for u in doc.units)


def test_ingest_html_prefers_main_content() -> None:
    body = """<div class="promo"><p>Sign up for email alerts about this page.</p></div>
<main><p>1. The guidance text.</p></main>
<div class="other"><p>Is this page useful?</p></div>"""
    doc = parse_bytes(_page(body), name="p.html")
    assert _units(doc) == [("paragraph", "1", "The guidance text.")]


def test_ingest_html_govspeak_preferred_and_header_h1_is_title() -> None:
    body = """<main><div class="gem-c-inverse-header"><h1>Working together (sample)</h1><p>Updated 2018</p></div>
<div class="govspeak"><h2>Chapter 1</h2><p>1. Text.</p></div></main>"""
    doc = parse_bytes(_page(body), name="p.html")
    assert doc.title == "Working together (sample)"
    assert _units(doc) == [("heading", None, "Chapter 1"), ("paragraph", "1", "Text.")]


def test_ingest_html_inline_markup_and_normalisation() -> None:
    body = "<main><p>1.\u00a0The <strong>social worker</strong>\u2019s <em>plan</em>, agreed \u201cin writing\u201d,<br>must be shared.</p></main>"
    doc = parse_bytes(_page(body), name="p.html")
    u = doc.units[0]
    assert u.number == "1"
    assert u.text == "The social worker\u2019s plan, agreed \u201cin writing\u201d, must be shared."
    assert u.norm == "the social worker's plan, agreed \"in writing\", must be shared."


def test_ingest_html_fragment_and_bare_text_in_divs() -> None:
    data = b"<div><h2>Heading</h2>Loose text in a div <a href='#'>with a link</a>.<div>Block text.</div></div>"
    doc = parse_bytes(data, name="fragment.html")
    assert doc.format == "html"
    assert [u.text for u in doc.units] == ["Heading", "Loose text in a div with a link.", "Block text."]


def test_ingest_html_no_body_text(ingest_dir) -> None:
    with pytest.raises(BadInput, match=r"no_body\.html has no body text"):
        parse_bytes((ingest_dir / "no_body.html").read_bytes(), name="no_body.html")


def test_ingest_html_headings_only_is_no_body_text() -> None:
    with pytest.raises(BadInput, match="has no body text"):
        parse_bytes(_page("<main><h1>Title</h1><h2>Contents</h2></main>"), name="empty.html")


def test_ingest_html_encoding_from_meta() -> None:
    data = '<html><head><meta charset="windows-1252"></head><body><p>1. The child\u2019s view.</p></body></html>'.encode("cp1252")
    doc = parse_bytes(data, name="legacy.html")
    assert doc.units[0].text == "The child\u2019s view."
