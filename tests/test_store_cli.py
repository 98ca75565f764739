"""The store commands through click's runner: output, stored state and exit statuses
(0 ok, 1 some fetch failed, 2 bad input)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fixtures_store import FIXTURES, NEW_TEXT, OLD_TEXT, html_page, load_fixture

from fixtures_store import Resp

from tracker.cli import cli, main
from tracker.store import open_store, sha1_b32

pytestmark = pytest.mark.timeout(120)

OLD, NEW = html_page(OLD_TEXT), html_page(NEW_TEXT)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_store_cli_watch_add_list_remove(tracker_env) -> None:
    r = run("watch", "add", "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2", "--name", "wt", "--webhook", "https://hooks.example.org/x")
    assert r.exit_code == 0, r.output
    assert "watching wt" in r.output
    listed = json.loads(run("watch", "list", "--json").output)
    assert [(d["name"], d["watched"], d["versions"], d["webhook"]) for d in listed] == [("wt", True, 0, "https://hooks.example.org/x")]
    assert run("watch", "add", "https://example.org/other", "--name", "wt").exit_code == 2
    assert run("watch", "add", "ftp://example.org/x.pdf", "--name", "x").exit_code == 2
    assert run("watch", "add", "https://example.org/x", "--name", "bad name").exit_code == 2
    r = run("watch", "add", "https://example.org/x", "--name", "x", "--webhook", "file:///tmp/hook")
    assert r.exit_code == 2 and "not an http(s) URL" in r.stderr
    assert run("watch", "remove", "wt", "--forget").exit_code == 2
    r = run("watch", "remove", "wt")
    assert r.exit_code == 0 and "kept" in r.output
    assert json.loads(run("watch", "list", "--json").output) == []
    assert "wt" in run("watch", "list", "--all").output
    assert run("watch", "remove", "nope").exit_code == 2


def test_store_cli_import_and_versions(tracker_env, tmp_path) -> None:
    f1, f2 = tmp_path / "wt2018.md", tmp_path / "wt2023.md"
    f1.write_text(OLD_TEXT)
    f2.write_text(NEW_TEXT)
    r = run("import", str(f1), "--name", "wt", "--label", "2018", "--date", "2018-07-04")
    assert r.exit_code == 0 and "stored wt@1 (2018)" in r.output
    assert "already stored as wt@1" in run("import", str(f1), "--name", "wt").output
    assert run("import", str(f2), "--name", "wt").exit_code == 0
    vs = json.loads(run("versions", "wt", "--json").output)
    assert [(v["seq"], v["label"], v["origin"], v["published_at"]) for v in vs] == [(1, "2018", "file", "2018-07-04"), (2, "wt2023.md", "file", None)]
    table = run("versions", "wt").output
    assert "2018" in table and vs[0]["sha256"][:12] in table
    assert run("import", str(tmp_path / "missing.md"), "--name", "wt").exit_code == 2
    assert run("import", str(f1), "--name", "wt", "--date", "last week").exit_code == 2
    (tmp_path / "empty.txt").write_text("")
    r = run("import", str(tmp_path / "empty.txt"), "--name", "wt")
    assert r.exit_code == 2 and "empty" in r.stderr
    r = run("versions", "nope")
    assert r.exit_code == 2 and "no document named 'nope'" in r.stderr
    # stored refs go through the store's comparison cache
    r = run("compare", "wt@previous", "wt@latest", "--format", "json", "--model", "rules-only")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["summary"]["by_tag"] == {"ROLE_REMOVED": 1}
    assert open_store(tracker_env).counts()["comparisons"] == 1
    # an older edition imported later is listed (and ordered for @previous) by its own date
    f0 = tmp_path / "wt2010.md"
    f0.write_text(OLD_TEXT.replace("10 working days", "15 working days"))
    assert run("import", str(f0), "--name", "wt", "--label", "2010", "--date", "2010").exit_code == 0
    vs = json.loads(run("versions", "wt", "--json").output)
    assert [(v["seq"], v["label"]) for v in vs] == [(3, "2010"), (1, "2018"), (2, "wt2023.md")]
    r = run("compare", "wt@2010", "wt@1", "--format", "json", "--model", "rules-only")  # any two, not only neighbours
    assert r.exit_code == 0 and json.loads(r.stdout)["summary"]["by_tag"] == {"TIMESCALE_CHANGED": 1}


def test_store_cli_fetch_reports_failures_and_goes_on(tracker_env, http_server) -> None:
    state = {"body": OLD}
    hooks: list[dict] = []

    @http_server.handler("/wt")
    def _(req):
        from fixtures_store import Resp

        return Resp(200, state["body"])

    @http_server.handler("/hook", method="POST")
    def _(req):
        from fixtures_store import Resp

        hooks.append(json.loads(req.body))
        return Resp(204, b"", None)

    http_server.route("/broken", b"down", status=500, content_type="text/plain")
    assert run("fetch").exit_code == 2  # nothing watched yet
    run("watch", "add", http_server.url("/wt"), "--name", "wt", "--webhook", http_server.url("/hook"))
    run("watch", "add", http_server.url("/broken"), "--name", "broken")
    r = run("fetch")
    assert r.exit_code == 1
    assert "wt: first version wt@1" in r.stdout
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("Error: broken: ") and "HTTP 500" in errors[0]

    state["body"] = NEW
    r = run("fetch", "wt")
    assert r.exit_code == 0, r.output
    assert "wt: new version wt@2" in r.stdout and "ROLE_REMOVED 1" in r.stdout and "severity high 1" in r.stdout
    assert "webhook notified" in r.stdout
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook["event"] == "accountability_changes"
    assert http_server.hits("/hook", "POST")[0].header("Content-Type") == "application/json"
    assert hook["document"] == "wt" and hook["versions"] == {"old": "wt@1", "new": "wt@2"}
    assert hook["counts"]["by_tag"] == {"ROLE_REMOVED": 1} and hook["top_shifts"][0]["severity"] == "high"
    assert hook["new"]["source"] == http_server.url("/wt") and hook["new"]["http"]["status"] == "200"

    r = run("fetch", "wt")
    assert r.exit_code == 0 and "unchanged" in r.stdout and len(hooks) == 1
    assert run("fetch", "nope").exit_code == 2


def test_store_cli_history_and_captcha(tracker_env, http_server, monkeypatch) -> None:
    page = "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2"
    digests = {"digest_old": sha1_b32(OLD), "digest_new": sha1_b32(NEW)}
    http_server.route("/cdx/search/cdx", load_fixture("wayback_cdx.json", **digests), content_type="application/json")
    http_server.route(f"/web/20150401120000id_/{page}", OLD)
    http_server.route(f"/web/20180802101500id_/{page}", NEW)
    run("watch", "add", page, "--name", "wt")
    r = run("history", "wt", "--archive", "wayback", "--archive-url", http_server.base, "--from", "2015", "--to", "2016")
    assert r.exit_code == 0, r.output
    assert "2 captures listed, 1 skipped as duplicates" in r.stdout and "imported wt@1 (2015-04-01)" in r.stdout
    assert http_server.hits(f"/web/20180802101500id_/{page}") == []  # after --to
    r = run("history", "wt", "--archive", "wayback", "--archive-url", http_server.base, "--from", "2015")
    assert r.exit_code == 0, r.output
    assert "3 captures listed, 2 skipped as duplicates" in r.stdout and "imported wt@2 (2018-08-02)" in r.stdout
    assert http_server.hits(f"/web/20160512083000id_/{page}") == []
    # a report made from archived versions cites them: URL, archive copy, capture time, hash, pipeline
    r = run("compare", "wt@1", "wt@latest", "--format", "md", "--model", "rules-only")
    assert r.exit_code == 0, r.output
    store = open_store(tracker_env)
    v1, v2 = store.versions("wt")
    for v in (v1, v2):
        assert v.archive_url in r.stdout and v.sha256 in r.stdout and v.archived_at in r.stdout
    assert page in r.stdout and "rules-only" in r.stdout and "children-safeguarding" in r.stdout
    out = tracker_env.parent / "wt.html"
    assert run("compare", "wt@1", "wt@2", "--format", "html", "--out", str(out), "--model", "rules-only").exit_code == 0
    html = out.read_text()
    for v in (v1, v2):
        assert v.archive_url in html and v.sha256 in html and v.archived_at in html
    assert "rules-only" in html
    r = run("compare", "wt@2015-04-01", "wt@2", "--format", "json", "--model", "rules-only")
    d = json.loads(r.stdout)
    assert d["old"]["archive_url"] == v1.archive_url and d["old"]["origin"] == "archive"
    assert d["new"]["http"]["status"] == "200" and d["new"]["retrieved_at"] == "2018-08-02T10:15:00Z"
    assert run("history", "wt", "--archive", "wayback", "--from", "last year").exit_code == 2
    assert run("history", "wt", "--archive", "archive-it").exit_code == 2

    captcha = (FIXTURES / "ukgwa_captcha.html").read_bytes()
    http_server.route("/ukgwa/cdx", captcha, status=405, headers={"x-amzn-waf-action": "captcha"})
    monkeypatch.setenv("GUIDANCE_TRACKER_UKGWA_URL", http_server.url("/ukgwa"))
    r = run("history", "wt", "--archive", "ukgwa")
    assert r.exit_code == 1 and "unavailable" in r.stderr and "not an empty history" in r.stderr
    assert len(open_store(tracker_env).versions("wt")) == 2


def test_store_cli_forget_needs_yes(tracker_env, tmp_path) -> None:
    f = tmp_path / "v.md"
    f.write_text(OLD_TEXT)
    run("import", str(f), "--name", "wt")
    r = run("forget", "wt")
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert run("forget", "wt", "--version", "7", "--yes").exit_code == 2
    r = run("forget", "wt", "--version", "1", "--yes")
    assert r.exit_code == 0 and "forgot version 1 of wt" in r.output
    assert run("forget", "wt", "--yes").exit_code == 0
    assert run("versions", "wt").exit_code == 2


def test_store_cli_feed(tracker_env, tmp_path) -> None:
    for i, text in enumerate((OLD_TEXT, NEW_TEXT)):
        f = tmp_path / f"v{i}.md"
        f.write_text(text)
        run("import", str(f), "--name", "wt", "--label", f"ed{i}")
    run("compare", "wt@1", "wt@2", "--format", "json", "--model", "rules-only")
    r = run("feed")
    assert r.exit_code == 0 and r.stdout.startswith("<?xml") and "ROLE_REMOVED 1" in r.stdout
    out = tmp_path / "feed" / "wt.atom"
    r = run("feed", "--name", "wt", "--out", str(out))
    assert r.exit_code == 0 and out.read_bytes().count(b"<entry>") == 2
    assert run("feed", "--name", "nope").exit_code == 2


def test_store_cli_main_maps_errors_to_exit_status(tracker_env, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["versions", "nope"])  # no store yet: a read-only command does not create one
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"Error: no version store at {tracker_env}") and "\n" not in err
    assert not tracker_env.exists()
    open_store(tracker_env).close()
    with pytest.raises(SystemExit) as exc:
        main(["versions", "nope"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Error: no document named 'nope'") and "\n" not in err


def test_store_cli_db_option_beats_the_environment(tracker_env, tmp_path) -> None:
    f = tmp_path / "v.md"
    f.write_text(OLD_TEXT)
    other = tmp_path / "elsewhere" / "other.db"
    r = run("import", str(f), "--name", "wt", "--db", str(other))
    assert r.exit_code == 0 and other.is_file()
    assert run("versions", "wt", "--db", str(other), "--json").exit_code == 0
    r = run("versions", "wt")  # GUIDANCE_TRACKER_DB: a different store
    assert r.exit_code == 2 and str(tracker_env) in r.stderr
    for cmd in ("watch", "fetch", "import", "versions", "history", "forget", "feed", "compare"):
        sub = ["watch", "add"] if cmd == "watch" else [cmd]
        assert "--db" in run(*sub, "--help").output, cmd


def test_store_cli_fetch_shows_a_progress_bar_on_a_terminal(tracker_env, http_server, monkeypatch) -> None:
    http_server.route("/a", OLD)
    http_server.route("/b", NEW)
    run("watch", "add", http_server.url("/a"), "--name", "a")
    run("watch", "add", http_server.url("/b"), "--name", "b")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    r = run("fetch")
    assert r.exit_code == 0, r.output
    assert "fetching" in r.stderr and "2/2" in r.stderr  # rich progress, on standard error
    assert "a: first version a@1" in r.stdout and "b: first version b@1" in r.stdout
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    http_server.route("/a", NEW)
    r = run("fetch", "a")
    assert r.exit_code == 0 and r.stderr == ""  # not a terminal: no bar


def test_store_cli_failing_webhook_is_a_failure_line_and_the_version_stays(tracker_env, http_server) -> None:
    state = {"body": OLD}
    http_server.handler("/wt")(lambda req: Resp(200, state["body"]))
    http_server.route("/hook", b"no", status=500, content_type="text/plain", method="POST")
    run("watch", "add", http_server.url("/wt"), "--name", "wt", "--webhook", http_server.url("/hook"))
    r = run("fetch")
    assert r.exit_code == 0 and http_server.hits("/hook", "POST") == []  # a first version has nothing to report
    state["body"] = NEW
    r = run("fetch")
    assert r.exit_code == 1
    errors = r.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("Error: wt: webhook ") and "HTTP 500" in errors[0]
    assert len(http_server.hits("/hook", "POST")) == 1  # a webhook POST is not retried
    store = open_store(tracker_env)
    assert [v.seq for v in store.versions("wt")] == [1, 2] and store.counts()["comparisons"] == 1


def test_store_cli_readme_shows_an_example_of_every_store_command() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    blocks = "\n".join(readme.split("```")[1::2])  # the code blocks only
    for cmd in ("watch add", "watch list", "watch remove", "fetch", "import", "versions", "history", "forget", "feed"):
        assert f"\nguidance-tracker {cmd} " in blocks, cmd
    for cmd in ("watch", "fetch", "import", "versions", "history", "forget", "feed"):
        sub = cli.commands[cmd]
        assert "Example:" in (sub.help or "") and f"guidance-tracker {cmd}" in sub.help, cmd


def test_store_cli_history_failure_says_run_history_again(tracker_env, http_server) -> None:
    http_server.route("/cdx/search/cdx", "busy", status=503)
    run("watch", "add", "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2", "--name", "wt")
    r = run("history", "wt", "--archive", "wayback", "--archive-url", http_server.base)
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "HTTP 503" in lines[0], r.stderr
    assert "run history again" in lines[0] and "fetch" not in lines[0].split("To fix:")[-1]


def test_store_cli_history_years_in_order(tracker_env) -> None:
    run("watch", "add", "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2", "--name", "wt")
    r = run("history", "wt", "--archive", "wayback", "--from", "2020", "--to", "2010")
    assert r.exit_code == 2 and "--from 2020 is after --to 2010" in r.stderr
    r = run("history", "wt", "--archive", "wayback", "--from", "20180704", "--to", "2018", "--archive-url", "http://127.0.0.1:9")
    assert r.exit_code == 1 and "is after" not in r.stderr and "run history again" in r.stderr  # same year: in order; then the archive is down


def test_store_cli_read_only_commands_do_not_create_a_store(tracker_env, tmp_path) -> None:
    typo = tmp_path / "typo" / "store.db"
    for args in (["watch", "list"], ["watch", "remove", "wt"], ["versions", "wt"], ["forget", "wt", "--yes"], ["feed"]):
        r = run(*args, "--db", str(typo))
        assert r.exit_code == 2, args
        assert r.stderr.strip() == (f"Error: no version store at {typo}. To fix: check --db (or GUIDANCE_TRACKER_DB), or add a "
                                    "document with `guidance-tracker watch add` or `guidance-tracker import`.")
    assert not typo.parent.exists() and not tracker_env.exists()
    assert run("watch", "add", "https://example.org/x", "--name", "x", "--db", str(typo)).exit_code == 0
    assert typo.is_file()
    assert run("feed", "--limit", "0").exit_code == 2
