"""GOV.UK pages through the Content API (recorded-shape fixtures, served on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import json

import pytest
from fixtures_store import FIXTURES, NEW_TEXT, OLD_TEXT, Resp, load_fixture, pdf_bytes

from tracker.errors import FetchError
from tracker.fetch import fetch_document
from tracker.fetch.govuk import api_url, choose_attachment, wrap_body
from tracker.fetch.http import HttpClient

pytestmark = pytest.mark.timeout(60)

PAGE = "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2"
API_PAGE = "/api/content/government/publications/working-together-to-safeguard-children--2"
API_HTML = API_PAGE + "/working-together"
PDF_PATH = "/media/65cb4349a7ded0000c79e4e1/Working_together_to_safeguard_children.pdf"


def govspeak(text: str) -> str:
    """Sample text as a GOV.UK ``details.body`` (govspeak HTML)."""
    out = ['<div class="govspeak">']
    for block in text.strip().split("\n\n"):
        b = block.strip()
        if b.startswith("## "):
            out.append(f'<h2 id="{b[3:].lower().replace(" ", "-")}">{b[3:]}</h2>')
        elif not b.startswith("# "):
            out.append(f"<p>{b}</p>")
    out.append("</div>")
    return "\n".join(out)


def publication(attachments: list[str], updated: str) -> bytes:
    parts = ",\n".join((FIXTURES / f"attachment_{a}.json").read_text() for a in attachments)
    return load_fixture("govuk_publication.json", public_updated_at=updated).replace(b"{ATTACHMENTS}", parts.encode())


def html_publication(text: str, updated: str) -> bytes:
    body = json.dumps(govspeak(text))[1:-1]
    return load_fixture("govuk_html_publication.json", public_updated_at=updated, body=body)


@pytest.fixture
def govuk(http_server, monkeypatch):
    monkeypatch.setenv("GUIDANCE_TRACKER_GOVUK_URL", http_server.base)
    monkeypatch.setenv("GUIDANCE_TRACKER_GOVUK_ASSETS_URL", http_server.base)
    return http_server


def serve_json_with_etag(server, path: str, state: dict, key: str) -> None:
    @server.handler(path)
    def _(req):
        body = state[key]
        tag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        if req.header("If-None-Match") == tag:
            return Resp(304, headers={"ETag": tag})
        return Resp(200, body, "application/json; charset=utf-8", headers={"ETag": tag})


def test_fetch_govuk_html_attachment_is_compared(store, govuk, fast_http) -> None:
    state = {
        "page": publication(["html", "pdf"], "2018-07-04T09:30:00.000+01:00"),
        "html": html_publication(OLD_TEXT, "2018-07-04T09:30:00.000+01:00"),
    }
    serve_json_with_etag(govuk, API_PAGE, state, "page")
    serve_json_with_etag(govuk, API_HTML, state, "html")
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        first = fetch_document(store, "wt", client, model="rules-only")
        v1 = first.version
        assert v1.origin == "live" and v1.media_type == "html"
        assert v1.source == PAGE + "/working-together"
        assert v1.published_at == "2018-07-04T09:30:00.000+01:00" and v1.label == "2018-07-04"
        assert v1.change_notes[0]["note"] == "Corrected a small error in chapter 5, footnote 99."
        assert len(v1.change_notes) == 3
        doc = store.document("wt@1")
        assert [u.number for u in doc.units if u.kind == "paragraph"] == ["1", "2"]
        assert doc.info.source == v1.source and doc.info.http["etag"]
        # the publisher (the page's organisations), the edition date and change notes travel with it
        assert store.get_document("wt").publisher == "Department for Education"
        assert doc.info.publisher == "Department for Education" and doc.info.published_at == v1.published_at
        assert doc.info.change_notes[0]["note"] == "Corrected a small error in chapter 5, footnote 99."

        # unchanged: the HTML publication answers 304; the PDF is never fetched
        assert fetch_document(store, "wt", client, model="rules-only").status == "unchanged"
        assert govuk.hits(API_HTML)[-1].header("If-None-Match")

        state["page"] = publication(["html", "pdf"], "2023-12-15T10:00:00.000+00:00")
        state["html"] = html_publication(NEW_TEXT, "2023-12-15T10:00:00.000+00:00")
        out = fetch_document(store, "wt", client, model="rules-only")
    assert out.status == "new" and out.version.label == "2023-12-15"
    assert [t.type for c in out.report.changes for t in c.tags] == ["ROLE_REMOVED"]
    assert govuk.hits(PDF_PATH) == []
    assert govuk.hits(API_PAGE)[0].header("User-Agent").startswith("guidance-tracker/")


def test_fetch_govuk_pdf_attachment_is_fetched_as_bytes(store, govuk, fast_http) -> None:
    pdf = pdf_bytes(OLD_TEXT)
    govuk.route(API_PAGE, publication(["csv", "pdf"], "2024-02-14T12:00:00.000+00:00"), content_type="application/json")
    govuk.route(PDF_PATH, pdf, content_type="application/pdf")
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        out = fetch_document(store, "wt", client, model="rules-only")
    v = out.version
    assert v.sha256 == hashlib.sha256(pdf).hexdigest() and store.raw(v) == pdf
    assert v.media_type == "pdf" and v.http["content-type"] == "application/pdf"
    assert v.source == "https://assets.publishing.service.gov.uk" + PDF_PATH
    assert v.title == "Working together to safeguard children (PDF)"
    assert any("social worker" in u.text for u in store.document("wt@latest").units)
    assert govuk.hits("/media/aaaa/local_arrangements.csv") == []


def test_fetch_govuk_attachment_chosen_by_number_or_title(store, govuk, fast_http) -> None:
    pdf = pdf_bytes(NEW_TEXT)
    govuk.route(API_PAGE, publication(["html", "pdf"], "2024-02-14T12:00:00.000+00:00"), content_type="application/json")
    govuk.route(PDF_PATH, pdf, content_type="application/pdf")
    store.add_document("by-number", url=PAGE, attachment="2", watched=True)
    store.add_document("by-title", url=PAGE, attachment="(pdf)", watched=True)
    store.add_document("missing", url=PAGE, attachment="annex", watched=True)
    with HttpClient(fast_http) as client:
        assert fetch_document(store, "by-number", client).version.media_type == "pdf"
        assert fetch_document(store, "by-title", client).version.sha256 == hashlib.sha256(pdf).hexdigest()
        with pytest.raises(FetchError, match="no attachment 'annex'.*1. Working together"):
            fetch_document(store, "missing", client)
    assert govuk.hits(API_HTML) == []


def test_fetch_govuk_http_and_https_editions_are_told_apart_by_hash(store, http_server, fast_http) -> None:
    # The same page over http and https has been seen serving different editions.
    http_server.route("/https/wt", pdf_bytes(OLD_TEXT), content_type="application/pdf")
    http_server.route("/http/wt", pdf_bytes(NEW_TEXT), content_type="application/pdf")
    store.add_document("wt", url=http_server.url("/https/wt"), watched=True)
    with HttpClient(fast_http) as client:
        fetch_document(store, "wt", client, model="rules-only")
        store.add_document("wt", url=http_server.url("/http/wt"))
        out = fetch_document(store, "wt", client, model="rules-only")
        assert out.status == "new"
        store.add_document("wt", url=http_server.url("/https/wt"))
        again = fetch_document(store, "wt", client, model="rules-only")
    assert again.status == "unchanged" and again.version.ref == "wt@1"
    assert [v.sha256 for v in store.versions("wt")] == [hashlib.sha256(pdf_bytes(t)).hexdigest() for t in (OLD_TEXT, NEW_TEXT)]


def test_fetch_govuk_page_without_attachments_uses_its_body(store, govuk, fast_http) -> None:
    page = json.loads(html_publication(OLD_TEXT, "2020-01-01T00:00:00Z"))
    page["schema_name"] = "detailed_guide"
    govuk.route("/api/content/guidance/safeguarding", json.dumps(page), content_type="application/json")
    store.add_document("guide", url="https://www.gov.uk/guidance/safeguarding", watched=True)
    with HttpClient(fast_http) as client:
        v = fetch_document(store, "guide", client).version
    assert v.source == "https://www.gov.uk/guidance/safeguarding"
    assert store.raw(v) == wrap_body(page["title"], page["details"]["body"])


def test_fetch_govuk_gone_page_is_a_fetch_error(store, govuk, fast_http, store_snapshot) -> None:
    govuk.route(API_PAGE, b'{"error": "gone"}', status=410, content_type="application/json")
    store.add_document("wt", url=PAGE, watched=True)
    before = store_snapshot(store)
    with HttpClient(fast_http) as client, pytest.raises(FetchError, match="HTTP 410"):
        fetch_document(store, "wt", client)
    assert store_snapshot(store) == before


def test_fetch_govuk_api_url_and_attachment_preference(monkeypatch) -> None:
    monkeypatch.delenv("GUIDANCE_TRACKER_GOVUK_URL", raising=False)
    assert api_url(PAGE) == "https://www.gov.uk" + API_PAGE
    assert api_url(PAGE + "?x=1") == "https://www.gov.uk" + API_PAGE
    atts = [json.loads((FIXTURES / f"attachment_{a}.json").read_text()) for a in ("csv", "pdf", "html")]
    assert choose_attachment(atts, None, PAGE)["attachment_type"] == "html"
    assert choose_attachment(atts[:2], None, PAGE)["content_type"] == "application/pdf"
    assert choose_attachment(atts[:1], None, PAGE) is None
    assert choose_attachment(atts, "1", PAGE)["id"] == "data.csv"


def test_fetch_govuk_303_to_the_canonical_path_is_followed(store, govuk, fast_http) -> None:
    moved = "/api/content/government/publications/working-together-2023"
    govuk.route(API_PAGE, b"", status=303, content_type=None, headers={"Location": moved})
    govuk.route(moved, publication(["pdf"], "2024-02-14T12:00:00.000+00:00"), content_type="application/json")
    govuk.route(PDF_PATH, pdf_bytes(OLD_TEXT), content_type="application/pdf")
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        v = fetch_document(store, "wt", client).version
    assert v.media_type == "pdf" and v.published_at == "2024-02-14T12:00:00.000+00:00"
    assert len(govuk.hits(moved)) == 1


def test_fetch_govuk_api_base_is_a_setting(monkeypatch) -> None:
    monkeypatch.setenv("GUIDANCE_TRACKER_GOVUK_URL", "http://127.0.0.1:9/mirror")
    assert api_url(PAGE) == "http://127.0.0.1:9/mirror" + API_PAGE
    monkeypatch.delenv("GUIDANCE_TRACKER_GOVUK_URL")
    assert api_url(PAGE).startswith("https://www.gov.uk/api/content/")
