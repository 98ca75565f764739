"""Golden tests: the Markdown and CSV checklists of fixed ``procedures`` runs, byte for byte.

Every folder of tests/golden/procedures/ is a case, found by glob (a new case is a folder
and no code): ``case.toml`` names the inputs (paths from the repository root): ``old`` and
``new`` guidance and ``locals``, a list of local files and folders; the expected outputs
are ``procedures.md`` and ``procedures.csv`` beside it.

The checklists are made with the pinned spaCy model, as the other golden reports are; the
line naming the tool version and pipeline is normalised and ``SOURCE_DATE_EPOCH`` fixes
the date. Inputs are read from the repository root, so the checklist names them by
relative path.

To accept new output after a deliberate change, run

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -p no:cacheprovider tests/test_procedures_golden.py

and review the diff of tests/golden/procedures/ line by line before committing.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

import pytest
from fixtures_render import check_golden

from tracker.render.procedures import render_procedures

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "procedures"
EPOCH = "1700000000"  # 2023-11-14
EXPECTED = {"procedures.md": "md", "procedures.csv": "csv"}

_VOLATILE = [
    (re.compile(r"^Generated (\d{4}-\d{2}-\d{2}) by .*$", re.MULTILINE), r"Generated \1 by <tool and pipeline>."),
]


def normalise(name: str, data: bytes) -> bytes:
    """The Markdown's tool line (version, pipeline) replaced; the repository root, should
    a message name it, made relative. CSV holds neither."""
    text = data.decode("utf-8-sig" if name.endswith(".csv") else "utf-8")
    for pat, repl in _VOLATILE:
        text = pat.sub(repl, text)
    text = text.replace(str(ROOT) + os.sep, "")
    prefix = "\ufeff" if name.endswith(".csv") else ""
    return (prefix + text).encode("utf-8")


def cases() -> list[Path]:
    return sorted(d for d in GOLDEN.glob("*/") if (d / "case.toml").exists())


@lru_cache(maxsize=None)
def _report(case: Path):  # type: ignore[no-untyped-def]
    from tracker.procedures import check_paths

    spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    with contextlib.chdir(ROOT):
        return check_paths(spec["old"], spec["new"], spec["locals"])


CASES = [pytest.param(case, name, id=f"{case.name}-{name}") for case in cases() for name in EXPECTED]


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.mark.parametrize(("case", "name"), CASES)
def test_procedures_golden_matches(case: Path, name: str) -> None:
    check_golden(case / name, normalise(name, render_procedures(_report(case), EXPECTED[name])), GOLDEN.parent.parent)


def test_procedures_golden_cases_exist() -> None:
    assert {"fixtures-local", "unrelated-edit", "sample-guidance"} <= {c.name for c in cases()}
    for case in cases():
        for name in EXPECTED:
            assert (case / name).exists(), f"{case.name}/{name} missing: run with UPDATE_GOLDEN=1 and review it"


def test_procedures_golden_normalise_is_stable() -> None:
    """Only the volatile tool line changes: two renderings on different days and versions
    normalise to the same bytes."""
    md = b"# T\n\nGenerated 2023-11-14 by guidance-tracker 9.9 (en_core_web_sm 3.8.0).\n\nbody\n"
    other = md.replace(b"9.9", b"1.0").replace(b"en_core_web_sm 3.8.0", b"rules-only")
    assert normalise("procedures.md", md) == normalise("procedures.md", other)
    assert b"body" in normalise("procedures.md", md)
