"""compare: two Documents -> Report (ingest -> align -> diff -> tag -> assess).

The public entry points ``compare_texts`` and ``compare_files`` parse their inputs and
call ``compare_documents``; nothing here does I/O beyond reading the input files.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from tracker.align import align
from tracker.assess import assess
from tracker.diff import word_diff
from tracker.ingest import parse_file, parse_text
from tracker.ingest.normalise import norm
from tracker.models import SEVERITIES, TAG_TYPES, Change, Document, Pack, Pair, Report, Sentence, Summary, Tag, ToolInfo, Unit
from tracker.nlp import analyse_sentences, load_pipeline, names_a_role, role_counts, split_sentences
from tracker.nlp.tag import STRENGTH, duties, match_sentences, tag_unit_pair
from tracker.packs import load_pack

__all__ = ["compare_documents", "compare_files", "compare_texts"]

TOP_SHIFTS = 10
_DUTY_WORDS = re.compile(r"\b(must|shall|should|will|required|obliged|duty|expected|ought|needs?|ha(?:ve|s) to)\b", re.IGNORECASE)


def _tool(model: str) -> ToolInfo:
    from tracker import __version__

    return ToolInfo(name="guidance-tracker", version=__version__, model=model)


def _diff_of(p: Pair) -> tuple[tuple[str, str], ...]:
    if p.old is None and p.new is not None:
        return (("insert", p.new.text),)
    if p.new is None and p.old is not None:
        return (("delete", p.old.text),)
    assert p.old is not None and p.new is not None
    if p.old.text == p.new.text:
        return (("equal", p.old.text),)
    return word_diff(p.old.text, p.new.text)


def compare_documents(old: Document, new: Document, *, pack: Pack | str | os.PathLike[str] | None = None, model: str | None = None) -> Report:
    """Compare two parsed versions.

    Args:
        pack: a loaded ``Pack``, a pack name or folder; default ``children-safeguarding``.
        model: spaCy package to use, ``rules-only``, or None to pick the best available.

    Raises:
        PackError: the pack is unknown or invalid.
    """
    pk = pack if isinstance(pack, Pack) else load_pack(pack)
    pipe = load_pipeline(pk, model)
    alignment = align(old, new)
    changed = [p for p in alignment.pairs if p.status != "equal"]

    # Only changed sentences of changed units go through the full pipeline, in one
    # nlp.pipe batch; identical sentences (reordered or not) say nothing new.
    olds = split_sentences([p.old.text if p.old is not None else "" for p in changed])
    news = split_sentences([p.new.text if p.new is not None else "" for p in changed])
    queue: list[str] = []
    plan: list[tuple[list[tuple[int, str, int]], list[tuple[int, str, int]]]] = []
    for p, os_, ns_ in zip(changed, olds, news):
        if p.status == "equal" or not p.text_changed and p.old is not None and p.new is not None:
            plan.append(([], []))
            continue
        if p.old is None or p.new is None:
            parse_o = [_DUTY_WORDS.search(t) is not None for _, t in os_]
            parse_n = [_DUTY_WORDS.search(t) is not None for _, t in ns_]
        else:
            left = Counter(norm(t) for _, t in ns_)
            parse_o = []
            for _, t in os_:
                k = norm(t)
                parse_o.append(left[k] <= 0)
                left[k] -= 1
            right = Counter(norm(t) for _, t in os_)
            parse_n = []
            for _, t in ns_:
                k = norm(t)
                parse_n.append(right[k] <= 0)
                right[k] -= 1
            # a sentence added or deleted inside the unit: whether its duty holder is
            # named elsewhere in the other version needs the unchanged sentences too
            _, gone, fresh = match_sentences([Sentence(text=t, start=o) for o, t in os_], [Sentence(text=t, start=o) for o, t in ns_])
            if gone or fresh:  # ... but only those that name a role at all
                parse_o = [f or r for f, r in zip(parse_o, names_a_role(pipe, [t for _, t in os_]))]
                parse_n = [f or r for f, r in zip(parse_n, names_a_role(pipe, [t for _, t in ns_]))]
            if p.merged_old or p.merged_new:  # a split or merge: who acts on each side, in full
                parse_o, parse_n = [True] * len(os_), [True] * len(ns_)

        def enqueue(sents: list[tuple[int, str]], flags: list[bool]) -> list[tuple[int, str, int]]:
            out = []
            for (off, t), f in zip(sents, flags):
                out.append((off, t, len(queue) if f else -1))
                if f:
                    queue.append(t)
            return out

        plan.append((enqueue(os_, parse_o), enqueue(ns_, parse_n)))
    # An added or deleted list item is read with its lead-in ("The DSL should:"): the
    # item completes the lead-in's duty, so it states that duty when it has none itself.
    lead_ins = [_lead_in(old if p.new is None else new, p.new or p.old) if p.status in ("added", "deleted") and (p.new or p.old) else None for p in changed]
    lead_at: list[int] = []
    for text in lead_ins:
        if text is None:
            lead_at.append(-1)
            continue
        last = split_sentences([text])[0][-1][1]
        lead_at.append(len(queue))
        queue.append(last)
    done = analyse_sentences(pipe, queue) if queue else []

    def sentences(items: list[tuple[int, str, int]]) -> list[Sentence]:
        return [replace(done[k], start=off) if k >= 0 else Sentence(text=t, start=off) for off, t, k in items]

    changes: list[Change] = []
    for n, (p, (po, pn)) in enumerate(zip(changed, plan), 1):
        kind = p.status
        tags: list[Tag]
        if kind in ("added", "deleted"):
            added = kind == "added"
            own = sentences(pn if added else po)
            tags = duties(own, added=added)
            if not tags and lead_at[n - 1] >= 0:
                tags = _lead_in_duties(done[lead_at[n - 1]], own, added)
        elif p.text_changed:
            so, sn = sentences(po), sentences(pn)
            tags = tag_unit_pair(so, sn, pk)
            if p.merged_old or p.merged_new:
                tags = _split_merge_filter(tags, so, sn)
            if not any(t.type != "EDITORIAL" for t in tags):
                tags = [Tag(type="EDITORIAL", rule="editorial/no-accountability-change")]
        else:
            tags = []
        unit = p.new or p.old
        where = unit.path_str if unit else ""
        impact = assess(kind, tags, pk, where)
        changes.append(Change(
            id=f"c{n:04d}", kind=kind, old=p.old, new=p.new, text_changed=p.text_changed,
            similarity=p.similarity, diff=_diff_of(p), tags=tuple(tags), impact=impact,
            merged_old=p.merged_old, merged_new=p.merged_new,
        ))

    counts_old = role_counts(pipe, [u.text for u in old.units])
    counts_new = role_counts(pipe, [u.text for u in new.units])
    summary = _summary(alignment.pairs, changes, counts_old, counts_new, old, new, pipe.model, pk)
    return Report(old=old.info, new=new.info, summary=summary, changes=tuple(changes), tool=_tool(pipe.model), pack=pk.info())


def _actors(sents: list[Sentence]) -> tuple[set[str], set[tuple[str | None, str]]]:
    """Roles named as actors (bound by a modal, or named as an accountable party beside
    one: "health visitors and school nurses must"), and the (actor, modal) duties stated."""
    roles: set[str] = set()
    held: set[tuple[str | None, str]] = set()
    for s in sents:
        modals = s.of("modal")
        for m in modals:
            if m.actor:
                roles.add(m.actor)
            held.add((m.actor, m.value))
        if modals:
            roles.update(r.value for r in s.of("role") if r.accountable and not r.modifier)
    return roles, held


def _split_merge_filter(tags: list[Tag], old: list[Sentence], new: list[Sentence]) -> list[Tag]:
    """A paragraph split in two repeating its subject, or two merged dropping it, adds or
    removes no one: drop ROLE_ADDED/ROLE_REMOVED for a role named as an actor on both
    sides, and DUTY_ADDED/DUTY_REMOVED for a duty whose actor and modal the other side
    keeps, or whose actor the other side still names as bound by a must/should duty (a
    change of strength there is the OBLIGATION_* tag's to say)."""
    ro, ho = _actors(old)
    rn, hn = _actors(new)
    duty_o = any(STRENGTH.get(m, 0) >= 2 for _, m in ho)
    duty_n = any(STRENGTH.get(m, 0) >= 2 for _, m in hn)
    out = []
    for t in tags:
        if t.type in ("ROLE_ADDED", "ROLE_REMOVED") and t.role in ro and t.role in rn:
            continue
        if t.type == "DUTY_REMOVED" and ((t.actor, t.modal) in hn or (t.actor in rn and duty_n)):
            continue
        if t.type == "DUTY_ADDED" and ((t.actor, t.modal) in ho or (t.actor in ro and duty_o)):
            continue
        out.append(t)
    return out


def _lead_in(doc: Document, unit: Unit) -> str | None:
    """The paragraph that introduces a list item ("The DSL should:"), if it ends with ":".

    The nearest unit before the item that is not a list item at the item's depth or
    deeper; a heading in between means the item has no lead-in.
    """
    if unit.kind != "list_item":
        return None
    units = doc.units
    k = unit.index if 0 <= unit.index < len(units) and units[unit.index] is unit else next((i for i, u in enumerate(units) if u is unit), -1)
    for u in reversed(units[:k] if k >= 0 else ()):
        if u.kind == "list_item" and u.level >= unit.level:
            continue
        if u.kind == "heading":
            return None
        text = u.text.rstrip()
        return text if text.endswith(":") else None
    return None


def _lead_in_duties(lead: Sentence, item: list[Sentence], added: bool) -> list[Tag]:
    """DUTY_ADDED/REMOVED for a list item that completes its lead-in's must/should duty,
    with the lead-in's modal and actor."""
    tags = duties([lead], added=added)
    if not tags:
        return []
    t = tags[-1]  # the modal nearest the colon governs the list
    text = " ".join(s.text for s in item)
    return [replace(
        t, old_sentence=None if added else text, new_sentence=text if added else None,
        rule=f"duty/lead-in/{t.rule.removeprefix('duty/')}",
    )]


def _summary(pairs: tuple[Pair, ...], changes: list[Change], co: dict[str, int], cn: dict[str, int], old: Document, new: Document, model: str, pack: Pack) -> Summary:
    by_kind = Counter(c.kind for c in changes)
    by_tag = Counter(t.type for c in changes for t in c.tags)
    by_sev = Counter(c.impact.severity for c in changes)
    roles = sorted(set(co) | set(cn), key=lambda r: (-(co.get(r, 0) + cn.get(r, 0)), r))
    subs: Counter[tuple[str, str, str]] = Counter()
    for c in changes:
        for t in c.tags:
            if t.type == "TERMINOLOGY":
                subs[("TERMINOLOGY", t.from_ or "", t.to or "")] += 1
            elif t.type == "ROLE_REPLACED":
                subs[("ROLE_REPLACED", t.from_role or "", t.to_role or "")] += 1
            elif t.type in ("OBLIGATION_WEAKENED", "OBLIGATION_STRENGTHENED"):
                subs[(t.type, t.from_modal or "", t.to_modal or "")] += 1
        explained = _explained_words(c.tags)
        for a, b in _word_swaps(c):
            if a in explained or b in explained:
                continue  # already counted as the tag that explains it
            subs[("WORDING", _singular(a), _singular(b)) if _plural_pair(a, b) else ("WORDING", a, b)] += 1
    substitutions = tuple(
        {"type": t, "from": a, "to": b, "count": n}
        for (t, a, b), n in sorted(subs.items(), key=lambda kv: (-kv[1], kv[0]))
        if n >= 2 or t != "WORDING"
    )[:20]
    sev_rank = {s: i for i, s in enumerate(SEVERITIES)}
    shifts = sorted((c for c in changes if c.accountability and c.impact.severity in ("high", "medium")), key=lambda c: (sev_rank[c.impact.severity], -len(c.tags), c.id))
    tagging = f"Tagged with {model} and the {pack.name} pack {pack.version}."
    if model == "rules-only":
        tagging += " No trained spaCy model was found, so actors are judged from word order (rules only); install the pinned model for the dependency parse."
    return Summary(
        units_old=len(old.units), units_new=len(new.units),
        unchanged=sum(1 for p in pairs if p.status == "equal"), changes=len(changes),
        by_kind={k: by_kind.get(k, 0) for k in ("added", "deleted", "modified", "moved")},
        by_tag={t: by_tag[t] for t in TAG_TYPES if by_tag.get(t)},
        by_severity={s: by_sev.get(s, 0) for s in SEVERITIES},
        role_mentions={r: {"old": co.get(r, 0), "new": cn.get(r, 0)} for r in roles},
        substitutions=substitutions, top_shifts=tuple(c.id for c in shifts[:TOP_SHIFTS]), tagging=tagging,
    )


def _explained_words(tags: tuple[Tag, ...]) -> set[str]:
    """Words of the spans that a change's (non-editorial) tags rest on."""
    out: set[str] = set()
    for t in tags:
        if t.type == "EDITORIAL":
            continue
        for v in (t.old_span, t.new_span, t.from_modal, t.to_modal):
            if v:
                out.update(w.lower() for w in re.findall(r"[A-Za-z]+", v))
    return out


def _singular(w: str) -> str:
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def _plural_pair(a: str, b: str) -> bool:
    """Both words plural ("professionals" -> "practitioners"): counted as the singular swap."""
    return _singular(a) != a and _singular(b) != b


def _word_swaps(c: Change) -> list[tuple[str, str]]:
    """Single-word replacements in a change's diff ("judgements" -> "judgments")."""
    out = []
    d = c.diff
    for k in range(len(d) - 1):
        if d[k][0] == "delete" and d[k + 1][0] == "insert":
            a, b = d[k][1].strip(), d[k + 1][1].strip()
            if a and b and " " not in a and " " not in b and a.isalpha() and b.isalpha():
                out.append((a.lower(), b.lower()))
    return out


def compare_texts(old: str, new: str, *, pack: Pack | str | None = None, model: str | None = None, old_label: str = "old", new_label: str = "new") -> Report:
    """Compare two texts (plain text or Markdown).

    >>> r = compare_texts("Staff must report.", "Staff should report.")
    >>> [t.type for c in r.changes for t in c.tags]
    ['OBLIGATION_WEAKENED']
    """
    return compare_documents(parse_text(old, label=old_label), parse_text(new, label=new_label), pack=pack, model=model)


def compare_files(old: str | Path, new: str | Path, *, pack: Pack | str | None = None, model: str | None = None) -> Report:
    """Compare two files of any supported format (HTML, PDF, DOCX, text).

    Raises:
        BadInput: a file is missing, empty or unreadable.
    """
    return compare_documents(parse_file(old), parse_file(new), pack=pack, model=model)


def report_dict(report: Report) -> dict[str, Any]:
    return report.to_dict()
