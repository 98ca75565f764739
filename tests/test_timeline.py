"""The clause timeline: following one paragraph through versions (tracker.timeline),
its HTML/Markdown/JSON renderings (tracker.render.timeline) and the `timeline` command."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.errors import BadInput, NotFound
from tracker.ingest import parse_text
from tracker.models import STEP_STATUSES
from tracker.render.timeline import render_timeline
from tracker.timeline import follow, parse_number_query

pytestmark = pytest.mark.timeout(300)

HEAD = "# Working together: sample\n\n## Chapter 1: Assessment\n\n"
INTRO = "1. Assessment is a dynamic process which responds to the changing needs of a child and family.\n\n"
OTHER = "Every assessment should be child centred and should take account of the child's wishes and feelings.\n\n"
PLAN_V1 = "The social worker and their manager should agree the plan for the child within 10 working days of the referral."
PLAN_V2 = "The social worker should agree the plan for the child within 10 working days of the referral."
PLAN_V4 = "The social worker must agree the plan for the child within 5 working days of the referral."
NEW_PARA = "Local authorities should publish their local protocol for assessment and keep it under review each year."
CH2 = "## Chapter 2: Planning\n\n"
CH2_PARA = "Plans should be reviewed at every meeting of the core group, with the family present wherever possible."

V1 = f"{HEAD}{INTRO}2. {PLAN_V1}\n\n3. {OTHER}{CH2}4. {CH2_PARA}\n"
V2 = f"{HEAD}{INTRO}2. {NEW_PARA}\n\n3. {PLAN_V2}\n\n4. {OTHER}{CH2}5. {CH2_PARA}\n"
V3 = f"{HEAD}{INTRO}2. {NEW_PARA}\n\n3. {OTHER}{CH2}4. {CH2_PARA}\n"
V4 = f"{HEAD}{INTRO}2. {NEW_PARA}\n\n3. {OTHER}{CH2}4. {CH2_PARA}\n\n5. {PLAN_V4}\n"
V5 = f"{HEAD}{INTRO}2. {NEW_PARA}\n\n3. {OTHER}{CH2}4. A new first paragraph of planning that says nothing about who does what here.\n\n5. {CH2_PARA}\n\n6. {PLAN_V4}\n"

HOSTILE = "<script>window.__pwned = 1</script>"


def versions(*texts: str) -> list:
    out = []
    for n, t in enumerate(texts, 1):
        d = parse_text(t, label=f"v{n}")
        out.append((d.info, d))
    return out


@pytest.fixture(scope="module")
def five():
    return versions(V1, V2, V3, V4, V5)


@pytest.fixture(scope="module")
def followed(five):
    return follow(five, "social worker and their manager should agree the plan", model="rules-only")


def test_timeline_parse_number_query() -> None:
    assert parse_number_query("62") == "62"
    assert parse_number_query("¶ 4.2") == "4.2"
    assert parse_number_query("paragraph 12") == "12"
    assert parse_number_query("the manager should agree") is None


def test_timeline_follows_edit_renumbering_gap_and_move(followed) -> None:
    steps = followed.steps
    assert followed.query_kind == "text" and followed.anchor == 0
    assert [s.status for s in steps] == ["first", "modified", "deleted", "added", "renumbered"]
    assert all(s.status in STEP_STATUSES for s in steps)
    assert [s.match for s in steps] == ["query", "aligned", "none", "fuzzy", "aligned"]
    assert [s.unit.number if s.unit else None for s in steps] == ["2", "3", None, "5", "6"]
    assert steps[0].unit.text == PLAN_V1 and steps[1].unit.text == PLAN_V2 and steps[3].unit.text == PLAN_V4
    # back after the gap, in another chapter
    assert steps[3].unit.path[-1] == "Chapter 2: Planning"
    assert steps[1].unit.path[-1] == "Chapter 1: Assessment"


def test_timeline_steps_carry_diff_tags_and_impact(followed) -> None:
    s1, s2, s3, s4, s5 = followed.steps
    assert s1.diff == () and s1.tags == ()
    assert ("delete", "and their manager ") in s2.diff or any(op == "delete" and "manager" in t for op, t in s2.diff)
    assert "ROLE_REMOVED" in {t.type for t in s2.tags}
    assert s2.impact.severity == "high" and s2.accountability
    assert s3.unit is None and s3.diff == (("delete", PLAN_V2),)
    assert "DUTY_REMOVED" in {t.type for t in s3.tags}
    # restored: compared with the last wording seen (v2), not with nothing
    assert {"OBLIGATION_STRENGTHENED", "TIMESCALE_CHANGED"} <= {t.type for t in s4.tags}
    assert any(op == "insert" and "must" in t for op, t in s4.diff)
    assert s5.diff == (("equal", PLAN_V4),) and s5.tags == () and s5.impact.severity == "none"
    assert [s.status for s in followed.changes] == ["modified", "deleted", "added"]


def test_timeline_number_query_finds_the_same_unit(five, followed) -> None:
    by_number = follow(five, "3", at=1, model="rules-only")
    assert by_number.query_kind == "number" and by_number.anchor == 1
    assert [s.unit.text if s.unit else None for s in by_number.steps] == [s.unit.text if s.unit else None for s in followed.steps]
    # without --at, a number is looked up in the newest version holding it: there ¶6 is the plan
    latest = follow(five, "¶ 6", model="rules-only")
    assert latest.anchor == 4 and latest.steps[4].unit.text == PLAN_V4
    path = follow(five, "Chapter 1: Assessment > 3", at=1, model="rules-only")
    assert path.steps[1].unit.text == PLAN_V2


def test_timeline_bad_queries_raise_typed_errors(five) -> None:
    with pytest.raises(NotFound):
        follow(five, "zebra crossings on the moon", model="rules-only")
    with pytest.raises(NotFound):
        follow(five, "999", model="rules-only")
    with pytest.raises(BadInput):
        follow(five, "   ", model="rules-only")
    with pytest.raises(BadInput):
        follow([], "manager", model="rules-only")
    with pytest.raises(BadInput):
        follow(five, "manager", at=9, model="rules-only")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append(tag)
        for k, v in attrs:
            if k == "id":
                self.ids.append(v)

    def handle_data(self, data):  # noqa: ANN001
        self.text.append(data)


def test_timeline_renders_html_markdown_json(followed) -> None:
    html = render_timeline(followed, "html").decode()
    p = _Collect()
    p.feed(html)
    assert [i for i in p.ids if i[1:].isdigit() and i[0] == "v"] == ["v1", "v2", "v3", "v4", "v5"]
    assert "script" not in p.tags
    assert "Content-Security-Policy" in html and "script-src 'none'" in unescape(html)
    text = "".join(p.text)
    assert "ROLE_REMOVED" in text and "Renumbered" in text and "Removed in this version" in text
    assert "<del>" in html and "<ins>" in html
    md = render_timeline(followed, "md").decode()
    assert md.startswith("# Timeline of Chapter 1: Assessment > 2")
    assert "~~" in md and "**" in md and "| v2 | Modified | ¶ 2 → 3 | ROLE_REMOVED" in md
    data = json.loads(render_timeline(followed, "json"))
    assert data["kind"] == "timeline" and [s["status"] for s in data["steps"]] == [s.status for s in followed.steps]
    assert data["steps"][1]["number"] == "3" and data["steps"][2]["unit"] is None
    with pytest.raises(BadInput):
        render_timeline(followed, "docx")


def test_timeline_hostile_text_is_escaped() -> None:
    bad = f"The manager must review the plan {HOSTILE} within one day. <img src=x onerror=alert(1)>"
    worse = f"The colleague should review the plan {HOSTILE} within three days. <img src=x onerror=alert(1)>"
    tl = follow(versions(f"# T {HOSTILE}\n\n## Part <b>1</b>\n\n1. {bad}\n", f"# T {HOSTILE}\n\n## Part <b>1</b>\n\n1. {worse}\n"),
                "The manager must review the plan", model="rules-only")
    assert tl.steps[1].status == "modified"
    html = render_timeline(tl, "html").decode()
    p = _Collect()
    p.feed(html)
    assert "script" not in p.tags and "img" not in p.tags and "b" not in p.tags
    assert "&lt;script&gt;" in html and "<script" not in html.lower()
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    md = render_timeline(tl, "md").decode()
    assert re.search(r"(?<!\\)<", md) is None and "\\<script>" in md  # every < escaped for Markdown


def _store_with(db, *texts: str, name: str = "wt") -> None:
    from tracker.store import VersionMeta, open_store

    s = open_store(db)
    for n, t in enumerate(texts, 1):
        s.add_version(name, t.encode(), VersionMeta(label=f"e{n}", media_type="text"))
    s.close()


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_timeline_cli_formats_and_errors(tracker_env, tmp_path) -> None:
    _store_with(tracker_env, V1, V2.replace(PLAN_V2, PLAN_V2 + f" {HOSTILE}"), V4)
    r = run("timeline", "wt", "social worker and their manager should agree")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("# Timeline of") and "wt@2 (e2)" in r.output and "\\<script>" in r.output
    out = tmp_path / "t.html"
    r = run("timeline", "wt", "3", "--at", "2", "--out", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "&lt;script&gt;" in html and "<script" not in html.lower()
    r = run("timeline", "wt", "3", "--at", "e2", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["name"] == "wt" and data["anchor"] == 1 and data["query_kind"] == "number"
    assert [s["status"] for s in data["steps"]] == ["first", "modified", "modified"]
    assert data["steps"][2]["path"].startswith("Chapter 2: Planning")
    # unknown name, unknown version, no match: one line, exit 2
    for args in (("timeline", "nope", "manager"), ("timeline", "wt", "3", "--at", "9"), ("timeline", "wt", "zebra crossings on the moon")):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert r.stderr.startswith("Error: ") and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output
    r = run("timeline", "wt", "3", "--db", str(tmp_path / "missing.db"))
    assert r.exit_code == 2 and "no version store" in r.stderr
    assert not (tmp_path / "missing.db").exists()
