"""The view every renderer draws from: a Report read once into plain, ordered values.

Renderers differ in markup only. What a change is called, how its tags read, which
words a tag rests on, how changes group by role and by section: all of that is decided
here, once, so the HTML, Markdown, CSV and DOCX reports never disagree.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from tracker.models import AUDIENCES, SEVERITIES, TAG_TYPES, Change, Report, Tag, Unit, VersionInfo

__all__ = [
    "AUDIENCE_NAMES",
    "ChangeView",
    "KIND_NAMES",
    "PROVENANCE_FIELDS",
    "Piece",
    "ReportView",
    "SEVERITY_NAMES",
    "TAG_NAMES",
    "TagView",
    "build_view",
    "changes_by_tag",
    "citation",
    "generated_date",
    "http_summary",
    "role_label",
    "tag_label",
    "unit_where",
]

SEVERITY_NAMES = {"high": "High", "medium": "Medium", "low": "Low", "none": "Editorial only"}
SEVERITY_WEIGHT = {"high": 3.0, "medium": 2.0, "low": 1.0, "none": 0.25}
KIND_NAMES = {"added": "Added", "deleted": "Deleted", "modified": "Modified", "moved": "Moved"}
AUDIENCE_NAMES = {
    "procedures": "Procedures",
    "supervision": "Supervision",
    "training": "Training",
    "practice": "Practice",
    "governance": "Governance",
}
TAG_NAMES = {
    "ROLE_REMOVED": "Role removed",
    "ROLE_ADDED": "Role added",
    "ROLE_REPLACED": "Role replaced",
    "TERMINOLOGY": "Terminology",
    "OBLIGATION_WEAKENED": "Obligation weakened",
    "OBLIGATION_STRENGTHENED": "Obligation strengthened",
    "OVERSIGHT_REMOVED": "Oversight removed",
    "OVERSIGHT_ADDED": "Oversight added",
    "TIMESCALE_CHANGED": "Timescale changed",
    "DUTY_ADDED": "Duty added",
    "DUTY_REMOVED": "Duty removed",
    "EDITORIAL": "Editorial",
}
SUBSTITUTION_NAMES = {
    "TERMINOLOGY": "terminology",
    "ROLE_REPLACED": "role replaced",
    "OBLIGATION_WEAKENED": "obligation weakened",
    "OBLIGATION_STRENGTHENED": "obligation strengthened",
    "WORDING": "wording",
}
_ROLE_SUBSTITUTIONS = ("TERMINOLOGY", "ROLE_REPLACED")
NO_HEADING = "(before the first heading)"
PROVENANCE_FIELDS = (
    "Label", "Title", "Publisher", "Published", "Change note", "Source", "Archive copy", "Retrieved", "HTTP",
    "Redirected to", "Parsed as", "SHA-256",
)
"""Every field ``ReportView.version_rows`` may give, in its order."""


# --- Roles and tags ----------------------------------------------------------------


@lru_cache(maxsize=8)
def _pack_labels(name: str) -> dict[str, str]:
    """Role id -> label from the named pack, or {} when it cannot be loaded."""
    try:
        from tracker.packs import load_pack

        return {k: r.label for k, r in load_pack(name).roles.items()}
    except Exception:  # a report may outlive its pack: fall back to the ids
        return {}


def role_label(role: str | None, labels: dict[str, str] | None = None) -> str:
    """``designated_safeguarding_lead`` -> ``designated safeguarding lead``."""
    if not role:
        return ""
    if labels and role in labels:
        return labels[role]
    return role.replace("_", " ")


def tag_label(tag: Tag, labels: dict[str, str] | None = None) -> str:
    """A short reading of a tag with role ids as words: ``manager → colleague (down)``."""
    t = tag.type
    lab = lambda r: role_label(r, labels)  # noqa: E731
    if t in ("ROLE_REMOVED", "ROLE_ADDED"):
        return lab(tag.role) or "unnamed role"
    if t == "ROLE_REPLACED":
        return f"{lab(tag.from_role)} → {lab(tag.to_role)} ({tag.direction or 'lateral'})"
    if t == "TERMINOLOGY":
        return f"{lab(tag.from_) or '—'} → {lab(tag.to) or '—'}"
    if t == "TIMESCALE_CHANGED":
        return f"{tag.from_ or 'none'} → {tag.to or 'none'}"
    if t in ("OBLIGATION_WEAKENED", "OBLIGATION_STRENGTHENED"):
        return f"{tag.from_modal} → {tag.to_modal}"
    if t in ("OVERSIGHT_REMOVED", "OVERSIGHT_ADDED"):
        return tag.mechanism or "oversight"
    if t in ("DUTY_ADDED", "DUTY_REMOVED"):
        return f"{lab(tag.actor) or 'unnamed actor'} {tag.modal or ''}".strip()
    return ""


def tag_roles(tag: Tag) -> list[str]:
    """Role ids a tag names as accountable: role, from_role, to_role, actor.

    TERMINOLOGY's from/to are left out: a renaming does not move accountability, and
    counting it would file every "professional -> practitioner" under both roles.
    """
    return [r for r in (tag.role, tag.from_role, tag.to_role, tag.actor) if r]


# --- Views -------------------------------------------------------------------------


@dataclass(frozen=True)
class TagView:
    n: int
    """1-based position of the tag on its change (the number its highlights carry)."""
    type: str
    name: str
    """``Role replaced``."""
    label: str
    """``manager → colleague (down)``; empty for EDITORIAL."""
    rule: str
    old_span: str | None
    new_span: str | None
    roles: tuple[str, ...]

    @property
    def text(self) -> str:
        """``Role replaced: manager → colleague (down)``."""
        return f"{self.name}: {self.label}" if self.label else self.name

    @property
    def code_text(self) -> str:
        """``ROLE_REPLACED manager → colleague (down)``."""
        return f"{self.type} {self.label}" if self.label else self.type


@dataclass(frozen=True)
class Piece:
    """A run of diff text with the tags whose spans cover it, per side."""

    op: str
    """``equal``, ``delete`` or ``insert``."""
    text: str
    old_marks: tuple[int, ...] = ()
    new_marks: tuple[int, ...] = ()

    @property
    def marks(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.old_marks) | set(self.new_marks)))


@dataclass(frozen=True)
class ChangeView:
    change: Change
    id: str
    kind: str
    severity: str
    section: str
    """Chapter: the first heading of the trail."""
    area: str
    """Heat-strip cell: the first two headings of the trail."""
    old_path: str
    new_path: str
    old_number: str
    new_number: str
    old_text: str
    new_text: str
    tags: tuple[TagView, ...]
    pieces: tuple[Piece, ...]
    roles: tuple[str, ...]
    actions: tuple[tuple[str, tuple[str, ...]], ...]
    """(audience, texts) in the order of ``AUDIENCES``."""
    rules: tuple[str, ...]
    """Evidence: the tagging rules, then the impact rules, each once."""
    position: int
    """Where in the document it stands (the new unit's index, else the old one's)."""

    @property
    def impact(self):  # type: ignore[no-untyped-def]
        return self.change.impact

    @property
    def editorial(self) -> bool:
        return self.severity == "none"

    @property
    def terminology_only(self) -> bool:
        """Every tag is TERMINOLOGY (a renaming: who acts is unchanged) and the impact is
        low: folded with the others of its substitution instead of shown in full."""
        return bool(self.tags) and all(t.type == "TERMINOLOGY" for t in self.tags) and self.severity in ("low", "none")

    @property
    def terminology_key(self) -> str:
        """``professional → practitioner`` (several substitutions joined by ``; ``)."""
        labels: list[str] = []
        for t in self.tags:
            if t.label not in labels:
                labels.append(t.label)
        return "; ".join(labels)

    @property
    def where(self) -> str:
        """Where it stands: ``A > B > 12``; ``A > B > 12 → 14`` when renumbered;
        ``A > 12 → C > 14`` when it moved between sections."""
        if not (self.old_path and self.new_path) or self.old_path == self.new_path:
            return self.new_path or self.old_path
        a, b = self.old_path.split(" > "), self.new_path.split(" > ")
        k = 0
        while k < min(len(a), len(b)) - 1 and a[k] == b[k]:
            k += 1
        head = " > ".join(a[:k])
        tail = f"{' > '.join(a[k:])} → {' > '.join(b[k:])}"
        return f"{head} > {tail}" if head else tail

    @property
    def numbers(self) -> str:
        """``¶ 34 → 35``, ``¶ 12``, ``¶ 12 (deleted)``; empty for unnumbered units."""
        o, n = self.old_number, self.new_number
        if o and n:
            return f"¶ {o}" if o == n else f"¶ {o} → {n}"
        if o:
            return f"¶ {o} (old)"
        if n:
            return f"¶ {n} (new)"
        return ""

    @property
    def old_pieces(self) -> tuple[Piece, ...]:
        return tuple(p for p in self.pieces if p.op != "insert")

    @property
    def new_pieces(self) -> tuple[Piece, ...]:
        return tuple(p for p in self.pieces if p.op != "delete")

    def runs(self, side: str) -> list[tuple[Piece, tuple[int, ...], tuple[int, ...]]]:
        """(piece, marks, marks ending here) for one view: ``inline``, ``old`` or ``new``.

        A tag's number is shown once, after the last piece of its span in that view.
        """
        if side == "old":
            seq = [(p, p.old_marks) for p in self.old_pieces]
        elif side == "new":
            seq = [(p, p.new_marks) for p in self.new_pieces]
        else:
            seq = [(p, p.marks) for p in self.pieces]
        out = []
        for i, (p, m) in enumerate(seq):
            nxt = set(seq[i + 1][1]) if i + 1 < len(seq) else set()
            out.append((p, m, tuple(n for n in m if n not in nxt)))
        return out

    @property
    def swaps(self) -> list[tuple[str, str]]:
        """Word-level replacements (delete then insert), for the compact editorial list."""
        out: list[tuple[str, str]] = []
        d = self.change.diff
        k = 0
        while k < len(d):
            op, text = d[k]
            if op == "delete" and k + 1 < len(d) and d[k + 1][0] == "insert":
                out.append((text.strip(), d[k + 1][1].strip()))
                k += 2
                continue
            if op == "delete":
                out.append((text.strip(), ""))
            elif op == "insert":
                out.append(("", text.strip()))
            k += 1
        return out


@dataclass(frozen=True)
class RoleEntry:
    role: str
    label: str
    changes: tuple[ChangeView, ...]
    by_severity: dict[str, int]
    by_tag: dict[str, int]

    @property
    def slug(self) -> str:
        """The role id made safe for an HTML id: ``role-designated_safeguarding_lead``."""
        return "role-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.role).strip("-")


@dataclass(frozen=True)
class Area:
    key: str
    section: str
    changes: tuple[ChangeView, ...]
    weight: float
    heat: int
    """0..4: how dark the heat-strip cell is."""

    @property
    def by_severity(self) -> dict[str, int]:
        c = Counter(v.severity for v in self.changes)
        return {s: c[s] for s in SEVERITIES if c.get(s)}


@dataclass(frozen=True)
class RoleMention:
    role: str
    label: str
    old: int
    new: int

    @property
    def delta(self) -> int:
        return self.new - self.old


@dataclass(frozen=True)
class ReportView:
    report: Report
    changes: tuple[ChangeView, ...]
    labels: dict[str, str]
    top_shifts: tuple[ChangeView, ...]
    sections: tuple[str, ...]
    areas: tuple[Area, ...]
    roles: tuple[RoleEntry, ...]
    role_mentions: tuple[RoleMention, ...]
    substitutions: tuple[dict[str, Any], ...]
    by_severity: tuple[tuple[str, int], ...]
    by_tag: tuple[tuple[str, int], ...]
    """(tag type, changes carrying it): changes, not tags (see ``changes_by_tag``)."""
    by_kind: tuple[tuple[str, int], ...]
    extra: dict[str, Any] = field(default_factory=dict)
    tag_counts: tuple[tuple[str, int, int], ...] = ()
    """(tag type, changes carrying it, tags of that type)."""

    @property
    def title(self) -> str:
        r = self.report
        return r.new.title or r.old.title or ""

    @property
    def heading(self) -> str:
        return f"What changed: {self.report.old.label} → {self.report.new.label}"

    @property
    def main_changes(self) -> tuple[ChangeView, ...]:
        """Changes with a practice impact (severity above ``none``) that are not
        terminology only, in document order."""
        return tuple(c for c in self.changes if not c.editorial and not c.terminology_only)

    @property
    def terminology_changes(self) -> tuple[ChangeView, ...]:
        return tuple(c for c in self.changes if c.terminology_only)

    @property
    def terminology_groups(self) -> tuple[tuple[str, tuple[ChangeView, ...]], ...]:
        """Terminology-only changes grouped by their substitution (``professional →
        practitioner``), the largest group first, changes in document order."""
        groups: dict[str, list[ChangeView]] = {}
        for c in self.terminology_changes:
            groups.setdefault(c.terminology_key, []).append(c)
        return tuple((k, tuple(v)) for k, v in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    @property
    def editorial_changes(self) -> tuple[ChangeView, ...]:
        return tuple(c for c in self.changes if c.editorial)

    @property
    def area_groups(self) -> list[tuple[str, list[Area]]]:
        """Heat-strip cells grouped by chapter, consecutive runs in document order."""
        out: list[tuple[str, list[Area]]] = []
        for a in self.areas:
            if out and out[-1][0] == a.section:
                out[-1][1].append(a)
            else:
                out.append((a.section, [a]))
        return out

    @property
    def changed_mentions(self) -> tuple[RoleMention, ...]:
        return tuple(m for m in self.role_mentions if m.delta)

    @property
    def pipeline(self) -> str:
        """``guidance-tracker 0.1.0 · en_core_web_sm 3.8.0 · children-safeguarding 1.0.0``."""
        t, p = self.report.tool, self.report.pack
        s = f"{t.name} {t.version} · {t.model}"
        if p is not None:
            s += f" · pack {p.name} {p.version}"
        return s

    def version_rows(self, v: VersionInfo) -> list[tuple[str, str]]:
        """(field, value) rows of a version's provenance, only those it has."""
        rows = [("Label", v.label)]
        if v.title:
            rows.append(("Title", v.title))
        if v.publisher:
            rows.append(("Publisher", v.publisher))
        if v.published_at:
            rows.append(("Published", v.published_at))
        if v.change_notes:
            n = v.change_notes[0]
            note = _one_line(n.get("note", ""))
            rows.append(("Change note", (f"{_date(n.get('date'))}: " if n.get("date") else "") + note))
        if v.source:
            rows.append(("Source", v.source))
        if v.archive_url:
            rows.append(("Archive copy", v.archive_url))
        rows.append(("Retrieved", v.retrieved_at or "not recorded"))
        if v.http:
            rows.append(("HTTP", http_summary(v.http)))
            if v.http.get("final-url"):
                rows.append(("Redirected to", _one_line(v.http["final-url"])))
        if v.media_type:
            rows.append(("Parsed as", v.media_type + (f" ({v.origin})" if v.origin else "")))
        rows.append(("SHA-256", v.sha256))
        return rows

    def provenance_rows(self) -> list[tuple[str, str, str]]:
        """(field, old, new) for every provenance field either version has, in
        ``version_rows`` order; a side without the field gets ``""``."""
        old, new = dict(self.version_rows(self.report.old)), dict(self.version_rows(self.report.new))
        return [(k, old.get(k, ""), new.get(k, "")) for k in PROVENANCE_FIELDS if k in old or k in new]

    def citation(self, v: VersionInfo) -> str:
        """``How to cite`` line for a version (plain text: renderers escape it)."""
        return citation(v)


# HTTP metadata a version keeps (tracker.fetch.http.Fetched.http_meta), in reading order.
_HTTP_SHOWN = ("status", "etag", "last-modified", "content-type", "content-length", "final-url")


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def http_summary(http: dict[str, str] | None) -> str:
    """A version's HTTP metadata on one line, for a provenance row (plain text).

    >>> http_summary({"status": "200", "etag": '"abc"', "last-modified": "Tue, 02 Jan 2024 10:00:00 GMT",
    ...               "content-type": "text/html; charset=utf-8", "content-length": "5120"})
    '200 OK · ETag "abc" · Last-Modified Tue, 02 Jan 2024 10:00:00 GMT · text/html; charset=utf-8 · 5120 bytes'
    """
    if not http:
        return ""
    h = {str(k).lower(): _one_line(val) for k, val in http.items() if val is not None and _one_line(val)}
    parts = []
    status = h.get("status")
    if status:
        try:
            parts.append(f"{status} {HTTPStatus(int(status)).phrase}")
        except ValueError:
            parts.append(status)
    if "etag" in h:
        parts.append(f"ETag {h['etag']}")
    if "last-modified" in h:
        parts.append(f"Last-Modified {h['last-modified']}")
    if "content-type" in h:
        parts.append(h["content-type"])
    if "content-length" in h:
        n = h["content-length"]
        parts.append(f"{n} bytes" if n.isdigit() else f"Content-Length {n}")
    # Anything else a version kept is shown too (but not the final URL: its own row).
    parts.extend(f"{k}: {h[k]}" for k in sorted(h) if k not in _HTTP_SHOWN)
    return " · ".join(parts)


def _date(iso: str | None) -> str:
    """``2024-03-01T09:30:00Z`` -> ``2024-03-01``; text that is not a time stays as it is."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso.strip()).date().isoformat()
    except ValueError:
        return _one_line(iso)


def citation(v: VersionInfo) -> str:
    """One line a reader can paste into a consultation response to cite a version:
    title, source, when it was retrieved (or archived), archive copy, SHA-256 prefix.

    >>> citation(VersionInfo(label="wt@2 (2023)", sha256="7fd447b7bb7fc4f27e" + "0" * 46,
    ...     source="https://www.gov.uk/government/publications/working-together", retrieved_at="2024-03-01T09:30:00Z",
    ...     title="Working together to safeguard children", origin="live"))
    'Working together to safeguard children. https://www.gov.uk/government/publications/working-together. Retrieved 2024-03-01. SHA-256 7fd447b7bb7f.'
    """
    title = _one_line(v.title or v.label).rstrip(".")
    parts = [_one_line(v.publisher).rstrip(".")] if v.publisher else []
    if title:
        parts.append(title + (f" ({_date(v.published_at)})" if v.published_at and _date(v.published_at) else ""))
    if v.source:
        parts.append(_one_line(v.source))
    when = _date(v.retrieved_at)
    if when:
        parts.append(f"{'Archived' if v.origin == 'archive' else 'Retrieved'} {when}")
    if v.archive_url:
        parts.append(f"Archive copy: {_one_line(v.archive_url)}")
    parts.append(f"SHA-256 {v.sha256[:12]}")
    return ". ".join(parts) + "."


def generated_date() -> str:
    """Today's date (UTC), or the date of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    return when.date().isoformat()


def is_web_url(s: str | None) -> bool:
    """Only http(s) sources become links: never ``javascript:`` or ``data:``."""
    return bool(s) and re.match(r"^https?://[^\s<>\"']+$", s or "", re.IGNORECASE) is not None


def _find(haystack: str, needle: str, start: int = 0, end: int | None = None) -> int:
    i = haystack.find(needle, start, end)
    if i < 0:
        i = haystack.lower().find(needle.lower(), start, end)
    return i


def _span_range(text: str, span: str | None, sentence: str | None) -> tuple[int, int] | None:
    """The first occurrence of ``span`` in ``text``, looked for inside ``sentence`` first."""
    if not span or not text:
        return None
    if sentence:
        s = text.find(sentence)
        if s >= 0:
            i = _find(text, span, s, s + len(sentence))
            if i >= 0:
                return i, i + len(span)
    i = _find(text, span)
    return (i, i + len(span)) if i >= 0 else None


def _pieces(change: Change) -> tuple[Piece, ...]:
    """Split the diff at the edges of the tags' spans, so each piece knows its marks."""
    old_text = "".join(t for op, t in change.diff if op != "insert")
    new_text = "".join(t for op, t in change.diff if op != "delete")
    old_r: list[tuple[int, int, int]] = []
    new_r: list[tuple[int, int, int]] = []
    for n, tag in enumerate(change.tags, 1):
        r = _span_range(old_text, tag.old_span, tag.old_sentence)
        if r:
            old_r.append((r[0], r[1], n))
        r = _span_range(new_text, tag.new_span, tag.new_sentence)
        if r:
            new_r.append((r[0], r[1], n))
    out: list[Piece] = []
    op_pos = np_pos = 0
    for op, text in change.diff:
        if not text:
            continue
        has_old, has_new = op != "insert", op != "delete"
        cuts = {0, len(text)}
        for ranges, base, on in ((old_r, op_pos, has_old), (new_r, np_pos, has_new)):
            if on:
                for a, b, _ in ranges:
                    for x in (a - base, b - base):
                        if 0 < x < len(text):
                            cuts.add(x)
        edges = sorted(cuts)
        for a, b in zip(edges, edges[1:]):
            om = tuple(n for s, e, n in old_r if has_old and s < op_pos + b and e > op_pos + a)
            nm = tuple(n for s, e, n in new_r if has_new and s < np_pos + b and e > np_pos + a)
            out.append(Piece(op, text[a:b], om, nm))
        if has_old:
            op_pos += len(text)
        if has_new:
            np_pos += len(text)
    return tuple(out)


def unit_where(u: Unit | None) -> str:
    """Where a unit stands, for a reader: the heading trail, then the printed paragraph
    number (``Chapter 1 > Assessment > 62``), a heading's own text, ``table row “first
    cell”``, ``list item “first words…”``, or an unnumbered paragraph's first words
    (``Unit.path_str``). Never the unit's position in the parse, which no printed copy shows.

    >>> unit_where(Unit(kind="paragraph", text="Decision | Within one day | Social worker", norm="", path=("Chapter 4", "Timescales"), index=82))
    'Chapter 4 > Timescales > table row “Decision”'
    >>> unit_where(Unit(kind="list_item", text="the child's wishes and feelings", norm="", path=("Chapter 1",), index=9))
    "Chapter 1 > list item “the child's wishes and feelings”"
    >>> unit_where(Unit(kind="paragraph", text="Some words.", norm="", path=("Chapter 1",), number="62", index=70))
    'Chapter 1 > 62'
    """
    if u is None:
        return ""
    return u.path_str


def _trail(change: Change) -> tuple[str, ...]:
    u = change.new or change.old
    if u is None:
        return ()
    return tuple(u.path) + ((u.text,) if u.kind == "heading" else ())


def _change_view(c: Change, labels: dict[str, str]) -> ChangeView:
    tags = []
    for n, t in enumerate(c.tags, 1):
        tags.append(TagView(
            n=n, type=t.type, name=TAG_NAMES.get(t.type, t.type.replace("_", " ").capitalize()),
            label=tag_label(t, labels), rule=t.rule or "", old_span=t.old_span, new_span=t.new_span,
            roles=tuple(tag_roles(t)),
        ))
    roles: list[str] = []
    for t in tags:
        for r in t.roles:
            if r not in roles:
                roles.append(r)
    grouped: dict[str, list[str]] = {}
    for a in c.impact.actions:
        grouped.setdefault(a.audience, []).append(a.text)
    order = list(AUDIENCES) + sorted(k for k in grouped if k not in AUDIENCES)
    actions = tuple((a, tuple(grouped[a])) for a in order if a in grouped)
    rules: list[str] = []
    for r in [t.rule for t in tags] + list(c.impact.rules):
        if r and r not in rules:
            rules.append(r)
    trail = _trail(c)
    u = c.new or c.old
    return ChangeView(
        change=c, id=c.id, kind=c.kind, severity=c.impact.severity, section=c.section or NO_HEADING,
        area=" > ".join(trail[:2]) or NO_HEADING,
        old_path=unit_where(c.old), new_path=unit_where(c.new),
        old_number=(c.old.number or "") if c.old else "", new_number=(c.new.number or "") if c.new else "",
        old_text=c.old.text if c.old else "", new_text=c.new.text if c.new else "",
        tags=tuple(tags), pieces=_pieces(c), roles=tuple(roles), actions=actions, rules=tuple(rules),
        position=u.index if u else 0,
    )


def _substitution(s: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    t = s.get("type", "")
    a, b = s.get("from") or "", s.get("to") or ""
    if t in _ROLE_SUBSTITUTIONS:
        a, b = role_label(a, labels), role_label(b, labels)
    return {"type": t, "name": SUBSTITUTION_NAMES.get(t, t.lower().replace("_", " ")), "from": a, "to": b, "count": int(s.get("count", 0))}


def changes_by_tag(report: Report) -> dict[str, tuple[int, int]]:
    """Tag type -> (changes carrying it, tags of that type), in the order of ``TAG_TYPES``.

    ``Summary.by_tag`` counts tags: a change tagged TERMINOLOGY twice counts 2 there,
    1 change here. Readers ask "how many changes", so reports lead with the first number.
    """
    per_change = Counter(k for c in report.changes for k in {t.type for t in c.tags})
    per_tag = Counter(t.type for c in report.changes for t in c.tags)
    order = list(TAG_TYPES) + sorted(k for k in per_tag if k not in TAG_TYPES)
    return {k: (per_change[k], per_tag[k]) for k in order if per_tag.get(k)}


def build_view(report: Report) -> ReportView:
    """Read a report once into the ordered values every renderer draws."""
    labels = _pack_labels(report.pack.name) if report.pack is not None else {}
    changes = tuple(_change_view(c, labels) for c in report.changes)
    by_id = {c.id: c for c in changes}
    s = report.summary

    sections: list[str] = []
    for c in changes:
        if c.section not in sections:
            sections.append(c.section)

    # Heat strip: one cell per area, in the order the areas first appear in the document.
    area_changes: dict[str, list[ChangeView]] = {}
    for c in sorted(changes, key=lambda c: (c.position, c.id)):
        area_changes.setdefault(c.area, []).append(c)
    weights = {k: sum(SEVERITY_WEIGHT.get(c.severity, 1.0) for c in v) for k, v in area_changes.items()}
    top = max(weights.values(), default=0.0)
    areas = tuple(
        Area(key=k, section=v[0].section, changes=tuple(sorted(v, key=lambda c: c.id)), weight=weights[k],
             heat=0 if top == 0 else max(1, min(4, round(4 * weights[k] / top))))
        for k, v in area_changes.items()
    )

    role_changes: dict[str, list[ChangeView]] = {}
    for c in changes:
        for r in c.roles:
            role_changes.setdefault(r, []).append(c)
    roles = []
    for r, cs in role_changes.items():
        sev = Counter(c.severity for c in cs)
        tg = Counter(k for c in cs for k in {t.type for t in c.tags if r in t.roles})
        roles.append(RoleEntry(
            role=r, label=role_label(r, labels), changes=tuple(cs),
            by_severity={k: sev[k] for k in SEVERITIES if sev.get(k)},
            by_tag={k: tg[k] for k in TAG_TYPES if tg.get(k)},
        ))
    roles.sort(key=lambda e: (-e.by_severity.get("high", 0), -len(e.changes), e.label))

    mentions = [RoleMention(r, role_label(r, labels), int(v.get("old", 0)), int(v.get("new", 0))) for r, v in s.role_mentions.items()]
    mentions.sort(key=lambda m: (m.delta == 0, -abs(m.delta), -(m.old + m.new), m.label))

    top_shifts = tuple(by_id[i] for i in s.top_shifts if i in by_id)
    by_severity = tuple((k, int(s.by_severity.get(k, 0))) for k in SEVERITIES)
    tag_counts = tuple((k, n, t) for k, (n, t) in changes_by_tag(report).items())
    by_tag = tuple((k, n) for k, n, _ in tag_counts)
    by_kind = tuple((k, int(s.by_kind.get(k, 0))) for k in KIND_NAMES)
    return ReportView(
        report=report, changes=changes, labels=labels, top_shifts=top_shifts, sections=tuple(sections),
        areas=areas, roles=tuple(roles), role_mentions=tuple(mentions),
        substitutions=tuple(_substitution(x, labels) for x in s.substitutions),
        by_severity=by_severity, by_tag=by_tag, by_kind=by_kind, tag_counts=tag_counts,
    )
