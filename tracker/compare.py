"""compare: two Documents -> Report (ingest -> align -> diff -> tag -> assess).

The public entry points ``compare_texts`` and ``compare_files`` parse their inputs and
call ``compare_documents``; nothing here does I/O beyond reading the input files.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from tracker.align import align
from tracker.assess import assess
from tracker.diff import word_diff
from tracker.ingest import parse_file, parse_text
from tracker.models import SEVERITIES, TAG_TYPES, Change, Document, Pack, Pair, Report, Summary, Tag, ToolInfo
from tracker.nlp import analyse, load_pipeline, role_counts
from tracker.nlp.tag import duties, tag_unit_pair
from tracker.packs import load_pack

__all__ = ["compare_documents", "compare_files", "compare_texts"]

TOP_SHIFTS = 10


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

    # Only changed units go through the full pipeline, in one nlp.pipe batch.
    texts: list[str] = []
    slots: list[tuple[int | None, int | None]] = []
    for p in changed:
        oi = ni = None
        if p.old is not None and (p.text_changed or p.new is None):
            oi = len(texts)
            texts.append(p.old.text)
        if p.new is not None and (p.text_changed or p.old is None):
            ni = len(texts)
            texts.append(p.new.text)
        slots.append((oi, ni))
    analysed = analyse(pipe, texts) if texts else []

    changes: list[Change] = []
    for n, (p, (oi, ni)) in enumerate(zip(changed, slots), 1):
        kind = p.status
        tags: list[Tag]
        if kind == "added":
            tags = duties(analysed[ni], added=True) if ni is not None else []
        elif kind == "deleted":
            tags = duties(analysed[oi], added=False) if oi is not None else []
        elif p.text_changed and oi is not None and ni is not None:
            tags = tag_unit_pair(analysed[oi], analysed[ni], pk)
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
        words = _word_swaps(c)
        for a, b in words:
            subs[("WORDING", a, b)] += 1
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
