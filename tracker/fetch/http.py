"""HTTP done right: one ``requests`` session with urllib3 ``Retry``, timeouts, a size
cap, a content-type check, conditional requests, robots.txt and a polite delay.

Every failure is a ``FetchError`` (a bad URL is ``BadInput``) with a one-line message
naming the URL and the fix. Nothing here touches the store: a ``Fetched`` holds the
whole body, so the caller writes it only once it was received and checked.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util.retry import Retry

from tracker import __version__
from tracker.errors import BadInput, FetchError

__all__ = [
    "API",
    "CDX",
    "DOCUMENT",
    "Fetched",
    "HttpClient",
    "HttpSettings",
    "HttpStatusError",
    "RejectedResponse",
    "WrongContentType",
    "USER_AGENT",
    "check_url",
    "media_kind",
    "now_iso",
]

USER_AGENT = (
    f"guidance-tracker/{__version__} "
    "(+https://github.com/guidance-tracker/guidance-tracker; statutory guidance change tracker)"
)
ROBOTS_TOKEN = "guidance-tracker"

DOCUMENT = frozenset({"html", "pdf", "docx", "text"})
"""Content kinds accepted for a guidance document."""
API = frozenset({"json"})
"""Content kinds accepted from a JSON API (GOV.UK Content API)."""
CDX = frozenset({"json", "ndjson", "text"})
"""Content kinds accepted from a CDX server (Wayback JSON, pywb JSON lines)."""

_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "text",
    "text/markdown": "text",
    "text/x-markdown": "text",
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "text/x-ndjson": "ndjson",
    "application/octet-stream": "binary",
}
_KIND_NAMES = {"html": "HTML", "pdf": "PDF", "docx": "DOCX", "text": "text", "json": "JSON", "ndjson": "JSON lines"}
_RETRY_STATUSES = (429, 500, 502, 503, 504)


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def media_kind(content_type: str | None) -> str | None:
    """``text/html; charset=utf-8`` -> ``html``; unknown types -> None."""
    if not content_type:
        return None
    base = content_type.split(";", 1)[0].strip().lower()
    if base in _KINDS:
        return _KINDS[base]
    if base.endswith("+json"):
        return "json"
    return None


def check_url(url: str) -> str:
    """Accept only absolute http(s) URLs.

    Raises:
        BadInput: another scheme (file:, ftp:, javascript:) or no host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        fix = "give a local file to `guidance-tracker import` instead" if scheme == "file" else "give a web address starting https://"
        raise BadInput(f"{url!r} is not an http(s) URL", f"its scheme is {scheme + ':' if scheme else 'missing'}", fix)
    if not parts.netloc:
        raise BadInput(f"{url!r} has no host", None, "give a full web address such as https://www.gov.uk/...")
    return url.strip()


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise BadInput(f"{name}={raw!r} is not a number", None, f"set {name} to a number or unset it") from None


@dataclass(frozen=True)
class HttpSettings:
    """How politely and how patiently to fetch. Tests use tiny values."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 3
    """Retries on connection errors, read timeouts, 429 and 5xx."""
    backoff: float = 0.5
    """urllib3 backoff factor: waits backoff * 2**(n-1) seconds between retries."""
    backoff_max: float = 30.0
    retry_after_cap: float = 30.0
    """Longest Retry-After wait honoured (seconds); longer waits are cut to this."""
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 10
    delay: float = 1.0
    """Seconds between two requests to the same host."""
    user_agent: str = USER_AGENT
    robots: bool = True
    """Respect robots.txt (per host, cached)."""

    @classmethod
    def from_env(cls, **overrides: Any) -> HttpSettings:
        """Settings from ``GUIDANCE_TRACKER_HTTP_*`` variables, then ``overrides``.

        ``GUIDANCE_TRACKER_HTTP_TIMEOUT`` (read timeout, s), ``..._HTTP_CONNECT_TIMEOUT``,
        ``..._HTTP_RETRIES``, ``..._HTTP_BACKOFF``, ``..._HTTP_DELAY`` (per host, s),
        ``GUIDANCE_TRACKER_RETRY_AFTER_CAP`` (s), ``GUIDANCE_TRACKER_MAX_BYTES``,
        ``GUIDANCE_TRACKER_USER_AGENT``.
        """
        d = cls()
        s = cls(
            connect_timeout=_env_float("GUIDANCE_TRACKER_HTTP_CONNECT_TIMEOUT", d.connect_timeout),
            read_timeout=_env_float("GUIDANCE_TRACKER_HTTP_TIMEOUT", d.read_timeout),
            retries=int(_env_float("GUIDANCE_TRACKER_HTTP_RETRIES", d.retries)),
            backoff=_env_float("GUIDANCE_TRACKER_HTTP_BACKOFF", d.backoff),
            retry_after_cap=_env_float("GUIDANCE_TRACKER_RETRY_AFTER_CAP", d.retry_after_cap),
            max_bytes=int(_env_float("GUIDANCE_TRACKER_MAX_BYTES", d.max_bytes)),
            delay=_env_float("GUIDANCE_TRACKER_HTTP_DELAY", d.delay),
            user_agent=os.environ.get("GUIDANCE_TRACKER_USER_AGENT") or d.user_agent,
        )
        return replace(s, **{k: v for k, v in overrides.items() if v is not None})


class RejectedResponse(FetchError):
    """A response refused for its status or type; keeps what the archive code needs to
    judge it (a captcha page is "archive unavailable", not "wrong type")."""

    def __init__(self, what: str, cause: str | None, fix: str | None, *, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
        """The first 64 KiB of the body, for diagnosis."""
        super().__init__(what, cause, fix)


class HttpStatusError(RejectedResponse):
    """An HTTP error status (after retries for 429 and 5xx)."""


class WrongContentType(RejectedResponse):
    """A content type the caller does not accept."""


@dataclass(frozen=True)
class Fetched:
    """One response, read whole (or a 304)."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where redirects ended."""
    status: int
    headers: dict[str, str]
    """Response headers, names lower-cased."""
    content: bytes = b""
    kind: str | None = None
    """``html``, ``pdf``, ``docx``, ``text``, ``json``, ``ndjson`` or ``binary``."""
    fetched_at: str = field(default_factory=now_iso)
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def http_meta(self) -> dict[str, str]:
        """What a version keeps: status, ETag, Last-Modified, content type, final URL."""
        meta = {"status": str(self.status)}
        for k in ("etag", "last-modified", "content-type", "content-length"):
            if self.headers.get(k):
                meta[k] = self.headers[k]
        if self.final_url != self.url:
            meta["final-url"] = self.final_url
        return meta

    def json(self) -> Any:
        try:
            return json.loads(self.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise FetchError(f"{self.url} did not return valid JSON", str(e), "check the API base URL setting") from None


class _CappedRetry(Retry):
    """urllib3 Retry whose Retry-After wait is capped (a server asking for an hour
    must not stall a run)."""

    retry_after_cap: float = 30.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.retry_after_cap)


def _retry(s: HttpSettings) -> Retry:
    cls = type("CappedRetry", (_CappedRetry,), {"retry_after_cap": s.retry_after_cap})
    return cls(
        total=s.retries, connect=s.retries, read=s.retries, status=s.retries, other=0,
        status_forcelist=_RETRY_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=s.backoff, backoff_max=s.backoff_max,
        respect_retry_after_header=True, raise_on_status=False,
    )


class HttpClient:
    """A polite HTTP client: one per run, shared by every fetch (robots and delays per host)."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings.from_env()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.settings.user_agent
        self.session.max_redirects = self.settings.max_redirects
        adapter = HTTPAdapter(max_retries=_retry(self.settings))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._robots: dict[str, RobotFileParser] = {}
        self._last: dict[str, float] = {}

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one entry point ---------------------------------------------------

    def get(
        self,
        url: str,
        *,
        accept: frozenset[str] = DOCUMENT,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """GET ``url`` whole, or a 304 ``Fetched`` when the conditional headers match.

        Raises:
            BadInput: not an http(s) URL.
            FetchError: network failure, timeout, HTTP error status, redirect loop,
                robots.txt disallows it, wrong content type, too large or truncated.
        """
        url = check_url(url)
        self._check_robots(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        resp = self._request("GET", url, headers=headers)
        with resp:
            hdrs = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code == 304:
                return Fetched(url=url, final_url=resp.url, status=304, headers=hdrs, not_modified=True)
            if not 200 <= resp.status_code < 300:
                raise self._status_error(url, resp, hdrs)
            kind = self._check_type(url, resp, hdrs, accept)
            body = self._read(url, resp, hdrs, max_bytes or self.settings.max_bytes)
        if kind == "binary" or kind is None:
            kind = _sniff_binary(url, body, accept, hdrs.get("content-type"))
        return Fetched(url=url, final_url=resp.url, status=resp.status_code, headers=hdrs, content=body, kind=kind)

    def post_json(self, url: str, payload: Any) -> int:
        """POST a JSON payload (a webhook); no retries, no robots. Returns the status.

        Raises:
            FetchError: the endpoint failed or answered with an error status.
        """
        url = check_url(url)
        try:
            resp = self.session.post(
                url, json=payload, timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as e:
            raise FetchError(f"webhook {url} failed", _reason(e), "check the webhook URL with `guidance-tracker watch list`") from None
        with resp:
            if not 200 <= resp.status_code < 300:
                raise FetchError(f"webhook {url} answered HTTP {resp.status_code}", resp.reason, "check the receiving service")
            return resp.status_code

    # -- pieces ---------------------------------------------------------------

    def _wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        last = self._last.get(host)
        if last is not None and self.settings.delay > 0:
            pause = last + self.settings.delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def _request(self, method: str, url: str, headers: dict[str, str] | None = None, *, about: str | None = None) -> requests.Response:
        """Send one request; errors name ``about`` (the document a robots.txt request is for)."""
        s = self.settings
        self._wait(url)
        who = about or url
        try:
            return self.session.request(method, url, headers=headers, timeout=(s.connect_timeout, s.read_timeout), stream=True)
        except requests.TooManyRedirects:
            raise FetchError(
                f"{who} redirects too many times", f"more than {s.max_redirects} redirects, probably a redirect loop",
                "open the URL in a browser, see where it ends up, and watch that URL instead",
            ) from None
        except requests.RequestException as e:
            if _timed_out(e):
                raise FetchError(
                    f"{who} did not answer in time", f"no response within {s.read_timeout:g} s, after {s.retries} retries",
                    "try again later, or raise GUIDANCE_TRACKER_HTTP_TIMEOUT",
                ) from None
            raise FetchError(f"{who} could not be fetched", _reason(e), "check the URL and the network, then try again") from None

    def _status_error(self, url: str, resp: requests.Response, hdrs: dict[str, str]) -> HttpStatusError:
        snippet = _snippet(resp)
        code = resp.status_code
        cause = "the server refused the request"
        if code in (404, 410):
            cause = "the page is not there" if code == 404 else "the page was removed"
            fix = "the page has moved or gone: find its new address and `watch add` it"
        elif code in (401, 403, 405):
            fix = "the site refuses scripted requests; try later, or import a copy you downloaded with `guidance-tracker import`"
        elif code == 429 or code >= 500:
            fix = "the server is busy or failing; try again later"
        else:
            fix = "check the URL"
        tried = f" after {self.settings.retries} retries" if code in _RETRY_STATUSES and self.settings.retries else ""
        return HttpStatusError(
            f"{url} answered HTTP {code} {resp.reason or ''}".rstrip(), f"{cause}{tried}", fix,
            url=url, status=code, headers=hdrs, body=snippet,
        )

    def _check_type(self, url: str, resp: requests.Response, hdrs: dict[str, str], accept: frozenset[str]) -> str | None:
        content_type = hdrs.get("content-type")
        kind = media_kind(content_type)
        if content_type is None:
            return None  # no header: the body is sniffed instead
        if kind in accept or (kind == "binary" and accept & {"pdf", "docx"}) or (kind == "json" and "ndjson" in accept):
            return kind
        want = ", ".join(_KIND_NAMES[k] for k in sorted(accept) if k in _KIND_NAMES)
        raise WrongContentType(
            f"{url} returned {content_type.split(';')[0].strip() or 'an empty content type'}",
            f"expected {want}",
            "check that the URL points at the guidance itself (the HTML page or the PDF), not a viewer or a login page",
            url=url, status=resp.status_code, headers=hdrs, body=_snippet(resp),
        )

    def _read(self, url: str, resp: requests.Response, hdrs: dict[str, str], cap: int) -> bytes:
        length = hdrs.get("content-length")
        declared = int(length) if length and length.isdigit() else None
        too_big = FetchError(
            f"{url} is larger than the {cap} byte limit", None,
            "raise GUIDANCE_TRACKER_MAX_BYTES if the document really is that large",
        )
        if declared is not None and declared > cap:
            raise too_big
        buf = bytearray()
        try:
            for chunk in resp.iter_content(chunk_size=65536):
                buf += chunk
                if len(buf) > cap:
                    raise too_big
        except requests.RequestException as e:
            raise FetchError(
                f"{url} was cut off after {len(buf)} bytes", _reason(e), "try again; nothing was stored",
            ) from None
        if declared is not None and not hdrs.get("content-encoding") and len(buf) < declared:
            raise FetchError(
                f"{url} was cut off after {len(buf)} of {declared} bytes", "the connection closed early",
                "try again; nothing was stored",
            )
        return bytes(buf)

    def _check_robots(self, url: str) -> None:
        if not self.settings.robots:
            return
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        rp = self._robots.get(root)
        if rp is None:
            rp = self._robots[root] = self._load_robots(root, url)
        if not rp.can_fetch(ROBOTS_TOKEN, url):
            why = getattr(rp, "why", None) or f"it disallows {ROBOTS_TOKEN} (or every robot) from this path"
            raise FetchError(
                f"{url} is off limits by {root}/robots.txt", why,
                "ask the site owner, or download the document yourself and `guidance-tracker import` it",
            )

    def _load_robots(self, root: str, url: str) -> RobotFileParser:
        rp = RobotFileParser(root + "/robots.txt")
        resp = self._request("GET", root + "/robots.txt", about=url)
        with resp:
            code = resp.status_code
            if 200 <= code < 300:
                try:
                    text = self._read(root + "/robots.txt", resp, {k.lower(): v for k, v in resp.headers.items()}, 512 * 1024)
                except FetchError:
                    text = b""
                rp.parse(text.decode("utf-8", errors="replace").splitlines())
            elif 400 <= code < 500:
                rp.allow_all = True  # RFC 9309: an unavailable robots.txt allows everything
            else:
                rp.disallow_all = True  # RFC 9309: an unreachable one (5xx) allows nothing
                rp.why = f"its robots.txt could not be read (HTTP {code}), which means keep out"  # type: ignore[attr-defined]
        return rp


def _snippet(resp: requests.Response) -> bytes:
    try:
        return resp.raw.read(65536, decode_content=True) or b""
    except Exception:  # noqa: BLE001 - a snippet for diagnosis only
        return b""


def _sniff_binary(url: str, body: bytes, accept: frozenset[str], content_type: str | None) -> str:
    """Kind of a body served as application/octet-stream or with no content type."""
    if accept <= (API | CDX):
        return "json" if body.lstrip()[:1] in (b"{", b"[") else "text"
    from tracker.ingest import sniff

    try:
        kind = sniff(body, url)
    except Exception:  # noqa: BLE001 - anything unrecognised is a type error below
        kind = None
    if content_type is not None and kind not in ("pdf", "docx"):
        raise FetchError(
            f"{url} returned {content_type.split(';')[0].strip()} that is not a PDF or DOCX", None,
            "check that the URL points at the guidance itself",
        )
    if kind not in accept:
        raise FetchError(f"{url} returned content of an unknown type", "no Content-Type header, and it is not HTML, PDF, DOCX or text", "check the URL")
    return kind


def _chain(e: BaseException) -> list[BaseException]:
    """An exception and the reasons wrapped inside it (requests -> urllib3 -> socket)."""
    out: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and cur not in out and len(out) < 10:
        out.append(cur)
        nxt = getattr(cur, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = next((a for a in cur.args if isinstance(a, BaseException)), None) or cur.__context__
        cur = nxt
    return out


def _timed_out(e: BaseException) -> bool:
    chain = _chain(e)
    if any(isinstance(x, (urllib3_exceptions.NewConnectionError, ConnectionRefusedError)) for x in chain):
        return False  # urllib3 files a refused connection under ConnectTimeoutError
    return any(isinstance(x, (requests.Timeout, urllib3_exceptions.TimeoutError, TimeoutError)) for x in chain)


def _reason(e: BaseException) -> str:
    """A short cause from a requests exception (its innermost reason)."""
    inner = _chain(e)[-1]
    text = str(inner) or type(inner).__name__
    return " ".join(text.split())[:200]
