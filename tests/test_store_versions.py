"""The version store: append-only, content-addressed versions, refs, provenance,
transactions, concurrent writers, migrations and forget."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time

import pytest
import sqlite_utils.db
from fixtures_store import NEW_TEXT, OLD_TEXT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.errors import BadInput, NotFound
from tracker.models import VersionInfo
from tracker.store import VersionMeta, default_db_path, open_store

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
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("update versions set raw = x'00' where seq = 1")
    assert store.raw("wt@1") == A


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
    open_store(path).add_document("held")
    started = threading.Event()

    def hold_lock() -> None:
        a = open_store(path)
        with a._tx():
            a.db["documents"].update("held", {"title": "busy"})
            started.set()
            time.sleep(0.4)
        a.close()

    t = threading.Thread(target=hold_lock)
    t.start()
    assert started.wait(5)
    b = open_store(path)
    t0 = time.monotonic()
    v, created = b.add_version("wt", A)  # waits for the other transaction (busy timeout), then writes
    waited = time.monotonic() - t0
    t.join()
    assert created and waited >= 0.2
    assert b.get_document("held").title == "busy"
    assert b.db.execute("pragma journal_mode").fetchone()[0] == "wal"


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
    names = ["m001_initial", "m002_versions_immutable"]
    assert store.applied_migrations() == names
    rows = list(store.db.query("select migration_set, name from _sqlite_migrations"))
    assert rows == [{"migration_set": "guidance-tracker", "name": n} for n in names]
    store.close()
    again = open_store(tmp_path / "store.db")  # reopening applies nothing twice
    assert again.applied_migrations() == names
    assert {"documents", "versions", "units", "comparisons", "changes", "tags", "impacts"} <= set(again.db.table_names())


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
    monkeypatch.setenv("GUIDANCE_TRACKER_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("GUIDANCE_TRACKER_DB")
    assert default_db_path().name == "guidance-tracker.db"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60), min_size=1, max_size=4))
def test_store_returns_the_exact_bytes(store, texts) -> None:
    for t in texts:
        data = ("# Title\n\n1. " + t.replace("\x00", "") + " end.\n").encode("utf-8")
        v, _ = store.add_version("prop", data)
        assert store.raw(v) == data and v.sha256 == hashlib.sha256(data).hexdigest()
