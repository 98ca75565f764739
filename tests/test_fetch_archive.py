"""Web archives: Wayback CDX (JSON array of arrays) and UKGWA (pywb JSON lines),
digest collapse without downloading, raw ``id_`` captures, and captcha refusals."""

from __future__ import annotations

import hashlib
import json

import pytest
from fixtures_store import FIXTURES, NEW_TEXT, OLD_TEXT, load_fixture, html_page

from tracker.errors import BadInput, FetchError
from tracker.fetch import backfill, fetch_document
from tracker.fetch.archive import (
    ArchiveUnavailable,
    Snapshot,
    archive_base,
    capture_url,
    distinct,
    list_snapshots,
    parse_capture_url,
    parse_pywb_cdx,
    parse_wayback_cdx,
)
from tracker.fetch.http import HttpClient
from tracker.store import sha1_b32

pytestmark = pytest.mark.timeout(60)

PAGE = "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2"
EDU = "https://www.education.gov.uk/publications/standard/publicationDetail/Page1/DFE-00030-2013"
OLD, NEW = html_page(OLD_TEXT), html_page(NEW_TEXT)
DIGESTS = {"digest_old": sha1_b32(OLD), "digest_new": sha1_b32(NEW)}


def test_fetch_archive_parse_wayback_cdx_stops_at_the_resume_key() -> None:
    snaps = parse_wayback_cdx(load_fixture("wayback_cdx.json", **DIGESTS).decode())
    assert [s.timestamp for s in snaps] == ["20150401120000", "20160512083000", "20180802101500", "20190101000000"]
    assert snaps[0].original == PAGE and snaps[0].digest == DIGESTS["digest_old"] and snaps[0].status == "200"
    assert snaps[3].status is None and snaps[3].mime == "warc/revisit"
    assert parse_wayback_cdx("") == [] and parse_wayback_cdx("[]") == []
    with pytest.raises(FetchError):
        parse_wayback_cdx('{"not": "rows"}')


def test_fetch_archive_parse_pywb_json_lines() -> None:
    snaps = parse_pywb_cdx(load_fixture("ukgwa_cdx.jsonl", **DIGESTS).decode())
    assert len(snaps) == 4 and snaps[0].original == EDU and snaps[0].mime == "text/html"
    assert snaps[2].status == "301"
    assert snaps[0].archived_at == "2013-04-03T14:36:49Z" and snaps[0].date == "2013-04-03"
    plain = parse_pywb_cdx("uk,gov)/x 20130403143649 https://www.gov.uk/x text/html 200 ABC 123\n")
    assert plain[0].digest == "ABC"


def test_fetch_archive_distinct_collapses_by_digest() -> None:
    a, b, c = (Snapshot(f"2015010{i}000000", PAGE, d) for i, d in ((1, "A"), (2, "A"), (3, "B")))
    keep, skipped = distinct([a, b, c])
    assert keep == [a, c] and skipped == [b]
    keep, skipped = distinct([a, b, c], known={"B"})
    assert keep == [a] and skipped == [b, c]


@pytest.mark.parametrize("url,expected", [
    ("https://webarchive.nationalarchives.gov.uk/20130403143649/https:/www.education.gov.uk/publications/standard/publicationDetail/Page1/DFE-00030-2013",
     ("ukgwa", "20130403143649", EDU)),
    ("https://webarchive.nationalarchives.gov.uk/ukgwa/20130403143649/" + EDU, ("ukgwa", "20130403143649", EDU)),
    ("https://webarchive.nationalarchives.gov.uk/ukgwa/20130403143649id_/" + EDU, ("ukgwa", "20130403143649", EDU)),
    ("https://web.archive.org/web/20180802101500/" + PAGE, ("wayback", "20180802101500", PAGE)),
    ("https://web.archive.org/web/20180802101500id_/http:/www.gov.uk/x?y=1", ("wayback", "20180802101500", "http://www.gov.uk/x?y=1")),
    (PAGE, None),
])
def test_fetch_archive_capture_urls_old_and_new_forms(url, expected, monkeypatch) -> None:
    monkeypatch.delenv("GUIDANCE_TRACKER_UKGWA_URL", raising=False)
    monkeypatch.delenv("GUIDANCE_TRACKER_WAYBACK_URL", raising=False)
    assert parse_capture_url(url) == expected


def test_fetch_archive_raw_capture_urls(monkeypatch) -> None:
    monkeypatch.delenv("GUIDANCE_TRACKER_UKGWA_URL", raising=False)
    s = Snapshot("20130403143649", EDU)
    assert capture_url("ukgwa", archive_base("ukgwa"), s) == f"https://webarchive.nationalarchives.gov.uk/ukgwa/20130403143649id_/{EDU}"
    assert capture_url("wayback", archive_base("wayback"), s, raw=False) == f"https://web.archive.org/web/20130403143649/{EDU}"
    with pytest.raises(BadInput):
        archive_base("archive-it")


def serve_wayback(server) -> dict[str, str]:
    server.route("/cdx/search/cdx", load_fixture("wayback_cdx.json", **DIGESTS), content_type="application/json")
    paths = {ts: f"/web/{ts}id_/{PAGE}" for ts in ("20150401120000", "20160512083000", "20180802101500", "20190101000000")}
    server.route(paths["20150401120000"], OLD)
    server.route(paths["20160512083000"], OLD)
    server.route(paths["20180802101500"], NEW)
    return paths


def test_fetch_archive_wayback_history_skips_duplicates_without_downloading(store, http_server, fast_http) -> None:
    paths = serve_wayback(http_server)
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        res = backfill(store, "wt", client, "wayback", base=http_server.base, from_="2015", to="2019")
    assert res.listed == 3 and res.failures == []  # the revisit line is not a capture
    assert [s.timestamp for s in res.duplicates] == ["20160512083000"]
    assert http_server.hits(paths["20160512083000"]) == []  # never downloaded
    assert len(http_server.hits(paths["20150401120000"])) == 1
    vs = store.versions("wt")
    assert [(v.seq, v.origin, v.label, v.archived_at) for v in vs] == [
        (1, "archive", "2015-04-01", "2015-04-01T12:00:00Z"), (2, "archive", "2018-08-02", "2018-08-02T10:15:00Z")]
    assert vs[0].archive_url == f"{http_server.base}/web/20150401120000/{PAGE}" and vs[0].source == PAGE
    assert [v.sha256 for v in vs] == [hashlib.sha256(OLD).hexdigest(), hashlib.sha256(NEW).hexdigest()]
    cdx = http_server.hits("/cdx/search/cdx")[0].query
    assert cdx["url"] == [PAGE] and cdx["output"] == ["json"] and cdx["from"] == ["2015"]
    info = store.document("wt@1").info
    assert info.origin == "archive" and info.archive_url == vs[0].archive_url and info.retrieved_at == "2015-04-01T12:00:00Z"

    # Run again: every digest is stored, so nothing is downloaded at all.
    with HttpClient(fast_http) as client:
        again = backfill(store, "wt", client, "wayback", base=http_server.base)
    assert again.imported == [] and len(again.duplicates) == 3
    assert len(http_server.hits(paths["20150401120000"])) == 1


def test_fetch_archive_ukgwa_history_from_pywb_lines(store, http_server, fast_http, monkeypatch) -> None:
    base = http_server.url("/ukgwa")
    monkeypatch.setenv("GUIDANCE_TRACKER_UKGWA_URL", base)
    http_server.route("/ukgwa/cdx", load_fixture("ukgwa_cdx.jsonl", **DIGESTS), content_type="text/x-ndjson")
    http_server.route(f"/ukgwa/20130403143649id_/{EDU}", OLD)
    http_server.route(f"/ukgwa/20150326100000id_/{EDU}", NEW)
    # the old capture URL form (no /ukgwa/, https:/ collapsed) names the page
    old_form = f"{http_server.base}/20130403143649/https:/www.education.gov.uk/publications/standard/publicationDetail/Page1/DFE-00030-2013"
    store.add_document("wt2013", url=old_form, watched=True)
    with HttpClient(fast_http) as client:
        res = backfill(store, "wt2013", client, "ukgwa")
    assert http_server.hits("/ukgwa/cdx")[0].query["url"] == [EDU]
    assert [v.label for v in res.imported] == ["2013-04-03", "2015-03-26"]
    assert http_server.hits(f"/ukgwa/20130901080000id_/{EDU}") == []  # duplicate digest
    assert http_server.hits(f"/ukgwa/20140110110000id_/{EDU}") == []  # a redirect capture


def test_fetch_archive_watched_old_form_capture_url_is_fetched_raw(store, http_server, fast_http, monkeypatch) -> None:
    monkeypatch.setenv("GUIDANCE_TRACKER_UKGWA_URL", http_server.url("/ukgwa"))
    http_server.route(f"/ukgwa/20130403143649id_/{EDU}", OLD)
    old_form = f"{http_server.base}/20130403143649/https:/www.education.gov.uk/publications/standard/publicationDetail/Page1/DFE-00030-2013"
    store.add_document("wt2013", url=old_form, watched=True)
    with HttpClient(fast_http) as client:
        v = fetch_document(store, "wt2013", client).version
    assert (v.origin, v.source, v.archived_at) == ("archive", EDU, "2013-04-03T14:36:49Z")
    assert v.archive_url == f"{http_server.base}/ukgwa/20130403143649/{EDU}"


@pytest.mark.parametrize("status,headers,body", [
    (405, {"x-amzn-waf-action": "captcha"}, None),
    (403, {}, b"Forbidden"),
    (200, {"x-amzn-waf-action": "captcha"}, None),
    (202, {}, None),
])
def test_fetch_archive_captcha_means_unavailable_not_empty(status, headers, body, store, http_server, fast_http, store_snapshot) -> None:
    page = body if body is not None else (FIXTURES / "ukgwa_captcha.html").read_bytes()
    http_server.route("/ukgwa/cdx", page, status=status, headers=headers, content_type="text/html; charset=utf-8")
    store.add_document("wt", url=EDU, watched=True)
    before = store_snapshot(store)
    with HttpClient(fast_http) as client, pytest.raises(FetchError) as exc:
        backfill(store, "wt", client, "ukgwa", base=http_server.url("/ukgwa"))
    assert isinstance(exc.value, ArchiveUnavailable)
    assert "unavailable" in exc.value.one_line() and "not an empty history" in exc.value.one_line()
    assert store_snapshot(store) == before


def test_fetch_archive_captcha_on_a_capture_stops_the_backfill(store, http_server, fast_http) -> None:
    serve_wayback(http_server)
    captcha = (FIXTURES / "ukgwa_captcha.html").read_bytes()
    http_server.route(f"/web/20180802101500id_/{PAGE}", captcha, status=405, headers={"x-amzn-waf-action": "captcha"})
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client, pytest.raises(ArchiveUnavailable):
        backfill(store, "wt", client, "wayback", base=http_server.base)
    assert [v.label for v in store.versions("wt")] == ["2015-04-01"]  # what succeeded before it


def test_fetch_archive_failed_capture_is_listed_and_the_rest_go_on(store, http_server, fast_http) -> None:
    paths = serve_wayback(http_server)
    http_server.route(paths["20150401120000"], b"gone", status=404, content_type="text/plain")
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        res = backfill(store, "wt", client, "wayback", base=http_server.base)
    assert len(res.failures) == 1 and "20150401120000" in res.failures[0] and "HTTP 404" in res.failures[0]
    assert [v.label for v in res.imported] == ["2018-08-02"]


def test_fetch_archive_http_and_https_captures_collapse_by_content(store, http_server, fast_http) -> None:
    """The same URL over http and https: identical content is one version whatever the scheme
    (skipped by digest without downloading, or by SHA-256 when the digest differs);
    different editions stay apart."""
    plain, secure = PAGE.replace("https://", "http://"), PAGE
    rows = [
        ["timestamp", "original", "mimetype", "statuscode", "digest", "length"],
        ["20150401120000", plain, "text/html", "200", DIGESTS["digest_old"], "9120"],
        ["20150402120000", secure, "text/html", "200", DIGESTS["digest_old"], "9120"],   # same digest: never downloaded
        ["20170101000000", plain, "text/html", "200", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "9120"],  # same bytes, odd digest
        ["20180802101500", secure, "text/html", "200", DIGESTS["digest_new"], "9033"],   # another edition
    ]
    http_server.route("/cdx/search/cdx", json.dumps(rows), content_type="application/json")
    http_server.route(f"/web/20150401120000id_/{plain}", OLD)
    http_server.route(f"/web/20150402120000id_/{secure}", OLD)
    http_server.route(f"/web/20170101000000id_/{plain}", OLD)
    http_server.route(f"/web/20180802101500id_/{secure}", NEW)
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        res = backfill(store, "wt", client, "wayback", base=http_server.base)
    assert res.listed == 4 and res.failures == []
    assert [s.timestamp for s in res.duplicates] == ["20150402120000"]
    assert http_server.hits(f"/web/20150402120000id_/{secure}") == []
    assert [v.ref for v in res.same] == ["wt@1"]  # downloaded, but already stored: no new version
    vs = store.versions("wt")
    assert [(v.seq, v.source, v.sha256) for v in vs] == [
        (1, plain, hashlib.sha256(OLD).hexdigest()), (2, secure, hashlib.sha256(NEW).hexdigest())]


def test_fetch_archive_to_year_bounds_the_captures(store, http_server, fast_http) -> None:
    paths = serve_wayback(http_server)
    store.add_document("wt", url=PAGE, watched=True)
    with HttpClient(fast_http) as client:
        res = backfill(store, "wt", client, "wayback", base=http_server.base, to="2017")
    assert [s.timestamp for s in res.duplicates] == ["20160512083000"] and [v.label for v in res.imported] == ["2015-04-01"]
    assert http_server.hits(paths["20180802101500"]) == []
    assert http_server.hits("/cdx/search/cdx")[0].query["to"] == ["2017"]


def test_fetch_archive_cdx_server_error_is_not_an_empty_history(store, http_server, fast_http, store_snapshot) -> None:
    http_server.route("/cdx/search/cdx", b"boom", status=502, content_type="text/plain")
    store.add_document("wt", url=PAGE, watched=True)
    before = store_snapshot(store)
    with HttpClient(fast_http) as client, pytest.raises(FetchError, match="HTTP 502"):
        backfill(store, "wt", client, "wayback", base=http_server.base)
    assert store_snapshot(store) == before


@pytest.mark.parametrize("archive", ["wayback", "ukgwa"])
@pytest.mark.parametrize("dialect", ["wayback_cdx.json", "ukgwa_cdx.jsonl"])
def test_fetch_archive_either_archive_may_answer_either_cdx_dialect(archive, dialect, store, http_server, fast_http) -> None:
    path = "/cdx/search/cdx" if archive == "wayback" else "/ukgwa/cdx"
    base = http_server.base if archive == "wayback" else http_server.url("/ukgwa")
    http_server.route(path, load_fixture(dialect, **DIGESTS), content_type="application/json" if dialect.endswith("json") else "text/x-ndjson")
    with HttpClient(fast_http) as client:
        snaps = list_snapshots(client, archive, PAGE, base=base)
    stamps = ["20150401120000", "20160512083000", "20180802101500"] if dialect.startswith("wayback") else [
        "20130403143649", "20130901080000", "20150326100000"]
    assert [s.timestamp for s in snaps] == stamps  # redirects and revisits are not captures
    assert snaps[0].digest == DIGESTS["digest_old"] and snaps[-1].digest == DIGESTS["digest_new"]
