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
    publisher: str | None = None
    """Who publishes the document (a watched document's ``--publisher``; GOV.UK's organisation)."""
    published_at: str | None = None
    """The publisher's own date for this edition (GOV.UK ``public_updated_at``, ``import --date``)."""
    change_notes: tuple[dict[str, str], ...] = ()
    """The publisher's change notes for this edition (GOV.UK: ``{"date", "note"}``), newest first."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "label": self.label,
            "source": self.source,
            "sha256": self.sha256,
            "retrieved_at": self.retrieved_at,
        }
        for k in ("origin", "archive_url", "media_type", "http", "title", "publisher", "published_at"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.change_notes:
            d["change_notes"] = [dict(n) for n in self.change_notes]
        return d


def _first_words(text: str, n: int = 6) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


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
        """Where the unit stands, as a printed copy shows it: the heading trail, then the
        paragraph number (``Chapter 1 > Assessment > 62``), a heading's own text,
        ``table row “first cell”``, ``list item “first words…”``, or the first words of an
        unnumbered paragraph. Never its position in the parse, which no reader can find.

        >>> Unit(kind="paragraph", text="Decision | Within one day", norm="", path=("Ch 4",), index=82).path_str
        'Ch 4 > table row “Decision”'
        >>> Unit(kind="paragraph", text="Some words.", norm="", path=("Ch 1",), number="62", index=70).path_str
        'Ch 1 > 62'
        """
        parts = list(self.path)
        if self.kind == "heading":
            parts.append(self.text)
        elif self.number:
            parts.append(self.number)
        elif self.kind == "list_item":
            parts.append(f"list item “{_first_words(self.text)}”")
        elif " | " in self.text:
            parts.append(f"table row “{_first_words(self.text.split(' | ')[0], 10)}”")
        else:
            parts.append(f"“{_first_words(self.text)}”")
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


# --- Batch jobs (tracker.jobs) ---------------------------------------------------

ENGINES: tuple[str, ...] = ("local", "dask")
"""Execution engines of ``tracker.jobs``: ``local`` (this process) and ``dask``."""


@dataclass(frozen=True)
class JobFailure:
    """One item of a job that failed; the job went on without it."""

    item: str
    """The item's key (a file path, ``NAME@1..2``)."""
    message: str
    """One line: what happened, the cause and the fix."""

    def to_dict(self) -> dict[str, str]:
        return {"item": self.item, "message": self.message}


@dataclass(frozen=True)
class JobSummary:
    """What a batch job did: items, failures and throughput."""

    job: str
    engine: str
    workers: int
    items: int
    """Items the job was given."""
    done: int
    """Items that produced a result."""
    failures: tuple[JobFailure, ...]
    seconds: float
    skipped: int = 0
    """Items already done before (a resumed job)."""

    @property
    def per_second(self) -> float:
        return (self.done + len(self.failures)) / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job, "engine": self.engine, "workers": self.workers, "items": self.items,
            "done": self.done, "skipped": self.skipped, "failures": [f.to_dict() for f in self.failures],
            "seconds": round(self.seconds, 3), "per_second": round(self.per_second, 2),
        }


# --- Consultations and local procedures (tracker.consult, tracker.procedures) -----
# Types of the consultation and local-procedures stages live below this line.

PROPOSAL_STATUSES: tuple[str, ...] = ("retained", "dropped", "modified", "new_in_final")
"""Fate of a consultation proposal, in report order (``new_in_final``: never consulted on)."""
STANCES: tuple[str, ...] = ("objection", "support", "neutral")
FINDING_STATUSES: tuple[str, ...] = ("contradicts_new", "follows_old", "follows_new")
"""How a local passage stands against a guidance change, most urgent first."""


STANCE_CUE_KINDS: tuple[str, ...] = ("objection", "support", "negation", "not_negation")
"""Kinds of entry in a pack's ``stances.jsonl``: stance cues, negations that flip a cue
that follows them, and phrases that look like negations but are not (``no longer``)."""


@dataclass(frozen=True)
class StanceCue:
    """One entry of a pack's stance lexicon (``stances.jsonl``, loaded by ``tracker.packs.load_stances``)."""

    id: str
    kind: str
    """One of ``STANCE_CUE_KINDS``."""
    phrases: tuple[str, ...]
    """Lower-case words or phrases, matched on word boundaries."""


@dataclass(frozen=True)
class ResponsePoint:
    """One point of a consultation response: a paragraph or list item of it."""

    source: str
    """Label of the response document (its file name)."""
    text: str
    path: str
    """Where the point stands in the response (``Timeliness > ¶3``)."""
    index: int
    """Position of the point's unit in its document, from 0."""
    stance: str
    """``objection``, ``support`` or ``neutral`` (a small lexicon, negation-aware)."""
    by: str = "respondent"
    """``respondent`` (a professional body, a member of the public) or ``government``
    (a government response document)."""
    refs: tuple[str, ...] = ()
    """Paragraph references the point makes (``"62"``, ``"1:12"`` for chapter 1, paragraph 12)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "path": self.path, "index": self.index, "text": self.text,
            "stance": self.stance, "by": self.by, "refs": list(self.refs),
        }


@dataclass(frozen=True)
class PointLink:
    """A response point linked to a proposal, with the evidence for the link."""

    point: ResponsePoint
    how: tuple[str, ...]
    """``quotation``, ``paraphrase``, ``paragraph`` (a paragraph reference), ``role`` (role
    words against the proposal's tags), strongest first."""
    score: float
    """0..1: how sure the link is (a quotation found verbatim scores 1)."""
    quote: str
    """The words of the point that make the link (the matched sentence), for quoting."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.point.source, "quote": self.quote, "stance": self.point.stance,
            "by": self.point.by, "how": list(self.how), "score": round(float(self.score), 3),
            "path": self.point.path, "point": self.point.text,
        }


@dataclass(frozen=True)
class Proposal:
    """One edit of a consultation: a diff hunk from the text in force to the draft (or, for
    ``new_in_final``, from the text in force to the final), and what became of it."""

    id: str
    status: str
    """One of ``PROPOSAL_STATUSES``."""
    kind: str
    """``edit`` (words within a paragraph), ``added`` or ``deleted`` (a whole paragraph)."""
    previous: Unit | None
    draft: Unit | None
    final: Unit | None
    previous_words: str
    """The words of the text in force at the edit (empty for an insertion)."""
    draft_words: str
    """The draft's words there (for ``new_in_final``: the same as ``previous_words``)."""
    final_words: str
    """The final's words there."""
    tags: tuple[Tag, ...] = ()
    """Tags of the edit alone: previous -> draft, or previous -> final for ``new_in_final``."""
    impact: Impact = NO_IMPACT
    final_tags: tuple[Tag, ...] = ()
    """For ``modified``: tags of previous -> final at the edit (what came into force)."""
    links: tuple[PointLink, ...] = ()
    """Response points linked to the proposal, strongest link first."""
    previous_span: tuple[int, int] | None = None
    """Character span of the edit in ``previous.text`` (an edit only)."""
    draft_span: tuple[int, int] | None = None
    """Character span of the edit in ``draft.text`` (an edit the draft proposed only)."""

    @property
    def unit(self) -> Unit | None:
        return self.draft or self.final or self.previous

    @property
    def path(self) -> str:
        u = self.unit
        return u.path_str if u else ""

    @property
    def accountability(self) -> bool:
        return any(t.type != "EDITORIAL" for t in self.tags)

    @property
    def objected(self) -> bool:
        """True when a respondent's point linked to it objects."""
        return any(lk.point.stance == "objection" and lk.point.by != "government" for lk in self.links)

    @property
    def government_answered(self) -> bool:
        return any(lk.point.by == "government" for lk in self.links)

    def to_dict(self) -> dict[str, Any]:
        num = lambda u: u.number if u else None  # noqa: E731
        return {
            "id": self.id,
            "status": self.status,
            "kind": self.kind,
            "path": self.path,
            "numbers": {"previous": num(self.previous), "draft": num(self.draft), "final": num(self.final)},
            "previous": self.previous.text if self.previous else None,
            "draft": self.draft.text if self.draft else None,
            "final": self.final.text if self.final else None,
            "previous_words": self.previous_words,
            "draft_words": self.draft_words,
            "final_words": self.final_words,
            "accountability": self.accountability,
            "tags": [t.to_dict() for t in self.tags],
            "final_tags": [t.to_dict() for t in self.final_tags],
            "impact": self.impact.to_dict(),
            "objected": self.objected,
            "retained_despite_objection": self.status == "retained" and self.objected,
            "government_answered": self.government_answered,
            "objections": [lk.to_dict() for lk in self.links if lk.point.stance == "objection"],
            "responses": [lk.to_dict() for lk in self.links if lk.point.stance != "objection"],
        }


@dataclass
class ProposalDraft:
    """A proposal before its links and id: what ``tracker.consult.proposals`` builds
    (mutable: tags are gathered while the three texts are walked)."""

    status: str
    kind: str
    previous: Unit | None
    draft: Unit | None
    final: Unit | None
    previous_words: str
    draft_words: str
    final_words: str
    tags: list[Tag]
    final_tags: list[Tag]
    assess_kind: str
    span: tuple[int, int] | None = None
    """The edit's span in the previous text (for an edit)."""
    draft_span: tuple[int, int] | None = None


@dataclass(frozen=True)
class ConsultationReport:
    """Guidance in force, consultation draft and final text, with the responses: what
    ``tracker.consult.track`` returns and ``consultation`` writes."""

    previous: VersionInfo
    draft: VersionInfo
    final: VersionInfo
    responses: tuple[VersionInfo, ...]
    proposals: tuple[Proposal, ...]
    points: tuple[ResponsePoint, ...]
    """Every point of every response, linked or not."""
    tool: ToolInfo
    pack: PackInfo | None = None

    def by_status(self, status: str) -> tuple[Proposal, ...]:
        return tuple(p for p in self.proposals if p.status == status)

    @property
    def retained_despite_objection(self) -> tuple[Proposal, ...]:
        """Accountability changes first, then the rest, each in document order."""
        out = [p for p in self.proposals if p.status == "retained" and p.objected]
        return tuple(sorted(out, key=lambda p: not p.accountability))

    @property
    def unlinked_points(self) -> tuple[ResponsePoint, ...]:
        linked = {(lk.point.source, lk.point.index) for p in self.proposals for lk in p.links}
        return tuple(pt for pt in self.points if (pt.source, pt.index) not in linked)

    def summary(self) -> dict[str, Any]:
        counts = {s: len(self.by_status(s)) for s in PROPOSAL_STATUSES}
        acc = {s: sum(1 for p in self.by_status(s) if p.accountability) for s in PROPOSAL_STATUSES}
        return {
            "proposals": len(self.proposals),
            "by_status": counts,
            "accountability_by_status": acc,
            "retained_despite_objection": len(self.retained_despite_objection),
            "objected": sum(1 for p in self.proposals if p.objected),
            "objected_without_government_answer": sum(1 for p in self.proposals if p.objected and not p.government_answered),
            "points": len(self.points),
            "points_linked": len(self.points) - len(self.unlinked_points),
            "by_stance": {s: sum(1 for pt in self.points if pt.stance == s) for s in STANCES},
        }

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": "consultation",
            "tool": self.tool.to_dict(),
            "previous": self.previous.to_dict(),
            "draft": self.draft.to_dict(),
            "final": self.final.to_dict(),
            "responses": [r.to_dict() for r in self.responses],
            "summary": self.summary(),
            "retained_despite_objection": [p.id for p in self.retained_despite_objection],
            "new_in_final": [p.id for p in self.by_status("new_in_final")],
            "dropped": [p.id for p in self.by_status("dropped")],
            "proposals": [p.to_dict() for p in self.proposals],
            "unlinked_points": [pt.to_dict() for pt in self.unlinked_points],
        }
        if self.pack is not None:
            d["pack"] = self.pack.to_dict()
        return d


@dataclass(frozen=True)
class Finding:
    """A passage of a local procedure that restates a guidance paragraph that changed."""

    id: str
    document: str
    """Label of the local document (its path relative to the folder given)."""
    section: str
    """Where the passage stands in the local document (heading trail and number)."""
    local_text: str
    """The local sentence that restates the guidance."""
    passage: str
    """The whole local paragraph or list item it stands in."""
    change_id: str
    """Id of the guidance change (``compare_documents(old, new)``) it follows."""
    status: str
    """One of ``FINDING_STATUSES``."""
    severity: str
    """The change's severity; ``none`` when the passage already follows the new text."""
    match: str
    """How it was found: ``quotation``, ``paraphrase`` or ``reference``."""
    score: float
    """0..1 similarity of the local sentence to the old guidance sentence."""
    guidance_old: str
    """The old guidance sentence (the whole paragraph when found by reference only)."""
    guidance_new: str
    guidance_path: str
    """Where the guidance paragraph stands in the old version (``Chapter 1 > 62``)."""
    reasons: tuple[str, ...] = ()
    """Why the status: what in the local text contradicts the new guidance."""
    suggested_text: str | None = None
    """The local sentence with the guidance edits applied where their old words occur in it
    (never an edit that would relax a stricter local rule: see ``option_text``)."""
    tags: tuple[Tag, ...] = ()
    summary: str = ""
    """The change's impact summary."""
    actions: tuple[Action, ...] = ()
    source: str | None = None
    """Path of the local file."""
    unit_index: int = 0
    """Position of the passage's unit in the local document (for ordering)."""
    offset: int = 0
    """Character offset of ``local_text`` in the passage."""
    stricter: bool = False
    """The local text keeps a stricter old rule that the new guidance relaxed: it goes beyond
    the new guidance (kept only by a deliberate local decision)."""
    option_text: str | None = None
    """With ``stricter``: the local sentence relaxed as the new guidance is, offered as an
    option for the procedure owner, never as the suggested text."""

    @property
    def priority(self) -> int:
        """1 (high severity) to 4 (none): the order a procedure owner works through."""
        return SEVERITIES.index(self.severity) + 1 if self.severity in SEVERITIES else len(SEVERITIES)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "document": self.document, "source": self.source, "section": self.section,
            "priority": self.priority,
            "local_text": self.local_text, "passage": self.passage, "change_id": self.change_id,
            "status": self.status, "severity": self.severity, "match": self.match,
            "score": round(float(self.score), 3), "reasons": list(self.reasons),
            "suggested_text": self.suggested_text, "stricter": self.stricter, "option_text": self.option_text,
            "guidance_old": self.guidance_old,
            "guidance_new": self.guidance_new, "guidance_path": self.guidance_path,
            "tags": [t.to_dict() for t in self.tags], "summary": self.summary,
            "actions": [a.to_dict() for a in self.actions],
        }


@dataclass(frozen=True)
class LocalFailure:
    """A local file that could not be read (listed, and the rest processed)."""

    path: str
    message: str
    """One line: what happened, the cause and the fix."""

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@dataclass(frozen=True)
class ProceduresReport:
    """Local procedures checked against a guidance change: what ``tracker.procedures.check``
    returns and ``procedures`` writes."""

    old: VersionInfo
    new: VersionInfo
    documents: tuple[VersionInfo, ...]
    """The local documents read."""
    findings: tuple[Finding, ...]
    tool: ToolInfo
    pack: PackInfo | None = None
    failures: tuple[LocalFailure, ...] = ()
    changes_checked: int = 0
    """Guidance changes (with a practice impact) looked for in the local documents."""
    passages: int = 0
    """Local paragraphs and list items searched."""
    skipped: tuple[str, ...] = ()
    """Files found in a folder but not of a document type (``.json``, ``.csv``, images...): not
    read, not failures."""

    def summary(self) -> dict[str, Any]:
        return {
            "documents": len(self.documents),
            "failures": len(self.failures),
            "skipped": len(self.skipped),
            "passages": self.passages,
            "changes_checked": self.changes_checked,
            "findings": len(self.findings),
            "by_status": {s: sum(1 for f in self.findings if f.status == s) for s in FINDING_STATUSES},
            "by_severity": {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES},
        }

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": "procedures",
            "tool": self.tool.to_dict(),
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "documents": [v.to_dict() for v in self.documents],
            "summary": self.summary(),
            "findings": [f.to_dict() for f in self.findings],
            "failures": [f.to_dict() for f in self.failures],
            "skipped": list(self.skipped),
        }
        if self.pack is not None:
            d["pack"] = self.pack.to_dict()
        return d


@dataclass(frozen=True)
class GuidanceEdit:
    """One edited place of a guidance sentence: a word-diff hunk and its context."""

    old: str
    """The old words there (empty for an insertion)."""
    new: str
    """The new words there (empty for a deletion)."""
    before: str = ""
    """Up to three words of unchanged text just before the edit (where to apply it)."""
    after: str = ""
    """Up to three words of unchanged text just after it."""
    tag_types: tuple[str, ...] = ()
    """Types of the change's tags that rest on this edit."""
    direction: str = ""
    """What the edit does to the rule: ``relaxed`` (weaker modal, oversight or role removed,
    longer time limit, duty deleted), ``tightened`` (the reverse), ``changed`` (a different
    rule: a role swapped sideways, a time limit that cannot be compared, mixed), or ``""``
    (wording only: terminology, untagged)."""
    key_words: tuple[str, ...] = ()
    """Normalised distinctive words of the old wording that are not role words: a local
    sentence carries the old wording only when it has one of them (empty: the role words are
    the edit)."""


@dataclass(frozen=True)
class GuidanceSentence:
    """One old guidance sentence as the local-procedures matcher looks for it."""

    key: int
    """Its position in ``GuidanceIndex.sentences``."""
    change_id: str | None
    """The change it belongs to; None for an unchanged sentence (kept so that a local
    passage quoting unchanged guidance is not matched to a similar changed one)."""
    old: str
    new: str
    """The new wording of the sentence (empty when the new guidance deletes it)."""
    edits: tuple[GuidanceEdit, ...] = ()
    tokens: tuple[str, ...] = ()
    """Normalised content words of the old and new wording (the candidate prefilter)."""
    old_norm: str = ""
    """The old wording as normalised words joined by single spaces (for quotations)."""
    new_norm: str = ""
    topic: tuple[str, ...] = ()
    """Its content words that say what it is about: not role words, modals, numbers or units
    of time (a paraphrase must share enough of them, not only "social worker ... six weeks")."""


@dataclass(frozen=True)
class GuidanceChange:
    """What a finding reports about the guidance change it follows."""

    id: str
    kind: str
    severity: str
    old_number: str | None
    new_number: str | None
    old_path: str
    old_text: str
    new_text: str
    tags: tuple[Tag, ...] = ()
    summary: str = ""
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class GuidanceIndex:
    """The changed guidance sentences of a comparison, ready to be looked for in local
    documents: plain, picklable data (no spaCy), built once by
    ``tracker.procedures.build_index`` and shared by every ``check_document`` call."""

    old: VersionInfo
    new: VersionInfo
    tool: ToolInfo
    pack: PackInfo | None
    changes: dict[str, GuidanceChange]
    """Changes with a practice impact, by id, in report order."""
    sentences: tuple[GuidanceSentence, ...]
    postings: dict[str, tuple[int, ...]]
    """Content word -> keys of the sentences holding it."""
    numbers: dict[str, tuple[str, ...]]
    """Old paragraph number -> ids of the changes of that paragraph."""
    aliases: tuple[str, ...] = ()
    """Names the local documents may cite the guidance by (``working together``, ``wt``)."""


# --- Clause timeline (tracker.timeline) -------------------------------------------
# Types of the clause timeline: one unit followed through every stored version.

STEP_STATUSES: tuple[str, ...] = (
    "first", "added", "unchanged", "renumbered", "moved", "modified", "deleted", "absent",
)
"""What happened to the followed unit in a version, against the last version that held it:
``first`` (the earliest version, where it stands), ``added`` (appears here),
``unchanged``, ``renumbered`` (same words, new number), ``moved`` (same words, new
section), ``modified`` (words changed), ``deleted`` (gone here), ``absent`` (still gone,
or not yet written)."""


@dataclass(frozen=True)
class TimelineStep:
    """The followed unit in one version."""

    version: VersionInfo
    unit: Unit | None
    """The unit in this version; None when it is absent."""
    status: str
    """One of ``STEP_STATUSES``."""
    match: str
    """How it was found: ``query`` (the unit the query named), ``aligned`` (the aligner
    paired it with the previous step's unit), ``fuzzy`` (found by similarity after the
    aligner lost it: moved, renumbered, rewritten or back after a gap), ``none``."""
    similarity: float = 1.0
    """Similarity to the previous step's unit (0..1); 1 for the query's own unit."""
    diff: WordDiff = ()
    """Word diff from the last version that held the unit (empty for ``first``)."""
    tags: tuple[Tag, ...] = ()
    impact: Impact = NO_IMPACT

    @property
    def changed(self) -> bool:
        return self.status in ("added", "modified", "deleted")

    @property
    def accountability(self) -> bool:
        return any(t.type != "EDITORIAL" for t in self.tags)

    def to_dict(self) -> dict[str, Any]:
        u = self.unit
        return {
            "version": self.version.to_dict(),
            "status": self.status,
            "match": self.match,
            "similarity": round(float(self.similarity), 4),
            "unit": u.to_dict() if u else None,
            "number": u.number if u else None,
            "path": u.path_str if u else None,
            "text": u.text if u else None,
            "diff": [[op, text] for op, text in self.diff],
            "tags": [t.to_dict() for t in self.tags],
            "impact": self.impact.to_dict(),
        }


@dataclass(frozen=True)
class Timeline:
    """One paragraph (or heading, or list item) through every version, oldest first."""

    query: str
    query_kind: str
    """``number`` (a paragraph number or path) or ``text`` (words of the unit)."""
    anchor: int
    """Index in ``steps`` of the version where the query was matched."""
    score: float
    """How well the query matched the anchor unit, 0..1."""
    steps: tuple[TimelineStep, ...]
    tool: ToolInfo
    pack: PackInfo | None = None
    name: str | None = None
    """The stored document's name, when the versions came from the store."""

    @property
    def changes(self) -> tuple[TimelineStep, ...]:
        """Steps where the words changed (added, modified, deleted)."""
        return tuple(s for s in self.steps if s.changed)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": "timeline",
            "tool": self.tool.to_dict(),
            "name": self.name,
            "query": self.query,
            "query_kind": self.query_kind,
            "anchor": self.anchor,
            "score": round(float(self.score), 4),
            "steps": [s.to_dict() for s in self.steps],
        }
        if self.pack is not None:
            d["pack"] = self.pack.to_dict()
        return d
