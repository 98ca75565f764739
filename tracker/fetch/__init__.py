"""Fetch: watched URLs and web-archive captures -> new stored versions.

``fetch_document`` gets one watched document (a GOV.UK page through the Content API,
an archive capture URL, or any other page or file), stores a new version only when the
bytes changed, and compares it with the version before. ``backfill`` imports a URL's
distinct captures from a web archive. The bytes reach the store only after the whole
body was received, checked and parsed, inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from tracker.errors import BadInput, FetchError
from tracker.fetch.archive import ArchiveUnavailable, Snapshot, distinct, fetch_capture, list_snapshots, parse_capture_url
from tracker.fetch.govuk import fetch_text, is_govuk, resolve
from tracker.fetch.http import Fetched, HttpClient, HttpSettings
from tracker.models import Document, Pack, Report
from tracker.store import DocumentRecord, Store, StoredVersion, VersionMeta

__all__ = [
    "FetchOutcome",
    "HistoryResult",
    "HttpClient",
    "HttpSettings",
    "backfill",
    "fetch_document",
    "webhook_payload",
]


@dataclass(frozen=True)
class FetchOutcome:
    """What fetching one document did."""

    name: str
    status: str
    """``new`` (a version was stored) or ``unchanged`` (304, or bytes already stored)."""
    version: StoredVersion | None
    previous: StoredVersion | None = None
    report: Report | None = None
    detail: str = ""

    @property
    def accountability(self) -> bool:
        return bool(self.report and any(c.accountability for c in self.report.changes))


@dataclass
class HistoryResult:
    """What a history backfill did."""

    listed: int = 0
    duplicates: list[Snapshot] = field(default_factory=list)
    """Captures skipped without downloading: same digest as another or a stored version."""
    imported: list[StoredVersion] = field(default_factory=list)
    same: list[StoredVersion] = field(default_factory=list)
    """Captures downloaded whose bytes were already stored."""
    failures: list[str] = field(default_factory=list)


def _conditional(store: Store, name: str, source: str) -> tuple[str | None, str | None]:
    last = store.latest(name, source=source)
    http = (last.http or {}) if last else {}
    return http.get("etag"), http.get("last-modified")


def _file_name(url: str) -> str | None:
    name = PurePosixPath(urlsplit(url).path).name
    return name or None


def _parse(data: bytes, source: str, fmt: str | None) -> Document:
    from tracker.ingest import parse_bytes

    try:
        return parse_bytes(data, name=_file_name(source), fmt=fmt)
    except BadInput as e:
        raise FetchError(f"{source} was fetched but cannot be read as guidance", e.one_line(), "check that the URL points at the guidance text; nothing was stored") from None


def retrieve(store: Store, doc: DocumentRecord, client: HttpClient) -> tuple[bytes | None, VersionMeta, Fetched, str | None]:
    """Get a watched document's current bytes: ``(bytes or None on 304, provenance, response, format)``.

    Raises:
        BadInput: the document has no URL, or an unusable one.
        FetchError: anything went wrong on the way.
    """
    url = doc.url
    if not url:
        raise BadInput(f"{doc.name} has no URL to fetch", "it was only imported from files", f"watch it with `guidance-tracker watch add URL --name {doc.name}`")
    cap = parse_capture_url(url)
    if cap is not None:
        archive, ts, original = cap
        capture = fetch_capture(client, archive, Snapshot(timestamp=ts, original=original))
        got = capture.fetched
        meta = VersionMeta(origin="archive", label=capture.snapshot.date, source=original, archive_url=capture.replay_url,
                           archived_at=capture.snapshot.archived_at, fetched_at=got.fetched_at, http=got.http_meta())
        return got.content, meta, got, None
    if is_govuk(url):
        item = resolve(client, url, doc.attachment)
        if item.publisher and not doc.publisher:
            store.add_document(doc.name, publisher=item.publisher)  # metadata only; the version is written below
        etag, lm = _conditional(store, doc.name, item.source) if item.kind != "body" else (None, None)
        got, data = fetch_text(client, item, etag=etag, last_modified=lm)
        clock = item.public_updated_at or got.fetched_at
        meta = VersionMeta(origin="live", label=clock[:10], source=item.source, fetched_at=got.fetched_at,
                           published_at=item.public_updated_at, http=got.http_meta(), change_notes=item.change_history or None,
                           title=item.attachment_title or item.title)
        return data, meta, got, ("html" if item.kind != "file" else None)
    etag, lm = _conditional(store, doc.name, url)
    got = client.get(url, etag=etag, last_modified=lm)
    meta = VersionMeta(origin="live", label=got.fetched_at[:10], source=url, fetched_at=got.fetched_at, http=got.http_meta())
    return (None if got.not_modified else got.content), meta, got, None


def fetch_document(store: Store, name: str, client: HttpClient, *, pack: Pack | str | None = None, model: str | None = None) -> FetchOutcome:
    """Fetch one watched document; store and compare a new version if it changed.

    Raises:
        NotFound: no such document. BadInput: it has no usable URL.
        FetchError: fetching or reading it failed (nothing was stored).
    """
    doc = store.get_document(name)
    data, meta, got, fmt = retrieve(store, doc, client)
    if data is None:
        return FetchOutcome(name, "unchanged", store.latest(name), detail="not modified (HTTP 304)")
    parsed = _parse(data, meta.source or doc.url or name, fmt)
    # the version, its units and its comparison with the version before: one transaction
    version, created, previous, report = store.add_version_compared(name, data, meta, document=parsed, pack=pack, model=model)
    if not created:
        return FetchOutcome(name, "unchanged", version, detail=f"same content as {version.ref}")
    return FetchOutcome(name, "new", version, previous, report, detail="first version" if previous is None else "")


def webhook_payload(doc: DocumentRecord, outcome: FetchOutcome, top: int = 5) -> dict[str, Any]:
    """The JSON a watch's webhook receives after a fetch that found changes.

    ``event`` is ``accountability_changes`` when any change moved accountability (a
    tag other than EDITORIAL), else ``changes``.
    """
    r = outcome.report
    assert r is not None and outcome.version is not None and outcome.previous is not None
    shifts = []
    for cid in r.summary.top_shifts[:top]:
        c = r.change(cid)
        u = c.new or c.old
        shifts.append({"id": c.id, "severity": c.impact.severity, "where": u.path_str if u else "", "summary": c.impact.summary,
                       "tags": [t.type for t in c.tags]})
    return {
        "event": "accountability_changes" if outcome.accountability else "changes",
        "document": doc.name, "title": doc.title, "url": doc.url,
        "versions": {"old": outcome.previous.ref, "new": outcome.version.ref},
        "old": r.old.to_dict(), "new": r.new.to_dict(),
        "counts": {"changes": r.summary.changes, "accountability": sum(1 for c in r.changes if c.accountability),
                   "by_tag": dict(r.summary.by_tag), "by_severity": dict(r.summary.by_severity)},
        "top_shifts": shifts,
        "tool": r.tool.to_dict(),
    }


def _in_range(s: Snapshot, from_: str | None, to: str | None) -> bool:
    if from_ and s.timestamp[: len(from_)] < from_:
        return False
    return not (to and s.timestamp[: len(to)] > to)


def backfill(
    store: Store, name: str, client: HttpClient, archive: str, *, base: str | None = None, url: str | None = None,
    from_: str | None = None, to: str | None = None, on_total: Callable[[int], None] | None = None,
    on_step: Callable[[Snapshot], None] | None = None,
) -> HistoryResult:
    """Import the distinct archive captures of a document's URL as versions (origin ``archive``).

    Captures whose digest repeats, or matches a stored version, are skipped without
    downloading. A capture that fails is listed in ``failures`` and the rest go on.

    Raises:
        NotFound: no such document. BadInput: no URL.
        FetchError: the archive is unavailable (403/405/captcha) or its CDX failed.
    """
    doc = store.get_document(name)
    target = url or doc.url
    if not target:
        raise BadInput(f"{name} has no URL whose history to list", None, "give one with --url")
    cap = parse_capture_url(target, {archive: base} if base else None)
    if cap is not None:
        target = cap[2]
    res = HistoryResult()
    snaps = [s for s in list_snapshots(client, archive, target, base=base, from_=from_, to=to) if _in_range(s, from_, to)]
    res.listed = len(snaps)
    keep, res.duplicates = distinct(snaps, store.digests(name))
    if on_total:
        on_total(len(keep))
    for s in keep:
        try:
            capture = fetch_capture(client, archive, s, base=base)
            got = capture.fetched
            meta = VersionMeta(origin="archive", label=s.date, source=s.original, archive_url=capture.replay_url,
                               archived_at=s.archived_at, fetched_at=got.fetched_at, http=got.http_meta())
            parsed = _parse(got.content, s.original, None)
            v, created = store.add_version(name, got.content, meta, document=parsed)
            (res.imported if created else res.same).append(v)
        except ArchiveUnavailable:
            raise
        except (FetchError, BadInput) as e:
            res.failures.append(f"{name}: capture {s.timestamp}: {e.one_line()}")
        finally:
            if on_step:
                on_step(s)
    return res
