"""Fixtures for the store, fetch and feed tests (a pytest plugin loaded by conftest.py).

- ``http_server``: a real HTTP server on 127.0.0.1 (``ThreadingHTTPServer`` in a
  thread) with a per-test handler registry and a request log.
- ``store``: a fresh version store in a temporary file.
- ``fast_http``: ``HttpSettings`` with tiny timeouts, backoffs and no delay.
- ``tracker_env``: environment for CLI tests (temporary store, no delays, rules-only).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fetch"

OLD_TEXT = """# Working together: sample

## Chapter 1: Assessment

1. The social worker and their manager should agree the plan within 10 working days.

2. Every assessment should be child centred and take account of the child's wishes.
"""
NEW_TEXT = OLD_TEXT.replace("The social worker and their manager should agree", "The social worker should agree")


def html_page(text: str, title: str = "Working together: sample") -> bytes:
    """A small guidance HTML page from the Markdown-ish sample text."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body><main>"]
    for block in text.strip().split("\n\n"):
        b = block.strip()
        if b.startswith("## "):
            parts.append(f"<h2>{b[3:]}</h2>")
        elif b.startswith("# "):
            parts.append(f"<h1>{b[2:]}</h1>")
        else:
            parts.append(f"<p>{b}</p>")
    parts.append("</main></body></html>")
    return "\n".join(parts).encode("utf-8")


def pdf_bytes(text: str) -> bytes:
    """A small text PDF (fpdf2) of the sample text; the same text gives the same bytes."""
    from datetime import datetime, timezone

    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 2, 14, 12, 0, tzinfo=timezone.utc))  # else the bytes change every second
    pdf.add_page()
    for block in text.strip().split("\n\n"):
        b = block.strip()
        if b.startswith("#"):
            pdf.set_font("Helvetica", "B", 16 if b.startswith("# ") else 13)
            b = b.lstrip("# ")
        else:
            pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, b)
        pdf.ln(3)
    return bytes(pdf.output())


@dataclass
class Req:
    """One request the server saw."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Resp:
    """What a route answers."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    """Seconds to wait before answering (a hanging server)."""
    content_length: int | None = None
    """Declared length, when it should differ from the body (a truncated body); -1 sends none."""
    stall: float = 0.0
    """Seconds to stop for halfway through the body (a server that hangs mid-transfer)."""


Handler = Callable[[Req], Resp]


class LoopbackServer:
    """A real HTTP server on 127.0.0.1; routes are registered per test."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Req] = []
        self.stopping = threading.Event()
        server = self

        class _H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                req = Req(self.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}, body)
                server.requests.append(req)
                fn = server.routes.get(f"{self.command} {parts.path}") or server.routes.get(parts.path)
                resp = fn(req) if fn else Resp(404, b"not found", "text/plain")
                if resp.hang:
                    server.stopping.wait(resp.hang)
                try:
                    self.send_response(resp.status)
                    if resp.content_type:
                        self.send_header("Content-Type", resp.content_type)
                    for k, v in resp.headers.items():
                        self.send_header(k, v)
                    if resp.status != 304 and resp.content_length != -1:
                        self.send_header("Content-Length", str(resp.content_length if resp.content_length is not None else len(resp.body)))
                    self.end_headers()
                    if self.command != "HEAD" and resp.status != 304:
                        if resp.stall:
                            half = len(resp.body) // 2
                            self.wfile.write(resp.body[:half])
                            self.wfile.flush()
                            server.stopping.wait(resp.stall)
                            self.wfile.write(resp.body[half:])
                        else:
                            self.wfile.write(resp.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, body: bytes | str = b"", *, status: int = 200, content_type: str | None = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, method: str | None = None) -> None:
        """A fixed answer for ``path`` (any method unless ``method``)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        resp = Resp(status, data, content_type, dict(headers or {}))
        self.routes[f"{method} {path}" if method else path] = lambda req: resp

    def handler(self, path: str, method: str | None = None) -> Callable[[Handler], Handler]:
        """Decorator: ``fn(req) -> Resp`` answers ``path``."""

        def deco(fn: Handler) -> Handler:
            self.routes[f"{method} {path}" if method else path] = fn
            return fn

        return deco

    def sequence(self, path: str, *responses: Resp) -> None:
        """Answer ``path`` with each response in turn; the last one repeats."""
        queue = list(responses)

        def fn(req: Req) -> Resp:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.routes[path] = fn

    def hits(self, path: str, method: str = "GET") -> list[Req]:
        return [r for r in self.requests if r.path == path and r.method == method]

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    from tracker.store import open_store

    s = open_store(tmp_path / "store.db")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def fast_http() -> Any:
    from tracker.fetch.http import HttpSettings

    return HttpSettings(connect_timeout=2.0, read_timeout=2.0, retries=2, backoff=0.01, backoff_max=0.05,
                        retry_after_cap=0.2, delay=0.0)


@pytest.fixture
def tracker_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for CLI runs: a temporary store, fast HTTP, the rules-only pipeline."""
    db = tmp_path / "cli.db"
    for k, v in {
        "GUIDANCE_TRACKER_DB": str(db), "GUIDANCE_TRACKER_HTTP_DELAY": "0", "GUIDANCE_TRACKER_HTTP_TIMEOUT": "2",
        "GUIDANCE_TRACKER_HTTP_CONNECT_TIMEOUT": "2", "GUIDANCE_TRACKER_HTTP_RETRIES": "2",
        "GUIDANCE_TRACKER_HTTP_BACKOFF": "0.01", "GUIDANCE_TRACKER_RETRY_AFTER_CAP": "0.2",
        "GUIDANCE_TRACKER_MODEL": "rules-only",
    }.items():
        monkeypatch.setenv(k, v)
    for k in ("GUIDANCE_TRACKER_GOVUK_URL", "GUIDANCE_TRACKER_GOVUK_ASSETS_URL", "GUIDANCE_TRACKER_WAYBACK_URL", "GUIDANCE_TRACKER_UKGWA_URL", "GUIDANCE_TRACKER_PACK"):
        monkeypatch.delenv(k, raising=False)
    return db


@pytest.fixture
def store_snapshot() -> Callable[[Any], dict[str, Any]]:
    """What a store holds: row counts per table and the version hashes per document."""

    def snap(s: Any) -> dict[str, Any]:
        hashes = sorted((r["document"], r["seq"], r["sha256"]) for r in s.db.query("select document, seq, sha256 from versions"))
        return {"counts": s.counts(), "hashes": hashes}

    return snap


def load_fixture(name: str, **subs: str) -> bytes:
    """A recorded-shape fixture from tests/fixtures/fetch, with ``{key}`` placeholders filled."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for k, v in subs.items():
        text = text.replace("{" + k + "}", v)
    return text.encode("utf-8")
