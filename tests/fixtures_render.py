"""Fixtures for the render tests (a pytest plugin loaded by conftest.py).

- ``golden_report(case_dir)``: compare a golden case's old.* and new.* (cached per case).
- ``render_report``: the fixed comparison of tests/golden/assessment-chapter.
- ``sample_report``: the sample corpus (corpora/sample/v1.md, v2.md), or the golden
  case while the corpus is missing.
- ``hostile_report``: a hand-built Report whose every text field is an attack:
  ``<script>``, ``onerror=``, ``</script>`` inside JSON, Markdown links, spreadsheet
  formulas, XML control characters, HTTP headers. No tagger involved, so it never drifts.
- ``chromium`` / ``soffice``: the path of Debian's chromium / LibreOffice, installed
  once by scripts/install-*.sh when missing; the test is skipped only if that fails.
"""

from __future__ import annotations

import os

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

from tracker.models import (
    Action,
    Change,
    Impact,
    PackInfo,
    Report,
    Summary,
    Tag,
    ToolInfo,
    Unit,
    VersionInfo,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE = ROOT / "corpora" / "sample"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# The attacks a fetched page could carry into a report.
XSS_SCRIPT = "<script>window.__pwned = 1; alert(1)</script>"
XSS_IMG = '<img src=x onerror="window.__pwned = 2; alert(2)">'
XSS_CLOSE = "</script><script>window.__pwned = 3</script><!--"
XSS_ATTR = '" autofocus onfocus="window.__pwned = 4" x="'
# HTTP metadata as a hostile server could send it (kept with the version, cited in reports).
HOSTILE_HTTP = {
    "status": "200",
    "etag": f'"{XSS_SCRIPT}"',
    "last-modified": XSS_IMG,
    "content-type": f"text/html {XSS_CLOSE}",
    "final-url": "javascript:alert(7)",
}


def golden_cases() -> list[Path]:
    """Every folder of tests/golden with an old.* and a new.* file."""
    return sorted(d for d in GOLDEN.iterdir() if d.is_dir() and list(d.glob("old.*")) and list(d.glob("new.*")))


@lru_cache(maxsize=None)
def golden_report(case: Path) -> Report:
    """Compare a golden case: Markdown/text through compare_texts, other formats as files."""
    from tracker import compare_files, compare_texts

    old, new = next(case.glob("old.*")), next(case.glob("new.*"))
    if old.suffix in (".md", ".txt") and new.suffix in (".md", ".txt"):
        return compare_texts(old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8"), old_label=old.name, new_label=new.name)
    return compare_files(old, new)


@pytest.fixture(scope="session")
def render_report() -> Report:
    return golden_report(GOLDEN / "assessment-chapter")


@pytest.fixture(scope="session")
def sample_report() -> Report:
    if (SAMPLE / "v1.md").exists() and (SAMPLE / "v2.md").exists():
        from tracker import compare_files

        return compare_files(SAMPLE / "v1.md", SAMPLE / "v2.md")
    return golden_report(GOLDEN / "assessment-chapter")


def _unit(text: str, number: str | None, index: int, path: tuple[str, ...]) -> Unit:
    return Unit(kind="paragraph", text=text, norm=text.lower(), path=path, number=number, index=index)


def make_hostile_report() -> Report:
    chapter = f"Chapter 1: {XSS_SCRIPT}"
    section = f"Part {XSS_IMG}"
    old_text = f"The manager must review {XSS_SCRIPT} the plan within one day. {XSS_CLOSE} *not bold* [link](javascript:alert(5))"
    new_text = f"=HYPERLINK(\"http://evil.example\") The colleague should review {XSS_IMG} the plan within three days. {XSS_CLOSE} *not bold* [link](javascript:alert(5))\x07"
    old = _unit(old_text, "1", 0, (chapter, section))
    new = _unit(new_text, "1", 0, (chapter, section))
    diff = (
        ("insert", "=HYPERLINK(\"http://evil.example\") "),
        ("equal", "The "),
        ("delete", "manager must"),
        ("insert", "colleague should"),
        ("equal", " review "),
        ("delete", XSS_SCRIPT),
        ("insert", XSS_IMG),
        ("equal", " the plan within "),
        ("delete", "one day"),
        ("insert", "three days"),
        ("equal", f". {XSS_CLOSE} *not bold* [link](javascript:alert(5))"),
        ("insert", "\x07"),
    )
    tags = (
        Tag(type="ROLE_REPLACED", from_role="manager", to_role=f"colleague{XSS_ATTR}", from_class="oversight", to_class="peer",
            direction="down", old_span="manager", new_span="colleague", rule=f"roles/{XSS_SCRIPT}"),
        Tag(type="OBLIGATION_WEAKENED", from_modal="must", to_modal="should", old_span="must", new_span="should", rule="modals/must->should"),
        Tag(type="TIMESCALE_CHANGED", from_="one day", to=f"three days {XSS_IMG}", old_span="one day", new_span="three days", rule="timescales/x"),
    )
    impact = Impact(
        severity="high", summary=f"Responsibility moves down {XSS_SCRIPT}.", rationale=f"Because {XSS_IMG}",
        affected_roles=("manager",), actions=(Action("procedures", f"=cmd|' /C calc'!A0 {XSS_CLOSE}"), Action("training", f"@SUM(1+1) {XSS_ATTR}")),
        rules=(f"rule-{XSS_CLOSE}",),
    )
    c1 = Change(id="c0001", kind="modified", old=old, new=new, text_changed=True, similarity=0.7, diff=diff, tags=tags, impact=impact)
    added = _unit(f"-1 Practitioners must {XSS_SCRIPT} tell the {XSS_IMG} school.", "2", 1, (chapter, section))
    c2 = Change(id="c0002", kind="added", old=None, new=added, text_changed=True, similarity=0.0, diff=(("insert", added.text),),
                tags=(Tag(type="DUTY_ADDED", actor="practitioner", modal="must", old_span=None, new_span="must", rule="duty/must"),),
                impact=Impact(severity="medium", summary="A new duty.", actions=(Action("training", "+Tell staff"),), rules=("duty-added",)))
    ed_old = _unit(f"Editorial {XSS_CLOSE} text, here.", "3", 2, (f"Annex {XSS_IMG}",))
    ed_new = _unit(f"Editorial {XSS_CLOSE} text here.", "3", 2, (f"Annex {XSS_IMG}",))
    c3 = Change(id="c0003", kind="modified", old=ed_old, new=ed_new, text_changed=True, similarity=0.98,
                diff=(("equal", f"Editorial {XSS_CLOSE} text"), ("delete", ","), ("equal", " here.")),
                tags=(Tag(type="EDITORIAL", rule="editorial/no-accountability-change"),),
                impact=Impact(severity="none", summary="Editorial change only."))
    changes = (c1, c2, c3)
    summary = Summary(
        units_old=3, units_new=3, unchanged=0, changes=3,
        by_kind={"added": 1, "deleted": 0, "modified": 2, "moved": 0},
        by_tag={"ROLE_REPLACED": 1, "OBLIGATION_WEAKENED": 1, "TIMESCALE_CHANGED": 1, "DUTY_ADDED": 1, "EDITORIAL": 1},
        by_severity={"high": 1, "medium": 1, "low": 0, "none": 1},
        role_mentions={"manager": {"old": 1, "new": 0}, f"colleague{XSS_ATTR}": {"old": 0, "new": 1}},
        substitutions=({"type": "WORDING", "from": XSS_SCRIPT, "to": XSS_IMG, "count": 2},),
        top_shifts=("c0001", "c0002"),
        tagging=f"Tagged with {XSS_SCRIPT}.",
    )
    return Report(
        old=VersionInfo(label=f"old {XSS_SCRIPT}", sha256="a" * 64, source="javascript:alert(6)", retrieved_at=XSS_IMG, title=f"Guidance {XSS_CLOSE}",
                        http=HOSTILE_HTTP),
        new=VersionInfo(label=f"new {XSS_IMG}", sha256="b" * 64, source=f"https://example.org/{XSS_ATTR}", retrieved_at="2024-01-01T00:00:00Z",
                        title=f"Guidance {XSS_CLOSE}", http={"status": f"200 {XSS_IMG}", f"x-{XSS_ATTR}|": "*not bold* [x](javascript:alert(8))"}),
        summary=summary, changes=changes,
        tool=ToolInfo(name="guidance-tracker", version="0.0.0", model=f"rules-only {XSS_SCRIPT}"),
        pack=PackInfo(name=f"no-such-pack {XSS_IMG}", version="1", sha256="c" * 64),
    )


@pytest.fixture(scope="session")
def hostile_report() -> Report:
    return make_hostile_report()


def _ensure(binary: str | None, script: str, what: str) -> str:
    if binary:
        return binary
    res = subprocess.run(["bash", str(ROOT / "scripts" / script)], capture_output=True, text=True, timeout=1200)
    if res.returncode != 0:
        pytest.skip(f"{what} is not installed and scripts/{script} could not install it: {res.stderr.strip()[-300:]}")
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, for Playwright's executable_path (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        _ensure(None, "install-browser.sh", CHROMIUM)
        if not Path(CHROMIUM).exists():
            pytest.skip(f"{CHROMIUM} is still missing after scripts/install-browser.sh")
    return CHROMIUM


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice's soffice, for the DOCX -> PDF check."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        _ensure(None, "install-libreoffice.sh", "LibreOffice")
        found = shutil.which("soffice") or shutil.which("libreoffice")
        if not found:
            pytest.skip("soffice is still missing after scripts/install-libreoffice.sh")
    return found


UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(expected: Path, got: bytes, root: Path) -> None:
    """Compare ``got`` with the golden file ``expected`` (``UPDATE_GOLDEN=1`` rewrites it;
    a missing one is written and the test fails, so that it is reviewed first)."""
    import difflib

    if UPDATE_GOLDEN or not expected.exists():
        expected.write_bytes(got)
        if not UPDATE_GOLDEN:
            pytest.fail(f"{expected} did not exist and was written: review it, then run the tests again")
        return
    want = expected.read_bytes()
    if got != want:
        # Show a readable diff rather than two long byte strings.
        diff = "\n".join(difflib.unified_diff(want.decode("utf-8-sig").splitlines(), got.decode("utf-8-sig").splitlines(),
                                              "expected", "got", lineterm="", n=2))
        pytest.fail(f"{expected.relative_to(root)} differs (UPDATE_GOLDEN=1 rewrites it):\n{diff[:6000]}")


@pytest.fixture(scope="module")
def browser(chromium):
    """A headless chromium (Debian's, driven by Playwright), one per test module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()

