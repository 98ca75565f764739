"""The HTML report in a real headless browser: Debian's chromium driven by Playwright.

Opens the report from a file:// URL, uses the filters and toggles as a reader would,
checks the print view, runs axe-core (vendored in tests/browser/, MPL-2.0) for
accessibility, opens a report full of hostile text and checks nothing ran, and saves
test-artifacts/report.png (git-ignored) for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.render import write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).resolve().parent / "browser" / "axe.min.js"
# Rules the brief names, failed at any impact; everything else fails at serious/critical.
STRICT_RULES = {"image-alt", "label", "button-name", "duplicate-id", "duplicate-id-aria", "duplicate-id-active", "heading-order", "html-has-lang", "link-name", "select-name", "color-contrast"}


@pytest.fixture(scope="module")
def report_url(sample_report, tmp_path_factory) -> str:
    path = write_report(sample_report, "html", tmp_path_factory.mktemp("html") / "report.html")
    return path.as_uri()


@pytest.fixture()
def page(browser):
    # bypass_csp lets the test inject axe-core; the report's own CSP is tested elsewhere.
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def visible_ids(page) -> list[str]:
    # checkVisibility: not display:none, and not inside a closed <details> (content-visibility)
    return page.eval_on_selector_all("article.change", "els => els.filter(e => e.checkVisibility()).map(e => e.id)")


def run_axe(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical") or v["id"] in STRICT_RULES]


def test_render_browser_filters_toggles_and_print(page, report_url, sample_report):
    from tracker.render._common import build_view

    view = build_view(sample_report)
    folded = [cv.id for _, cvs in view.terminology_groups for cv in cvs]
    # the page's order: document order, terminology-only changes grouped at the end
    changes = [c for c in sample_report.changes if c.id not in folded] + [sample_report.change(i) for i in folded]
    editorial = {c.id for c in changes if c.impact.severity == "none"}
    page.goto(report_url)
    page.wait_for_selector("#status")
    assert page.errors == []

    # Editorial-only changes start folded away, terminology-only ones in closed groups.
    shown = visible_ids(page)
    assert shown == [c.id for c in changes if c.id not in editorial and c.id not in folded]
    if folded:
        page.click("details.term-group >> nth=0 >> summary")
        first_group = [cv.id for cv in view.terminology_groups[0][1]]
        assert visible_ids(page) == [c.id for c in changes if c.id not in editorial and (c.id not in folded or c.id in first_group)]
        page.click("details.term-group >> nth=0 >> summary")
        # a tag filter opens the groups holding what it matches
        page.select_option("#f-tag", "TERMINOLOGY")
        assert set(folded) <= set(visible_ids(page))
        page.click("#t-reset")
        page.evaluate("document.querySelectorAll('details.term-group').forEach(d => d.open = false)")
    assert "Showing" in page.inner_text("#status")

    # Filter by a tag: only changes carrying it remain.
    tag = next(t for t in ("ROLE_REMOVED", "ROLE_REPLACED", "OBLIGATION_WEAKENED") if sample_report.summary.by_tag.get(t))
    page.select_option("#f-tag", tag)
    want = [c.id for c in changes if any(t.type == tag for t in c.tags) and c.id not in editorial]
    assert visible_ids(page) == want and want
    for cid in want:
        assert tag in page.inner_text(f"#{cid} ul.tags")

    # Filter by role, through the role index's button.
    page.click("#t-reset")
    role_btn = page.locator("[data-filter-role]").first
    role = role_btn.get_attribute("data-filter-role")
    role_btn.click()
    assert page.input_value("#f-role") == role
    want = [c.id for c in changes if c.id not in editorial and any(role in (t.role, t.from_role, t.to_role, t.actor) for t in c.tags)]
    assert visible_ids(page) == want and want

    # Search box.
    page.click("#t-reset")
    page.fill("#f-q", "supervision")
    page.wait_for_function("document.getElementById('status').textContent.includes('supervision')")
    for cid in visible_ids(page):
        assert "supervision" in page.inner_text(f"#{cid}").lower()

    # Side by side: the global toggle swaps every change to two columns.
    page.click("#t-reset")
    page.evaluate("document.querySelectorAll('details.term-group').forEach(d => d.open = false)")
    first = [c.id for c in changes if c.id not in editorial][0]
    assert page.is_visible(f"#{first} .view-inline") and not page.is_visible(f"#{first} .view-sbs")
    page.click("#t-sbs")
    assert page.get_attribute("#t-sbs", "aria-pressed") == "true"
    assert page.is_visible(f"#{first} .view-sbs .col-old") and page.is_visible(f"#{first} .view-sbs .col-new")
    assert not page.is_visible(f"#{first} .view-inline")
    page.click("#t-sbs")
    # ...and each change has its own toggle.
    page.click(f"#{first} .view-toggle")
    assert page.is_visible(f"#{first} .view-sbs")
    page.click(f"#{first} .view-toggle")

    # One click shows the editorial changes.
    if editorial:
        page.click("#t-editorial")
        assert visible_ids(page) == [c.id for c in changes if c.id not in folded]
        page.click("#t-editorial")
        assert visible_ids(page) == [c.id for c in changes if c.id not in editorial and c.id not in folded]

    # Keyboard: a filter control takes focus and shows it.
    page.focus("#f-tag")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") in ("f-role",)
    assert outline != "none" or page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    # Print: filters hidden, every change (editorial too) printed, inline redline only.
    page.select_option("#f-tag", tag)
    page.emulate_media(media="print")
    assert not page.is_visible("#filters")
    assert visible_ids(page) == [c.id for c in changes]
    assert not page.is_visible(f"#{first} .view-sbs")
    page.emulate_media(media="screen")
    assert page.errors == []


def test_render_browser_link_to_a_folded_change_opens_it(page, report_url, sample_report):
    from tracker.render._common import build_view

    target = next((c.id for c in sample_report.changes if c.impact.severity == "none"), sample_report.changes[-1].id)
    page.goto(f"{report_url}#{target}")
    page.wait_for_selector("#status")
    assert page.is_visible(f"#{target}")
    groups = build_view(sample_report).terminology_groups
    if groups:  # a change folded in a closed terminology group
        term = groups[0][1][-1].id
        page.goto(f"{report_url}#{term}")
        page.wait_for_selector("#status")
        page.wait_for_function(f"document.getElementById('{term}').checkVisibility()")
        assert page.is_visible(f"#{term}")
    # Filters survive in the URL, so a shared link reopens the same view.
    page.goto(f"{report_url}?tag=TERMINOLOGY")
    page.wait_for_selector("#status")
    assert page.input_value("#f-tag") == "TERMINOLOGY"


def test_render_browser_accessibility(page, report_url):
    page.goto(report_url)
    page.wait_for_selector("#status")
    problems = run_axe(page)
    assert problems == [], problems
    # Again with everything open: side by side, editorial shown, tables expanded.
    page.click("#t-sbs")
    if page.locator("#t-editorial").count():
        page.click("#t-editorial")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    problems = run_axe(page)
    assert problems == [], problems


def test_render_browser_hostile_report_runs_no_script(browser, hostile_report, tmp_path):
    path = write_report(hostile_report, "html", tmp_path / "hostile.html")
    # A context that enforces the CSP, and one that ignores it: escaping alone must hold.
    for bypass in (False, True):
        ctx = browser.new_context(bypass_csp=bypass)
        pg = ctx.new_page()
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(path.as_uri())
        pg.wait_for_selector("#status")
        pg.click("#t-editorial")
        pg.click("#t-sbs")
        pg.keyboard.press("Tab")
        pg.wait_for_timeout(200)
        assert dialogs == []
        assert pg.evaluate("window.__pwned === undefined")
        assert pg.locator("article.change").count() == len(hostile_report.changes)
        ctx.close()


def test_render_browser_screenshot(page, report_url):
    """test-artifacts/report.png: the first screen; report-changes.png: a change up close."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(report_url)
    page.wait_for_selector("#status")
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    page.evaluate("document.getElementById('changes').scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / "report-changes.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
