"""Every type that flows between the stages, in one place.

Data flows one way::

    bytes -> Document (of Units) -> Alignment (of Pairs) -> WordDiff per pair
          -> Tags -> Impact -> Change -> Report

All of them are frozen dataclasses. ``Report.to_dict()`` is the only route to the
JSON report (``shared/spec/report.schema.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AUDIENCES",
    "Action",
    "Alignment",
    "CHANGE_KINDS",
    "Change",
    "DiffOp",
    "Document",
    "Impact",
    "PackInfo",
    "Pair",
    "Report",
    "SEVERITIES",
    "Summary",
    "TAG_TYPES",
    "Tag",
    "ToolInfo",
    "Unit",
    "VersionInfo",
    "WordDiff",
]

SCHEMA_VERSION = 1

TAG_TYPES: tuple[str, ...] = (
    "ROLE_REMOVED",
    "ROLE_ADDED",
    "ROLE_REPLACED",
    "TERMINOLOGY",
    "OBLIGATION_WEAKENED",
    "OBLIGATION_STRENGTHENED",
    "OVERSIGHT_REMOVED",
    "OVERSIGHT_ADDED",
    "TIMESCALE_CHANGED",
    "DUTY_ADDED",
    "DUTY_REMOVED",
    "EDITORIAL",
)
"""The tag vocabulary of ``shared/spec/tags.md``, in its order."""

CHANGE_KINDS: tuple[str, ...] = ("added", "deleted", "modified", "moved")
SEVERITIES: tuple[str, ...] = ("high", "medium", "low", "none")
"""Severities, most severe first."""
AUDIENCES: tuple[str, ...] = ("procedures", "supervision", "training", "practice", "governance")

UnitKind = Literal["heading", "paragraph", "list_item"]
DiffOp = tuple[str, str]
"""One word-diff operation: (``"equal"`` | ``"delete"`` | ``"insert"``, text)."""
WordDiff = tuple[DiffOp, ...]


@dataclass(frozen=True)
class VersionInfo:
    """Where a version came from: what a report cites."""

    label: str
    """Short human label: a file name, an edition ("2018"), ``NAME@3``."""
    sha256: str
    """SHA-256 of the raw bytes (or of the UTF-8 text for ``compare_texts``)."""
    source: str | None = None
    """URL or file name it came from."""
    retrieved_at: str | None = None
    """ISO 8601 time it was fetched or archived."""
    origin: str | None = None
    """``live``, ``archive``, ``file`` or ``text``."""
    archive_url: str | None = None
    """The archive capture URL, for versions backfilled from a web archive."""
    media_type: str | None = None
    """The format it was parsed as: ``html``, ``pdf``, ``docx``, ``text``."""
    http: dict[str, str] | None = None
    """HTTP metadata kept with the version (status, ETag, Last-Modified, content type)."""
    title: str | None = None
    """Document title, if the source gave one."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "label": self.label,
            "source": self.source,
            "sha256": self.sha256,
            "retrieved_at": self.retrieved_at,
        }
        for k in ("origin", "archive_url", "media_type", "http", "title"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d


@dataclass(frozen=True)
class Unit:
    """One alignable piece of a document: a heading, a numbered paragraph, a list item."""

    kind: UnitKind
    text: str
    """Display text: the original wording with whitespace collapsed and the printed
    paragraph number removed."""
    norm: str
    """Comparison key: ``text`` with quotes, dashes, case and spacing normalised, so
    that typographic differences compare equal."""
    path: tuple[str, ...] = ()
    """The heading trail above the unit (for a heading: the headings above it)."""
    number: str | None = None
    """The paragraph number printed in the document, if any ("62", "4.2", "a")."""
    index: int = 0
    """Position of the unit in its document, from 0."""
    level: int = 0
    """Heading level (1 = chapter) for headings; list depth for list items."""

    @property
    def path_str(self) -> str:
        """Where the unit stands: ``Chapter 1 > Assessment > 62``."""
        parts = list(self.path)
        if self.kind == "heading":
            parts.append(self.text)
        elif self.number:
            parts.append(self.number)
        else:
            parts.append(f"¶{self.index + 1}")
        return " > ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path_str,
            "number": self.number,
            "text": self.text,
            "kind": self.kind,
            "index": self.index,
        }


@dataclass(frozen=True)
class Document:
    """A parsed version: its units in document order."""

    units: tuple[Unit, ...]
    info: VersionInfo
    title: str | None = None
    format: str = "text"
    """``html``, ``pdf``, ``docx`` or ``text``."""
    warnings: tuple[str, ...] = ()
    """Things the parser noticed but could live with (e.g. pages without text)."""


@dataclass(frozen=True)
class Pair:
    """Two units the aligner matched, or one unit with no partner."""

    old: Unit | None
    new: Unit | None
    status: Literal["equal", "added", "deleted", "modified", "moved"]
    """``equal`` (same text, same place), else a change kind of the spec."""
    similarity: float = 1.0
    """Similarity of the normalised texts, 0..1."""
    text_changed: bool = False
    merged_old: tuple[str, ...] = ()
    """For a merge (two old paragraphs became one new): the old paragraph numbers or
    paths joined into ``old``."""
    merged_new: tuple[str, ...] = ()
    """For a split (one old paragraph became two new): the new numbers joined into ``new``."""


@dataclass(frozen=True)
class Alignment:
    """The aligner's answer: every unit of both documents used exactly once."""

    pairs: tuple[Pair, ...]
    old: Document
    new: Document


@dataclass(frozen=True)
class Tag:
    """One accountability finding on a change (``shared/spec/tags.md``)."""

    type: str
    role: str | None = None
    role_class: str | None = None
    from_role: str | None = None
    to_role: str | None = None
    from_class: str | None = None
    to_class: str | None = None
    direction: str | None = None
    from_: str | None = None
    """``from`` in JSON (a Python keyword)."""
    to: str | None = None
    from_modal: str | None = None
    to_modal: str | None = None
    mechanism: str | None = None
    actor: str | None = None
    modal: str | None = None
    old_span: str | None = None
    """The words in the old text the tag rests on."""
    new_span: str | None = None
    """The words in the new text the tag rests on."""
    old_sentence: str | None = None
    new_sentence: str | None = None
    rule: str | None = None
    """Id of the pattern or tagging rule that produced the tag (its evidence)."""

    # Keys each type carries even when null, per the spec.
    _FIELDS = {
        "ROLE_REMOVED": ("role", "role_class"),
        "ROLE_ADDED": ("role", "role_class"),
        "ROLE_REPLACED": ("from_role", "to_role", "from_class", "to_class", "direction"),
        "TERMINOLOGY": ("from_", "to"),
        "OBLIGATION_WEAKENED": ("from_modal", "to_modal"),
        "OBLIGATION_STRENGTHENED": ("from_modal", "to_modal"),
        "OVERSIGHT_REMOVED": ("mechanism",),
        "OVERSIGHT_ADDED": ("mechanism",),
        "TIMESCALE_CHANGED": ("from_", "to"),
        "DUTY_ADDED": ("actor", "modal"),
        "DUTY_REMOVED": ("actor", "modal"),
        "EDITORIAL": (),
    }

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type}
        for f in self._FIELDS.get(self.type, ()):
            v = getattr(self, f)
            if v is None and f not in ("from_", "to", "actor"):
                continue
            d["from" if f == "from_" else f] = v
        if self.type != "EDITORIAL":
            d["old_span"] = self.old_span
            d["new_span"] = self.new_span
        for f in ("old_sentence", "new_sentence", "rule"):
            v = getattr(self, f)
            if v is not None:
                d[f] = v
        return d

    @property
    def key(self) -> tuple[str, ...]:
        """The scorer's key for this tag (``shared/spec/tags.md``)."""
        t = self.type
        if t in ("ROLE_REMOVED", "ROLE_ADDED"):
            return (t, self.role or "")
        if t == "ROLE_REPLACED":
            return (t, self.from_role or "", self.to_role or "")
        if t == "TERMINOLOGY":
            return (t, self.from_ or "", self.to or "")
        if t in ("OBLIGATION_WEAKENED", "OBLIGATION_STRENGTHENED"):
            return (t, self.from_modal or "", self.to_modal or "")
        return (t,)

    def label(self) -> str:
        """A short human reading: ``manager -> colleague (down)``."""
        t = self.type
        if t in ("ROLE_REMOVED", "ROLE_ADDED"):
            return f"{self.role}"
        if t == "ROLE_REPLACED":
            return f"{self.from_role} → {self.to_role} ({self.direction})"
        if t in ("TERMINOLOGY", "TIMESCALE_CHANGED"):
            return f"{self.from_ or '—'} → {self.to or '—'}"
        if t in ("OBLIGATION_WEAKENED", "OBLIGATION_STRENGTHENED"):
            return f"{self.from_modal} → {self.to_modal}"
        if t in ("OVERSIGHT_REMOVED", "OVERSIGHT_ADDED"):
            return f"{self.mechanism}"
        if t in ("DUTY_ADDED", "DUTY_REMOVED"):
            return f"{self.actor or 'unnamed actor'} {self.modal}"
        return ""


@dataclass(frozen=True)
class Action:
    """Something a named audience should do about a change."""

    audience: str
    """One of ``AUDIENCES``."""
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"audience": self.audience, "text": self.text}


@dataclass(frozen=True)
class Impact:
    """The practice impact assessment of one change."""

    severity: str
    """``high``, ``medium``, ``low`` or ``none``."""
    summary: str
    """One or two sentences a trainer can read aloud."""
    rationale: str = ""
    affected_roles: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    rules: tuple[str, ...] = ()
    """Ids of the impact rules that fired."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "summary": self.summary,
            "rationale": self.rationale,
            "affected_roles": list(self.affected_roles),
            "actions": [a.to_dict() for a in self.actions],
            "rules": list(self.rules),
        }


NO_IMPACT = Impact(severity="none", summary="No change to who is accountable for what.")


@dataclass(frozen=True)
class Change:
    """One reported change: an added, deleted, modified or moved unit."""

    id: str
    kind: str
    """One of ``CHANGE_KINDS``."""
    old: Unit | None
    new: Unit | None
    text_changed: bool
    similarity: float
    diff: WordDiff
    tags: tuple[Tag, ...] = ()
    impact: Impact = NO_IMPACT
    merged_old: tuple[str, ...] = ()
    merged_new: tuple[str, ...] = ()

    @property
    def accountability(self) -> bool:
        """True when the change carries a tag other than EDITORIAL."""
        return any(t.type != "EDITORIAL" for t in self.tags)

    @property
    def section(self) -> str:
        """The chapter (first heading of the trail) the change stands in."""
        u = self.new or self.old
        if u is None:
            return ""
        if u.path:
            return u.path[0]
        return u.text if u.kind == "heading" else ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "text_changed": self.text_changed,
            "similarity": round(float(self.similarity), 4),
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
            "diff": [[op, text] for op, text in self.diff],
            "tags": [t.to_dict() for t in self.tags],
            "impact": self.impact.to_dict(),
        }
        if self.merged_old:
            d["merged_old"] = list(self.merged_old)
        if self.merged_new:
            d["merged_new"] = list(self.merged_new)
        return d


@dataclass(frozen=True)
class ToolInfo:
    name: str
    version: str
    model: str
    """spaCy pipeline that ran (``en_core_web_sm 3.8.0``) or ``rules-only``."""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "model": self.model}


@dataclass(frozen=True)
class PackInfo:
    """Which domain pack tagged and assessed the changes (part of every cache key)."""

    name: str
    version: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class Summary:
    units_old: int
    units_new: int
    unchanged: int
    changes: int
    by_kind: dict[str, int]
    by_tag: dict[str, int]
    by_severity: dict[str, int]
    role_mentions: dict[str, dict[str, int]]
    """role id -> {"old": n, "new": n}."""
    substitutions: tuple[dict[str, Any], ...] = ()
    """Systematic substitutions: ``{"type", "from", "to", "count"}``, most frequent first."""
    top_shifts: tuple[str, ...] = ()
    """Ids of the most severe accountability changes, most severe first."""
    tagging: str = ""
    """A sentence on how tagging ran (which pipeline, which pack)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "units_old": self.units_old,
            "units_new": self.units_new,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "by_kind": dict(self.by_kind),
            "by_tag": dict(self.by_tag),
            "by_severity": dict(self.by_severity),
            "role_mentions": {k: dict(v) for k, v in self.role_mentions.items()},
            "substitutions": [dict(s) for s in self.substitutions],
            "top_shifts": list(self.top_shifts),
            "tagging": self.tagging,
        }


@dataclass(frozen=True)
class Report:
    """A comparison of two versions: what ``compare`` writes."""

    old: VersionInfo
    new: VersionInfo
    summary: Summary
    changes: tuple[Change, ...]
    tool: ToolInfo
    pack: PackInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Extension fields other stages add (kept out of the spec'd keys)."""

    def change(self, change_id: str) -> Change:
        for c in self.changes:
            if c.id == change_id:
                return c
        raise KeyError(change_id)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": self.tool.to_dict(),
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "summary": self.summary.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
        }
        if self.pack is not None:
            d["pack"] = self.pack.to_dict()
        d.update(self.extra)
        return d


# --- Domain packs (loaded and validated by tracker.packs) -------------------------


@dataclass(frozen=True)
class RoleDef:
    """A role of the ontology: id, class, rank, and the wordings that name it."""

    id: str
    cls: str
    rank: int
    label: str
    patterns: tuple[Any, ...]
    """Phrase strings or spaCy token patterns (lists of dicts)."""


@dataclass(frozen=True)
class PatternRule:
    """A line of modals/oversight/timescales.jsonl: spaCy token patterns with meaning."""

    id: str
    kind: str
    """``modal``, ``oversight`` or ``timescale``."""
    patterns: tuple[Any, ...]
    strength: str | None = None
    """For modals: ``must``, ``should`` or ``may``."""
    mechanism: str | None = None
    """For oversight: the mechanism's name."""
    negated: bool = False
    duty_will: bool = False
    """For ``will``: a duty only when its subject is a role."""


@dataclass(frozen=True)
class ImpactRule:
    """One rule of impact_rules.toml."""

    id: str
    when: dict[str, tuple[str, ...]]
    severity: str
    summary: str
    rationale: str = ""
    affected_roles: tuple[str, ...] = ()
    actions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Pack:
    """A loaded, validated domain pack."""

    name: str
    version: str
    title: str
    path: str
    sha256: str
    """Hash of every file of the pack (and of the packs it extends)."""
    classes: dict[str, int]
    roles: dict[str, RoleDef]
    equivalents: tuple[frozenset[str], ...]
    modals: tuple[PatternRule, ...]
    oversight: tuple[PatternRule, ...]
    timescales: tuple[PatternRule, ...]
    rules: tuple[ImpactRule, ...]
    pronouns: frozenset[str] = frozenset()
    non_duty_will_subjects: frozenset[str] = frozenset()

    def rank(self, role: str) -> int:
        r = self.roles.get(role)
        return r.rank if r else 0

    def role_class(self, role: str) -> str:
        r = self.roles.get(role)
        return r.cls if r else "unknown"

    def label(self, role: str | None) -> str:
        if not role:
            return ""
        r = self.roles.get(role)
        return r.label if r else role.replace("_", " ")

    def equivalent(self, a: str, b: str) -> bool:
        return any(a in g and b in g for g in self.equivalents)

    def info(self) -> PackInfo:
        return PackInfo(name=self.name, version=self.version, sha256=self.sha256)


# --- What the NLP pass finds in a sentence (tracker.nlp) --------------------------


@dataclass(frozen=True)
class Mention:
    """A role, modal, oversight mechanism or timescale found in a sentence."""

    kind: Literal["role", "modal", "oversight", "timescale"]
    value: str
    """Role id, modal strength (must/should/may), mechanism name, or normalised timescale."""
    start: int
    """Character offset in the sentence."""
    end: int
    text: str
    rule: str
    """Id of the pack pattern that matched."""
    accountable: bool = True
    """Roles: named as an actor or accountable party (not a possessive, a modifier, or a subject)."""
    modifier: bool = False
    """Roles: used as a modifier of another noun ("social worker visits"): paired when swapped
    for another role, never tagged alone (the parse of modifiers is the least sure)."""
    actor: str | None = None
    """Modals: the role bound by it, when the subject is a role."""
    negated: bool = False
    head: int = -1
    """Modals: character offset of the modal word itself (for "should consider": "should")."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of a unit, with what the NLP pass found in it."""

    text: str
    start: int
    """Character offset in the unit's text."""
    mentions: tuple[Mention, ...] = ()

    def of(self, kind: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]


# --- Consultations and local procedures (tracker.consult, tracker.procedures) -----
# Types of the consultation and local-procedures stages live below this line.
