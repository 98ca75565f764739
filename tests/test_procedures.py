"""Local procedures against a guidance change: matching, statuses, suggestions, reports.

The guidance pair (tests/fixtures/procedures/guidance/old.md -> new.md) is authored so
the right answer is known: a terminology change (paragraph 7), a longer timescale (11), a
removed sign-off (14), a removed manager (15), a role replaced by a lower one (19), a
weakened modal with a longer timescale (20), a deleted duty (21), a strengthened modal
with a shorter timescale (23, the one tightening) and unchanged paragraphs (8, 12, 22,
30, 31). The local folder (tests/fixtures/procedures/local, plus a DOCX, an unreadable
PDF, and files a folder walk skips: a PNG, a report.json and a CSV quoting the guidance,
and a hidden file, written by ``build_local_folder``) plants quotations, paraphrases and
paragraph references of them among unrelated text.
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path

import pytest

from tracker.compare import compare_documents
from tracker.errors import BadInput
from tracker.ingest import parse_file, parse_text
from tracker.models import FINDING_STATUSES, SEVERITIES, GuidanceEdit, LocalFailure
from tracker.procedures import (
    build_index,
    check,
    check_document,
    check_paths,
    local_files,
    read_locals,
    walk_locals,
    sentence_spans,
    suggest,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "procedures"
OLD = FIX / "guidance" / "old.md"
NEW = FIX / "guidance" / "new.md"

DOCX_PARAGRAPHS = [
    ("heading", "Reviews"),
    ("p", "Case records must be reviewed by the team manager every six weeks, and the review must be written on the case file."),
    ("heading", "Plans"),
    ("p", "The social worker should agree a plan of action with other practitioners and discuss this with the child and their family."),
    ("p", "Mileage claims should be submitted monthly through the finance portal."),
    ("p", "Foster carers should be visited at home by their supervising social worker at least once a month, and the visit should be recorded."),
    ("p", "Practitioners should share what they know with the local authority as soon as they are worried about a child (para 7)."),
]


def build_local_folder(dest: Path) -> Path:
    """The fixture folder, plus a DOCX (python-docx), an unreadable PDF, a PNG and a hidden file."""
    from docx import Document as new_docx

    shutil.copytree(FIX / "local", dest)
    d = new_docx()
    d.add_heading("Practice guide", 0)
    for kind, text in DOCX_PARAGRAPHS:
        if kind == "heading":
            d.add_heading(text, 1)
        else:
            d.add_paragraph(text)
    (dest / "sub").mkdir()
    d.save(dest / "sub" / "practice-guide.docx")
    (dest / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (dest / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    # Not documents: a folder walk skips them (they quote the guidance, to prove it).
    quote = "Within one working day of a referral being received, a local authority social worker should decide what type of response is required."
    (dest / "report.json").write_text(json.dumps({"findings": [{"local_text": quote}]}), encoding="utf-8")
    (dest / "sub" / "export.csv").write_text(f"id,text\n1,{quote}\n", encoding="utf-8")
    (dest / ".hidden").mkdir()
    (dest / ".hidden" / "notes.md").write_text("Within one working day of a referral being received, a social worker should decide.\n")
    return dest


@pytest.fixture(scope="module")
def local_folder(tmp_path_factory) -> Path:
    return build_local_folder(tmp_path_factory.mktemp("proc") / "local")


@pytest.fixture(scope="module")
def guidance():
    old, new = parse_file(OLD), parse_file(NEW)
    return old, new, compare_documents(old, new)


@pytest.fixture(scope="module")
def index(guidance):
    old, new, report = guidance
    return build_index(report, old=old, new=new)


@pytest.fixture(scope="module")
def report(local_folder, guidance):
    old, new, comparison = guidance
    docs, failures = read_locals([local_folder])
    return check(old, new, docs, failures=failures, report=comparison)


def para(index, number: str) -> str:
    """The change id of an old guidance paragraph."""
    (cid,) = index.numbers[number]
    return cid


# (document, start of the local sentence) -> (old paragraph, status, match).
# Guidance is a minimum: a local rule that keeps the stricter old rule where the new
# guidance relaxes it (11, 14, 15, 19, 20, 21) follows the old guidance and goes beyond the
# new (STRICTER); only falling short of a tightened rule (23) contradicts the new guidance.
PLANTED = {
    ("assessment-procedure.md", "As Working Together says"): ("15", "follows_old", "quotation"),
    ("assessment-procedure.md", "Once an assessment ends"): ("15", "follows_old", "paraphrase"),
    ("assessment-procedure.md", "Within one working day"): ("11", "follows_old", "quotation"),
    ("assessment-procedure.md", "Children on child protection plans"): ("23", "contradicts_new", "paraphrase"),
    ("assessment-procedure.md", "Team managers must sign off"): ("14", "follows_old", "paraphrase"),
    ("supervision-policy.html", "Every social worker can get advice"): ("19", "follows_old", "paraphrase"),
    ("supervision-policy.html", "The team manager should review case records"): ("20", "follows_new", "quotation"),
    ("supervision-policy.html", "Unallocated cases are managed"): ("21", "follows_old", "reference"),
    ("supervision-policy.html", "If a case cannot be allocated"): ("21", "follows_old", "paraphrase"),
    ("training-notes.txt", "Professionals should tell the local authority"): ("7", "follows_old", "paraphrase"),
    ("training-notes.txt", "Referrals are acknowledged promptly"): ("11", "follows_old", "reference"),
    ("sub/practice-guide.docx", "Case records must be reviewed"): ("20", "follows_old", "quotation"),
    ("sub/practice-guide.docx", "The social worker should agree a plan"): ("15", "follows_new", "quotation"),
    ("sub/practice-guide.docx", "Practitioners should share"): ("7", "follows_new", "quotation"),
}
STRICTER = {
    ("assessment-procedure.md", "As Working Together says"), ("assessment-procedure.md", "Once an assessment ends"),
    ("assessment-procedure.md", "Within one working day"), ("assessment-procedure.md", "Team managers must sign off"),
    ("supervision-policy.html", "Every social worker can get advice"), ("supervision-policy.html", "Unallocated cases are managed"),
    ("supervision-policy.html", "If a case cannot be allocated"), ("sub/practice-guide.docx", "Case records must be reviewed"),
}
"""Planted passages whose local rule is stricter than the new guidance."""

# Unrelated local text, quotations of unchanged guidance, a local self-reference.
NEVER = [
    "The plan should set out what services",  # unchanged sentence of a changed paragraph
    "The maximum time for an assessment",  # unchanged paragraph 12
    "The duty office is open",
    "Car parking permits",
    "Fire doors in every children's home",  # unchanged paragraph 31
    "The staff kitchen",
    "Training sessions run",
    "See paragraph 14 above",  # a bare reference sharing no words with paragraph 14
    "Each organisation should name a person",  # unchanged paragraph 8
    "Mileage claims",
    "Foster carers should be visited",  # unchanged paragraph 30
]


def _find(report, document: str, start: str):
    return [f for f in report.findings if f.document == document and f.local_text.startswith(start)]


def test_procedures_recall_on_planted_passages(report, index) -> None:
    missed = []
    for (doc, start), (number, status, match) in PLANTED.items():
        hits = _find(report, doc, start)
        want = [f for f in hits if f.change_id == para(index, number)]
        if not want:
            missed.append((doc, start, [(f.change_id, f.status) for f in hits]))
            continue
        assert want[0].status == status, (doc, start, want[0].status, want[0].reasons)
        assert want[0].match == match, (doc, start, want[0].match)
        assert want[0].stricter == ((doc, start) in STRICTER), (doc, start, want[0].reasons)
    assert not missed, missed


def test_procedures_no_false_matches(report) -> None:
    for start in NEVER:
        hits = [f for f in report.findings if f.local_text.startswith(start)]
        assert not hits, (start, [(f.change_id, f.status, f.score) for f in hits])
    # Exactly the planted passages: nothing else is reported.
    assert {(f.document, f.local_text) for f in report.findings} == {
        (doc, f.local_text) for (doc, start) in PLANTED for f in _find(report, doc, start)
    }
    assert len(report.findings) == len(PLANTED)


def test_procedures_severity_follows_status(report, index) -> None:
    for f in report.findings:
        if f.status == "follows_new":
            assert f.severity == "none" and f.priority == 4
        else:
            assert f.severity == index.changes[f.change_id].severity != "none"
    # Priority order: severity first, then status.
    keys = [(SEVERITIES.index(f.severity), FINDING_STATUSES.index(f.status)) for f in report.findings]
    assert keys == sorted(keys)


def test_procedures_suggested_text(report) -> None:
    # A stricter local rule is never weakened by the suggestion: the relaxing edits go into
    # a labelled option only; wording-only edits (terminology) are still suggested.
    (f,) = _find(report, "assessment-procedure.md", "As Working Together says")
    assert f.suggested_text == ('As Working Together says, "the social worker and their manager should agree a plan of action with other '
                                'practitioners and discuss this with the child and their family."')
    assert f.option_text == ('As Working Together says, "the social worker should agree a plan of action with other '
                             'practitioners and discuss this with the child and their family."')
    (f,) = _find(report, "assessment-procedure.md", "Within one working day")
    assert f.suggested_text is None and f.option_text is not None and f.option_text.startswith("Within three working days of a referral")
    (f,) = _find(report, "supervision-policy.html", "Every social worker can get advice")
    assert f.suggested_text is None
    assert f.option_text == ("Every social worker can get advice from colleagues on any case at any time, and has "
                             "regular supervision which reflects on how the child is progressing.")
    (f,) = _find(report, "sub/practice-guide.docx", "Case records must be reviewed")
    assert f.suggested_text is None
    assert f.option_text == "Case records should be reviewed by the team manager every three months, and the review should be written on the case file."
    # Falling short of a tightened rule: the suggestion applies it.
    (f,) = _find(report, "assessment-procedure.md", "Children on child protection plans")
    assert f.suggested_text == "Children on child protection plans must be seen at home by their social worker at least every four weeks."
    assert f.option_text is None and not f.stricter
    (f,) = _find(report, "training-notes.txt", "Professionals should tell")
    assert f.suggested_text is not None and f.suggested_text.startswith("Practitioners should tell") and f.option_text is None
    # No suggestion where the guidance deleted the text, or for a reference, or for follows_new.
    for doc, start in [("supervision-policy.html", "If a case cannot be allocated"), ("training-notes.txt", "Referrals are"),
                       ("sub/practice-guide.docx", "The social worker should agree")]:
        (f,) = _find(report, doc, start)
        assert f.suggested_text is None and f.option_text is None


def test_procedures_suggestion_keeps_verb_agreement(report) -> None:
    # "the allocated social worker and their manager agree ... and talk it through": removing
    # "and their manager" makes both verbs singular.
    (f,) = _find(report, "assessment-procedure.md", "Once an assessment ends")
    assert f.option_text == ("Once an assessment ends with the local authority staying involved, the allocated social worker agrees "
                             "an action plan with the other practitioners and talks it through with the child and family.")


def test_procedures_suggest_agreement_rules() -> None:
    from tracker.procedures import CHECK_WORDING

    rm = [GuidanceEdit(old="and their manager ", new="", tag_types=("ROLE_REMOVED",))]
    assert suggest("The social worker and their manager should agree a plan.", rm) == "The social worker should agree a plan."
    assert suggest("The social worker and their manager agree a plan.", rm) == "The social worker agrees a plan."
    assert suggest("The social worker and their manager have agreed a plan.", rm) == "The social worker has agreed a plan."
    assert suggest("The social worker and their manager jointly discuss it.", rm) == "The social worker jointly discusses it."
    assert suggest("Social workers and their manager agree a plan.", rm) == "Social workers agree a plan."
    assert suggest("Report it to the social worker and their manager today.", rm) == "Report it to the social worker today."
    # Not a verb this can inflect: flagged, not guessed.
    assert suggest("The social worker and their manager, together, agree.", rm) == f"The social worker, together, agree. {CHECK_WORDING}"
    add = [GuidanceEdit(old="", new="and the designated safeguarding lead", before="the school", tag_types=("ROLE_ADDED",))]
    assert suggest("The school informs the police.", add) == "The school and the designated safeguarding lead inform the police."
    assert suggest("The school is told.", add) == "The school and the designated safeguarding lead are told."
    # Without a role tag an "and ..." edit is not a subject: nothing re-inflected.
    plain = [GuidanceEdit(old="and share ", new="", before="record")]
    assert suggest("Staff record and share information.", plain) == "Staff record information."


def test_procedures_reasons_name_the_evidence(report) -> None:
    from tracker.procedures import GOES_BEYOND

    (f,) = _find(report, "assessment-procedure.md", "Team managers must sign off")
    assert f.status == "follows_old" and f.stricter and f.suggested_text is None
    assert any(r.startswith(GOES_BEYOND) for r in f.reasons)
    assert any("OVERSIGHT_REMOVED" in r for r in f.reasons)
    (f,) = _find(report, "assessment-procedure.md", "Children on child protection plans")
    assert any(r.startswith("falls short of the new guidance") and "OBLIGATION_STRENGTHENED" in r for r in f.reasons)
    assert not any(r.startswith(GOES_BEYOND) for r in f.reasons)
    (f,) = _find(report, "supervision-policy.html", "Unallocated cases are managed")
    assert any("cites paragraph 21" in r for r in f.reasons)
    assert f.guidance_new == ""
    (f,) = _find(report, "assessment-procedure.md", "Within one working day")
    assert any("TIMESCALE_CHANGED" in r for r in f.reasons) and any(r.startswith(GOES_BEYOND) for r in f.reasons)


# --- The status boundary, one sentence at a time ------------------------------------


def _one(index, text: str):
    found = check_document(index, parse_text(text, label="t"), "t.md")
    return found


@pytest.mark.parametrize("text,number,status", [
    # The example: the old wording kept at the edited place, restated closely.
    ("The social worker and their manager should agree a plan of action with other professionals and discuss this with the child and their family.", "15", "follows_old"),
    # A renamed role kept, in a quotation: out of date, not in conflict.
    ("Professionals should share what they know with the local authority as soon as they are worried about a child.", "7", "follows_old"),
    # The removed sign-off asserted in the procedure's own words: stricter than the new guidance.
    ("Every assessment must be signed off by a team manager and recorded on the child's case file before a plan for the child is agreed.", "14", "follows_old"),
    # An old, shorter timescale the new guidance lengthens: stricter.
    ("Within one working day of a referral being received, a local authority social worker should decide what type of response is required.", "11", "follows_old"),
    # A duty the new guidance deletes: stricter.
    ("Where a case cannot be allocated to a social worker, the team manager must keep responsibility for it and must review it at least once a week.", "21", "follows_old"),
    # Short of a tightened rule (should -> must, six weeks -> four), even quoted word for word.
    ("A child who is the subject of a child protection plan should be visited by their social worker at least every six weeks.", "23", "contradicts_new"),
    ("A child subject to a child protection plan should be visited by their social worker at least every four weeks.", "23", "contradicts_new"),
    ("A child who is the subject of a child protection plan must be visited by their social worker at least every four weeks.", "23", "follows_new"),
    # The new wording already.
    ("Within three working days of a referral being received, a local authority social worker should decide what type of response is required.", "11", "follows_new"),
    ("Every social worker should have access to colleagues for advice on any case at any time.", "19", "follows_new"),
])
def test_procedures_status_boundary(index, text, number, status) -> None:
    found = _one(index, text)
    assert [(f.change_id, f.status) for f in found] == [(para(index, number), status)], [f.reasons for f in found]
    assert found[0].severity == ("none" if status == "follows_new" else index.changes[found[0].change_id].severity)


@pytest.mark.parametrize("old,new,direction", [
    ("Within one working day", "Within three working days", "relaxed"),
    ("every six weeks", "every three months", "relaxed"),
    ("at least every six weeks", "at least every four weeks", "tightened"),
    ("at least once a month", "at least once a week", "tightened"),
    ("annually", "twice a year", "tightened"),
    ("within 24 hours", "within two working days", "relaxed"),
    (None, "within five days", "tightened"),
    ("within five days", None, "relaxed"),
    ("at least 10 days' notice", "at least 5 days' notice", "changed"),
    ("promptly", "as soon as possible", "changed"),
])
def test_procedures_timescale_direction(old, new, direction) -> None:
    from tracker.models import Tag
    from tracker.procedures import _direction

    assert _direction([Tag(type="TIMESCALE_CHANGED", from_=old, to=new)]) == direction


def test_procedures_edit_directions_follow_the_tags(index) -> None:
    got = {g.change_id: {e.direction for e in g.edits} for g in index.sentences if g.change_id and g.edits}
    assert got[para(index, "7")] == {""}  # terminology: wording only
    assert got[para(index, "11")] == {"relaxed"}
    assert got[para(index, "14")] == {"relaxed"}
    assert got[para(index, "15")] == {"relaxed", ""}
    assert got[para(index, "19")] == {"relaxed"}  # manager -> colleagues, down
    assert got[para(index, "20")] == {"relaxed"}
    assert got[para(index, "21")] == {"relaxed"}  # a deleted duty
    assert got[para(index, "23")] == {"tightened"}
    # The sign-off edit's own words are "sign" (its roles, team manager, are not enough).
    (edit,) = [e for g in index.sentences if g.change_id == para(index, "14") for e in g.edits]
    assert edit.key_words == ("sign",)


def test_procedures_unrelated_sentence_sharing_roles_is_not_flagged() -> None:
    """The review's case: the guidance drops "and signed off by the team manager"; a local
    sentence about reviewing case records shares "team manager" and "case file" only."""
    root = FIX / "unrelated-edit"
    r = check_paths(root / "old.md", root / "new.md", [root / "local"])
    assert r.findings == () and len(r.documents) == 1 and r.passages == 3


def test_procedures_sample_guidance_against_fixture_folder_has_no_false_match() -> None:
    root = Path(__file__).resolve().parent.parent / "corpora" / "sample"
    r = check_paths(root / "v1.md", root / "v2.md", [FIX / "local"])
    found = {f.local_text for f in r.findings}
    for start in ("The team manager should review case records", "Children on child protection plans", "Fire doors", "The duty office"):
        assert not any(t.startswith(start) for t in found), (start, [(f.change_id, f.reasons) for f in r.findings if f.local_text.startswith(start)])
    assert any(t.startswith("Team managers must sign off") for t in found)


def test_procedures_sentence_that_misses_the_edit_is_not_reported(index) -> None:
    # Paragraph 7's edit is "Professionals" -> "Practitioners"; this restates the rest only.
    assert _one(index, "Staff should share what they know with the local authority as soon as they are worried about a child.") == []


def test_procedures_unrelated_text_is_never_matched(index) -> None:
    text = ("The social work office has a new coffee machine. Managers should book meeting rooms a week ahead. "
            "Please return your laptop to the IT desk when you leave the authority.")
    assert _one(index, text) == []


# --- References ---------------------------------------------------------------------


@pytest.mark.parametrize("text,number", [
    ("Plans are agreed as Working Together, paragraph 15 describes.", "15"),
    ("Plans are agreed as described in (WT 2015, 15).", "15"),
    ("Case records are reviewed as para 20 requires.", "20"),  # bare, but shares words with it
    ("Unallocated cases: see Working Together paragraphs 19 to 21.", "21"),
])
def test_procedures_paragraph_references(index, text, number) -> None:
    found = _one(index, text)
    assert para(index, number) in [f.change_id for f in found], [(f.change_id, f.reasons) for f in found]
    f = next(f for f in found if f.change_id == para(index, number))
    assert f.match == "reference" and f.guidance_path.endswith(number)


def test_procedures_bare_reference_without_shared_words_is_ignored(index) -> None:
    assert _one(index, "The booking form is in paragraph 20 below.") == []
    assert _one(index, "Bring the form described in (XY 2015, 15).") == []


def test_procedures_references_to_unchanged_paragraphs_are_ignored(index) -> None:
    assert _one(index, "Training is described in Working Together, paragraph 22.") == []


# --- Suggestions and sentences --------------------------------------------------------


def test_procedures_suggest_applies_edits_where_the_old_words_occur() -> None:
    e = [GuidanceEdit(old="a manager", new="colleagues", before="access to", after="for advice")]
    assert suggest("Staff have access to a manager for advice.", e) == "Staff have access to colleagues for advice."
    assert suggest("Staff have access to a supervisor for advice.", e) is None
    cap = [GuidanceEdit(old="Professionals", new="Practitioners")]
    assert suggest("All professionals must act.", cap) == "All practitioners must act."
    ins = [GuidanceEdit(old="", new="and discussed in supervision", before="be recorded", after=".")]
    assert suggest("Decisions should be recorded.", ins) == "Decisions should be recorded and discussed in supervision."
    dele = [GuidanceEdit(old="and their manager ", new="", before="social worker", after="should agree")]
    assert suggest("The social worker and their manager should agree a plan.", dele) == "The social worker should agree a plan."


def test_procedures_sentence_spans_keep_abbreviations() -> None:
    t = "See para. 62 of the guidance, e.g. Chapter 1. Then act! Is it done? Yes; Then stop."
    assert [t[s:e] for s, e in sentence_spans(t)] == [
        "See para. 62 of the guidance, e.g. Chapter 1.", "Then act!", "Is it done?", "Yes;", "Then stop."]


# --- Whole jobs: folders, failures, determinism, JSON ------------------------------


def test_procedures_folder_walk_and_failures(report, local_folder) -> None:
    labels = [v.label for v in report.documents]
    assert labels == ["assessment-procedure.md", "sub/practice-guide.docx", "supervision-policy.html", "training-notes.txt"]
    assert {v.media_type for v in report.documents} == {"text", "docx", "html"}
    assert [x.path for x in report.failures] == ["broken.pdf"]
    for x in report.failures:
        assert isinstance(x, LocalFailure) and "\n" not in x.message and x.message.endswith(".")
    # Hidden files and folders are passed over; files of other types are skipped, not failures.
    files, skipped = walk_locals([local_folder])
    assert all(not label.startswith(".") for label, _ in files) and [label for label, _ in files] == [label for label, _ in local_files([local_folder])]
    assert skipped == ["photo.png", "report.json", "sub/export.csv"]
    assert report.summary()["failures"] == 1 and report.passages > 20
    assert not any(f.document in skipped for f in report.findings)


def test_procedures_folder_skips_count_and_named_files_are_tried(local_folder) -> None:
    r = check_paths(OLD, NEW, [local_folder])
    assert r.skipped == ("photo.png", "report.json", "sub/export.csv") and r.summary()["skipped"] == 3
    assert [x.path for x in r.failures] == ["broken.pdf"] and r.to_dict()["skipped"] == list(r.skipped)
    # A file named on its own is always tried, whatever its ending.
    named = check_paths(OLD, NEW, [local_folder / "report.json", local_folder / "photo.png"])
    assert not named.skipped and [v.label for v in named.documents] == ["report.json"]
    assert [x.path for x in named.failures] == ["photo.png"] and "PNG" in named.failures[0].message


def test_procedures_check_paths_end_to_end(local_folder) -> None:
    r = check_paths(OLD, NEW, [local_folder / "training-notes.txt", local_folder / "sub"])
    assert [v.label for v in r.documents] == ["practice-guide.docx", "training-notes.txt"]
    assert not r.failures and {f.document for f in r.findings} == {"practice-guide.docx", "training-notes.txt"}


def test_procedures_bad_paths(tmp_path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        check_paths(OLD, NEW, [tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="no local documents"):
        check_paths(OLD, NEW, [tmp_path / "empty"])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    with pytest.raises(BadInput, match="no local documents found .*1 file skipped") as e:
        check_paths(OLD, NEW, [bad])
    assert e.value.one_line().count("To fix:") == 1
    with pytest.raises(BadInput, match="none of the 1 local files could be read: .*PNG") as e:
        check_paths(OLD, NEW, [bad / "x.png"])
    assert e.value.one_line().count("To fix:") == 1


def test_procedures_deterministic_and_order_free(guidance, local_folder, report) -> None:
    old, new, comparison = guidance
    docs, failures = read_locals([local_folder])
    again = check(old, new, list(reversed(docs)), failures=list(reversed(failures)), report=comparison)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(report.to_dict(), sort_keys=True)
    assert len({f.id for f in report.findings}) == len(report.findings)


def test_procedures_index_is_picklable_and_check_document_pure(index, local_folder) -> None:
    docs, _ = read_locals([local_folder])
    copy = pickle.loads(pickle.dumps(index))
    for label, doc in docs:
        a = check_document(index, doc, label)
        assert check_document(copy, pickle.loads(pickle.dumps(doc)), label) == a
        assert check_document(index, doc, label) == a


def test_procedures_json_shape(report) -> None:
    d = json.loads(json.dumps(report.to_dict()))
    assert d["kind"] == "procedures" and d["schema_version"] == 1
    assert set(d) >= {"tool", "old", "new", "documents", "summary", "findings", "failures"}
    assert d["summary"]["findings"] == len(d["findings"]) == len(PLANTED)
    assert sum(d["summary"]["by_status"].values()) == len(d["findings"])
    for f in d["findings"]:
        assert {"document", "local_text", "change_id", "status", "severity", "section", "suggested_text", "priority"} <= set(f)
        assert f["status"] in FINDING_STATUSES and f["severity"] in SEVERITIES
        assert f["change_id"].startswith("c")
    assert d["failures"] == [{"path": x.path, "message": x.message} for x in report.failures]


def test_procedures_index_only_holds_changes_with_impact(index, guidance) -> None:
    _, _, comparison = guidance
    want = {c.id for c in comparison.changes if c.old is not None and c.impact.severity != "none"}
    assert set(index.changes) == want
    assert all(g.change_id in index.changes or g.change_id is None for g in index.sentences)
    assert "working together" in index.aliases and "wt" in index.aliases
    assert index.numbers["21"] == (para(index, "21"),) and index.changes[para(index, "21")].kind == "deleted"


# --- Checklists (render) --------------------------------------------------------------

from fixtures_render import XSS_ATTR, XSS_CLOSE, XSS_IMG, XSS_SCRIPT  # noqa: E402

from tracker.models import Action, Finding, PackInfo, ProceduresReport, Tag, ToolInfo, VersionInfo  # noqa: E402
from tracker.render.procedures import CSV_COLUMNS, FORMATS, render_procedures, write_procedures  # noqa: E402


def hostile_procedures() -> ProceduresReport:
    f1 = Finding(
        id="p1", document=f"proc {XSS_SCRIPT}.md", section=f"Part {XSS_IMG} > 1.1",
        local_text=f"=HYPERLINK(\"http://evil\") The manager must {XSS_CLOSE} sign off.", passage=f"passage {XSS_SCRIPT}",
        change_id="c0001", status="contradicts_new", severity="high", match="paraphrase", score=0.9,
        guidance_old=f"The manager must sign off {XSS_IMG}.", guidance_new=f"Staff sign off {XSS_ATTR}.",
        guidance_path=f"Chapter {XSS_SCRIPT} > 14", reasons=(f"keeps {XSS_IMG}",),
        suggested_text=f"=HYPERLINK(\"http://evil\") Staff {XSS_ATTR} sign off.\x07",
        tags=(Tag(type="ROLE_REMOVED", role=f"manager{XSS_ATTR}", old_span="manager", rule="r"),),
        summary=f"Responsibility moves {XSS_SCRIPT}.", actions=(Action("procedures", f"@SUM(1+1) {XSS_CLOSE}"),),
        source="javascript:alert(1)",
    )
    f2 = Finding(
        id="p2", document=f"proc {XSS_SCRIPT}.md", section="2", local_text=f"-1 new {XSS_IMG}", passage="x",
        change_id="c0002", status="follows_new", severity="none", match="quotation", score=1.0,
        guidance_old="a", guidance_new="b", guidance_path="3",
    )
    return ProceduresReport(
        old=VersionInfo(label=f"old {XSS_SCRIPT}", sha256="a" * 64, source="javascript:alert(6)"),
        new=VersionInfo(label=f"new {XSS_IMG}", sha256="b" * 64, source=f"https://example.org/{XSS_ATTR}"),
        documents=(VersionInfo(label=f"proc {XSS_SCRIPT}.md", sha256="c" * 64),),
        findings=(f1, f2), tool=ToolInfo(name="guidance-tracker", version="0", model=f"rules-only {XSS_SCRIPT}"),
        pack=PackInfo(name=f"no-such-pack {XSS_IMG}", version="1", sha256="d" * 64),
        failures=(LocalFailure(path=f"bad {XSS_IMG}.png", message=f"is {XSS_SCRIPT} an image."),), changes_checked=2, passages=3,
    )


def test_procedures_render_html_checklist(report) -> None:
    from bs4 import BeautifulSoup

    html = render_procedures(report, "html").decode("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    items = soup.select("ol.checklist > li.item")
    todo = [f for f in report.findings if f.status != "follows_new"]
    assert [li["id"] for li in items] == [f.id for f in todo]
    for li, f in zip(items, todo):
        assert f.local_text in li.get_text(" ")
        assert f.severity in li["class"]
    done = soup.select("#done tbody tr")
    assert [tr["id"] for tr in done] == [f.id for f in report.findings if f.status == "follows_new"]
    # The suggestion is a redline: without the deletions it reads as the suggested text.
    first = next(li for li, f in zip(items, todo) if f.suggested_text)
    sug = first.select_one("dd.suggested")
    for d in sug.find_all("del"):
        d.decompose()
    f = next(f for f in todo if f.suggested_text)
    assert " ".join(sug.get_text().split()) == f.suggested_text
    assert [li.strong.get_text() for li in soup.select("#failures li")] == ["broken.pdf"]
    options = soup.select("dd.option")
    assert len(options) == len([f for f in todo if f.option_text])
    for dd in options:
        assert dd.find_previous_sibling("dt").get_text().startswith("Option, only if you decide")
    assert not soup.find_all("script")


def test_procedures_render_html_escapes_hostile_text() -> None:
    from bs4 import BeautifulSoup

    html = render_procedures(hostile_procedures(), "html").decode("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["script", "img", "iframe", "object", "embed", "base"])
    for el in soup.find_all(True):
        for attr, val in el.attrs.items():
            assert not attr.lower().startswith("on"), f"{el.name} has {attr}"
            if attr in ("href", "src"):
                assert str(val).lower().startswith("https://"), val
    text = soup.get_text()
    for attack in (XSS_SCRIPT, XSS_IMG, XSS_CLOSE):
        assert attack in text
    for raw in ("<script>window.__pwned", "<img src=x", "</script><script>", 'onerror="', 'onfocus="'):
        assert raw not in html
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp


def test_procedures_render_csv(report) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(render_procedures(report, "csv").decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert sorted(r["id"] for r in body) == sorted(f.id for f in report.findings)
    assert {r["status"] for r in body} == set(FINDING_STATUSES)
    hostile = list(csv.reader(io.StringIO(render_procedures(hostile_procedures(), "csv").decode("utf-8-sig"))))
    for row in hostile[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert any(cell.startswith("'=HYPERLINK") for cell in hostile[1])


def test_procedures_render_markdown(report) -> None:
    md = render_procedures(report, "md").decode("utf-8")
    assert md.startswith("# Local procedures checked against old.md")
    todo = [f for f in report.findings if f.status != "follows_new"]
    assert md.count("\\[ \\]") == len(todo)
    assert "## Files that could not be read" in md and "broken.pdf" in md
    # A stricter local rule: named as going beyond the new guidance, its relaxation only an option.
    from tracker.render.procedures import OPTION_LABEL, STRICTER_NAME

    stricter = [f for f in todo if f.stricter and f.option_text]
    assert stricter and md.count(f"**{OPTION_LABEL}:**") == len(stricter)
    assert md.count(f"**{STRICTER_NAME}**") == len([f for f in todo if f.stricter and f.status == "follows_old"])
    hostile = render_procedures(hostile_procedures(), "md").decode("utf-8")
    assert re.search(r"(?<!\\)<", hostile) is None, "every < of document text is escaped"
    assert "\\<script>" in hostile


def test_procedures_render_docx(report, tmp_path) -> None:
    from docx import Document as open_docx

    p = write_procedures(report, "docx", tmp_path / "c.docx")
    text = "\n".join(par.text for par in open_docx(str(p)).paragraphs)
    for f in report.findings:
        if f.status != "follows_new":
            assert f.local_text in text
    data = render_procedures(hostile_procedures(), "docx")
    import io

    doc = open_docx(io.BytesIO(data))
    all_text = "\n".join(par.text for par in doc.paragraphs)
    assert XSS_SCRIPT in all_text and "\x07" not in all_text


def test_procedures_render_json_and_formats(report) -> None:
    assert json.loads(render_procedures(report, "json")) == json.loads(json.dumps(report.to_dict()))
    assert set(FORMATS) == {"html", "md", "csv", "docx", "json"}
    with pytest.raises(BadInput, match="unknown checklist format"):
        render_procedures(report, "pdf")
    for fmt in FORMATS:
        assert render_procedures(hostile_procedures(), fmt)


def test_procedures_docstring_examples_run() -> None:
    import doctest

    import tracker.procedures

    res = doctest.testmod(tracker.procedures, optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted >= 3


def test_procedures_inserted_oversight_missing_from_a_restatement() -> None:
    from tracker.compare import compare_texts

    old = "1. Decisions about the plan should be recorded on the child's case file by the social worker.\n\n2. Visits happen monthly.\n"
    new = "1. Decisions about the plan should be recorded on the child's case file by the social worker and discussed in supervision.\n\n2. Visits happen monthly.\n"
    comparison = compare_texts(old, new)
    idx = build_index(comparison)
    quote = "Decisions about the plan should be recorded on the child's case file by the social worker."
    (f,) = check_document(idx, parse_text(quote, label="l"), "l.md")
    # The new guidance adds oversight (tightens the rule): the old text falls short of it.
    assert f.status == "contradicts_new" and f.match == "quotation" and not f.stricter
    assert any("lacks" in r for r in f.reasons) and any("OVERSIGHT_ADDED" in r for r in f.reasons)
    assert f.suggested_text == "Decisions about the plan should be recorded on the child's case file by the social worker and discussed in supervision."
    (g,) = check_document(idx, parse_text(f.suggested_text, label="l"), "l.md")
    assert g.status == "follows_new" and g.severity == "none"


def test_procedures_sample_corpus_old_text_finds_every_change() -> None:
    """The sample guidance's old version, read as a local document, quotes every changed
    sentence (all found, none follows the new); its new version follows the new one."""
    root = Path(__file__).resolve().parent.parent / "corpora" / "sample"
    old, new = parse_file(root / "v1.md"), parse_file(root / "v2.md")
    idx = build_index(compare_documents(old, new), old=old, new=new)
    as_old = check_document(idx, old, "v1.md")
    assert {f.change_id for f in as_old} == set(idx.changes)
    assert {f.status for f in as_old} <= {"follows_old", "contradicts_new"} and all(f.match == "quotation" for f in as_old)
    as_new = check_document(idx, new, "v2.md")
    assert as_new and {f.status for f in as_new} == {"follows_new"}
