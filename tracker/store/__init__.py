"""The version store: one SQLite file (sqlite-utils), append-only versions.

Every version is the raw bytes of one edition, content-addressed by SHA-256 and
numbered per document (``NAME@1``, ``NAME@2``...). Versions are never overwritten;
only ``forget`` deletes, and only when asked to. Comparisons are cached by
(old sha, new sha, pack sha, model) and flattened into ``changes``, ``tags`` and
``impacts`` rows for browsing (e.g. with Datasette).

Writes run in ``BEGIN IMMEDIATE`` transactions on a WAL database with a busy
timeout, so two runs at once wait for each other instead of failing, and a crash
mid-write leaves nothing behind.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tracker.errors import BadInput, NotFound, StoreError
from tracker.models import Document, Pack, Report, Unit, VersionInfo
from tracker.store.migrations import migrations
from tracker.store.reports import report_from_dict

__all__ = [
    "BUSY_TIMEOUT",
    "DocumentRecord",
    "Store",
    "StoredVersion",
    "VersionMeta",
    "check_date",
    "default_db_path",
    "model_key",
    "open_store",
]

BUSY_TIMEOUT = 10.0
"""Seconds a writer waits for another writer before giving up."""
ORIGINS = ("live", "archive", "file")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_VERSION_COLS = (
    "id, document, seq, sha256, sha1_b32, label, source, archive_url, fetched_at, archived_at, published_at, "
    "http, origin, media_type, title, change_notes, size, units, warnings, created"
)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def default_db_path() -> Path:
    """``$GUIDANCE_TRACKER_DB``, else ``guidance-tracker.db`` in the user data folder.

    The user data folder is platformdirs' (``~/.local/share/guidance-tracker`` on Linux,
    ``~/Library/Application Support/guidance-tracker`` on macOS, ``%LOCALAPPDATA%`` on
    Windows); without platformdirs, ``$XDG_DATA_HOME/guidance-tracker`` (default
    ``~/.local/share/guidance-tracker``).
    """
    env = os.environ.get("GUIDANCE_TRACKER_DB")
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs
    except ImportError:
        xdg = os.environ.get("XDG_DATA_HOME")
        root = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
        return root / "guidance-tracker" / "guidance-tracker.db"
    return platformdirs.user_data_path("guidance-tracker", appauthor=False) / "guidance-tracker.db"


def _when(iso: str | None) -> datetime | None:
    """An ISO 8601 date or time (``2018``, ``2018-07``, ``2018-07-04``, ``...T09:30:00+01:00``) as UTC."""
    if not iso:
        return None
    text = iso.strip()
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def open_store(db_path: str | os.PathLike[str] | None = None, create: bool = True) -> Store:
    """Open (creating and migrating if needed) the store at ``db_path`` or the default.

    With ``create=False`` (commands that only read), a store that does not exist yet is
    an error: a mistyped path must not leave an empty store (and its folders) behind.

    Raises:
        NotFound: ``create=False`` and there is no store at the path.
        StoreError: the file cannot be opened or created.
    """
    path = db_path if db_path is not None else default_db_path()
    if not create and str(path) != ":memory:" and not Path(path).is_file():
        raise NotFound(
            f"no version store at {path}", None,
            "check --db (or GUIDANCE_TRACKER_DB), or add a document with `guidance-tracker watch add` or `guidance-tracker import`",
        )
    return Store(path)


_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")


def check_date(value: str, what: str = "the date") -> str:
    """A version's own date, strictly: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a full ISO
    8601 time (``2018-07-04T09:30:00+01:00``), each a real calendar date.

    >>> check_date("2018-07-04")
    '2018-07-04'

    Raises:
        BadInput: anything else (``2018-13-45``, ``04/07/2018``, ``last week``).
    """
    text = (value or "").strip()
    ok = False
    if _ISO_DATE.fullmatch(text):
        parts = [int(x) for x in text.split("-")] + [1, 1]
        try:
            ok = parts[0] >= 1 and bool(datetime(parts[0], parts[1], parts[2]))
        except ValueError:
            ok = False
    elif _ISO_TIME.fullmatch(text):
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            ok = True
        except ValueError:
            ok = False
    if not ok:
        raise BadInput(
            f"{what} {value!r} is not a valid date", None,
            "give a real date as YYYY, YYYY-MM, YYYY-MM-DD or an ISO 8601 time such as 2018-07-04T09:30:00Z",
        )
    return text


def sha1_b32(data: bytes) -> str:
    """The CDX ``digest`` of a payload: base32 SHA-1 (lets history skip what is stored)."""
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def model_key(model: str | None) -> str:
    """The cache key for a model choice: the package ``load_pipeline`` would load.

    Resolved without importing spaCy, so a cache hit stays cheap.
    """
    choice = model or os.environ.get("GUIDANCE_TRACKER_MODEL")
    if choice:
        return choice
    from tracker.nlp import MODEL_CANDIDATES

    for name in MODEL_CANDIDATES:
        if importlib.util.find_spec(name) is not None:
            return name
    return "rules-only"


@dataclass(frozen=True)
class DocumentRecord:
    """A tracked document (watched or only imported)."""

    name: str
    created: str
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    webhook: str | None = None
    attachment: str | None = None
    """Which GOV.UK attachment to follow: a number from 1 or words of its title."""
    watched: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("name", "title", "url", "publisher", "webhook", "attachment", "watched", "created")}


@dataclass(frozen=True)
class VersionMeta:
    """Provenance of a version about to be stored."""

    origin: str = "file"
    """``live``, ``archive`` or ``file``."""
    label: str | None = None
    source: str | None = None
    """URL or file name the bytes came from."""
    fetched_at: str | None = None
    archived_at: str | None = None
    """The capture time, for versions from a web archive."""
    published_at: str | None = None
    """The publisher's own date (GOV.UK ``public_updated_at``; ``import --date``)."""
    archive_url: str | None = None
    http: dict[str, str] | None = None
    change_notes: list[dict[str, Any]] | None = None
    title: str | None = None
    media_type: str | None = None

    @classmethod
    def from_info(cls, info: VersionInfo) -> VersionMeta:
        archived = info.retrieved_at if info.origin == "archive" else None
        return cls(
            origin=info.origin if info.origin in ORIGINS else "file", label=info.label, source=info.source,
            fetched_at=None if archived else info.retrieved_at, archived_at=archived, archive_url=info.archive_url,
            http=info.http, title=info.title, media_type=info.media_type, published_at=info.published_at,
            change_notes=[dict(n) for n in info.change_notes] or None,
        )


@dataclass(frozen=True)
class StoredVersion:
    """A stored version (without its bytes: ``Store.raw`` reads them)."""

    id: int
    document: str
    seq: int
    sha256: str
    origin: str
    created: str
    sha1_b32: str | None = None
    label: str | None = None
    source: str | None = None
    archive_url: str | None = None
    fetched_at: str | None = None
    archived_at: str | None = None
    published_at: str | None = None
    http: dict[str, str] | None = None
    media_type: str | None = None
    title: str | None = None
    change_notes: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0
    units: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.document}@{self.seq}"

    @property
    def date(self) -> str | None:
        """The version's own date: published, else archived, else fetched, else stored."""
        return self.published_at or self.archived_at or self.fetched_at or self.created

    @property
    def when(self) -> tuple[datetime, int]:
        """Sort key for the versions' own order: their date (as ``date``), then ``seq``.

        Versions are numbered in the order they were stored; an edition backfilled from
        an archive after later ones were fetched is still older, so ``@latest`` and
        ``@previous`` follow this order, not the numbers.
        """
        for d in (self.published_at, self.archived_at, self.fetched_at, self.created):
            w = _when(d)
            if w is not None:
                return w, self.seq
        return _EPOCH, self.seq

    def info(self, publisher: str | None = None) -> VersionInfo:
        """Full provenance, as a report cites it (``Store.info`` adds the publisher)."""
        label = self.ref + (f" ({self.label})" if self.label else "")
        return VersionInfo(
            label=label, sha256=self.sha256, source=self.source,
            retrieved_at=self.archived_at if self.origin == "archive" else (self.fetched_at or self.created),
            origin=self.origin, archive_url=self.archive_url, media_type=self.media_type,
            http=dict(self.http) if self.http else None, title=self.title, publisher=publisher,
            published_at=self.published_at,
            change_notes=tuple({str(k): str(v) for k, v in n.items()} for n in self.change_notes if isinstance(n, dict)),
        )

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in (
            "seq", "label", "date", "origin", "sha256", "source", "archive_url", "fetched_at", "archived_at",
            "published_at", "media_type", "title", "size", "units", "http", "change_notes", "created")}
        d["ref"] = self.ref
        return d

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StoredVersion:
        r = {k: v for k, v in row.items() if k != "raw"}
        r["http"] = json.loads(r["http"]) if r.get("http") else None
        r["change_notes"] = json.loads(r["change_notes"]) if r.get("change_notes") else []
        r["warnings"] = json.loads(r["warnings"]) if r.get("warnings") else []
        return cls(**r)


def check_name(name: str) -> str:
    """A document name: letters, digits, ``.``, ``_``, ``-`` (no ``@``: refs use it).

    Raises:
        BadInput: any other name.
    """
    if not _NAME.match(name or ""):
        raise BadInput(
            f"{name!r} is not a usable document name", "names are letters, digits, '.', '_' and '-' (no spaces or '@')",
            "pick a short name such as working-together",
        )
    return name


class Store:
    """The version store over one SQLite file. Use ``open_store()``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
            self.db = Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            if str(path) != ":memory:":
                self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            if migrations.pending(self.db):
                with self._tx():
                    migrations.apply(self.db)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"the version store {path} cannot be opened", str(e), "check the path given by --db or GUIDANCE_TRACKER_DB, or move the damaged file aside") from None
        except OSError as e:
            raise StoreError(f"the version store {path} cannot be created", e.strerror, "give a writable path with --db") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A write transaction, taken at once (BEGIN IMMEDIATE) so that it waits for
        another writer rather than failing halfway; nested calls join it."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"the version store {self.path} is busy", str(e), f"another run held it for over {BUSY_TIMEOUT:g} s; try again") from None
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    def counts(self) -> dict[str, int]:
        """Rows per table (tests and ``versions --json`` use it)."""
        return {t: self.db[t].count for t in ("documents", "versions", "units", "comparisons", "changes", "tags", "impacts")}

    # -- documents -------------------------------------------------------------

    def add_document(self, name: str, *, url: str | None = None, title: str | None = None, publisher: str | None = None,
                     webhook: str | None = None, attachment: str | None = None, watched: bool = False) -> DocumentRecord:
        """Create a document, or update the given fields of an existing one."""
        check_name(name)
        given = {"url": url, "title": title, "publisher": publisher, "webhook": webhook, "attachment": attachment}
        given = {k: v for k, v in given.items() if v is not None}
        with self._tx():
            row = self._doc_row(name)
            if row is None:
                self.db["documents"].insert({"name": name, "created": _now(), "watched": int(watched), "last_seq": 0, **given})
            else:
                upd = dict(given)
                if watched:
                    upd["watched"] = 1
                if upd:
                    self.db["documents"].update(name, upd)
        return self.get_document(name)

    def _doc_row(self, name: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from documents where name = ?", [name]))
        return rows[0] if rows else None

    def get_document(self, name: str) -> DocumentRecord:
        """Raises: NotFound."""
        row = self._doc_row(name)
        if row is None:
            known = [r["name"] for r in self.db.query("select name from documents order by name")]
            raise NotFound(
                f"no document named {name!r} in the store {self.path}",
                f"it holds {', '.join(known)}" if known else "the store is empty",
                "add it with `guidance-tracker watch add URL --name NAME` or `guidance-tracker import FILE --name NAME`",
            )
        return _doc(row)

    def documents(self, *, watched: bool | None = None) -> list[DocumentRecord]:
        sql = "select * from documents" + ("" if watched is None else " where watched = ?") + " order by name"
        return [_doc(r) for r in self.db.query(sql, [] if watched is None else [int(watched)])]

    def unwatch(self, name: str) -> DocumentRecord:
        self.get_document(name)
        with self._tx():
            self.db["documents"].update(name, {"watched": 0})
        return self.get_document(name)

    # -- versions --------------------------------------------------------------

    def add_version(self, name: str, data: bytes, info: VersionMeta | VersionInfo | None = None, *,
                    document: Document | None = None) -> tuple[StoredVersion, bool]:
        """Store ``data`` as a new version of ``name`` (created if needed).

        The bytes are parsed first (unless ``document`` is the parse already made),
        then the version and its units are written in one transaction. The same bytes
        for the same document are one version: ``(existing, False)``.

        Raises:
            BadInput: the bytes cannot be parsed as guidance (nothing is stored).
        """
        check_name(name)
        meta = VersionMeta.from_info(info) if isinstance(info, VersionInfo) else (info or VersionMeta())
        if meta.origin not in ORIGINS:
            raise BadInput(f"unknown version origin {meta.origin!r}", f"origins are {', '.join(ORIGINS)}", "use one of them")
        sha = hashlib.sha256(data).hexdigest()
        existing = self._version_by_sha(name, sha)
        if existing is not None:
            return existing, False
        if document is None:
            from tracker.ingest import parse_bytes

            document = parse_bytes(data, name=meta.label or meta.source or name, fmt=meta.media_type if meta.media_type in ("html", "pdf", "docx", "text") else None)
        now = _now()
        with self._tx():
            existing = self._version_by_sha(name, sha)
            if existing is not None:  # another run stored it meanwhile
                return existing, False
            doc = self._doc_row(name)
            if doc is None:
                self.db["documents"].insert({"name": name, "created": now, "watched": 0, "last_seq": 0, "title": meta.title or document.title})
                doc = self._doc_row(name)
            assert doc is not None
            seq = int(doc["last_seq"] or 0) + 1
            row = {
                "document": name, "seq": seq, "sha256": sha, "sha1_b32": sha1_b32(data), "label": meta.label,
                "source": meta.source, "archive_url": meta.archive_url, "fetched_at": meta.fetched_at,
                "archived_at": meta.archived_at, "published_at": meta.published_at,
                "http": json.dumps(meta.http) if meta.http else None, "origin": meta.origin,
                "media_type": document.format, "title": meta.title or document.title,
                "change_notes": json.dumps(meta.change_notes) if meta.change_notes else None,
                "size": len(data), "units": len(document.units),
                "warnings": json.dumps(list(document.warnings)) if document.warnings else None,
                "raw": data, "created": now,
            }
            vid = self.db["versions"].insert(row).last_pk
            self.db["units"].insert_all(
                ({"version_id": vid, "idx": u.index, "kind": u.kind, "number": u.number, "path": json.dumps(list(u.path), ensure_ascii=False),
                  "text": u.text, "norm": u.norm, "level": u.level} for u in document.units),
                batch_size=500,
            )
            upd: dict[str, Any] = {"last_seq": seq}
            if not doc.get("title") and (meta.title or document.title):
                upd["title"] = meta.title or document.title
            self.db["documents"].update(name, upd)
        return self._version_by_id(int(vid)), True

    def _version_by_sha(self, name: str, sha: str) -> StoredVersion | None:
        rows = list(self.db.query(f"select {_VERSION_COLS} from versions where document = ? and sha256 = ?", [name, sha]))
        return StoredVersion.from_row(rows[0]) if rows else None

    def _version_by_id(self, vid: int) -> StoredVersion:
        rows = list(self.db.query(f"select {_VERSION_COLS} from versions where id = ?", [vid]))
        return StoredVersion.from_row(rows[0])

    def versions(self, name: str) -> list[StoredVersion]:
        """Every version of ``name``, oldest first. Raises: NotFound."""
        self.get_document(name)
        return [StoredVersion.from_row(r) for r in self.db.query(f"select {_VERSION_COLS} from versions where document = ? order by seq", [name])]

    def chronological(self, name: str) -> list[StoredVersion]:
        """Every version of ``name`` in the versions' own date order (ties: storing order)."""
        return sorted(self.versions(name), key=lambda v: v.when)

    def latest(self, name: str, *, source: str | None = None) -> StoredVersion | None:
        """The newest version by its own date, or None.

        With ``source``: the last one stored from that URL (whose ETag and
        Last-Modified a conditional request sends).
        """
        if source:
            rows = list(self.db.query(
                f"select {_VERSION_COLS} from versions where document = ? and source = ? order by seq desc limit 1", [name, source]))
            return StoredVersion.from_row(rows[0]) if rows else None
        if self._doc_row(name) is None:
            return None
        ordered = self.chronological(name)
        return ordered[-1] if ordered else None

    def digests(self, name: str) -> set[str]:
        """CDX-style digests (base32 SHA-1) of the stored versions of ``name``."""
        return {r["sha1_b32"] for r in self.db.query("select sha1_b32 from versions where document = ?", [name]) if r["sha1_b32"]}

    def version(self, ref: str) -> StoredVersion:
        """Resolve ``NAME@3``, ``NAME@latest``, ``NAME@previous``, ``NAME@LABEL`` (or ``NAME``).

        Raises:
            NotFound: no such document or version.
        """
        name, at, spec = ref.partition("@")
        if at and not spec.strip():
            raise BadInput(f"{ref!r} names no version", "nothing follows the @",
                           f"use {name}@N, {name}@latest, {name}@previous or {name}@LABEL (or {name} alone for the latest)")
        spec = spec.strip() or "latest"
        versions = self.chronological(name)
        if not versions:
            raise NotFound(f"{name} has no stored versions", None, f"run `guidance-tracker fetch {name}` or `guidance-tracker import FILE --name {name}`")
        if spec == "latest":
            return versions[-1]
        if spec == "previous":
            if len(versions) < 2:
                raise NotFound(f"{name}@previous does not exist", f"{name} has only one version", "fetch or import another version first")
            return versions[-2]
        if spec.isdigit():
            for v in versions:
                if v.seq == int(spec):
                    return v
        labelled = [v for v in versions if v.label == spec]
        if labelled:
            return labelled[-1]
        if len(spec) >= 8 and all(c in "0123456789abcdef" for c in spec.lower()):
            hashed = [v for v in versions if v.sha256.startswith(spec.lower())]
            if hashed:
                return hashed[-1]
        seqs = ", ".join(str(v.seq) for v in sorted(versions, key=lambda v: v.seq))
        labels = ", ".join(sorted({v.label for v in versions if v.label}))
        raise NotFound(
            f"{name} has no version {spec!r}", f"it has versions {seqs}" + (f" and labels {labels}" if labels else ""),
            f"use NAME@N, NAME@latest, NAME@previous or a label; list them with `guidance-tracker versions {name}`",
        )

    def raw(self, version: StoredVersion | str) -> bytes:
        v = self.version(version) if isinstance(version, str) else version
        row = list(self.db.query("select raw from versions where id = ?", [v.id]))
        if not row:
            raise NotFound(f"{v.ref} was forgotten", None, f"list what is left with `guidance-tracker versions {v.document}`")
        return bytes(row[0]["raw"])

    def document(self, ref: str) -> Document:
        """Re-parse a stored version into a ``Document`` carrying its full provenance.

        Raises:
            NotFound: no such document or version.
        """
        from tracker.ingest import parse_bytes

        v = self.version(ref)
        info = self.info(v)
        fmt = v.media_type if v.media_type in ("html", "pdf", "docx", "text") else None
        return parse_bytes(self.raw(v), name=info.label, info=info, fmt=fmt)

    def info(self, v: StoredVersion) -> VersionInfo:
        """A stored version's full provenance, with its document's publisher."""
        rows = list(self.db.query("select publisher from documents where name = ?", [v.document]))
        return v.info(publisher=rows[0]["publisher"] if rows else None)

    def units(self, version: StoredVersion) -> dict[int, Unit]:
        """The stored units of a version, by index."""
        return {
            r["idx"]: Unit(kind=r["kind"], text=r["text"], norm=r["norm"], path=tuple(json.loads(r["path"] or "[]")),
                           number=r["number"], index=r["idx"], level=r["level"] or 0)
            for r in self.db.query("select * from units where version_id = ? order by idx", [version.id])
        }

    def forget(self, name: str, seq: int | None = None) -> int:
        """Delete one version (``seq``) or the whole document with its versions.

        Returns the number of versions deleted. Comparisons whose versions are gone
        from every document are deleted with them.

        Raises:
            NotFound: no such document or version.
        """
        self.get_document(name)
        targets = self.versions(name) if seq is None else [self.version(f"{name}@{seq}")]
        if seq is not None and targets[0].seq != seq:
            raise NotFound(f"{name} has no version {seq}", None, f"list them with `guidance-tracker versions {name}`")
        token = f"{name}:{os.getpid()}:{id(self)}"
        with self._tx():
            # the database refuses to delete a version without a permit (migration m003);
            # the permit lives only inside this transaction
            self.db["forget_permits"].insert({"token": token, "document": name, "created": _now()}, replace=True)
            for v in targets:
                self.db.execute("delete from units where version_id = ?", [v.id])
                self.db.execute("delete from versions where id = ?", [v.id])
                if not list(self.db.query("select 1 from versions where sha256 = ? limit 1", [v.sha256])):
                    ids = [r["id"] for r in self.db.query("select id from comparisons where old_sha = ? or new_sha = ?", [v.sha256, v.sha256])]
                    for cid in ids:
                        for t in ("tags", "impacts", "changes"):
                            self.db.execute(f"delete from {t} where comparison_id = ?", [cid])
                        self.db.execute("delete from comparisons where id = ?", [cid])
            if seq is None:
                self.db.execute("delete from documents where name = ?", [name])
            self.db.execute("delete from forget_permits where token = ?", [token])
        return len(targets)

    # -- comparisons -----------------------------------------------------------

    def compare(self, ref_a: str, ref_b: str, pack: Pack | str | os.PathLike[str] | None = None, model: str | None = None) -> Report:
        """Compare two stored versions, through the comparison cache.

        The cache key is (old sha, new sha, pack sha, model): editing a pack rule
        changes the pack's hash and so recomputes.

        Raises:
            NotFound: a version is missing. PackError: the pack is unknown or invalid.
        """
        from tracker.packs import load_pack

        va, vb = self.version(ref_a), self.version(ref_b)
        pk = pack if isinstance(pack, Pack) else load_pack(pack)
        key = model_key(model)
        rows = list(self.db.query(
            "select report from comparisons where old_sha = ? and new_sha = ? and pack_sha = ? and model = ?",
            [va.sha256, vb.sha256, pk.sha256, key],
        ))
        if rows:
            report = report_from_dict(json.loads(rows[0]["report"]), self.units(va), self.units(vb))
            return replace(report, old=self.info(va), new=self.info(vb))
        from tracker import compare as _compare

        report = _compare.compare_documents(self.document(ref_a), self.document(ref_b), pack=pk, model=model)
        self._save_comparison(report, va.sha256, vb.sha256, pk, key)
        return report

    def add_version_compared(
        self, name: str, data: bytes, info: VersionMeta | VersionInfo | None = None, *, document: Document | None = None,
        pack: Pack | str | os.PathLike[str] | None = None, model: str | None = None,
    ) -> tuple[StoredVersion, bool, StoredVersion | None, Report | None]:
        """Store ``data`` as a new version and its comparison with the version before, atomically.

        The comparison is computed first (outside any lock); the version, its units and
        the comparison rows are then written in one transaction, so a failure anywhere
        leaves neither a version without its comparison nor a half-written one.

        Returns:
            ``(version, created, previous, report)``; ``report`` is None for a first
            version or when the bytes were already stored (``created`` False).

        Raises:
            BadInput: the bytes cannot be parsed. PackError: unknown or invalid pack.
        """
        check_name(name)
        meta = VersionMeta.from_info(info) if isinstance(info, VersionInfo) else (info or VersionMeta())
        sha = hashlib.sha256(data).hexdigest()
        previous: StoredVersion | None = None
        if self._doc_row(name) is not None:  # the version the new one follows, by date
            new_when = next((w for w in map(_when, (meta.published_at, meta.archived_at, meta.fetched_at)) if w), None)
            new_when = new_when or datetime.now(timezone.utc)
            before = [v for v in self.chronological(name) if v.when[0] <= new_when]
            previous = before[-1] if before else None
        existing = self._version_by_sha(name, sha)
        if existing is not None:
            return existing, False, previous, None
        if document is None:
            from tracker.ingest import parse_bytes

            document = parse_bytes(data, name=meta.label or meta.source or name, fmt=meta.media_type if meta.media_type in ("html", "pdf", "docx", "text") else None)
        report: Report | None = None
        pk: Pack | None = None
        cached: list[dict[str, Any]] = []
        key = model_key(model)
        if previous is not None:
            from tracker import compare as _compare
            from tracker.packs import load_pack

            pk = pack if isinstance(pack, Pack) else load_pack(pack)
            cached = list(self.db.query(
                "select 1 from comparisons where old_sha = ? and new_sha = ? and pack_sha = ? and model = ?",
                [previous.sha256, sha, pk.sha256, key],
            ))
        if previous is not None and pk is not None and not cached:
            tentative = VersionInfo(
                label=f"{name}@{previous.seq + 1}" + (f" ({meta.label})" if meta.label else ""), sha256=sha, source=meta.source,
                retrieved_at=meta.archived_at if meta.origin == "archive" else meta.fetched_at, origin=meta.origin,
                archive_url=meta.archive_url, media_type=document.format, http=dict(meta.http) if meta.http else None,
                title=meta.title or document.title,
            )
            report = _compare.compare_documents(self.document(previous.ref), replace(document, info=tentative), pack=pk, model=model)
        with self._tx():
            version, created = self.add_version(name, data, meta, document=document)
            if not created:
                return version, False, previous, None
            before = self.previous_of(version)
            if report is not None and pk is not None and previous is not None and before is not None and before.sha256 == previous.sha256:
                report = replace(report, old=before.info(), new=version.info())
                self._save_comparison(report, before.sha256, version.sha256, pk, key)
                return version, True, before, report
        # A first version, a cached comparison, or another run stored a version in between.
        report = self.compare(before.ref, version.ref, pack=pk or pack, model=model) if before is not None else None
        return version, True, before, report

    def cached_comparison(self, old_sha: str, new_sha: str) -> dict[str, Any] | None:
        """The newest stored report (as JSON) comparing these two hashes, any pack or model."""
        rows = list(self.db.query(
            "select report from comparisons where old_sha = ? and new_sha = ? order by id desc limit 1", [old_sha, new_sha]))
        return json.loads(rows[0]["report"]) if rows else None

    def _save_comparison(self, report: Report, old_sha: str, new_sha: str, pack: Pack, key: str) -> int:
        d = report.to_dict()
        with self._tx():
            table = self.db["comparisons"]
            table.insert({
                "old_sha": old_sha, "new_sha": new_sha, "pack_sha": pack.sha256, "pack": f"{pack.name} {pack.version}",
                "model": key, "model_ran": report.tool.model, "created": _now(), "changes": len(report.changes),
                "accountability": sum(1 for c in report.changes if c.accountability),
                "report": json.dumps(d, ensure_ascii=False),
            }, ignore=True)
            cid = next(self.db.query(
                "select id from comparisons where old_sha = ? and new_sha = ? and pack_sha = ? and model = ?",
                [old_sha, new_sha, pack.sha256, key]))["id"]
            if self.db["changes"].count_where("comparison_id = ?", [cid]):
                return int(cid)  # another run stored the same comparison meanwhile
            self.db["changes"].insert_all(({
                "comparison_id": cid, "change_id": c.id, "kind": c.kind, "path": (c.new or c.old).path_str if (c.new or c.old) else "",
                "section": c.section, "old_text": c.old.text if c.old else None, "new_text": c.new.text if c.new else None,
                "similarity": c.similarity, "accountability": int(c.accountability), "severity": c.impact.severity,
            } for c in report.changes), batch_size=500)
            self.db["tags"].insert_all(({
                "comparison_id": cid, "change_id": c.id, "n": n, "type": t.type, "label": t.label(),
                "role": t.role or t.actor or t.mechanism, "from_value": t.from_role or t.from_modal or t.from_,
                "to_value": t.to_role or t.to_modal or t.to, "rule": t.rule, "old_span": t.old_span,
                "new_span": t.new_span, "tag": json.dumps(t.to_dict(), ensure_ascii=False),
            } for c in report.changes for n, t in enumerate(c.tags)), batch_size=500)
            self.db["impacts"].insert_all(({
                "comparison_id": cid, "change_id": c.id, "severity": c.impact.severity, "summary": c.impact.summary,
                "rationale": c.impact.rationale, "affected_roles": json.dumps(list(c.impact.affected_roles)),
                "actions": json.dumps([a.to_dict() for a in c.impact.actions], ensure_ascii=False),
                "rules": json.dumps(list(c.impact.rules)),
            } for c in report.changes), batch_size=500)
        return int(cid)

    def save_comparisons(self, items: list[tuple[Report, str, str]], pack: Pack, model_key: str) -> list[int]:
        """Store several comparisons (report, old sha, new sha) in one transaction: the
        batch writer of ``scan``. Returns their ids."""
        with self._tx():
            return [self._save_comparison(r, a, b, pack, model_key) for r, a, b in items]

    def version_by_id(self, vid: int) -> StoredVersion:
        """A version by its row id (batch jobs carry ids, not refs)."""
        return self._version_by_id(vid)

    def recent_versions(self, name: str | None = None, limit: int = 50) -> list[StoredVersion]:
        """The newest stored versions (by storing time), of one document or all."""
        sql = f"select {_VERSION_COLS} from versions" + (" where document = ?" if name else "") + " order by created desc, id desc limit ?"
        if name:
            self.get_document(name)
        return [StoredVersion.from_row(r) for r in self.db.query(sql, [name, limit] if name else [limit])]

    def previous_of(self, v: StoredVersion) -> StoredVersion | None:
        """The version just before ``v`` in the versions' own date order, or None."""
        before = [x for x in self.chronological(v.document) if x.when < v.when]
        return before[-1] if before else None


def _doc(row: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord(
        name=row["name"], created=row["created"], title=row.get("title"), url=row.get("url"), publisher=row.get("publisher"),
        webhook=row.get("webhook"), attachment=row.get("attachment"), watched=bool(row.get("watched")),
    )
