"""HTTP done right, against a real server on 127.0.0.1: retries, timeouts, caps, types,
redirects, robots.txt, conditional requests; and after every fault the store holds
exactly what it held before plus what succeeded."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace

import pytest
from fixtures_store import NEW_TEXT, OLD_TEXT, Resp, html_page

from tracker.errors import BadInput, FetchError
from tracker.fetch import fetch_document
from tracker.fetch.http import HttpClient, HttpSettings, check_url, media_kind

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
    "503 every time": (lambda s: s.route("/fault", b"busy", status=503, content_type="text/plain"), "answered HTTP 503"),
    "404": (lambda s: s.route("/fault", b"gone", status=404, content_type="text/plain"), "answered HTTP 404"),
    "hang": (lambda s: s.sequence("/fault", Resp(200, NEW, hang=5)), "did not answer in time"),
    "truncated body": (lambda s: s.sequence("/fault", Resp(200, NEW, content_length=len(NEW) + 500)), "cut off"),
    "wrong content type": (lambda s: s.route("/fault", b"\x89PNG\r\n\x1a\n....", content_type="image/png"), "returned image/png"),
    "redirect loop": (_redirect_loop, "redirects too many times"),
    "over the cap (declared)": (lambda s: s.route("/fault", NEW + b" " * 5000), "larger than the 2000 byte limit"),
    "over the cap (streamed)": (lambda s: s.sequence("/fault", Resp(200, NEW + b" " * 5000, content_length=-1)), "larger than the 2000 byte limit"),
    "not guidance": (lambda s: s.route("/fault", b"<html><body></body></html>"), "cannot be read as guidance"),
    "robots.txt disallows": (lambda s: (s.route("/robots.txt", "User-agent: *\nDisallow: /fault\n", content_type="text/plain"), s.route("/fault", NEW)), "robots.txt"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fetch_http_fault_leaves_the_store_as_it_was(fault, store, http_server, fast_http, store_snapshot) -> None:
    http_server.route("/good", OLD)
    setup, error = FAULTS[fault]
    setup(http_server)
    store.add_document("good", url=http_server.url("/good"), watched=True)
    store.add_document("bad", url=http_server.url("/fault"), watched=True)
    settings = replace(fast_http, read_timeout=0.3, retries=1, max_bytes=2000, max_redirects=5)
    with HttpClient(settings) as client:
        fetch_document(store, "good", client)
        before = store_snapshot(store)
        t0 = time.monotonic()
        if error is None:
            out = fetch_document(store, "bad", client)
            assert out.status == "new"
        else:
            with pytest.raises(FetchError) as exc:
                fetch_document(store, "bad", client)
            msg = exc.value.one_line()
            assert error in msg, msg
            assert http_server.url("/fault") in msg and "To fix:" in msg and "\n" not in msg
        assert time.monotonic() - t0 < 5
    after = store_snapshot(store)
    if error is None:  # exactly one version more: the one that succeeded
        assert after["hashes"] == sorted(before["hashes"] + [("bad", 1, hashlib.sha256(NEW).hexdigest())])
        assert after["counts"]["versions"] == before["counts"]["versions"] + 1
    else:
        assert after == before
    if fault == "robots.txt disallows":
        assert http_server.hits("/fault") == []
    if fault == "500 then success":
        assert len(http_server.hits("/fault")) == 2
    if fault == "503 every time":
        assert len(http_server.hits("/fault")) == 2  # one try, one retry


def test_fetch_http_429_retry_after_is_honoured_and_capped(http_server, fast_http) -> None:
    http_server.sequence("/busy", Resp(429, b"slow down", "text/plain", headers={"Retry-After": "30"}), Resp(200, OLD))
    settings = replace(fast_http, retry_after_cap=0.3, backoff=0.0)
    with HttpClient(settings) as client:
        t0 = time.monotonic()
        got = client.get(http_server.url("/busy"))
        waited = time.monotonic() - t0
    assert got.status == 200 and got.content == OLD
    assert 0.25 <= waited < 2.0  # the Retry-After wait, cut from 30 s to the cap
    assert len(http_server.hits("/busy")) == 2


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
