"""Word-level diff of two texts, format-neutral.

Words (and the spaces and punctuation between them) are mapped to single characters,
diffed with diff-match-patch, given a semantic clean-up, and mapped back. The result
is a tuple of ``(op, text)`` with op in ``equal``/``delete``/``insert``: joining the
equal and delete texts gives the old text back, equal and insert the new one. Markup
is the renderers' business, never this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from tracker.models import WordDiff

__all__ = ["Hunk", "hunks", "rebuild", "tokenize", "word_diff"]

_TOKEN = re.compile(r"\w+(?:[\u2019'][\w]+)*|\s+|[^\w\s]", re.UNICODE)
_OPS = {0: "equal", -1: "delete", 1: "insert"}


def tokenize(text: str) -> list[str]:
    """Split into words, runs of white space and single punctuation marks.

    >>> tokenize("the child's plan, agreed")
    ['the', ' ', "child's", ' ', 'plan', ',', ' ', 'agreed']
    """
    return _TOKEN.findall(text)


def _dmp() -> diff_match_patch:
    d = diff_match_patch()
    d.Diff_Timeout = 2.0
    return d


def word_diff(old: str, new: str) -> WordDiff:
    """Diff ``old`` against ``new`` word by word.

    Returns:
        ``(op, text)`` pairs; adjacent ops of one kind are merged, and a change is
        shown as its deletion before its insertion.
    """
    if old == new:
        return (("equal", old),) if old else ()
    a, b = tokenize(old), tokenize(new)
    vocab: dict[str, str] = {}
    rev: list[str] = []

    def enc(tokens: list[str]) -> str:
        out = []
        for t in tokens:
            c = vocab.get(t)
            if c is None:
                n = len(rev)
                # Skip the surrogate block: those code points cannot stand alone.
                c = chr(n + 0x100 if n + 0x100 < 0xD800 else n + 0x100 + 0x800)
                vocab[t] = c
                rev.append(t)
            out.append(c)
        return "".join(out)

    ea, eb = enc(a), enc(b)
    dmp = _dmp()
    diffs = dmp.diff_main(ea, eb, False)
    dmp.diff_cleanupSemantic(diffs)
    base = 0x100
    ops: list[list[str]] = []
    for op, chars in diffs:
        text = "".join(rev[(ord(c) - base) if ord(c) < 0xD800 else (ord(c) - base - 0x800)] for c in chars)
        name = _OPS[op]
        if ops and ops[-1][0] == name:
            ops[-1][1] += text
        else:
            ops.append([name, text])
    return _order(ops)


def _order(ops: list[list[str]]) -> WordDiff:
    """Merge runs so each change reads delete-then-insert, and drop empty ops."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(ops):
        if ops[i][0] == "equal":
            if ops[i][1]:
                out.append(("equal", ops[i][1]))
            i += 1
            continue
        dele, ins = [], []
        while i < len(ops) and ops[i][0] != "equal":
            (dele if ops[i][0] == "delete" else ins).append(ops[i][1])
            i += 1
        if dele and "".join(dele):
            out.append(("delete", "".join(dele)))
        if ins and "".join(ins):
            out.append(("insert", "".join(ins)))
    return tuple(out)


def rebuild(diff: WordDiff) -> tuple[str, str]:
    """The (old, new) texts a diff was made from."""
    old = "".join(t for op, t in diff if op != "insert")
    new = "".join(t for op, t in diff if op != "delete")
    return old, new


@dataclass(frozen=True)
class Hunk:
    """One run of non-equal ops: old chars [old_start, old_end) became new [new_start, new_end)."""

    index: int
    old_start: int
    old_end: int
    new_start: int
    new_end: int
    old_text: str
    new_text: str


def hunks(diff: WordDiff) -> list[Hunk]:
    """The diff's change hunks, with character offsets into the old and new texts."""
    out: list[Hunk] = []
    o = n = 0
    cur: list[int] | None = None
    old_parts: list[str] = []
    new_parts: list[str] = []
    for op, text in diff:
        if op == "equal":
            if cur is not None:
                out.append(Hunk(len(out), cur[0], o, cur[1], n, "".join(old_parts), "".join(new_parts)))
                cur, old_parts, new_parts = None, [], []
            o += len(text)
            n += len(text)
            continue
        if cur is None:
            cur = [o, n]
        if op == "delete":
            old_parts.append(text)
            o += len(text)
        else:
            new_parts.append(text)
            n += len(text)
    if cur is not None:
        out.append(Hunk(len(out), cur[0], o, cur[1], n, "".join(old_parts), "".join(new_parts)))
    return out
