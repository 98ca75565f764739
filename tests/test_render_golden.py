"""Golden tests: the Markdown and CSV reports of fixed comparisons, byte for byte.

Every folder of tests/golden/ is a case, found by glob (a new case is a folder and no code):

- ``old.*`` and ``new.*``: compared (Markdown/text through ``compare_texts``), expected
  ``report.md`` and ``report.csv``;
- or ``case.toml`` naming files of the repository (paths from its root):
  ``kind = "compare"`` with ``old`` and ``new`` (e.g. ``sample``: the sample corpus,
  corpora/sample/v1.md -> v2.md), expected ``report.md`` and ``report.csv``; or
  ``kind = "consultation"`` with ``previous``, ``draft``, ``final`` and ``responses``,
  expected ``consultation.md`` and ``consultation.csv``.

The reports are made with the pinned spaCy model (``en_core_web_sm`` 3.8.0, installed by
``make test``), as the tests of the tagger are; the lines naming the tool version, the
pipeline and the pack hash are normalised, and ``SOURCE_DATE_EPOCH`` fixes the date.
Files are read from the repository root, so reports cite them by relative path.

To accept new output after a deliberate change to rendering, tagging or the pack, run

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -p no:cacheprovider tests/test_render_golden.py

and review the diff of tests/golden/ line by line before committing: it must read well.
(procedures/ has a test of its own.)
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from functools import lru_cache
from pathlib import Path

import pytest
from fixtures_render import check_golden, golden_report

from tracker.render import render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EPOCH = "1700000000"  # 2023-11-14
OWN_TEST = {"procedures"}
"""Folders of tests/golden/ checked by another test module."""

# Lines that name the tool version, the spaCy pipeline or the pack hash move with every
# release or model install; they are replaced before comparing.
_VOLATILE = [
    (re.compile(r"^Compared by .*$", re.MULTILINE), "Compared by <tool, pipeline and pack>."),
    (re.compile(r"^Tagged with .*$", re.MULTILINE), "Tagged with <pipeline and pack>."),
    (re.compile(r"^Generated (\d{4}-\d{2}-\d{2}) by .*$", re.MULTILINE), r"Generated \1 by <tool, pipeline and pack>."),
]


def normalise(name: str, data: bytes) -> bytes:
    if not name.endswith(".md"):
        return data
    text = data.decode("utf-8")
    for pat, repl in _VOLATILE:
        text = pat.sub(repl, text)
    return text.encode("utf-8")


def _spec(case: Path) -> dict:
    f = case / "case.toml"
    if f.exists():
        return tomllib.loads(f.read_text(encoding="utf-8"))
    return {"kind": "compare"}


def cases() -> list[Path]:
    """Every folder of tests/golden/ with old.* and new.*, or a case.toml."""
    return sorted(
        d for d in GOLDEN.iterdir()
        if d.is_dir() and d.name not in OWN_TEST and ((d / "case.toml").exists() or (list(d.glob("old.*")) and list(d.glob("new.*"))))
    )


def expected_files(case: Path) -> dict[str, str]:
    """Expected file name -> format."""
    if _spec(case)["kind"] == "consultation":
        return {"consultation.md": "md", "consultation.csv": "csv"}
    return {"report.md": "md", "report.csv": "csv"}


@lru_cache(maxsize=None)
def _report(case: Path):  # type: ignore[no-untyped-def]
    spec = _spec(case)
    if not (case / "case.toml").exists():
        return golden_report(case)
    with contextlib.chdir(ROOT):  # sources are cited as the case names them
        if spec["kind"] == "consultation":
            from tracker.consult import track_files

            return track_files(spec["previous"], spec["draft"], spec["final"], spec.get("responses", []))
        from tracker import compare_files

        return compare_files(spec["old"], spec["new"])


def rendered(case: Path, name: str) -> bytes:
    fmt = expected_files(case)[name]
    report = _report(case)
    if _spec(case)["kind"] == "consultation":
        from tracker.render.consultation import render_consultation

        return normalise(name, render_consultation(report, fmt))
    return normalise(name, render(report, fmt))


CASES = [pytest.param(case, name, id=f"{case.name}-{name}") for case in cases() for name in expected_files(case)]


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.mark.parametrize(("case", "name"), CASES)
def test_render_golden_matches(case: Path, name: str) -> None:
    check_golden(case / name, rendered(case, name), GOLDEN.parent)


def test_render_golden_cases_exist() -> None:
    names = {c.name for c in cases()}
    assert {"assessment-chapter", "sample", "consultation"} <= names, names


def test_render_golden_sample_case_is_the_sample_corpus() -> None:
    spec = _spec(GOLDEN / "sample")
    assert (spec["old"], spec["new"]) == ("corpora/sample/v1.md", "corpora/sample/v2.md")
    assert (ROOT / spec["old"]).exists() and (ROOT / spec["new"]).exists()


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_render_golden_is_deterministic(render_report, fmt: str) -> None:
    assert render(render_report, fmt) == render(render_report, fmt)


def test_render_golden_consultation_is_deterministic() -> None:
    case = GOLDEN / "consultation"
    assert rendered(case, "consultation.md") == rendered(case, "consultation.md")
