"""HTTP done right, against a real server on 127.0.0.1: retries, timeouts, caps, types,
redirects, robots.txt, conditional requests; and after every fault the store holds
exactly what it held before plus what succeeded."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace

import pytest
from fixtures_store import NEW_TEXT, OLD_TEXT, Resp, html_page

import sqlite_utils.db
import tracker.compare
from tracker.errors import BadInput, FetchError
from tracker.fetch import fetch_document
from tracker.fetch.http import HttpClient, HttpSettings, _retry, check_url, media_kind

pytestmark = pytest.mark.timeout(60)

OLD, NEW = html_page(OLD_TEXT), html_page(NEW_TEXT)


def etag_route(server, path: str, state: dict) -> None:
    """Serve state['body'] with a strong ETag, answering 304 to a matching If-None-Match."""

    @server.handler(path)
    def _(req):
        tag = '"' + hashlib.sha256(state["body"]).hexdigest()[:16] + '"'
        if req.header("If-None-Match") == tag:
            return Resp(304, headers={"ETag": tag})
        return Resp(200, state["body"], headers={"ETag": tag})


def test_fetch_http_unchanged_page_costs_a_304_and_stores_nothing(store, http_server, fast_http, store_snapshot) -> None:
    state = {"body": OLD}
    etag_route(http_server, "/wt", state)
    store.add_document("wt", url=http_server.url("/wt"), watched=True)
    with HttpClient(fast_http) as client:
        first = fetch_document(store, "wt", client, model="rules-only")
        assert first.status == "new" and first.version.seq == 1 and first.report is None
        before = store_snapshot(store)
        again = fetch_document(store, "wt", client, model="rules-only")
    assert again.status == "unchanged" and "304" in again.detail
    assert store_snapshot(store) == before
    hits = http_server.hits("/wt")
    assert hits[0].header("If-None-Match") is None
    assert hits[1].header("If-None-Match") == store.latest("wt").http["etag"]
    assert store.latest("wt").http["status"] == "200"


def test_fetch_http_changed_page_stores_a_version_and_a_tagged_comparison(store, http_server, fast_http) -> None:
    state = {"body": OLD}
    etag_route(http_server, "/wt", state)
    store.add_document("wt", url=http_server.url("/wt"), watched=True)
    with HttpClient(fast_http) as client:
        fetch_document(store, "wt", client, model="rules-only")
        state["body"] = NEW
        out = fetch_document(store, "wt", client, model="rules-only")
    assert out.status == "new" and out.version.ref == "wt@2" and out.previous.ref == "wt@1"
    assert out.accountability
    assert [t.type for c in out.report.changes for t in c.tags] == ["ROLE_REMOVED"]
    assert out.report.new.source == http_server.url("/wt") and out.report.new.origin == "live"
    assert out.report.new.http["etag"] and out.report.old.sha256 == hashlib.sha256(OLD).hexdigest()
    counts = store.counts()
    assert counts["versions"] == 2 and counts["comparisons"] == 1
    tags = list(store.db.query("select type, role from tags"))
    assert tags == [{"type": "ROLE_REMOVED", "role": tags[0]["role"]}] and tags[0]["role"]
    assert store.db["impacts"].count == counts["changes"] >= 1


def test_fetch_http_if_modified_since_from_the_last_version(store, http_server, fast_http) -> None:
    stamp = "Wed, 01 Aug 2018 09:00:00 GMT"

    @http_server.handler("/lm")
    def _(req):
        if req.header("If-Modified-Since") == stamp:
            return Resp(304)
        return Resp(200, OLD, headers={"Last-Modified": stamp})

    store.add_document("lm", url=http_server.url("/lm"), watched=True)
    with HttpClient(fast_http) as client:
        fetch_document(store, "lm", client)
        assert fetch_document(store, "lm", client).status == "unchanged"
    assert http_server.hits("/lm")[1].header("If-Modified-Since") == stamp


def test_fetch_http_same_bytes_without_validators_is_no_new_version(store, http_server, fast_http) -> None:
    http_server.route("/plain", OLD)
    store.add_document("p", url=http_server.url("/plain"), watched=True)
    with HttpClient(fast_http) as client:
        fetch_document(store, "p", client)
        out = fetch_document(store, "p", client)
    assert out.status == "unchanged" and "same content as p@1" in out.detail
    assert store.counts()["versions"] == 1


def test_fetch_http_sends_a_descriptive_user_agent(http_server, fast_http) -> None:
    http_server.route("/ua", OLD)
    with HttpClient(fast_http) as client:
        client.get(http_server.url("/ua"))
    ua = http_server.hits("/ua")[0].header("User-Agent")
    assert ua.startswith("guidance-tracker/0.1") and "statutory guidance change tracker" in ua


# --- faults: each leaves the store as it was, plus what succeeded ----------------------


def _redirect_loop(server) -> None:
    server.route("/fault", b"", status=302, headers={"Location": "/fault"})


FAULTS = {
    "500 then success": (lambda s: s.sequence("/fault", Resp(500, b"oops", "text/plain"), Resp(200, NEW)), None),
    "429 with Retry-After then success": (
        lambda s: s.sequence("/fault", Resp(429, b"slow down", "text/plain", headers={"Retry-After": "1"}), Resp(200, NEW)), None),
    "connection refused": (None, "could not be fetched"),
    "503 every time": (lambda s: s.route("/fault", b"busy", status=503, content_type="text/plain"), "answered HTTP 503"),
    "404": (lambda s: s.route("/fault", b"gone", status=404, content_type="text/plain"), "answered HTTP 404"),
    "hang": (lambda s: s.sequence("/fault", Resp(200, NEW, hang=5)), "did not answer in time"),
    "hang mid-body": (lambda s: s.sequence("/fault", Resp(200, NEW, stall=5)), "cut off"),
    "truncated body": (lambda s: s.sequence("/fault", Resp(200, NEW, content_length=len(NEW) + 500)), "cut off"),
    "wrong content type": (lambda s: s.route("/fault", b"\x89PNG\r\n\x1a\n....", content_type="image/png"), "returned image/png"),
    "redirect loop": (_redirect_loop, "redirects too many times"),
    "over the cap (declared)": (lambda s: s.route("/fault", NEW + b" " * 5000), "larger than the 2000 byte limit"),
    "over the cap (streamed)": (lambda s: s.sequence("/fault", Resp(200, NEW + b" " * 5000, content_length=-1)), "larger than the 2000 byte limit"),
    "not guidance": (lambda s: s.route("/fault", b"<html><body></body></html>"), "cannot be read as guidance"),
    "robots.txt disallows": (lambda s: (s.route("/robots.txt", "User-agent: *\nDisallow: /fault\n", content_type="text/plain"), s.route("/fault", NEW)), "robots.txt"),
}


def _closed_port() -> int:
    """A local port nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fetch_http_fault_leaves_the_store_as_it_was(fault, store, http_server, fast_http, store_snapshot) -> None:
    http_server.route("/good", OLD)
    setup, error = FAULTS[fault]
    bad_url = http_server.url("/fault") if setup else f"http://127.0.0.1:{_closed_port()}/fault"
    if setup:
        setup(http_server)
    store.add_document("good", url=http_server.url("/good"), watched=True)
    store.add_document("bad", url=bad_url, watched=True)
    settings = replace(fast_http, read_timeout=0.3, retries=1, max_bytes=2000, max_redirects=5, retry_after_cap=2.0)
    with HttpClient(settings) as client:
        fetch_document(store, "good", client)
        before = store_snapshot(store)
        if error is None:
            out = fetch_document(store, "bad", client)
            assert out.status == "new"
        else:
            with pytest.raises(FetchError) as exc:
                fetch_document(store, "bad", client)
            msg = exc.value.one_line()
            assert error in msg, msg
            assert bad_url in msg and "To fix:" in msg and "\n" not in msg
    after = store_snapshot(store)
    if error is None:  # exactly one version more: the one that succeeded
        assert after["hashes"] == sorted(before["hashes"] + [("bad", 1, hashlib.sha256(NEW).hexdigest())])
        assert after["counts"]["versions"] == before["counts"]["versions"] + 1
    else:
        assert after == before
    if fault == "robots.txt disallows":
        assert http_server.hits("/fault") == []
    if fault in ("500 then success", "429 with Retry-After then success", "hang"):
        assert len(http_server.hits("/fault")) == 2  # one try, one retry
    if fault == "503 every time":
        assert len(http_server.hits("/fault")) == 2  # one try, one retry
    if fault in ("404", "wrong content type", "over the cap (declared)", "not guidance"):
        assert len(http_server.hits("/fault")) == 1  # not retried
    if fault == "redirect loop":
        assert len(http_server.hits("/fault")) == 6  # the first request and the 5 redirects allowed


def test_fetch_http_a_crash_between_writes_leaves_no_partial_version(store, http_server, fast_http, store_snapshot, monkeypatch) -> None:
    """The new version, its units and its comparison are one transaction: a failure while
    writing the comparison's rows takes the version with it; the next fetch stores both."""
    state = {"body": OLD}
    http_server.handler("/wt")(lambda req: Resp(200, state["body"]))
    store.add_document("wt", url=http_server.url("/wt"), watched=True)
    with HttpClient(fast_http) as client:
        fetch_document(store, "wt", client, model="rules-only")
        state["body"] = NEW
        before = store_snapshot(store)
        real = sqlite_utils.db.Table.insert_all

        def power_cut(self, records, *args, **kwargs):
            if self.name == "tags":  # after the version, its units, the comparison and its changes
                raise RuntimeError("power cut")
            return real(self, records, *args, **kwargs)

        monkeypatch.setattr(sqlite_utils.db.Table, "insert_all", power_cut)
        with pytest.raises(RuntimeError, match="power cut"):
            fetch_document(store, "wt", client, model="rules-only")
        monkeypatch.undo()
        assert store_snapshot(store) == before

        def pipeline_crash(*args, **kwargs):
            raise MemoryError("the pipeline died")

        monkeypatch.setattr(tracker.compare, "compare_documents", pipeline_crash)
        with pytest.raises(MemoryError):
            fetch_document(store, "wt", client, model="rules-only")
        monkeypatch.undo()
        assert store_snapshot(store) == before

        out = fetch_document(store, "wt", client, model="rules-only")
    assert out.status == "new" and out.version.ref == "wt@2" and out.report is not None
    counts = store.counts()
    assert counts["versions"] == 2 and counts["comparisons"] == 1 and counts["tags"] == 1
    assert store.cached_comparison(out.previous.sha256, out.version.sha256)["new"]["label"] == "wt@2 (" + out.version.label + ")"


def test_fetch_http_429_retry_after_is_honoured_and_capped(http_server, fast_http) -> None:
    http_server.sequence("/busy", Resp(429, b"slow down", "text/plain", headers={"Retry-After": "30"}), Resp(200, OLD))
    settings = replace(fast_http, retry_after_cap=0.3, backoff=0.0)
    with HttpClient(settings) as client:
        t0 = time.monotonic()
        got = client.get(http_server.url("/busy"))
        waited = time.monotonic() - t0
    assert got.status == 200 and got.content == OLD
    assert waited >= 0.3  # the Retry-After wait (cut from 30 s to the cap); backoff alone would not wait
    assert len(http_server.hits("/busy")) == 2


def test_fetch_http_retry_policy() -> None:
    """urllib3 Retry: connect errors, read errors, 429 and 5xx, with backoff; Retry-After honoured up to the cap."""
    from urllib3 import HTTPResponse

    r = _retry(HttpSettings(retries=4, backoff=0.5, backoff_max=8.0, retry_after_cap=30.0))
    assert (r.total, r.connect, r.read, r.status) == (4, 4, 4, 4)
    assert set(r.status_forcelist) == {429, 500, 502, 503, 504} and r.respect_retry_after_header
    assert r.backoff_factor == 0.5 and r.backoff_max == 8.0
    assert r.get_retry_after(HTTPResponse(headers={"Retry-After": "12"}, status=429)) == 12
    assert r.get_retry_after(HTTPResponse(headers={"Retry-After": "3600"}, status=503)) == 30.0  # capped
    assert r.get_retry_after(HTTPResponse(headers={}, status=503)) is None
    assert r.is_retry("GET", 503, has_retry_after=False) and not r.is_retry("GET", 404, has_retry_after=False)
    assert not r.is_retry("POST", 503, has_retry_after=False)  # only idempotent GET/HEAD are retried


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/wt.pdf", "javascript:alert(1)", "www.gov.uk/x", "https://"])
def test_fetch_http_only_http_urls(url, store, store_snapshot, fast_http) -> None:
    before = store_snapshot(store)
    with pytest.raises(BadInput) as exc:
        check_url(url)
    assert "To fix:" in exc.value.one_line()
    store.add_document("x", url=url, watched=True)
    with HttpClient(fast_http) as client, pytest.raises(BadInput):
        fetch_document(store, "x", client)
    assert store_snapshot(store)["hashes"] == before["hashes"]
    assert store.counts()["versions"] == 0


def test_fetch_http_polite_delay_per_host(http_server, fast_http) -> None:
    http_server.route("/a", OLD)
    with HttpClient(replace(fast_http, delay=0.2)) as client:
        t0 = time.monotonic()
        client.get(http_server.url("/a"))  # robots.txt, then /a: one pause
        client.get(http_server.url("/a"))  # another pause
        assert time.monotonic() - t0 >= 0.38


def test_fetch_http_robots_txt_is_read_once_per_host(http_server, fast_http) -> None:
    http_server.route("/robots.txt", "User-agent: guidance-tracker\nDisallow: /private\n", content_type="text/plain")
    http_server.route("/a", OLD)
    with HttpClient(fast_http) as client:
        client.get(http_server.url("/a"))
        client.get(http_server.url("/a"))
        with pytest.raises(FetchError, match="robots.txt"):
            client.get(http_server.url("/private/doc"))
    assert len(http_server.hits("/robots.txt")) == 1


def test_fetch_http_settings_from_env(monkeypatch) -> None:
    monkeypatch.setenv("GUIDANCE_TRACKER_HTTP_DELAY", "0")
    monkeypatch.setenv("GUIDANCE_TRACKER_MAX_BYTES", "1234")
    s = HttpSettings.from_env(read_timeout=5)
    assert (s.delay, s.max_bytes, s.read_timeout) == (0.0, 1234, 5)
    monkeypatch.setenv("GUIDANCE_TRACKER_HTTP_DELAY", "soon")
    with pytest.raises(BadInput):
        HttpSettings.from_env()


def test_fetch_http_media_kinds() -> None:
    assert media_kind("text/html; charset=utf-8") == "html"
    assert media_kind("application/pdf") == "pdf"
    assert media_kind("application/vnd.api+json") == "json"
    assert media_kind("image/png") is None
