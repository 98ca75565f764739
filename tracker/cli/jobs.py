"""CLI: batch jobs (``scan``) and the engine options every batch job shares.

``--engine local|dask``, ``--scheduler ADDR``, ``--workers N``: see ``tracker.jobs``.
"""

from __future__ import annotations

import json
from typing import Any, Callable, TypeVar

import click

from tracker.cli import cli, mapped
from tracker.errors import ExitStatus

F = TypeVar("F", bound=Callable[..., Any])


def engine_options(fn: F) -> F:
    """Add ``--engine``, ``--scheduler``, ``--workers`` and ``--connect-timeout``."""
    from tracker.jobs import CONNECT_TIMEOUT

    for opt in reversed([
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     envvar="GUIDANCE_TRACKER_ENGINE", help="Where the work runs: this process, or Dask workers."),
        click.option("--scheduler", metavar="ADDR", envvar="GUIDANCE_TRACKER_SCHEDULER",
                     help="An existing Dask scheduler (tcp://HOST:PORT); default: a local cluster."),
        click.option("--workers", type=click.IntRange(1, 512), help="Workers of the local Dask cluster (default: one per core)."),
        click.option("--connect-timeout", type=click.FloatRange(0.1, 600), default=CONNECT_TIMEOUT, show_default=True,
                     help="Seconds to wait for --scheduler to answer."),
    ]):
        fn = opt(fn)
    return fn


def echo_summary(summary: Any, as_json: bool = False) -> int:
    """Print a job's summary (failures one line each) and return its exit status."""
    from tracker.jobs import summary_lines

    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        lines = summary_lines(summary)
        click.echo(lines[0])
        for ln in lines[1:]:
            click.echo(ln, err=True)
    return int(ExitStatus.FOUND) if summary.failures else int(ExitStatus.OK)


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--pack", envvar="GUIDANCE_TRACKER_PACK", help="Domain pack name or folder (default children-safeguarding).")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@engine_options
@click.option("--json", "as_json", is_flag=True, help="Print the job summary as JSON.")
@click.option("--db", envvar="GUIDANCE_TRACKER_DB", type=click.Path(dir_okay=False),
              help="The version store (default: $GUIDANCE_TRACKER_DB, else guidance-tracker.db in the user data folder).")
@mapped
def scan(names: tuple[str, ...], pack: str | None, model: str | None, engine: str, scheduler: str | None,
         workers: int | None, connect_timeout: float, as_json: bool, db: str | None) -> int:
    """Compare every consecutive pair of stored versions not yet compared (of every
    document, or those NAMEd) and store the comparisons, tags and impacts.

    Resumable: a second run does only what is missing. Comparisons are keyed by
    both versions' hashes, the pack's hash and the model, so editing the pack makes
    the next scan redo them. Exit 1 when any pair failed (each listed on one line);
    the others are stored.

    \b
    Example:
        guidance-tracker scan --db store.db
        guidance-tracker scan working-together --engine dask --workers 2
        guidance-tracker scan --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from tracker.jobs import engine as make_engine
    from tracker.packs import load_pack
    from tracker.scan import run_scan
    from tracker.store import open_store

    pk = load_pack(pack)
    store = open_store(db, create=False)
    try:
        with make_engine(engine, scheduler=scheduler, workers=workers, connect_timeout=connect_timeout) as eng:
            summary = run_scan(store, list(names) or None, pk, model, eng)
    finally:
        store.close()
    return echo_summary(summary, as_json)
