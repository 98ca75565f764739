"""Golden tests: the Markdown and CSV reports of fixed comparisons, byte for byte.

Each folder of tests/golden/ holds ``old.*`` and ``new.*`` (a new case is two files and
no code) and the expected ``report.md`` and ``report.csv``.

To accept new output after a deliberate change to rendering, tagging or the pack, run

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_golden.py

and review the diff of tests/golden/ by eye before committing: it must read well.
"""

from __future__ import annotations

import os
import re

import pytest
from fixtures_render import golden_cases, golden_report

from tracker.render import render

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
FORMATS = {"md": "report.md", "csv": "report.csv"}

# Lines that name the tool version, the spaCy pipeline or the pack hash move with every
# release or model install; they are replaced before comparing.
_VOLATILE = [
    (re.compile(r"^Compared by .*$", re.MULTILINE), "Compared by <tool, pipeline and pack>."),
    (re.compile(r"^Tagged with .*$", re.MULTILINE), "Tagged with <pipeline and pack>."),
]


def normalise(fmt: str, data: bytes) -> bytes:
    if fmt != "md":
        return data
    text = data.decode("utf-8")
    for pat, repl in _VOLATILE:
        text = pat.sub(repl, text)
    return text.encode("utf-8")


CASES = [pytest.param(case, fmt, id=f"{case.name}-{fmt}") for case in golden_cases() for fmt in FORMATS]


@pytest.mark.parametrize(("case", "fmt"), CASES)
def test_render_golden_matches(case, fmt):
    got = normalise(fmt, render(golden_report(case), fmt))
    expected = case / FORMATS[fmt]
    if UPDATE or not expected.exists():
        expected.write_bytes(got)
        if not UPDATE:
            pytest.fail(f"{expected} did not exist and was written: review it, then run the tests again")
        return
    want = expected.read_bytes()
    if got != want:
        # Show a readable diff rather than two long byte strings.
        import difflib

        diff = "\n".join(difflib.unified_diff(want.decode("utf-8-sig").splitlines(), got.decode("utf-8-sig").splitlines(), "expected", "got", lineterm="", n=2))
        pytest.fail(f"{expected.relative_to(case.parent.parent)} differs (UPDATE_GOLDEN=1 rewrites it):\n{diff[:6000]}")


def test_render_golden_cases_exist():
    assert golden_cases(), "tests/golden/ has no case with old.* and new.*"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_render_golden_is_deterministic(render_report, fmt):
    assert render(render_report, fmt) == render(render_report, fmt)
