"""The `consultation` command: formats, files, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import cli

FIX = Path(__file__).resolve().parent / "fixtures" / "consultation"
ARGS = [str(FIX / "previous.md"), str(FIX / "draft.md"), str(FIX / "final.md"), "--responses", str(FIX / "basw_response.md"), "-r", str(FIX / "government_response.html")]


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, timeout=300)


def test_consult_cli_json_to_stdout() -> None:
    r = run(["consultation", *ARGS, "--format", "json"])
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["summary"]["by_status"] == {"retained": 5, "dropped": 2, "modified": 1, "new_in_final": 5}
    assert len(d["retained_despite_objection"]) == 3
    assert [r["label"] for r in d["responses"]] == ["basw_response.md", "government_response.html"]


def test_consult_cli_writes_several_formats(tmp_path: Path) -> None:
    out = tmp_path / "consultation"
    res = CliRunner().invoke(cli, ["consultation", *ARGS, "--format", "json,md", "-f", "html", "-f", "csv,docx", "--out", str(out)], standalone_mode=False)
    assert res.exception is None, res.output
    for ext in ("json", "md", "html", "csv", "docx"):
        f = out / f"consultation.{ext}"
        assert f.exists() and f.stat().st_size > 500, ext
    assert json.loads((out / "consultation.json").read_text())["kind"] == "consultation"
    assert (out / "consultation.html").read_text().startswith("<!DOCTYPE html>")
    assert "retained despite objection 3" in res.output


def test_consult_cli_one_file_by_suffix(tmp_path: Path) -> None:
    target = tmp_path / "c.html"
    res = CliRunner().invoke(cli, ["consultation", *ARGS[:3], "--out", str(target)], standalone_mode=False)
    assert res.exception is None, res.output
    assert "<h1>" in target.read_text()


def test_consult_cli_missing_file_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    r = run(["consultation", str(FIX / "previous.md"), str(missing), str(FIX / "final.md")])
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.md" in lines[0] and "does not exist" in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""
    r = run(["consultation", *ARGS[:3], "--responses", str(missing)])
    assert r.returncode == 2 and "nope.md" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_consult_cli_bad_format_and_docx_to_terminal() -> None:
    r = run(["consultation", *ARGS[:3], "--format", "pptx"])
    assert r.returncode == 2 and "unknown format" in r.stderr
    r = run(["consultation", *ARGS[:3], "--format", "docx"])
    assert r.returncode == 2 and "DOCX" in r.stderr


def test_consult_cli_stored_versions(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    for n, name in enumerate(("previous.md", "draft.md", "final.md"), 1):
        r = run(["import", str(FIX / name), "--name", "wt", "--db", str(db)])
        assert r.returncode == 0, r.stderr
    r = run(["consultation", "wt@1", "wt@2", "wt@3", "--db", str(db), "--format", "json"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["summary"]["by_status"]["modified"] == 1
