"""Checklists for procedure owners: ProceduresReport -> bytes (html, md, csv, docx, json).

One view (``build_checklist``) decides what every format shows and in which order:
findings by priority (severity, then status), each with the document, section, local
text, the guidance change it follows, the suggested wording (shown as a word diff of the
local text), for a local rule stricter than the new guidance the relaxed wording as a
labelled option only, and the change's actions. All document text is untrusted: the HTML goes
through an autoescaping Jinja template under a CSP that allows no script and no network,
Markdown through ``md_escape``, CSV through ``safe_cell`` (no formulas), DOCX through
``_x`` (no XML control characters).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from tracker.diff import word_diff
from tracker.errors import BadInput
from tracker.models import FINDING_STATUSES, Finding, ProceduresReport, WordDiff
from tracker.render._common import AUDIENCE_NAMES, SEVERITY_NAMES, TAG_NAMES, _pack_labels, generated_date, tag_label

__all__ = ["FORMATS", "STATUS_NAMES", "build_checklist", "extension", "render_procedures", "write_procedures"]

FORMATS: dict[str, str] = {"html": "html", "md": "md", "csv": "csv", "docx": "docx", "json": "json"}
"""Format name -> file extension."""
STATUS_NAMES = {
    "contradicts_new": "Contradicts the new guidance",
    "follows_old": "Follows the old wording",
    "follows_new": "Already follows the new guidance",
}
STATUS_ADVICE = {
    "contradicts_new": "Decide what the local rule is now, and rewrite the passage.",
    "follows_old": "Update the wording (see the suggested text).",
    "follows_new": "No change needed.",
}
STRICTER_NAME = "Goes beyond the new guidance"
"""Shown for a ``follows_old`` finding whose local rule is stricter than the new guidance."""
STRICTER_ADVICE = ("The local rule is stricter than the new guidance: keep it only by a deliberate local decision "
                   "(record it), or relax it (see the option).")
STRICTER_ADVICE_NO_OPTION = ("The local rule is stricter than the new guidance: keep it only by a deliberate local decision "
                             "(record it), or rewrite it to the new guidance.")
CHECK_ADVICE = "Check the passage against the new guidance and update it."
"""For a ``follows_old`` finding without suggested text (a paragraph reference)."""
OPTION_LABEL = "Option, only if you decide to relax the local rule"
MATCH_NAMES = {"quotation": "quotation", "paraphrase": "paraphrase", "reference": "paragraph reference"}
PRIORITY_NAMES = {1: "1 (high)", 2: "2 (medium)", 3: "3 (low)", 4: "none"}
CSV_COLUMNS = (
    "priority", "severity", "status", "stricter", "document", "section", "local_text", "suggested_text", "option_text", "change_id",
    "guidance_path", "tags", "guidance_old", "guidance_new", "summary", "actions", "reasons", "match", "score", "id",
)


@dataclass(frozen=True)
class Item:
    """One checklist line, everything a renderer needs, in display form."""

    finding: Finding
    n: int
    priority: str
    status_name: str
    advice: str
    tags: tuple[str, ...]
    """``Role removed: manager``."""
    actions: tuple[tuple[str, str], ...]
    """(audience name, text)."""
    redline: WordDiff
    """Local text -> suggested text, word by word (empty without a suggestion)."""
    option_redline: WordDiff = ()
    """Local text -> the relaxed option (``Finding.option_text``), word by word."""

    @property
    def f(self) -> Finding:
        return self.finding


@dataclass(frozen=True)
class Checklist:
    report: ProceduresReport
    todo: tuple[Item, ...]
    """Findings that need work (``contradicts_new``, ``follows_old``), by priority."""
    done: tuple[Item, ...]
    """``follows_new`` findings."""
    by_document: tuple[tuple[str, dict[str, int]], ...]
    """(document, {status: count}) for every document read, by name."""
    generated: str

    @property
    def heading(self) -> str:
        return f"Local procedures checked against {self.report.old.label} → {self.report.new.label}"


def _advice(f: Finding) -> str:
    if f.stricter and f.status == "follows_old":
        return STRICTER_ADVICE if f.option_text else STRICTER_ADVICE_NO_OPTION
    if f.status == "follows_old" and not f.suggested_text:
        return CHECK_ADVICE
    return STATUS_ADVICE.get(f.status, "")


def build_checklist(report: ProceduresReport) -> Checklist:
    labels = _pack_labels(report.pack.name) if report.pack else {}
    items = []
    for n, f in enumerate(report.findings, 1):
        tags = []
        for t in f.tags:
            if t.type == "EDITORIAL":
                continue
            lab = tag_label(t, labels)
            text = f"{TAG_NAMES.get(t.type, t.type)}: {lab}" if lab else TAG_NAMES.get(t.type, t.type)
            if text not in tags:
                tags.append(text)
        items.append(Item(
            finding=f, n=n, priority=PRIORITY_NAMES.get(f.priority, str(f.priority)),
            status_name=STRICTER_NAME if f.stricter and f.status == "follows_old" else STATUS_NAMES.get(f.status, f.status),
            advice=_advice(f),
            tags=tuple(tags), actions=tuple((AUDIENCE_NAMES.get(a.audience, a.audience), a.text) for a in f.actions),
            redline=word_diff(f.local_text, f.suggested_text) if f.suggested_text else (),
            option_redline=word_diff(f.local_text, f.option_text) if f.option_text else (),
        ))
    counts: dict[str, dict[str, int]] = {v.label: {s: 0 for s in FINDING_STATUSES} for v in report.documents}
    for f in report.findings:
        counts.setdefault(f.document, {s: 0 for s in FINDING_STATUSES})[f.status] += 1
    return Checklist(
        report=report, todo=tuple(i for i in items if i.f.status != "follows_new"),
        done=tuple(i for i in items if i.f.status == "follows_new"),
        by_document=tuple(sorted(counts.items())), generated=generated_date(),
    )


# --- JSON -----------------------------------------------------------------------------


def _json(report: ProceduresReport) -> bytes:
    return (json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- CSV ------------------------------------------------------------------------------


def _csv(report: ProceduresReport) -> bytes:
    from tracker.render.csv import safe_cell

    view = build_checklist(report)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for it in view.todo + view.done:
        f = it.f
        row = (
            f.priority, f.severity, f.status, "yes" if f.stricter else "", f.document, f.section, f.local_text, f.suggested_text or "",
            f.option_text or "", f.change_id,
            f.guidance_path, "; ".join(it.tags), f.guidance_old, f.guidance_new, f.summary,
            " | ".join(f"{a}: {t}" for a, t in it.actions), " | ".join(f.reasons), f.match, f"{f.score:.3f}", f.id,
        )
        w.writerow([safe_cell(x) for x in row])
    return buf.getvalue().encode("utf-8-sig")


# --- Markdown -------------------------------------------------------------------------


def _md_redline(diff: WordDiff) -> str:
    from tracker.render.markdown import md_escape

    out = []
    for op, text in diff:
        core = text.strip()
        if op == "equal" or not core:
            out.append(md_escape(text) if text.strip() else text)
        else:
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()):]
            mark = "~~" if op == "delete" else "**"
            out.append(f"{lead}{mark}{md_escape(core)}{mark}{trail}")
    return " ".join("".join(out).split())


def _md(report: ProceduresReport) -> bytes:
    from tracker.render.markdown import md_cell, md_escape, md_line

    v = build_checklist(report)
    s = report.summary()
    L: list[str] = [f"# {md_escape(v.heading)}", ""]
    L.append(md_line(
        f"{s['documents']} documents read ({s['passages']} passages), {s['failures']} could not be read"
        + (f", {s['skipped']} skipped (not documents)" if s["skipped"] else "") + "; "
        f"{s['changes_checked']} guidance changes looked for; {s['findings']} findings: "
        + ", ".join(f"{s['by_status'][k]} {STATUS_NAMES[k].lower()}" for k in FINDING_STATUSES) + "."
    ))
    L += ["", f"Generated {v.generated} by {md_escape(report.tool.name)} {md_escape(report.tool.version)} ({md_escape(report.tool.model)}).", ""]
    L += ["## Checklist", ""]
    if not v.todo:
        L += ["No local passage restates guidance that changed.", ""]
    for it in v.todo:
        f = it.f
        L.append(f"### {it.n}. \\[ \\] {md_escape(f.document)}: {md_escape(f.section)}")
        L.append("")
        L.append(f"- **Priority** {it.priority} · **{it.status_name}** · {MATCH_NAMES.get(f.match, f.match)} ({f.score:.2f}) · change {md_escape(f.change_id)} at {md_escape(f.guidance_path)}")
        L.append(f"- **Local text:** {md_escape(f.local_text)}")
        if it.redline:
            L.append(f"- **Suggested text:** {_md_redline(it.redline)}")
        if it.option_redline:
            L.append(f"- **{OPTION_LABEL}:** {_md_redline(it.option_redline)}")
        L.append(f"- **Why:** {md_escape('; '.join(f.reasons))}")
        L.append(f"- **Guidance, old:** {md_escape(f.guidance_old)}")
        L.append(f"- **Guidance, new:** {md_escape(f.guidance_new) or '(deleted)'}")
        if it.tags:
            L.append(f"- **Tags:** {md_escape('; '.join(it.tags))}")
        if f.summary:
            L.append(f"- **Impact:** {md_escape(f.summary)}")
        for aud, text in it.actions:
            L.append(f"  - {md_escape(aud)}: {md_escape(text)}")
        L.append(f"- **Action:** {it.advice}")
        L.append("")
    if v.done:
        L += ["## Already follows the new guidance", "", "| Document | Section | Local text | Change |", "|---|---|---|---|"]
        for it in v.done:
            L.append(f"| {md_cell(it.f.document)} | {md_cell(it.f.section)} | {md_cell(it.f.local_text)} | {md_cell(it.f.change_id)} |")
        L.append("")
    L += ["## Documents", "", "| Document | Contradicts | Follows old | Follows new |", "|---|---|---|---|"]
    for doc, c in v.by_document:
        L.append(f"| {md_cell(doc)} | {c['contradicts_new']} | {c['follows_old']} | {c['follows_new']} |")
    L.append("")
    if report.failures:
        L += ["## Files that could not be read", ""]
        for x in report.failures:
            L.append(f"- {md_escape(x.path)}: {md_escape(x.message)}")
        L.append("")
    text = "\n".join(L)
    return (re.sub(r"\n{3,}", "\n\n", text).strip() + "\n").encode("utf-8")


# --- HTML -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _env():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("tracker.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
    )
    env.globals.update(SEVERITY_NAMES=SEVERITY_NAMES, STATUS_NAMES=STATUS_NAMES, MATCH_NAMES=MATCH_NAMES, FINDING_STATUSES=FINDING_STATUSES,
                       OPTION_LABEL=OPTION_LABEL)
    return env


def _html(report: ProceduresReport) -> bytes:
    from markupsafe import Markup

    from tracker.render._common import is_web_url

    env = _env()
    assert env.loader is not None
    css = env.loader.get_source(env, "procedures.css")[0]
    csp = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    html = env.get_template("procedures.html.j2").render(
        v=build_checklist(report), r=report, s=report.summary(), css=Markup(css), csp=csp, is_web_url=is_web_url,
    )
    return html.encode("utf-8")


# --- DOCX -----------------------------------------------------------------------------


def _docx(report: ProceduresReport) -> bytes:
    from docx import Document as new_document
    from docx.shared import Cm, Pt

    from tracker.render.docx import DELETE_COLOUR, INSERT_COLOUR, MUTED, SEVERITY_COLOURS, _page_number_footer, _run, _table, _x

    v = build_checklist(report)
    s = report.summary()
    doc = new_document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(2.0))
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    props = doc.core_properties
    props.title = _x(v.heading)[:250]
    props.author = f"{report.tool.name} {report.tool.version}"
    props.created = datetime.fromisoformat(v.generated).replace(tzinfo=timezone.utc)
    _page_number_footer(doc, "Local procedures checklist")
    doc.add_heading(_x(v.heading), level=0)
    p = doc.add_paragraph()
    _run(p, f"Generated {v.generated} by {report.tool.name} {report.tool.version} ({report.tool.model}).", colour=MUTED)
    doc.add_heading("Summary", level=1)
    _table(doc, ["", "Count"], [
        ["Documents read", str(s["documents"])], ["Passages searched", str(s["passages"])],
        ["Files that could not be read", str(s["failures"])], ["Files skipped (not documents)", str(s["skipped"])],
        ["Guidance changes looked for", str(s["changes_checked"])],
        *[[STATUS_NAMES[k], str(s["by_status"][k])] for k in FINDING_STATUSES],
    ], [9.0, 3.0])
    doc.add_heading("Checklist", level=1)
    if not v.todo:
        doc.add_paragraph("No local passage restates guidance that changed.")
    for it in v.todo:
        f = it.f
        doc.add_heading(_x(f"{it.n}. ☐ {f.document}: {f.section}"), level=2)
        p = doc.add_paragraph()
        _run(p, f"Priority {it.priority}", bold=True, colour=SEVERITY_COLOURS.get(f.severity))
        _run(p, f" · {it.status_name} · {MATCH_NAMES.get(f.match, f.match)} · change {f.change_id} at {f.guidance_path}", colour=MUTED)
        p = doc.add_paragraph()
        _run(p, "Local text: ", bold=True)
        _run(p, f.local_text)
        for label, redline in (("Suggested text: ", it.redline), (f"{OPTION_LABEL}: ", it.option_redline)):
            if not redline:
                continue
            p = doc.add_paragraph()
            _run(p, label, bold=True)
            for op, text in redline:
                r = _run(p, text)
                if op == "delete":
                    r.font.strike = True
                    r.font.color.rgb = DELETE_COLOUR
                elif op == "insert":
                    r.font.underline = True
                    r.font.color.rgb = INSERT_COLOUR
        p = doc.add_paragraph()
        _run(p, "Why: ", bold=True)
        _run(p, "; ".join(f.reasons))
        p = doc.add_paragraph()
        _run(p, "Guidance, old: ", bold=True)
        _run(p, f.guidance_old)
        p = doc.add_paragraph()
        _run(p, "Guidance, new: ", bold=True)
        _run(p, f.guidance_new or "(deleted)")
        if it.tags:
            p = doc.add_paragraph()
            _run(p, "Tags: ", bold=True)
            _run(p, "; ".join(it.tags))
        if f.summary:
            p = doc.add_paragraph()
            _run(p, "Impact: ", bold=True)
            _run(p, f.summary)
        for aud, text in it.actions:
            p = doc.add_paragraph(style="List Bullet")
            _run(p, f"{aud}: ", bold=True)
            _run(p, text)
        p = doc.add_paragraph()
        _run(p, "Action: ", bold=True)
        _run(p, it.advice)
    if v.done:
        doc.add_heading("Already follows the new guidance", level=1)
        _table(doc, ["Document", "Section", "Local text", "Change"],
               [[it.f.document, it.f.section, it.f.local_text, it.f.change_id] for it in v.done], [3.5, 3.5, 8.0, 2.0])
    doc.add_heading("Documents", level=1)
    _table(doc, ["Document", "Contradicts", "Follows old", "Follows new"],
           [[d, str(c["contradicts_new"]), str(c["follows_old"]), str(c["follows_new"])] for d, c in v.by_document], [8.0, 2.5, 2.5, 2.5])
    if report.failures:
        doc.add_heading("Files that could not be read", level=1)
        for x in report.failures:
            p = doc.add_paragraph(style="List Bullet")
            _run(p, f"{x.path}: ", bold=True)
            _run(p, x.message)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


_RENDERERS = {"json": _json, "csv": _csv, "md": _md, "html": _html, "docx": _docx}


def render_procedures(report: ProceduresReport, fmt: str) -> bytes:
    """Render the checklist as ``fmt`` (html, md, csv, docx or json).

    Raises:
        BadInput: unknown format.
    """
    fn = _RENDERERS.get(fmt)
    if fn is None:
        raise BadInput(f"unknown checklist format {fmt!r}", f"formats are {', '.join(sorted(FORMATS))}", "pick from them")
    return fn(report)


def extension(fmt: str) -> str:
    return FORMATS.get(fmt, fmt)


def write_procedures(report: ProceduresReport, fmt: str, path: str | Path) -> Path:
    """Render and write atomically (a temporary file renamed into place)."""
    data = render_procedures(report, fmt)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(p)
    return p

