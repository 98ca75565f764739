"""CLI commands (report): serve (browse the store), timeline (one paragraph through
every stored version). Registered on tracker.cli.cli when imported.

Library errors become one line on standard error and the error's exit status (2 for
bad input), also when the commands are run through click's test runner.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from tracker.cli import cli, write_output
from tracker.cli import mapped as _mapped
from tracker.errors import BadInput, NotFound


def _existing_db(db: str | None) -> Path:
    """The store path (``--db``, else ``GUIDANCE_TRACKER_DB``, else the default); never created here."""
    from tracker.store import default_db_path

    p = Path(db) if db else default_db_path()
    if not p.is_file():
        raise NotFound(f"no version store at {p}", None,
                       "check --db (or GUIDANCE_TRACKER_DB), or add a document with `guidance-tracker watch add` or `guidance-tracker import`")
    return p


db_option = click.option(
    "--db", envvar="GUIDANCE_TRACKER_DB", type=click.Path(dir_okay=False),
    help="The version store (default: $GUIDANCE_TRACKER_DB, else guidance-tracker.db in the user data folder).",
)


@cli.command()
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep 127.0.0.1 unless you mean to share the store).")
@click.option("--immutable", is_flag=True, help="Serve a snapshot (SQLite immutable=1): faster, but blind to versions stored while it runs.")
@db_option
@_mapped
def serve(port: int, host: str, immutable: bool, db: str | None) -> None:
    """Browse the version store in a web browser (Datasette, read-only).

    Documents, their versions with change notes, comparisons, and changes filterable
    by tag, severity and role, each linking to its redline; every list exports as CSV
    or JSON. /-/report/ID shows a stored comparison as the full HTML report.

    \b
    Example:
        guidance-tracker serve
        guidance-tracker serve --db reports/store.db --port 8080
        open http://127.0.0.1:8001/store/find_changes?tag=ROLE_REMOVED
    """
    from tracker.serve import check_store, run

    path = check_store(_existing_db(db))
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        click.echo(f"warning: serving on {host}: anyone who can reach this address can read the store", err=True)
    shown = f"[{host}]" if ":" in host else host
    run(path, host=host, port=port, immutable=immutable,
        announce=lambda: click.echo(f"Serving {path} read-only at http://{shown}:{port}/ (Ctrl+C to stop)", err=True))


def _timeline_format(fmt: str | None, out: str | None) -> str:
    if fmt:
        return {"markdown": "md"}.get(fmt, fmt)
    if out:
        suffix = Path(out).suffix.lstrip(".").lower()
        guessed = {"markdown": "md", "htm": "html"}.get(suffix, suffix)
        if guessed in ("html", "md", "json"):
            return guessed
        raise BadInput(f"cannot tell the format of {out}", "its name ends in neither .html, .md nor .json", "add --format html|md|json")
    return "md"


@cli.command()
@click.argument("name")
@click.argument("query")
@click.option("--format", "-f", "fmt", type=click.Choice(["html", "md", "markdown", "json"]), help="Output format (default: md, or from --out's extension).")
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.option("--at", "at", help="Version to look the paragraph up in (N, a label, latest, previous); default: the newest that has it.")
@click.option("--pack", envvar="GUIDANCE_TRACKER_PACK", help="Domain pack name or folder (default children-safeguarding).")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@db_option
@_mapped
def timeline(name: str, query: str, fmt: str | None, out: str | None, at: str | None, pack: str | None, model: str | None, db: str | None) -> None:
    """Follow one paragraph of NAME through every stored version.

    QUERY is some of the paragraph's words, its printed number ("62", "4.2") or its
    path ("Chapter 1 > Assessment > 62"). Each version shows the paragraph, its
    redline against the last version that held it, tags and impact; moves,
    renumbering and gaps are followed.

    \b
    Example:
        guidance-tracker timeline working-together "in discussion with their manager"
        guidance-tracker timeline working-together 62 --at 2018 --format html --out para62.html
        guidance-tracker timeline kcsie "designated safeguarding lead" --format json | jq '.steps[].status'
    """
    from tracker.render.timeline import render_timeline
    from tracker.store import open_store
    from tracker.timeline import follow

    out_fmt = _timeline_format(fmt, out)
    store = open_store(_existing_db(db))
    try:
        versions = store.versions(name)
        if not versions:
            raise NotFound(f"{name} has no stored versions", None, f"run `guidance-tracker fetch {name}` or `guidance-tracker import FILE --name {name}`")
        at_index = None
        if at:
            wanted = store.version(f"{name}@{at}")
            at_index = next(k for k, v in enumerate(versions) if v.id == wanted.id)
        pairs = []
        for v in versions:
            doc = store.document(v.ref)
            pairs.append((doc.info, doc))
    finally:
        store.close()
    tl = follow(pairs, query, at=at_index, pack=pack, model=model, name=name)
    data = render_timeline(tl, out_fmt)
    if out:
        p = write_output(out, data)
        changed = len(tl.changes)
        click.echo(f"wrote {p}: {len(tl.steps)} versions, wording changed in {changed}", err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)
