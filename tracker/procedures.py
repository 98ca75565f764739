"""procedures: which passages of local procedures restate guidance that changed.

Stages, each a plain function::

    build_index(report)              guidance comparison -> GuidanceIndex (plain, picklable)
    check_document(index, doc, ...)  one local Document -> list[Finding]  (pure, no I/O)
    make_report(index, ...)          findings of many documents -> ProceduresReport (sorted)
    check(old, new, locals)          the whole job over parsed documents
    check_paths(old, new, paths)     files and folders (recursive); unreadable files listed

``check_document`` needs no spaCy and no file: a batch job (``tracker.jobs``) can map it
over thousands of documents with one index shipped to every worker.

**What is looked for.** Every changed guidance paragraph with a practice impact
(severity above ``none``; modified, moved-and-reworded or deleted units) is cut into
sentences; the sentences an edit (a word-diff hunk) touches are indexed with their old
and new wording and the edits themselves. Each sentence of each paragraph or list item
of a local document is then matched:

- *candidates*: indexed sentences that share the local sentence's rarest content words
  (posting lists, ranked by inverse document frequency; at most ``MAX_CANDIDATES`` go on),
  so nothing is compared all-pairs;
- *quotation*: the guidance sentence (old or new) occurs word for word in the local one,
  or the local sentence is a verbatim extract of at least half of it;
- *paraphrase*: rapidfuzz token-set and token-sort ratios over normalised content words
  (light stemming, number words as digits) reach ``PARAPHRASE`` (``REFERENCED`` when the
  sentence also cites that paragraph), with at least three content words shared;
- *reference*: "Working Together, paragraph 62", "para 62", "(WT 2018, 4.12)". A bare
  "paragraph 62" counts only when the sentence shares content words with that paragraph;
  numbers are read against the *old* guidance (the edition a procedure was written to).

Unchanged guidance sentences are indexed too, as anchors: a local sentence closer to an
unchanged sentence than to any changed one is not reported.

**Status**, judged at the edited places of the matched guidance sentence (an edit's old
words are *carried* when its distinctive content words occur in the local sentence):

- ``follows_new``: the local sentence carries the new wording at an edited place and the
  old wording at none (or leaves out words the new guidance deleted). Severity ``none``.
- ``contradicts_new``: the local sentence makes a claim the new guidance no longer
  supports and a word swap will not settle: it keeps an old *timescale* the new
  guidance changed (``TIMESCALE_CHANGED``), or restates a *duty* or paragraph the new
  guidance *deleted* (``DUTY_REMOVED``, a deleted unit, or a reference to one), or it
  asserts a removed or replaced role, removed oversight or changed modal
  (``ROLE_REMOVED``, ``ROLE_REPLACED``, ``OVERSIGHT_REMOVED``, ``OBLIGATION_*``) **in
  its own words**: the edit's distinctive words are there but not the edit's old words
  as the guidance put them ("Team managers must sign off every assessment" against a
  removed "and signed off by the team manager"). The procedure owner must decide what
  the local rule is now.
- ``follows_old``: any other local sentence that carries the old wording at an edited
  place: the old words kept as the guidance put them, merely out of date ("the social
  worker and their manager should agree a plan" where the new guidance says "the
  social worker should agree a plan"; "professionals" for "practitioners"); a close
  restatement (quotation, or similarity of at least ``RESTATEMENT``) that lacks words
  the new guidance inserted; or a reference to a changed paragraph whose text it does
  not repeat. The suggested text applies the edits.

A matched sentence that shows neither wording at any edited place is not reported: the
change does not reach it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
from collections import defaultdict
from difflib import SequenceMatcher
from functools import lru_cache
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from rapidfuzz import fuzz

from tracker.diff import hunks
from tracker.errors import BadInput, TrackerError
from tracker.models import (
    FINDING_STATUSES,
    SEVERITIES,
    Change,
    Document,
    Finding,
    GuidanceChange,
    GuidanceEdit,
    GuidanceIndex,
    GuidanceSentence,
    JobSummary,
    LocalFailure,
    Pack,
    ProceduresReport,
    Report,
    VersionInfo,
)

__all__ = [
    "PARAPHRASE",
    "RESTATEMENT",
    "build_index",
    "check",
    "check_files",
    "check_item",
    "check_document",
    "check_paths",
    "count_passages",
    "local_files",
    "make_report",
    "read_local",
    "read_locals",
    "sentence_spans",
    "suggest",
]

PARAPHRASE = 0.62
"""Least similarity (0..1) for a local sentence to count as a paraphrase of a guidance one."""
REFERENCED = 0.45
"""The same, when the local sentence also cites the guidance paragraph."""
RESTATEMENT = 0.85
"""Least similarity for a paraphrase to count as a close restatement: one that lacks words
the new guidance inserts then follows the old wording (see the status rules)."""
MAX_CANDIDATES = 12
"""Guidance sentences compared in full with each local sentence, at most."""
MIN_SHARED = 3
"""Content words a paraphrase must share with the guidance sentence."""

CONTRADICTS_ALWAYS = frozenset({"TIMESCALE_CHANGED", "DUTY_REMOVED"})
"""Tag types whose old wording, kept in a local text, always contradicts the new guidance."""
CONTRADICTS_IN_OWN_WORDS = frozenset({
    "ROLE_REMOVED", "ROLE_REPLACED", "OVERSIGHT_REMOVED", "OBLIGATION_WEAKENED", "OBLIGATION_STRENGTHENED",
})
"""Tag types whose old wording contradicts the new guidance when asserted in the local text's
own words (not a close restatement of the old sentence)."""

_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_STATUS_RANK = {s: i for i, s in enumerate(FINDING_STATUSES)}

# --- Words ----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "once": "1", "twice": "2",
}
_STOP = frozenset("""
a an the and or nor but of to in on at by for with from as into onto upon about over under after before
is are be been being was were am it its this that these those their there they them theirs he she his her
him we us our you your i me my which who whom whose what when where while than then so such if also any
all each every other another some both either neither more most much many very own same just only do does
did done has have had having can could would might will shall not no off up out how why too here
""".split())
"""Function words. Modals ``must``/``should``/``may`` are kept: an edit may rest on them."""


def _stem(w: str) -> str:
    """Light, deterministic suffix stripping: enough to meet "agreed"/"agrees"/"agree"."""
    if w.endswith("'s"):
        w = w[:-2]
    w = _NUMBER_WORDS.get(w, w)
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ies")):
        w = w[:-1]
    elif len(w) > 4 and not w.isdigit():
        if w.endswith("ies"):
            w = w[:-3] + "y"
        elif w.endswith("ing") and len(w) > 5:
            w = w[:-3]
        elif w.endswith("eed"):
            w = w[:-1]
        elif w.endswith("ed"):
            w = w[:-2]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def _tokens(text: str) -> list[str]:
    """Every word, lower-cased and stemmed (``’`` read as ``'``)."""
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [_stem(w) for w in _WORD.findall(t)]


def _content(tokens: Iterable[str]) -> list[str]:
    return [t for t in tokens if t not in _STOP and len(t) > 1 or t.isdigit()]


@lru_cache(maxsize=65536)
def _content_of(norm: str) -> tuple[str, ...]:
    """Content words of an already normalised text (indexed sentences, cached per process)."""
    return tuple(_content(norm.split()))


# --- Sentences ------------------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?;]['\"\u2019\u201d)\]]*\s+(?=[\"'\u2018\u201c(\[]?[A-Z0-9])")
_ABBREV = frozenset({
    "e.g", "i.e", "eg", "ie", "para", "paras", "no", "nos", "mr", "mrs", "ms", "dr", "st", "cf", "vs",
    "fig", "ch", "etc", "p", "pp", "sec", "art", "reg", "ref", "approx", "vol",
})


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence ``(start, end)`` offsets in ``text``: a rule-based split on ``. ! ? ;``
    before a capital or a digit, that keeps "e.g. Local" and "para. 62" whole.

    >>> t = "Staff must act. See para. 12 of the guidance; e.g. Local rules apply."
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Staff must act.', 'See para. 12 of the guidance; e.g. Local rules apply.']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if text[m.start()] == ";" and not text[m.end():m.end() + 1].isupper():
            continue
        before = re.search(r"([\w.]+)$", text[start:m.start()])
        if before:
            word = before.group(1).lower().rstrip(".")
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
        end = m.start() + len(m.group().rstrip())
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        if not chunk.strip():
            continue
        s2 = s + len(chunk) - len(chunk.lstrip())
        out.append((s2, s + len(chunk.rstrip())))
    return out


# --- The index ------------------------------------------------------------------------


def _segments(diff: Sequence[tuple[str, str]]) -> list[tuple[str, int, int, int, int]]:
    """``(op, old_start, old_end, new_start, new_end)`` for each diff op."""
    out, o, n = [], 0, 0
    for op, text in diff:
        lo = len(text) if op != "insert" else 0
        ln = len(text) if op != "delete" else 0
        out.append((op, o, o + lo, n, n + ln))
        o, n = o + lo, n + ln
    return out


def _map(segs: list[tuple[str, int, int, int, int]], pos: int) -> int:
    """Where old offset ``pos`` lands in the new text."""
    for op, o0, o1, n0, _ in segs:
        if op == "equal" and o0 <= pos <= o1:
            return n0 + pos - o0
        if op == "delete" and o0 <= pos < o1:
            return n0
    return segs[-1][4] if segs else 0


def _words_edge(text: str, n: int, last: bool) -> str:
    words = text.split()
    return " ".join(words[-n:] if last else words[:n]) if words else ""


def _sentence_of(spans: list[tuple[int, int]], pos: int) -> int:
    """Index of the sentence holding ``pos``, else the one just before it."""
    best = 0
    for i, (s, e) in enumerate(spans):
        if s <= pos < e or (s <= pos and pos == e):
            return i
        if e <= pos:
            best = i
    return best


def _edit_tags(edit_old: str, edit_new: str, sent_old: str, sent_new: str, change: Change) -> tuple[str, ...]:
    eo, en = edit_old.strip().lower(), edit_new.strip().lower()
    so, sn = sent_old.lower(), sent_new.lower()
    out: list[str] = []
    for t in change.tags:
        if t.type == "EDITORIAL":
            continue
        os_, ns_ = (t.old_span or "").lower(), (t.new_span or "").lower()
        hit = bool(os_ and len(eo) > 1 and (os_ in eo or eo in os_) and os_ in so)
        hit = hit or bool(ns_ and len(en) > 1 and (ns_ in en or en in ns_) and ns_ in sn)
        if change.kind == "deleted" and (not os_ or os_ in so):
            hit = True
        if hit and t.type not in out:
            out.append(t.type)
    return tuple(out)


def _sites(change: Change) -> list[tuple[str, str, list[GuidanceEdit]]]:
    """The edited sentences of a change: ``(old sentence, new sentence, edits)``; and, with
    an empty edit list, its sentences no edit touches."""
    old = change.old.text if change.old else ""
    new = change.new.text if change.new else ""
    ospans = sentence_spans(old)
    if change.new is None:
        out = []
        for s, e in ospans:
            sent = old[s:e]
            edit = GuidanceEdit(old=sent, new="", tag_types=_edit_tags(sent, "", sent, "", change))
            out.append((sent, "", [edit]))
        return out
    nspans = sentence_spans(new)
    segs = _segments(change.diff)
    groups: list[tuple[set[int], list]] = []
    for h in hunks(change.diff):
        if h.old_end > h.old_start:
            touched = {i for i, (s, e) in enumerate(ospans) if s < h.old_end and e > h.old_start}
        else:
            touched = set()
        if not touched:
            touched = {_sentence_of(ospans, h.old_start)} if ospans else set()
        if not touched:
            continue
        merged = [g for g in groups if g[0] & touched]
        rest = [g for g in groups if not g[0] & touched]
        ids, hs = set(touched), [h]
        for g in merged:
            ids |= g[0]
            hs = g[1] + hs
        groups = rest + [(ids, sorted(hs, key=lambda x: x.index))]
    out = []
    used: set[int] = set()
    for ids, hs in sorted(groups, key=lambda g: min(g[0])):
        used |= ids
        s, e = ospans[min(ids)][0], ospans[max(ids)][1]
        ns = min([_map(segs, s)] + [h.new_start for h in hs])
        ne = max([_map(segs, e)] + [h.new_end for h in hs])
        cover = [(a, b) for a, b in nspans if a < max(ne, ns + 1) and b > ns]
        if cover:
            ns, ne = min(ns, cover[0][0]), max(ne, cover[-1][1])
        sent_old, sent_new = old[s:e], new[ns:ne].strip()
        edits = []
        for h in hs:
            if not (h.old_text.strip() or h.new_text.strip()):
                continue
            edits.append(GuidanceEdit(
                old=h.old_text, new=h.new_text,
                before=_words_edge(old[s:max(s, h.old_start)], 3, last=True),
                after=_words_edge(old[min(e, h.old_end):e], 3, last=False),
                tag_types=_edit_tags(h.old_text, h.new_text, sent_old, sent_new, change),
            ))
        if edits:
            out.append((sent_old, sent_new, edits))
    for i, (s, e) in enumerate(ospans):
        if i not in used:
            out.append((old[s:e], old[s:e], []))
    return out


def _aliases(titles: Iterable[str | None], extra: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []

    def add(a: str) -> None:
        a = " ".join(a.lower().split())
        if len(a) >= 2 and a not in out:
            out.append(a)

    for a in extra:
        add(a)
    for t in titles:
        if not t:
            continue
        head = re.split(r"[:\u2013\u2014(|]", t)[0]
        words = re.findall(r"[a-z']+", head.lower())
        if len(words) >= 2:
            add(" ".join(words))
            add(" ".join(words[:2]))
            add(words[0][0] + words[1][0])
    return tuple(out)


def build_index(report: Report, *, old: Document | None = None, new: Document | None = None, aliases: Iterable[str] = ()) -> GuidanceIndex:
    """Index the changed guidance sentences of ``report`` (``compare_documents(old, new)``).

    Args:
        old: the old guidance, if at hand: its unchanged sentences become anchors (a local
            sentence that quotes unchanged guidance is then never matched to a changed one)
            and its title gives the names the guidance is cited by.
        new: the new guidance, for its title.
        aliases: more names local documents cite the guidance by ("WT", "Working Together").
    """
    changes: dict[str, GuidanceChange] = {}
    rows: list[tuple[str | None, str, str, tuple[GuidanceEdit, ...]]] = []
    numbers: dict[str, list[str]] = defaultdict(list)
    changed_units: set[int] = set()
    for c in report.changes:
        if c.old is not None:
            changed_units.add(c.old.index)
        if c.old is None or c.impact.severity == "none":
            continue
        if c.new is not None and not c.text_changed:
            continue
        changes[c.id] = GuidanceChange(
            id=c.id, kind=c.kind, severity=c.impact.severity, old_number=c.old.number,
            new_number=c.new.number if c.new else None, old_path=c.old.path_str, old_text=c.old.text,
            new_text=c.new.text if c.new else "", tags=c.tags, summary=c.impact.summary, actions=c.impact.actions,
        )
        if c.old.number:
            numbers[c.old.number].append(c.id)
        for sent_old, sent_new, edits in _sites(c):
            rows.append((c.id if edits else None, sent_old, sent_new, tuple(edits)))
    if old is not None:
        for u in old.units:
            if u.index in changed_units or u.kind == "heading":
                continue
            for s, e in sentence_spans(u.text):
                rows.append((None, u.text[s:e], u.text[s:e], ()))
    sentences: list[GuidanceSentence] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for k, (cid, so, sn, edits) in enumerate(rows):
        to, tn = _tokens(so), _tokens(sn)
        toks = tuple(dict.fromkeys(_content(to + tn)))
        sentences.append(GuidanceSentence(
            key=k, change_id=cid, old=so, new=sn, edits=edits, tokens=toks,
            old_norm=" ".join(to), new_norm=" ".join(tn),
        ))
        for t in toks:
            postings[t].append(k)
    titles = [old.title if old else None, new.title if new else None, report.old.title, report.new.title]
    return GuidanceIndex(
        old=report.old, new=report.new, tool=report.tool, pack=report.pack, changes=changes,
        sentences=tuple(sentences), postings={t: tuple(v) for t, v in postings.items()},
        numbers={n: tuple(v) for n, v in numbers.items()}, aliases=_aliases(titles, aliases),
    )


# --- Matching -------------------------------------------------------------------------


def _candidates(index: GuidanceIndex, content: list[str]) -> list[int]:
    """Keys of the indexed sentences sharing the rarest words, best first."""
    n = len(index.sentences)
    if not n:
        return []
    rare_limit = max(8, n // 10)
    weight: dict[int, float] = defaultdict(float)
    for t in set(content):
        keys = index.postings.get(t)
        if not keys or len(keys) > rare_limit:
            continue
        w = math.log((n + 1) / len(keys))
        for k in keys:
            weight[k] += w
    ranked = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
    return [k for k, _ in ranked[:MAX_CANDIDATES]]


def _similarity(local: Sequence[str], guide: Sequence[str]) -> float:
    """0..1: how closely the local content words restate the guidance ones."""
    sl, sg = set(local), set(guide)
    shared = len(sl & sg)
    if shared < MIN_SHARED or shared < 0.34 * len(sg):
        return 0.0
    a, b = " ".join(local), " ".join(guide)
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 200.0


def _quoted(local_norm: str, guide_norm: str) -> bool:
    """The local sentence quotes the guidance: a run of at least half of the guidance
    sentence's words (and at least six) occurs in it word for word."""
    if not guide_norm or not local_norm:
        return False
    if f" {guide_norm} " in f" {local_norm} ":
        return True
    a, b = local_norm.split(), guide_norm.split()
    need = max(6, (len(b) + 1) // 2)
    if len(a) < need:
        return False
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= need


def _distinct(words: str, other: str) -> list[str]:
    """Content words of an edit that the other side of the sentence does not have."""
    toks = _tokens(words)
    have = set(_tokens(other))
    return [t for t in (_content(toks) or toks) if t not in have]


def _present(words: list[str], local: set[str]) -> bool:
    if not words:
        return False
    hits = sum(1 for w in words if w in local)
    return hits == len(words) if len(words) <= 2 else hits / len(words) >= 0.6


def _q(text: str) -> str:
    t = " ".join(text.split())
    return f"\u201c{t if len(t) <= 80 else t[:77] + '...'}\u201d"


def _judge(edits: Iterable[GuidanceEdit], sent_old: str, sent_new: str, local: str, *, restated: bool, kind: str,
           reference: bool = False) -> tuple[str | None, list[str]]:
    """Status of a local sentence at the edited places of a guidance sentence.

    Args:
        local: the local sentence.
        restated: the local sentence quotes or closely restates the old guidance sentence
            (then an insertion it lacks counts as old wording kept).
        kind: the change's kind (``deleted``: whatever it keeps, the new guidance no
            longer says).
        reference: found by a paragraph reference only: absent words prove nothing.

    Returns:
        ``(status, reasons)``; status None when no edited place shows either wording.
    """
    words = set(_tokens(local))
    old_ev: list[tuple[GuidanceEdit, bool, str]] = []  # edit, old words verbatim, reason
    new_ev: list[str] = []
    weak_old: list[str] = []
    weak_new: list[str] = []
    for e in edits:
        od, nd = _distinct(e.old, sent_new), _distinct(e.new, sent_old)
        has_old = _present(od, words)
        has_new = _present(nd, words)
        what = f" ({', '.join(e.tag_types)})" if e.tag_types else ""
        verbatim = bool(e.old.strip()) and _locate(local, e.old.strip(), e.before) is not None
        if od and nd:
            if has_old and not has_new:
                old_ev.append((e, verbatim, f"keeps {_q(e.old)} where the new guidance has {_q(e.new)}{what}"))
            elif has_new and not has_old:
                new_ev.append(f"has the new wording {_q(e.new)}")
        elif od:
            if has_old:
                if kind == "deleted":
                    old_ev.append((e, verbatim, f"keeps what the deleted paragraph says{what}"))
                else:
                    old_ev.append((e, verbatim, f"keeps {_q(e.old)}, which the new guidance removes{what}"))
            else:
                weak_new.append(f"leaves out {_q(e.old)}, as the new guidance does")
        elif nd:
            if has_new:
                new_ev.append(f"has the new wording {_q(e.new)}")
            else:
                weak_old.append(f"lacks {_q(e.new)}, which the new guidance adds{what}")
    if old_ev:
        reasons = list(dict.fromkeys(r for _, _, r in old_ev))
        types = {t for e, _, _ in old_ev for t in e.tag_types}
        own_words = {t for e, verbatim, _ in old_ev if not verbatim for t in e.tag_types}
        if kind == "deleted":
            return "contradicts_new", ["restates guidance the new version deletes: it no longer says this"] + reasons
        if types & CONTRADICTS_ALWAYS:
            changed = sorted(types & CONTRADICTS_ALWAYS)
            return "contradicts_new", [f"keeps what the new guidance changes ({', '.join(changed)})"] + reasons
        if own_words & CONTRADICTS_IN_OWN_WORDS:
            return "contradicts_new", ["asserts in its own words what the new guidance no longer says"] + reasons
        return "follows_old", reasons
    if new_ev:
        return "follows_new", list(dict.fromkeys(new_ev + ([] if reference else weak_new)))
    if reference:
        return None, []
    if weak_old and restated:
        return "follows_old", weak_old
    if weak_new:
        return "follows_new", weak_new
    return None, []


# --- Suggested wording ----------------------------------------------------------------


def _pattern(words: str) -> re.Pattern[str] | None:
    toks = re.findall(r"\w+(?:['\u2019]\w+)*", words)
    if not toks:
        return None
    return re.compile(r"(?<!\w)" + r"[\W_]+".join(re.escape(t) for t in toks) + r"(?!\w)", re.IGNORECASE)


def _locate(text: str, words: str, before: str) -> tuple[int, int] | None:
    pat = _pattern(words)
    if pat is None:
        return None
    hits = list(pat.finditer(text))
    if not hits:
        return None
    if len(hits) > 1 and before:
        last = before.split()[-1].lower()
        for m in hits:
            if text[:m.start()].rstrip().lower().endswith(last):
                return m.span()
    return hits[0].span()


def _cased(replacement: str, found: str) -> str:
    if not replacement or not found:
        return replacement
    if found[0].isupper() and replacement[0].islower():
        return replacement[0].upper() + replacement[1:]
    if found[0].islower() and replacement[0].isupper() and not replacement.split()[0].isupper():
        return replacement[0].lower() + replacement[1:]
    return replacement


def suggest(local: str, edits: Iterable[GuidanceEdit]) -> str | None:
    """The local sentence with each guidance edit applied where its old words occur in it
    (an insertion goes after the words that precede it in the guidance). None when no
    edit applies.

    >>> e = GuidanceEdit(old="and their manager ", new="")
    >>> suggest("The social worker and their manager agree the plan.", [e])
    'The social worker agree the plan.'
    """
    spans: list[tuple[int, int, str]] = []
    for e in edits:
        old, new = e.old.strip(), " ".join(e.new.split())
        if old:
            at = _locate(local, old, e.before)
            if at is None:
                continue
            spans.append((at[0], at[1], _cased(new, local[at[0]:at[1]])))
        elif new:
            at = None
            for n in (3, 2, 1):
                ctx = " ".join(e.before.split()[-n:])
                if not ctx:
                    break
                pat = _pattern(ctx)
                hits = list(pat.finditer(local)) if pat else []
                if len(hits) == 1 or (hits and n > 1):
                    at = hits[0].end()
                    break
            if at is not None:
                spans.append((at, at, " " + new))
    if not spans:
        return None
    spans.sort()
    kept: list[tuple[int, int, str]] = []
    for s in spans:
        if kept and s[0] < kept[-1][1]:
            continue
        kept.append(s)
    out = local
    for s, e, r in reversed(kept):
        out = out[:s] + r + out[e:]
    out = re.sub(r"\s{2,}", " ", out)
    out = re.sub(r"\s+([,.;:!?])", r"\1", out).strip()
    if out and out[0].islower() and local[:1].isupper():
        out = out[0].upper() + out[1:]
    return out if out != local else None


# --- References -----------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
_REF = re.compile(
    r"(?:\bparagraphs?|\bparas?\.?|\u00b6)\s*(" + _NUM + r"(?:\s*(?:,|and|&|to|-|\u2013|or)\s*" + _NUM + r")*)",
    re.IGNORECASE,
)
_PAREN_REF = re.compile(
    r"\(\s*([A-Za-z][A-Za-z&' ]{0,40}?)\.?\s*(?:\d{4})?\s*,?\s*(?:(?:paragraphs?|paras?\.?|\u00b6)\s*)?(" + _NUM + r")\s*\)"
)


def _numbers(group: str) -> list[str]:
    out: list[str] = []
    parts = re.split(r"\s*(,|and|&|or|to|-|\u2013)\s*", group.strip())
    prev: str | None = None
    i = 0
    while i < len(parts):
        p = parts[i]
        if re.fullmatch(_NUM, p):
            if prev is not None and i >= 2 and parts[i - 1] in ("to", "-", "\u2013") and prev.isdigit() and p.isdigit():
                lo, hi = int(prev), int(p)
                if 0 < hi - lo <= 20:
                    out += [str(x) for x in range(lo + 1, hi + 1)]
                    prev = p
                    i += 1
                    continue
            out.append(p)
            prev = p
        i += 1
    return out


def _cites(sentence: str, passage: str, index: GuidanceIndex) -> tuple[list[str], list[str]]:
    """Paragraph numbers the sentence cites as the guidance's: (named, bare). ``named``
    ones come with a name of the guidance (in the sentence or its paragraph)."""
    low = " " + re.sub(r"[^a-z0-9']+", " ", (passage or sentence).lower()) + " "
    named_ctx = any(f" {a} " in low for a in index.aliases)
    named: list[str] = []
    bare: list[str] = []
    for m in _PAREN_REF.finditer(sentence):
        who = " ".join(m.group(1).lower().split())
        if who in index.aliases:
            named.append(m.group(2))
    for m in _REF.finditer(sentence):
        nums = _numbers(m.group(1))
        (named if named_ctx else bare).extend(nums)
    return list(dict.fromkeys(named)), [n for n in dict.fromkeys(bare) if n not in named]


# --- Checking one document ------------------------------------------------------------


def count_passages(doc: Document) -> int:
    """Paragraphs and list items of a local document: what ``check_document`` searches."""
    return sum(1 for u in doc.units if u.kind != "heading")


def _finding_id(document: str, unit_index: int, offset: int, change_id: str) -> str:
    h = hashlib.sha1(f"{document}\x1f{unit_index}\x1f{offset}\x1f{change_id}".encode("utf-8")).hexdigest()
    return "p" + h[:11]


def check_document(index: GuidanceIndex, doc: Document, label: str, source: str | None = None) -> list[Finding]:
    """Findings for one local document: pure (no I/O, no spaCy) and deterministic.

    Args:
        index: ``build_index`` of the guidance comparison.
        doc: the local document (``tracker.ingest.parse_file`` / ``parse_bytes``).
        label: how the report names it (its path relative to the folder given).
        source: the file it came from.

    Returns:
        Findings in document order, at most one per local sentence and guidance change.
    """
    out: list[Finding] = []
    by_change: dict[str, list[GuidanceSentence]] = defaultdict(list)
    for gs in index.sentences:
        if gs.change_id:
            by_change[gs.change_id].append(gs)
    for u in doc.units:
        if u.kind == "heading":
            continue
        for s, e in sentence_spans(u.text):
            sent = u.text[s:e]
            toks = _tokens(sent)
            content = _content(toks)
            local_norm = " ".join(toks)
            named, bare = _cites(sent, u.text, index)
            cited: dict[str, str] = {}
            for num in named + bare:
                for cid in index.numbers.get(num, ()):
                    if num in bare:
                        para = _content(_tokens(index.changes[cid].old_text))
                        if len(set(para) & set(content)) < 2:
                            continue
                    cited.setdefault(cid, num)
            keys = _candidates(index, content)
            for cid in cited:
                keys += [g.key for g in by_change.get(cid, ()) if g.key not in keys]
            best: tuple[float, int, bool, bool] | None = None  # score, key, quotation, matched new
            best_anchor = 0.0
            for k in keys:
                g = index.sentences[k]
                # A quotation shares enough content words to pass the similarity guard:
                # the word-run test (the costly one) runs only then.
                same = g.new_norm == g.old_norm
                s_old = _similarity(content, _content_of(g.old_norm))
                s_new = s_old if same else _similarity(content, _content_of(g.new_norm))
                q_old = s_old > 0 and _quoted(local_norm, g.old_norm)
                q_new = not same and s_new > 0 and _quoted(local_norm, g.new_norm)
                s_old, s_new = (1.0 if q_old else s_old), (1.0 if q_new else s_new)
                score = max(s_old, s_new)
                if g.change_id is None:
                    best_anchor = max(best_anchor, score)
                    continue
                limit = REFERENCED if g.change_id in cited else PARAPHRASE
                if score < limit:
                    continue
                quoted = q_old or q_new
                cand = (score + (0.001 if quoted else 0.0), k, quoted, s_new > s_old)
                if best is None or cand[0] > best[0] or (cand[0] == best[0] and k < best[1]):
                    best = cand
            done: set[str] = set()
            if best is not None and not (best_anchor >= best[0] and not best[2]):
                score, k, quoted, _ = best
                g = index.sentences[k]
                ch = index.changes[g.change_id or ""]
                restated = quoted or score >= RESTATEMENT
                status, reasons = _judge(g.edits, g.old, g.new, sent, restated=restated, kind=ch.kind)
                if status is not None:
                    if ch.id in cited:
                        reasons.append(f"cites paragraph {cited[ch.id]} of the old guidance")
                    out.append(_finding(index, ch, u, label, source, s, sent, status, reasons,
                                        "quotation" if quoted else "paraphrase", min(score, 1.0), g.old, g.new,
                                        suggest(sent, g.edits) if status != "follows_new" and ch.kind != "deleted" else None))
                    done.add(ch.id)
            for cid, num in cited.items():
                if cid in done:
                    continue
                ch = index.changes[cid]
                edits = [e for g in by_change.get(cid, ()) for e in g.edits]
                status, reasons = _judge(edits, ch.old_text, ch.new_text, sent, restated=False, kind=ch.kind, reference=True)
                if status is None:
                    status = "contradicts_new" if ch.kind == "deleted" else "follows_old"
                    reasons = ["relies on a paragraph the new guidance deletes"] if ch.kind == "deleted" else ["relies on a paragraph the new guidance changes: check it against the new text"]
                where = f"cites paragraph {num} of the old guidance"
                if ch.new_number and ch.new_number != num:
                    where += f" (now paragraph {ch.new_number})"
                reasons.append(where)
                para = _content(_tokens(ch.old_text))
                sim = (fuzz.token_set_ratio(" ".join(content), " ".join(para)) + fuzz.token_sort_ratio(" ".join(content), " ".join(para))) / 200.0
                out.append(_finding(index, ch, u, label, source, s, sent, status, reasons, "reference", sim,
                                    ch.old_text, ch.new_text, None))
    return out


def _finding(index: GuidanceIndex, ch: GuidanceChange, u, label: str, source: str | None, offset: int, sent: str,  # type: ignore[no-untyped-def]
             status: str, reasons: list[str], match: str, score: float, g_old: str, g_new: str, suggested: str | None) -> Finding:
    return Finding(
        id=_finding_id(label, u.index, offset, ch.id), document=label, section=u.path_str,
        local_text=" ".join(sent.split()), passage=u.text, change_id=ch.id, status=status,
        severity="none" if status == "follows_new" else ch.severity, match=match, score=round(float(score), 4),
        guidance_old=g_old, guidance_new=g_new, guidance_path=ch.old_path, reasons=tuple(reasons),
        suggested_text=suggested, tags=ch.tags, summary=ch.summary, actions=ch.actions, source=source,
        unit_index=u.index, offset=offset,
    )


# --- Whole jobs -----------------------------------------------------------------------


def _sort_key(f: Finding) -> tuple:
    return (_SEV_RANK.get(f.severity, 9), _STATUS_RANK.get(f.status, 9), f.document, f.unit_index, f.offset, f.change_id)


def make_report(index: GuidanceIndex, documents: Iterable[VersionInfo], findings: Iterable[Finding], failures: Iterable[LocalFailure] = (), passages: int = 0) -> ProceduresReport:
    """Assemble the report: findings by priority (severity, then status), then document
    and place; documents and failures by name. The order never depends on the order the
    documents were checked in."""
    return ProceduresReport(
        old=index.old, new=index.new,
        documents=tuple(sorted(documents, key=lambda v: (v.label, v.sha256))),
        findings=tuple(sorted(findings, key=_sort_key)), tool=index.tool, pack=index.pack,
        failures=tuple(sorted(failures, key=lambda f: (f.path, f.message))),
        changes_checked=len(index.changes), passages=passages,
    )


def check(old: Document, new: Document, locals: Sequence[tuple[str, Document]], *, pack: Pack | str | os.PathLike[str] | None = None,
          model: str | None = None, aliases: Iterable[str] = (), failures: Iterable[LocalFailure] = (), report: Report | None = None) -> ProceduresReport:
    """Check parsed local documents against the change from ``old`` to ``new`` guidance.

    Args:
        locals: ``(label, document)`` pairs.
        report: the comparison, if already made (else ``compare_documents(old, new)``).
        failures: local files that could not be read, carried into the report.
    """
    if report is None:
        from tracker.compare import compare_documents

        report = compare_documents(old, new, pack=pack, model=model)
    index = build_index(report, old=old, new=new, aliases=aliases)
    findings: list[Finding] = []
    infos: list[VersionInfo] = []
    passages = 0
    for label, doc in locals:
        findings += check_document(index, doc, label, doc.info.source)
        infos.append(replace(doc.info, label=label))
        passages += count_passages(doc)
    return make_report(index, infos, findings, failures, passages)


def local_files(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """Every file named or inside a named folder (recursively, hidden files and folders
    skipped), as ``(label, path)``: a folder's files are labelled by their path inside it.

    Raises:
        BadInput: a path does not exist.
    """
    out: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for arg in paths:
        p = Path(arg)
        if not p.exists():
            raise BadInput(f"{p} does not exist", None, "check the path of the local document or folder")
        if p.is_dir():
            items = []
            for f in p.rglob("*"):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts) or not f.is_file():
                    continue
                items.append((rel.as_posix(), f))
            items.sort()
        else:
            items = [(p.name, p)]
        for label, f in items:
            if label in seen:
                label = str(f)
            seen.add(label)
            out.append((label, f))
    return out


def read_local(path: str | Path, label: str | None = None) -> Document:
    """Parse one local file of any supported format.

    Raises:
        BadInput: unreadable, empty or unsupported (``UnsupportedFormat``).
    """
    from tracker.ingest import parse_file

    doc = parse_file(path)
    return replace(doc, info=replace(doc.info, label=label or Path(path).name))


def read_locals(paths: Iterable[str | Path]) -> tuple[list[tuple[str, Document]], list[LocalFailure]]:
    """Parse every local file; one ``LocalFailure`` (one line) per file that cannot be read.

    Raises:
        BadInput: a path does not exist.
    """
    docs: list[tuple[str, Document]] = []
    failures: list[LocalFailure] = []
    for label, f in local_files(paths):
        try:
            docs.append((label, read_local(f, label)))
        except TrackerError as e:
            failures.append(LocalFailure(path=label, message=e.one_line()))
        except OSError as e:  # pragma: no cover - a file vanishing mid-walk
            failures.append(LocalFailure(path=label, message=f"{label} cannot be read: {e.strerror or e}."))
    return docs, failures


def check_item(index: GuidanceIndex, payload: tuple[str, str, bytes]) -> tuple[VersionInfo, list[Finding], int]:
    """Work item of the batch job: parse one local file's bytes and check it.

    Pure (the driver reads the file): ``payload`` is ``(label, path, bytes)``. Returns
    the document's provenance, its findings and how many passages it has.

    Raises:
        BadInput, UnsupportedFormat: the bytes are not a readable document.
    """
    from tracker.ingest import parse_file_bytes

    label, path, data = payload
    doc = parse_file_bytes(data, path)
    doc = replace(doc, info=replace(doc.info, label=label))
    return doc.info, check_document(index, doc, label, doc.info.source), count_passages(doc)


def _load(label: str, path: Path) -> tuple[str, str, bytes]:
    from tracker.ingest import read_file

    return label, str(path), read_file(path)


def check_files(index: GuidanceIndex, paths: Iterable[str | Path], *, eng: Any = None, progress: bool = False) -> tuple[ProceduresReport, JobSummary]:
    """Check every local file named or inside a named folder, on a ``tracker.jobs`` engine
    (default: this process). Files are read on the driver, one window at a time, and
    parsed and checked on the workers; a file that cannot be read or parsed is a
    ``LocalFailure`` and the rest go on. The report is the same on every engine.

    Raises:
        BadInput: a path does not exist.
    """
    from tracker.jobs import run_job

    files = local_files(paths)
    infos: list[VersionInfo] = []
    findings: list[Finding] = []
    passages = 0

    def on_result(key: str, result: tuple[VersionInfo, list[Finding], int]) -> None:
        nonlocal passages
        infos.append(result[0])
        findings.extend(result[1])
        passages += result[2]

    items = [(label, functools.partial(_load, label, f)) for label, f in files]
    summary = run_job("procedures", check_item, items, shared=index, on_result=on_result, eng=eng, progress=progress)
    failures = [LocalFailure(path=f.item, message=f.message) for f in summary.failures]
    return make_report(index, infos, findings, failures, passages), summary


def check_paths(old_path: str | Path | Document, new_path: str | Path | Document, paths: Iterable[str | Path], *,
                pack: Pack | str | os.PathLike[str] | None = None, model: str | None = None, aliases: Iterable[str] = (),
                eng: Any = None, progress: bool = False) -> ProceduresReport:
    """Check local files and folders against two guidance files (or parsed documents).

    Unreadable and unsupported local files are listed as failures and the rest checked.
    ``eng``: a ``tracker.jobs`` engine for the local files (default: this process).

    Raises:
        BadInput: a guidance file or a local path is missing or unreadable, no local file
            was found, or none of them could be read.
    """
    from tracker.compare import compare_documents
    from tracker.ingest import parse_file

    old = old_path if isinstance(old_path, Document) else parse_file(old_path)
    new = new_path if isinstance(new_path, Document) else parse_file(new_path)
    paths = list(paths)
    if not local_files(paths):
        names = ", ".join(str(p) for p in paths)
        raise BadInput(f"no local documents found in {names}", "the folders are empty or hold only hidden files", "give .html, .pdf, .docx, .md or .txt files")
    report = compare_documents(old, new, pack=pack, model=model)
    index = build_index(report, old=old, new=new, aliases=aliases)
    result, _ = check_files(index, paths, eng=eng, progress=progress)
    if not result.documents:
        raise BadInput(f"none of the {len(result.failures)} local files could be read", result.failures[0].message, "give .html, .pdf, .docx, .md or .txt files")
    return result
