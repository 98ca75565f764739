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


# --- blind cases 2 (see tests/eval/blind_cases_2.jsonl); each in other wording ---


def test_tag_single_quotes_tell_quotation_from_apostrophe() -> None:
    from tracker.nlp.analyse import single_quoted_ranges

    assert single_quoted_ranges("the children's social worker") == []
    assert single_quoted_ranges("parents' views should be sought") == []
    assert single_quoted_ranges("the children’s social worker and carers’ views") == []
    text = "see 'Information sharing: advice for practitioners' (2018)."
    ((a, b),) = single_quoted_ranges(text)
    assert text[a:b + 1] == "'Information sharing: advice for practitioners'"
    (c,) = single_quoted_ranges("read ‘Working together’ and carers’ guidance")
    assert c == (5, 22)


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_role_in_a_single_quoted_title_is_not_an_actor(model) -> None:
    old = "Schools should follow 'Safeguarding guidance for designated safeguarding leads and headteachers' when they review policy."
    new = "Schools should follow the department's safeguarding guidance when they review policy."
    assert [t.type for t in tags_of(old, new, model=model)] == ["EDITORIAL"]
    # apostrophes are not quotes: possessive and plural possessive roles still count
    got = tags_of("The children's social worker must visit the family.", "The children's social worker should visit the family.", model=model)
    assert [(t.type, t.from_modal, t.to_modal) for t in got] == [("OBLIGATION_WEAKENED", "must", "should")]
    got = tags_of("Parents' views should be recorded by the social worker.", "Parents' views should be recorded by the team manager.", model=model)
    assert [(t.type, t.from_role, t.to_role) for t in got] == [("ROLE_REPLACED", "social_worker", "manager")]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_roles_named_as_examples_are_not_parties(model) -> None:
    pairs = [
        ("Concerns may come from any adult who knows the family (for instance, a GP).",
         "Concerns may come from any adult who knows the family (for instance, a teacher)."),
        ("Anyone who sees an injury, such as a nurse, should record it.",
         "Anyone who sees an injury, such as a social worker, should record it."),
        ("A key worker (e.g. a health visitor, a nurse or a teacher) should be named for the family.",
         "A key worker (e.g. a family support worker or a social worker) should be named for the family."),
        ("Any agency, including the police, may make a referral.", "Any agency, including schools, may make a referral."),
    ]
    for old, new in pairs:
        assert [t.type for t in tags_of(old, new, model=model)] == ["EDITORIAL"], old
    # the group the examples illustrate is still the actor
    got = tags_of("Staff, such as teachers, should report concerns.", "Managers, such as teachers, should report concerns.", model=model)
    assert [(t.type, t.from_role, t.to_role) for t in got] == [("ROLE_REPLACED", "staff", "manager")]
    # a role after the example list has ended is an actor again
    got = tags_of("In settings such as schools, the designated safeguarding lead should act.", "In settings such as schools, the headteacher should act.", model=model)
    assert [t.type for t in got] == ["ROLE_REPLACED"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_equal_frequencies_are_editorial(model) -> None:
    same = [
        ("every three months", "quarterly"), ("at least once a year", "at least every twelve months"),
        ("every two weeks", "fortnightly"), ("each week", "weekly"), ("termly", "once a term"),
        ("every six months", "six-monthly"), ("every day", "daily"),
    ]
    for a, b in same:
        got = tags_of(f"The plan should be reviewed {a} by the team.", f"The plan should be reviewed {b} by the team.", model=model)
        assert [t.type for t in got] == ["EDITORIAL"], (a, b)
    for a, b in [("weekly", "every two weeks"), ("termly", "every three months"), ("annually", "every six months")]:
        got = tags_of(f"The plan should be reviewed {a} by the team.", f"The plan should be reviewed {b} by the team.", model=model)
        assert [t.type for t in got] == ["TIMESCALE_CHANGED"], (a, b)


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_deadline_wordings_with_the_same_period_are_editorial(model) -> None:
    same = [
        ("not later than 45 working days from the referral", "within 45 working days of the referral"),
        ("no more than ten days after the meeting", "within 10 days of the meeting"),
        ("by the end of the next working day", "no later than the end of the next working day"),
        ("up to three months after the decision", "within three months of the decision"),
    ]
    for a, b in same:
        got = tags_of(f"The assessment must be completed {a}.", f"The assessment must be completed {b}.", model=model)
        assert [t.type for t in got] == ["EDITORIAL"], (a, b)
    got = tags_of("The assessment must be completed no later than 10 working days after the visit.", "The assessment must be completed within 15 working days of the visit.", model=model)
    assert [t.type for t in got] == ["TIMESCALE_CHANGED"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_vague_promptness_is_one_value(model) -> None:
    for a, b in [("promptly", "without undue delay"), ("as soon as possible", "at the earliest opportunity"), ("immediately", "as soon as practicable")]:
        got = tags_of(f"The school should tell the parents {a}.", f"The school should tell the parents {b}.", model=model)
        assert [t.type for t in got] == ["EDITORIAL"], (a, b)
    (t,) = tags_of("The school should tell the parents as soon as possible.", "The school should tell the parents within two working days.", model=model)
    assert t.type == "TIMESCALE_CHANGED" and t.from_ == "as soon as possible" and t.to == "within two working days"


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_inspector_will_is_a_duty(model) -> None:
    got = tags_of("Ofsted inspectors will speak to children during the visit.", "Ofsted inspectors may speak to children during the visit.", model=model)
    assert [(t.type, t.from_modal, t.to_modal) for t in got] == [("OBLIGATION_WEAKENED", "must", "may")]
    got = tags_of("The lead inspector will review case files.", "The lead inspector should review case files.", model=model)
    assert [(t.type, t.from_modal, t.to_modal) for t in got] == [("OBLIGATION_WEAKENED", "must", "should")]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_one_oversight_mechanism_for_another_is_removed_and_added(model) -> None:
    got = tags_of("Case files should be checked in supervision.", "Case files should be checked through quality assurance.", model=model)
    assert sorted((t.type, t.mechanism) for t in got) == [("OVERSIGHT_ADDED", "quality assurance"), ("OVERSIGHT_REMOVED", "supervision")]
    # the same mechanism reworded is no change
    got = tags_of("Closure decisions must be signed off by the team.", "Closure decisions must have sign-off from the team.", model=model)
    assert not [t for t in got if t.type.startswith("OVERSIGHT")]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_list_of_duty_holders_split_or_merged_compares_each_role(model) -> None:
    got = tags_of("The school and the health visitor should share the plan.", "The school should share the plan and the health visitor may share it too.", model=model)
    assert [(t.type, t.from_modal, t.to_modal, t.actor) for t in got if t.type.startswith("OBLIGATION")] == [("OBLIGATION_WEAKENED", "should", "may", "health_visitor")]
    got = tags_of("The nurse must attend the meeting and the GP should attend it.", "The nurse and the GP must attend the meeting.", model=model)
    assert [(t.type, t.from_modal, t.to_modal) for t in got if t.type.startswith("OBLIGATION")] == [("OBLIGATION_STRENGTHENED", "should", "must")]
    # a further duty of the same holder is not a change of strength
    got = tags_of("The social worker must visit the child.", "The social worker must visit the child and should record the visit.", model=model)
    assert not [t for t in got if t.type.startswith("OBLIGATION")]


# --- abbreviations in brackets; sentences added to or deleted from a changed unit ---

@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_bracketed_abbreviation_names_the_same_party(model) -> None:
    old = ("The local authority must appoint an independent reviewing officer for every looked-after child. "
           "The plan should be reviewed by the independent reviewing officer at each review.")
    new = ("The local authority must appoint an independent reviewing officer (IRO) for every looked-after child. "
           "The plan should be reviewed by the IRO at each review.")
    assert [t.key for t in tags_of(old, new, model=model) if t.type != "EDITORIAL"] == []


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_bracketed_abbreviation_of_an_agency_is_not_a_second_party(model) -> None:
    old = "The clinical commissioning group must fund the named nurse post."
    new = "The clinical commissioning group (CCG) must fund the named nurse post."
    assert [t.key for t in tags_of(old, new, model=model) if t.type != "EDITORIAL"] == []


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_abbreviation_does_not_hide_a_role_really_added(model) -> None:
    old = "The team manager should review the plan every month."
    new = "The team manager (TM) and the independent reviewing officer should review the plan every month."
    keys = [t.key for t in tags_of(old, new, model=model)]
    assert keys == [("ROLE_ADDED", "independent_reviewing_officer")]


def test_tag_alias_span_takes_in_the_bracket() -> None:
    (t,) = [t for t in tags_of("The nurse should attend.", "The nurse and the health visitor (HV) should attend.") if t.type == "ROLE_ADDED"]
    assert t.role == "health_visitor" and t.new_span == "health visitor (HV)"


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_sentence_added_with_a_new_duty_holder_adds_the_role(model) -> None:
    old = "The health visitor should offer a home visit. The visit should take place at home."
    new = old + " The team manager must review every missed visit."
    keys = {t.key for t in tags_of(old, new, model=model)}
    assert keys == {("DUTY_ADDED",), ("ROLE_ADDED", "manager")}
    (t,) = [t for t in tags_of(old, new, model=model) if t.type == "ROLE_ADDED"]
    assert t.new_span == "team manager" and t.old_sentence is None and "missed visit" in t.new_sentence


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_sentence_deleted_with_its_only_duty_holder_removes_the_role(model) -> None:
    old = "The social worker should visit the family. The principal social worker must check a sample of case files."
    new = "The social worker should visit the family."
    keys = {t.key for t in tags_of(old, new, model=model)}
    assert keys == {("DUTY_REMOVED",), ("ROLE_REMOVED", "principal_social_worker")}


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_sentence_deleted_whose_holder_stays_named_removes_no_role(model) -> None:
    # the teacher still acts in the unchanged sentence; the DSL was only the one told
    old = "The teacher should write down the concern. The teacher must also pass it to the designated safeguarding lead."
    new = "The teacher should write down the concern."
    keys = {t.key for t in tags_of(old, new, model=model)}
    assert keys == {("DUTY_REMOVED",)}


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_minimum_period_changes_are_timescales(model) -> None:
    old = "Families must be allowed at least 28 days to respond to the assessment."
    tag = lambda new: {t.key for t in tags_of(old, new, model=model)}
    assert ("TIMESCALE_CHANGED",) in tag("Families must be allowed at least 21 days to respond to the assessment.")
    assert ("TIMESCALE_CHANGED",) in tag("Families must be allowed a minimum of 14 days to respond to the assessment.")
    # the same minimum in other words, and a minimum is not a deadline
    assert tag("Families must be allowed not less than 4 weeks to respond to the assessment.") <= {("EDITORIAL",)}
    assert ("TIMESCALE_CHANGED",) in tag("Families must be allowed within 28 days to respond to the assessment.")


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_list_item_reads_its_lead_in_duty(model) -> None:
    head = "Section 5: Induction\n\n5.1 The headteacher must make sure that new staff:\n- read the child protection policy\n- know who the safeguarding lead is\n"
    tail = "\n5.2 Induction records may be kept electronically."
    added = compare_texts(head + tail, head + "- complete online safety training\n" + tail, model=model)
    (c,) = added.changes
    assert c.kind == "added" and [(t.type, t.modal) for t in c.tags] == [("DUTY_ADDED", "must")]
    deleted = compare_texts(head + tail, head.replace("- know who the safeguarding lead is\n", "") + tail, model=model)
    (c,) = deleted.changes
    assert c.kind == "deleted" and [(t.type, t.modal) for t in c.tags] == [("DUTY_REMOVED", "must")]
    # a lead-in that states no duty gives its items none
    plain = "Section 5: Induction\n\n5.1 Induction usually covers:\n- the child protection policy\n" + tail
    more = plain.replace("policy\n", "policy\n- the behaviour policy\n")
    assert [t.type for c in compare_texts(plain, more, model=model).changes for t in c.tags] == []


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_split_or_merge_repeating_the_actor_adds_no_role(model) -> None:
    one = ("Chapter 2: Visits\n\n20. The social worker must visit the child at home and must see the child alone.\n\n"
           "21. Visits may be unannounced where this is safer for the child.")
    two = ("Chapter 2: Visits\n\n20. The social worker must visit the child at home.\n\n21. The social worker must see the child alone.\n\n"
           "22. Visits may be unannounced where this is safer for the child.")
    for old, new in ((one, two), (two, one)):
        r = compare_texts(old, new, model=model)
        assert any(c.merged_old or c.merged_new for c in r.changes)
        assert [t.key for c in r.changes for t in c.tags if t.type != "EDITORIAL"] == []


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_time_limit_goes_with_its_deleted_sentence(model) -> None:
    full = "The team manager should review the plan. They must send the reviewed plan to the family within 10 working days."
    short = "The team manager should review the plan."
    gone = [t for t in tags_of(full, short, model=model) if t.type == "TIMESCALE_CHANGED"]
    assert [(t.from_, t.to) for t in gone] == [("within 10 working days", None)]
    came = [t for t in tags_of(short, full, model=model) if t.type == "TIMESCALE_CHANGED"]
    assert [(t.from_, t.to) for t in came] == [(None, "within 10 working days")]
    # vague promptness is no time limit
    vague = "The team manager should review the plan. They must tell the family as soon as possible."
    assert not [t for t in tags_of(vague, short, model=model) if t.type == "TIMESCALE_CHANGED"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_split_with_repeated_subject_is_one_pair(model) -> None:
    # the split-off half repeats "The school" and changes its modal: a weakened duty, not a new one
    old = ("Part 3: Records\n\n30. The school must keep a written record of every concern raised and must share the record with the designated safeguarding lead.\n\n"
           "31. Records may be kept on paper or electronically.")
    new = ("Part 3: Records\n\n30. The school must keep a written record of every concern raised.\n\n31. The school should share the record with the designated safeguarding lead.\n\n"
           "32. Records may be kept on paper or electronically.")
    r = compare_texts(old, new, model=model)
    (c,) = r.changes
    assert c.merged_new == ("30", "31")
    assert {t.key for t in c.tags} == {("OBLIGATION_WEAKENED", "must", "should")}


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_merge_into_joint_actors_keeps_both_roles(model) -> None:
    old = ("Part 6: Health\n\n6.1 Early help workers should record any safeguarding concern in the child's health record.\n\n"
           "6.2 Health visitors should record any safeguarding concern in the child's health record.\n\n6.3 Records should be kept securely.")
    new = ("Part 6: Health\n\n6.1 Early help workers and health visitors must record any safeguarding concern in the child's health record.\n\n"
           "6.2 Records should be kept securely.")
    r = compare_texts(old, new, model=model)
    (c,) = r.changes
    assert c.merged_old == ("6.1", "6.2")
    assert {t.key for t in c.tags} == {("OBLIGATION_STRENGTHENED", "should", "must")}


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_count_per_period_frequencies_equal_every_period(model) -> None:
    old = "The designated safeguarding lead must audit the school's records every four months."
    tag = lambda new: {t.key for t in tags_of(old, new, model=model)}
    assert tag("The designated safeguarding lead must audit the school's records three times a year.") <= {("EDITORIAL",)}
    assert tag("The designated safeguarding lead must audit the school's records 3 times per year.") <= {("EDITORIAL",)}
    assert ("TIMESCALE_CHANGED",) in tag("The designated safeguarding lead must audit the school's records twice a year.")
    assert ("TIMESCALE_CHANGED",) in tag("The designated safeguarding lead must audit the school's records twice a term.")
    weekly = "Staff should check the log twice weekly."
    assert {t.key for t in tags_of(weekly, "Staff should check the log two times a week.", model=model)} <= {("EDITORIAL",)}
    assert ("TIMESCALE_CHANGED",) in {t.key for t in tags_of(weekly, "Staff should check the log weekly.", model=model)}


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_impersonal_advice_is_a_weak_modal_bound_to_its_role(model) -> None:
    old = "Schools must appoint a deputy designated safeguarding lead."
    keys = {t.key for t in tags_of(old, "It is recommended that schools appoint a deputy designated safeguarding lead.", model=model)}
    assert ("OBLIGATION_WEAKENED", "must", "may") in keys
    keys = {t.key for t in tags_of(old, "It would be good practice for schools to appoint a deputy designated safeguarding lead.", model=model)}
    assert ("OBLIGATION_WEAKENED", "must", "may") in keys
    assert not any(k[0].startswith("ROLE_") for k in keys)
    keys = {t.key for t in tags_of("It is expected that the police share information.", "The police must share information.", model=model)}
    assert ("OBLIGATION_STRENGTHENED", "should", "must") in keys


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_deadlines_tied_to_an_age_or_leaving_care(model) -> None:
    old = "The pathway plan should be agreed by the time the young person turns sixteen."
    tag = lambda new: {t.key for t in tags_of(old, new, model=model)}
    # the same age in other words is no change; another age or event is
    assert tag("The pathway plan should be agreed by the young person's 16th birthday.") <= {("EDITORIAL",)}
    assert ("TIMESCALE_CHANGED",) in tag("The pathway plan should be agreed before the age of 18.")
    assert ("TIMESCALE_CHANGED",) in tag("The pathway plan should be agreed before the young person leaves care.")
    assert ("TIMESCALE_CHANGED",) in tag("The pathway plan should be agreed by the end of Year 11.")
    assert ("TIMESCALE_CHANGED",) in tag("The pathway plan should be agreed.")


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_bare_health_is_an_agency_only_in_a_list_of_roles(model) -> None:
    keys = {t.key for t in tags_of("Police, health or schools must share information with the local authority.", "Police or schools must share information with the local authority.", model=model)}
    assert ("ROLE_REMOVED", "health") in keys
    keys = {t.key for t in tags_of("Health, education and the local authority should agree the plan.", "The local authority should agree the plan.", model=model)}
    assert ("ROLE_REMOVED", "health") in keys
    # traps: "health" as a subject's wellbeing is no party
    for old, new in (
        ("The social worker must consider the child's health and development.", "The social worker must consider the child's development."),
        ("Health and wellbeing must be considered by the social worker.", "Wellbeing must be considered by the social worker."),
        ("The school and the child's health visitor should meet.", "The school should meet."),
    ):
        assert ("ROLE_REMOVED", "health") not in {t.key for t in tags_of(old, new, model=model)}, old
    # "mental health services" is still the health agency
    keys = {t.key for t in tags_of("Mental health services should support the family.", "The school should support the family.", model=model)}
    assert ("ROLE_REPLACED", "health", "school") in keys


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_compound_number_words_are_numbers(model) -> None:
    same = tags_of("The school must reply within 48 hours.", "The school must reply within forty-eight hours.", model=model)
    assert [t.type for t in same] == ["EDITORIAL"]
    longer = tags_of("The school must reply within thirty five days.", "The school must reply within 45 days.", model=model)
    assert [t.type for t in longer] == ["TIMESCALE_CHANGED"]


@pytest.mark.parametrize("model", MODES, ids=["model", "rules-only"])
def test_tag_role_named_again_is_not_added(model) -> None:
    got = tags_of("The health visitor must visit the family within ten days.",
                  "The health visitor must visit the family within ten days and, where the health visitor is on leave, "
                  "the GP must ask another health visitor to visit.", model=model)
    assert sorted((t.type, t.role) for t in got if t.type.startswith("ROLE")) == [("ROLE_ADDED", "gp")]
