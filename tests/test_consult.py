"""Consultation tracking (tracker.consult) and its renderers (tracker.render.consultation).

The fixtures in tests/fixtures/consultation were written so the right answers are known:
previous.md (in force, 2015), draft.md (consultation draft), final.md (2018), a
professional body's response (Markdown) and a government response (HTML).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from fixtures_render import XSS_ATTR, XSS_CLOSE, XSS_IMG, XSS_SCRIPT
from tracker.consult import find_refs, stance, track, track_files
from tracker.ingest import parse_text
from tracker.models import PROPOSAL_STATUSES, ConsultationReport, Proposal
from tracker.packs import load_pack, load_stances
from tracker.render.consultation import render_consultation

FIX = Path(__file__).resolve().parent / "fixtures" / "consultation"


@pytest.fixture(scope="module")
def report() -> ConsultationReport:
    return track_files(FIX / "previous.md", FIX / "draft.md", FIX / "final.md", [FIX / "basw_response.md", FIX / "government_response.html"])


def one(report: ConsultationReport, status: str, previous_words: str, draft_words: str | None = None) -> Proposal:
    hits = [p for p in report.proposals if p.status == status and p.previous_words == previous_words and (draft_words is None or p.draft_words == draft_words)]
    assert len(hits) == 1, [(p.status, p.previous_words, p.draft_words) for p in report.proposals]
    return hits[0]


def types(p: Proposal) -> set[str]:
    return {t.type for t in p.tags}


# --- fates -------------------------------------------------------------------------


def test_consult_statuses_of_every_fixture_proposal(report) -> None:
    got = sorted((p.status, p.kind, p.previous_words, p.draft_words, p.final_words) for p in report.proposals)
    p7 = "Local authorities should publish a protocol for assessment that sets out clear arrangements for how cases will be managed."
    d7 = "Safeguarding partners must publish their arrangements for independent scrutiny every year."
    f9 = "Schools should appoint a designated safeguarding lead who must be a member of the senior leadership team."
    assert got == sorted([
        ("retained", "edit", "in discussion with their manager", "", ""),          # ¶2, manager deleted
        ("dropped", "edit", "and their manager", "", "and their manager"),          # ¶3, manager reinstated
        ("retained", "edit", "professionals", "practitioners", "practitioners"),   # ¶3 terminology
        ("retained", "edit", "must", "should", "should"),                           # ¶4 modal
        ("modified", "edit", "one working day", "three working days", "two working days"),  # ¶4 timescale
        ("retained", "edit", "a manager", "colleagues", "colleagues"),              # ¶5
        ("dropped", "added", "", d7, ""),                                           # draft ¶7 added, final drops it
        ("retained", "deleted", p7, "", ""),                                        # previous ch.2 ¶7 deleted
        ("new_in_final", "edit", "judgements", "judgements", "judgments"),          # ¶2 respelling
        ("new_in_final", "edit", "and their manager", "and their manager", ""),     # ¶6
        ("new_in_final", "edit", ", and signed off by the team manager", ", and signed off by the team manager", ""),
        ("new_in_final", "edit", "must", "must", "should"),                         # ch.2 ¶9 -> ¶8
        ("new_in_final", "added", "", "", f9),                                      # final ¶9
    ])


def test_consult_tags_belong_to_their_edit_alone(report) -> None:
    assert types(one(report, "retained", "in discussion with their manager")) == {"ROLE_REMOVED"}
    assert types(one(report, "dropped", "and their manager")) == {"ROLE_REMOVED"}
    assert types(one(report, "retained", "professionals")) == {"TERMINOLOGY"}
    assert types(one(report, "retained", "must")) == {"OBLIGATION_WEAKENED"}
    mod = one(report, "modified", "one working day")
    assert types(mod) == {"TIMESCALE_CHANGED"} and {t.type for t in mod.final_tags} == {"TIMESCALE_CHANGED"}
    replaced = one(report, "retained", "a manager").tags[0]
    assert (replaced.type, replaced.from_role, replaced.to_role, replaced.direction) == ("ROLE_REPLACED", "manager", "colleague", "down")
    assert types(one(report, "new_in_final", "must")) == {"OBLIGATION_WEAKENED"}
    assert "OVERSIGHT_REMOVED" in types(one(report, "new_in_final", ", and signed off by the team manager"))
    assert types(one(report, "new_in_final", "", None)) == {"DUTY_ADDED"}


def test_consult_respelling_new_in_final_stays_editorial(report) -> None:
    p = one(report, "new_in_final", "judgements")
    assert types(p) == {"EDITORIAL"}
    assert not p.accountability and p.impact.severity == "none"


def test_consult_proposals_in_draft_order(report) -> None:
    paths = [p.path for p in report.proposals]
    assert paths.index(one(report, "retained", "a manager").path) < paths.index(one(report, "new_in_final", "must").path)
    assert [p.id for p in report.proposals] == [f"p{n:04d}" for n in range(1, len(report.proposals) + 1)]


# --- responses ---------------------------------------------------------------------


def test_consult_objection_linked_for_each_kind(report) -> None:
    cases = [
        (one(report, "retained", "a manager"), "quotation", '"access to a manager"'),
        (one(report, "retained", "in discussion with their manager"), "paraphrase", "discuss with their manager"),
        (one(report, "retained", "must"), "quotation", 'We urge that "must" should be retained.'),
        (one(report, "dropped", "and their manager"), "quotation", '"and their manager"'),
        (one(report, "modified", "one working day"), "paragraph", "three working days to record a decision is too long"),
    ]
    for p, how, words in cases:
        objections = [lk for lk in p.links if lk.point.stance == "objection" and lk.point.by == "respondent" and "chapter" not in lk.how]
        assert len(objections) == 1, (p.previous_words, [lk.to_dict() for lk in p.links])
        lk = objections[0]
        assert lk.point.source == "basw_response.md"
        assert how in lk.how and words in lk.quote
        assert p.objected


def test_consult_retained_despite_objection_leads_with_accountability(report) -> None:
    ids = [p.id for p in report.retained_despite_objection]
    expected = {one(report, "retained", w).id for w in ("a manager", "in discussion with their manager", "must")}
    assert set(ids) == expected
    assert all(p.accountability for p in report.retained_despite_objection)
    # supported, not objected: the terminology change is not retained despite objection
    term = one(report, "retained", "professionals")
    assert [lk.point.stance for lk in term.links] == ["support"] and not term.objected


def test_consult_government_points_link_but_are_not_objections(report) -> None:
    dropped = one(report, "dropped", "and their manager")
    gov = [lk for lk in dropped.links if lk.point.by == "government"]
    assert gov and gov[0].point.source == "government_response.html" and "paragraph" in gov[0].how
    assert dropped.government_answered
    mod = one(report, "modified", "one working day")
    assert any(lk.point.by == "government" and "two working days" in lk.quote for lk in mod.links)


def test_consult_no_link_from_unrelated_points(report) -> None:
    unrelated = ("20,000 members", "publish the final guidance in good time", "412 responses", "come into force later this year")
    for p in report.proposals:
        for lk in p.links:
            assert not any(u in lk.point.text for u in unrelated), (p.id, lk.point.text)
    unlinked = " ".join(pt.text for pt in report.unlinked_points)
    assert all(u in unlinked for u in unrelated)
    # never consulted on, so nobody quoted them: linked only by a chapter-wide point
    assert all(lk.how == ("chapter", "role") for p in report.by_status("new_in_final") for lk in p.links)


def test_consult_one_word_quote_needs_its_paragraph(report) -> None:
    """'"must"' is quoted with "Paragraph 4": it links to ¶4's must -> should, not ch.2 ¶9's."""
    assert not one(report, "new_in_final", "must").links
    assert one(report, "retained", "must").links[0].how == ("quotation",)


def test_consult_stance_lexicon_is_negation_aware() -> None:
    cues = load_stances(load_pack())
    assert stance("We strongly object to replacing it.", cues) == "objection"
    assert stance("We do not support this change.", cues) == "objection"
    assert stance("We have no objection to the new wording.", cues) == "support"
    assert stance("We welcome the commitment.", cues) == "support"
    assert stance("The draft no longer expects this; we are concerned.", cues) == "objection"
    assert stance("The guidance will come into force later this year.", cues) == "neutral"
    assert load_stances(load_pack("adult-safeguarding")) == cues  # inherited through extends


def test_consult_paragraph_references() -> None:
    assert find_refs("Paragraph 4 would weaken it; see paras 1.12 and 1.13, and ¶ 62.") == ("4", "1.12", "1.13", "62")
    assert find_refs("In 2018, 412 responses were received.") == ()


def test_consult_track_on_texts_without_responses() -> None:
    prev = parse_text("1. The social worker and their manager must agree the plan.", label="prev")
    draft = parse_text("1. The social worker must agree the plan.", label="draft")
    final = parse_text("1. The social worker and their manager must agree the plan.", label="final")
    r = track(prev, draft, final, [])
    assert [(p.status, p.previous_words) for p in r.proposals] == [("dropped", "and their manager")]
    assert r.points == () and r.summary()["by_status"]["dropped"] == 1


# --- JSON and renderers --------------------------------------------------------------


def test_consult_json_shape(report) -> None:
    d = json.loads(render_consultation(report, "json"))
    assert d["kind"] == "consultation"
    assert set(d["summary"]["by_status"]) == set(PROPOSAL_STATUSES)
    assert len(d["proposals"]) == len(report.proposals)
    for p in d["proposals"]:
        assert p["status"] in PROPOSAL_STATUSES
        for k in ("previous", "draft", "final", "tags", "objections", "id", "previous_words", "draft_words", "final_words"):
            assert k in p
        for o in p["objections"] + p["responses"]:
            assert o["source"] and o["quote"] and o["stance"] in ("objection", "support", "neutral")
    by_id = {p["id"]: p for p in d["proposals"]}
    rdo = [by_id[i] for i in d["retained_despite_objection"]]
    assert rdo and all(p["status"] == "retained" and p["retained_despite_objection"] for p in rdo)
    assert all(by_id[i]["status"] == "dropped" for i in d["dropped"])
    mod = next(p for p in d["proposals"] if p["status"] == "modified")
    assert "one working day" in mod["previous"] and "three working days" in mod["draft"] and "two working days" in mod["final"]
    assert any(t["type"] == "TIMESCALE_CHANGED" for t in mod["tags"])


def test_consult_markdown_leads_with_the_three_sections(report) -> None:
    md = render_consultation(report, "md").decode()
    a, b, c = md.index("## Retained despite objection"), md.index("## New in the final text"), md.index("## Dropped proposals")
    assert a < b < c < md.index("## Modified proposals") < md.index("## Retained proposals")
    assert "~~a manager~~ **colleagues**" in md
    assert "We strongly object" in md


CHAPTER_POINT = "More generally, we oppose removing managers from decisions about children throughout Chapter 1."
SENTENCE_P2 = "This will require judgements to be made by the social worker {} on each individual case."


def test_consult_chapter_wide_point_links_every_matching_proposal_of_the_chapter(report) -> None:
    linked = {p.id for p in report.proposals for lk in p.links if lk.point.text == CHAPTER_POINT}
    want = {
        one(report, "retained", "in discussion with their manager").id,                 # ROLE_REMOVED manager, ch.1
        one(report, "dropped", "and their manager").id,                                  # ROLE_REMOVED manager, ch.1
        one(report, "new_in_final", "and their manager").id,                             # ¶6, never consulted on
        one(report, "new_in_final", ", and signed off by the team manager").id,          # ¶6
    }
    assert linked == want
    # not the manager -> colleague replacement ("removing" names *_REMOVED tags), not chapter 2
    assert one(report, "retained", "a manager").id not in linked
    assert one(report, "new_in_final", "must").id not in linked
    for p in report.proposals:
        for lk in p.links:
            if lk.point.text == CHAPTER_POINT:
                assert lk.how == ("chapter", "role") and lk.point.stance == "objection"
                assert lk.score < min(x.score for q in report.proposals for x in q.links if "chapter" not in x.how)
    assert CHAPTER_POINT not in " ".join(pt.text for pt in report.unlinked_points)
    assert one(report, "new_in_final", "and their manager").objected


def test_consult_chapter_point_needs_the_role_and_the_chapter() -> None:
    prev = parse_text("# Chapter 1: Help\n\n1. The manager must agree the plan.\n\n# Chapter 2: Records\n\n2. The manager must sign the record.", label="prev")
    draft = parse_text("# Chapter 1: Help\n\n1. The social worker must agree the plan.\n\n# Chapter 2: Records\n\n2. The record must be signed.", label="draft")
    resp = parse_text("# Response\n\nWe object to removing managers throughout Chapter 2.\n\nWe object to removing teachers throughout Chapter 1.", label="resp")
    r = track(prev, draft, draft, [resp])
    by_chapter = {p.unit.path[0]: p for p in r.proposals}
    assert [lk.point.text for lk in by_chapter["Chapter 2: Records"].links] == ["We object to removing managers throughout Chapter 2."]
    assert not by_chapter["Chapter 1: Help"].links
    assert [pt.text for pt in r.unlinked_points] == ["We object to removing teachers throughout Chapter 1."]


def test_consult_quote_is_the_whole_sentence_not_cut_at_a_semicolon(report) -> None:
    mod = one(report, "modified", "one working day")
    lk = next(lk for lk in mod.links if lk.point.by == "respondent")
    assert lk.quote == "In paragraph 4, allowing three working days to record a decision is too long; the current limit of one working day should stay."


def test_consult_edit_shown_in_its_sentence_in_every_format(report) -> None:
    from docx import Document

    p = one(report, "retained", "in discussion with their manager")
    md = render_consultation(report, "md").decode()
    assert "> " + SENTENCE_P2.format("~~in discussion with their manager~~") in md
    soup = BeautifulSoup(render_consultation(report, "html").decode(), "html.parser")
    sent = soup.find("article", id=p.id).find("p", class_="sentence")
    assert sent.get_text() == SENTENCE_P2.format("in discussion with their manager")
    assert sent.find("del").get_text() == "in discussion with their manager" and not sent.find("ins")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(render_consultation(report, "csv").decode("utf-8-sig")))}
    assert rows[p.id]["sentence"] == SENTENCE_P2.format("[-in discussion with their manager-]")
    assert rows[one(report, "retained", "a manager").id]["sentence"].startswith("Social workers should have access to [-a manager-] {+colleagues+} to talk")
    d = json.loads(render_consultation(report, "json"))
    pj = next(x for x in d["proposals"] if x["id"] == p.id)
    assert pj["sentence"] == [["equal", "This will require judgements to be made by the social worker "], ["delete", "in discussion with their manager"], ["equal", " on each individual case."]]
    doc = Document(io.BytesIO(render_consultation(report, "docx")))
    para = next(x for x in doc.paragraphs if x.text == SENTENCE_P2.format("in discussion with their manager"))
    assert [r.text for r in para.runs if r.font.strike] == ["in discussion with their manager"]


def test_consult_markdown_strikes_an_edit_that_starts_with_punctuation(report) -> None:
    md = render_consultation(report, "md").decode()
    # "months~~, and" would not render as a strikethrough (a ~~ before punctuation opens only after a space)
    assert "at least every three months ~~, and signed off by the team manager~~." in md


def test_consult_json_objections_hold_objections_only(report) -> None:
    d = json.loads(render_consultation(report, "json"))
    by_id = {p["id"]: p for p in d["proposals"]}
    for p in d["proposals"]:
        assert all(o["stance"] == "objection" for o in p["objections"])
        assert all(o["stance"] != "objection" for o in p["responses"])
    term = by_id[one(report, "retained", "professionals").id]
    assert term["objections"] == [] and [o["stance"] for o in term["responses"]] == ["support"]
    dropped = by_id[one(report, "dropped", "and their manager").id]
    assert [o["by"] for o in dropped["responses"]] == ["government"]
    assert len(dropped["objections"]) == 2


def test_consult_html_parses_and_leads(report) -> None:
    html = render_consultation(report, "html").decode()
    soup = BeautifulSoup(html, "html.parser")
    ids = [s["id"] for s in soup.find_all("section")]
    assert ids[:4] == ["summary", "retained-despite-objection", "new-in-final", "dropped"]
    rdo = soup.find("section", id="retained-despite-objection")
    assert len(rdo.find_all("article")) == 3
    assert "access to a manager" in rdo.get_text()
    assert not soup.find_all("script")


def test_consult_csv_rows(report) -> None:
    rows = list(csv.DictReader(io.StringIO(render_consultation(report, "csv").decode("utf-8-sig"))))
    assert len(rows) == len(report.proposals)
    assert {r["status"] for r in rows} == set(PROPOSAL_STATUSES)
    assert sum(r["retained_despite_objection"] == "yes" for r in rows) == 3


def test_consult_docx_opens(report) -> None:
    from docx import Document

    data = render_consultation(report, "docx")
    assert zipfile.is_zipfile(io.BytesIO(data))
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Retained despite objection" in text and "We strongly object" in text


def test_consult_unknown_format_is_bad_input(report) -> None:
    from tracker.errors import BadInput

    with pytest.raises(BadInput):
        render_consultation(report, "pptx")


@pytest.fixture(scope="module")
def hostile() -> ConsultationReport:
    prev = parse_text(f"1. The manager must record {XSS_SCRIPT} the decision.", label=XSS_IMG)
    draft = parse_text(f"1. The manager should record {XSS_CLOSE} the decision.", label="draft")
    final = parse_text(f"1. The manager should record {XSS_CLOSE} the decision {XSS_ATTR}.", label="final")
    resp = parse_text(f"# Response\n\nParagraph 1: we object to \"should record {XSS_CLOSE}\" {XSS_IMG}.", label=XSS_SCRIPT)
    return track(prev, draft, final, [resp])


def test_consult_hostile_text_escaped_in_html(hostile) -> None:
    assert any(p.links for p in hostile.proposals)
    html = render_consultation(hostile, "html").decode()
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script")
    assert not soup.find_all("img")
    assert not any(k.startswith("on") or k == "autofocus" for el in soup.find_all(True) for k in el.attrs)
    assert "<script>" in soup.get_text() and "onerror=" in soup.get_text()


def test_consult_hostile_text_escaped_in_markdown_and_csv(hostile) -> None:
    md = render_consultation(hostile, "md").decode()
    assert re.search(r"(?<!\\)<(script|img)", md) is None and "\\<script>" in md
    rows = list(csv.reader(io.StringIO(render_consultation(hostile, "csv").decode("utf-8-sig"))))
    assert not any(c.startswith(("=", "+", "-", "@")) for r in rows for c in r)


def test_consult_doctests() -> None:
    import doctest

    import tracker.consult

    res = doctest.testmod(tracker.consult)
    assert res.failed == 0 and res.attempted >= 6
