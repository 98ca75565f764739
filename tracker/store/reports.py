"""Stored report JSON -> ``Report`` (the inverse of ``Report.to_dict``).

The JSON keeps each unit's display path but not its heading trail or comparison key,
so units are taken from the version's stored ``units`` rows (by index) and only fall
back to what the JSON says when the unit was merged or split by the aligner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from tracker.ingest.normalise import norm
from tracker.models import Action, Change, Impact, PackInfo, Report, Summary, Tag, ToolInfo, Unit, VersionInfo

__all__ = ["report_from_dict"]

_REPORT_KEYS = {"schema_version", "tool", "old", "new", "summary", "changes", "pack"}
_TAG_FIELDS = {f.name for f in fields(Tag)}
_VERSION_FIELDS = {f.name for f in fields(VersionInfo)}


def _unit(d: Mapping[str, Any] | None, known: Mapping[int, Unit]) -> Unit | None:
    if d is None:
        return None
    base = known.get(int(d.get("index", -1)))
    text = d["text"]
    if base is not None and base.text == text and base.kind == d.get("kind"):
        return base
    if base is not None:  # a merged or split unit: same place, joined text
        return replace(base, text=text, norm=norm(text), number=d.get("number"), kind=d.get("kind", base.kind))
    parts = str(d.get("path", "")).split(" > ")
    return Unit(kind=d.get("kind", "paragraph"), text=text, norm=norm(text), path=tuple(p for p in parts[:-1] if p),
                number=d.get("number"), index=int(d.get("index", 0)))


def _tag(d: Mapping[str, Any]) -> Tag:
    kw = {("from_" if k == "from" else k): v for k, v in d.items()}
    return Tag(**{k: v for k, v in kw.items() if k in _TAG_FIELDS})


def _impact(d: Mapping[str, Any]) -> Impact:
    return Impact(
        severity=d["severity"], summary=d["summary"], rationale=d.get("rationale", ""),
        affected_roles=tuple(d.get("affected_roles", ())),
        actions=tuple(Action(audience=a["audience"], text=a["text"]) for a in d.get("actions", ())),
        rules=tuple(d.get("rules", ())),
    )


def _version(d: Mapping[str, Any]) -> VersionInfo:
    return VersionInfo(**{k: v for k, v in d.items() if k in _VERSION_FIELDS})


def report_from_dict(d: Mapping[str, Any], old_units: Mapping[int, Unit] | None = None, new_units: Mapping[int, Unit] | None = None) -> Report:
    """Rebuild a ``Report`` from its JSON form.

    Args:
        old_units, new_units: the versions' units by index, to restore heading trails.
    """
    ou, nu = old_units or {}, new_units or {}
    s = d["summary"]
    summary = Summary(
        units_old=s["units_old"], units_new=s["units_new"], unchanged=s["unchanged"], changes=s["changes"],
        by_kind=dict(s["by_kind"]), by_tag=dict(s["by_tag"]), by_severity=dict(s["by_severity"]),
        role_mentions={k: dict(v) for k, v in s.get("role_mentions", {}).items()},
        substitutions=tuple(dict(x) for x in s.get("substitutions", ())),
        top_shifts=tuple(s.get("top_shifts", ())), tagging=s.get("tagging", ""),
    )
    changes = tuple(
        Change(
            id=c["id"], kind=c["kind"], old=_unit(c.get("old"), ou), new=_unit(c.get("new"), nu),
            text_changed=c["text_changed"], similarity=c["similarity"],
            diff=tuple((op, text) for op, text in c["diff"]),
            tags=tuple(_tag(t) for t in c.get("tags", ())), impact=_impact(c["impact"]),
            merged_old=tuple(c.get("merged_old", ())), merged_new=tuple(c.get("merged_new", ())),
        )
        for c in d["changes"]
    )
    pack = PackInfo(**d["pack"]) if d.get("pack") else None
    return Report(
        old=_version(d["old"]), new=_version(d["new"]), summary=summary, changes=changes,
        tool=ToolInfo(**d["tool"]), pack=pack, extra={k: v for k, v in d.items() if k not in _REPORT_KEYS},
    )
