"""CLI: watch, fetch, import, versions, history, forget, feed (the version store).

Every command takes ``--db PATH`` (else ``GUIDANCE_TRACKER_DB``, else the user data
folder). Library errors become one line on standard error and the error's exit status
(2 for bad input), also when the commands are run through click's test runner.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from tracker.cli import cli, write_output
from tracker.cli import mapped as _mapped
from tracker.errors import BadInput, ExitStatus, TrackerError


db_option = click.option(
    "--db", envvar="GUIDANCE_TRACKER_DB", type=click.Path(dir_okay=False),
    help="The version store (default: $GUIDANCE_TRACKER_DB, else guidance-tracker.db in the user data folder).",
)


def _store(db: str | None, create: bool = True):  # noqa: ANN202 - Store, imported lazily
    """The store at ``db`` (or the default); with ``create=False`` (commands that only
    read) a missing store is an error rather than a new empty file."""
    from tracker.store import open_store

    return open_store(db, create=create)


def _console(err: bool = False):  # noqa: ANN202
    from rich.console import Console

    return Console(file=sys.stderr if err else sys.stdout, highlight=False, soft_wrap=True)


def _progress():  # noqa: ANN202
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = _console(err=True)
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# --- watch -----------------------------------------------------------------------


@cli.group()
def watch() -> None:
    """Choose which guidance pages to watch.

    \b
    Example:
        guidance-tracker watch add https://www.gov.uk/government/publications/working-together-to-safeguard-children--2 --name working-together
        guidance-tracker watch list
    """


@watch.command("add")
@click.argument("url")
@click.option("--name", required=True, help="Short name for the document (letters, digits, . _ -).")
@click.option("--title", help="Title to show (default: the page's own).")
@click.option("--publisher", help="Who publishes it (e.g. DfE).")
@click.option("--webhook", help="URL to POST a JSON summary to after a fetch that finds changes.")
@click.option("--attachment", help="For a GOV.UK publication: which attachment to compare, by number (1, 2...) or title words.")
@db_option
@_mapped
def watch_add(url: str, name: str, title: str | None, publisher: str | None, webhook: str | None, attachment: str | None, db: str | None) -> None:
    """Watch URL under NAME (a GOV.UK page, a PDF or HTML page, or an archive capture).

    \b
    Example:
        guidance-tracker watch add https://www.gov.uk/government/publications/keeping-children-safe-in-education--2 --name kcsie --webhook https://hooks.example.org/kcsie
    """
    from tracker.fetch.http import check_url
    from tracker.store import check_name

    check_name(name)
    check_url(url)
    if webhook:
        check_url(webhook)
    store = _store(db)
    existing = {d.name: d for d in store.documents()}.get(name)
    if existing and existing.watched and existing.url and existing.url != url:
        raise BadInput(f"{name} already watches {existing.url}", None, f"remove it first with `guidance-tracker watch remove {name}`, or pick another name")
    doc = store.add_document(name, url=url, title=title, publisher=publisher, webhook=webhook, attachment=attachment, watched=True)
    click.echo(f"watching {doc.name}: {doc.url}" + (f" (attachment {doc.attachment})" if doc.attachment else ""))


@watch.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Include documents that are stored but not watched.")
@db_option
@_mapped
def watch_list(as_json: bool, show_all: bool, db: str | None) -> None:
    """List the watched documents.

    \b
    Example:
        guidance-tracker watch list --json
    """
    store = _store(db, create=False)
    docs = store.documents(watched=None if show_all else True)
    if as_json:
        out = []
        for d in docs:
            latest = store.latest(d.name)
            out.append({**d.to_dict(), "versions": len(store.versions(d.name)), "latest": latest.ref if latest else None})
        _echo_json(out)
        return
    if not docs:
        click.echo("nothing watched yet: add a page with `guidance-tracker watch add URL --name NAME`")
        return
    for d in docs:
        n = len(store.versions(d.name))
        flag = "" if d.watched else " (not watched)"
        click.echo(f"{d.name}\t{d.url or '-'}\t{n} version{'s' if n != 1 else ''}{flag}")


@watch.command("remove")
@click.argument("name")
@click.option("--forget", is_flag=True, help="Also delete every stored version of it.")
@click.option("--yes", is_flag=True, help="Confirm --forget.")
@db_option
@_mapped
def watch_remove(name: str, forget: bool, yes: bool, db: str | None) -> None:
    """Stop watching NAME; its versions are kept unless --forget --yes.

    \b
    Example:
        guidance-tracker watch remove kcsie
    """
    store = _store(db, create=False)
    if forget and not yes:
        raise BadInput(f"--forget deletes every stored version of {name}", None, "add --yes to confirm")
    store.unwatch(name)
    if forget:
        n = store.forget(name)
        click.echo(f"stopped watching {name} and forgot {n} version{'s' if n != 1 else ''}")
    else:
        click.echo(f"stopped watching {name}; its versions are kept")


# --- fetch -----------------------------------------------------------------------


def _counts_line(report: Any) -> str:
    s = report.summary
    acc = sum(1 for c in report.changes if c.accountability)
    line = f"{s.changes} change{'s' if s.changes != 1 else ''}, {acc} to accountability"
    if s.by_tag:
        line += "; " + ", ".join(f"{k} {v}" for k, v in s.by_tag.items())
    sev = ", ".join(f"{k} {v}" for k, v in s.by_severity.items() if v and k != "none")
    if sev:
        line += f"; severity {sev}"
    return line


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--pack", envvar="GUIDANCE_TRACKER_PACK", help="Domain pack name or folder (default children-safeguarding).")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@click.option("--delay", type=float, help="Seconds between requests to one host (default 1, or $GUIDANCE_TRACKER_HTTP_DELAY).")
@db_option
@click.pass_context
@_mapped
def fetch(ctx: click.Context, names: tuple[str, ...], pack: str | None, model: str | None, delay: float | None, db: str | None) -> None:
    """Fetch every watched document (or those NAMEd) and store what changed.

    A new version is stored only when the content changed (conditional requests make
    an unchanged page cost a 304), then compared with the version before. Exit status
    1 when any document failed (one line each on standard error); the others still go on.

    \b
    Example:
        guidance-tracker fetch
        guidance-tracker fetch working-together kcsie --model rules-only
    """
    from tracker.fetch import HttpClient, HttpSettings, fetch_document, webhook_payload

    store = _store(db)
    docs = [store.get_document(n) for n in names] if names else store.documents(watched=True)
    if not docs:
        raise BadInput("nothing to fetch", "no document is watched", "add one with `guidance-tracker watch add URL --name NAME`")
    failures: list[str] = []
    with HttpClient(HttpSettings.from_env(delay=delay)) as client, _progress() as progress:
        task = progress.add_task("fetching", total=len(docs))
        for doc in docs:
            progress.update(task, description=f"fetching {doc.name}")
            try:
                out = fetch_document(store, doc.name, client, pack=pack, model=model)
                v = out.version
                if out.status == "unchanged":
                    click.echo(f"{doc.name}: unchanged ({out.detail})")
                elif out.report is None:
                    click.echo(f"{doc.name}: first version {v.ref} ({v.date}) from {v.source}")
                else:
                    click.echo(f"{doc.name}: new version {v.ref} ({v.date}); compared with {out.previous.ref}: {_counts_line(out.report)}")
                    if doc.webhook and out.report.changes:
                        client.post_json(doc.webhook, webhook_payload(doc, out))
                        click.echo(f"{doc.name}: webhook notified")
            except TrackerError as e:
                failures.append(f"{doc.name}: {e.one_line()}")
            progress.advance(task)
    for line in failures:
        click.echo(f"Error: {line}", err=True)
    if failures:
        ctx.exit(int(ExitStatus.FOUND))


# --- import, versions, forget --------------------------------------------------------


@cli.command("import")
@click.argument("file")
@click.option("--name", required=True, help="Document to add it to (created if needed).")
@click.option("--label", help="Label for the version, e.g. the edition (default: the file name).")
@click.option("--date", "date_", help="The version's own date (YYYY, YYYY-MM, YYYY-MM-DD or ISO 8601).")
@db_option
@_mapped
def import_cmd(file: str, name: str, label: str | None, date_: str | None, db: str | None) -> None:
    """Add a local FILE (HTML, PDF, DOCX, Markdown or text) as a version of NAME.

    \b
    Example:
        guidance-tracker import wt2018.pdf --name working-together --label 2018 --date 2018-07-04
    """
    from tracker.store import VersionMeta, check_date, check_name

    check_name(name)
    if date_ is not None:
        date_ = check_date(date_, "--date")
    p = Path(file)
    if not p.is_file():
        raise BadInput(f"{file} does not exist" if not p.exists() else f"{file} is not a file", None, "check the path")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise BadInput(f"{file} cannot be read", e.strerror, "check its permissions") from None
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    meta = VersionMeta(origin="file", label=label or p.name, source=str(p), fetched_at=now, published_at=date_)
    v, created = _store(db).add_version(name, data, meta)
    if created:
        click.echo(f"stored {v.ref} ({v.label}) sha256 {v.sha256[:12]}, {v.units} units")
    else:
        click.echo(f"already stored as {v.ref} ({v.label}): same bytes, no new version")


@cli.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with full provenance).")
@db_option
@_mapped
def versions(name: str, as_json: bool, db: str | None) -> None:
    """List the stored versions of NAME, oldest edition first (refer to them as NAME@N, NAME@latest, NAME@LABEL).

    They are listed in the order of their own dates (published, archived or fetched),
    which is the order @latest and @previous follow; N is the order they were stored in.

    \b
    Example:
        guidance-tracker versions working-together
        guidance-tracker compare working-together@previous working-together@latest
    """
    vs = _store(db, create=False).chronological(name)
    if as_json:
        _echo_json([v.to_dict() for v in vs])
        return
    from rich.table import Table

    t = Table(show_header=True, header_style="bold")
    for col in ("seq", "label", "date", "origin", "sha256", "source"):
        t.add_column(col, overflow="fold")
    for v in vs:
        t.add_row(str(v.seq), v.label or "", (v.date or "")[:19], v.origin, v.sha256[:12], v.archive_url or v.source or "")
    _console().print(t)


@cli.command()
@click.argument("name")
@click.option("--version", "seq", type=int, help="Forget only version N (else the whole document).")
@click.option("--yes", is_flag=True, help="Confirm: stored versions are deleted for good.")
@db_option
@_mapped
def forget(name: str, seq: int | None, yes: bool, db: str | None) -> None:
    """Delete NAME (or one version of it) from the store, for good.

    Versions are otherwise never deleted or overwritten.

    \b
    Example:
        guidance-tracker forget kcsie --version 3 --yes
    """
    if not yes:
        raise BadInput(f"forget deletes stored versions of {name}", None, "add --yes to confirm")
    n = _store(db, create=False).forget(name, seq)
    what = f"version {seq} of {name}" if seq is not None else f"{name} and its {n} version{'s' if n != 1 else ''}"
    click.echo(f"forgot {what}")


# --- history ---------------------------------------------------------------------


def _year(value: str | None, opt: str) -> str | None:
    if value is None:
        return None
    if not (value.isdigit() and 4 <= len(value) <= 14):
        raise BadInput(f"{opt} {value!r} is not a year", None, f"give {opt} YYYY (or YYYYMMDD)")
    return value


@cli.command()
@click.argument("name")
@click.option("--archive", type=click.Choice(["wayback", "ukgwa"]), required=True, help="Which web archive to ask.")
@click.option("--from", "from_", metavar="YEAR", help="First year of captures to import.")
@click.option("--to", metavar="YEAR", help="Last year of captures to import.")
@click.option("--archive-url", help="Archive base URL (default $GUIDANCE_TRACKER_WAYBACK_URL / $GUIDANCE_TRACKER_UKGWA_URL, else the public one).")
@click.option("--url", help="URL whose captures to import (default: NAME's watched URL).")
@click.option("--delay", type=float, help="Seconds between requests to the archive (default 1).")
@db_option
@click.pass_context
@_mapped
def history(ctx: click.Context, name: str, archive: str, from_: str | None, to: str | None, archive_url: str | None, url: str | None, delay: float | None, db: str | None) -> None:
    """Backfill NAME's past versions from a web archive.

    Lists the URL's captures, skips captures with the same content digest without
    downloading them, and imports each distinct one (raw bytes, origin archive) with
    its archive date. An archive that refuses (403/405, captcha) is an error (exit 1),
    never an empty history.

    \b
    Example:
        guidance-tracker history working-together --archive ukgwa --from 2010 --to 2018
        guidance-tracker history kcsie --archive wayback --url https://www.gov.uk/government/publications/keeping-children-safe-in-education--2
    """
    from tracker.fetch import HttpClient, HttpSettings, backfill
    from tracker.fetch.http import check_url

    _year(from_, "--from")
    _year(to, "--to")
    if from_ and to and from_.ljust(14, "0") > to.ljust(14, "9"):
        raise click.BadParameter(f"--from {from_} is after --to {to}", param_hint="'--from'/'--to'")
    if url:
        check_url(url)
    if archive_url:
        check_url(archive_url)
    store = _store(db)
    store.get_document(name)
    with HttpClient(HttpSettings.from_env(delay=delay)) as client, _progress() as progress:
        task = progress.add_task(f"{name}: {archive} captures", total=None)
        try:
            res = backfill(
                store, name, client, archive, base=archive_url, url=url, from_=from_, to=to,
                on_total=lambda n: progress.update(task, total=n), on_step=lambda s: progress.advance(task),
            )
        except TrackerError as e:
            e.fix = _rerun_history(e.fix)
            e.args = (e.one_line(),)
            raise
    click.echo(f"{name}: {res.listed} capture{'s' if res.listed != 1 else ''} listed, {len(res.duplicates)} skipped as duplicates (same digest, not downloaded)")
    for v in res.imported:
        click.echo(f"  imported {v.ref} ({v.label}) {v.archive_url}")
    for v in res.same:
        click.echo(f"  already stored: {v.ref} ({v.label})")
    for line in res.failures:
        click.echo(f"Error: {_rerun_history(line)}", err=True)
    if res.failures:
        ctx.exit(int(ExitStatus.FOUND))


def _rerun_history(text: str | None) -> str | None:
    """The HTTP client's advice says "try again"; here the command to run again is history."""
    return text.replace("try again", "run history again") if text else text


# --- feed ------------------------------------------------------------------------


@cli.command()
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.option("--name", help="Only this document (default: all).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest versions to include.")
@click.option("--feed-url", help="The URL the feed will be published at (its self link).")
@db_option
@_mapped
def feed(out: str | None, name: str | None, limit: int, feed_url: str | None, db: str | None) -> None:
    """Write an Atom feed of new versions and their accountability changes.

    \b
    Example:
        guidance-tracker feed --out public/guidance.atom
        guidance-tracker feed --name kcsie > kcsie.atom
    """
    from tracker.feed import build_feed

    data = build_feed(_store(db, create=False), name, limit=limit, feed_url=feed_url)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    target = write_output(out, data)
    click.echo(f"wrote {target}")
