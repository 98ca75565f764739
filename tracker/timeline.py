"""Clause timeline: one unit followed through every version -> ``Timeline``.

Given the versions of a document in order and a query (words of a paragraph, or its
number or path), the best-matching unit is found (the *anchor*), then followed forwards
and backwards through the aligner's pairing of each two consecutive versions
(``tracker.align``). Where the aligner loses it (moved far, renumbered and reworded,
split, merged, or gone for a version), the unit is looked for by similarity in the next
version instead, from the last wording seen, so a paragraph dropped in one edition and
restored in the next is picked up again.

Each step carries the word diff from the last version that held the unit, and its
tags and impact, computed by ``tracker.compare.compare_documents`` on the two units
alone (the same tagger and impact rules as a full comparison). Pure: no I/O.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import fuzz

from tracker.align import align
from tracker.errors import BadInput, NotFound
from tracker.ingest.normalise import norm
from tracker.models import NO_IMPACT, Document, Pack, Timeline, TimelineStep, ToolInfo, Unit, VersionInfo

__all__ = ["FOLLOW_THRESHOLD", "QUERY_THRESHOLD", "follow", "parse_number_query"]

FOLLOW_THRESHOLD = 0.6
"""Least similarity for a unit found by search (not by the aligner) to be the same unit."""
QUERY_THRESHOLD = 0.7
"""Least score for a text query to name a unit."""

_NUMBER = re.compile(r"^\s*(?:¶|§|para(?:graph)?\.?|p\.)?\s*([0-9]+(?:\.[0-9]+)*[a-z]?|[a-z]|[ivx]+)\s*\.?\s*$", re.IGNORECASE)


def parse_number_query(query: str) -> str | None:
    """The paragraph number a query names, or None for a text query.

    >>> parse_number_query("¶ 62"), parse_number_query("paragraph 4.2"), parse_number_query("the manager")
    ('62', '4.2', None)
    """
    m = _NUMBER.match(query)
    return m.group(1) if m else None


def _score_text(q: str, u: Unit) -> tuple[float, float]:
    """(score, tie-break) of a text query against a unit: whole-unit similarity, or the
    query found inside a longer unit."""
    whole = fuzz.ratio(q, u.norm) / 100.0
    if len(q) < len(u.norm):
        inside = fuzz.partial_ratio(q, u.norm) / 100.0
        # a short phrase inside a long paragraph is a weaker claim than the whole text
        inside *= min(1.0, 0.85 + len(q) / 400.0)
        return max(whole, inside), whole
    return whole, whole


def _find_anchor(docs: Sequence[Document], query: str, at: int | None) -> tuple[int, Unit, str, float]:
    order = [at] if at is not None else list(range(len(docs) - 1, -1, -1))
    number = parse_number_query(query)
    if number is not None or " > " in query:
        want = norm(query)
        for k in order:
            units = docs[k].units
            if number is not None:
                hits = [u for u in units if u.number and u.number.lower() == number.lower()]
            else:
                hits = [u for u in units if norm(u.path_str) == want or norm(u.path_str).endswith(" > " + want)]
            if hits:
                hits.sort(key=lambda u: (u.kind != "paragraph", u.index))
                return k, hits[0], "number", 1.0
        if number is not None and not query.strip().isalpha():
            where = f"version {at + 1}" if at is not None else "any version"
            raise NotFound(f"no paragraph numbered {number!r} in {where}", None,
                           "give the paragraph's number as printed (e.g. 62 or 4.2), its path, or some of its words")
    q = norm(query)
    best: tuple[float, float, int] | None = None
    found: Unit | None = None
    for k in order:
        for u in docs[k].units:
            s, tie = _score_text(q, u)
            key = (round(s, 6), round(tie, 6), k)
            if best is None or key > best:
                best, found = key, u
    if best is None or found is None or best[0] < QUERY_THRESHOLD:
        raise NotFound(
            f"no paragraph matches {query!r}", f"the closest scored {best[0]:.2f} (at least {QUERY_THRESHOLD} is needed)" if best else "the versions hold no text",
            "quote more of the paragraph's words exactly, or give its number",
        )
    return best[2], found, "text", best[0]


def _similar(a: Unit, b: Unit) -> float:
    if a.norm == b.norm:
        return 1.0
    s = max(fuzz.ratio(a.norm, b.norm), fuzz.token_sort_ratio(a.norm, b.norm)) / 100.0
    return s if a.kind == b.kind else s * 0.9


def _search(doc: Document, unit: Unit) -> tuple[Unit | None, float]:
    """The unit of ``doc`` most like ``unit``, if similar enough."""
    best: tuple[float, int, Unit] | None = None
    for u in doc.units:
        s = _similar(unit, u)
        if s < FOLLOW_THRESHOLD:
            continue
        # same number, then nearest place, break ties
        key = (s + (0.01 if u.number and u.number == unit.number else 0.0), -abs(u.index - unit.index), u)
        if best is None or key[:2] > best[:2]:
            best = key
    return (best[2], min(1.0, best[0])) if best else (None, 0.0)


def _step_over(a: Document, b: Document, unit: Unit, forward: bool) -> tuple[Unit | None, str, float]:
    """Where ``unit`` (of ``a``) stands in ``b``: through the alignment, else by search."""
    al = align(a, b) if forward else align(b, a)
    for p in al.pairs:
        here, there = (p.old, p.new) if forward else (p.new, p.old)
        if here is None or there is None or here.index != unit.index:
            continue
        real = b.units[there.index] if there.index < len(b.units) else there
        return real, "aligned", _similar(unit, real)
    found, sim = _search(b, unit)
    return (found, "fuzzy", sim) if found is not None else (None, "none", 0.0)


def _one_unit_doc(u: Unit | None, info: VersionInfo) -> Document:
    return Document(units=(replace(u, index=0),) if u is not None else (), info=info)


def _assess(prev: Unit | None, cur: Unit | None, prev_info: VersionInfo, info: VersionInfo, pack: Pack, model: str | None):  # noqa: ANN202
    """(diff, tags, impact) of one step, through the comparison of the two units alone."""
    from tracker.compare import compare_documents

    if prev is not None and cur is not None and cur.kind != prev.kind:
        cur = replace(cur, kind=prev.kind)  # a heading that became a paragraph is still compared as one unit
    report = compare_documents(_one_unit_doc(prev, prev_info), _one_unit_doc(cur, info), pack=pack, model=model)
    changes = [c for c in report.changes if c.text_changed or c.kind in ("added", "deleted")]
    if len(changes) == 1:
        c = changes[0]
        return c.diff, c.tags, c.impact
    # the aligner split the pair (very different words): show the whole rewrite, untagged
    from tracker.diff import word_diff

    if prev is not None and cur is not None:
        return word_diff(prev.text, cur.text), (), NO_IMPACT
    return (), (), NO_IMPACT


def _status(last: Unit | None, cur: Unit | None, was_present: bool, k: int) -> str:
    """What happened in this version, against the last version that held the unit."""
    if cur is None:
        return "deleted" if was_present else "absent"
    if last is None:
        return "first" if k == 0 else "added"
    if not was_present:
        return "added"  # back after a gap
    if last.norm != cur.norm:
        return "modified"
    if (last.number or "") != (cur.number or ""):
        return "renumbered"
    if tuple(norm(p) for p in last.path) != tuple(norm(p) for p in cur.path):
        return "moved"
    return "unchanged"


def follow(versions: Sequence[tuple[VersionInfo, Document]], query: str, *, at: int | None = None,
           pack: Pack | str | os.PathLike[str] | None = None, model: str | None = None, name: str | None = None) -> Timeline:
    """Follow the unit ``query`` names through ``versions`` (oldest first).

    Args:
        versions: (provenance, parsed document) of every version, in order.
        query: words of the unit (a phrase or the whole paragraph), its printed number
            (``62``, ``¶ 4.2``) or its path (``Chapter 1 > Timeliness > 12``).
        at: index in ``versions`` where the query is looked up (default: the newest
            version holding a numbered paragraph; for words, the best match anywhere).

    Raises:
        BadInput: no versions, or an empty query. NotFound: nothing matches the query.
        PackError: the pack is unknown or invalid.
    """
    from tracker import __version__
    from tracker.nlp import load_pipeline
    from tracker.packs import load_pack

    if not versions:
        raise BadInput("there are no versions to follow the paragraph through", None, "store or give at least one version")
    if not query or not query.strip():
        raise BadInput("the paragraph to follow is empty", None, 'give some of its words or its number, e.g. "62"')
    if at is not None and not 0 <= at < len(versions):
        raise BadInput(f"version index {at} is out of range", f"there are {len(versions)} versions", "pick one of them")
    pk = pack if isinstance(pack, Pack) else load_pack(pack)
    infos = [v for v, _ in versions]
    docs = [d for _, d in versions]
    k0, anchor, kind, score = _find_anchor(docs, query, at)

    units: list[Unit | None] = [None] * len(docs)
    how: list[str] = ["none"] * len(docs)
    sims: list[float] = [0.0] * len(docs)
    units[k0], how[k0], sims[k0] = anchor, "query", 1.0
    for direction in (1, -1):
        last_k, last = k0, anchor
        k = k0 + direction
        while 0 <= k < len(docs):
            if last_k == k - direction:
                found, h, s = _step_over(docs[last_k], docs[k], last, forward=direction == 1)
            else:  # the unit was absent in between: search from its last wording
                found, s = _search(docs[k], last)
                h = "fuzzy" if found is not None else "none"
            units[k], how[k], sims[k] = found, h, s
            if found is not None:
                last_k, last = k, found
            k += direction

    steps: list[TimelineStep] = []
    last: Unit | None = None
    last_info: VersionInfo | None = None
    was_present = False
    for k, (info, cur) in enumerate(zip(infos, units)):
        status = _status(last, cur, was_present, k)
        if status in ("modified", "added", "deleted"):
            diff, tags, impact = _assess(last, cur, last_info or info, info, pk, model)
        elif status in ("unchanged", "renumbered", "moved") and cur is not None:
            diff, tags, impact = (("equal", cur.text),), (), NO_IMPACT
        else:  # first, absent
            diff, tags, impact = (), (), NO_IMPACT
        steps.append(TimelineStep(version=info, unit=cur, status=status, match=how[k], similarity=sims[k] if cur is not None else 0.0,
                                  diff=tuple(diff), tags=tuple(tags), impact=impact))
        if cur is not None:
            last, last_info = cur, info
        was_present = cur is not None
    tool = ToolInfo(name="guidance-tracker", version=__version__, model=load_pipeline(pk, model).model)
    return Timeline(query=query, query_kind=kind, anchor=k0, score=score, steps=tuple(steps), tool=tool, pack=pk.info(), name=name)
