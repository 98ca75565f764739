"""Bad input at the command line: one line on standard error starting ``Error:``, exit 2
(or 70 for a bug), never a traceback, and nothing stored or created by mistake.

Each bad invocation runs as ``python -m tracker ...`` in a subprocess, as a user runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli, main
from tracker.errors import BadInput, ExitStatus, OutputError
from tracker.store import check_date, open_store

ROOT = Path(__file__).resolve().parent.parent
OLD = "1. The social worker and their manager should agree a plan.\n\n2. Staff must record decisions.\n"
NEW = "1. The social worker should agree a plan.\n\n2. Staff must record decisions.\n"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace: two versions as files, a file where a folder is wanted, a local
    procedures folder, a store holding document ``wt`` (2 versions), bad inputs."""
    d = tmp_path_factory.mktemp("bad")
    (d / "a.md").write_text(OLD)
    (d / "b.md").write_text(NEW)
    (d / "existing_file.md").write_text("not a folder\n")
    (d / "local").mkdir()
    (d / "folder.json").mkdir()
    (d / "local" / "procedures.md").write_text("3. The social worker and their manager should agree a plan (Working Together).\n")
    store = open_store(d / "store.db")
    from tracker.store import VersionMeta

    store.add_version("wt", OLD.encode(), VersionMeta(label="ed1", published_at="2018"))
    store.add_version("wt", NEW.encode(), VersionMeta(label="ed2", published_at="2023"))
    store.close()
    (d / "utf16_garbage.txt").write_bytes(b"\xff\xfe\x00bad utf")
    (d / "garbage.bin").write_bytes(bytes(range(128, 256)) * 3)
    (d / "empty.jsonl").write_bytes(b"")
    (d / "line3.jsonl").write_text('{"old": "a", "new": "b", "expected": []}\n\nnot json\n')
    return d


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GUIDANCE_TRACKER_MODEL": "rules-only", "GUIDANCE_TRACKER_DB": str(cwd / "typo" / "default.db"),
           "PYTHONPATH": str(ROOT)}
    env.pop("GUIDANCE_TRACKER_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def assert_one_error(r: subprocess.CompletedProcess, status: int = 2) -> str:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert r.returncode == status, (r.returncode, r.stderr)
    return lines[0]


MISSING = "typo/typo.db"  # a mistyped --db: read-only commands must not create it (or typo/)

BAD = [
    # 1. output paths that cannot be written
    ("compare-out-proc", ["compare", "a.md", "b.md", "--format", "json", "--out", "/proc/x.json"], "cannot write /proc/x.json"),
    ("compare-out-folder-is-file", ["compare", "a.md", "b.md", "--format", "json,md", "--out", "existing_file.md"], "existing_file.md is a file, not a folder"),
    ("compare-out-under-file", ["compare", "a.md", "b.md", "--out", "existing_file.md/x.json"], "existing_file.md is a file, not a folder"),
    ("compare-out-is-folder", ["compare", "a.md", "b.md", "--format", "json", "--out", "folder.json"], "cannot write folder.json: folder.json is a folder"),
    ("consultation-out-proc", ["consultation", "a.md", "a.md", "b.md", "--format", "json", "--out", "/proc/x.json"], "/proc/x.json"),
    ("consultation-out-folder-is-file", ["consultation", "a.md", "a.md", "b.md", "--format", "json,md", "--out", "existing_file.md"], "existing_file.md is a file, not a folder"),
    ("consultation-out-under-file", ["consultation", "a.md", "a.md", "b.md", "--out", "existing_file.md/x.json"], "existing_file.md is a file, not a folder"),
    ("procedures-out-proc", ["procedures", "a.md", "b.md", "local", "--format", "json", "--out", "/proc/x.json"], "/proc/x.json"),
    ("procedures-out-folder-is-file", ["procedures", "a.md", "b.md", "local", "--format", "json,md", "--out", "existing_file.md"], "existing_file.md is a file, not a folder"),
    ("procedures-out-under-file", ["procedures", "a.md", "b.md", "local", "--out", "existing_file.md/x.json"], "existing_file.md is a file, not a folder"),
    ("timeline-out-under-file", ["timeline", "wt", "social worker", "--db", "store.db", "--out", "existing_file.md/x.md"], "existing_file.md is a file, not a folder"),
    ("timeline-out-proc", ["timeline", "wt", "social worker", "--db", "store.db", "--out", "/proc/x.md"], "cannot write /proc/x.md"),
    ("feed-out-under-file", ["feed", "--db", "store.db", "--out", "existing_file.md/x.atom"], "existing_file.md is a file, not a folder"),
    ("feed-out-proc", ["feed", "--db", "store.db", "--out", "/proc/x.atom"], "cannot write /proc/x.atom"),
    ("demo-out-proc", ["demo", "--out", "/proc/demo", "--model", "rules-only"], "cannot write /proc/demo/"),
    ("demo-out-is-file", ["demo", "--out", "existing_file.md"], "'--out'"),
    # 2. eval on files that are not labelled pairs
    ("eval-markdown", ["eval", str(ROOT / "corpora" / "sample" / "v1.md")], "v1.md line 1 is not JSON"),
    ("eval-binary", ["eval", "garbage.bin"], "garbage.bin is not a labelled pair file"),
    ("eval-empty", ["eval", "empty.jsonl"], "no labelled pairs in empty.jsonl"),
    ("eval-line-3", ["eval", "line3.jsonl"], "line3.jsonl line 3 is not JSON"),
    # 3. bench sizes
    ("bench-sizes-abc", ["bench", "--sizes", "abc"], "Invalid value for '--sizes'"),
    ("bench-sizes-zero", ["bench", "--sizes", "0"], "Invalid value for '--sizes'"),
    # 4. import dates
    ("import-bad-date", ["import", "a.md", "--name", "wt2", "--date", "2018-13-45", "--db", "new.db"], "--date '2018-13-45' is not a valid date"),
    ("import-us-date", ["import", "a.md", "--name", "wt2", "--date", "07/04/2018", "--db", "new.db"], "is not a valid date"),
    # 5. read-only commands on a store that is not there
    ("watch-list-missing-db", ["watch", "list", "--db", MISSING], "no version store at typo/typo.db"),
    ("watch-remove-missing-db", ["watch", "remove", "wt", "--db", MISSING], "no version store at typo/typo.db"),
    ("versions-missing-db", ["versions", "wt", "--db", MISSING], "no version store at typo/typo.db"),
    ("forget-missing-db", ["forget", "wt", "--yes", "--db", MISSING], "no version store at typo/typo.db"),
    ("feed-missing-db", ["feed", "--db", MISSING], "no version store at typo/typo.db"),
    ("scan-missing-db", ["scan", "--db", MISSING], "no version store at typo/typo.db"),
    ("compare-refs-missing-db", ["compare", "wt@1", "wt@2", "--db", MISSING], "no version store at typo/typo.db"),
    ("compare-ref-and-file-missing-db", ["compare", "wt@1", "b.md", "--db", MISSING], "no version store at typo/typo.db"),
    ("timeline-missing-db", ["timeline", "wt", "plan", "--db", MISSING], "no version store at typo/typo.db"),
    ("versions-default-db-missing", ["versions", "wt"], "no version store at"),
    # 6. usage errors are one line too
    ("fail-on-huge", ["compare", "a.md", "b.md", "--fail-on", "huge"],
     "Error: Invalid value for '--fail-on': 'huge' is not one of 'high', 'medium', 'low', 'any'. To fix: see `guidance-tracker compare --help`."),
    ("db-is-a-folder", ["compare", "a.md", "b.md", "--db", "local"], "Invalid value for '--db'"),
    ("no-such-command", ["comapre", "a.md", "b.md"], "No such command"),
    ("missing-argument", ["compare", "a.md"], "Missing argument 'NEW'"),
    ("no-such-option", ["versions", "wt", "--bogus"], "No such option '--bogus'"),
    # 7. history years, feed limit
    ("history-from-after-to", ["history", "wt", "--archive", "wayback", "--from", "2020", "--to", "2010", "--db", "store.db"], "--from 2020 is after --to 2010"),
    ("feed-limit-negative", ["feed", "--limit", "-1", "--db", "store.db"], "Invalid value for '--limit'"),
    ("feed-limit-zero", ["feed", "--limit", "0", "--db", "store.db"], "Invalid value for '--limit'"),
    # 8. an empty version after @
    ("compare-empty-version", ["compare", "wt@", "b.md", "--db", "store.db"], "'wt@' names no version"),
    ("compare-empty-versions", ["compare", "wt@", "wt@2", "--db", "store.db"], "'wt@' names no version"),
    # 9. a UTF-16 BOM in front of 8-bit text
    ("compare-bad-utf16", ["compare", "utf16_garbage.txt", "b.md"], "utf16_garbage.txt is not readable text (bad UTF-16)"),
]


@pytest.mark.parametrize(("args", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_cli_bad_input_is_one_line_and_exit_2(ws: Path, args: list[str], message: str | None) -> None:
    before = {p.relative_to(ws) for p in ws.rglob("*") if p.name not in ("store.db-wal", "store.db-shm")}
    r = run(args, ws)
    line = assert_one_error(r, 2)
    if message and message.startswith("Error: "):
        assert line == message
    elif message:
        assert message in line, line
    assert " To fix: " in line, line
    after = {p.relative_to(ws) for p in ws.rglob("*") if p.name not in ("store.db-wal", "store.db-shm")}
    assert after == before, after ^ before  # nothing created: no store at a typo, no half-written report
    assert (ws / "existing_file.md").read_text() == "not a folder\n"


def test_cli_bad_input_import_bad_date_stores_nothing(ws: Path) -> None:
    r = run(["import", "a.md", "--name", "wt", "--date", "2018-02-30", "--db", "store.db"], ws)
    assert_one_error(r)
    with open_store(ws / "store.db", create=False) as store:
        assert [v.label for v in store.versions("wt")] == ["ed1", "ed2"]
    assert not (ws / "new.db").exists()


@pytest.mark.parametrize("good", ["2018", "2018-07", "2018-07-04", "2018-07-04T09:30:00Z", "2018-07-04T09:30:00.5+01:00", "2018-07-04 09:30"])
def test_cli_bad_input_dates_accepted(good: str) -> None:
    assert check_date(good) == good


@pytest.mark.parametrize("bad", ["2018-13-45", "2018-02-30", "2018-7-4", "18-07-04", "0000", "20180704", "04/07/2018",
                                 "2018-07-04T25:00", "last week", "", "2018-07-04Tnoon"])
def test_cli_bad_input_dates_refused(bad: str) -> None:
    with pytest.raises(BadInput, match="is not a valid date"):
        check_date(bad, "--date")


def test_cli_bad_input_writing_commands_may_create_the_store(ws: Path, tmp_path: Path) -> None:
    db = tmp_path / "made" / "here.db"
    r = run(["import", str(ws / "a.md"), "--name", "wt", "--date", "2018-07", "--db", str(db)], ws)
    assert r.returncode == 0, r.stderr
    assert db.is_file()
    r = run(["versions", "wt", "--db", str(db), "--json"], ws)
    assert r.returncode == 0 and '"published_at": "2018-07"' in r.stdout


def test_cli_bad_input_empty_version_ref_in_the_library(ws: Path) -> None:
    with open_store(ws / "store.db", create=False) as store:
        with pytest.raises(BadInput, match="names no version"):
            store.version("wt@")
        with pytest.raises(BadInput, match="names no version"):
            store.version("wt@  ")
        assert store.version("wt").label == "ed2"  # a bare name is still the latest
        assert store.version("wt@latest").label == "ed2"


def test_cli_bad_input_open_store_must_exist(tmp_path: Path) -> None:
    from tracker.errors import NotFound

    with pytest.raises(NotFound, match="no version store at"):
        open_store(tmp_path / "a" / "b.db", create=False)
    assert not (tmp_path / "a").exists()
    open_store(tmp_path / "a" / "b.db").close()
    open_store(tmp_path / "a" / "b.db", create=False).close()


def test_cli_bad_input_internal_error_is_one_line_exit_70(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ws: Path) -> None:
    import tracker.evaluate

    def boom(*a: object, **k: object) -> None:
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr(tracker.evaluate, "score_file", boom)
    monkeypatch.delenv("GUIDANCE_TRACKER_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["eval", str(ws / "line3.jsonl")])
    assert exc.value.code == ExitStatus.INTERNAL == 70
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "Error: internal error: ValueError: boom second line. To fix: rerun with GUIDANCE_TRACKER_DEBUG=1 for the traceback and report it."
    ]
    monkeypatch.setenv("GUIDANCE_TRACKER_DEBUG", "1")
    with pytest.raises(SystemExit) as exc:
        main(["eval", str(ws / "line3.jsonl")])
    assert exc.value.code == 70
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("Error: internal error: ValueError")
    # the click test runner path shows the same line and status
    monkeypatch.delenv("GUIDANCE_TRACKER_DEBUG")
    res = CliRunner().invoke(cli, ["eval", str(ws / "line3.jsonl")], catch_exceptions=False)
    assert res.exit_code == 70 and res.stderr.startswith("Error: internal error: ValueError: boom")


def test_cli_bad_input_os_error_fallback_in_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ws: Path) -> None:
    """An OSError no writer mapped (e.g. a renderer owned elsewhere) is still one line, exit 2."""
    import tracker.evaluate

    def denied(*a: object, **k: object) -> None:
        raise PermissionError(13, "Permission denied", str(ws / "out" / ".report.json.tmp"))

    monkeypatch.setattr(tracker.evaluate, "score_file", denied)
    with pytest.raises(SystemExit) as exc:
        main(["eval", str(ws / "line3.jsonl")])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: cannot write or read {ws / 'out' / 'report.json'}: Permission denied. To fix: ")


def test_cli_bad_input_click_runner_maps_os_errors(ws: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["feed", "--db", str(ws / "store.db"), "--out", str(ws / "existing_file.md" / "x.atom")], catch_exceptions=False)
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()] and "existing_file.md is a file, not a folder" in res.stderr
    res = CliRunner().invoke(cli, ["watch", "list", "--db", str(tmp_path / "nope" / "x.db")], catch_exceptions=False)
    assert res.exit_code == 2 and res.stderr.startswith("Error: no version store at")
    assert not (tmp_path / "nope").exists()


def test_cli_bad_input_output_error_messages(tmp_path: Path) -> None:
    f = tmp_path / "f.md"
    f.write_text("x")
    try:
        (f / "sub").mkdir(parents=True)
    except OSError as e:
        err = OutputError.writing(f / "sub" / "r.json", e)
    assert isinstance(err, BadInput) and err.exit_status == 2
    assert err.one_line().startswith(f"cannot write {f / 'sub' / 'r.json'}: {f} is a file, not a folder. To fix: ")
    try:
        (tmp_path / "r.json").mkdir()
        (tmp_path / "r.json").write_bytes(b"x")
    except OSError as e:
        err = OutputError.writing(tmp_path / "r.json", e)
    assert "is a folder" in err.one_line()


def test_cli_bad_input_write_report_leaves_nothing_behind(tmp_path: Path) -> None:
    from tracker.compare import compare_texts
    from tracker.render import write_report

    report = compare_texts(OLD, NEW)
    (tmp_path / "r.json").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        write_report(report, "json", tmp_path / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
    assert list((tmp_path / "r.json").iterdir()) == []
    assert write_report(report, "json", tmp_path / "ok" / "r.json").read_bytes().startswith(b"{")


def test_cli_bad_input_eval_pairs_checked(tmp_path: Path) -> None:
    from tracker.evaluate import load_pairs, score_file

    cases = {
        '{"old": "a", "new": "b"}\n': "line 1 has no 'expected'",
        '{"old": 1, "new": "b", "expected": []}\n': "line 1 has a bad 'old'",
        '[1, 2]\n': "line 1 is not a JSON object",
        '{"old": "a", "new": "b", "expected": ["ROLE_REMOVED"]}\n': "line 1 has a tag that is not an object",
        "\n\n  \n": "no labelled pairs in",
    }
    for i, (text, message) in enumerate(cases.items()):
        f = tmp_path / f"p{i}.jsonl"
        f.write_text(text)
        with pytest.raises(BadInput, match=message.replace("[", r"\[")):
            load_pairs(f)
    good = tmp_path / "good.jsonl"
    good.write_text('{"old": "The manager must agree it.", "new": "The manager may agree it.", "expected": []}\n')
    res = score_file(good)
    assert res["pairs"] == 1
