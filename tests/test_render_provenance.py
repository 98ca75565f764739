"""Provenance in the reports: a report made from stored versions names, for each version,
its URL, archive copy, retrieval time, HTTP metadata (status, ETag, Last-Modified, content
type), SHA-256 and pipeline, plus a "How to cite" line; header values a server sent are
untrusted text and stay escaped in HTML, Markdown and DOCX."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from bs4 import BeautifulSoup
from docx import Document
from fixtures_render import HOSTILE_HTTP, XSS_SCRIPT
from fixtures_store import NEW_TEXT, OLD_TEXT

from tracker.models import VersionInfo
from tracker.render import render
from tracker.render._common import citation, http_summary
from tracker.store import VersionMeta

ETAG_ATTACK = '"<script>alert(1)</script>"'
OLD_URL = "https://www.gov.uk/government/publications/working-together"
ARCHIVE_URL = "https://web.archive.org/web/20180704120000/" + OLD_URL
NEW_URL = "https://www.gov.uk/government/publications/working-together-2023"
FINAL_URL = "https://assets.publishing.service.gov.uk/wt-2023.html"
OLD_HTTP = {"status": "200", "etag": 'W/"2018-a1"', "last-modified": "Wed, 04 Jul 2018 09:00:00 GMT", "content-type": "text/html"}
NEW_HTTP = {
    "status": "200", "etag": ETAG_ATTACK, "last-modified": "Tue, 02 Jan 2024 10:00:00 GMT",
    "content-type": "text/html; charset=utf-8", "content-length": "5120", "final-url": FINAL_URL,
}
# What the HTTP row must read (written out, not computed, so a change to the wording fails).
OLD_HTTP_ROW = '200 OK · ETag W/"2018-a1" · Last-Modified Wed, 04 Jul 2018 09:00:00 GMT · text/html'
NEW_HTTP_ROW = (
    '200 OK · ETag "<script>alert(1)</script>" · Last-Modified Tue, 02 Jan 2024 10:00:00 GMT'
    " · text/html; charset=utf-8 · 5120 bytes"
)


@pytest.fixture
def stored_report(store):
    """Two stored versions, one from a web archive and one fetched live, compared by the store."""
    store.add_version("wt", OLD_TEXT.encode(), VersionMeta(
        origin="archive", label="2018", source=OLD_URL, archived_at="2018-07-04T12:00:00Z", archive_url=ARCHIVE_URL,
        fetched_at="2024-03-01T09:00:00Z", http=OLD_HTTP, title="Working together to safeguard children",
    ))
    store.add_version("wt", NEW_TEXT.encode(), VersionMeta(
        origin="live", label="2023", source=NEW_URL, fetched_at="2024-03-01T09:30:00Z", http=NEW_HTTP,
        title="Working together to safeguard children 2023",
    ))
    return store.compare("wt@1", "wt@2", model="rules-only")


OLD_CITE = (
    f"Working together to safeguard children. {OLD_URL}. Archived 2018-07-04. Archive copy: {ARCHIVE_URL}. SHA-256 "
)
NEW_CITE = f"Working together to safeguard children 2023. {NEW_URL}. Retrieved 2024-03-01. SHA-256 "


def test_render_provenance_store_keeps_http_metadata(stored_report):
    d = stored_report.to_dict()
    assert d["old"]["http"] == OLD_HTTP and d["new"]["http"] == NEW_HTTP
    assert d["old"]["archive_url"] == ARCHIVE_URL and d["new"]["retrieved_at"] == "2024-03-01T09:30:00Z"


def test_render_provenance_html_names_http_and_cites(stored_report):
    html = render(stored_report, "html").decode("utf-8")
    soup = BeautifulSoup(html, "lxml")
    cards = soup.select("header.banner section.version")
    assert len(cards) == 2
    for card, ver, http_row, cite in ((cards[0], stored_report.old, OLD_HTTP_ROW, OLD_CITE), (cards[1], stored_report.new, NEW_HTTP_ROW, NEW_CITE)):
        rows = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in card.select("dt")}
        assert rows["HTTP"].get_text() == http_row
        assert rows["Source"].a["href"] == ver.source
        assert rows["SHA-256"].get_text() == ver.sha256
        assert rows["Retrieved"].get_text() == ver.retrieved_at
        text = card.select_one("p.cite .cite-text").get_text()
        assert text == cite + ver.sha256[:12] + "."
        assert card.select_one("p.cite .cite-h").get_text() == "How to cite"
    old_rows = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in cards[0].select("dt")}
    assert old_rows["Archive copy"].a["href"] == ARCHIVE_URL and "Redirected to" not in old_rows
    new_rows = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in cards[1].select("dt")}
    assert new_rows["Redirected to"].a["href"] == FINAL_URL
    # The pipeline that ran is on the same screen.
    assert "rules-only" in soup.select_one("header.banner .pipeline").get_text()
    # The hostile ETag is text: escaped in the source, one script element of ours only.
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert [s.get("id") for s in soup.find_all("script")] == ["report-data", None]


def test_render_provenance_markdown_names_http_and_cites(stored_report):
    md = render(stored_report, "md").decode("utf-8")
    rows = {ln.split(" | ", 1)[0].removeprefix("| "): ln for ln in md.splitlines() if ln.startswith("| ")}
    assert rows["HTTP"] == (
        '| HTTP | 200 OK · ETag W/"2018-a1" · Last-Modified Wed, 04 Jul 2018 09:00:00 GMT · text/html'
        ' | 200 OK · ETag "\\<script>alert(1)\\</script>" · Last-Modified Tue, 02 Jan 2024 10:00:00 GMT'
        " · text/html; charset=utf-8 · 5120 bytes |"
    )
    assert rows["Redirected to"] == f"| Redirected to | — | {FINAL_URL} |"
    assert rows["Archive copy"] == f"| Archive copy | {ARCHIVE_URL} | — |"
    assert re.search(r"(?<!\\)<script", md) is None
    cites = [ln for ln in md.splitlines() if ln.startswith(("- Old: ", "- New: "))]
    assert cites == [f"- Old: {OLD_CITE}{stored_report.old.sha256[:12]}.", f"- New: {NEW_CITE}{stored_report.new.sha256[:12]}."]
    assert md.index("How to cite:") < md.index("## Summary")


def test_render_provenance_docx_names_http_and_cites(stored_report):
    data = render(stored_report, "docx")
    doc = Document(io.BytesIO(data))
    table = doc.tables[0]
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in table.rows}
    assert rows["HTTP"] == (OLD_HTTP_ROW, NEW_HTTP_ROW)
    assert rows["Redirected to"] == ("—", FINAL_URL)
    assert rows["Archive copy"] == (ARCHIVE_URL, "—")
    assert rows["SHA-256"] == (stored_report.old.sha256, stored_report.new.sha256)
    texts = [p.text for p in doc.paragraphs]
    assert f"How to cite (old): {OLD_CITE}{stored_report.old.sha256[:12]}." in texts
    assert f"How to cite (new): {NEW_CITE}{stored_report.new.sha256[:12]}." in texts
    assert any(t.startswith("Pipeline: ") and "rules-only" in t for t in texts)
    # The ETag is XML text in the package, never markup.
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "&lt;script&gt;alert(1)&lt;/script&gt;" in xml


def test_render_provenance_hostile_headers_stay_escaped(hostile_report):
    html = render(hostile_report, "html").decode("utf-8")
    soup = BeautifulSoup(html, "lxml")
    old_card = soup.select("header.banner section.version")[0]
    rows = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in old_card.select("dt")}
    assert XSS_SCRIPT in rows["HTTP"].get_text() and [t.name for t in rows["HTTP"].find_all(True)] == ["span"]
    assert rows["Redirected to"].get_text() == HOSTILE_HTTP["final-url"] and not rows["Redirected to"].a
    md = render(hostile_report, "md").decode("utf-8")
    http_line = next(ln for ln in md.splitlines() if ln.startswith("| HTTP | "))
    assert re.search(r"(?<!\\)<", http_line) is None
    assert "\\|:" in http_line and "\\[x\\](javascript:alert(8))" in http_line
    # The row still has exactly three cells.
    assert http_line.count(" | ") + 2 == http_line.count("|") - http_line.count("\\|")
    doc = Document(io.BytesIO(render(hostile_report, "docx")))
    cells = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert cells["HTTP"].startswith(f'200 OK · ETag "{XSS_SCRIPT}"')


def test_render_provenance_without_http_has_no_http_row(render_report):
    assert render_report.old.http is None and render_report.new.http is None
    soup = BeautifulSoup(render(render_report, "html"), "lxml")
    assert [dt.get_text() for dt in soup.select("header.banner dt") if dt.get_text() in ("HTTP", "Redirected to")] == []
    assert len(soup.select("header.banner p.cite")) == 2
    md = render(render_report, "md").decode("utf-8")
    assert "| HTTP |" not in md and f"- Old: old.md. SHA-256 {render_report.old.sha256[:12]}." in md


@pytest.mark.parametrize(
    ("http", "want"),
    [
        (None, ""),
        ({}, ""),
        ({"status": "304"}, "304 Not Modified"),
        ({"status": "299"}, "299"),  # not a status the standard library names
        ({"status": "teapot", "content-length": "many"}, "teapot · Content-Length many"),
        ({"status": "200", "X-Cache": "HIT\n from\tcdn", "final-url": "https://x.example/"}, "200 OK · x-cache: HIT from cdn"),
        ({"etag": '"a"', "content-type": "application/pdf", "content-length": "10"}, 'ETag "a" · application/pdf · 10 bytes'),
    ],
)
def test_render_provenance_http_summary(http, want):
    assert http_summary(http) == want


def test_render_provenance_citation_parts():
    base = VersionInfo(label="wt@3", sha256="0123456789abcdef" * 4)
    assert citation(base) == "wt@3. SHA-256 0123456789ab."
    dated = VersionInfo(label="x", sha256="f" * 64, title="Keeping children safe in education.", source="kcsie.pdf",
                        retrieved_at="2024-09-01T08:00:00+01:00", origin="file")
    assert citation(dated) == "Keeping children safe in education. kcsie.pdf. Retrieved 2024-09-01. SHA-256 ffffffffffff."
    odd = VersionInfo(label="x", sha256="e" * 64, retrieved_at="sometime in 2019")
    assert citation(odd) == "x. Retrieved sometime in 2019. SHA-256 eeeeeeeeeeee."


def test_render_provenance_publisher_published_date_and_change_note(store):
    """GOV.UK gives a publisher, an edition date and change notes: the report carries them
    (JSON), shows them (Markdown, HTML) and cites them; hostile notes stay escaped."""
    store.add_document("kcsie", url=OLD_URL, title="Keeping children safe in education", publisher="Department for Education")
    store.add_version("kcsie", OLD_TEXT.encode(), VersionMeta(origin="live", label="2023", source=OLD_URL, published_at="2023-09-01T00:00:00Z"))
    store.add_version("kcsie", NEW_TEXT.encode(), VersionMeta(
        origin="live", label="2024", source=NEW_URL, published_at="2024-09-01T08:00:00Z",
        change_notes=[{"date": "2024-09-01T08:00:00Z", "note": "Updated for September 2024 <script>x()</script>"}],
    ))
    report = store.compare("kcsie@1", "kcsie@2", model="rules-only")
    d = report.to_dict()
    assert d["new"]["publisher"] == "Department for Education" and d["new"]["published_at"] == "2024-09-01T08:00:00Z"
    assert d["new"]["change_notes"][0]["note"].startswith("Updated for September 2024")
    assert "change_notes" not in d["old"]
    md = render(report, "md").decode()
    assert "Department for Education" in md and "2024-09-01: Updated for September 2024 \\<script>" in md
    assert citation(report.new).startswith("Department for Education. Working together: sample (2024-09-01). https:")
    soup = BeautifulSoup(render(report, "html"), "html.parser")
    assert "Updated for September 2024 <script>x()</script>" in soup.get_text()
    assert not any("x()" in (s.string or "") for s in soup.find_all("script"))
