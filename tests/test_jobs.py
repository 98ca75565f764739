"""Batch jobs (tracker.jobs, tracker.scan): same results on both engines, a killed
worker costs time not results, failures listed and skipped, resumable scans.

The Dask tests use a real ``LocalCluster`` of worker processes (one per test module).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker.bench import _revise, generate_local_folder, generate_pair
from tracker.cli import main
from tracker.jobs import DaskEngine, LocalEngine, engine, run_job
from tracker.packs import load_pack
from tracker.scan import plan_scan, run_scan
from tracker.store import VersionMeta, model_key, open_store

pytest.importorskip("distributed", reason="the dask engine needs the scale extra (dask[distributed])")

MODEL = "rules-only"


def slow_pid(shared: float, x: int) -> tuple[int, int]:
    """A work item that takes a little time and says which process ran it."""
    time.sleep(shared)
    return x * x, os.getpid()


def picky(shared: None, x: int) -> int:
    if x % 7 == 3:
        raise ValueError(f"item {x} is\nbroken")
    return -x


@pytest.fixture(scope="module")
def dask_engine():
    with engine("dask", workers=2) as eng:
        yield eng


def _store_with_versions(path: Path, docs: int, versions: int) -> None:
    """``docs`` documents of ``versions`` generated versions each (each a revision of the last)."""
    with open_store(path) as st:
        for d in range(docs):
            rng = random.Random(d)
            texts = [generate_pair(300, seed=d)[0]]
            while len(texts) < versions:  # each version a revision of the one before
                paras = texts[-1].split("\n\n")
                revised = [_revise(p, rng) if p[:1].isdigit() and rng.random() < 0.4 else p for p in paras]
                if revised == paras:
                    revised[-1] += " This applies to all agencies."
                texts.append("\n\n".join(revised))
            for i, t in enumerate(texts):
                st.add_version(f"doc-{d:03d}", t.encode("utf-8"), VersionMeta(label=f"v{i + 1}", source=f"doc-{d:03d}-v{i + 1}.md", fetched_at=f"2026-0{i + 1}-01T00:00:00Z"))


def _stored_reports(path: Path) -> list[str]:
    """Every stored comparison as sorted JSON, minus what legitimately differs by run."""
    out = []
    with open_store(path) as st:
        for r in st.db.query("select old_sha, new_sha, pack_sha, model, report from comparisons"):
            rep = json.loads(r["report"])
            rep.pop("tool", None)
            out.append(json.dumps([r["old_sha"], r["new_sha"], r["pack_sha"], r["model"], rep], sort_keys=True))
    return sorted(out)


def test_local_job_reports_failures_and_goes_on():
    got: dict[str, int] = {}
    items = [(str(i), i) for i in range(20)] + [("unreadable", lambda: open("/nonexistent/x").read())]
    s = run_job("picky", picky, items, on_result=got.__setitem__, progress=False)
    broken = {str(i) for i in range(20) if i % 7 == 3}
    assert set(got) == {str(i) for i in range(20)} - broken
    assert {f.item for f in s.failures} == broken | {"unreadable"}
    assert all("\n" not in f.message for f in s.failures)
    assert any("FileNotFoundError" in f.message for f in s.failures)
    assert s.done == 20 - len(broken) and s.items == 21 and s.engine == "local"


def test_dask_job_same_outcomes_as_local(dask_engine):
    items = [(str(i), i) for i in range(60)]
    a: dict[str, int] = {}
    b: dict[str, int] = {}
    sa = run_job("picky", picky, items, on_result=a.__setitem__, progress=False, eng=LocalEngine())
    sb = run_job("picky", picky, items, on_result=b.__setitem__, progress=False, eng=dask_engine)
    assert a == b
    assert sorted((f.item, f.message) for f in sa.failures) == sorted((f.item, f.message) for f in sb.failures)
    assert sb.engine == "dask" and sb.workers == 2


def test_killed_worker_costs_time_not_results(dask_engine):
    """Kill one worker process mid-job: every item still completes, each exactly once."""
    pids = dask_engine.client.run(os.getpid)
    assert len(pids) == 2
    victim = sorted(pids.values())[0]
    seen: list[str] = []
    ran_on: set[int] = set()

    def on_result(key: str, value: tuple[int, int]) -> None:
        seen.append(key)
        ran_on.add(value[1])
        if len(seen) == 8:
            os.kill(victim, signal.SIGKILL)

    n = 80
    s = run_job("slow", slow_pid, [(str(i), i) for i in range(n)], shared=0.05, on_result=on_result,
                progress=False, eng=dask_engine, chunk=1)
    assert s.failures == ()
    assert sorted(seen, key=int) == [str(i) for i in range(n)]  # all done, none twice
    assert victim in ran_on  # the victim did work before it died
    # The nanny restarted it: the cluster is whole again for the next test.
    deadline = time.monotonic() + 60
    while len(dask_engine.client.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(dask_engine.client.scheduler_info()["workers"]) == 2


def test_scan_identical_on_both_engines_and_resumable(tmp_path, dask_engine):
    """A few hundred generated documents' versions, scanned on each engine, give the
    same stored comparisons (sorted JSON); a second scan does nothing."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _store_with_versions(a, docs=100, versions=3)  # 300 versions, 200 pairs
    _store_with_versions(b, docs=100, versions=3)
    pack = load_pack(None)
    with open_store(a) as st:
        sa = run_scan(st, None, pack, MODEL, LocalEngine(), progress=False)
    with open_store(b) as st:
        sb = run_scan(st, None, pack, MODEL, dask_engine, progress=False)
    assert sa.done == sb.done == 200 and not sa.failures and not sb.failures
    ra, rb = _stored_reports(a), _stored_reports(b)
    assert len(ra) == 200 and ra == rb
    with open_store(b) as st:
        todo, skipped = plan_scan(st, None, pack, model_key(MODEL))
        assert todo == [] and skipped == 200
        again = run_scan(st, None, pack, MODEL, LocalEngine(), progress=False)
    assert again.done == 0 and again.skipped == 200


def test_scan_redoes_work_when_the_pack_changes(tmp_path, root_dir):
    db = tmp_path / "s.db"
    _store_with_versions(db, docs=2, versions=2)
    src = root_dir / "pipelines" / "children-safeguarding"
    edited = tmp_path / "pack"
    shutil.copytree(src, edited)
    rules = edited / "impact_rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# edited by a professional body\n", encoding="utf-8")
    with open_store(db) as st:
        first = run_scan(st, None, load_pack(None), MODEL, LocalEngine(), progress=False)
        second = run_scan(st, None, load_pack(str(edited)), MODEL, LocalEngine(), progress=False)
        assert first.done == 2 and second.done == 2 and second.skipped == 0
        assert st.db["comparisons"].count == 4


def test_scan_cli_summary_and_named_documents(tmp_path, capsys):
    db = tmp_path / "s.db"
    _store_with_versions(db, docs=3, versions=2)
    with pytest.raises(SystemExit) as e:
        main(["scan", "doc-001", "--db", str(db), "--model", MODEL, "--json"])
    assert e.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["done"] == 1 and out["failures"] == [] and out["engine"] == "local"
    with pytest.raises(SystemExit) as e:
        main(["scan", "--db", str(db), "--model", MODEL])
    assert e.value.code == 0
    assert "2 done, 0 failed, 1 already done" in capsys.readouterr().out


def test_scan_unknown_document_is_one_line(tmp_path, capsys):
    db = tmp_path / "s.db"
    _store_with_versions(db, docs=1, versions=2)
    with pytest.raises(SystemExit) as e:
        main(["scan", "nope", "--db", str(db), "--model", MODEL])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and "nope" in err and "Traceback" not in err


@pytest.mark.timeout(60)
def test_scheduler_that_does_not_answer_is_one_line_exit_2(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "s.db"
    _store_with_versions(db, docs=1, versions=2)
    with pytest.raises(SystemExit) as e:
        main(["scan", "--db", str(db), "--engine", "dask", "--scheduler", f"127.0.0.1:{port}", "--connect-timeout", "2"])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert err.count("\n") == 1 and "does not answer" in err and "Traceback" not in err


def test_scheduler_needs_dask_engine():
    with pytest.raises(Exception) as e:
        with engine("local", scheduler="tcp://127.0.0.1:1"):
            pass
    assert "--engine dask" in str(e.value.one_line())


def test_dask_engine_is_a_real_cluster(dask_engine):
    assert isinstance(dask_engine, DaskEngine)
    pids = set(dask_engine.client.run(os.getpid).values())
    assert os.getpid() not in pids and len(pids) == 2


@pytest.fixture(scope="module")
def guidance_folder(tmp_path_factory):
    """Old and new generated guidance, and a folder of 300 local procedures about them,
    with one unreadable and one unsupported file among them."""
    root = tmp_path_factory.mktemp("procedures")
    old, new = generate_pair(3000, seed=7, change_rate=0.3)
    (root / "old.md").write_text(old, encoding="utf-8")
    (root / "new.md").write_text(new, encoding="utf-8")
    local = root / "local"
    generate_local_folder(local, 300, old, new)
    (local / "area-00" / "scan.pdf").write_bytes(b"%PDF-1.4\n1 0 obj truncated")
    (local / "area-01" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    return root


def _sorted_json(report) -> list[str]:
    d = report.to_dict()
    d.pop("tool", None)
    return sorted(json.dumps(x, sort_keys=True) for x in [d.pop("findings"), d.pop("documents"), d.pop("failures"), d])


def test_procedures_identical_on_both_engines(guidance_folder, dask_engine):
    from tracker.procedures import check_paths

    root = guidance_folder
    args = (root / "old.md", root / "new.md", [root / "local"])
    a = check_paths(*args, model=MODEL, eng=LocalEngine())
    b = check_paths(*args, model=MODEL, eng=dask_engine)
    assert len(a.documents) == 300 and len(a.findings) > 300
    assert {f.path for f in a.failures} == {"area-00/scan.pdf"}  # unreadable: a failure
    assert tuple(a.skipped) == ("area-01/logo.png",)  # not a document type: skipped, counted
    assert _sorted_json(a) == _sorted_json(b)
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]  # same order too


def test_procedures_cli_on_dask_lists_failures(guidance_folder, tmp_path):
    root = guidance_folder
    out = tmp_path / "c.json"
    r = subprocess.run([sys.executable, "-m", "tracker", "procedures", str(root / "old.md"), str(root / "new.md"), str(root / "local"),
                        "--engine", "dask", "--workers", "2", "--model", MODEL, "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr  # one file could not be read; the rest are reported
    d = json.loads(out.read_text())
    assert d["summary"]["documents"] == 300 and len(d["failures"]) == 1
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("Warning: could not read")]
    assert len(warnings) == 1 and "Traceback" not in r.stderr
