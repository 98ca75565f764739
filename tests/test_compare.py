"""compare_texts / compare_files end to end: schema, summary, impacts."""

import json
from pathlib import Path

import jsonschema
import pytest

from tracker import compare_texts
from tracker.models import TAG_TYPES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "spec" / "report.schema.json"

OLD = """Chapter 1: Assessment

1. The social worker and their manager should agree a plan of action with other professionals.

2. The local authority must complete the assessment within 45 working days.

3. Judgements should be made on each individual case.

Chapter 2: Supervision

4. Any professional should always have access to a manager to talk through their concerns.

5. Case decisions must be signed off by the team manager.
"""
NEW = """Chapter 1: Assessment

1. The social worker should agree a plan of action with other practitioners.

2. The local authority should complete the assessment within 60 working days.

3. Judgments should be made on each individual case.

4. The lead member must be told of every serious incident.

Chapter 2: Supervision

5. Practitioners should always have access to colleagues to talk through their concerns.
"""


@pytest.fixture(scope="module")
def report():
    return compare_texts(OLD, NEW)


@pytest.mark.skipif(not SCHEMA.exists(), reason="../shared/spec is not beside this checkout")
def test_compare_report_matches_schema(report) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(report.to_dict())
    json.dumps(report.to_dict())  # serialisable


def test_compare_summary_counts(report) -> None:
    s = report.summary
    assert s.units_old == 7 and s.units_new == 7
    assert s.changes == len(report.changes)
    assert s.unchanged + sum(1 for c in report.changes if c.old is not None) == s.units_old
    assert s.role_mentions["manager"]["old"] == 3 and s.role_mentions["manager"]["new"] == 0
    assert sum(s.by_kind.values()) == s.changes
    assert set(s.by_tag) <= set(TAG_TYPES)


def test_compare_every_accountability_change_has_an_impact(report) -> None:
    for c in report.changes:
        if c.accountability:
            assert c.impact.severity in ("high", "medium", "low") and c.impact.actions, c.id
        elif c.tags and all(t.type == "EDITORIAL" for t in c.tags):
            assert c.impact.severity == "none"


def test_compare_manager_removed_is_high_and_names_actions(report) -> None:
    c = next(c for c in report.changes if any(t.type == "ROLE_REMOVED" and t.role == "manager" for t in c.tags))
    assert c.impact.severity == "high"
    audiences = {a.audience for a in c.impact.actions}
    assert {"procedures", "supervision", "training"} <= audiences
    assert "manager" in c.impact.summary


def test_compare_substitutions_and_top_shifts(report) -> None:
    subs = {(s["type"], s["from"], s["to"]) for s in report.summary.substitutions}
    assert ("TERMINOLOGY", "professional", "practitioner") in subs
    assert report.summary.top_shifts and report.change(report.summary.top_shifts[0]).impact.severity == "high"


def test_compare_self_is_empty() -> None:
    r = compare_texts(OLD, OLD)
    assert r.changes == () and r.summary.unchanged == r.summary.units_old


def test_compare_diff_rebuilds_unit_texts(report) -> None:
    for c in report.changes:
        d = c.to_dict()
        old = "".join(t for op, t in d["diff"] if op != "insert")
        new = "".join(t for op, t in d["diff"] if op != "delete")
        if c.old is not None:
            assert old == c.old.text
        if c.new is not None:
            assert new == c.new.text


def test_compare_deleted_paragraph_with_sign_off(report) -> None:
    kinds = {(c.kind, tuple(t.type for t in c.tags)) for c in report.changes}
    assert ("added", ("DUTY_ADDED",)) in kinds


def test_compare_substitutions_count_each_swap_once() -> None:
    old = "1. Health professionals must report within one working day.\n\n2. Professionals must share records.\n\n3. The professional must visit."
    new = "1. Health practitioners should report within three working days.\n\n2. Practitioners should share records.\n\n3. The practitioner should visit."
    subs = {(s["type"], s["from"], s["to"]): s["count"] for s in compare_texts(old, new).summary.substitutions}
    assert subs[("TERMINOLOGY", "professional", "practitioner")] == 3
    assert subs[("OBLIGATION_WEAKENED", "must", "should")] == 3
    # the same swaps are not counted again as wording, in either number, nor the timescale's pieces
    assert not [k for k in subs if k[0] == "WORDING"], subs
