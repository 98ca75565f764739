"""The served store in a real headless browser: Debian's chromium driven by Playwright.

Starts ``guidance-tracker serve`` on 127.0.0.1 (tests/test_serve.py's ``Served``), filters
the changes by a tag through the canned query's form as a reader would, follows a change
to its redline and the comparison to its report, checks that hostile text in the stored
versions runs no script, and saves test-artifacts/serve.png and serve-redline.png
(git-ignored) for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_serve import Served, build_store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    srv = Served(build_store(tmp_path_factory.mktemp("serve-browser") / "store.db"))
    yield srv
    srv.stop()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    seen: dict[str, list[str]] = {"errors": [], "dialogs": []}
    pg.on("pageerror", lambda e: seen["errors"].append(str(e)))
    pg.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    pg.seen = seen  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def cells(page, column: str) -> list[str]:
    return [t.strip() for t in page.locator(f"table.rows-and-columns td.col-{column}").all_inner_texts()]


def test_serve_browser_filter_by_tag_follow_redline_and_report(page, served) -> None:
    page.goto(served.base + "/store/find_changes")
    everything = cells(page, "change_id")
    assert len(everything) >= 4

    # Filter by a tag through the form, as a reader would.
    page.fill("input[name=tag]", "ROLE_REMOVED")
    page.click("input[type=submit]")
    page.wait_for_url("**tag=ROLE_REMOVED**")
    filtered = cells(page, "change_id")
    assert filtered and len(filtered) < len(everything)
    assert all("ROLE_REMOVED" in t for t in cells(page, "tags"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "serve.png"), full_page=True)
    assert (ARTIFACTS / "serve.png").stat().st_size > 10_000

    # Each change links to its redline.
    page.click(f"a[href='/-/redline/1/{filtered[0]}']")
    page.wait_for_selector("#redline")
    assert page.locator("#redline del").count() >= 1
    assert "ROLE_REMOVED" in page.inner_text("ol.gt-tags")
    page.screenshot(path=str(ARTIFACTS / "serve-redline.png"), full_page=True)

    # ...and the comparison to the full report, whose own filters work here too.
    page.click("a[href='/-/report/1']")
    page.wait_for_selector("#status")
    page.select_option("#f-tag", "ROLE_REMOVED")
    shown = page.eval_on_selector_all("article.change", "els => els.filter(e => e.offsetParent !== null).map(e => e.id)")
    assert shown == filtered
    assert page.seen["errors"] == [] and page.seen["dialogs"] == []


def test_serve_browser_hostile_text_runs_no_script(page, served) -> None:
    for path in ("/store/document_versions?document=wt", "/store/all_documents", "/store/versions", "/store/changes",
                 "/-/redline/1/c0001", "/-/report/1"):
        page.goto(served.base + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)
        assert page.evaluate("window.__pwned === undefined"), path
    text = page.inner_text("body")
    assert "<script>window.__pwned" in text  # shown as text
    page.goto(served.base + "/store/document_versions?document=wt")
    assert "Updated <script>window.__pwned" in page.inner_text("td.col-change_notes >> nth=1")
    assert page.seen["dialogs"] == [] and page.seen["errors"] == []
