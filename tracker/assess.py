"""Practice impact assessment: (change kind, tags, pack) -> ``Impact``.

Each tag is assessed by the first impact rule of the pack whose ``when`` matches it;
the change's impact combines them: the highest severity, each distinct summary once
(most severe first), the union of affected roles, and each distinct action once.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from tracker.models import NO_IMPACT, SEVERITIES, Action, Impact, ImpactRule, Pack, Tag

__all__ = ["assess", "rule_for"]

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _values(tag: Tag, pack: Pack) -> dict[str, Any]:
    return {
        "type": tag.type, "role": tag.role, "role_class": tag.role_class, "from_role": tag.from_role,
        "to_role": tag.to_role, "from_class": tag.from_class, "to_class": tag.to_class,
        "direction": tag.direction, "from_modal": tag.from_modal, "to_modal": tag.to_modal,
        "mechanism": tag.mechanism, "actor": tag.actor, "modal": tag.modal, "from": tag.from_, "to": tag.to,
        "rule": tag.rule,
    }


def rule_for(tag: Tag, pack: Pack, kind: str = "modified") -> ImpactRule | None:
    """The first rule of ``pack`` that matches ``tag``."""
    vals = _values(tag, pack)
    vals["kind"] = kind
    for rule in pack.rules:
        ok = True
        for key, allowed in rule.when.items():
            v = vals.get(key)
            if (v or "") not in allowed:
                ok = False
                break
        if ok:
            return rule
    return None


def _fill(text: str, tag: Tag, pack: Pack, where: str) -> str:
    subs = {
        "role": pack.label(tag.role), "from_role": pack.label(tag.from_role), "to_role": pack.label(tag.to_role),
        "from_modal": tag.from_modal or "", "to_modal": tag.to_modal or "", "mechanism": tag.mechanism or "",
        "from": (pack.label(tag.from_) if tag.type == "TERMINOLOGY" else _quoted(tag.from_)) or "none",
        "to": (pack.label(tag.to) if tag.type == "TERMINOLOGY" else _quoted(tag.to)) or "none",
        "actor": pack.label(tag.actor) or "the organisation", "modal": tag.modal or "",
        "direction": tag.direction or "", "where": where or "this paragraph",
        "actor_suffix": f" of the {pack.label(tag.actor)}" if tag.actor else "",
        "role_class": tag.role_class or "", "from_class": tag.from_class or "", "to_class": tag.to_class or "",
    }
    out = re.sub(r"\{([a-z_]+)\}", lambda m: subs.get(m.group(1), m.group(0)), text)
    return out[:1].upper() + out[1:] if out and out[0] != "{" else out


def _quoted(span: str | None) -> str | None:
    """A span quoted mid-sentence: "Within one working day" -> "within one working day";
    acronyms and words with inner capitals ("NHS", "McDonald") are left alone."""
    if not span:
        return span
    first = span.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower():
        return span[0].lower() + span[1:]
    return span


def _affected(rule: ImpactRule, tag: Tag) -> list[str]:
    ids = {"role": tag.role, "from_role": tag.from_role, "to_role": tag.to_role, "actor": tag.actor, "from": tag.from_, "to": tag.to}
    out = []
    for r in rule.affected_roles:
        m = re.fullmatch(r"\{([a-z_]+)\}", r)
        v = ids.get(m.group(1)) if m else r
        if v and v not in out:
            out.append(v)
    return out


def assess(kind: str, tags: tuple[Tag, ...] | list[Tag], pack: Pack, where: str = "") -> Impact:
    """The impact of one change, from its tags."""
    real = [t for t in tags if t.type != "EDITORIAL"]
    if not real:
        if kind in ("added", "deleted") or (kind == "moved"):
            return _structural(kind, where)
        return NO_IMPACT if not tags else Impact(severity="none", summary="Editorial change only: wording, spelling or order; no change to who is accountable for what.", rationale="No role, modal, oversight, timescale or duty changed.")
    fired: list[tuple[ImpactRule, Tag]] = []
    for t in real:
        r = rule_for(t, pack, kind)
        if r is not None:
            fired.append((r, t))
    fired.sort(key=lambda rt: _RANK[rt[0].severity])
    severity = fired[0][0].severity if fired else "low"
    summaries: list[str] = []
    rationales: list[str] = []
    roles: list[str] = []
    actions: list[Action] = []
    seen_actions: set[tuple[str, str]] = set()
    rule_ids: list[str] = []
    counts = Counter((rule.id, tag.type, tag.actor, tag.modal) for rule, tag in fired if tag.type in ("DUTY_ADDED", "DUTY_REMOVED"))
    for rule, tag in fired:
        s = _fill(rule.summary, tag, pack, where)
        n = counts.get((rule.id, tag.type, tag.actor, tag.modal), 1)
        if n > 1:
            s = _plural_duties(s, n)
        if s not in summaries:
            summaries.append(s)
        r = _fill(rule.rationale, tag, pack, where)
        if r and r not in rationales:
            rationales.append(r)
        for a in _affected(rule, tag):
            if a not in roles:
                roles.append(a)
        for aud, text in rule.actions:
            key = (aud, _fill(text, tag, pack, where))
            if key not in seen_actions:
                seen_actions.add(key)
                actions.append(Action(audience=aud, text=key[1]))
        if rule.id not in rule_ids:
            rule_ids.append(rule.id)
    if not actions:
        actions.append(Action("procedures", f"Review local procedures against this change ({where or 'this paragraph'})."))
    return Impact(severity=severity, summary=" ".join(summaries[:3]), rationale=" ".join(rationales), affected_roles=tuple(roles), actions=tuple(sorted(actions, key=lambda a: ("procedures", "supervision", "training", "practice", "governance").index(a.audience))), rules=tuple(rule_ids))


_COUNT_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight", 9: "Nine", 10: "Ten"}


def _plural_duties(summary: str, n: int) -> str:
    """One summary for n duties of one actor: "A duty of the manager ("must") is no
    longer ..." -> "Three duties of the manager ("must") are no longer ..."."""
    m = re.match(r"A (new )?duty\b(.*?)\bis\b", summary)
    if m is None:
        return f"{summary.rstrip('.')} ({n} duties)."
    count = _COUNT_WORDS.get(n, str(n))
    return f"{count} {m.group(1) or ''}duties{m.group(2)}are{summary[m.end():]}"


def _structural(kind: str, where: str) -> Impact:
    if kind == "moved":
        return Impact(severity="low", summary="The paragraph moved; its wording is unchanged.", rationale="Cross-references by paragraph number in local documents may now point to the wrong place.", actions=(Action("procedures", f"Update cross-references to this paragraph (now {where or 'elsewhere'})."),), rules=("structural/moved",))
    verb = "added" if kind == "added" else "removed"
    return Impact(severity="low", summary=f"Text {verb} with no duty, role or timescale in it.", rationale="Context or explanation changed; no accountability change was found.", actions=(Action("procedures", f"Check whether local procedures quote or rely on this text ({where or 'this paragraph'})."),), rules=(f"structural/{kind}",))
