"""CLI: procedures (local procedures checked against a guidance change)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.cli import cli
from tracker.cli.compare import formats_of as _formats
from tracker.cli.jobs import engine_options
from tracker.errors import BadInput, ExitStatus
from tracker.models import SEVERITIES, ProceduresReport



def fail_status(report: ProceduresReport, fail_on: str | None) -> int:
    """1 when some local files could not be read, or when a finding that needs work
    (not ``follows_new``) is at or above the ``fail_on`` level."""
    if report.failures:
        return int(ExitStatus.FOUND)
    if not fail_on:
        return int(ExitStatus.OK)
    todo = [f for f in report.findings if f.status != "follows_new"]
    if fail_on == "any":
        return int(ExitStatus.FOUND) if todo else int(ExitStatus.OK)
    limit = SEVERITIES.index(fail_on)
    hit = any(f.severity in SEVERITIES and SEVERITIES.index(f.severity) <= limit for f in todo)
    return int(ExitStatus.FOUND) if hit else int(ExitStatus.OK)


def print_summary(report: ProceduresReport, out=None) -> None:  # type: ignore[no-untyped-def]
    """Counts and the first findings, on the terminal. Failures are counted here and
    listed once, on standard error (``warn_failures``)."""
    from rich.console import Console

    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=True)
    s = report.summary()
    extra = "".join([f", {s['failures']} could not be read" if s["failures"] else "",
                     f", {s['skipped']} skipped (not documents)" if s["skipped"] else ""])
    console.print(f"{report.old.label} -> {report.new.label}: {s['documents']} documents{extra}, {s['passages']} passages, "
                  f"{s['changes_checked']} changes looked for", markup=False)
    console.print("findings: " + ", ".join(f"{k} {v}" for k, v in s["by_status"].items()), markup=False)
    for f in [f for f in report.findings if f.status != "follows_new"][:5]:
        more = " (goes beyond the new guidance)" if f.stricter else ""
        console.print(f"  [{f.severity}] {f.status}{more} {f.document}: {f.section} ({f.change_id})", markup=False)


def warn_failures(report: ProceduresReport) -> None:
    """One line per local file that could not be read, on standard error."""
    for x in report.failures:
        click.echo(f"Warning: could not read {x.path}: {x.message}", err=True)


@cli.command()
@click.argument("old")
@click.argument("new")
@click.argument("local", nargs=-1, required=True)
@click.option("--format", "-f", "fmt", multiple=True, help="html, md, csv, docx, json; repeat or comma-separate for several (default: md to the terminal).")
@click.option("--out", "-o", type=click.Path(dir_okay=True), help="File to write (one format) or folder (several formats: procedures.EXT in it).")
@click.option("--pack", envvar="GUIDANCE_TRACKER_PACK", help="Domain pack name or folder (default children-safeguarding).")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@click.option("--db", envvar="GUIDANCE_TRACKER_DB", type=click.Path(dir_okay=False), help="Version store, for NAME@VERSION arguments.")
@click.option("--alias", "aliases", multiple=True, help="Another name local documents cite the guidance by (e.g. 'WT'); repeatable.")
@click.option("--fail-on", type=click.Choice(["high", "medium", "low", "any"]), help="Exit 1 when a finding that needs work is at or above this severity.")
@engine_options
def procedures(old: str, new: str, local: tuple[str, ...], fmt: tuple[str, ...], out: str | None, pack: str | None, model: str | None,
               db: str | None, aliases: tuple[str, ...], fail_on: str | None, engine: str, scheduler: str | None,
               workers: int | None, connect_timeout: float) -> int:
    """Find the passages of local procedures that restate guidance that changed.

    OLD and NEW are guidance files (HTML, PDF, DOCX, Markdown, text) or stored versions
    (NAME@3, NAME@latest, NAME@previous). LOCAL are local procedures or training
    material: files (always tried), or folders searched recursively for documents
    (.html .htm .pdf .docx .md .markdown .txt .text or no ending; hidden files and other
    types such as .json, .csv or images skipped and counted). Each
    passage that quotes, paraphrases or cites ("Working Together, paragraph 62",
    "para 62", "(WT 2018, 4.12)") a changed paragraph becomes a checklist item:
    contradicts_new (short of a rule the new guidance tightened or changed), follows_old
    (old wording; or a stricter rule the new guidance relaxed, which goes beyond it and
    is kept only by a deliberate local decision) or follows_new, with the change's
    severity as priority and the new wording applied to the local sentence where it fits
    (a relaxation only as a labelled option).

    A large folder can run on Dask workers (--engine dask, --workers N, or
    --scheduler tcp://HOST:PORT for an existing cluster); the report is the same.

    Exit status: 0 when it ran; 1 when some local files could not be read (each is
    listed in the report and once on standard error, the rest checked), or with --fail-on
    when a finding that needs work is at or above that severity; 2 on bad input (a
    path that does not exist, unreadable guidance, no readable local file), with one
    line on standard error and nothing written.

    \b
    Example:
        guidance-tracker procedures wt2015.pdf wt2018.pdf procedures/ --format html,csv --out checklist/
        guidance-tracker procedures wt@1 wt@2 manual.docx training/ --format json | jq '.findings[].status'
        guidance-tracker procedures old.md new.md local/ --alias WT --fail-on high
        guidance-tracker procedures wt@1 wt@2 manuals/ --engine dask --workers 2 --format csv --out checklist.csv
    """
    from tracker.cli.compare import load_side
    from tracker.jobs import engine as make_engine
    from tracker.procedures import check_paths, local_files
    from tracker.render.procedures import FORMATS, extension, render_procedures, write_procedures

    fmts = _formats(fmt)
    if out and not fmts:
        suffix = Path(out).suffix.lstrip(".").lower()
        fmts = [{"markdown": "md", "htm": "html"}.get(suffix, suffix)] if suffix else ["html", "csv", "json"]
    fmts = fmts or ["md"]
    for f in fmts:
        if f not in FORMATS:
            raise BadInput(f"unknown format {f!r}", f"formats are {', '.join(sorted(FORMATS))}", "pick from them")
    if out is None and len(fmts) > 1:
        raise BadInput("several formats need --out FOLDER", None, "add --out DIR or give one --format")
    if out is None and fmts[0] == "docx":
        raise BadInput("DOCX is binary and cannot go to the terminal", None, "add --out checklist.docx")
    local_files(local)  # every LOCAL path must exist: fail before the comparison
    old_doc, new_doc = load_side(old, db), load_side(new, db)
    with make_engine(engine, scheduler=scheduler, workers=workers, connect_timeout=connect_timeout) as eng:
        report = check_paths(old_doc, new_doc, local, pack=pack, model=model, aliases=aliases, eng=eng,
                             progress=out is not None)
    warn_failures(report)
    if out is None:
        click.echo(render_procedures(report, fmts[0]).decode("utf-8"), nl=False)
        return fail_status(report, fail_on)
    target = Path(out)
    written = []
    if len(fmts) == 1 and target.suffix and not target.is_dir():
        written.append(write_procedures(report, fmts[0], target))
    else:
        for f in fmts:
            written.append(write_procedures(report, f, target / f"procedures.{extension(f)}"))
    print_summary(report)
    for w in written:
        click.echo(f"wrote {w}")
    return fail_status(report, fail_on)
