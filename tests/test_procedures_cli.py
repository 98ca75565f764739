"""The procedures command: formats, stored versions, failures listed, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_procedures import NEW, OLD, PLANTED, build_local_folder
from tracker.cli import cli


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", "procedures", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return build_local_folder(tmp_path_factory.mktemp("cli") / "local")


def test_procedures_cli_json_to_stdout_lists_failures_and_exits_1(folder) -> None:
    r = run(str(OLD), str(NEW), str(folder), "--format", "json")
    assert r.returncode == 1, r.stderr  # some files could not be read; the rest are reported
    d = json.loads(r.stdout)
    assert d["kind"] == "procedures" and len(d["findings"]) == len(PLANTED)
    assert [x["path"] for x in d["failures"]] == ["broken.pdf"]
    assert d["skipped"] == ["photo.png", "report.json", "sub/export.csv"] and d["summary"]["skipped"] == 3
    warnings = r.stderr.strip().splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("Warning: could not read broken.pdf")
    assert "Traceback" not in r.stderr


def test_procedures_cli_failures_printed_once_on_stderr(folder, tmp_path) -> None:
    r = run(str(OLD), str(NEW), str(folder), "--out", str(tmp_path / "c.csv"))
    assert r.returncode == 1, r.stderr
    assert "could not read" not in r.stdout and "broken.pdf" not in r.stdout
    assert [ln for ln in r.stderr.splitlines() if "broken.pdf" in ln] == [ln for ln in r.stderr.splitlines() if ln.startswith("Warning: could not read broken.pdf")]
    assert len([ln for ln in r.stderr.splitlines() if "broken.pdf" in ln]) == 1
    assert "1 could not be read" in r.stdout and "3 skipped (not documents)" in r.stdout


def test_procedures_cli_several_formats_to_folder(folder, tmp_path) -> None:
    out = tmp_path / "checklist"
    res = CliRunner().invoke(cli, ["procedures", str(OLD), str(NEW), str(folder), "--format", "html,csv", "-f", "json,md,docx", "--out", str(out)],
                             standalone_mode=False)
    assert res.exception is None, res.output
    assert res.return_value == 1  # broken.pdf is listed as a failure
    for ext in ("html", "csv", "json", "md", "docx"):
        assert (out / f"procedures.{ext}").stat().st_size > 0, ext
    assert json.loads((out / "procedures.json").read_text())["summary"]["documents"] == 4
    assert (out / "procedures.docx").read_bytes()[:2] == b"PK"
    assert "wrote" in res.output and "findings:" in res.output


def test_procedures_cli_one_file_by_suffix(folder, tmp_path) -> None:
    target = tmp_path / "c.html"
    r = run(str(OLD), str(NEW), str(folder / "training-notes.txt"), "--out", str(target))
    assert r.returncode == 0, r.stderr
    assert target.read_text().startswith("<!DOCTYPE html>")


def test_procedures_cli_stored_versions(folder, tmp_path) -> None:
    db = tmp_path / "store.db"
    for f in (OLD, NEW):
        r = subprocess.run([sys.executable, "-m", "tracker", "import", str(f), "--name", "wt", "--db", str(db)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    r = run("wt@1", "wt@2", str(folder / "assessment-procedure.md"), "--db", str(db), "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    statuses = sorted(f["status"] for f in d["findings"])
    # 2.3 falls short of a tightened rule; 1.1, 1.2, 2.1 and 3.1 keep stricter old rules.
    assert statuses == ["contradicts_new", "follows_old", "follows_old", "follows_old", "follows_old"]
    assert sum(f["stricter"] for f in d["findings"]) == 4


@pytest.mark.parametrize("args,problem", [
    (["{folder}/missing-folder"], "does not exist"),
    (["{folder}", "--format", "pdf"], "unknown format"),
    (["{folder}", "--format", "docx"], "DOCX is binary"),
    (["{folder}", "--format", "json,md"], "several formats need --out"),
    (["{bad}"], "no local documents found"),
    (["{bad}/x.png"], "none of the 1 local files could be read"),
])
def test_procedures_cli_bad_input_one_line_exit_2(folder, tmp_path, args, problem) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    out = tmp_path / "out"
    r = run(str(OLD), str(NEW), *[a.format(folder=folder, bad=bad) for a in args], *([] if "--format" in args else ["--out", str(out)]))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and problem in lines[0], r.stderr
    assert lines[0].count("To fix:") <= 1, lines[0]
    assert not out.exists()


def test_procedures_cli_missing_guidance_exit_2(folder, tmp_path) -> None:
    r = run(str(tmp_path / "nope.md"), str(NEW), str(folder), "--format", "json")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "nope.md" in r.stderr


def test_procedures_cli_fail_on(folder) -> None:
    assert run(str(OLD), str(NEW), str(folder / "assessment-procedure.md"), "--format", "json").returncode == 0
    assert run(str(OLD), str(NEW), str(folder / "assessment-procedure.md"), "--format", "json", "--fail-on", "high").returncode == 1
    # The training notes need work at low and medium severity only.
    notes = str(folder / "training-notes.txt")
    assert run(str(OLD), str(NEW), notes, "--format", "json", "--fail-on", "high").returncode == 0
    assert run(str(OLD), str(NEW), notes, "--format", "json", "--fail-on", "medium").returncode == 1


def test_procedures_cli_help_has_example() -> None:
    r = subprocess.run([sys.executable, "-m", "tracker", "procedures", "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Example:" in r.stdout and "LOCAL..." in r.stdout
