"""Word diff: format-neutral ops that rebuild both texts."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.diff import hunks, rebuild, tokenize, word_diff

WORDS = st.lists(st.sampled_from(["the", "social", "worker", "manager", "must", "should", "agree", "a", "plan", ",", ".", " ", "  ", "\n", "’s", "child’s", "é", "—"]), max_size=40).map("".join)


@given(WORDS, WORDS)
@settings(max_examples=300, deadline=None)
def test_diff_rebuilds_both_texts(a: str, b: str) -> None:
    d = word_diff(a, b)
    assert rebuild(d) == (a, b)
    assert all(op in ("equal", "delete", "insert") and text for op, text in d)


@given(st.text(max_size=200), st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_diff_rebuilds_arbitrary_unicode(a: str, b: str) -> None:
    assert rebuild(word_diff(a, b)) == (a, b)


def test_diff_words_not_characters() -> None:
    d = word_diff("access to a manager to talk", "access to colleagues to talk")
    assert ("delete", "a manager") in d and ("insert", "colleagues") in d


def test_diff_identical_is_one_equal() -> None:
    assert word_diff("same text", "same text") == (("equal", "same text"),)


def test_diff_hunks_offsets() -> None:
    old, new = "The social worker and their manager should agree.", "The social worker should agree."
    hs = hunks(word_diff(old, new))
    assert len(hs) == 1
    assert old[hs[0].old_start:hs[0].old_end] == hs[0].old_text == "and their manager "
    assert hs[0].new_start == hs[0].new_end


def test_diff_tokenize_keeps_possessive_word() -> None:
    assert tokenize("the child's plan") == ["the", " ", "child's", " ", "plan"]
