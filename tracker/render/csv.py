"""CSV: one row per change, for spreadsheets and trackers of consultation responses.

UTF-8 with a byte-order mark so Excel reads the encoding; written by the ``csv``
module (quoting, embedded newlines); cells that a spreadsheet would take for a formula
(``=``, ``+``, ``-``, ``@``, tab, carriage return) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io

from tracker.models import Report
from tracker.render import register
from tracker.render._common import build_view

__all__ = ["COLUMNS", "render_csv", "safe_cell"]

COLUMNS = (
    "id", "kind", "old_path", "new_path", "old_number", "new_number", "old_text", "new_text",
    "tags", "tag_types", "severity", "summary", "actions", "rules", "similarity",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs (OWASP's CSV injection advice).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("must -> should")
    'must -> should'
    """
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_FORMULA_START) else s


@register("csv", "csv")
def render_csv(report: Report) -> bytes:
    """One row per change, in report order, with a header row."""
    view = build_view(report)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for c in view.changes:
        row = (
            c.id, c.kind, c.old_path, c.new_path, c.old_number, c.new_number, c.old_text, c.new_text,
            "; ".join(t.text for t in c.tags),
            "; ".join(t.type for t in c.tags),
            c.severity, c.impact.summary,
            " | ".join(f"{aud}: {text}" for aud, texts in c.actions for text in texts),
            "; ".join(c.rules),
            f"{c.change.similarity:.4f}",
        )
        w.writerow([safe_cell(x) for x in row])
    return buf.getvalue().encode("utf-8-sig")
