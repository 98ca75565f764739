"""The compare command: formats, exit statuses, bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli, main

OLD = "1. The social worker and their manager should agree a plan.\n\n2. Staff must record decisions.\n"
NEW = "1. The social worker should agree a plan.\n\n2. Staff must record decisions.\n"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "old.md", tmp_path / "new.md"
    a.write_text(OLD)
    b.write_text(NEW)
    return a, b


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, timeout=300)


def test_cli_compare_json_to_stdout(pair) -> None:
    r = run(["compare", str(pair[0]), str(pair[1]), "--format", "json"])
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["summary"]["by_tag"] == {"ROLE_REMOVED": 1}


def test_cli_compare_several_formats_to_folder(pair, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    res = CliRunner().invoke(cli, ["compare", str(pair[0]), str(pair[1]), "--format", "json,md", "--out", str(out)], standalone_mode=False)
    assert res.exception is None, res.output
    assert (out / "report.json").exists() and (out / "report.md").exists()


def test_cli_fail_on(pair) -> None:
    assert run(["compare", str(pair[0]), str(pair[1]), "--format", "json", "--fail-on", "high"]).returncode == 1
    assert run(["compare", str(pair[0]), str(pair[0]), "--format", "json", "--fail-on", "any"]).returncode == 0


@pytest.mark.parametrize("content,problem", [
    (b"", "is empty"),
    (b"   \n\n  ", "is empty"),
    (bytes(range(256)) * 20, "binary"),
])
def test_cli_bad_input_one_line_exit_2(tmp_path: Path, pair, content: bytes, problem: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out.json"
    r = run(["compare", str(bad), str(pair[1]), "--format", "json", "--out", str(out)])
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "bad.txt" in lines[0] and problem in lines[0]
    assert not out.exists()


def test_cli_missing_path(pair) -> None:
    r = run(["compare", "/nonexistent/old.pdf", str(pair[1])])
    assert r.returncode == 2 and "does not exist" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_unknown_format_and_pack(pair) -> None:
    r = run(["compare", str(pair[0]), str(pair[1]), "--format", "pptx"])
    assert r.returncode == 2 and "unknown format" in r.stderr
    r = run(["compare", str(pair[0]), str(pair[1]), "--pack", "no-such-pack"])
    assert r.returncode == 2 and "unknown domain pack" in r.stderr


def test_cli_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["compare"])
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "Error: Missing argument 'OLD'. To fix: see `guidance-tracker compare --help`."
    ]


def test_cli_version() -> None:
    r = run(["--version"])
    assert r.returncode == 0 and "guidance-tracker" in r.stdout
