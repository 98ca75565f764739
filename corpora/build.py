"""Build the sample corpus: corpora/sample/v{1,2}.md -> .html, .pdf, .docx.

Run from the project root::

    .venv/bin/python corpora/build.py

The Markdown files are the only source; the HTML, PDF and DOCX files are generated from
them and committed, so that tests and the demo need neither fpdf2 nor python-docx. Each
format is laid out the way real guidance is published, so that the parsers have real
work to do:

- HTML: a GOV.UK-like page (skip link, cookie banner, header, phase banner, breadcrumbs,
  contents list, metadata, footer, a script) around a ``.govspeak`` body. Numbered
  paragraphs appear as ``<p>12. ...</p>``, as ``<ol start="12">`` and as
  ``<li value="12">`` in different chapters; quotes are curly.
- PDF: A4 with a running header, a footer with "Page N of M", numbers hanging in the
  left margin, paragraphs that run across page breaks, words hyphenated at line ends,
  a ruled table. DejaVu Sans is embedded (subset) when available, for curly quotes and
  bullets; otherwise Helvetica with straight quotes and "-" bullets.
- DOCX: Title, Heading 1/2 styles; numbered paragraphs from the ``List Number`` style
  in early chapters and from direct ``w:numPr`` numbering later; lettered lists from a
  numbering definition of their own (restarting at "a"); ``List Bullet``; a table; a
  running header and footer.

The Markdown subset: ``#``/``##``/``###`` headings, numbered paragraphs ``N. text``,
``- `` bullets, ``(a) `` lettered items, pipe tables; blocks separated by blank lines.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
RUNNING_HEADER = "Working Together for Children's Safety (sample)"
EDITIONS = {"v1": ("version 1", "2015", "1 March 2015"), "v2": ("version 2", "2018", "1 July 2018")}
FIXED_DATE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


# --- Markdown subset -------------------------------------------------------------

@dataclass
class Block:
    kind: str
    """title | heading | para | bullets | letters | table"""
    text: str = ""
    level: int = 0
    number: str | None = None
    items: list[tuple[str | None, str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def read_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.rstrip() for ln in chunk.strip().split("\n")]
        first = lines[0]
        if m := re.match(r"^(#{1,6})\s+(.*)$", first):
            level = len(m.group(1))
            blocks.append(Block("title" if level == 1 else "heading", m.group(2).strip(), level - 1))
        elif first.startswith("|"):
            rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines if not re.match(r"^\|[\s|:-]+\|$", ln)]
            blocks.append(Block("table", rows=rows))
        elif first.startswith("- "):
            items: list[tuple[str | None, str]] = []
            for ln in lines:
                if ln.startswith("- "):
                    items.append((None, ln[2:].strip()))
                else:
                    items[-1] = (None, items[-1][1] + " " + ln.strip())
            blocks.append(Block("bullets", items=items))
        elif m := re.match(r"^\(([a-z])\)\s+(.*)$", first):
            item = (m.group(1), " ".join([m.group(2)] + [ln.strip() for ln in lines[1:]]))
            if blocks and blocks[-1].kind == "letters":
                blocks[-1].items.append(item)
            else:
                blocks.append(Block("letters", items=[item]))
        elif m := re.match(r"^(\d+)\.\s+(.*)$", first):
            blocks.append(Block("para", " ".join([m.group(2)] + [ln.strip() for ln in lines[1:]]), number=m.group(1)))
        else:
            blocks.append(Block("para", " ".join(ln.strip() for ln in lines)))
    numbers = [int(b.number) for b in blocks if b.number]
    if numbers != list(range(1, len(numbers) + 1)):
        sys.exit("paragraph numbers must run 1, 2, 3... through the document")
    return blocks


def smart_quotes(text: str) -> str:
    """Straight quotes to curly ones, the way a word processor would."""
    text = re.sub(r'(^|[\s(\[])"', "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


def chapters(blocks: list[Block]) -> list[list[Block]]:
    """Blocks grouped by level-1 heading (## in the source); the title stands alone."""
    groups: list[list[Block]] = []
    for b in blocks:
        if b.kind == "title":
            continue
        if b.kind == "heading" and b.level == 1 or not groups:
            groups.append([])
        groups[-1].append(b)
    return groups


# --- HTML -------------------------------------------------------------------------

HTML_HEAD = """<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{title} - GOV.UK</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>.govuk-template {{ background: #f3f2f1; }} .js-enabled .govuk-cookie-banner {{ display: block; }}</style>
<script>document.documentElement.className += ' js-enabled';</script>
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<div class="gem-c-cookie-banner govuk-clearfix" id="global-cookie-message" role="region" aria-label="Cookies on GOV.UK">
  <div class="govuk-cookie-banner" role="region" aria-label="Cookies on GOV.UK">
    <h2 class="govuk-cookie-banner__heading govuk-heading-m">Cookies on GOV.UK</h2>
    <p class="govuk-body">We use some essential cookies to make this website work.</p>
    <p class="govuk-body">We\u2019d like to set additional cookies to understand how you use GOV.UK.</p>
    <button class="govuk-button" type="button">Accept additional cookies</button>
    <button class="govuk-button" type="button">Reject additional cookies</button>
  </div>
</div>
<header role="banner" class="gem-c-layout-super-navigation-header">
  <div class="govuk-header__container"><a href="/" class="govuk-header__link">GOV.UK</a>
  <nav aria-label="Top level"><ul><li><a href="/browse">Topics</a></li><li><a href="/government">Government activity</a></li></ul></nav>
  </div>
</header>
<div class="govuk-width-container">
<div class="govuk-phase-banner"><p class="govuk-phase-banner__content"><strong class="govuk-tag">Sample</strong> This page was made for testing guidance-tracker.</p></div>
<div class="gem-c-breadcrumbs govuk-breadcrumbs" data-module="gem-track-click">
  <ol class="govuk-breadcrumbs__list">
    <li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="/">Home</a></li>
    <li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="/childcare-parenting">Parenting, childcare and children\u2019s services</a></li>
    <li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="/safeguarding">Safeguarding and social care for children</a></li>
  </ol>
</div>
<main role="main" id="main-content" class="govuk-main-wrapper" lang="en">
<div class="publication-header gem-c-inverse-header">
  <p class="publication-header__type">Statutory guidance</p>
  <h1 class="gem-c-heading__text govuk-heading-xl">{title}</h1>
  <p class="publication-header__last-changed">Published {published}</p>
</div>
<div class="gem-c-metadata"><dl><dt>From:</dt><dd><a href="/sample-department">Sample Department</a></dd><dt>Published</dt><dd>{published}</dd></dl></div>
<aside class="govuk-grid-column-one-quarter-from-desktop contents-container">
<nav class="gem-c-contents-list" aria-label="Contents" role="navigation">
  <h2 class="gem-c-contents-list__title">Contents</h2>
  <ol class="gem-c-contents-list__list">
{contents}
  </ol>
</nav>
</aside>
<div class="gem-c-print-link govuk-!-display-none-print"><button class="govuk-link">Print this page</button></div>
<div class="main-content-container">
<div class="gem-c-govspeak govuk-govspeak" data-module="govspeak">
<div class="govspeak">
"""

HTML_FOOT = """</div>
</div>
</div>
<div class="gem-c-contextual-footer"><div class="gem-c-related-navigation"><h2>Explore the topic</h2><ul><li><a href="/safeguarding">Safeguarding</a></li></ul></div></div>
</main>
</div>
<footer class="govuk-footer" role="contentinfo">
  <div class="govuk-width-container">
    <h2 class="govuk-visually-hidden">Support links</h2>
    <ul class="govuk-footer__inline-list"><li><a href="/help">Help</a></li><li><a href="/help/cookies">Cookies</a></li><li><a href="/contact">Contact</a></li></ul>
    <p class="govuk-footer__licence-description">This sample page was written for the guidance-tracker project.</p>
  </div>
</footer>
<script src="/assets/application.js"></script>
</body>
</html>
"""


def _h(text: str) -> str:
    out = html.escape(smart_quotes(text), quote=False)
    return re.sub(r"(\d+) working days", "\\1&nbsp;working days", out)


def _html_list(b: Block) -> str:
    if b.kind == "bullets":
        items = "".join(f"<li>{_h(t)}</li>\n" for _, t in b.items)
        return f'<ul class="govuk-list govuk-list--bullet">\n{items}</ul>\n'
    items = "".join(f"<li>{_h(t)}</li>\n" for _, t in b.items)
    return f'<ol class="govuk-list" type="a">\n{items}</ol>\n'


def _html_table(b: Block) -> str:
    head, *body = b.rows
    th = "".join(f'<th scope="col" class="govuk-table__header">{_h(c)}</th>' for c in head)
    trs = "".join("<tr>" + "".join(f'<td class="govuk-table__cell">{_h(c)}</td>' for c in r) + "</tr>\n" for r in body)
    return f'<table class="govuk-table">\n<thead><tr>{th}</tr></thead>\n<tbody>\n{trs}</tbody>\n</table>\n'


def render_html(blocks: list[Block], edition: tuple[str, str, str]) -> str:
    title = next(b.text for b in blocks if b.kind == "title")
    contents = "\n".join(
        f'    <li class="gem-c-contents-list__list-item"><a href="#{_slug(b.text)}">{_h(b.text)}</a></li>'
        for b in blocks if b.kind == "heading" and b.level == 1
    )
    out = [HTML_HEAD.format(title=_h(title), published=edition[2], contents=contents)]
    for ci, chapter in enumerate(chapters(blocks)):
        style = ci % 3  # 0: <p>12. text</p>   1: <ol start="12">   2: <ol><li value="12">
        i = 0
        while i < len(chapter):
            b = chapter[i]
            if b.kind == "heading":
                tag = f"h{b.level + 1}"
                out.append(f'<{tag} id="{_slug(b.text)}">{_h(b.text)}</{tag}>\n')
            elif b.kind == "table":
                out.append(_html_table(b))
            elif b.kind in ("bullets", "letters"):
                out.append(_html_list(b))
            elif b.number is None or style == 0:
                out.append(f"<p>{b.number + '. ' if b.number else ''}{_h(b.text)}</p>\n")
            else:
                # A run of numbered paragraphs as one <ol>, lists nested in their paragraph.
                start = f' start="{b.number}"' if style == 1 and b.number != "1" else ""
                out.append(f'<ol class="numbered-paragraphs"{start}>\n' if style == 2 else f"<ol{start}>\n")
                while i < len(chapter) and chapter[i].kind == "para" and chapter[i].number:
                    p = chapter[i]
                    value = f' value="{p.number}"' if style == 2 else ""
                    nested = ""
                    if i + 1 < len(chapter) and chapter[i + 1].kind in ("bullets", "letters"):
                        nested = "\n" + _html_list(chapter[i + 1])
                        i += 1
                    out.append(f"<li{value}>{_h(p.text)}{nested}</li>\n")
                    i += 1
                out.append("</ol>\n")
                continue
            i += 1
    out.append(HTML_FOOT)
    return "".join(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- DOCX -------------------------------------------------------------------------

def render_docx(blocks: list[Block], edition: tuple[str, str, str], path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document()
    doc.core_properties.title = next(b.text for b in blocks if b.kind == "title")
    doc.core_properties.author = "guidance-tracker project"
    doc.core_properties.created = FIXED_DATE
    doc.core_properties.modified = FIXED_DATE
    doc.core_properties.last_modified_by = "corpora/build.py"
    doc.core_properties.revision = 1
    section = doc.sections[0]
    section.header.paragraphs[0].text = smart_quotes(RUNNING_HEADER)
    section.footer.paragraphs[0].text = f"Sample statutory guidance, {edition[0]} ({edition[1]})"
    doc.styles["Normal"].font.size = Pt(11)

    numbering = doc.part.numbering_part.element
    list_number_num = doc.styles["List Number"].element.pPr.numPr.numId.val

    def new_abstract(fmt: str, text: str) -> int:
        ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
        aid = max(ids, default=0) + 1
        a = OxmlElement("w:abstractNum")
        a.set(qn("w:abstractNumId"), str(aid))
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), "0")
        for tag, val in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text), ("w:lvlJc", "left")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            lvl.append(el)
        a.append(lvl)
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(a)
        else:
            numbering.append(a)
        return aid

    def new_num(abstract_id: int) -> int:
        nid = max((int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))), default=0) + 1
        n = OxmlElement("w:num")
        n.set(qn("w:numId"), str(nid))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract_id))
        n.append(ref)
        numbering.append(n)
        return nid

    def set_num(paragraph, num_id: int) -> None:  # noqa: ANN001
        pPr = paragraph._p.get_or_add_pPr()
        numPr = OxmlElement("w:numPr")
        ilvl = OxmlElement("w:ilvl")
        ilvl.set(qn("w:val"), "0")
        nid = OxmlElement("w:numId")
        nid.set(qn("w:val"), str(num_id))
        numPr.append(ilvl)
        numPr.append(nid)
        pPr.append(numPr)

    letters_abstract = new_abstract("lowerLetter", "(%1)")
    for ci, chapter in enumerate(chapters(blocks)):
        for b in chapter:
            if b.kind == "heading":
                doc.add_heading(smart_quotes(b.text), level=b.level)
            elif b.kind == "para" and b.number:
                if ci < 3:
                    doc.add_paragraph(smart_quotes(b.text), style="List Number")
                else:  # direct numbering on a Normal paragraph, same list as List Number
                    set_num(doc.add_paragraph(smart_quotes(b.text)), list_number_num)
            elif b.kind == "para":
                doc.add_paragraph(smart_quotes(b.text))
            elif b.kind == "bullets":
                for _, t in b.items:
                    doc.add_paragraph(smart_quotes(t), style="List Bullet")
            elif b.kind == "letters":
                num = new_num(letters_abstract)
                for _, t in b.items:
                    set_num(doc.add_paragraph(smart_quotes(t), style="List Paragraph"), num)
            elif b.kind == "table":
                table = doc.add_table(rows=0, cols=len(b.rows[0]))
                table.style = "Table Grid"
                for r in b.rows:
                    cells = table.add_row().cells
                    for c, t in zip(cells, r):
                        c.text = smart_quotes(t)
    # Title first: insert it before the first body paragraph.
    title = doc.paragraphs[0].insert_paragraph_before(smart_quotes(doc.core_properties.title), style="Title")
    assert title is not None
    doc.save(str(path))
    _fix_zip_dates(path)


def _fix_zip_dates(path: Path) -> None:
    """Rewrite the zip with fixed timestamps so that a rebuild gives the same bytes."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


# --- PDF --------------------------------------------------------------------------

HYPHENATION = {
    # word: places a hyphen may go (prefix lengths)
    "assessment": (6,), "assessments": (6,), "safeguarding": (4, 9), "information": (5, 7),
    "practitioners": (5, 10), "practitioner": (5, 10), "professionals": (6, 10), "professional": (6, 10),
    "responsibilities": (7, 11), "responsibility": (7, 11), "arrangements": (7,), "supervision": (5,),
    "development": (7,), "developmental": (7,), "environmental": (7, 10), "independent": (7,),
    "investigation": (7, 9), "disagreement": (3, 8), "disagreements": (3, 8), "substantiated": (7, 9),
    "acknowledgement": (7, 10), "relationships": (8,), "organisation": (5, 8), "organisations": (5, 8),
    "conference": (6,), "management": (6,), "operational": (5, 9), "neighbourhood": (5, 9),
    "distressing": (8,), "explanations": (4, 7), "significant": (3, 6), "individual": (4, 7),
    "accountable": (7,), "appropriate": (6,), "procedure": (3,), "continuing": (5,), "improvements": (7,),
    "acknowledge": (7,), "determined": (5,), "understand": (5,), "sufficient": (5,), "involvement": (6,),
    "responsible": (7,), "enquiries": (3,), "conditions": (5,), "manageable": (6,),
}


class PdfWriter:
    """A small layout engine over fpdf2: hanging numbers, hyphenation, page breaks."""

    LEFT, RIGHT, TOP, BOTTOM = 20.0, 20.0, 22.0, 22.0
    BODY = 10.5
    LINE = 5.0

    def __init__(self, edition: tuple[str, str, str], pages: int = 0) -> None:
        from fpdf import FPDF

        self.edition = edition
        self.pages = pages
        pdf = FPDF(format="A4", unit="mm")
        pdf.set_auto_page_break(False)
        pdf.set_creation_date(FIXED_DATE)
        pdf.set_title("Working Together for Children's Safety: sample statutory guidance")
        pdf.set_author("guidance-tracker project")
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
        if self.unicode:
            pdf.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            pdf.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.pdf = pdf
        self.y = 0.0
        self.width = 210.0 - self.LEFT - self.RIGHT
        self.new_page()

    def t(self, text: str) -> str:
        return smart_quotes(text) if self.unicode else text

    def new_page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_text_color(90, 90, 90)
        pdf.set_font(self.family, "", 8)
        pdf.text(self.LEFT, 12, self.t(RUNNING_HEADER))
        footer = f"Sample statutory guidance, {self.edition[0]} ({self.edition[1]})"
        pdf.text(self.LEFT, 287, footer)
        page = f"Page {pdf.page_no()} of {self.pages}"
        pdf.text(210 - self.RIGHT - pdf.get_string_width(page), 287, page)
        pdf.set_text_color(0, 0, 0)
        self.y = self.TOP

    def room(self, height: float) -> None:
        if self.y + height > 297 - self.BOTTOM:
            self.new_page()

    def wrap(self, text: str, width: float, style: str, size: float, hyphenate: bool) -> list[str]:
        self.pdf.set_font(self.family, style, size)
        fits = lambda s: self.pdf.get_string_width(s) <= width  # noqa: E731
        lines: list[str] = []
        line = ""
        for word in text.split():
            cand = f"{line} {word}" if line else word
            if fits(cand):
                line = cand
                continue
            core = re.sub(r"[^\w]+$", "", word)
            split_done = False
            if hyphenate and line:
                for k in sorted(HYPHENATION.get(core.lower(), ()), reverse=True):
                    head = word[:k] + "-"
                    if len(core) - k >= 3 and fits(f"{line} {head}"):
                        lines.append(f"{line} {head}")
                        line = word[k:]
                        split_done = True
                        break
            if not split_done:
                if line:
                    lines.append(line)
                line = word
        if line:
            lines.append(line)
        return lines

    def heading(self, text: str, size: float, above: float) -> None:
        lines = self.wrap(self.t(text), self.width, "B", size, hyphenate=False)
        lh = size * 0.5
        self.room(above + lh * len(lines) + 3 * self.LINE)  # keep with the next lines
        if self.y > self.TOP:
            self.y += above
        self.pdf.set_font(self.family, "B", size)
        for ln in lines:
            self.y += lh
            self.pdf.text(self.LEFT, self.y, ln)
        self.y += 2.5

    def paragraph(self, text: str, marker: str | None, marker_x: float, text_x: float, after: float = 2.5) -> None:
        lines = self.wrap(self.t(text), 210 - self.RIGHT - text_x, "", self.BODY, hyphenate=True)
        self.room(self.LINE * min(2, len(lines)))
        self.pdf.set_font(self.family, "", self.BODY)
        for i, ln in enumerate(lines):
            self.room(self.LINE)
            self.y += self.LINE
            if i == 0 and marker:
                self.pdf.text(marker_x, self.y, marker)
            self.pdf.text(text_x, self.y, ln)
        self.y += after

    def table(self, rows: list[list[str]]) -> None:
        pdf = self.pdf
        self.room(8 * len(rows) + 6)
        self.y += 2
        pdf.set_y(self.y)
        pdf.set_font(self.family, "", 9)
        width = 210 - self.RIGHT - (self.LEFT + 10)
        pdf.set_x(self.LEFT + 10)
        with pdf.table(col_widths=(55, 50, 45), width=width, align="LEFT", line_height=4.5,
                       text_align="LEFT", first_row_as_headings=True) as table:
            for r in rows:
                row = table.row()
                for c in r:
                    row.cell(self.t(c))
        self.y = pdf.get_y() + 4

    def render(self, blocks: list[Block]) -> bytes:
        for b in blocks:
            if b.kind == "title":
                self.heading(b.text, 20, 0)
                self.y += 4
            elif b.kind == "heading":
                self.heading(b.text, 15 if b.level == 1 else 12, 7 if b.level == 1 else 4)
            elif b.kind == "para":
                if b.number:
                    self.paragraph(b.text, f"{b.number}.", self.LEFT, self.LEFT + 10)
                else:
                    self.paragraph(b.text, None, self.LEFT, self.LEFT)
            elif b.kind == "bullets":
                bullet = "\u2022" if self.unicode else "-"
                for _, t in b.items:
                    self.paragraph(t, bullet, self.LEFT + 10, self.LEFT + 15, after=1.0)
                self.y += 1.5
            elif b.kind == "letters":
                for letter, t in b.items:
                    self.paragraph(t, f"({letter})", self.LEFT + 10, self.LEFT + 18, after=1.0)
                self.y += 1.5
            elif b.kind == "table":
                self.table(b.rows)
        return bytes(self.pdf.output())

    def render_pages(self, blocks: list[Block]) -> int:
        self.render(blocks)
        return self.pdf.page_no()


# --- main -------------------------------------------------------------------------

def build(name: str) -> list[Path]:
    src = SAMPLE / f"{name}.md"
    blocks = read_markdown(src.read_text(encoding="utf-8"))
    edition = EDITIONS[name]
    out_html = SAMPLE / f"{name}.html"
    out_html.write_text(render_html(blocks, edition), encoding="utf-8")
    out_pdf = SAMPLE / f"{name}.pdf"
    pages = PdfWriter(edition).render_pages(blocks)  # first pass: count the pages
    out_pdf.write_bytes(PdfWriter(edition, pages).render(blocks))
    out_docx = SAMPLE / f"{name}.docx"
    render_docx(blocks, edition, out_docx)
    return [out_html, out_pdf, out_docx]


def main() -> None:
    for name in EDITIONS:
        for p in build(name):
            print(f"wrote {p.relative_to(HERE.parent)} ({p.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
