"""consultation: guidance in force, consultation draft, final text (and the responses)
-> ``ConsultationReport``.

1. Three-way alignment with ``tracker.align.align``: previous -> draft and previous ->
   final, joined on the previous unit; units the draft added are matched to the final
   by aligning draft -> final.
2. A proposal is one edit (a hunk of ``tracker.diff.word_diff``, previous -> draft;
   hunks split by a single word are one edit). Its fate is judged on that edit only:
   ``retained`` when the draft -> final diff leaves the draft's words there untouched
   (or, for a deletion, the final deletes the same words and puts nothing in their
   place); ``dropped`` when the previous -> final diff leaves the previous words there
   untouched; ``modified`` otherwise. Hunks of previous -> final that no proposal
   overlaps are ``new_in_final`` (never consulted on).
3. Each edit is tagged alone: the tagger (``tracker.nlp.tag``) compares the previous
   text with the previous text that has only this edit applied, so a tag belongs to
   exactly one proposal and a respelling stays EDITORIAL. Impacts by ``tracker.assess``.
4. Responses (any format ``tracker.ingest`` reads) are split into points (paragraphs,
   list items), given a stance from the pack's stance lexicon (negation-aware), and
   linked to proposals by quotation of the draft (or previous) words at the edit,
   paragraph references ("paragraph 4", "para 1.12") narrowed to the edit the point's
   words name, and close paraphrase (rapidfuzz over sentences, backed by the edit's
   words). Role words are weak evidence only: they strengthen a link, never make one.

Pure functions over the models; ``track_files`` is the only reader of files.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz

from tracker.align import align
from tracker.assess import assess
from tracker.diff import Hunk, hunks, word_diff
from tracker.ingest.normalise import norm
from tracker.models import ProposalDraft as _Draft
from tracker.models import (
    ConsultationReport,
    Document,
    Pack,
    PointLink,
    Proposal,
    ResponsePoint,
    Sentence,
    StanceCue,
    Tag,
    ToolInfo,
    Unit,
)

__all__ = ["extract_points", "find_chapter_refs", "find_refs", "link_points", "proposals", "sentence_span", "stance", "track", "track_files"]

PARAPHRASE_THRESHOLD = 0.62
"""Least sentence similarity (rapidfuzz token-set ratio over stems, 0..1) for a paraphrase link."""
NEG_WINDOW = 3
"""A negation flips a stance cue at most this many words after it."""
_GOVERNMENT = re.compile(r"\bgovernment\b.*\bresponse\b|\bresponse\b.*\bgovernment\b|\bgovernment'?s? response\b", re.IGNORECASE)
_REF = re.compile(r"(?:\b(?:paragraphs?|paras?\.?)|¶)\s*((?:\d+(?:\.\d+)*[a-z]?)(?:\s*(?:,|and|&|to|-|–)\s*\d+(?:\.\d+)*[a-z]?)*)", re.IGNORECASE)
_REF_NUM = re.compile(r"\d+(?:\.\d+)*[a-z]?")
_CHAPTER = re.compile(r"\b(chapter|section|part)\s+(\d+|[ivxlc]+)\b", re.IGNORECASE)
# Words that say which way a point wants an edit judged: it speaks of roles, duties or
# oversight taken out (tags *_REMOVED, OBLIGATION_WEAKENED) or put in (*_ADDED,
# OBLIGATION_STRENGTHENED). A chapter-wide point that names none matches either.
_EDIT_WORDS = {
    "removed": re.compile(r"\b(?:remov\w*|delet\w*|drop\w*|cut(?:s|ting)?|tak(?:e|es|ing|en) out|los(?:e|es|ing|s)|weaken\w*|dilut\w*|downgrad\w*|strip\w*)\b"),
    "added": re.compile(r"\b(?:add(?:s|ed|ing)?|introduc\w*|insert\w*|strengthen\w*|impos\w*|extend\w*)\b"),
}
_EDIT_TYPES = {
    "removed": ("ROLE_REMOVED", "DUTY_REMOVED", "OVERSIGHT_REMOVED", "OBLIGATION_WEAKENED"),
    "added": ("ROLE_ADDED", "DUTY_ADDED", "OVERSIGHT_ADDED", "OBLIGATION_STRENGTHENED"),
}
CHAPTER_SCORE = 0.45
"""Score of a chapter-wide link (chapter reference and role): below any quotation,
paragraph reference or paraphrase."""
_QUOTE = re.compile(r"[\"“]([^\"“”]{2,300})[\"”]|‘([^‘’]{2,300})’")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Function words never count as evidence that a point speaks of an edit.
_FUNCTION_WORDS = frozenset("""
a an the and or but nor of to in on at by for with from into onto as than then that this these those
it its it's is are was were be been being have has had do does did their there they them he she his her
we our us you your i me my which who whom whose what when where how not no so such any all each some
""".split())


# --- Edits -------------------------------------------------------------------------


def _edits(old: str, new: str) -> list[Hunk]:
    """Hunks of ``word_diff(old, new)``; two hunks split by one word (or by space only) are one edit."""
    if old == new:
        return []
    hs = hunks(word_diff(old, new))
    out: list[Hunk] = []
    for h in hs:
        if out:
            gap = old[out[-1].old_end:h.old_start]
            words = _WORD.findall(gap.lower())
            if len(words) <= 1 and not re.search(r"[.;:!?]", gap):
                p = out[-1]
                out[-1] = Hunk(p.index, p.old_start, h.old_end, p.new_start, h.new_end, old[p.old_start:h.old_end], new[p.new_start:h.new_end])
                continue
        out.append(Hunk(len(out), h.old_start, h.old_end, h.new_start, h.new_end, h.old_text, h.new_text))
    return out


def _overlaps(h: Hunk, start: int, end: int, side: str = "old") -> bool:
    """Does hunk ``h`` touch [start, end) on ``side``? Empty spans touch at their point."""
    a, b = (h.old_start, h.old_end) if side == "old" else (h.new_start, h.new_end)
    if start == end:
        return a <= start <= b
    if a == b:
        return start < a < end
    return a < end and start < b


def _covered_equal(hs: list[Hunk], start: int, end: int, side: str = "old") -> bool:
    """True when no hunk changes anything inside [start, end) (for an empty span: at that point)."""
    return not any(_overlaps(h, start, end, side) for h in hs)


def _delta(h: Hunk) -> int:
    return (h.new_end - h.new_start) - (h.old_end - h.old_start)


def _text_at(new: str, hs: list[Hunk], start: int, end: int) -> str:
    """The new text standing where old[start:end] stood (the hunks touching it applied)."""
    touching = [h for h in hs if _overlaps(h, start, end)]
    s = min([start] + [h.old_start for h in touching])
    e = max([end] + [h.old_end for h in touching])
    ns = s + sum(_delta(h) for h in hs if h not in touching and h.old_end <= s)
    ne = ns + (e - s) + sum(_delta(h) for h in touching)
    return new[ns:ne]


def _fate(prev: str, draft: str, final: str, h: Hunk, pf: list[Hunk], df: list[Hunk]) -> tuple[str, str]:
    """(status, final words) of the previous -> draft edit ``h``."""
    if h.new_start < h.new_end and _covered_equal(df, h.new_start, h.new_end, "old"):
        return "retained", draft[h.new_start:h.new_end]
    if h.new_start == h.new_end:
        deleted = all(any(g.old_start <= x < g.old_end for g in pf) for x in range(h.old_start, h.old_end))
        refilled = any(g.old_start == g.old_end == h.new_start or (g.old_start < h.new_start < g.old_end) for g in df)
        if deleted and not refilled:
            return "retained", ""
    if _covered_equal(pf, h.old_start, h.old_end):
        return "dropped", h.old_text
    return "modified", _text_at(final, pf, h.old_start, h.old_end)


# --- Tagging ------------------------------------------------------------------------


class _Tagger:
    """Tags an (old, new) text pair with the pack's tagger; parses each sentence once."""

    def __init__(self, pack: Pack, pipe) -> None:  # type: ignore[no-untyped-def]
        self.pack, self.pipe = pack, pipe
        self.cache: dict[str, Sentence] = {}

    def sentences(self, text: str) -> list[Sentence]:
        from tracker.nlp import analyse_sentences, split_sentences

        parts = split_sentences([text])[0] if text else []
        todo = [t for _, t in parts if t not in self.cache]
        if todo:
            for t, s in zip(todo, analyse_sentences(self.pipe, todo)):
                self.cache[t] = s
        return [replace(self.cache[t], start=off) for off, t in parts]

    def pair(self, old: str, new: str) -> list[Tag]:
        from tracker.nlp.tag import tag_unit_pair

        tags = tag_unit_pair(self.sentences(old), self.sentences(new), self.pack)
        if not any(t.type != "EDITORIAL" for t in tags):
            tags = [Tag(type="EDITORIAL", rule="editorial/no-accountability-change")]
        return tags

    def unit(self, text: str, added: bool) -> list[Tag]:
        from tracker.nlp.tag import duties

        return duties(self.sentences(text), added=added)


def _apply(text: str, h: Hunk, words: str) -> str:
    return text[:h.old_start] + words + text[h.old_end:]


# --- Proposals ----------------------------------------------------------------------


def _by_index(pairs, side: str) -> dict[int, object]:  # type: ignore[no-untyped-def]
    out = {}
    for p in pairs:
        u = getattr(p, side)
        if u is not None:
            out[u.index] = p
    return out


def proposals(previous: Document, draft: Document, final: Document, tagger: _Tagger) -> list[_Draft]:
    """Every proposal of the draft and every edit new in the final, in document order."""
    pd = align(previous, draft)
    pf = align(previous, final)
    df = align(draft, final)
    pf_of = _by_index(pf.pairs, "old")
    df_of = _by_index(df.pairs, "old")
    out: list[tuple[tuple[int, int, int], _Draft]] = []
    claimed: set[int] = set()
    for p in pd.pairs:
        P, D = p.old, p.new
        if P is None:
            assert D is not None
            q = df_of.get(D.index)
            F = q.new if q is not None else None  # type: ignore[attr-defined]
            if F is not None:
                claimed.add(F.index)
            if F is None:
                status, fw = "dropped", ""
            elif norm(F.text) == norm(D.text):
                status, fw = "retained", F.text
            else:
                status, fw = "modified", F.text
            tags = tagger.unit(D.text, added=True)
            ftags = tagger.unit(F.text, added=True) if status == "modified" and F is not None else []
            out.append(((D.index, 1, 0), _Draft(status, "added", None, D, F, "", D.text, fw, tags, ftags, "added")))
            continue
        q = pf_of.get(P.index)
        F = q.new if q is not None else None  # type: ignore[attr-defined]
        if F is not None:
            claimed.add(F.index)
        pos = (D.index if D is not None else P.index, 0, P.index)
        if D is None:
            status = "retained" if F is None else "dropped"
            tags = tagger.unit(P.text, added=False)
            out.append((pos + (0,), _Draft(status, "deleted", P, None, F, P.text, "", F.text if F else "", tags, [], "deleted")))  # type: ignore[arg-type]
            if F is not None:
                for g in _edits(P.text, F.text):
                    out.append((pos + (g.old_start,), _new_edit(P, None, F, g, tagger)))  # type: ignore[arg-type]
            continue
        pd_edits = _edits(P.text, D.text)
        if F is None:
            for h in pd_edits:
                tags = tagger.pair(P.text, _apply(P.text, h, h.new_text))
                out.append((pos + (h.old_start,), _Draft("modified", "edit", P, D, None, h.old_text, h.new_text, "", tags, [], "modified", (h.old_start, h.old_end), (h.new_start, h.new_end))))  # type: ignore[arg-type]
            tags = tagger.unit(P.text, added=False)
            out.append((pos + (len(P.text) + 1,), _Draft("new_in_final", "deleted", P, D, None, P.text, P.text, "", tags, [], "deleted")))  # type: ignore[arg-type]
            continue
        pf_edits = _edits(P.text, F.text)
        df_edits = _edits(D.text, F.text)
        for h in pd_edits:
            status, fw = _fate(P.text, D.text, F.text, h, pf_edits, df_edits)
            tags = tagger.pair(P.text, _apply(P.text, h, h.new_text))
            ftags: list[Tag] = []
            if status == "modified":
                touching = [g for g in pf_edits if _overlaps(g, h.old_start, h.old_end)]
                s = min([h.old_start] + [g.old_start for g in touching])
                e = max([h.old_end] + [g.old_end for g in touching])
                region = Hunk(0, s, e, 0, 0, P.text[s:e], fw)
                ftags = tagger.pair(P.text, _apply(P.text, region, fw))
            out.append((pos + (h.old_start,), _Draft(status, "edit", P, D, F, h.old_text, h.new_text, fw, tags, ftags, "modified", (h.old_start, h.old_end), (h.new_start, h.new_end))))  # type: ignore[arg-type]
        for g in pf_edits:
            if any(_overlaps(g, h.old_start, h.old_end) or _overlaps(h, g.old_start, g.old_end) for h in pd_edits):
                continue
            out.append((pos + (g.old_start,), _new_edit(P, D, F, g, tagger)))  # type: ignore[arg-type]
    order = {u.index: k for k, u in enumerate(draft.units)}
    for p in pf.pairs:
        if p.old is None and p.new is not None and p.new.index not in claimed:
            F = p.new
            # place it after the draft unit aligned with the final unit before it
            before = max((q.old.index for q in df.pairs if q.old is not None and q.new is not None and q.new.index < F.index), default=-1)
            tags = tagger.unit(F.text, added=True)
            out.append(((order.get(before, before), 2, F.index, 0), _Draft("new_in_final", "added", None, None, F, "", "", F.text, tags, [], "added")))
    out.sort(key=lambda kv: kv[0])
    return [d for _, d in out]


def _new_edit(P: Unit, D: Unit | None, F: Unit, g: Hunk, tagger: _Tagger) -> _Draft:
    tags = tagger.pair(P.text, _apply(P.text, g, g.new_text))
    return _Draft("new_in_final", "edit", P, D, F, g.old_text, g.old_text, g.new_text, tags, [], "modified", (g.old_start, g.old_end), None)


# --- Responses ----------------------------------------------------------------------


def find_refs(text: str) -> tuple[str, ...]:
    """Paragraph references in ``text``, as printed.

    >>> find_refs("See paragraph 62 and paras 1.12 and 1.13; ¶ 4.")
    ('62', '1.12', '1.13', '4')
    """
    out: list[str] = []
    for m in _REF.finditer(text):
        for n in _REF_NUM.findall(m.group(1)):
            if n not in out:
                out.append(n)
    return tuple(out)


def find_chapter_refs(text: str) -> tuple[tuple[str, str], ...]:
    """Chapter, section or part references in ``text``: (kind, number), lower case.

    >>> find_chapter_refs("We oppose this throughout Chapter 1 and in section 3.")
    (('chapter', '1'), ('section', '3'))
    """
    out: list[tuple[str, str]] = []
    for m in _CHAPTER.finditer(text):
        k = (m.group(1).lower(), m.group(2).lower())
        if k not in out:
            out.append(k)
    return tuple(out)


def _in_chapter(d: Proposal, refs: tuple[tuple[str, str], ...]) -> bool:
    """Does the proposal stand under a heading named by one of ``refs`` ("Chapter 1: …")?"""
    u = d.unit
    if u is None:
        return False
    trail = list(u.path) + ([u.text] if u.kind == "heading" else [])
    for heading in trail:
        for kind, num in refs:
            if re.match(rf"\s*{kind}\s+{re.escape(num)}\b", heading, re.IGNORECASE):
                return True
    return False


def _edit_direction(text: str) -> set[str]:
    low = text.lower()
    return {k for k, rx in _EDIT_WORDS.items() if rx.search(low)}


def _chapter_match(d: Proposal, pstems: set[str], directions: set[str], pack: Pack | None) -> bool:
    """Does a tag of ``d`` name a role the point names, in the way the point's edit words say?"""
    for t in d.tags:
        if directions and not any(t.type in _EDIT_TYPES[k] for k in directions):
            continue
        roles = [r for r in (t.role, t.from_role, t.actor) if r]
        if any(_stems(pack.label(r) if pack else r.replace("_", " ")) & pstems for r in roles):
            return True
    return False


def _phrase_re(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alts = sorted({re.escape(p).replace(r"\ ", r"\s+") for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w'])")


def stance(text: str, cues: tuple[StanceCue, ...]) -> str:
    """``objection``, ``support`` or ``neutral``: the kind with more cues, a negation in
    the three words before a cue flipping it.

    >>> from tracker.packs import load_pack, load_stances
    >>> cues = load_stances(load_pack())
    >>> stance("We strongly object to this.", cues), stance("We do not support it.", cues)
    ('objection', 'objection')
    >>> stance("We have no objection to the change.", cues), stance("It comes into force in May.", cues)
    ('support', 'neutral')
    """
    low = " ".join(text.lower().replace("’", "'").split())
    by_kind: dict[str, tuple[str, ...]] = {}
    for c in cues:
        by_kind[c.kind] = by_kind.get(c.kind, ()) + c.phrases
    ignore = _phrase_re(by_kind.get("not_negation", ()))
    if ignore is not None:
        low = ignore.sub(lambda m: "_" * len(m.group(0)), low)
    neg = _phrase_re(by_kind.get("negation", ()))
    score = {"objection": 0, "support": 0}
    spans: list[tuple[int, int, str]] = []
    for kind in ("objection", "support"):
        rx = _phrase_re(by_kind.get(kind, ()))
        if rx is None:
            continue
        for m in rx.finditer(low):
            if any(a < m.end() and m.start() < b for a, b, _ in spans):
                continue
            spans.append((m.start(), m.end(), kind))
    for a, _, kind in spans:
        before = low[:a].split()[-NEG_WINDOW:]
        window = " ".join(before)
        flipped = neg is not None and neg.search(window) is not None or window.endswith("n't")
        k = kind if not flipped else ("support" if kind == "objection" else "objection")
        score[k] += 1
    if score["objection"] > score["support"]:
        return "objection"
    if score["support"] > score["objection"]:
        return "support"
    return "neutral"


def extract_points(doc: Document, cues: tuple[StanceCue, ...]) -> list[ResponsePoint]:
    """The points of a response: its paragraphs and list items, with stance and references."""
    source = doc.info.label
    who = "government" if _GOVERNMENT.search(" ".join(filter(None, [doc.title, doc.info.title, doc.info.label.replace("_", " ").replace("-", " ")] + [u.text for u in doc.units[:1]]))) else "respondent"
    out = []
    for u in doc.units:
        if u.kind == "heading" or not u.text.strip():
            continue
        out.append(ResponsePoint(source=source, text=u.text, path=u.path_str, index=u.index, stance=stance(u.text, cues), by=who, refs=find_refs(u.text)))
    return out


def _stem(w: str) -> str:
    w = w.lower().replace("’", "'")
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w[:6]


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower().replace("’", "'")) if w not in _FUNCTION_WORDS}


_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)\]]))\s+")
"""A sentence ends at ``.``, ``!`` or ``?`` (and any closing quote or bracket) before a
space; never at ``;`` or ``:``, which join clauses of one sentence."""


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The character span of the whole sentence(s) of ``text`` holding [start, end).

    >>> t = "First one. This will require judgements; the social worker decides. Last."
    >>> a, b = sentence_span(t, t.index("judgements"), t.index("judgements") + 10)
    >>> t[a:b]
    'This will require judgements; the social worker decides.'
    """
    if not text:
        return 0, 0
    start, end = max(0, min(start, len(text))), max(0, min(max(start, end), len(text)))
    a, b = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            a = m.end()
        elif m.start() >= end:
            b = m.start()
            break
    return a, b


def _sentence_at(text: str, start: int, end: int) -> str:
    """The sentence(s) of ``text`` around [start, end)."""
    a, b = sentence_span(text, start, end)
    return text[a:b]


def _sentences(text: str) -> list[str]:
    """Sentences of ``text``, split at ``.``, ``!`` and ``?`` only (a ``;`` stays inside)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _quotes(text: str) -> list[str]:
    return [(m.group(1) or m.group(2)).strip() for m in _QUOTE.finditer(text)]


def _quote_hits(q: str, unit: Unit | None, span: tuple[int, int] | None) -> bool:
    """Does the quotation ``q`` occur in the unit's text overlapping ``span``?"""
    if unit is None or span is None or not q:
        return False
    text, ql = unit.text.lower(), q.lower().strip(" .,;:")
    if not ql:
        return False
    i = text.find(ql)
    while i >= 0:
        s, e = span
        if (s == e and i < s < i + len(ql) + 1 and i <= s) or (s < i + len(ql) and i < e):
            return True
        i = text.find(ql, i + 1)
    return False


def _words_of(d: Proposal | _Draft) -> str:
    return " ".join([d.previous_words, d.draft_words, d.final_words])


def _numbers(d: Proposal | _Draft) -> set[str]:
    return {u.number for u in ([d.draft] if d.draft is not None else [d.previous, d.final]) if u is not None and u.number}


def _role_words(d: Proposal | _Draft, pack: Pack | None) -> set[str]:
    out: set[str] = set()
    for t in d.tags:
        for r in (t.role, t.from_role, t.to_role, t.actor):
            if r:
                out |= _stems(pack.label(r) if pack else r.replace("_", " "))
    return out


def link_points(items: list[Proposal], points: list[ResponsePoint], pack: Pack | None = None) -> list[Proposal]:
    """``items`` with each proposal's ``links``: the points that speak of its edit."""
    links: dict[int, list[PointLink]] = {k: [] for k in range(len(items))}
    ctx = []
    for d in items:
        sents: list[str] = []
        for u, (a, b) in _spans(d):
            sents += _sentences(u.text) if d.kind != "edit" else [_sentence_at(u.text, a, b)]
        ctx.append((sents, _stems(_words_of(d))))
    df: dict[str, int] = {}
    for _, ws in ctx:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1 + len(items) / n) for w, n in df.items()}
    weight = lambda ws: sum(idf.get(w, 0.0) for w in ws)  # noqa: E731
    for pt in points:
        found: dict[int, PointLink] = {}
        sentences = _sentences(pt.text)
        pstems = _stems(pt.text)
        refs = set(pt.refs)
        # 1. quotations of the words at the edit (one word only with a paragraph reference)
        for k, d in enumerate(items):
            for q in _quotes(pt.text):
                if any(_quote_hits(q, u, sp) for u, sp in _spans(d)):
                    short = len(_WORD.findall(q.lower())) < 2
                    if short and not (refs & _numbers(d)):
                        continue
                    sent = next((x for x in sentences if q in x), q)
                    found[k] = PointLink(pt, ("quotation",), 1.0 if not short else 0.9, sent)
                    break
        if refs:
            in_para = [k for k, d in enumerate(items) if refs & _numbers(d)]
            if any(k in found for k in in_para):  # a reference narrows quotations to its paragraph
                found = {k: v for k, v in found.items() if k in in_para}
            # 2. paragraph references, narrowed to the edits the point's words name
            scored = [(len(ctx[k][1] & pstems) / len(ctx[k][1]) if ctx[k][1] else 0.0, k) for k in in_para]
            top = max((sc for sc, _ in scored), default=0.0)
            for sc, k in scored:
                if k in found:
                    continue
                if (top > 0 and sc == top) or (top == 0 and len(scored) == 1):
                    found[k] = PointLink(pt, ("paragraph",), round(0.6 + 0.3 * sc, 3), _best_sentence(pt.text, ctx[k][0], refs))
        # 3. close paraphrase (only for a point that neither quotes nor refers): a sentence
        #    naming most of an edit's words (weighted by rarity) and close to its sentence
        if not found:
            best: dict[int, tuple[float, float, str]] = {}
            for sent in sentences:
                ss = _stems(sent)
                cands = []
                for k in range(len(items)):
                    csents, ws = ctx[k]
                    hit = ws & ss
                    if not ws or not hit or weight(hit) < 0.5 * weight(ws):
                        continue
                    sim = max((fuzz.token_set_ratio(" ".join(sorted(ss)), " ".join(sorted(_stems(c)))) / 100.0 for c in csents), default=0.0)
                    if sim >= PARAPHRASE_THRESHOLD:
                        cands.append((weight(hit), sim, k))
                if not cands:
                    continue
                top_w = max(w for w, _, _ in cands)
                for w, sim, k in cands:
                    if w >= top_w - 1e-9 and (k not in best or sim > best[k][1]):
                        best[k] = (w, sim, sent)
            for k, (_, sim, sent) in best.items():
                found[k] = PointLink(pt, ("paraphrase",), round(sim, 3), sent)
        # 4. chapter-wide points ("... throughout Chapter 1"): a chapter (section, part)
        #    reference and a role the proposal's tags name, narrowed by the point's edit
        #    words ("removing" -> the *_REMOVED tags); every such proposal of the chapter
        chapters = find_chapter_refs(pt.text)
        if not found and chapters:
            directions = _edit_direction(pt.text)
            for k, d in enumerate(items):
                if _in_chapter(d, chapters) and _chapter_match(d, pstems, directions, pack):
                    sent = next((x for x in sentences if find_chapter_refs(x)), pt.text)
                    links[k].append(PointLink(pt, ("chapter", "role"), CHAPTER_SCORE, sent))
            continue
        # role words: weak evidence, added to links made above, never a link alone
        for k, lk in found.items():
            roles = _role_words(items[k], pack)
            if roles and roles & pstems:
                lk = replace(lk, how=lk.how + ("role",), score=min(1.0, round(lk.score + 0.05, 3)))
            links[k].append(lk)
    return [replace(d, links=tuple(sorted(links[k], key=lambda lk: (-lk.score, lk.point.source, lk.point.index)))) for k, d in enumerate(items)]


def _spans(d: Proposal) -> list[tuple[Unit, tuple[int, int]]]:
    """(unit, character span) of the proposal in each text that has it."""
    out: list[tuple[Unit, tuple[int, int]]] = []
    if d.kind != "edit":
        return [(u, (0, len(u.text))) for u in (d.previous, d.draft, d.final) if u is not None]
    if d.previous is not None and d.previous_span is not None:
        out.append((d.previous, d.previous_span))
    if d.draft is not None and d.draft_span is not None:
        out.append((d.draft, d.draft_span))
    if d.final is not None and d.final_words.strip():
        i = d.final.text.find(d.final_words)
        if i >= 0:
            out.append((d.final, (i, i + len(d.final_words))))
    return out


def _best_sentence(text: str, ctx: list[str], refs: set[str]) -> str:
    sents = _sentences(text)
    with_ref = [s for s in sents if set(find_refs(s)) & refs]
    pool = with_ref or sents
    if not ctx:
        return pool[0] if pool else text
    return max(pool, key=lambda s: max(fuzz.token_set_ratio(s.lower(), c.lower()) for c in ctx))


# --- The stage ----------------------------------------------------------------------


def _tool(model: str) -> ToolInfo:
    from tracker import __version__

    return ToolInfo(name="guidance-tracker", version=__version__, model=model)


def track(previous: Document, draft: Document, final: Document, responses: list[Document] | tuple[Document, ...] = (), pack: Pack | str | os.PathLike[str] | None = None, nlp: str | None = None) -> ConsultationReport:
    """Track a consultation: what became of each proposal of the draft, what the final
    changed that was never consulted on, and which response points speak of each.

    Args:
        pack: a loaded ``Pack``, a pack name or folder; default ``children-safeguarding``.
        nlp: spaCy package to use, ``rules-only``, or None to pick the best available.

    Raises:
        PackError: the pack is unknown or invalid.
    """
    from tracker.nlp import load_pipeline
    from tracker.packs import load_pack, load_stances

    pk = pack if isinstance(pack, Pack) else load_pack(pack)
    pipe = load_pipeline(pk, nlp)
    tagger = _Tagger(pk, pipe)
    drafts = proposals(previous, draft, final, tagger)
    items = []
    for n, d in enumerate(drafts, 1):
        where = (d.draft or d.final or d.previous).path_str if (d.draft or d.final or d.previous) else ""
        impact = assess(d.assess_kind, d.tags, pk, where)
        items.append(Proposal(
            id=f"p{n:04d}", status=d.status, kind=d.kind, previous=d.previous, draft=d.draft, final=d.final,
            previous_words=d.previous_words.strip(), draft_words=d.draft_words.strip(), final_words=d.final_words.strip(),
            tags=tuple(d.tags), impact=impact, final_tags=tuple(d.final_tags),
            previous_span=d.span, draft_span=d.draft_span,
        ))
    cues = load_stances(pk)
    if not cues:
        cues = load_stances(load_pack(None))
    points: list[ResponsePoint] = []
    for doc in responses:
        points += extract_points(doc, cues)
    linked = link_points(items, points, pk)
    return ConsultationReport(
        previous=previous.info, draft=draft.info, final=final.info, responses=tuple(d.info for d in responses),
        proposals=tuple(linked), points=tuple(points), tool=_tool(pipe.model), pack=pk.info(),
    )


def track_files(previous: str | Path, draft: str | Path, final: str | Path, responses: list[str | Path] | tuple[str | Path, ...] = (), pack: Pack | str | None = None, nlp: str | None = None) -> ConsultationReport:
    """``track`` over files of any supported format (HTML, PDF, DOCX, Markdown, text).

    Raises:
        BadInput: a file is missing, empty or unreadable.
    """
    from tracker.ingest import parse_file

    docs = [parse_file(p) for p in (previous, draft, final)]
    resp = [parse_file(p) for p in responses]
    return track(docs[0], docs[1], docs[2], resp, pack=pack, nlp=nlp)
