"""Renderers for ``ConsultationReport``: html, md, csv, docx, json.

The report leads with what a professional body needs first: accountability changes
retained despite objection, changes new in the final (never consulted on), and dropped
proposals; then modified and retained proposals, then response points linked to nothing.
What each section holds and how a proposal reads is decided once, in ``build_consultation_view``;
the formats differ in markup only. Every text from a document or a response is untrusted:
Jinja autoescapes the HTML, Markdown goes through ``md_escape``, CSV through ``safe_cell``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable

from tracker.errors import BadInput
from tracker.consult import sentence_span
from tracker.models import ConsultationReport, PointLink, Proposal, ResponsePoint
from tracker.render._common import SEVERITY_NAMES, TAG_NAMES, _pack_labels, generated_date, is_web_url, tag_label

__all__ = ["CONSULTATION_FORMATS", "build_consultation_view", "consultation_extension", "render_consultation"]

STATUS_NAMES = {
    "retained": "Retained",
    "dropped": "Dropped",
    "modified": "Modified",
    "new_in_final": "New in final (not consulted on)",
}
STANCE_NAMES = {"objection": "Objection", "support": "Support", "neutral": "Neutral"}
KIND_NAMES = {"edit": "Edit", "added": "Paragraph added", "deleted": "Paragraph deleted"}
CSV_COLUMNS = (
    "id", "status", "kind", "path", "previous_number", "draft_number", "final_number",
    "previous_words", "draft_words", "final_words", "tags", "severity", "summary",
    "retained_despite_objection", "objections", "previous", "draft", "final",
    "sentence", "responses",
)
"""``sentence`` is the sentence holding the edit with it marked ``[-deleted-]{+inserted+}``;
``objections`` holds the linked points that object, ``responses`` every other linked point."""


def sentence_pieces(p: Proposal) -> tuple[tuple[str, str], ...]:
    """The sentence of the text in force that holds an edit, as (op, text) pieces:
    ``equal`` before, ``delete`` (the words in force), ``insert`` (the draft's words; for
    ``new_in_final``, the final's), ``equal`` after. Empty for a whole added or deleted
    paragraph (shown whole instead)."""
    if p.kind != "edit" or p.previous is None or p.previous_span is None:
        return ()
    text = p.previous.text
    s, e = p.previous_span
    a, b = sentence_span(text, s, e)
    old_raw = text[s:e]
    if p.status == "new_in_final":
        new_core = p.final_words.strip()
    elif p.draft is not None and p.draft_span is not None:
        new_core = p.draft.text[p.draft_span[0]:p.draft_span[1]].strip()
    else:
        new_core = p.draft_words.strip()
    old_core = old_raw.strip()
    lead = old_raw[: len(old_raw) - len(old_raw.lstrip())]
    trail = old_raw[len(old_raw.rstrip()):]
    if not old_core and new_core:  # an insertion: keep a space on each side of the new words
        before, after = text[a:s], text[e:b]
        lead = "" if not before or before[-1:].isspace() else " "
        trail = "" if not after or after[:1].isspace() or after[:1] in ".,;:!?)" else " "
    pieces = [("equal", text[a:s] + lead)]
    if old_core:
        pieces.append(("delete", old_core))
    if old_core and new_core:
        pieces.append(("equal", " "))
    if new_core:
        pieces.append(("insert", new_core))
    pieces.append(("equal", trail + text[e:b]))
    return tuple((op, t) for op, t in pieces if t)


def plain_marked(pieces: tuple[tuple[str, str], ...]) -> str:
    """Pieces as plain text, ``[-deleted-]{+inserted+}`` (as ``wdiff`` marks them)."""
    out = "".join(t if op == "equal" else (f"[-{t}-]" if op == "delete" else f"{{+{t}+}}") for op, t in pieces)
    return " ".join(out.split())


@dataclass(frozen=True)
class ProposalView:
    p: Proposal
    tags: tuple[str, ...]
    """``Role removed: manager``."""
    final_tags: tuple[str, ...]
    sentence: tuple[tuple[str, str], ...] = ()
    """The sentence holding the edit, with the edit marked (``sentence_pieces``)."""

    @property
    def objections(self) -> tuple[PointLink, ...]:
        return tuple(lk for lk in self.p.links if lk.point.stance == "objection")

    @property
    def responses(self) -> tuple[PointLink, ...]:
        """Linked points that do not object (support, neutral, government answers)."""
        return tuple(lk for lk in self.p.links if lk.point.stance != "objection")

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.p.status, self.p.status)

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.p.impact.severity, self.p.impact.severity)

    @property
    def headline(self) -> str:
        """``“a manager” → “colleagues”`` (final: ``“…”``)."""
        p = self.p
        if p.kind == "added":
            return "Paragraph added" + (" in the final" if p.status == "new_in_final" else " by the draft")
        if p.kind == "deleted":
            return "Paragraph deleted" + (" in the final" if p.status == "new_in_final" else " by the draft")
        if p.status == "new_in_final":
            return f"“{p.previous_words}” → “{p.final_words}” in the final"
        s = f"“{p.previous_words}” → “{p.draft_words}” proposed"
        if p.status == "modified":
            s += f"; the final has “{p.final_words}”"
        return s.replace("“”", "(nothing)")

    @property
    def numbers(self) -> str:
        n = [(lab, u.number) for lab, u in (("previous", self.p.previous), ("draft", self.p.draft), ("final", self.p.final)) if u is not None and u.number]
        return ", ".join(f"{lab} ¶ {num}" for lab, num in n)


@dataclass(frozen=True)
class ConsultationView:
    report: ConsultationReport
    lead: tuple[tuple[str, str, tuple[ProposalView, ...]], ...]
    """(anchor, title, proposals) for the three leading sections."""
    rest: tuple[tuple[str, str, tuple[ProposalView, ...]], ...]
    unlinked: tuple[ResponsePoint, ...]
    summary: dict

    @property
    def heading(self) -> str:
        r = self.report
        return f"Consultation: {r.previous.label} → {r.draft.label} → {r.final.label}"

    @property
    def pipeline(self) -> str:
        t, p = self.report.tool, self.report.pack
        s = f"{t.name} {t.version} · {t.model}"
        if p is not None:
            s += f" · pack {p.name} {p.version}"
        return s


def build_consultation_view(report: ConsultationReport) -> ConsultationView:
    labels = _pack_labels(report.pack.name) if report.pack is not None else {}

    def view(p: Proposal) -> ProposalView:
        read = lambda ts: tuple(f"{TAG_NAMES.get(t.type, t.type)}: {tag_label(t, labels)}".rstrip(": ") for t in ts)  # noqa: E731
        return ProposalView(p=p, tags=read(p.tags), final_tags=read(p.final_tags), sentence=sentence_pieces(p))

    by = lambda s: tuple(view(p) for p in report.by_status(s))  # noqa: E731
    lead = (
        ("retained-despite-objection", "Retained despite objection", tuple(view(p) for p in report.retained_despite_objection)),
        ("new-in-final", "New in the final text (never consulted on)", tuple(sorted(by("new_in_final"), key=lambda v: not v.p.accountability))),
        ("dropped", "Dropped proposals", by("dropped")),
    )
    led = {p.p.id for _, _, ps in lead for p in ps}
    rest = (
        ("modified", "Modified proposals", tuple(v for v in by("modified") if v.p.id not in led)),
        ("retained", "Retained proposals", tuple(v for v in by("retained") if v.p.id not in led)),
    )
    return ConsultationView(report=report, lead=lead, rest=rest, unlinked=report.unlinked_points, summary=report.summary())


# --- formats -------------------------------------------------------------------------


def _json(report: ConsultationReport) -> bytes:
    d = report.to_dict()
    by_id = {p.id: p for p in report.proposals}
    for pd in d["proposals"]:
        # the sentence holding the edit, marked as a word diff: [["equal"|"delete"|"insert", text], ...]
        pd["sentence"] = [[op, t] for op, t in sentence_pieces(by_id[pd["id"]])]
    return (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@lru_cache(maxsize=2)
def _env(markdown: bool):  # type: ignore[no-untyped-def]
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("tracker.render", "templates"),
        autoescape=not markdown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    if markdown:
        from tracker.render.markdown import md_cell, md_escape, md_line

        def marked(pieces: tuple[tuple[str, str], ...]) -> str:
            """``… social worker ~~in discussion with their manager~~ on each …``."""
            out = []
            for k, (op, t) in enumerate(pieces):
                if op == "equal":
                    out.append(md_escape(t) if t.strip() else t)
                    continue
                core, mark = t.strip(), ("~~" if op == "delete" else "**")
                # a marker next to punctuation only opens (closes) after (before) a space
                before = "".join(out)[-1:]
                after = pieces[k + 1][1][:1] if k + 1 < len(pieces) else ""
                lead = " " if core[:1] and not core[0].isalnum() and before.isalnum() else ""
                trail = " " if core[-1:] and not core[-1].isalnum() and after.isalnum() else ""
                out.append(f"{lead}{mark}{md_escape(core)}{mark}{trail}")
            return md_line(" ".join("".join(out).split()))

        env.filters.update(md=md_escape, cell=md_cell, marked=marked)
    env.globals.update(STATUS_NAMES=STATUS_NAMES, STANCE_NAMES=STANCE_NAMES, SEVERITY_NAMES=SEVERITY_NAMES, KIND_NAMES=KIND_NAMES, is_web_url=is_web_url)
    return env


def _html(report: ConsultationReport) -> bytes:
    v = build_consultation_view(report)
    return _env(False).get_template("consultation.html.j2").render(v=v, r=report, generated=generated_date()).encode("utf-8")


def _md(report: ConsultationReport) -> bytes:
    v = build_consultation_view(report)
    text = _env(True).get_template("consultation.md.j2").render(v=v, r=report, generated=generated_date())
    # one blank line between blocks, one newline at the end, whatever the template did
    return (re.sub(r"\n{3,}", "\n\n", text).strip() + "\n").encode("utf-8")


def _csv(report: ConsultationReport) -> bytes:
    from tracker.render.csv import safe_cell

    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    num = lambda u: (u.number or "") if u is not None else ""  # noqa: E731
    view = build_consultation_view(report)
    points = lambda lks: " | ".join(f"{lk.point.source} ({lk.point.stance}, {'/'.join(lk.how)}): {lk.quote}" for lk in lks)  # noqa: E731
    for pv in (v for _, _, vs in view.lead + view.rest for v in vs):
        p = pv.p
        row = (
            p.id, p.status, p.kind, p.path, num(p.previous), num(p.draft), num(p.final),
            p.previous_words, p.draft_words, p.final_words, "; ".join(pv.tags), p.impact.severity, p.impact.summary,
            "yes" if p.status == "retained" and p.objected else "no", points(pv.objections),
            p.previous.text if p.previous else "", p.draft.text if p.draft else "", p.final.text if p.final else "",
            plain_marked(pv.sentence), points(pv.responses),
        )
        w.writerow([safe_cell(x) for x in row])
    return buf.getvalue().encode("utf-8-sig")


def _docx(report: ConsultationReport) -> bytes:
    from docx import Document as new_document
    from docx.shared import Pt

    from tracker.render.docx import DELETE_COLOUR, INSERT_COLOUR, MUTED, _page_number_footer, _run, _table, _x

    v = build_consultation_view(report)
    doc = new_document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    props = doc.core_properties
    props.title = _x(v.heading)[:250]
    props.author = f"{report.tool.name} {report.tool.version}"
    props.created = datetime.fromisoformat(generated_date()).replace(tzinfo=timezone.utc)
    _page_number_footer(doc, _x(v.heading))
    doc.add_heading(_x(v.heading), level=0)
    p = doc.add_paragraph()
    _run(p, f"Generated {generated_date()} by {v.pipeline}", size=9, colour=MUTED)
    s = v.summary
    _table(doc, ["Status", "Proposals", "Of which accountability changes"], [[STATUS_NAMES[k], str(n), str(s["accountability_by_status"][k])] for k, n in s["by_status"].items()])
    doc.add_paragraph(f"Retained despite objection: {s['retained_despite_objection']}. Response points: {s['points']} ({s['points_linked']} linked to a proposal).")
    for _, title, items in v.lead + v.rest:
        doc.add_heading(title, level=1)
        if not items:
            doc.add_paragraph("None.")
        for pv in items:
            pr = pv.p
            doc.add_heading(_x(f"{pr.id} · {pr.path}"), level=2)
            para = doc.add_paragraph()
            _run(para, f"{pv.status_name} · {pv.severity_name}", bold=True)
            if pv.numbers:
                _run(para, f" · {pv.numbers}", colour=MUTED)
            para = doc.add_paragraph()
            if pv.sentence:
                for op, t in pv.sentence:
                    if op == "equal":
                        _run(para, _x(t))
                    else:
                        r = _run(para, _x(t), colour=DELETE_COLOUR if op == "delete" else INSERT_COLOUR)
                        if op == "delete":
                            r.font.strike = True
                        else:
                            r.font.underline = True
            else:
                if pr.previous_words:
                    r = _run(para, _x(pr.previous_words), colour=DELETE_COLOUR)
                    r.font.strike = True
                    _run(para, " ")
                proposed = pr.final_words if pr.status == "new_in_final" else pr.draft_words
                if proposed:
                    r = _run(para, _x(proposed), colour=INSERT_COLOUR)
                    r.font.underline = True
            if pr.status == "modified":
                _run(para, f"  (final: {pr.final_words or 'nothing'})", italic=True)
            for t in pv.tags:
                doc.add_paragraph(_x(t), style="List Bullet")
            doc.add_paragraph(_x(pr.impact.summary))
            for lk in pr.links:
                q = doc.add_paragraph(style="Intense Quote")
                _run(q, f"{lk.point.source} ({STANCE_NAMES.get(lk.point.stance, lk.point.stance)}, {'/'.join(lk.how)}): ", bold=True)
                _run(q, lk.quote)
            rows = [[lab, _x(u.text)] for lab, u in (("Previous", pr.previous), ("Draft", pr.draft), ("Final", pr.final)) if u is not None]
            if rows:
                _table(doc, ["Text", "Wording"], rows)
    if v.unlinked:
        doc.add_heading("Response points linked to no proposal", level=1)
        _table(doc, ["Source", "Stance", "Point"], [[pt.source, pt.stance, pt.text] for pt in v.unlinked])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


CONSULTATION_FORMATS: dict[str, tuple[Callable[[ConsultationReport], bytes], str]] = {
    "json": (_json, "json"),
    "md": (_md, "md"),
    "html": (_html, "html"),
    "csv": (_csv, "csv"),
    "docx": (_docx, "docx"),
}


def render_consultation(report: ConsultationReport, fmt: str) -> bytes:
    """Render a consultation report as ``fmt`` (json, md, html, csv, docx).

    Raises:
        BadInput: unknown format.
    """
    if fmt not in CONSULTATION_FORMATS:
        raise BadInput(f"unknown report format {fmt!r}", f"formats are {', '.join(CONSULTATION_FORMATS)}", "pick one of them")
    return CONSULTATION_FORMATS[fmt][0](report)


def consultation_extension(fmt: str) -> str:
    return CONSULTATION_FORMATS[fmt][1]
