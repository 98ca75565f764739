"""Web archives: list a URL's captures (CDX), collapse identical ones, fetch raw bytes.

Two CDX dialects:

- Internet Archive Wayback: ``<base>/cdx/search/cdx?url=...&output=json`` answers a JSON
  array of arrays whose first row is the header (and, with paging, ``[]`` then a
  resume key).
- UK Government Web Archive (pywb): ``<base>/cdx?url=...&output=json`` answers one
  JSON object per line (``timestamp``, ``url``, ``mime``, ``status``, ``digest``).

``digest`` is the base32 SHA-1 of the payload: equal digests are equal bytes, so a
duplicate capture is skipped without downloading it. Raw bytes come from the ``id_``
replay modifier. A 403/405 or a captcha page (``x-amzn-waf-action: captcha``, "Human
Verification") means the archive is unavailable, never that there is no history.

Bases are settings: ``--archive-url``, else ``GUIDANCE_TRACKER_WAYBACK_URL`` /
``GUIDANCE_TRACKER_UKGWA_URL``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from tracker.errors import BadInput, FetchError
from tracker.fetch.http import CDX, DOCUMENT, Fetched, HttpClient, RejectedResponse

__all__ = [
    "ARCHIVES",
    "ArchiveUnavailable",
    "Capture",
    "Snapshot",
    "archive_base",
    "capture_url",
    "cdx_url",
    "distinct",
    "fetch_capture",
    "list_snapshots",
    "parse_capture_url",
    "parse_cdx",
    "parse_pywb_cdx",
    "parse_wayback_cdx",
]

ARCHIVES = ("wayback", "ukgwa")
_DEFAULTS = {"wayback": "https://web.archive.org", "ukgwa": "https://webarchive.nationalarchives.gov.uk/ukgwa"}
_ENV = {"wayback": "GUIDANCE_TRACKER_WAYBACK_URL", "ukgwa": "GUIDANCE_TRACKER_UKGWA_URL"}
_NAMES = {"wayback": "the Internet Archive Wayback Machine", "ukgwa": "the UK Government Web Archive"}
_ARCHIVE_HOSTS = {"web.archive.org": "wayback", "webarchive.nationalarchives.gov.uk": "ukgwa"}
_CAPTURE = re.compile(r"^/(?:(?:ukgwa|web)/)?(?P<ts>\d{4,14})(?P<mod>[a-z]{2}_)?/(?P<orig>.+)$")
_CDX11 = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


def archive_base(archive: str, override: str | None = None) -> str:
    """The archive's base URL: ``override``, else its environment variable, else the public one.

    Raises:
        BadInput: unknown archive name.
    """
    if archive not in ARCHIVES:
        raise BadInput(f"unknown archive {archive!r}", f"archives are {', '.join(ARCHIVES)}", "use --archive wayback or --archive ukgwa")
    return (override or os.environ.get(_ENV[archive]) or _DEFAULTS[archive]).rstrip("/")


@dataclass(frozen=True)
class Snapshot:
    """One CDX line."""

    timestamp: str
    """``YYYYMMDDhhmmss`` (UTC)."""
    original: str
    digest: str | None = None
    mime: str | None = None
    status: str | None = None
    length: str | None = None

    @property
    def archived_at(self) -> str:
        """The capture time as ISO 8601."""
        t = (self.timestamp + "00000000000000")[:14]
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    @property
    def date(self) -> str:
        return self.archived_at[:10]


def _snapshot(d: dict[str, object]) -> Snapshot | None:
    ts = str(d.get("timestamp") or "")
    orig = str(d.get("original") or d.get("url") or "")
    if not ts.isdigit() or not orig:
        return None

    def opt(*keys: str) -> str | None:
        for k in keys:
            v = d.get(k)
            if v not in (None, "", "-"):
                return str(v)
        return None

    return Snapshot(timestamp=ts, original=orig, digest=opt("digest"), mime=opt("mimetype", "mime"),
                    status=opt("statuscode", "status"), length=opt("length"))


def parse_wayback_cdx(text: str) -> list[Snapshot]:
    """Wayback ``output=json``: header row, then rows; stops at the ``[]`` before a resume key.

    Raises:
        FetchError: not a JSON array of arrays.
    """
    if not text.strip():
        return []
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:
        return _parse_cdx11(text)
    if not isinstance(rows, list) or (rows and not all(isinstance(r, list) for r in rows)):
        raise FetchError("the Wayback CDX answer is not a JSON array of arrays", None, "check --archive-url or GUIDANCE_TRACKER_WAYBACK_URL")
    if not rows:
        return []
    header = [str(h) for h in rows[0]]
    out = []
    for row in rows[1:]:
        if not row:
            break  # then the resume key
        snap = _snapshot(dict(zip(header, row)))
        if snap:
            out.append(snap)
    return out


def parse_pywb_cdx(text: str) -> list[Snapshot]:
    """pywb ``output=json``: one JSON object per line (plain CDX lines are read too)."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except json.JSONDecodeError:
                continue
            snap = _snapshot(obj) if isinstance(obj, dict) else None
        else:
            snap = next(iter(_parse_cdx11(s)), None)
        if snap:
            out.append(snap)
    return out


def parse_cdx(text: str) -> list[Snapshot]:
    """Either dialect, told apart by the answer itself (either archive may serve either):
    a JSON array of arrays is Wayback's, anything else is read as pywb JSON lines or
    plain CDX lines."""
    return parse_wayback_cdx(text) if text.lstrip().startswith("[") else parse_pywb_cdx(text)


def _parse_cdx11(text: str) -> list[Snapshot]:
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            snap = _snapshot(dict(zip(_CDX11, parts)))
            if snap:
                out.append(snap)
    return out


def cdx_url(archive: str, base: str, url: str, from_: str | None = None, to: str | None = None) -> str:
    params = {"url": url, "output": "json"}
    if archive == "wayback":
        params["fl"] = "timestamp,original,mimetype,statuscode,digest,length"
        params["filter"] = "statuscode:200"
        path = "/cdx/search/cdx"
    else:
        path = "/cdx"
    if from_:
        params["from"] = from_
    if to:
        params["to"] = to
    return f"{base}{path}?{urlencode(params)}"


def capture_url(archive: str, base: str, snap: Snapshot, *, raw: bool = True) -> str:
    """The replay URL of a capture; ``raw`` adds ``id_`` (original bytes, no banner)."""
    mod = "id_" if raw else ""
    prefix = f"{base}/web" if archive == "wayback" else base
    return f"{prefix}/{snap.timestamp}{mod}/{snap.original}"


def parse_capture_url(url: str, bases: dict[str, str] | None = None) -> tuple[str, str, str] | None:
    """``(archive, timestamp, original URL)`` of an archive capture URL, else None.

    Accepts Wayback ``/web/<ts>[mod]/<url>``, UKGWA ``/ukgwa/<ts>[mod]/<url>`` and the
    older UKGWA form without ``/ukgwa/`` and with ``https:/`` collapsed.
    """
    p = urlsplit(url)
    host = p.netloc.lower()
    rest = url[len(f"{p.scheme}://{p.netloc}"):]
    candidates = [a for h, a in _ARCHIVE_HOSTS.items() if h == host]
    for name in ARCHIVES:
        b = urlsplit((bases or {}).get(name) or archive_base(name))
        if b.netloc.lower() == host and name not in candidates:
            candidates.append(name)
            extra = b.path.rstrip("/")
            if extra not in ("", "/ukgwa", "/web") and rest.startswith(extra + "/"):
                rest = rest[len(extra):]
    if not candidates:
        return None
    if len(candidates) == 1:
        archive = candidates[0]
    else:  # both archives configured on one host (tests): Wayback paths start /web/
        archive = "wayback" if rest.startswith("/web/") else "ukgwa"
    m = _CAPTURE.match(rest)
    if not m:
        return None
    orig = re.sub(r"^(https?):/+", r"\1://", m.group("orig"))
    if "://" not in orig:
        orig = "http://" + orig
    return archive, m.group("ts"), orig


class ArchiveUnavailable(FetchError):
    """The archive refused scripted requests (403/405/captcha): not an empty history."""


def _unavailable(archive: str, url: str, why: str) -> FetchError:
    return ArchiveUnavailable(
        f"{_NAMES[archive]} is unavailable for {url}", why,
        "it refuses scripted requests for now (this is not an empty history); try again later, or try the other archive",
    )


def _check_block(archive: str, got: Fetched | RejectedResponse) -> None:
    headers = got.headers
    body = got.content if isinstance(got, Fetched) else got.body
    status = got.status
    waf = (headers.get("x-amzn-waf-action") or "").lower()
    if waf == "captcha" or b"Human Verification" in body[:65536]:
        raise _unavailable(archive, got.url, f"it answered HTTP {status} with a captcha (Human Verification)")
    if isinstance(got, RejectedResponse) and status in (403, 405):
        raise _unavailable(archive, got.url, f"it answered HTTP {status}")


def list_snapshots(client: HttpClient, archive: str, url: str, *, base: str | None = None, from_: str | None = None, to: str | None = None) -> list[Snapshot]:
    """Every successful capture of ``url``, oldest first.

    Raises:
        FetchError: the archive is unavailable (403/405/captcha) or failed.
    """
    b = archive_base(archive, base)
    query = cdx_url(archive, b, url, from_, to)
    try:
        got = client.get(query, accept=CDX)
    except RejectedResponse as e:
        _check_block(archive, e)
        raise
    _check_block(archive, got)
    snaps = parse_cdx(got.content.decode("utf-8", errors="replace"))
    ok = [s for s in snaps if (s.status in (None, "200")) and s.mime != "warc/revisit"]
    return sorted(ok, key=lambda s: s.timestamp)


def distinct(snapshots: list[Snapshot], known: set[str] | frozenset[str] = frozenset()) -> tuple[list[Snapshot], list[Snapshot]]:
    """``(to fetch, skipped)``: one capture per digest, none whose digest is already stored."""
    seen = set(known)
    keep, skipped = [], []
    for s in snapshots:
        if s.digest and s.digest in seen:
            skipped.append(s)
            continue
        if s.digest:
            seen.add(s.digest)
        keep.append(s)
    return keep, skipped


@dataclass(frozen=True)
class Capture:
    """Raw bytes of one capture, with where they came from."""

    snapshot: Snapshot
    fetched: Fetched
    raw_url: str
    replay_url: str


def fetch_capture(client: HttpClient, archive: str, snap: Snapshot, *, base: str | None = None) -> Capture:
    """Download a capture's original bytes (``id_``).

    Raises:
        FetchError: unavailable archive, HTTP error, wrong type, too large, truncated.
    """
    b = archive_base(archive, base)
    raw = capture_url(archive, b, snap, raw=True)
    try:
        got = client.get(raw, accept=DOCUMENT)
    except RejectedResponse as e:
        _check_block(archive, e)
        raise
    _check_block(archive, got)
    return Capture(snapshot=snap, fetched=got, raw_url=raw, replay_url=capture_url(archive, b, snap, raw=False))
