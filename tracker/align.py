"""Align the units of two versions: (Document, Document) -> Alignment.

1. Exact anchors: units whose comparison keys are equal, kept in document order by a
   longest-common-subsequence pass over the key sequences.
2. In each gap between anchors, similar units are paired in order (rapidfuzz scores,
   an ordered dynamic programme over the gap only).
3. Moves: units left over are matched across the whole document, exactly or by
   similarity (candidates from an index of word shingles, never all pairs).
4. Splits and merges: a left-over unit next to a paired one, whose text completes its
   neighbour's partner, joins that pair.

Renumbering alone is not a change: the printed number is not part of the key. Cost is
near-linear in the number of units: only gaps and left-overs are ever compared.
"""

from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher
from typing import Iterable

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from tracker.models import Alignment, Document, Pair, Unit

__all__ = ["align", "similarity", "GAP_THRESHOLD", "MOVE_THRESHOLD"]

GAP_THRESHOLD = 0.55
"""Least similarity for two units in the same gap (same place) to be one unit edited."""
SOLE_GAP_THRESHOLD = 0.35
"""Least similarity when a gap holds one unit on each side."""
MOVE_THRESHOLD = 0.72
"""Least similarity for a unit found elsewhere in the document to count as moved."""
MAX_GAP_CELLS = 250_000
"""Largest gap compared cell by cell; larger gaps are compared through the shingle index."""


CLIP = 4_000
"""Characters kept from each end of a very long unit when scoring similarity: Indel
distance is quadratic, and a 1.5 MB paragraph (a badly extracted PDF) must not stall the
alignment. Units that long are told apart by their beginnings and ends."""


def _clip(text: str) -> str:
    return text if len(text) <= 2 * CLIP else text[:CLIP] + text[-CLIP:]


def similarity(a: str, b: str) -> float:
    """Similarity of two comparison keys, 0..1 (normalised Indel distance).

    >>> similarity("the manager must agree", "the manager should agree") > 0.7
    True
    """
    if a == b:
        return 1.0
    return fuzz.ratio(_clip(a), _clip(b)) / 100.0


def _key(u: Unit) -> str:
    return f"{u.kind[0]}:{u.norm}"


def align(old: Document, new: Document) -> Alignment:
    """Pair every unit of ``old`` with one of ``new``, or with nothing.

    Every unit of either document appears in exactly one pair (a split or merge
    joins its units into one synthetic unit of the pair).
    """
    A, B = list(old.units), list(new.units)
    match: dict[int, int] = {}
    sims: dict[int, float] = {}

    # 1. exact anchors in order
    sm = SequenceMatcher(None, [_key(u) for u in A], [_key(u) for u in B], autojunk=False)
    blocks = sm.get_matching_blocks()
    for i, j, n in blocks:
        for k in range(n):
            match[i + k] = j + k
            sims[i + k] = 1.0

    # 2. similar units within each gap, in order
    pi = pj = 0
    for i, j, n in blocks:
        _match_gap(A, B, range(pi, i), range(pj, j), match, sims)
        pi, pj = i + n, j + n

    # 3. moves among the left-overs
    ordered = dict(match)
    _match_moves(A, B, match, sims)

    # 4. splits and merges
    merged_new, merged_old = _splits_and_merges(A, B, match, sims)

    return Alignment(pairs=tuple(_pairs(A, B, match, sims, ordered, merged_old, merged_new)), old=old, new=new)


def _match_gap(A: list[Unit], B: list[Unit], gi: range, gj: range, match: dict[int, int], sims: dict[int, float]) -> None:
    if not gi or not gj:
        return
    if len(gi) * len(gj) > MAX_GAP_CELLS:
        return  # left to the move pass, which uses the shingle index
    olds = [_clip(A[i].norm) for i in gi]
    news = [_clip(B[j].norm) for j in gj]
    # token_sort_ratio forgives reordered sentences; ratio keeps word order honest
    scores = cdist(olds, news, scorer=fuzz.ratio, dtype=None, workers=1)
    scores = scores.clip(min=cdist(olds, news, scorer=fuzz.token_sort_ratio, dtype=None, workers=1))
    m, n = len(olds), len(news)
    # one unit each side between two anchors: the same place in the document, so a
    # heavy rewrite is still that unit edited
    threshold = SOLE_GAP_THRESHOLD if (m == 1 and n == 1) else GAP_THRESHOLD
    # Ordered DP maximising the summed similarity of pairs above the threshold.
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for x in range(m - 1, -1, -1):
        row, nxt = best[x], best[x + 1]
        ka = A[gi[x]].kind
        for y in range(n - 1, -1, -1):
            s = float(scores[x][y]) / 100.0
            take = (s + nxt[y + 1]) if (s >= threshold and B[gj[y]].kind == ka) else -1.0
            row[y] = max(take, nxt[y], row[y + 1])
    x = y = 0
    while x < m and y < n:
        s = float(scores[x][y]) / 100.0
        if s >= threshold and B[gj[y]].kind == A[gi[x]].kind and abs(best[x][y] - (s + best[x + 1][y + 1])) < 1e-9:
            match[gi[x]] = gj[y]
            sims[gi[x]] = s
            x, y = x + 1, y + 1
        elif best[x][y] == best[x + 1][y]:
            x += 1
        else:
            y += 1


def _shingles(text: str) -> set[str]:
    w = text.split()
    if len(w) < 3:
        return {text}
    return {" ".join(w[k : k + 3]) for k in range(len(w) - 2)}


def _match_moves(A: list[Unit], B: list[Unit], match: dict[int, int], sims: dict[int, float]) -> None:
    used_new = set(match.values())
    left_old = [i for i in range(len(A)) if i not in match]
    left_new = [j for j in range(len(B)) if j not in used_new]
    if not left_old or not left_new:
        return
    # exact text elsewhere
    by_key: dict[str, list[int]] = defaultdict(list)
    for j in left_new:
        by_key[_key(B[j])].append(j)
    for i in list(left_old):
        js = by_key.get(_key(A[i]))
        if js:
            j = js.pop(0)
            match[i], sims[i] = j, 1.0
            used_new.add(j)
    left_old = [i for i in left_old if i not in match]
    left_new = [j for j in left_new if j not in used_new]
    if not left_old or not left_new:
        return
    # similar text elsewhere: candidates share a word shingle
    index: dict[str, list[int]] = defaultdict(list)
    for j in left_new:
        for s in _shingles(B[j].norm):
            index[s].append(j)
    cands: list[tuple[float, int, int]] = []
    for i in left_old:
        seen: dict[int, int] = defaultdict(int)
        for s in _shingles(A[i].norm):
            for j in index.get(s, ()):
                seen[j] += 1
        for j, _ in sorted(seen.items(), key=lambda kv: -kv[1])[:8]:
            if A[i].kind != B[j].kind:
                continue
            sc = similarity(A[i].norm, B[j].norm)
            if sc >= MOVE_THRESHOLD:
                cands.append((sc, i, j))
    for sc, i, j in sorted(cands, reverse=True):
        if i in match or j in used_new:
            continue
        match[i], sims[i] = j, sc
        used_new.add(j)


def _joined(units: Iterable[Unit]) -> str:
    return " ".join(u.norm for u in units)


_FUNCTION_WORDS = frozenset("a an the of to and or in on for with by from at as is are be been this that these those their its it".split())
RESIDUE_WORDS = 3
"""Least content words a paragraph must lose to its neighbour's partner for that
neighbour to count as the lost part split off (or merged in) by word coverage."""


def _content(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w']+", text) if w not in _FUNCTION_WORDS]


def _completes(whole: str, part: str, other: str) -> bool:
    """Whether ``other`` carries most of what ``whole`` says beyond ``part``: the content
    words of ``whole`` that ``part`` lacks (at least ``RESIDUE_WORDS``), half or more of
    them found in order in ``other``. This catches a split that repeats the subject
    ("X must a and must b" -> "X must a." + "X should b."), or a merge that drops it,
    where the repeated words keep the joined texts' character similarity from rising."""
    w, p = _content(whole), _content(part)
    blocks = SequenceMatcher(None, w, p, autojunk=False).get_matching_blocks()
    matched = {k for a, _, n in blocks for k in range(a, a + n)}
    rest = [x for k, x in enumerate(w) if k not in matched]
    if len(rest) < RESIDUE_WORDS:
        return False
    found = sum(n for _, _, n in SequenceMatcher(None, rest, _content(other), autojunk=False).get_matching_blocks())
    return found * 2 >= len(rest)


def _splits_and_merges(A: list[Unit], B: list[Unit], match: dict[int, int], sims: dict[int, float]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Attach left-over units that complete a neighbour's pair.

    Returns ``(split, merge)``: ``split[i]`` lists the extra new indexes joined to old
    unit ``i``'s partner; ``merge[j]`` the extra old indexes joined into new unit ``j``.
    """
    split: dict[int, list[int]] = defaultdict(list)
    merge: dict[int, list[int]] = defaultdict(list)
    used_new = set(match.values())
    inv = {j: i for i, j in match.items()}
    for j in range(len(B)):
        if j in used_new or B[j].kind == "heading":
            continue
        for nb in (j - 1, j + 1):
            i = inv.get(nb)
            if i is None or sims.get(i, 1.0) >= 0.999 or i in merge.values():
                continue
            parts = sorted([nb, j, *split.get(i, [])])
            joined = _joined(B[k] for k in parts)
            sc = similarity(A[i].norm, joined)
            if sc >= GAP_THRESHOLD and (sc > sims[i] + 0.05 or _completes(A[i].norm, B[nb].norm, B[j].norm)):
                split[i].append(j)
                sims[i] = sc
                used_new.add(j)
                break
    for i in range(len(A)):
        if i in match or A[i].kind == "heading":
            continue
        for nb in (i - 1, i + 1):
            j = match.get(nb)
            if j is None or sims.get(nb, 1.0) >= 0.999 or nb in split:
                continue
            parts = sorted([nb, i, *merge.get(j, [])])
            sc = similarity(_joined(A[k] for k in parts), B[j].norm)
            if sc >= GAP_THRESHOLD and (sc > sims[nb] + 0.05 or _completes(B[j].norm, A[nb].norm, A[i].norm)):
                merge[j].append(i)
                sims[nb] = sc
                match_i = i
                match.setdefault(match_i, -1)  # mark as used; resolved in _pairs
                break
    return dict(split), dict(merge)


def _combine(units: list[Unit]) -> Unit:
    first = units[0]
    numbers = [u.number for u in units if u.number]
    number = ", ".join(numbers) if numbers else None
    text = " ".join(u.text for u in units)
    norm = " ".join(u.norm for u in units)
    return Unit(kind=first.kind, text=text, norm=norm, path=first.path, number=number, index=first.index, level=first.level)


def _parent(units: list[Unit], idx: int) -> int | None:
    u = units[idx]
    for k in range(idx - 1, -1, -1):
        if units[k].kind == "heading" and (u.kind != "heading" or units[k].level < u.level):
            return k
    return None


def _chapter(units: list[Unit], idx: int) -> int | None:
    for k in range(idx, -1, -1):
        if units[k].kind == "heading" and units[k].level <= 1 and k != idx:
            return k
    return None


def _pairs(A: list[Unit], B: list[Unit], match: dict[int, int], sims: dict[int, float], ordered: dict[int, int], merged_old: dict[int, list[int]], merged_new: dict[int, list[int]]) -> list[Pair]:
    absorbed_old = {i for extra in merged_old.values() for i in extra}
    absorbed_new = {j for extra in merged_new.values() for j in extra}
    real = {i: j for i, j in match.items() if j >= 0 and i not in absorbed_old}
    heading_map = {i: j for i, j in real.items() if A[i].kind == "heading"}

    def moved(i: int, j: int) -> bool:
        if i not in ordered:
            return True  # found out of order
        po, pn = _parent(A, i), _parent(B, j)
        if po is not None and pn is not None and po in heading_map and heading_map[po] != pn:
            return True
        co, cn = _chapter(A, i), _chapter(B, j)
        return co is not None and cn is not None and co in heading_map and heading_map[co] != cn

    out: list[tuple[float, Pair]] = []
    for i, j in real.items():
        old_units = [A[k] for k in sorted([i, *merged_old.get(j, [])])]
        new_units = [B[k] for k in sorted([j, *merged_new.get(i, [])])]
        ou = old_units[0] if len(old_units) == 1 else _combine(old_units)
        nu = new_units[0] if len(new_units) == 1 else _combine(new_units)
        text_changed = ou.norm != nu.norm
        sim = 1.0 if not text_changed else min(sims.get(i, 0.0), 0.9999)
        if moved(i, j):
            status = "moved"
        elif text_changed:
            status = "modified"
        else:
            status = "equal"
        pair = Pair(
            old=ou, new=nu, status=status, similarity=sim, text_changed=text_changed,
            merged_old=tuple(u.number or u.path_str for u in old_units) if len(old_units) > 1 else (),
            merged_new=tuple(u.number or u.path_str for u in new_units) if len(new_units) > 1 else (),
        )
        out.append((j + 0.0, pair))
    matched_new = set(real.values()) | absorbed_new
    for j in range(len(B)):
        if j not in matched_new:
            out.append((j + 0.0, Pair(old=None, new=B[j], status="added", similarity=0.0, text_changed=True)))
    # deleted units sit after the new unit that follows their old predecessor
    for i in range(len(A)):
        if i in real or i in absorbed_old:
            continue
        pos = -0.5
        for k in range(i - 1, -1, -1):
            if k in real:
                pos = real[k] + 0.5
                break
        out.append((pos + i * 1e-6, Pair(old=A[i], new=None, status="deleted", similarity=0.0, text_changed=True)))
    out.sort(key=lambda t: t[0])
    return [p for _, p in out]
