"""Compare what old and new text say about accountability -> ``Tag``s.

Sentences of an aligned unit pair are matched first (identical sentences, reordered or
not, say nothing new). Within a matched sentence pair the word diff decides *where*
things changed: a role deleted where another is inserted in the same hunk is replaced
(or renamed, for declared equivalents); a role deleted with nothing in its place is
removed. Modals are followed through the diff by their head word, so "should convene"
-> "should consider whether to convene" is weakened, and "must ... should" -> "should
... must" is two changes, while moving "should" within a sentence is none. Added or
deleted units (and sentences) state duties.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from rapidfuzz import fuzz

from tracker.diff import Hunk, hunks, word_diff
from tracker.ingest.normalise import norm
from tracker.models import Mention, Pack, Sentence, Tag
from tracker.nlp.analyse import PROMPTLY

__all__ = ["duties", "match_sentences", "tag_sentences", "tag_unit_pair"]

STRENGTH = {"must": 3, "should": 2, "may": 1}
SENTENCE_THRESHOLD = 0.45


def duties(sentences: list[Sentence], added: bool) -> list[Tag]:
    """DUTY_ADDED (or DUTY_REMOVED) for each must/should duty the sentences state."""
    out = []
    for s in sentences:
        for m in s.of("modal"):
            if STRENGTH.get(m.value, 0) >= 2:
                span = m.text
                out.append(Tag(
                    type="DUTY_ADDED" if added else "DUTY_REMOVED", actor=m.actor, modal=m.value,
                    old_span=None if added else span, new_span=span if added else None,
                    old_sentence=None if added else s.text, new_sentence=s.text if added else None,
                    rule=f"duty/{m.rule}",
                ))
    return out


def _oversight_only(sentences: list[Sentence], added: bool) -> list[Tag]:
    out = []
    seen: set[str] = set()
    for s in sentences:
        for m in s.of("oversight"):
            if m.value in seen:
                continue
            seen.add(m.value)
            out.append(Tag(
                type="OVERSIGHT_ADDED" if added else "OVERSIGHT_REMOVED", mechanism=m.value,
                old_span=None if added else m.text, new_span=m.text if added else None,
                old_sentence=None if added else s.text, new_sentence=s.text if added else None,
                rule=f"sentence-{'added' if added else 'deleted'}/{m.rule}",
            ))
    return out


def _join(sents: list[Sentence]) -> Sentence:
    if len(sents) == 1:
        return sents[0]
    text, mentions, off = "", [], 0
    for s in sents:
        if text:
            text += " "
            off = len(text)
        mentions += [replace(m, start=m.start + off, end=m.end + off, head=(m.head + off if m.head >= 0 else -1)) for m in s.mentions]
        text += s.text
    return Sentence(text=text, start=sents[0].start, mentions=tuple(mentions))


def match_sentences(old: list[Sentence], new: list[Sentence]) -> tuple[list[tuple[list[int], list[int]]], list[int], list[int]]:
    """Pair sentences: identical ones dropped, similar ones paired (with splits/merges).

    Returns:
        (pairs of old/new index lists that differ, unmatched old indexes, unmatched new).
    """
    on = [norm(s.text) for s in old]
    nn = [norm(s.text) for s in new]
    free_new: dict[str, list[int]] = {}
    for j, t in enumerate(nn):
        free_new.setdefault(t, []).append(j)
    used_o, used_n = set(), set()
    for i, t in enumerate(on):
        if free_new.get(t):
            used_n.add(free_new[t].pop(0))
            used_o.add(i)
    cands = []
    for i in range(len(old)):
        if i in used_o:
            continue
        for j in range(len(new)):
            if j in used_n:
                continue
            sc = fuzz.ratio(on[i], nn[j]) / 100.0
            if sc >= SENTENCE_THRESHOLD:
                cands.append((sc - 0.001 * abs(i - j), i, j))
    pair_of: dict[int, list[int]] = {}
    sims: dict[int, float] = {}
    for sc, i, j in sorted(cands, reverse=True):
        if i in used_o or j in used_n:
            continue
        pair_of[i] = [j]
        sims[i] = sc
        used_o.add(i)
        used_n.add(j)
    # splits: an unmatched new sentence that completes a neighbour's pair
    merged_old: dict[int, list[int]] = {i: [i] for i in pair_of}
    for j in range(len(new)):
        if j in used_n:
            continue
        for i, js in pair_of.items():
            if (j - 1 in js or j + 1 in js):
                joined = " ".join(nn[k] for k in sorted(js + [j]))
                sc = fuzz.ratio(on[i], joined) / 100.0
                if sc > sims[i] + 0.03:
                    js.append(j)
                    js.sort()
                    sims[i] = sc
                    used_n.add(j)
                    break
    # merges: an unmatched old sentence that completes a neighbour's pair
    for i in range(len(old)):
        if i in used_o:
            continue
        for k, olds in merged_old.items():
            if i - 1 in olds or i + 1 in olds:
                joined = " ".join(on[x] for x in sorted(olds + [i]))
                sc = fuzz.ratio(joined, " ".join(nn[y] for y in pair_of[k])) / 100.0
                if sc > sims[k] + 0.03:
                    olds.append(i)
                    olds.sort()
                    sims[k] = sc
                    used_o.add(i)
                    break
    pairs = [(merged_old[i], pair_of[i]) for i in sorted(pair_of)]
    return pairs, [i for i in range(len(old)) if i not in used_o], [j for j in range(len(new)) if j not in used_n]


def tag_unit_pair(old: list[Sentence], new: list[Sentence], pack: Pack) -> list[Tag]:
    """Tags for a modified or moved unit whose text changed."""
    pairs, gone, fresh = match_sentences(old, new)
    tags: list[Tag] = []
    for oi, nj in pairs:
        tags += tag_sentences(_join([old[i] for i in oi]), _join([new[j] for j in nj]), pack)
    gone_s = [old[i] for i in gone]
    fresh_s = [new[j] for j in fresh]
    tags += duties(gone_s, added=False) + _oversight_only(gone_s, added=False)
    tags += duties(fresh_s, added=True) + _oversight_only(fresh_s, added=True)
    tags += _sentence_roles(gone_s, new, pack, added=False) + _sentence_roles(fresh_s, old, pack, added=True)
    tags += _sentence_timescales(gone_s, new, added=False) + _sentence_timescales(fresh_s, old, added=True)
    return tags


def _sentence_timescales(sents: list[Sentence], other: list[Sentence], added: bool) -> list[Tag]:
    """TIMESCALE_CHANGED for a time limit that goes with a sentence deleted from a changed
    unit (``to`` null) or comes with an added one (``from`` null), unless the other
    version of the unit states the same limit elsewhere (it was only moved). Only
    definite limits count: vague promptness ("as soon as possible") is no time limit,
    and a frequency ("each year") goes with the duty it paces (DUTY_* says that)."""
    kept = Counter(m.value for s in other for m in s.of("timescale"))
    out: list[Tag] = []
    for s in sents:
        for m in s.of("timescale"):
            if m.value == PROMPTLY or "every" in m.value.split():
                continue
            if kept[m.value] > 0:
                kept[m.value] -= 1
                continue
            out.append(Tag(
                type="TIMESCALE_CHANGED", from_=None if added else m.text, to=m.text if added else None,
                old_span=None if added else m.text, new_span=m.text if added else None,
                old_sentence=None if added else s.text, new_sentence=s.text if added else None,
                rule=f"timescales/sentence-{'added' if added else 'deleted'}/{m.rule}",
            ))
    return out


def _sentence_roles(sents: list[Sentence], other: list[Sentence], pack: Pack, added: bool) -> list[Tag]:
    """ROLE_ADDED (or ROLE_REMOVED) for the duty holder of a sentence added to (or
    deleted from) a changed unit, when the other version of the unit names that role
    nowhere as an actor or accountable party: the unit now gives a duty to a party it
    did not name before (or no longer names the party its duty fell on). A role the rest
    of the unit still names is not added or removed by one sentence more or less."""
    named = {m.value for s in other for m in s.of("role") if m.accountable}
    out: list[Tag] = []
    seen: set[str] = set()
    for s in sents:
        for m in s.of("modal"):
            role = m.actor
            if role is None or role in named or role in seen or pack.role_class(role) in ("subject", "unknown"):
                continue
            seen.add(role)
            span = next((r.text for r in s.of("role") if r.value == role), role)
            out.append(Tag(
                type="ROLE_ADDED" if added else "ROLE_REMOVED", role=role, role_class=pack.role_class(role),
                old_span=None if added else span, new_span=span if added else None,
                old_sentence=None if added else s.text, new_sentence=s.text if added else None,
                rule=f"sentence-{'added' if added else 'deleted'}/duty-holder",
            ))
    return out


def _hunk_at(hs: list[Hunk], start: int, end: int, side: str) -> int | None:
    for h in hs:
        a, b = (h.old_start, h.old_end) if side == "old" else (h.new_start, h.new_end)
        if a < end and start < b:
            return h.index
    return None


def _map_old_to_new(diff: tuple[tuple[str, str], ...], pos: int) -> int | None:
    o = n = 0
    for op, text in diff:
        L = len(text)
        if op == "equal":
            if o <= pos < o + L:
                return n + (pos - o)
            o += L
            n += L
        elif op == "delete":
            if o <= pos < o + L:
                return None
            o += L
        else:
            n += L
    return None


def _surplus(mine: list[Mention], theirs: list[Mention], hs: list[Hunk], side: str) -> list[tuple[Mention, int]]:
    """Mentions (with their hunk) of values named more often here than there."""
    cm, ct = Counter(m.value for m in mine), Counter(m.value for m in theirs)
    out = []
    for value, n in cm.items():
        extra = n - ct.get(value, 0)
        if extra <= 0:
            continue
        changed = [(m, h) for m in mine if m.value == value for h in [_hunk_at(hs, m.start, m.end, side)] if h is not None]
        out += changed[:extra]
    return sorted(out, key=lambda t: t[0].start)


def tag_sentences(o: Sentence, n: Sentence, pack: Pack) -> list[Tag]:
    """Tags for one matched sentence pair."""
    if norm(o.text) == norm(n.text):
        return []
    diff = word_diff(o.text, n.text)
    hs = hunks(diff)
    base = {"old_sentence": o.text, "new_sentence": n.text}
    tags: list[Tag] = []
    tags += _roles(o, n, hs, diff, pack, base)
    tags += _modals(o, n, hs, diff, base)
    tags += _oversight(o, n, hs, base)
    tags += _timescales(o, n, hs, base)
    return tags


def _has_pronoun(text: str, pack: Pack) -> bool:
    return any(w.lower() in pack.pronouns for w in text.replace(",", " ").split())


def _overlapping(ro: list[Mention], rn: list[Mention], diff: tuple[tuple[str, str], ...]) -> list[tuple[Mention, Mention]]:
    """Roles that share words in the same place but differ ("the designated safeguarding
    lead" -> "a deputy designated safeguarding lead", "named nurse" -> "named doctor"):
    one role in place of the other, even where the diff left most of the words equal."""
    out, used = [], set()
    for m in ro:
        mapped = {p for p in (_map_old_to_new(diff, k) for k in range(m.start, m.end)) if p is not None}
        if not mapped:
            continue
        x = next((x for x in rn if id(x) not in used and x.value != m.value and any(x.start <= p < x.end for p in mapped)), None)
        if x is None or any(y.value == m.value and any(y.start <= p < y.end for p in mapped) for y in rn):
            continue
        used.add(id(x))
        out.append((m, x))
    return out


def _roles(o: Sentence, n: Sentence, hs: list[Hunk], diff: tuple[tuple[str, str], ...], pack: Pack, base: dict[str, str]) -> list[Tag]:
    ro = [m for m in o.of("role") if m.accountable or m.modifier]
    rn = [m for m in n.of("role") if m.accountable or m.modifier]
    overlap = _overlapping(ro, rn, diff)
    ro = [m for m in ro if all(m is not a for a, _ in overlap)]
    rn = [m for m in rn if all(m is not b for _, b in overlap)]
    D = _surplus(ro, rn, hs, "old")
    I = _surplus(rn, ro, hs, "new")
    d_hunks = {h for _, h in D}
    i_hunks = {h for _, h in I}
    D = [(m, h) for m, h in D if not (h not in i_hunks and _has_pronoun(hs[h].new_text, pack))]
    I = [(m, h) for m, h in I if not (h not in d_hunks and _has_pronoun(hs[h].old_text, pack))]
    pairs: list[tuple[Mention, Mention]] = list(overlap)
    left_i = list(I)
    left_d = []
    # within a hunk, a declared equivalent is the likeliest partner ("the manager, and the
    # professionals" -> "the practitioners": the professionals were renamed, the manager
    # removed); then the nearest role of the same class; then any.
    for m, h in sorted(D, key=lambda t: not any(x[1] == t[1] and pack.equivalent(t[0].value, x[0].value) for x in I)):
        same = [x for x in left_i if x[1] == h]
        partner = (
            next((x for x in same if pack.equivalent(m.value, x[0].value)), None)
            or next((x for x in same if pack.role_class(m.value) == pack.role_class(x[0].value)), None)
            or (same[0] if same else None)
        )
        if partner is not None:
            pairs.append((m, partner[0]))
            left_i.remove(partner)
        else:
            left_d.append((m, h))
    left_d.sort(key=lambda t: t[0].start)
    # a lone role out, a lone role in, in neighbouring hunks: one rewritten phrase
    if len(left_d) == 1 and len(left_i) == 1 and abs(left_d[0][1] - left_i[0][1]) <= 1:
        pairs.append((left_d[0][0], left_i[0][0]))
        left_d, left_i = [], []
    # a modifier swapped for nothing is not a role removed: the parse is least sure there
    left_d = [(m, h) for m, h in left_d if m.accountable]
    left_i = [(m, h) for m, h in left_i if m.accountable]
    tags = []
    holders_o = {m.actor for m in o.of("modal") if m.actor}
    holders_n = {m.actor for m in n.of("modal") if m.actor}
    # a role named again, not as a duty holder, where the old sentence already names it
    # is not added: "the social worker must see the child" -> "..., and where the social
    # worker is unavailable the manager must ask another social worker" adds the manager
    # only. (A co-actor dropped while the role stays named elsewhere is still removed.)
    named_o = {m.value for m in o.of("role") if m.accountable}
    left_i = [(m, h) for m, h in left_i if not (m.value in named_o and not _binds(m, n))]
    for d, i in pairs:
        if pack.equivalent(d.value, i.value):
            tags.append(Tag(type="TERMINOLOGY", from_=d.value, to=i.value, old_span=d.text, new_span=i.text, rule="roles/equivalent-terms", **base))
            continue
        ro_, rn_ = pack.rank(d.value), pack.rank(i.value)
        direction = "lateral" if (ro_ == 0 or rn_ == 0 or ro_ == rn_) else ("down" if rn_ < ro_ else "up")
        # the role the duty falls on, or another party (the one told, consulted, ...)
        rule = "roles/replaced-in-place" if (d.value in holders_o or i.value in holders_n) else "roles/replaced-other-party"
        tags.append(Tag(type="ROLE_REPLACED", from_role=d.value, to_role=i.value, from_class=pack.role_class(d.value), to_class=pack.role_class(i.value), direction=direction, old_span=d.text, new_span=i.text, rule=rule, **base))
    for d, _ in left_d:
        tags.append(Tag(type="ROLE_REMOVED", role=d.value, role_class=pack.role_class(d.value), old_span=d.text, new_span=None, rule="roles/deleted-no-replacement", **base))
    for i, _ in left_i:
        tags.append(Tag(type="ROLE_ADDED", role=i.value, role_class=pack.role_class(i.value), old_span=None, new_span=i.text, rule="roles/inserted", **base))
    return tags


def _binds(role: Mention, s: Sentence) -> bool:
    """Whether this role mention is itself the duty holder of a modal: the modal bound to
    its role follows it in the same clause, with no other role or clause break between
    ("the manager must"; "the social worker and their manager should")."""
    for mod in s.of("modal"):
        if mod.actor != role.value or mod.start < role.end:
            continue
        between = s.text[role.end:mod.start]
        if len(between) <= 40 and not re.search(r"[,;:()]", between) and not any(
                r is not role and role.end <= r.start < mod.start and r.value != role.value for r in s.of("role")):
            return True
    return False


def _modals(o: Sentence, n: Sentence, hs: list[Hunk], diff: tuple[tuple[str, str], ...], base: dict[str, str]) -> list[Tag]:
    mo, mn = o.of("modal"), n.of("modal")
    pairs: list[tuple[Mention, Mention]] = []
    used_n: set[int] = set()
    left_o = []
    for m in mo:
        p = _map_old_to_new(diff, m.head)
        k = next((k for k, x in enumerate(mn) if k not in used_n and p is not None and x.head == p), None)
        if k is not None:
            pairs.append((m, mn[k]))
            used_n.add(k)
        else:
            left_o.append(m)
    left_n = [x for k, x in enumerate(mn) if k not in used_n]
    rest_o = []
    for m in left_o:
        h = _hunk_at(hs, m.head, m.head + 1, "old")
        partner = next((x for x in left_n if h is not None and _hunk_at(hs, x.head, x.head + 1, "new") == h), None)
        if partner is not None:
            pairs.append((m, partner))
            left_n.remove(partner)
        else:
            rest_o.append(m)
    pairs += list(zip(rest_o, left_n))
    tags = _split_bindings(o, n, pairs, base)
    reversible = _negations(o.text) != _negations(n.text)
    for a, b in pairs:
        sa, sb = STRENGTH[a.value], STRENGTH[b.value]
        if a.negated != b.negated and reversible and min(sa, sb) >= 2:
            tags += _reversal(o, a, n, b, base)
            continue
        if sa == sb:
            continue
        t = "OBLIGATION_WEAKENED" if sb < sa else "OBLIGATION_STRENGTHENED"
        # of a list of holders ("A and B should"), the one the new modal binds ("B may")
        actor = b.actor if b.actor and b.actor in _bound(o, a) else (a.actor or b.actor)
        tags.append(Tag(type=t, from_modal=a.value, to_modal=b.value, actor=actor, old_span=a.text, new_span=b.text, rule=f"modals/{a.rule}->{b.rule}", **base))
    return tags


_JOINERS = {"and", "or", "the", "a", "an", "their", "its", "both", "also", "all", "each", "every", "any"}


def _bound(s: Sentence, m: Mention) -> set[str]:
    """Roles a modal binds as a list of subjects: its actor and the roles joined to it
    before the modal by "and", "or" or commas ("The local authority and the police must")."""
    if m.actor is None:
        return set()
    out = set()
    for r in s.of("role"):
        if not r.accountable or r.end > m.start:
            continue
        gap = s.text[r.end:m.start]
        for x in s.of("role"):
            if r.end <= x.start and x.end <= m.start:
                gap = gap.replace(x.text, " ")
        if all(w in _JOINERS for w in re.findall(r"[\w’']+", gap.lower())):
            out.add(r.value)
    return out if m.actor in out else set()


def _split_bindings(o: Sentence, n: Sentence, pairs: list[tuple[Mention, Mention]], base: dict[str, str]) -> list[Tag]:
    """A list of duty holders split into clauses, or clauses merged into a list ("The
    local authority and the police must attend" -> "The local authority must attend and
    the police should attend"): a modal found on one side only is compared, role by
    role, with the modal that bound the same role on the other side."""
    mo, mn = o.of("modal"), n.of("modal")
    paired_o = {id(a) for a, _ in pairs}
    paired_n = {id(b) for _, b in pairs}
    bo = [(a, _bound(o, a)) for a in mo]
    bn = [(b, _bound(n, b)) for b in mn]
    found: list[tuple[Mention, Mention, str]] = []
    for b, roles in bn:
        if id(b) in paired_n:
            continue
        for r in sorted(roles):
            a = next((a for a, ra in bo if r in ra and id(a) in paired_o), None)
            if a is not None:
                found.append((a, b, r))
    for a, roles in bo:
        if id(a) in paired_o:
            continue
        for r in sorted(roles):
            b = next((b for b, rb in bn if r in rb and id(b) in paired_n), None)
            if b is not None:
                found.append((a, b, r))
    tags, seen = [], set()
    for a, b, r in found:
        sa, sb = STRENGTH[a.value], STRENGTH[b.value]
        if sa == sb or a.negated != b.negated or (id(a), id(b)) in seen:
            continue
        seen.add((id(a), id(b)))
        t = "OBLIGATION_WEAKENED" if sb < sa else "OBLIGATION_STRENGTHENED"
        tags.append(Tag(type=t, from_modal=a.value, to_modal=b.value, actor=r, old_span=a.text, new_span=b.text, rule=f"modals/list-split/{a.rule}->{b.rule}", **base))
    return tags


_NEGATORS = re.compile(r"\b(?:not|never)\b|n[’']t\b|\bcannot\b", re.IGNORECASE)


def _negations(text: str) -> int:
    return len(_NEGATORS.findall(text))


def _duty_phrase(s: Sentence, m: Mention) -> str:
    """The modal and the word it governs: "must share", "should not contact"."""
    rest = s.text[m.end:].split()
    words = [m.text]
    for w in rest[:3]:
        w = w.strip(",;:.()")
        words.append(w)
        if w.lower() not in ("not", "never", "also", "always"):
            break
    return " ".join(words)


def _reversal(o: Sentence, a: Mention, n: Sentence, b: Mention, base: dict[str, str]) -> list[Tag]:
    """A duty turned into its opposite ("must share" -> "must not share", "should not
    contact" -> "should contact"): the old duty is gone and a new, reversed one stands.
    Moving "not" elsewhere in the sentence ("must ensure the child is not left" -> "must
    not leave the child") keeps the number of negations and is not a reversal."""
    was, now = _duty_phrase(o, a), _duty_phrase(n, b)
    actor = a.actor or b.actor
    return [
        Tag(type="DUTY_REMOVED", actor=actor, modal=a.value, from_=was, to=now, old_span=a.text, new_span=None, rule="polarity-reversed", **base),
        Tag(type="DUTY_ADDED", actor=actor, modal=b.value, from_=was, to=now, old_span=None, new_span=b.text, rule="polarity-reversed", **base),
    ]


def _oversight(o: Sentence, n: Sentence, hs: list[Hunk], base: dict[str, str]) -> list[Tag]:
    oo, on_ = o.of("oversight"), n.of("oversight")
    D = _surplus(oo, on_, hs, "old")
    I = _surplus(on_, oo, hs, "new")
    # one mechanism in place of another ("in supervision" -> "through audit") is two
    # changes: the old one stops being required, the new one starts (rewordings of one
    # mechanism share its value and cancel in the counts above)
    tags, seen = [], set()
    for m, h in D:
        if m.value in seen:
            continue
        seen.add(m.value)
        tags.append(Tag(type="OVERSIGHT_REMOVED", mechanism=m.value, old_span=m.text, new_span=None, rule=f"oversight/deleted/{m.rule}", **base))
    seen = set()
    for m, h in I:
        if m.value in seen:
            continue
        seen.add(m.value)
        tags.append(Tag(type="OVERSIGHT_ADDED", mechanism=m.value, old_span=None, new_span=m.text, rule=f"oversight/inserted/{m.rule}", **base))
    return tags


def _timescales(o: Sentence, n: Sentence, hs: list[Hunk], base: dict[str, str]) -> list[Tag]:
    to, tn = o.of("timescale"), n.of("timescale")
    if Counter(m.value for m in to) == Counter(m.value for m in tn):
        return []
    D = _surplus(to, tn, hs, "old")
    I = _surplus(tn, to, hs, "new")
    pairs, left_i, left_d = [], list(I), []
    for m, h in D:
        partner = next((x for x in left_i if x[1] == h), None)
        if partner is not None:
            pairs.append((m, partner[0]))
            left_i.remove(partner)
        else:
            left_d.append(m)
    rest_i = [m for m, _ in left_i]
    zipped = list(zip(left_d, rest_i))
    pairs += zipped
    left_d, rest_i = left_d[len(zipped):], rest_i[len(zipped):]
    tags = [Tag(type="TIMESCALE_CHANGED", from_=a.text, to=b.text, old_span=a.text, new_span=b.text, rule=f"timescales/{a.rule}->{b.rule}", **base) for a, b in pairs if a.value != b.value]
    tags += [Tag(type="TIMESCALE_CHANGED", from_=a.text, to=None, old_span=a.text, new_span=None, rule=f"timescales/removed/{a.rule}", **base) for a in left_d]
    tags += [Tag(type="TIMESCALE_CHANGED", from_=None, to=b.text, old_span=None, new_span=b.text, rule=f"timescales/added/{b.rule}", **base) for b in rest_i]
    return tags
