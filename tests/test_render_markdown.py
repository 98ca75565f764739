"""The Markdown briefing: escaping, redlines, order, and hostile text kept literal."""

from __future__ import annotations

import re

import pytest
from fixtures_render import XSS_SCRIPT

from tracker.render import render
from tracker.render._common import build_view
from tracker.render.markdown import md_escape, md_line, md_redline


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("plain words, kept.", "plain words, kept."),
        ("*emphasis* and **bold**", "\\*emphasis\\* and \\*\\*bold\\*\\*"),
        ("see [1](http://x)", "see \\[1\\](http://x)"),
        ("a_b _c_", "a_b \\_c\\_"),  # intraword underscores are literal already
        ("<script>x</script>", "\\<script>x\\</script>"),
        ("a | b", "a \\| b"),
        ("~~gone~~", "\\~\\~gone\\~\\~"),
        ("`code`", "\\`code\\`"),
        ("&amp; & &#60;", "\\&amp; & \\&#60;"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two lines"),
    ],
)
def test_render_markdown_escapes_inline(text, want):
    assert md_escape(text) == want


@pytest.mark.parametrize(
    ("line", "want"),
    [("# not a heading", "\\# not a heading"), ("- not a list", "\\- not a list"), ("+ x", "\\+ x"),
     ("12. not a list", "12\\. not a list"), ("3) x", "3\\) x"), ("> quote", "\\> quote"), ("2018 guidance", "2018 guidance")],
)
def test_render_markdown_escapes_line_starts(line, want):
    assert md_line(line) == want


def test_render_markdown_redline_marks_words(render_report):
    view = build_view(render_report)
    by_kind = {}
    for cv in view.changes:
        by_kind.setdefault(cv.kind, cv)
    line = md_redline(next(cv for cv in view.changes if any(t.type == "OBLIGATION_WEAKENED" for t in cv.tags)))
    assert "~~must~~**should**" in line
    # Markers hug the words: "~~ word~~" would not render.
    for cv in view.changes:
        red = md_redline(cv)
        for marker in ("~~", "**"):
            runs = re.findall(re.escape(marker) + r"(.+?)" + re.escape(marker), red)
            assert all(r == r.strip() for r in runs), (cv.id, marker, runs)


def test_render_markdown_sections_and_order(render_report):
    md = render(render_report, "md").decode("utf-8")
    heads = [ln for ln in md.splitlines() if ln.startswith("## ")]
    assert heads[:5] == ["## Summary", "## Role mentions", "## Systematic substitutions", "## Top accountability shifts", "## Changes"]
    assert "## Editorial changes" in heads
    # Every non-editorial change appears, in report order; editorial ones in the list.
    pos = [md.index(f"· {c.id}") for c in render_report.changes if c.impact.severity != "none"]
    assert pos == sorted(pos)
    for c in render_report.changes:
        if c.impact.severity == "none":
            assert f"({c.id}):" in md.split("## Editorial changes", 1)[1]
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert "\n\n\n" not in md


def test_render_markdown_keeps_hostile_text_literal(hostile_report):
    md = render(hostile_report, "md").decode("utf-8")
    # No raw tag survives: every "<" of document text is backslash-escaped.
    assert re.search(r"(?<!\\)<(script|img|!--)", md) is None
    assert "\\<script>" in md
    assert "\\[link\\](javascript:alert(5))" in md
    assert "\\*not bold\\*" in md
    # Table cells cannot be split by a pipe in a label.
    for ln in md.splitlines():
        if ln.startswith("| "):
            assert ln.count(" | ") + 2 == ln.count("|") - ln.count("\\|")
    assert md_escape(XSS_SCRIPT) in md


def test_render_markdown_tag_table_counts_changes_not_tags(sample_report):
    md = render(sample_report, "md").decode()
    table = md[md.index("| Tag | Changes |"):md.index("## Role mentions")]
    for k, n_tags in sample_report.summary.by_tag.items():
        n = sum(1 for c in sample_report.changes if any(t.type == k for t in c.tags))
        cell = f"({k}) | {n}" + (f" ({n_tags} tags)" if n_tags != n else "") + " |"
        assert cell in table, (k, table)


def test_render_markdown_folds_terminology_only_changes(sample_report):
    from tracker.render._common import build_view

    md = render(sample_report, "md").decode()
    term_only = [c for c in sample_report.changes if c.tags and all(t.type == "TERMINOLOGY" for t in c.tags) and c.impact.severity in ("low", "none")]
    assert term_only and "## Terminology only" in md
    main, folded = md.split("## Terminology only")[0], md.split("## Terminology only")[1]
    for c in term_only:
        assert f"· {c.id}\n" not in main  # not shown in full among the changes
        assert f"({c.id}): " in folded  # listed briefly under its substitution
    for key, cvs in build_view(sample_report).terminology_groups:
        assert f"### {key} ({len(cvs)} change" in folded


def test_render_markdown_and_csv_never_print_a_parse_position(sample_report):
    import csv
    import io
    import re

    md = render(sample_report, "md").decode()
    headings = [ln for ln in md.splitlines() if ln.startswith("### ") or re.match(r"^\d+\. \*\*", ln)]
    assert not [h for h in headings if re.search(r"¶\s*\d", h)]
    rows = list(csv.DictReader(io.StringIO(render(sample_report, "csv").decode("utf-8-sig"))))
    assert not [r for r in rows if re.search(r"¶\s*\d", r["old_path"] + r["new_path"])]
    assert any("table row “" in r["new_path"] for r in rows)
