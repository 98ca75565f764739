"""Alignment: renumbering is not a change, moves and splits are found, every unit used once."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.align import align
from tracker.ingest import parse_text

PARAS = [
    "The social worker should see the child within one working day.",
    "The local authority must complete the assessment within 45 working days.",
    "Supervision should support practitioners to reflect critically on their decisions.",
    "Safeguarding partners must publish a report each year.",
    "The designated safeguarding lead should liaise with the police.",
    "Early help is more effective than reacting later.",
    "Schools should have a child protection policy.",
]


def doc(paras, numbered=True, start=1):
    return parse_text("\n\n".join(f"{i}. {p}" if numbered else p for i, p in enumerate(paras, start)))


def test_align_renumbering_alone_is_no_change() -> None:
    a = doc(PARAS, start=1)
    b = doc(PARAS, start=10)
    al = align(a, b)
    assert all(p.status == "equal" for p in al.pairs)
    assert a.units[0].number == "1" and b.units[0].number == "10"


def test_align_insert_shifts_numbers_without_changes() -> None:
    al = align(doc(PARAS), doc(PARAS[:2] + ["A new paragraph about consent and capacity."] + PARAS[2:]))
    kinds = [p.status for p in al.pairs]
    assert kinds.count("added") == 1 and kinds.count("equal") == len(PARAS)


def test_align_modified_pairs_with_its_old_self() -> None:
    new = list(PARAS)
    new[1] = "The local authority should complete the assessment within 45 working days."
    al = align(doc(PARAS), doc(new))
    mods = [p for p in al.pairs if p.status == "modified"]
    assert len(mods) == 1 and mods[0].old.text == PARAS[1] and 0.5 < mods[0].similarity < 1


def test_align_move_to_other_chapter() -> None:
    old = "Chapter 1: Assessment\n\n1. " + PARAS[0] + "\n\n2. " + PARAS[1] + "\n\nChapter 2: Reviews\n\n3. " + PARAS[2] + "\n\n4. " + PARAS[3]
    new = "Chapter 1: Assessment\n\n1. " + PARAS[0] + "\n\nChapter 2: Reviews\n\n2. " + PARAS[2] + "\n\n3. " + PARAS[1] + "\n\n4. " + PARAS[3]
    al = align(parse_text(old), parse_text(new))
    moved = [p for p in al.pairs if p.status == "moved"]
    assert len(moved) == 1 and moved[0].old.text == PARAS[1] and not moved[0].text_changed
    assert moved[0].old.path == ("Chapter 1: Assessment",) and moved[0].new.path == ("Chapter 2: Reviews",)


def test_align_split_joins_the_two_new_paragraphs() -> None:
    old = [PARAS[0], "The manager must review the plan and record the decision on the child's file before the conference meets.", PARAS[2]]
    new = [PARAS[0], "The manager must review the plan.", "They should record the decision on the child's file before the conference meets.", PARAS[2]]
    al = align(doc(old), doc(new))
    changed = [p for p in al.pairs if p.status != "equal"]
    assert len(changed) == 1, [(p.status, p.old and p.old.text, p.new and p.new.text) for p in changed]
    assert changed[0].merged_new == ("2", "3")


@given(st.lists(st.sampled_from(PARAS), max_size=12), st.lists(st.sampled_from(PARAS), max_size=12))
@settings(max_examples=150, deadline=None)
def test_align_uses_every_unit_exactly_once(a, b) -> None:
    A, B = doc(a, numbered=False) if a else parse_text(""), doc(b, numbered=False) if b else parse_text("")
    al = align(A, B)
    olds = [p.old.index for p in al.pairs if p.old is not None and not p.merged_old]
    news = [p.new.index for p in al.pairs if p.new is not None and not p.merged_new]
    merged_o = sum(len(p.merged_old) for p in al.pairs)
    merged_n = sum(len(p.merged_new) for p in al.pairs)
    assert len(olds) + merged_o == len(A.units) and len(set(olds)) == len(olds)
    assert len(news) + merged_n == len(B.units) and len(set(news)) == len(news)


@given(st.lists(st.sampled_from(PARAS), max_size=10))
@settings(max_examples=60, deadline=None)
def test_align_self_comparison_is_all_equal(a) -> None:
    d = doc(a)
    assert all(p.status == "equal" for p in align(d, d).pairs)


def test_align_very_long_units_pair_up():
    """A 1.4 MB paragraph (a badly extracted PDF) is scored by its ends, so it still pairs
    with its edited self instead of stalling the quadratic scorer."""
    from tracker.ingest import parse_text

    body = " ".join(f"word{i % 997}" for i in range(200_000))
    old = parse_text("1. Intro.\n\n2. " + body + "\n\n3. End.")
    new = parse_text("1. Intro.\n\n2. " + body.replace("word5 ", "word5 must ", 1) + "\n\n4. Other.")
    pairs = align(old, new).pairs
    big = [p for p in pairs if p.old is not None and len(p.old.text) > 1_000_000]
    assert len(big) == 1 and big[0].new is not None and big[0].status == "modified"
