"""The HTML report, checked by parsing: every change, the counts, the structure, and
that no text from a document can run script in the report."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from bs4 import BeautifulSoup
from fixtures_render import XSS_ATTR, XSS_CLOSE, XSS_IMG, XSS_SCRIPT

from tracker.models import SEVERITIES
from tracker.render import render

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def soup_of(report) -> BeautifulSoup:
    return BeautifulSoup(render(report, "html").decode("utf-8"), "lxml")


class _Balance(HTMLParser):
    """Every non-void element closed, in order: the markup is well nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


@pytest.fixture(scope="module")
def sample_html(sample_report) -> str:
    return render(sample_report, "html").decode("utf-8")


@pytest.fixture(scope="module")
def sample_soup(sample_html) -> BeautifulSoup:
    return BeautifulSoup(sample_html, "lxml")


def test_render_html_every_change_has_an_article_and_anchor(sample_report, sample_soup):
    from tracker.render._common import build_view

    arts = sample_soup.select("article.change")
    assert sorted(a["id"] for a in arts) == sorted(c.id for c in sample_report.changes)
    # document order, except terminology-only changes, folded by substitution at the end
    view = build_view(sample_report)
    folded = [cv.id for _, cvs in view.terminology_groups for cv in cvs]
    assert [a["id"] for a in arts] == [c.id for c in sample_report.changes if c.id not in folded] + folded
    for a in arts:
        assert a.select_one(f'h3 a[href="#{a["id"]}"]'), f"{a['id']} has no self-link"


def test_render_html_counts_match_summary(sample_report, sample_soup):
    s = sample_report.summary
    cards = {li["class"][1].removeprefix("sev-card-"): int(li.select_one(".num").text) for li in sample_soup.select(".sev-cards li")}
    assert cards == {k: s.by_severity.get(k, 0) for k in SEVERITIES}
    # chips count changes carrying the tag (Summary.by_tag counts the tags themselves)
    chips = {b["data-filter-tag"]: int(b.select_one(".count").text) for b in sample_soup.select("[data-filter-tag]")}
    assert chips == {k: sum(1 for c in sample_report.changes if any(t.type == k for t in c.tags)) for k, v in s.by_tag.items() if v}
    for b in sample_soup.select("[data-filter-tag]"):
        tags = s.by_tag[b["data-filter-tag"]]
        extra = b.select_one(".count-tags")
        assert (extra is not None and extra.text == f"({tags} tags)") == (tags != int(b.select_one(".count").text))
    arts = sample_soup.select("article.change")
    for sev in SEVERITIES:
        assert len([a for a in arts if f"s-{sev}" in a["class"]]) == s.by_severity.get(sev, 0)
    assert len(sample_soup.select("article.change.editorial")) == s.by_severity.get("none", 0)
    # Top shifts in order, each linking to its change.
    assert [a["href"][1:] for a in sample_soup.select("ol.shifts li > a")] == list(s.top_shifts)
    # Role mentions: the chart's description carries "role old -> new".
    desc = sample_soup.select_one("figure.chart svg desc").text
    assert "→" in desc


def test_render_html_provenance_on_first_screen(sample_report, sample_soup):
    banner = sample_soup.select_one("header.banner").get_text(" ")
    for v in (sample_report.old, sample_report.new):
        assert v.label in banner and v.sha256 in banner
    assert sample_report.tool.model in banner
    if sample_report.pack:
        assert sample_report.pack.name in banner


def test_render_html_tags_rules_and_spans(sample_report, sample_soup):
    for c in sample_report.changes:
        art = sample_soup.find("article", id=c.id)
        tags = art.select("ul.tags li.tag")
        assert [t.select_one(".code").text for t in tags] == [t.type for t in c.tags]
        for t, li in zip(c.tags, tags):
            if t.rule:
                assert t.rule in li.get_text() and t.rule in li["title"]
        # Each span is highlighted, whole, in its side's column (numbered by its tag).
        for n, t in enumerate(c.tags, 1):
            for side, span, unit in (("old", t.old_span, c.old), ("new", t.new_span, c.new)):
                if not span or unit is None or span.lower() not in unit.text.lower():
                    continue
                marks = art.select(f".col-{side} mark.hl")
                got = "".join(m.get_text() for m in marks if str(n) in m["data-tags"].split())
                assert got.lower() == span.lower(), f"{c.id} tag {n}: {side} span {span!r} highlighted as {got!r}"


def test_render_html_redline_rebuilds_both_texts(sample_report, sample_soup):
    for c in sample_report.changes:
        art = sample_soup.find("article", id=c.id)
        old_col, new_col = art.select_one(".col-old .redline"), art.select_one(".col-new .redline")
        if c.old:
            assert old_col.get_text() == c.old.text
        if c.new:
            assert new_col.get_text() == c.new.text
        inline = art.select_one(".view-inline .redline")
        assert "".join(x.get_text() for x in inline.find_all("ins")) == "".join(t for op, t in c.diff if op == "insert")
        assert "".join(x.get_text() for x in inline.find_all("del")) == "".join(t for op, t in c.diff if op == "delete")


def test_render_html_structure_is_valid_and_accessible(sample_html, sample_soup):
    bal = _Balance()
    bal.feed(sample_html)
    bal.close()
    assert not bal.errors, bal.errors[:5]
    assert not bal.stack, f"unclosed: {bal.stack[:5]}"
    assert sample_html.startswith("<!DOCTYPE html>")
    assert sample_soup.html["lang"] == "en"
    for landmark in ("header", "nav", "main", "footer"):
        assert sample_soup.find(landmark), landmark
    assert len(sample_soup.find_all("h1")) == 1
    levels = [int(h.name[1]) for h in sample_soup.find_all(re.compile(r"^h[1-6]$"))]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), "heading levels skip"
    ids = [t["id"] for t in sample_soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for ctl in sample_soup.select("input, select, textarea"):
        labelled = ctl.find_parent("label") or (ctl.get("id") and sample_soup.select_one(f'label[for="{ctl["id"]}"]')) or ctl.get("aria-label")
        assert labelled, f"unlabelled control {ctl}"
    for b in sample_soup.find_all("button"):
        assert b.get_text(strip=True) or b.get("aria-label"), f"button without a name: {b}"
        assert b.get("type") == "button"
    assert not sample_soup.find("img")
    # Self-contained: nothing is fetched.
    assert not sample_soup.select("link[href], script[src], img[src], iframe, object, embed")
    csp = sample_soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp and "default-src 'none'" in csp["content"]


def test_render_html_print_stylesheet_and_fold(sample_html):
    assert "@media print" in sample_html
    css = sample_html[sample_html.index("@media print"):]
    assert ".filters" in css and "display: none" in css
    assert ".change[hidden]" in css


# --- Hostile text -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_html(hostile_report) -> str:
    return render(hostile_report, "html").decode("utf-8")


def test_render_html_escapes_hostile_text(hostile_html):
    soup = BeautifulSoup(hostile_html, "lxml")
    scripts = soup.find_all("script")
    assert len(scripts) == 2, [s.attrs for s in scripts]
    data, code = scripts
    assert data.get("type") == "application/json" and data.get("id") == "report-data"
    assert code.attrs == {}
    assert "__pwned" not in code.string
    # No element carries an event handler, a javascript: URL or an injected image.
    for el in soup.find_all(True):
        for attr, val in el.attrs.items():
            assert not attr.lower().startswith("on"), f"{el.name} has {attr}"
            if attr in ("href", "src", "action", "formaction"):
                assert not str(val).strip().lower().startswith("javascript:"), f"{el.name} {attr}={val}"
    assert not soup.find_all(["img", "iframe", "object", "embed", "link", "base"])
    # The attacks are there, as text.
    text = soup.get_text()
    for attack in (XSS_SCRIPT, XSS_IMG, XSS_CLOSE):
        assert attack in text
    # The raw source never holds them unescaped.
    for raw in ("<script>window.__pwned", "<img src=x", "</script><script>", 'onerror="', 'onfocus="'):
        assert raw not in hostile_html


def test_render_html_embedded_json_is_safe(hostile_report, hostile_html):
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', hostile_html, re.DOTALL)
    assert m, "no embedded data"
    raw = m.group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw, "JSON must escape <, > and & (|tojson)"
    data = json.loads(raw)
    assert [c["id"] for c in data["changes"]] == [c.id for c in hostile_report.changes]
    # The hostile role id and section survive the round trip intact.
    roles = {r for c in data["changes"] for r in c["roles"]}
    assert f"colleague{XSS_ATTR}" in roles
    assert any(XSS_SCRIPT in c["section"] for c in data["changes"])


def test_render_html_csp_allows_only_its_own_script(hostile_html):
    soup = BeautifulSoup(hostile_html, "lxml")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    code = soup.find_all("script")[-1].string
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "default-src 'none'" in csp


def test_render_html_links_only_web_sources(hostile_report, hostile_html):
    from dataclasses import replace

    soup = BeautifulSoup(hostile_html, "lxml")
    banner = soup.select_one("header.banner")
    assert not banner.select("a[href]"), "javascript: and quote-laden sources must stay text"
    assert "javascript:alert(6)" in banner.get_text()
    clean = replace(hostile_report, new=replace(hostile_report.new, source="https://www.gov.uk/government/publications/working-together"))
    hrefs = [a["href"] for a in soup_of(clean).select("header.banner a[href]")]
    assert hrefs == ["https://www.gov.uk/government/publications/working-together"]


def test_render_html_empty_report_renders(hostile_report):
    from dataclasses import replace

    empty = replace(hostile_report, changes=(), summary=replace(hostile_report.summary, changes=0, top_shifts=(), by_tag={}, role_mentions={}, substitutions=()))
    soup = soup_of(empty)
    assert not soup.select("article.change")
    assert "No high or medium" in soup.get_text()


def test_render_html_terminology_only_changes_fold_by_substitution(sample_report, sample_soup):
    term_only = [c.id for c in sample_report.changes if c.tags and all(t.type == "TERMINOLOGY" for t in c.tags) and c.impact.severity in ("low", "none")]
    assert term_only, "the sample corpus has terminology-only changes"
    groups = sample_soup.select("details.term-group")
    assert groups and all(not g.has_attr("open") for g in groups)  # collapsed by default
    inside = [a["id"] for g in groups for a in g.select("article.change")]
    assert sorted(inside) == sorted(term_only)
    for g in groups:
        summary = g.find("summary").get_text(" ", strip=True)
        assert "TERMINOLOGY only" in summary and "→" in summary
        n = len(g.select("article.change"))
        assert f"{n} change" in summary


def test_render_html_no_parse_position_as_paragraph_number(sample_report, sample_soup):
    """¶N is only a printed paragraph number; an unnumbered table row is named as one."""
    unnumbered = [c for c in sample_report.changes if not ((c.new or c.old).number)]
    for c in unnumbered:
        head = sample_soup.select_one(f"#{c.id}-h").get_text(" ", strip=True)
        assert not re.search(r"¶\s*\d", head), head
    rows = [c for c in unnumbered if " | " in (c.new or c.old).text]
    assert rows and all("table row" in sample_soup.select_one(f"#{c.id}-h").get_text() for c in rows)
