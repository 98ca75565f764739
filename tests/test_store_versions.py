"""The version store: append-only, content-addressed versions, refs, provenance,
transactions, concurrent writers, migrations and forget."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import threading

import pytest
import sqlite_utils
import sqlite_utils.db
from fixtures_store import NEW_TEXT, OLD_TEXT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.errors import BadInput, NotFound, StoreError
from tracker.ingest import parse_bytes
from tracker.models import VersionInfo
from tracker.store import BUSY_TIMEOUT, VersionMeta, default_db_path, open_store
from tracker.store.migrations import migrations

pytestmark = pytest.mark.timeout(120)

MIGRATIONS = ["m001_initial", "m002_versions_immutable", "m003_versions_never_rewritten"]

A, B, C = OLD_TEXT.encode(), NEW_TEXT.encode(), (NEW_TEXT + "\n3. A third paragraph.\n").encode()


def test_store_same_bytes_twice_is_one_version(store) -> None:
    v1, created1 = store.add_version("wt", A, VersionMeta(label="2018"))
    v2, created2 = store.add_version("wt", A, VersionMeta(label="again", origin="live"))
    assert created1 and not created2 and v2 == v1
    assert store.counts()["versions"] == 1 and v1.sha256 == hashlib.sha256(A).hexdigest()
    assert store.raw("wt@1") == A


def test_store_versions_are_append_only(store) -> None:
    store.add_version("wt", A)
    store.add_version("wt", B)
    before = [(v.seq, v.sha256) for v in store.versions("wt")]
    store.add_version("wt", A)  # old content again: no new version, nothing rewritten
    store.add_version("wt", C)
    after = [(v.seq, v.sha256) for v in store.versions("wt")]
    assert after[:2] == before and after[2][0] == 3
    for sql in ("update versions set raw = x'00' where seq = 1", "update versions set label = 'x' where seq = 1",
                "update versions set http = '{}' where seq = 1", "delete from versions where seq = 1", "delete from versions"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(sql)
    assert store.raw("wt@1") == A and [(v.seq, v.sha256) for v in store.versions("wt")] == after
    assert store.db["forget_permits"].count == 0


def test_store_refs(store) -> None:
    store.add_version("wt", A, VersionMeta(label="2018"))
    store.add_version("wt", B, VersionMeta(label="2023"))
    store.add_version("wt", C, VersionMeta(label="2023"))
    assert store.version("wt@latest").seq == 3 and store.version("wt").seq == 3
    assert store.version("wt@previous").seq == 2
    assert store.version("wt@1").label == "2018"
    assert store.version("wt@2018").seq == 1
    assert store.version("wt@2023").seq == 3  # the newest with that label
    assert store.version("wt@" + hashlib.sha256(B).hexdigest()[:10]).seq == 2


def test_store_latest_and_previous_follow_the_versions_own_dates(store) -> None:
    """A live version fetched first, then older editions backfilled from an archive: the
    numbers follow storing order, @latest and @previous the editions' own dates."""
    store.add_version("wt", C, VersionMeta(origin="live", fetched_at="2026-01-05T09:00:00Z"))
    store.add_version("wt", A, VersionMeta(origin="archive", archived_at="2015-04-01T12:00:00Z", label="2015-04-01"))
    store.add_version("wt", B, VersionMeta(origin="archive", archived_at="2018-08-02T10:15:00+01:00", label="2018-08-02"))
    assert [v.seq for v in store.chronological("wt")] == [2, 3, 1]
    assert store.version("wt@latest").seq == 1 and store.version("wt@previous").seq == 3
    assert store.latest("wt").seq == 1
    assert store.previous_of(store.version("wt@1")).seq == 3 and store.previous_of(store.version("wt@2")) is None
    # a new live version follows the newest edition, and is compared with it
    d = C.replace(b"A third paragraph", b"A third paragraph, changed")
    v, created, previous, report = store.add_version_compared("wt", d, VersionMeta(origin="live", fetched_at="2026-02-01T00:00:00Z"), model="rules-only")
    assert created and v.seq == 4 and previous.seq == 1 and report.old.label == "wt@1" and report.new.label == "wt@4"
    # an archive capture from 2016 slots in after 2015, and is compared with that
    mid = A.replace(b"10 working days", b"15 working days")
    v, _, previous, report = store.add_version_compared("wt", mid, VersionMeta(origin="archive", archived_at="2016-05-12T08:30:00Z"), model="rules-only")
    assert previous.seq == 2 and report.old.sha256 == hashlib.sha256(A).hexdigest()
    assert [t.type for c in report.changes for t in c.tags] == ["TIMESCALE_CHANGED"]
    assert [x.seq for x in store.chronological("wt")] == [2, 5, 3, 1, 4]
    assert store.version("wt@latest").seq == 4


@pytest.mark.parametrize("ref,words", [
    ("nope@1", "no document named 'nope'"),
    ("wt@9", "wt has no version '9'"),
    ("wt@2019", "labels 2018"),
])
def test_store_unknown_refs_name_the_fix(store, ref, words) -> None:
    store.add_version("wt", A, VersionMeta(label="2018"))
    with pytest.raises(NotFound) as exc:
        store.version(ref)
    msg = exc.value.one_line()
    assert words in msg and "To fix:" in msg


def test_store_previous_needs_two_versions(store) -> None:
    store.add_document("wt")
    with pytest.raises(NotFound, match="no stored versions"):
        store.version("wt@latest")
    store.add_version("wt", A)
    with pytest.raises(NotFound, match="only one version"):
        store.version("wt@previous")


def test_store_document_carries_full_provenance(store) -> None:
    meta = VersionMeta(origin="live", label="2018-08-01", source="https://example.org/wt.html", fetched_at="2026-01-05T09:00:00Z",
                       published_at="2018-08-01T10:00:00+01:00", http={"status": "200", "etag": '"abc"', "content-type": "text/markdown"},
                       change_notes=[{"note": "First published."}])
    v, _ = store.add_version("wt", A, meta)
    doc = store.document("wt@latest")
    info = doc.info
    assert info.label == "wt@1 (2018-08-01)" and info.sha256 == v.sha256 and info.source == meta.source
    assert info.retrieved_at == "2026-01-05T09:00:00Z" and info.origin == "live" and info.http == meta.http
    assert info.media_type == "text" and doc.units and doc.units[1].number == "1"
    assert store.version("wt@1").change_notes == [{"note": "First published."}]
    arch, _ = store.add_version("wt", B, VersionMeta(origin="archive", archived_at="2013-04-03T14:36:49Z", archive_url="https://a/x"))
    assert arch.info().retrieved_at == "2013-04-03T14:36:49Z" and arch.info().archive_url == "https://a/x"


def test_store_accepts_a_version_info(store) -> None:
    info = VersionInfo(label="v1", sha256="ignored", source="v1.md", retrieved_at="2020-01-01T00:00:00Z", origin="file")
    v, _ = store.add_version("wt", A, info)
    assert v.label == "v1" and v.fetched_at == "2020-01-01T00:00:00Z" and v.sha256 == hashlib.sha256(A).hexdigest()


def test_store_garbage_is_refused_and_nothing_is_stored(store) -> None:
    with pytest.raises(BadInput):
        store.add_version("wt", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(BadInput):
        store.add_version("bad name", A)
    with pytest.raises(BadInput):
        store.add_version("wt", A, VersionMeta(origin="telepathy"))
    assert store.counts()["versions"] == 0 and store.counts()["documents"] == 0


def test_store_a_crash_mid_write_leaves_nothing(store, monkeypatch) -> None:
    store.add_version("wt", A)
    before = store.counts()
    real = sqlite_utils.db.Table.insert_all

    def boom(self, *args, **kwargs):
        if self.name == "units":
            list(args[0])  # consume, as a real insert would
            raise RuntimeError("power cut")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sqlite_utils.db.Table, "insert_all", boom)
    with pytest.raises(RuntimeError):
        store.add_version("wt", B)
    monkeypatch.undo()
    assert store.counts() == before
    assert store.get_document("wt").name == "wt" and store.add_version("wt", B)[0].seq == 2  # no gap, no half row


def test_store_two_writers_at_once_wait_instead_of_failing(tmp_path) -> None:
    path = tmp_path / "shared.db"
    with open_store(path) as first:
        first.add_document("held")
        parsed = parse_bytes(A, name="a.md")  # parse up front: the writer below only waits for the lock
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    results: list[object] = []

    def hold_lock() -> None:
        with open_store(path) as a, a._tx():
            a.db["documents"].update("held", {"title": "busy"})
            holding.set()
            release.wait(20)

    def second_writer() -> None:
        try:
            with open_store(path) as b:
                results.append(b.add_version("wt", A, document=parsed))
        except BaseException as e:  # noqa: BLE001 - reported below
            results.append(e)
        finally:
            done.set()

    holder = threading.Thread(target=hold_lock, daemon=True)
    holder.start()
    assert holding.wait(20)
    writer = threading.Thread(target=second_writer, daemon=True)
    writer.start()
    # While the first transaction is open the second writer waits (busy timeout) instead of failing at once.
    assert not done.wait(0.3), f"the second writer did not wait for the lock: {results}"
    release.set()
    assert done.wait(20)
    holder.join(20)
    writer.join(20)
    assert len(results) == 1 and isinstance(results[0], tuple), results
    v, created = results[0]
    assert created and v.ref == "wt@1"
    with open_store(path) as c:
        assert c.get_document("held").title == "busy"  # both writes are there
        assert c.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert c.db.execute("pragma busy_timeout").fetchone()[0] == int(BUSY_TIMEOUT * 1000)


def test_store_fresh_database_opened_by_two_runs_at_once(tmp_path) -> None:
    path = tmp_path / "fresh.db"
    barrier = threading.Barrier(3, timeout=20)
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            barrier.wait()
            with open_store(path) as s:
                assert s.applied_migrations()[-1] == MIGRATIONS[-1]
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=opener, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and not any(t.is_alive() for t in threads)
    with open_store(path) as s:
        assert s.applied_migrations() == MIGRATIONS


def test_store_concurrent_writers_number_versions_without_gaps(tmp_path) -> None:
    path = tmp_path / "shared.db"
    open_store(path).close()
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        s = open_store(path)
        try:
            for i in range(8):
                s.add_version("wt", f"# T\n\n1. Writer {k} version {i}.\n".encode())
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            s.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    s = open_store(path)
    assert [v.seq for v in s.versions("wt")] == list(range(1, 25))


def test_store_migrations_are_recorded(store, tmp_path) -> None:
    assert store.applied_migrations() == MIGRATIONS
    rows = list(store.db.query("select migration_set, name from _sqlite_migrations"))
    assert rows == [{"migration_set": "guidance-tracker", "name": n} for n in MIGRATIONS]
    store.close()
    again = open_store(tmp_path / "store.db")  # reopening applies nothing twice
    assert again.applied_migrations() == MIGRATIONS
    assert {"documents", "versions", "units", "comparisons", "changes", "tags", "impacts"} <= set(again.db.table_names())


def test_store_old_schema_is_migrated_in_place(tmp_path) -> None:
    """A store made by an older release (schema at m002) is upgraded on open; its data stays."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m003_versions_never_rewritten")
    assert [m.name for m in migrations.applied(db)] == MIGRATIONS[:2]
    db["documents"].insert({"name": "wt", "created": "2020-01-01T00:00:00Z", "last_seq": 1})
    db["versions"].insert({"document": "wt", "seq": 1, "sha256": hashlib.sha256(A).hexdigest(), "origin": "file", "raw": A,
                           "created": "2020-01-01T00:00:00Z"})
    db.execute("delete from versions")  # the m002 schema did not guard deletes
    db["versions"].insert({"document": "wt", "seq": 1, "sha256": hashlib.sha256(A).hexdigest(), "origin": "file", "raw": A,
                           "created": "2020-01-01T00:00:00Z"})
    db.close()
    with open_store(path) as s:
        assert s.applied_migrations() == MIGRATIONS
        assert s.raw("wt@1") == A
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            s.db.execute("delete from versions")
        assert s.forget("wt", 1) == 1  # forget still can


def test_store_forget_one_version_and_a_whole_document(store) -> None:
    store.add_version("wt", A)
    store.add_version("wt", B)
    store.add_version("wt", C)
    store.compare("wt@1", "wt@2", model="rules-only")
    assert store.forget("wt", 2) == 1
    assert [v.seq for v in store.versions("wt")] == [1, 3]
    assert store.counts()["comparisons"] == 0 and store.counts()["changes"] == 0
    v4, _ = store.add_version("wt", B)
    assert v4.seq == 4  # numbers are never reused
    with pytest.raises(NotFound):
        store.forget("wt", 2)
    assert store.forget("wt") == 3
    assert store.counts() == {k: 0 for k in store.counts()}
    with pytest.raises(NotFound):
        store.get_document("wt")


def test_store_default_path(monkeypatch, tmp_path) -> None:
    import platformdirs

    monkeypatch.setenv("GUIDANCE_TRACKER_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("GUIDANCE_TRACKER_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = platformdirs.user_data_path("guidance-tracker", appauthor=False) / "guidance-tracker.db"
    assert default_db_path() == expected and expected.name == "guidance-tracker.db"
    # without platformdirs: $XDG_DATA_HOME, else ~/.local/share
    monkeypatch.setitem(sys.modules, "platformdirs", None)
    assert default_db_path() == tmp_path / "xdg" / "guidance-tracker" / "guidance-tracker.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "guidance-tracker" / "guidance-tracker.db"


def test_store_open_default_creates_the_data_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("GUIDANCE_TRACKER_DB", raising=False)
    monkeypatch.setitem(sys.modules, "platformdirs", None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_store() as s:
        s.add_version("wt", A)
    assert (tmp_path / "data" / "guidance-tracker" / "guidance-tracker.db").is_file()


def test_store_unusable_path_is_a_store_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as exc:
        open_store(blocker / "sub" / "store.db")
    assert "To fix:" in exc.value.one_line()
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        open_store(tmp_path / "junk.db")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60), min_size=1, max_size=4))
def test_store_returns_the_exact_bytes(store, texts) -> None:
    for t in texts:
        data = ("# Title\n\n1. " + t.replace("\x00", "") + " end.\n").encode("utf-8")
        v, _ = store.add_version("prop", data)
        assert store.raw(v) == data and v.sha256 == hashlib.sha256(data).hexdigest()
