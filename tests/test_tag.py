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


# --- review cases (see tests/eval/review_cases.jsonl for the labelled pairs) ---

MODES = [None, "rules-only"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
@pytest.mark.parametrize("aside", [
    "The social worker, together with the team manager, should decide whether to close the case.",
    "The social worker, with their manager, should decide whether to close the case.",
    "The social worker (with their manager) should decide whether to close the case.",
    "The social worker, in consultation with the team manager, should decide whether to close the case.",
])
def test_tag_co_actor_in_an_aside_is_removed(aside: str, model) -> None:
    keys = [t.key for t in tags_of(aside, "The social worker should decide whether to close the case.", model=model)]
    assert keys == [("ROLE_REMOVED", "manager")]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_polarity_reversal_is_duty_removed_and_added(model) -> None:
    r = compare_texts("Staff must share concerns with the designated safeguarding lead.", "Staff must not share concerns with the designated safeguarding lead.", model=model)
    (c,) = r.changes
    assert sorted(t.type for t in c.tags) == ["DUTY_ADDED", "DUTY_REMOVED"]
    assert {t.rule for t in c.tags} == {"polarity-reversed"} and {t.actor for t in c.tags} == {"staff"}
    assert c.impact.severity == "high" and c.impact.summary == 'The duty is reversed: "must share" becomes "must not share".'
    back = [t.type for t in tags_of("Schools should not contact parents.", "Schools should contact parents.", model=model)]
    assert sorted(back) == ["DUTY_ADDED", "DUTY_REMOVED"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_same_polarity_or_moved_not_is_no_reversal(model) -> None:
    assert [t.key for t in tags_of("Staff should not share the report.", "Staff must not share the report.", model=model)] == [("OBLIGATION_STRENGTHENED", "should", "must")]
    assert [t.type for t in tags_of("Staff must ensure that the child is not left alone.", "Staff must not leave the child alone.", model=model)] == ["EDITORIAL"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_duty_actor_carried_across_coordinated_verbs(model) -> None:
    old = "Intro.\n\nThe team manager must keep responsibility for the case, must review it every week, and must record what was done."
    (c,) = compare_texts(old, "Intro.", model=model).changes
    assert [(t.type, t.actor) for t in c.tags] == [("DUTY_REMOVED", "manager")] * 3
    assert c.impact.summary == 'Three duties of the manager ("must") are no longer in the guidance.'


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_will_in_a_wh_clause_is_not_a_duty(model) -> None:
    new = "Intro.\n\nThe safeguarding partners must publish their arrangements, including how they will hold one another to account."
    (c,) = compare_texts("Intro.", new, model=model).changes
    assert [(t.type, t.modal, t.rule) for t in c.tags] == [("DUTY_ADDED", "must", "duty/modal:must")]
    (d,) = compare_texts("Intro.", "Intro.\n\nThe local authority will provide a written plan.", model=model).changes
    assert [(t.type, t.actor) for t in d.tags] == [("DUTY_ADDED", "local_authority")]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_passive_subject_is_not_the_duty_holder(model) -> None:
    (c,) = compare_texts("Intro.\n\nThe team manager must be told within one working day.", "Intro.", model=model).changes
    assert [(t.type, t.actor) for t in c.tags] == [("DUTY_REMOVED", None)]
    (d,) = compare_texts("Intro.\n\nThe plan must be agreed by the team manager.", "Intro.", model=model).changes
    assert [(t.type, t.actor) for t in d.tags] == [("DUTY_REMOVED", "manager")]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_replaced_recipient_is_worded_as_another_party(model) -> None:
    (c,) = compare_texts("The social worker should tell the manager about the referral.", "The social worker should tell the police about the referral.", model=model).changes
    assert [t.key for t in c.tags] == [("ROLE_REPLACED", "manager", "police")] and c.tags[0].rule == "roles/replaced-other-party"
    assert "duty moves" not in c.impact.summary and "who carries the duty is unchanged" in c.impact.summary
    (d,) = compare_texts("The manager should tell the family.", "The police should tell the family.", model=model).changes
    assert d.impact.summary == "The duty moves from the manager to the police."


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_overlapping_role_in_place_is_replaced(model) -> None:
    (t,) = tags_of("The designated safeguarding lead should attend.", "A deputy designated safeguarding lead should attend.", model=model)
    assert (t.type, t.from_role, t.to_role, t.direction) == ("ROLE_REPLACED", "designated_safeguarding_lead", "deputy_designated_safeguarding_lead", "down")
    (u,) = tags_of("Every trust should have a named nurse for safeguarding children.", "Every trust should have a named doctor for safeguarding children.", model=model)
    # "named nurse" is the spec's `nurse` (tags.md has no named-nurse id); a named doctor is the pack's own id
    assert (u.type, u.from_role, u.to_role) == ("ROLE_REPLACED", "nurse", "named_doctor")


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_equal_durations_are_editorial(model) -> None:
    assert [t.type for t in tags_of("The social worker should visit within 24 hours.", "The social worker should visit within one day.", model=model)] == ["EDITORIAL"]
    assert [t.type for t in tags_of("The school should reply within one week.", "The school should reply within 7 days.", model=model)] == ["EDITORIAL"]
    # a working day is not a calendar day
    assert [t.type for t in tags_of("The manager must decide within one working day.", "The manager must decide within 24 hours.", model=model)] == ["TIMESCALE_CHANGED"]


def test_tag_quoted_spans_are_lower_cased_mid_sentence() -> None:
    r = compare_texts("Timescales:\n\n- Within one working day the manager must decide.", "Timescales:\n\n- Within three working days the manager must decide.")
    (c,) = r.changes
    assert "from within one working day to within three working days" in c.impact.summary


def test_tag_unknown_model_is_bad_input() -> None:
    from tracker.errors import BadInput

    with pytest.raises(BadInput) as e:
        compare_texts("Staff must report.", "Staff should report.", model="nosuchmodel")
    assert "nosuchmodel" in str(e.value) and "rules-only" in str(e.value)


def test_tag_unknown_model_cli_exits_2_in_one_line(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Staff must report.\n")
    b.write_text("Staff should report.\n")
    out = subprocess.run([sys.executable, "-m", "tracker", "compare", str(a), str(b), "--model", "nosuchmodel"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "nosuchmodel" in out.stderr and "Traceback" not in out.stderr


def _paragraph(size: int) -> str:
    unit = "the social worker must visit the child within one working day and the manager should review it "
    return unit * (size // len(unit) + 1)


def test_tag_huge_paragraph_is_split_before_the_parser() -> None:
    from tracker.nlp import MAX_SENTENCE_CHARS, split_sentences

    big = _paragraph(1_500_000)
    (sents,) = split_sentences([big])
    assert len(sents) > 1 and max(len(t) for _, t in sents) <= MAX_SENTENCE_CHARS
    assert all(big[o:o + len(t)] == t for o, t in sents)
    assert " ".join(t for _, t in sents).split() == big.split()  # nothing lost or cut mid-word


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_overlong_sentence_never_reaches_the_parser_whole(model) -> None:
    from tracker.nlp import analyse_sentences, load_pipeline
    from tracker.packs import load_pack

    (s,) = analyse_sentences(load_pipeline(load_pack(None), model), [_paragraph(1_500_000)])
    assert s.of("modal")  # analysed (its first piece), not an E088 error


def test_tag_huge_added_paragraph_compares_rules_only() -> None:
    r = compare_texts("Intro.", "Intro.\n\n" + _paragraph(1_500_000), model="rules-only")
    (c,) = r.changes
    assert c.kind == "added" and {t.type for t in c.tags} == {"DUTY_ADDED"}
    assert c.impact.severity == "medium" and "new duties of the social worker" in c.impact.summary


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_role_inside_a_quoted_title_is_not_an_actor(model) -> None:
    old = 'Staff should read the advice "What to do if you\'re worried a child is being abused: advice for practitioners" alongside Part one.'
    new = 'Staff should read the advice "What to do if you\'re worried a child is being abused" alongside Part one.'
    assert [t.type for t in tags_of(old, new, model=model)] == ["EDITORIAL"]
    curly = old.replace('"', "“", 1).replace('" ', "” ", 1)
    assert [t.type for t in tags_of(curly, new, model=model)] == ["EDITORIAL"]
    # a quoted term on its own is the role word being defined or renamed: still terminology
    got = tags_of('In this guidance, "professionals" means anyone who works with children.',
                  'In this guidance, "practitioners" means anyone who works with children.', model=model)
    assert [t.type for t in got] == ["TERMINOLOGY"]
