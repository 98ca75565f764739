"""The DOCX report: python-docx reads it back, and LibreOffice opens it."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from docx import Document

from tracker.render import render
from tracker.render.docx import DELETE_COLOUR, INSERT_COLOUR


def paragraphs(data: bytes):
    doc = Document(io.BytesIO(data))
    return doc, doc.paragraphs


def accepted(p) -> str:
    """A paragraph with its deletions dropped: what "accept all changes" leaves."""
    return "".join(r.text for r in p.runs if not r.font.strike)


def rejected(p) -> str:
    return "".join(r.text for r in p.runs if not (r.font.color.type is not None and r.font.color.rgb == INSERT_COLOUR))


def test_render_docx_round_trips_every_change(render_report):
    doc, paras = paragraphs(render(render_report, "docx"))
    accepted_texts = {accepted(p) for p in paras}
    rejected_texts = {rejected(p) for p in paras}
    for c in render_report.changes:
        if c.new is not None:
            assert c.new.text in accepted_texts, f"{c.id}: new text not found"
        if c.old is not None:
            assert c.old.text in rejected_texts, f"{c.id}: old text not found"
    assert doc.core_properties.title.startswith("What changed")


def test_render_docx_redline_is_struck_and_underlined(render_report):
    _, paras = paragraphs(render(render_report, "docx"))
    runs = [r for p in paras for r in p.runs]
    dels = [r for r in runs if r.font.strike]
    ins = [r for r in runs if r.font.underline]
    assert dels and ins
    assert all(r.font.color.rgb == DELETE_COLOUR for r in dels)
    assert all(r.font.color.rgb == INSERT_COLOUR for r in ins)
    assert any(r.font.highlight_color is not None for r in runs), "tag spans are highlighted"


def test_render_docx_has_title_page_summary_and_appendix(render_report):
    doc, paras = paragraphs(render(render_report, "docx"))
    heads = [p.text for p in paras if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0].startswith("What changed")
    for h in ("Summary", "Top accountability shifts", "Changes", "Appendix: editorial changes"):
        assert h in heads
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert render_report.old.sha256 in cells and "High" in cells
    body = "\n".join(p.text for p in paras)
    assert "Pipeline:" in body and render_report.tool.model in body


def test_render_docx_survives_hostile_text(hostile_report):
    doc, paras = paragraphs(render(hostile_report, "docx"))
    body = "\n".join(p.text for p in paras)
    assert "<script>" in body  # kept as text; the \x07 control character is dropped
    assert "\x07" not in body


@pytest.mark.slow
def test_render_docx_opens_in_libreoffice(render_report, soffice, tmp_path):
    src = tmp_path / "report.docx"
    src.write_bytes(render(render_report, "docx"))
    profile = tmp_path / "lo-profile"
    res = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = tmp_path / "report.pdf"
    assert res.returncode == 0 and pdf.exists(), f"LibreOffice could not convert the DOCX: {res.stdout} {res.stderr}"
    assert pdf.read_bytes().startswith(b"%PDF")
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        text = " ".join((pg.extract_text() or "") for pg in doc.pages)
    assert "What changed" in text and "Top accountability shifts" in text
