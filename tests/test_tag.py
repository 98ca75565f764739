"""Accountability tagging: the shared scorer, our own hard cases, and behaviours."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import compare_texts
from tracker.evaluate import score_file

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def tags_of(old: str, new: str, **kw):
    return [t for c in compare_texts(old, new, **kw).changes for t in c.tags]


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="../shared/eval is not beside this checkout")
def test_tag_shared_scorer_reaches_f1_095() -> None:
    out = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(SHARED / "eval" / "dev.jsonl"), "--min-f1", "0.95"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    last = out.stdout.strip().splitlines()[-1]
    assert out.returncode == 0, out.stdout + out.stderr
    assert float(last.split()[1]) >= 0.95, last


@pytest.mark.parametrize("pairs", sorted((ROOT / "tests" / "eval").glob("*.jsonl")), ids=lambda p: p.name)
def test_tag_own_labelled_pairs(pairs: Path) -> None:
    res = score_file(pairs)
    assert res["f1"] >= 0.95, res["misses"]


def test_tag_rules_only_mode_says_so_and_still_tags(monkeypatch) -> None:
    r = compare_texts("The social worker and their manager should agree a plan.", "The social worker should agree a plan.", model="rules-only")
    assert r.tool.model == "rules-only"
    assert "rules only" in r.summary.tagging
    assert [t.key for c in r.changes for t in c.tags] == [("ROLE_REMOVED", "manager")]


def test_tag_model_is_reported() -> None:
    r = compare_texts("Staff must report.", "Staff should report.")
    assert r.tool.model.startswith("en_core_web_sm 3.8") or r.tool.model == "rules-only"


def test_tag_spans_and_rule_are_evidence() -> None:
    (t,) = [t for t in tags_of("Any decision must be authorised by the team manager.", "Any decision must be recorded.") if t.type == "ROLE_REMOVED"]
    assert t.old_span == "team manager" and t.new_span is None and t.rule
    assert "team manager" in t.old_sentence


def test_tag_replaced_direction() -> None:
    (t,) = tags_of("Staff should discuss concerns with a manager.", "Staff should discuss concerns with colleagues.")
    assert (t.type, t.from_role, t.to_role, t.direction, t.from_class, t.to_class) == ("ROLE_REPLACED", "manager", "colleague", "down", "oversight", "peer")
    (u,) = tags_of("Staff should discuss concerns with colleagues.", "Staff should discuss concerns with a manager.")
    assert u.direction == "up"
    (v,) = tags_of("Concerns should be reported to the police.", "Concerns should be reported to the school.")
    assert v.direction == "lateral"


def test_tag_pronoun_rewording_is_editorial() -> None:
    assert [t.type for t in tags_of("The social worker should visit. The social worker should record it.", "The social worker should visit. They should record it.")] == ["EDITORIAL"]


def test_tag_may_the_month_is_not_a_modal() -> None:
    assert [t.type for t in tags_of("In May each year the partners must publish a report.", "In June each year the partners must publish a report.")] == ["EDITORIAL"]


def test_tag_timescale_from_and_to() -> None:
    (t,) = tags_of("The social worker should see the child within 24 hours.", "The social worker should see the child within five working days.")
    assert t.type == "TIMESCALE_CHANGED" and t.from_ == "within 24 hours" and t.to == "within five working days"
    (r,) = tags_of("The plan should be reviewed within three months.", "The plan should be reviewed.")
    assert r.from_ == "within three months" and r.to is None


def test_tag_added_and_deleted_units_carry_duties_only() -> None:
    old = "Chapter 2: Supervision\n\nSupervision should be regular.\n\nManagers must audit case files and sign off plans within ten days."
    new = "Chapter 2: Supervision\n\nSupervision should be regular."
    r = compare_texts(old, new)
    (c,) = r.changes
    assert c.kind == "deleted" and [t.type for t in c.tags] == ["DUTY_REMOVED"] and c.tags[0].actor == "manager"


def test_tag_editorial_only_change_is_not_accountability() -> None:
    r = compare_texts("Judgements should be made by the social worker.", "Judgments should be made by the social worker.")
    (c,) = r.changes
    assert [t.type for t in c.tags] == ["EDITORIAL"] and not c.accountability and c.impact.severity == "none"
