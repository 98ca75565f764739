"""The CSV report: one row per change, Excel-friendly, formula injection neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from tracker.render import render
from tracker.render.csv import COLUMNS, safe_cell


def rows_of(report) -> list[dict[str, str]]:
    data = render(report, "csv")
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_render_csv_one_row_per_change(render_report):
    rows = rows_of(render_report)
    assert list(rows[0].keys()) == list(COLUMNS)
    assert [r["id"] for r in rows] == [c.id for c in render_report.changes]
    for r, c in zip(rows, render_report.changes):
        assert r["kind"] == c.kind
        assert r["severity"] == c.impact.severity
        assert r["old_text"] == (c.old.text if c.old else "")
        assert r["new_text"] == (c.new.text if c.new else "")
        assert r["tag_types"].split("; ") == ([t.type for t in c.tags] or [""])
        assert len([a for a in r["actions"].split(" | ") if a]) == len(c.impact.actions)
        assert float(r["similarity"]) == pytest.approx(c.similarity, abs=1e-4)
        for t in c.tags:
            if t.rule:
                assert t.rule in r["rules"]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://evil\")"])
def test_render_csv_neutralises_formulas(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["must → should", "1-2", "", "a=b", "'quoted"])
def test_render_csv_leaves_ordinary_text(value):
    assert safe_cell(value) == value


def test_render_csv_hostile_report(hostile_report):
    rows = rows_of(hostile_report)
    assert len(rows) == len(hostile_report.changes)
    for r in rows:
        for col, val in r.items():
            assert not val.startswith(("=", "+", "-", "@", "\t", "\r")), f"{r['id']} {col}: {val[:30]!r}"
    assert rows[0]["new_text"].startswith("'=HYPERLINK")
    assert rows[0]["actions"].startswith("procedures: =cmd")  # inside a cell, not at its start
    assert rows[1]["new_text"].startswith("'-1 Practitioners")
