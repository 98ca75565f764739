"""DOCX for trainers (python-docx): a title page, a summary, every change as a redline.

Insertions are underlined and coloured, deletions struck through and coloured, as in
Word's own tracked changes, so the file reads the same printed in black and white.
Reading the runs back without the struck ones gives each change's new text.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from tracker.models import Report
from tracker.render import register
from tracker.render._common import (
    AUDIENCE_NAMES,
    KIND_NAMES,
    SEVERITY_NAMES,
    TAG_NAMES,
    ChangeView,
    ReportView,
    build_view,
    generated_date,
)

__all__ = ["DELETE_COLOUR", "INSERT_COLOUR", "render_docx"]

DELETE_COLOUR = RGBColor(0xA4, 0x16, 0x1A)
INSERT_COLOUR = RGBColor(0x0A, 0x6B, 0x32)
MUTED = RGBColor(0x52, 0x5E, 0x6D)
SEVERITY_COLOURS = {
    "high": RGBColor(0xA4, 0x16, 0x1A),
    "medium": RGBColor(0x8A, 0x4B, 0x00),
    "low": RGBColor(0x1F, 0x4E, 0x9C),
    "none": RGBColor(0x4B, 0x55, 0x63),
}
# XML 1.0 forbids most control characters; a PDF's text layer may still carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


def _run(p: Paragraph, text: object, *, bold: bool = False, italic: bool = False, size: float | None = None, colour: RGBColor | None = None):  # type: ignore[no-untyped-def]
    r = p.add_run(_x(text))
    r.bold = bold or None
    r.italic = italic or None
    if size:
        r.font.size = Pt(size)
    if colour is not None:
        r.font.color.rgb = colour
    return r


def _table(doc: DocxDocument, header: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, h in zip(t.rows[0].cells, header):
        cell.text = ""
        _run(cell.paragraphs[0], h, bold=True)
    for row in rows:
        cells = t.add_row().cells
        for cell, val in zip(cells, row):
            cell.text = _x(val)
    if widths:
        t.autofit = False
        for col, w in zip(t.columns, widths):
            col.width = Cm(w)
        for row in t.rows:
            for cell, w in zip(row.cells, widths):
                cell.width = Cm(w)
    doc.add_paragraph()


def _page_number_footer(doc: DocxDocument, text: str) -> None:
    p = doc.sections[0].footer.paragraphs[0]
    _run(p, text + " · page ", size=8, colour=MUTED)
    r = p.add_run()
    r.font.size = Pt(8)
    for kind, val in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = val
        r._r.append(el)


def _redline(doc: DocxDocument, cv: ChangeView) -> None:
    """The unit's text as one paragraph: struck deletions, underlined insertions,
    the words each tag rests on highlighted."""
    p = doc.add_paragraph()
    p.paragraph_format.left_indent = Cm(0.6)
    p.paragraph_format.space_after = Pt(6)
    whole = cv.kind in ("added", "deleted")
    for piece, marks, _end in cv.runs("inline"):
        r = p.add_run(_x(piece.text))
        if piece.op == "delete":
            r.font.strike = True
            r.font.color.rgb = DELETE_COLOUR
        elif piece.op == "insert":
            r.font.underline = not whole or None
            r.font.color.rgb = INSERT_COLOUR
        if marks:
            r.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _change(doc: DocxDocument, cv: ChangeView, *, level: int = 2) -> None:
    doc.add_heading(_x(cv.where), level=level)
    p = doc.add_paragraph()
    _run(p, SEVERITY_NAMES.get(cv.severity, cv.severity), bold=True, colour=SEVERITY_COLOURS.get(cv.severity))
    kind = KIND_NAMES.get(cv.kind, cv.kind)
    if cv.kind == "moved" and not cv.change.text_changed:
        kind += ", wording unchanged"
    meta = " · ".join(x for x in (kind, cv.numbers, cv.id) if x)
    _run(p, f" · {meta}", colour=MUTED)
    if cv.tags:
        p = doc.add_paragraph()
        _run(p, "Tags: ", bold=True)
        _run(p, "; ".join(t.text for t in cv.tags))
    if cv.kind in ("added", "deleted"):
        _run(doc.add_paragraph(), "Added paragraph:" if cv.kind == "added" else "Deleted paragraph:", italic=True, colour=MUTED)
    _redline(doc, cv)
    p = doc.add_paragraph()
    _run(p, "Impact: ", bold=True)
    _run(p, cv.impact.summary)
    if cv.impact.rationale:
        p = doc.add_paragraph()
        _run(p, "Why it matters: ", bold=True)
        _run(p, cv.impact.rationale)
    for aud, texts in cv.actions:
        for text in texts:
            p = doc.add_paragraph(style="List Bullet")
            _run(p, f"{AUDIENCE_NAMES.get(aud, aud)}: ", bold=True)
            _run(p, text)
    if cv.rules:
        _run(doc.add_paragraph(), "Evidence: " + ", ".join(cv.rules), size=8, colour=MUTED)


def _title_page(doc: DocxDocument, view: ReportView) -> None:
    r = view.report
    doc.add_heading(_x(view.heading), level=0)
    if view.title:
        p = doc.add_paragraph(style="Subtitle")
        _run(p, view.title)
    p = doc.add_paragraph()
    _run(p, "Guidance comparison: what changed in who is accountable for what.", italic=True, colour=MUTED)
    rows = [[key, old or "—", new or "—"] for key, old, new in view.provenance_rows()]
    _table(doc, ["", "Old version", "New version"], rows, [3.0, 7.0, 7.0])
    for side, ver in (("Old", r.old), ("New", r.new)):
        p = doc.add_paragraph()
        _run(p, f"How to cite ({side.lower()}): ", bold=True, size=9)
        _run(p, view.citation(ver), size=9)
    p = doc.add_paragraph()
    _run(p, "Date: ", bold=True)
    _run(p, generated_date())
    p = doc.add_paragraph()
    _run(p, "Pipeline: ", bold=True)
    _run(p, view.pipeline)
    if r.pack is not None:
        _run(p, f" (pack sha256 {r.pack.sha256[:12]})", colour=MUTED)
    p = doc.add_paragraph()
    _run(p, r.summary.tagging, size=9, colour=MUTED)
    p = doc.add_paragraph()
    _run(p, "Tags and impact are produced by rules, as evidence for a reader to weigh, not as legal advice.", size=9, italic=True, colour=MUTED)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(doc: DocxDocument, view: ReportView) -> None:
    s = view.report.summary
    doc.add_heading("Summary", level=1)
    kinds = ", ".join(f"{n} {k}" for k, n in view.by_kind if n) or "none"
    p = doc.add_paragraph()
    _run(p, f"{s.changes} change{'' if s.changes == 1 else 's'}", bold=True)
    _run(p, f" ({kinds}); {s.unchanged} unit{'' if s.unchanged == 1 else 's'} unchanged ({s.units_old} in the old version, {s.units_new} in the new).")
    _table(doc, ["Severity", "Changes"], [[SEVERITY_NAMES[k], str(n)] for k, n in view.by_severity], [6.0, 3.0])
    if view.tag_counts:
        _table(doc, ["Tag", "Changes"], [[f"{TAG_NAMES.get(k, k)} ({k})", str(n) + (f" ({t} tags)" if t != n else "")] for k, n, t in view.tag_counts], [9.0, 3.0])
    doc.add_heading("Top accountability shifts", level=2)
    if view.top_shifts:
        for cv in view.top_shifts:
            p = doc.add_paragraph(style="List Number")
            _run(p, SEVERITY_NAMES[cv.severity], bold=True, colour=SEVERITY_COLOURS.get(cv.severity))
            _run(p, f": {cv.where} ({cv.id}). ", bold=False)
            _run(p, cv.impact.summary)
    else:
        doc.add_paragraph("No high or medium accountability changes were found.")
    if view.changed_mentions:
        doc.add_heading("Role mentions", level=2)
        _table(doc, ["Role", "Old", "New", "Change"], [[m.label, str(m.old), str(m.new), f"{m.delta:+d}"] for m in view.changed_mentions], [7.0, 2.0, 2.0, 2.0])
    if view.substitutions:
        doc.add_heading("Systematic substitutions", level=2)
        _table(doc, ["From", "To", "Kind", "Times"], [[x["from"] or "—", x["to"] or "—", x["name"], str(x["count"])] for x in view.substitutions], [4.5, 4.5, 4.5, 2.0])


@register("docx", "docx")
def render_docx(report: Report) -> bytes:
    """A Word document: title page, summary, changes, editorial appendix."""
    view = build_view(report)
    doc = new_document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(2.2))
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    props = doc.core_properties
    props.title = _x(view.heading)[:250]
    props.subject = _x(view.title)[:250]
    props.author = f"{report.tool.name} {report.tool.version}"
    props.created = datetime.fromisoformat(generated_date()).replace(tzinfo=timezone.utc)
    _page_number_footer(doc, f"{_x(view.heading)}")

    _title_page(doc, view)
    _summary(doc, view)
    doc.add_heading("Changes", level=1)
    if not view.main_changes:
        doc.add_paragraph("No change with a practice impact.")
    for cv in view.main_changes:
        _change(doc, cv)
    if view.terminology_groups:
        doc.add_heading("Terminology only", level=1)
        p = doc.add_paragraph()
        _run(p, "Renamings only (tagged TERMINOLOGY and nothing else): who is accountable is unchanged, but local documents should use the current term.", italic=True, colour=MUTED)
        for key, cvs in view.terminology_groups:
            doc.add_heading(_x(f"{key} ({len(cvs)} change{'' if len(cvs) == 1 else 's'})"), level=2)
            doc.add_paragraph(_x(cvs[0].impact.summary))
            for cv in cvs:
                p = doc.add_paragraph(style="List Bullet")
                _run(p, cv.where, bold=True)
                _run(p, f" ({cv.id}): ", colour=MUTED)
                _run(p, "; ".join(f"“{a}” → “{b}”" if a and b else (f"“{a}” removed" if a else f"“{b}” added") for a, b in cv.swaps) or "wording unchanged")
    if view.editorial_changes:
        doc.add_heading("Appendix: editorial changes", level=1)
        p = doc.add_paragraph()
        _run(p, "Wording, spelling and punctuation only: no change to who is accountable for what.", italic=True, colour=MUTED)
        for cv in view.editorial_changes:
            p = doc.add_paragraph()
            _run(p, cv.where, bold=True)
            _run(p, f" ({cv.id})", colour=MUTED)
            _redline(doc, cv)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
