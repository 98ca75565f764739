"""procedures: which passages of local procedures restate guidance that changed.

Stages, each a plain function::

    build_index(report)              guidance comparison -> GuidanceIndex (plain, picklable)
    check_document(index, doc, ...)  one local Document -> list[Finding]  (pure, no I/O)
    make_report(index, ...)          findings of many documents -> ProceduresReport (sorted)
    check(old, new, locals)          the whole job over parsed documents
    check_paths(old, new, paths)     files and folders (recursive); unreadable files listed

A folder is searched for documents only (``DOCUMENT_SUFFIXES``, or files with no ending):
a ``report.json``, a ``.csv`` or an image in it is skipped and counted
(``ProceduresReport.skipped``), never read as a procedure; a file named on its own is
always tried.

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
- *quotation*: the guidance sentence (old or new, of six words or more) occurs word for
  word in the local one, or the local sentence is a verbatim extract of at least half of
  it holding two of its topic words;
- *paraphrase*: rapidfuzz token-set and token-sort ratios over normalised content words
  (light stemming, number words as digits) reach ``PARAPHRASE`` (``REFERENCED`` when the
  sentence also cites that paragraph), with at least three content words shared (a third
  of each side's), and enough of the guidance sentence's *topic* words (not roles, modals,
  numbers or units of time: ``TOPIC_SHARE``), so "social worker ... every six weeks" alone
  is no paraphrase;
- *reference*: "Working Together, paragraph 62", "para 62", "(WT 2018, 4.12)". A bare
  "paragraph 62" counts only when the sentence shares content words with that paragraph;
  numbers are read against the *old* guidance (the edition a procedure was written to).

Unchanged guidance sentences are indexed too, as anchors: a local sentence closer to an
unchanged sentence than to any changed one is not reported.

**Status**, judged at the edited places of the matched guidance sentence. An edit's old
words are *carried* when its distinctive content words occur in the local sentence,
including at least one of its own words that is not a role word (``GuidanceEdit.key_words``:
"sign" in "and signed off by the team manager"; a sentence sharing only "team manager" or
"case file" carries nothing). Guidance is a minimum, so each edit has a *direction*
(``GuidanceEdit.direction``, from the tags resting on it): **relaxed** (``OBLIGATION_WEAKENED``,
``OVERSIGHT_REMOVED``, ``ROLE_REMOVED``, ``ROLE_REPLACED`` down, ``DUTY_REMOVED``, a
``TIMESCALE_CHANGED`` to a longer period or none), **tightened** (the reverse:
``OBLIGATION_STRENGTHENED``, ``OVERSIGHT_ADDED``, ``ROLE_ADDED``, ``ROLE_REPLACED`` up,
``DUTY_ADDED``, a shorter or new time limit), **changed** (a role swapped sideways, time
limits that cannot be compared, mixed) or wording only (``TERMINOLOGY``, untagged).

- ``follows_new``: the local sentence carries the new wording at an edited place and the
  old wording at none (or, when it closely restates the sentence, leaves out words the
  new guidance deleted). Severity ``none``.
- ``contradicts_new``: the local sentence falls short of the new guidance: it keeps the
  old wording where the new guidance *tightened* the rule ("should" where it now says
  "must", "every six weeks" where it says "every four weeks", a close restatement that
  lacks inserted oversight), or where it *changed* the rule (a role replaced sideways, a
  time limit that cannot be compared). The procedure owner must bring the local rule up
  to the new guidance; the suggested text applies the edits.
- ``follows_old``: the local sentence carries the old wording at an edited place but
  falls short of nothing:

  - where the new guidance *relaxed* the rule, the local text keeps the stricter old rule
    ("Team managers must sign off every assessment" against a removed sign-off; "within
    one working day" against "three working days"; a deleted duty). It **goes beyond the
    new guidance** (``Finding.stricter``), which is allowed: keep it only by a deliberate
    local decision. No suggestion weakens it: ``suggested_text`` applies only the other
    edits (terminology), and the fully relaxed wording is ``option_text``, shown as a
    labelled option;
  - otherwise it is merely out of date: the old words kept as the guidance put them
    ("professionals" for "practitioners"), or a reference to a changed paragraph whose
    text it does not repeat. The suggested text applies the edits.

Where an edit removes or adds a joined part of a subject ("the social worker and their
manager agree" -> "the social worker agrees"), ``suggest`` keeps the verbs in agreement; a
suggestion it cannot make grammatical by rule ends with ``(check wording)``.

A matched sentence that shows neither wording at any edited place is not reported: the
change does not reach it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
from collections import Counter, defaultdict
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
    Tag,
    VersionInfo,
)

__all__ = [
    "CHECK_WORDING",
    "DOCUMENT_SUFFIXES",
    "GOES_BEYOND",
    "PARAPHRASE",
    "RELAXING",
    "RESTATEMENT",
    "TIGHTENING",
    "build_index",
    "check",
    "check_files",
    "check_item",
    "check_document",
    "check_paths",
    "count_passages",
    "local_files",
    "walk_locals",
    "make_report",
    "period_days",
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
_MODALS = frozenset({"must", "should", "may", "might", "can", "could", "will", "would", "shall", "need", "ought"})


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


def _edit_tags(edit_old: str, edit_new: str, sent_old: str, sent_new: str, change: Change) -> list[Tag]:
    """The change's tags (not ``EDITORIAL``) that rest on this edit."""
    eo, en = edit_old.strip().lower(), edit_new.strip().lower()
    so, sn = sent_old.lower(), sent_new.lower()
    out: list[Tag] = []
    for t in change.tags:
        if t.type == "EDITORIAL":
            continue
        os_, ns_ = (t.old_span or "").lower(), (t.new_span or "").lower()
        hit = bool(os_ and len(eo) > 1 and (os_ in eo or eo in os_) and os_ in so)
        hit = hit or bool(ns_ and len(en) > 1 and (ns_ in en or en in ns_) and ns_ in sn)
        if change.kind == "deleted" and (not os_ or os_ in so):
            hit = True
        if hit and t not in out:
            out.append(t)
    return out


# --- Which way a change moves the rule ---------------------------------------------------

RELAXING = frozenset({"OBLIGATION_WEAKENED", "OVERSIGHT_REMOVED", "ROLE_REMOVED", "DUTY_REMOVED"})
"""Tag types that relax the guidance's rule: a local text keeping the old rule goes beyond it."""
TIGHTENING = frozenset({"OBLIGATION_STRENGTHENED", "OVERSIGHT_ADDED", "ROLE_ADDED", "DUTY_ADDED"})
"""Tag types that tighten it: a local text keeping the old rule falls short of it."""

_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "fortnight": 14.0, "month": 30.4, "quarter": 91.0,
              "term": 91.0, "year": 365.0}
_EVERY_WORDS = {"daily": 1.0, "weekly": 7.0, "fortnightly": 14.0, "monthly": 30.4, "quarterly": 91.0, "termly": 91.0,
                "annually": 365.0, "yearly": 365.0, "biannually": 182.5, "six-monthly": 182.5, "six-weekly": 42.0}
_UNIT = r"(hour|day|week|fortnight|month|quarter|term|year)s?\b"


def _count(word: str | None) -> float | None:
    if not word or word in ("a", "an", "the", "each", "every", "per", "first", "next"):
        return 1.0
    w = _NUMBER_WORDS.get(word, word)
    try:
        return float(w)
    except ValueError:
        return None


def period_days(text: str | None) -> float | None:
    """The time a timescale allows, in days (a limit "within three working days", an
    interval "every six weeks", a frequency "at least once a month", "monthly"): the
    larger, the laxer. None when the words give no comparable period (a minimum such as
    "at least 10 days' notice", or no number).

    >>> [round(period_days(t), 1) for t in ("within one working day", "every six weeks", "at least once a month", "twice a year")]
    [1.4, 42.0, 30.4, 182.5]
    """
    if not text:
        return None
    t = " ".join(text.lower().replace("\u2019", "'").split())
    for w, d in _EVERY_WORDS.items():
        if re.search(rf"(?<![\w-]){re.escape(w)}\b", t):
            return d
    if re.search(r"\b(no sooner|not before|not earlier|at least (?!once|twice|every|each)\S+ (?:working |calendar |clear )?" + _UNIT + ")", t):
        return None
    m = re.search(r"\b(\S+) times (?:a|an|per|every|each) " + _UNIT, t)
    if m:
        n = _count(m.group(1))
        return _UNIT_DAYS[m.group(2)] / n if n else None
    m = re.search(r"\b(once|twice) (?:a|an|per|every|each) (?:(\S+) )?" + _UNIT, t)
    if m:
        n, k = (1.0 if m.group(1) == "once" else 2.0), _count(m.group(2))
        return _UNIT_DAYS[m.group(3)] * (k or 1.0) / n
    m = re.search(r"(?:\b(\S+) )?(working |school |business |calendar |clear )?" + _UNIT, t)
    if m:
        n = _count(m.group(1))
        if n is None:
            return None
        unit = _UNIT_DAYS[m.group(3)]
        if m.group(2) in ("working ", "school ", "business ") and m.group(3) == "day":
            unit = 1.4  # five working days are a week
        return n * unit
    if re.search(r"\b(immediately|straight away|without delay|the same day)\b", t):
        return 0.0
    return None


def _tag_direction(t: Tag) -> str:
    if t.type in RELAXING:
        return "relaxed"
    if t.type in TIGHTENING:
        return "tightened"
    if t.type == "ROLE_REPLACED":
        return {"down": "relaxed", "up": "tightened"}.get(t.direction or "", "changed")
    if t.type == "TIMESCALE_CHANGED":
        if not t.from_ and t.to:
            return "tightened"
        if t.from_ and not t.to:
            return "relaxed"
        a, b = period_days(t.from_), period_days(t.to)
        if a is None or b is None or abs(a - b) < 1e-9:
            return "changed"
        return "relaxed" if b > a else "tightened"
    return ""


def _direction(tags: Iterable[Tag]) -> str:
    """``relaxed``, ``tightened``, ``changed`` (sideways, unclear or mixed) or ``""``."""
    dirs = {d for d in map(_tag_direction, tags) if d}
    if not dirs:
        return ""
    return dirs.pop() if len(dirs) == 1 else "changed"


def _role_words(pack: Pack | None, tags: Iterable[Tag] = ()) -> frozenset[str]:
    """Normalised words that name roles: the pack's role wordings and the words the role
    tags rest on."""
    out: set[str] = set()
    if pack is not None:
        for r in pack.roles.values():
            for pat in r.patterns:
                # A role wording's head ("manager"), and the whole of a short one ("team
                # manager"); longer ones ("child protection conference chair") lend their
                # head only, so that "protection" or "review" still say what a sentence is about.
                if isinstance(pat, str):
                    toks = _tokens(pat)
                    out.update(toks if len(toks) <= 2 else toks[-1:])
                elif pat and isinstance(pat[-1], dict):
                    v = pat[-1].get("LOWER")
                    for w in ([v] if isinstance(v, str) else v.get("IN", ()) if isinstance(v, dict) else ()):
                        out.update(_tokens(str(w)))
    for t in tags:
        if t.type.startswith("ROLE_") or t.type == "TERMINOLOGY":
            out.update(_tokens(t.old_span or ""))
            out.update(_tokens(t.new_span or ""))
    return frozenset(w for w in out if w not in _STOP)


def _make_edit(old: str, new: str, sent_old: str, sent_new: str, change: Change, roles: frozenset[str],
               before: str = "", after: str = "") -> GuidanceEdit:
    tags = _edit_tags(old, new, sent_old, sent_new, change)
    key = [w for w in _distinct(old, sent_new, sent_old) if w not in roles and w not in _MODALS]
    return GuidanceEdit(old=old, new=new, before=before, after=after, tag_types=tuple(dict.fromkeys(t.type for t in tags)),
                        direction=_direction(tags), key_words=tuple(dict.fromkeys(key)))


def _sites(change: Change, roles: frozenset[str] = frozenset()) -> list[tuple[str, str, list[GuidanceEdit]]]:
    """The edited sentences of a change: ``(old sentence, new sentence, edits)``; and, with
    an empty edit list, its sentences no edit touches."""
    old = change.old.text if change.old else ""
    new = change.new.text if change.new else ""
    ospans = sentence_spans(old)
    if change.new is None:
        out = []
        for s, e in ospans:
            sent = old[s:e]
            edit = _make_edit(sent, "", sent, "", change, roles)
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
            edits.append(_make_edit(
                h.old_text, h.new_text, sent_old, sent_new, change, roles,
                before=_words_edge(old[s:max(s, h.old_start)], 3, last=True),
                after=_words_edge(old[min(e, h.old_end):e], 3, last=False),
            ))
        if edits:
            out.append((sent_old, sent_new, edits))
    for i, (s, e) in enumerate(ospans):
        if i not in used:
            out.append((old[s:e], old[s:e], []))
    return out


def _pack_of(report: Report, pack: Pack | str | os.PathLike[str] | None) -> Pack | None:
    from tracker.packs import load_pack

    if isinstance(pack, Pack):
        return pack
    try:
        return load_pack(pack if pack is not None else (report.pack.name if report.pack else None))
    except TrackerError:
        return None


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


def build_index(report: Report, *, old: Document | None = None, new: Document | None = None, aliases: Iterable[str] = (),
                pack: Pack | str | os.PathLike[str] | None = None) -> GuidanceIndex:
    """Index the changed guidance sentences of ``report`` (``compare_documents(old, new)``).

    Args:
        old: the old guidance, if at hand: its unchanged sentences become anchors (a local
            sentence that quotes unchanged guidance is then never matched to a changed one)
            and its title gives the names the guidance is cited by.
        new: the new guidance, for its title.
        aliases: more names local documents cite the guidance by ("WT", "Working Together").
        pack: the domain pack (default: the one named in ``report``), for its role words: an
            edit's old wording is carried by a local sentence only when the sentence has the
            edit's own words, not merely the roles it names.
    """
    roles = _role_words(_pack_of(report, pack), (t for c in report.changes for t in c.tags))
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
        for sent_old, sent_new, edits in _sites(c, roles):
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
            old_norm=" ".join(to), new_norm=" ".join(tn), topic=_topic(toks, roles),
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
    # Both ways: a short guidance fragment inside a long local sentence is no restatement.
    if shared < MIN_SHARED or shared < 0.34 * len(sg) or shared < 0.3 * len(sl):
        return 0.0
    a, b = " ".join(local), " ".join(guide)
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 200.0


_TIME_WORDS = frozenset(_tokens("hour day week fortnight month quarter term year working least once twice within"))
TOPIC_SHARE = 0.25
"""Least share of a guidance sentence's topic words (``GuidanceSentence.topic``) that a
paraphrase must have (and at least two), when the sentence has at least three."""


def _topic(words: Iterable[str], roles: frozenset[str]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in roles and w not in _MODALS and w not in _TIME_WORDS and not w.isdigit())


def _on_topic(content: Sequence[str], g: GuidanceSentence) -> bool:
    """The local sentence is about what the guidance sentence is about."""
    if len(set(g.topic)) < 3:
        return True
    topic = set(g.topic)
    shared = len(topic & set(content))
    return shared >= 2 and shared >= TOPIC_SHARE * len(topic)


def _quoted(local_norm: str, guide_norm: str, topic: Sequence[str] = ()) -> bool:
    """The local sentence quotes the guidance: it is the guidance sentence, or a run of at
    least half of the guidance sentence's words (and at least six) occurs in it word for
    word (a fragment such as a table cell, "at least every six weeks", is no quotation)."""
    if not guide_norm or not local_norm:
        return False
    if local_norm == guide_norm:
        return True
    if guide_norm.count(" ") >= 5 and f" {guide_norm} " in f" {local_norm} ":
        return True
    a, b = local_norm.split(), guide_norm.split()
    need = max(6, (len(b) + 1) // 2)
    if len(a) < need:
        return False
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    if m.size < need:
        return False
    # An extract, not a shared phrase ("social worker at least every six weeks"): the run
    # holds words that say what the sentence is about.
    run = set(b[m.b:m.b + m.size])
    return len(run & set(topic)) >= min(2, len(set(topic)))


def _distinct(words: str, other: str, own: str | None = None) -> list[str]:
    """Content words of an edit that the other side of the sentence does not have. A modal
    counts when the other side has it fewer times than ``own`` (the edit's side of the
    sentence), so that a "should" changed to "must" still counts where another "should"
    stays."""
    toks = _tokens(words)
    have = Counter(_tokens(other))
    mine = Counter(_tokens(own)) if own is not None else Counter()
    return [t for t in (_content(toks) or toks) if not have[t] or (t in _MODALS and have[t] < mine[t])]


def _present(words: list[str], local: set[str]) -> bool:
    if not words:
        return False
    hits = sum(1 for w in words if w in local)
    return hits == len(words) if len(words) <= 2 else hits / len(words) >= 0.6


def _q(text: str) -> str:
    t = " ".join(text.split())
    return f"\u201c{t if len(t) <= 80 else t[:77] + '...'}\u201d"


GOES_BEYOND = "goes beyond the new guidance: keep it only by a deliberate local decision"
"""The reason given when a local text keeps a stricter old rule that the new guidance relaxed."""


def _types(edits: Iterable[GuidanceEdit]) -> str:
    return ", ".join(sorted({t for e in edits for t in e.tag_types})) or "no tag"


def _judge(edits: Iterable[GuidanceEdit], sent_old: str, sent_new: str, local: str, *, restated: bool, kind: str,
           reference: bool = False) -> tuple[str | None, list[str], bool]:
    """Status of a local sentence at the edited places of a guidance sentence.

    Args:
        local: the local sentence.
        restated: the local sentence quotes or closely restates the old guidance sentence
            (then an insertion it lacks counts as old wording kept, and a deletion it lacks
            as new wording).
        kind: the change's kind (``deleted``: whatever it keeps, the new guidance no
            longer says).
        reference: found by a paragraph reference only: absent words prove nothing.

    Returns:
        ``(status, reasons, stricter)``; status None when no edited place shows either
        wording; ``stricter`` when the local text keeps a rule the new guidance relaxed.
    """
    words = set(_tokens(local))
    carried: list[tuple[GuidanceEdit, str]] = []  # the old wording kept at an edited place
    lacking: list[tuple[GuidanceEdit, str]] = []  # an insertion of the new guidance missing
    new_ev: list[str] = []
    weak_new: list[str] = []
    for e in edits:
        od, nd = _distinct(e.old, sent_new, sent_old), _distinct(e.new, sent_old, sent_new)
        # The edit's own words, not only the roles it names ("team manager"), must be there.
        has_old = _present(od, words) and (not e.key_words or any(k in words for k in e.key_words))
        has_new = _present(nd, words)
        what = f" ({', '.join(e.tag_types)})" if e.tag_types else ""
        if od and nd:
            if has_old and not has_new:
                carried.append((e, f"keeps {_q(e.old)} where the new guidance has {_q(e.new)}{what}"))
            elif has_new and not has_old:
                new_ev.append(f"has the new wording {_q(e.new)}")
        elif od:
            if has_old:
                carried.append((e, f"keeps what the deleted paragraph says{what}" if kind == "deleted"
                                else f"keeps {_q(e.old)}, which the new guidance removes{what}"))
            else:
                weak_new.append(f"leaves out {_q(e.old)}, as the new guidance does")
        elif nd:
            if has_new:
                new_ev.append(f"has the new wording {_q(e.new)}")
            else:
                lacking.append((e, f"lacks {_q(e.new)}, which the new guidance adds{what}"))
    if carried or (lacking and restated and not new_ev and not reference):
        return _verdict(carried + (lacking if restated and not reference else []), kind)
    if new_ev:
        return "follows_new", list(dict.fromkeys(new_ev + (weak_new if restated and not reference else []))), False
    if weak_new and restated and not reference:
        return "follows_new", weak_new, False
    return None, [], False


def _verdict(evidence: list[tuple[GuidanceEdit, str]], kind: str) -> tuple[str, list[str], bool]:
    """Status from the edited places where the local text keeps the old rule: short of a
    tightened (or otherwise changed) rule it contradicts the new guidance; beyond a relaxed
    one it follows the old (stricter) rule; elsewhere it is merely out of date."""
    reasons = list(dict.fromkeys(r for _, r in evidence))
    tight = [e for e, _ in evidence if e.direction == "tightened"]
    changed = [e for e, _ in evidence if e.direction == "changed"]
    relaxed = [e for e, _ in evidence if e.direction == "relaxed"]
    head = ["restates guidance the new version deletes: it no longer says this"] if kind == "deleted" else []
    if tight:
        head.append(f"falls short of the new guidance, which is stricter here ({_types(tight)})")
    if changed:
        head.append(f"keeps a rule the new guidance changes ({_types(changed)}): decide what the local rule is now")
    if relaxed:
        head.append(f"{GOES_BEYOND} (the new guidance relaxes this: {_types(relaxed)})")
    status = "contradicts_new" if tight or changed else "follows_old"
    return status, head + reasons, bool(relaxed)


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


CHECK_WORDING = "(check wording)"
"""Appended to a suggestion that the edits alone could not make grammatical."""

_TO_SINGULAR = {"are": "is", "were": "was", "have": "has", "do": "does"}
_TO_PLURAL = {v: k for k, v in _TO_SINGULAR.items()}
_PREPOSITIONS = frozenset("to with by from for of on in at about than between among against towards".split())


def _third_person(verb: str) -> str:
    low = verb.lower()
    if low in _TO_SINGULAR:
        return _TO_SINGULAR[low]
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ies"
    if low.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    return verb + "s"


def _base_form(verb: str) -> str:
    low = verb.lower()
    if low in _TO_PLURAL:
        return _TO_PLURAL[low]
    if low.endswith("ies") and len(low) > 4:
        return verb[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z|o)es$", low):
        return verb[:-2]
    return verb[:-1]


_COORDINATED = re.compile(
    r"\b(?:and|or|then)\s+([a-z]+)(?=\s+(?:it|this|that|them|the|a|an|their|these|those|any|all|every|each|what|how)\b)")


def _coordinated(local: str, pos: int, singular: bool) -> list[tuple[int, int, str]]:
    """Verbs joined to the one just re-inflected ("agrees a plan ... and talk(s) it
    through"), in the same clause: a word after "and" that takes an object."""
    out = []
    rest = re.split(r"[;:()\u2014]|, (?:which|who|where|when)\b", local[pos:])[0]
    for m in _COORDINATED.finditer(rest):
        w = m.group(1)
        if w in _STOP or w in _MODALS or w.endswith(("ly", "ed", "ing")):
            continue
        if singular and not (w.endswith("s") and not w.endswith("ss")):
            out.append((pos + m.start(1), pos + m.end(1), _third_person(w)))
        elif not singular and w.endswith("s") and not w.endswith("ss"):
            out.append((pos + m.start(1), pos + m.end(1), _base_form(w)))
    return out


def _agreement(local: str, start: int, end: int, singular: bool) -> tuple[int, int, str] | str | None:
    """Keep subject-verb agreement where an edit removes (``singular``) or adds a joined
    part of the subject that ends at ``end``: the verb after it, re-inflected, as a span to
    replace; None when nothing needs doing (a modal, a past tense, not a subject); or
    ``"check"`` when the words after it are not a verb this can inflect."""
    clause = re.split(r"[,;:()\u2014]", local[:start])[-1].lower()
    head = re.findall(r"[a-z']+", clause)
    if not head or any(w in _PREPOSITIONS for w in head):
        return None  # not the subject of a clause ("report to X and their manager")
    if singular and head[-1].endswith("s") and not head[-1].endswith(("ss", "'s")):
        return None  # the rest of the subject is plural itself ("social workers")
    for m in re.finditer(r"[A-Za-z']+|[^\sA-Za-z']", local[end:]):
        w = m.group()
        low = w.lower()
        if low.endswith("ly") and len(low) > 3:
            continue  # "jointly agree"
        if low in _MODALS or low.endswith("ed"):
            return None
        if not w.isalpha() or low in _STOP and low not in _TO_SINGULAR and low not in _TO_PLURAL:
            return "check"
        s, e = end + m.start(), end + m.end()
        if singular:
            if low.endswith("s") and not low.endswith("ss") and low not in _TO_SINGULAR:
                return None  # already "agrees"
            return s, e, _third_person(w)
        if low in _TO_PLURAL or (low.endswith("s") and not low.endswith("ss")):
            return s, e, _base_form(w)
        return None
    return "check"


def suggest(local: str, edits: Iterable[GuidanceEdit]) -> str | None:
    """The local sentence with each guidance edit applied where its old words occur in it
    (an insertion goes after the words that precede it in the guidance). None when no
    edit applies. Where an edit removes or adds a joined part of a subject ("and their
    manager"), the verb after it is made to agree; when that cannot be done by rule, the
    suggestion ends with ``(check wording)``.

    >>> e = GuidanceEdit(old="and their manager ", new="", tag_types=("ROLE_REMOVED",))
    >>> suggest("The social worker and their manager agree the plan.", [e])
    'The social worker agrees the plan.'
    >>> suggest("The social worker and their manager should agree the plan.", [e])
    'The social worker should agree the plan.'
    """
    spans: list[tuple[int, int, str]] = []
    check = False

    def agree(at0: int, at1: int, words: str, singular: bool, e: GuidanceEdit) -> None:
        nonlocal check
        if not re.match(r"(?i)(and|&)\s", words.strip() + " ") or not {"ROLE_REMOVED", "ROLE_ADDED"} & set(e.tag_types):
            return
        fix = _agreement(local, at0, at1, singular)
        if fix == "check":
            check = True
        elif isinstance(fix, tuple):
            spans.append(fix)
            spans.extend(_coordinated(local, fix[1], singular))

    for e in edits:
        old, new = e.old.strip(), " ".join(e.new.split())
        if old:
            at = _locate(local, old, e.before)
            if at is None:
                continue
            spans.append((at[0], at[1], _cased(new, local[at[0]:at[1]])))
            if not new:
                agree(at[0], at[1], old, True, e)
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
                agree(at, at, new, False, e)
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
    if out == local:
        return None
    return f"{out} {CHECK_WORDING}" if check else out


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
                q_old = s_old > 0 and _quoted(local_norm, g.old_norm, g.topic)
                q_new = not same and s_new > 0 and _quoted(local_norm, g.new_norm, g.topic)
                s_old, s_new = (1.0 if q_old else s_old), (1.0 if q_new else s_new)
                score = max(s_old, s_new)
                if g.change_id is None:
                    best_anchor = max(best_anchor, score)
                    continue
                limit = REFERENCED if g.change_id in cited else PARAPHRASE
                if score < limit:
                    continue
                quoted = q_old or q_new
                if not quoted and g.change_id not in cited and not _on_topic(content, g):
                    continue
                cand = (score + (0.001 if quoted else 0.0), k, quoted, s_new > s_old)
                if best is None or cand[0] > best[0] or (cand[0] == best[0] and k < best[1]):
                    best = cand
            done: set[str] = set()
            if best is not None and not (best_anchor >= best[0] and not best[2]):
                score, k, quoted, _ = best
                g = index.sentences[k]
                ch = index.changes[g.change_id or ""]
                restated = quoted or score >= RESTATEMENT
                status, reasons, stricter = _judge(g.edits, g.old, g.new, sent, restated=restated, kind=ch.kind)
                if status is not None:
                    if ch.id in cited:
                        reasons.append(f"cites paragraph {cited[ch.id]} of the old guidance")
                    suggested = option = None
                    if status != "follows_new" and ch.kind != "deleted":
                        # Never weaken a stricter local rule unasked: edits that relax the rule
                        # go into the option only.
                        suggested = suggest(sent, [e for e in g.edits if e.direction != "relaxed"])
                        option = suggest(sent, g.edits) if stricter else None
                        option = None if option == suggested else option
                    out.append(_finding(index, ch, u, label, source, s, sent, status, reasons,
                                        "quotation" if quoted else "paraphrase", min(score, 1.0), g.old, g.new,
                                        suggested, stricter=stricter, option=option))
                    done.add(ch.id)
            for cid, num in cited.items():
                if cid in done:
                    continue
                ch = index.changes[cid]
                edits = [e for g in by_change.get(cid, ()) for e in g.edits]
                status, reasons, stricter = _judge(edits, ch.old_text, ch.new_text, sent, restated=False, kind=ch.kind, reference=True)
                if status is None:
                    status = "follows_old"
                    if ch.kind == "deleted":
                        reasons = ["relies on a paragraph the new guidance deletes: write the rule out in full if it stays"]
                        stricter = bool(edits) and all(e.direction == "relaxed" for e in edits)
                        if stricter:
                            reasons.append(f"{GOES_BEYOND} (the new guidance relaxes this: {_types(edits)})")
                    else:
                        reasons = ["relies on a paragraph the new guidance changes: check it against the new text"]
                where = f"cites paragraph {num} of the old guidance"
                if ch.new_number and ch.new_number != num:
                    where += f" (now paragraph {ch.new_number})"
                reasons.append(where)
                para = _content(_tokens(ch.old_text))
                sim = (fuzz.token_set_ratio(" ".join(content), " ".join(para)) + fuzz.token_sort_ratio(" ".join(content), " ".join(para))) / 200.0
                out.append(_finding(index, ch, u, label, source, s, sent, status, reasons, "reference", sim,
                                    ch.old_text, ch.new_text, None, stricter=stricter))
    return out


def _finding(index: GuidanceIndex, ch: GuidanceChange, u, label: str, source: str | None, offset: int, sent: str,  # type: ignore[no-untyped-def]
             status: str, reasons: list[str], match: str, score: float, g_old: str, g_new: str, suggested: str | None,
             *, stricter: bool = False, option: str | None = None) -> Finding:
    return Finding(
        id=_finding_id(label, u.index, offset, ch.id), document=label, section=u.path_str,
        local_text=" ".join(sent.split()), passage=u.text, change_id=ch.id, status=status,
        severity="none" if status == "follows_new" else ch.severity, match=match, score=round(float(score), 4),
        guidance_old=g_old, guidance_new=g_new, guidance_path=ch.old_path, reasons=tuple(reasons),
        suggested_text=suggested, tags=ch.tags, summary=ch.summary, actions=ch.actions, source=source,
        unit_index=u.index, offset=offset, stricter=stricter, option_text=option,
    )


# --- Whole jobs -----------------------------------------------------------------------


def _sort_key(f: Finding) -> tuple:
    return (_SEV_RANK.get(f.severity, 9), _STATUS_RANK.get(f.status, 9), f.document, f.unit_index, f.offset, f.change_id)


def make_report(index: GuidanceIndex, documents: Iterable[VersionInfo], findings: Iterable[Finding], failures: Iterable[LocalFailure] = (),
                passages: int = 0, skipped: Iterable[str] = ()) -> ProceduresReport:
    """Assemble the report: findings by priority (severity, then status), then document
    and place; documents and failures by name. The order never depends on the order the
    documents were checked in."""
    return ProceduresReport(
        old=index.old, new=index.new,
        documents=tuple(sorted(documents, key=lambda v: (v.label, v.sha256))),
        findings=tuple(sorted(findings, key=_sort_key)), tool=index.tool, pack=index.pack,
        failures=tuple(sorted(failures, key=lambda f: (f.path, f.message))),
        changes_checked=len(index.changes), passages=passages, skipped=tuple(sorted(skipped)),
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
    index = build_index(report, old=old, new=new, aliases=aliases, pack=pack)
    findings: list[Finding] = []
    infos: list[VersionInfo] = []
    passages = 0
    for label, doc in locals:
        findings += check_document(index, doc, label, doc.info.source)
        infos.append(replace(doc.info, label=label))
        passages += count_passages(doc)
    return make_report(index, infos, findings, failures, passages)


DOCUMENT_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".pdf", ".docx", ".md", ".markdown", ".txt", ".text"})
"""File name endings taken from a folder (and files with no ending, read as text if they are).
Anything else in a folder (``report.json``, ``.csv``, ``.xml``, ``.zip``, images) is skipped;
a file named on its own is always tried."""


def walk_locals(paths: Iterable[str | Path]) -> tuple[list[tuple[str, Path]], list[str]]:
    """The local files to read, as ``(label, path)``, and the labels of the files skipped.

    A named file is always taken. A named folder is searched recursively: hidden files and
    folders are passed over, files of a document type (``DOCUMENT_SUFFIXES``, or no
    ending) are taken, labelled by their path inside the folder, and the others skipped.

    Raises:
        BadInput: a path does not exist.
    """
    out: list[tuple[str, Path]] = []
    skipped: list[str] = []
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
                if f.suffix and f.suffix.lower() not in DOCUMENT_SUFFIXES:
                    skipped.append(rel.as_posix())
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
    return out, sorted(skipped)


def local_files(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """The local files to read, as ``(label, path)`` (``walk_locals`` without the skipped).

    Raises:
        BadInput: a path does not exist.
    """
    return walk_locals(paths)[0]


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

    files, skipped = walk_locals(paths)
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
    return make_report(index, infos, findings, failures, passages, skipped), summary


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
    files, skipped = walk_locals(paths)
    if not files:
        names = ", ".join(str(p) for p in paths)
        cause = (f"{len(skipped)} file{'s' if len(skipped) != 1 else ''} skipped, not of a document type (e.g. {skipped[0]})"
                 if skipped else "the folders are empty or hold only hidden files")
        raise BadInput(f"no local documents found in {names}", cause, _GIVE_DOCUMENTS)
    report = compare_documents(old, new, pack=pack, model=model)
    index = build_index(report, old=old, new=new, aliases=aliases, pack=pack)
    result, _ = check_files(index, paths, eng=eng, progress=progress)
    if not result.documents:
        first = result.failures[0].message.split(" To fix: ")[0].rstrip(".")
        raise BadInput(f"none of the {len(result.failures)} local files could be read", first, _GIVE_DOCUMENTS)
    return result


_GIVE_DOCUMENTS = "give .html, .pdf, .docx, .md or .txt files"
