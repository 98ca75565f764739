"""`serve`: the store in Datasette (tracker.serve), through Datasette's in-process client
and through a real server the test starts on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.errors import NotFound, StoreError

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<script>window.__pwned = 1; alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="window.__pwned = 2">'

OLD = f"""# Working together: sample {HOSTILE}

## Chapter 1: Assessment

1. The social worker and their manager should agree the plan within 10 working days.

2. Every assessment should be child centred {HOSTILE} and take account of the child's wishes.

3. Practitioners must record the reasons for any delay on the child's file.

## Chapter 2: Reviews {HOSTILE_IMG}

4. The independent reviewing officer must chair every review of the plan.
"""
NEW = (OLD.replace("The social worker and their manager should agree", "The social worker should agree")
       .replace("child centred", "child-centred")
       .replace("Practitioners must record", "Practitioners should record")
       .replace("The independent reviewing officer must chair", f"A team manager {HOSTILE_IMG} must chair"))


def build_store(db: Path) -> Path:
    """A store with two versions of hostile guidance and their cached comparison."""
    from tracker.store import VersionMeta, open_store

    s = open_store(db)
    s.add_document("wt", title=f"Working together {HOSTILE}", url="https://www.gov.uk/wt")
    s.add_version("wt", OLD.encode(), VersionMeta(label="2015", media_type="text", published_at="2015-03-26T00:00:00Z"))
    s.add_version("wt", NEW.encode(), VersionMeta(
        label="2018", media_type="text", published_at="2018-07-04T00:00:00Z",
        change_notes=[{"note": f"Updated {HOSTILE}", "public_timestamp": "2018-07-04T00:00:00Z"}, {"note": "Second note", "public_timestamp": "2018-07-05"}]))
    s.compare("wt@1", "wt@2", model="rules-only")
    s.close()
    return db


@pytest.fixture(scope="module")
def store_db(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("serve") / "store.db")


@pytest.fixture(scope="module")
def expected(store_db) -> dict:
    """What the store says, read with sqlite3 directly (read-only)."""
    conn = sqlite3.connect(f"file:{store_db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    tags = [dict(r) for r in conn.execute("select change_id, type, role, from_value, to_value from tags")]
    changes = [dict(r) for r in conn.execute("select comparison_id, change_id, severity from changes order by change_id")]
    conn.close()
    return {"tags": tags, "changes": changes}


@pytest.fixture(scope="module")
def ds(store_db):
    from tracker.serve import make_datasette

    return make_datasette(store_db)


def get(ds, path: str):  # noqa: ANN201
    async def go():  # noqa: ANN202
        return await ds.client.get(path)

    return asyncio.run(go())


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append(tag)
        for k, v in attrs:
            if k == "href" and v:
                self.links.append(v)
            if k.startswith("on"):
                self.handlers.append(f"{tag} {k}")


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def assert_escaped(html: str) -> None:
    """No script or image from the document text became markup."""
    assert "window.__pwned" in html  # the hostile text is there...
    assert "<script>window.__pwned" not in html and "<img src=x" not in html  # ...as text
    p = parse(html)
    assert "img" not in p.tags and not [h for h in p.handlers if "img" in h]


def test_serve_index_has_titles_and_canned_queries(ds) -> None:
    r = get(ds, "/store")
    assert r.status_code == 200
    for q in ("all_documents", "document_versions", "all_comparisons", "find_changes", "tag_counts"):
        assert f"/store/{q}" in r.text, q
    assert "Version store" in r.text
    home = get(ds, "/")
    assert "guidance-tracker: the version store" in home.text
    assert "_sqlite_migrations" not in r.text


def test_serve_documents_and_versions_with_change_notes(ds) -> None:
    docs = get(ds, "/store/all_documents.json?_shape=array").json()
    assert [(d["name"], d["versions"]) for d in docs] == [("wt", 2)]
    html = get(ds, "/store/all_documents").text
    assert '<a href="/store/document_versions?document=wt">versions</a>' in html
    assert_escaped(html)
    rows = get(ds, "/store/document_versions.json?document=wt&_shape=array").json()
    assert [(r["seq"], r["label"]) for r in rows] == [(1, "2015"), (2, "2018")]
    assert rows[1]["change_notes"].splitlines() == [f"2018-07-04T00:00:00Z: Updated {HOSTILE}", "2018-07-05: Second note"]
    assert rows[0]["report"] is None and rows[1]["report"] == "/-/report/1"
    html = get(ds, "/store/document_versions?document=wt").text
    assert "Updated &lt;script&gt;window.__pwned" in html and "<br>2018-07-05: Second note" in html
    assert '<a href="/-/report/1">report</a>' in html
    assert_escaped(html)


def test_serve_comparisons_list(ds) -> None:
    rows = get(ds, "/store/all_comparisons.json?_shape=array").json()
    assert len(rows) == 1
    c = rows[0]
    assert (c["old"], c["new"], c["report"], c["changes_link"]) == ("wt@1", "wt@2", "/-/report/1", "/store/find_changes?comparison=1")
    assert c["changes"] >= 4 and c["accountability"] >= 3


def test_serve_changes_filter_by_tag_severity_role(ds, expected) -> None:
    all_rows = get(ds, "/store/find_changes.json?_shape=array").json()
    assert sorted(r["change_id"] for r in all_rows) == [c["change_id"] for c in expected["changes"]]
    for tag in {t["type"] for t in expected["tags"]}:
        rows = get(ds, f"/store/find_changes.json?tag={tag}&_shape=array").json()
        want = sorted({t["change_id"] for t in expected["tags"] if t["type"] == tag})
        assert sorted(r["change_id"] for r in rows) == want, tag
        assert all(tag in r["tags"] for r in rows)
    high = get(ds, "/store/find_changes.json?severity=high&_shape=array").json()
    assert sorted(r["change_id"] for r in high) == [c["change_id"] for c in expected["changes"] if c["severity"] == "high"] and high
    manager = get(ds, "/store/find_changes.json?role=manager&_shape=array").json()
    want = sorted({t["change_id"] for t in expected["tags"] if t["role"] == "manager"
                   or (t["type"] in ("ROLE_REPLACED", "TERMINOLOGY") and "manager" in (t["from_value"], t["to_value"]))})
    assert sorted(r["change_id"] for r in manager) == want and want
    both = get(ds, "/store/find_changes.json?role=manager&severity=high&tag=ROLE_REMOVED&_shape=array").json()
    assert {r["change_id"] for r in both} <= {r["change_id"] for r in manager}
    assert get(ds, "/store/find_changes.json?tag=NO_SUCH_TAG&_shape=array").json() == []
    # every row links to its redline; CSV export comes with Datasette
    assert all(r["redline"] == f"/-/redline/1/{r['change_id']}" for r in all_rows)
    html = get(ds, "/store/find_changes?tag=ROLE_REMOVED").text
    assert '<a href="/-/redline/1/' in html
    csv = get(ds, "/store/find_changes.csv?tag=ROLE_REMOVED").text
    assert csv.splitlines()[0] == "comparison,change_id,kind,severity,path,tags,impact,redline"
    assert len(csv.strip().splitlines()) == 1 + len({t["change_id"] for t in expected["tags"] if t["type"] == "ROLE_REMOVED"})


def test_serve_tables_facets_and_exports(ds) -> None:
    r = get(ds, "/store/changes.json?_shape=array&_facet=severity")
    assert r.status_code == 200 and len(r.json()) >= 4
    r = get(ds, "/store/tags.csv?type=ROLE_REMOVED")
    assert r.status_code == 200 and "ROLE_REMOVED" in r.text
    html = get(ds, "/store/versions").text
    assert_escaped(html)


def test_serve_redline_page_escapes_document_text(ds, expected) -> None:
    escaped = 0
    for c in expected["changes"]:
        r = get(ds, f"/-/redline/1/{c['change_id']}")
        assert r.status_code == 200
        p = parse(r.text)
        assert "del" in p.tags or "ins" in p.tags, c
        assert "<script>window" not in r.text
        escaped += "&lt;script&gt;window.__pwned" in r.text
    assert escaped >= 1  # the change in paragraph 2 quotes the script, as text
    chair = next(c for c in expected["changes"] if any(t["change_id"] == c["change_id"] and t["type"] == "ROLE_REPLACED" for t in expected["tags"]))
    r = get(ds, f"/-/redline/1/{chair['change_id']}")
    assert "&lt;img src=x onerror=" in r.text
    assert_escaped(r.text)
    assert "ROLE_REPLACED" in r.text and "Chapter 2: Reviews" in r.text
    assert get(ds, "/-/redline/1/c9999").status_code == 404
    assert get(ds, "/-/redline/99/c0001").status_code == 404


def test_serve_report_route_renders_stored_report(ds, expected) -> None:
    r = get(ds, "/-/report/1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for c in expected["changes"]:
        assert f'id="{c["change_id"]}"' in r.text
    assert "Content-Security-Policy" in r.text
    scripts = r.text.lower().count("<script")
    assert scripts == 2  # the report's own data block and script, nothing from the document
    assert "&lt;script&gt;window.__pwned" in r.text
    assert get(ds, "/-/report/42").status_code == 404


def test_serve_is_read_only(ds, store_db) -> None:
    r = get(ds, "/store.json?sql=delete+from+documents")
    assert r.status_code == 400
    db = ds.get_database("store")

    async def write() -> None:
        await db.execute_write("delete from documents")

    with pytest.raises(sqlite3.OperationalError):
        asyncio.run(write())
    conn = sqlite3.connect(f"file:{store_db}?mode=ro", uri=True)
    assert conn.execute("select count(*) from documents").fetchone()[0] == 1
    conn.close()


def test_serve_immutable_snapshot(store_db) -> None:
    from tracker.serve import make_datasette

    snap = make_datasette(store_db, immutable=True)
    assert not snap.get_database("store").is_mutable
    assert get(snap, "/store/find_changes.json?_shape=array").status_code == 200


def test_serve_check_store_errors(tmp_path) -> None:
    from tracker.serve import check_store

    with pytest.raises(NotFound):
        check_store(tmp_path / "missing.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    with pytest.raises(StoreError):
        check_store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        check_store(junk)


def test_serve_cli_refuses_missing_or_foreign_db(tmp_path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "--db", str(tmp_path / "missing.db")], catch_exceptions=False)
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: no version store at") and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "missing.db").exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    r = runner.invoke(cli, ["serve", "--db", str(other)], catch_exceptions=False)
    assert r.exit_code == 2 and "not a guidance-tracker version store" in r.stderr


def test_serve_cli_refuses_a_port_in_use(store_db) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = CliRunner().invoke(cli, ["serve", "--db", str(store_db), "--port", str(port)], catch_exceptions=False)
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: cannot serve on 127.0.0.1:{port}") and len(r.stderr.strip().splitlines()) == 1


# --- a real server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """``python -m tracker serve`` in a child process, on 127.0.0.1."""

    def __init__(self, db: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "serve", "--db", str(db), "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                urllib.request.urlopen(self.base + "/-/versions.json", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("serve did not answer within 60 s")
                time.sleep(0.2)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read() if self.proc.stderr else ""


@pytest.fixture(scope="module")
def served(store_db):
    srv = Served(store_db)
    yield srv
    srv.stop()


def test_serve_real_server_on_loopback(served, expected) -> None:
    status, body = served.get("/store/find_changes.json?tag=ROLE_REMOVED&_shape=array")
    assert status == 200
    want = sorted({t["change_id"] for t in expected["tags"] if t["type"] == "ROLE_REMOVED"})
    assert sorted(r["change_id"] for r in json.loads(body)) == want and want
    status, body = served.get(f"/-/redline/1/{want[0]}")
    assert status == 200 and "<del>" in body
    status, body = served.get("/-/report/1")
    assert status == 200 and "&lt;script&gt;window.__pwned" in body
    status, _ = served.get("/-/report/7")
    assert status == 404
    status, _ = served.get("/store.json?sql=update+documents+set+title%3D%27x%27")
    assert status == 400
