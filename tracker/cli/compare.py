"""CLI: compare, demo, eval (bench lives in tracker.bench)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tracker.cli import cli, mapped
from tracker.errors import BadInput, ExitStatus
from tracker.models import SEVERITIES, Document, Report

FAIL_LEVELS = {"high": 1, "medium": 2, "low": 3, "any": 4}


def load_side(arg: str, db: str | None) -> Document:
    """A file path, or a stored version reference ``NAME@N`` / ``NAME@latest`` / ``NAME@LABEL``."""
    from tracker.ingest import parse_file

    p = Path(arg)
    if p.exists() or "@" not in arg:
        return parse_file(p)
    from tracker.store import open_store

    return open_store(db, create=False).document(arg)


def compare_refs(old: str, new: str, db: str | None, pack: str | None, model: str | None) -> Report:
    """Compare two sides; stored pairs go through the store's comparison cache."""
    a, b = Path(old), Path(new)
    if not a.exists() and "@" in old and not b.exists() and "@" in new:
        from tracker.store import open_store

        return open_store(db, create=False).compare(old, new, pack=pack, model=model)
    from tracker.compare import compare_documents

    return compare_documents(load_side(old, db), load_side(new, db), pack=pack, model=model)


def fail_status(report: Report, fail_on: str | None) -> int:
    """Exit status for ``--fail-on``: 1 when a change at or above the level was found."""
    if not fail_on:
        return int(ExitStatus.OK)
    if fail_on == "any":
        return int(ExitStatus.FOUND) if any(c.accountability for c in report.changes) else 0
    limit = SEVERITIES.index(fail_on)
    hit = any(SEVERITIES.index(c.impact.severity) <= limit for c in report.changes if c.impact.severity != "none")
    return int(ExitStatus.FOUND) if hit else int(ExitStatus.OK)


def print_summary(report: Report, out=None) -> None:
    """A short summary table on the terminal (rich)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=True)
    s = report.summary
    console.print(f"[bold]{report.old.label}[/] -> [bold]{report.new.label}[/]   ({report.tool.model})")
    t = Table(title=None, show_header=True, header_style="bold")
    t.add_column("units old/new")
    t.add_column("unchanged")
    for k in ("added", "deleted", "modified", "moved"):
        t.add_column(k)
    t.add_row(f"{s.units_old}/{s.units_new}", str(s.unchanged), *(str(s.by_kind.get(k, 0)) for k in ("added", "deleted", "modified", "moved")))
    console.print(t)
    if s.by_tag:
        from tracker.render._common import changes_by_tag

        t2 = Table(show_header=True, header_style="bold")
        t2.add_column("tag")
        t2.add_column("changes", justify="right")
        t2.add_column("tags", justify="right")
        for k, (changes, tags) in changes_by_tag(report).items():
            t2.add_row(k, str(changes), str(tags))
        console.print(t2)
    sev = ", ".join(f"{k} {v}" for k, v in s.by_severity.items() if v)
    console.print(f"severity: {sev or 'none'}")
    shifts = [report.change(i) for i in s.top_shifts[:5]]
    for c in shifts:
        u = c.new or c.old
        console.print(f"  [{c.impact.severity}] {u.path_str if u else c.id}: {c.impact.summary}", markup=False)


def formats_of(value: tuple[str, ...]) -> list[str]:
    """``--format`` values, repeated or comma-separated, lower-cased, first mention first."""
    out: list[str] = []
    for v in value:
        out += [f.strip().lower() for f in v.split(",") if f.strip()]
    return list(dict.fromkeys(out))


_formats = formats_of


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "-f", "fmt", multiple=True, help="json, md, html, csv, docx; repeat or comma-separate for several (default: md to the terminal).")
@click.option("--out", "-o", type=click.Path(dir_okay=True), help="File to write (one format) or folder (several formats).")
@click.option("--pack", envvar="GUIDANCE_TRACKER_PACK", help="Domain pack name or folder (default children-safeguarding).")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@click.option("--db", envvar="GUIDANCE_TRACKER_DB", type=click.Path(dir_okay=False), help="Version store, for NAME@VERSION arguments.")
@click.option("--fail-on", type=click.Choice(["high", "medium", "low", "any"]), help="Exit 1 when a change at or above this severity is found.")
@click.option("--summary/--no-summary", default=None, help="Print the summary table (default: when writing files).")
@mapped
def compare(old: str, new: str, fmt: tuple[str, ...], out: str | None, pack: str | None, model: str | None, db: str | None, fail_on: str | None, summary: bool | None) -> int:
    """Compare two versions of a guidance document.

    OLD and NEW are files (HTML, PDF, DOCX, Markdown or text, sniffed from their
    content) or stored versions (NAME@3, NAME@latest, NAME@previous, NAME@LABEL).

    Exit status: 0 when it ran, 1 with --fail-on when a change at or above that
    severity was found, 2 on bad input.

    \b
    Example:
        guidance-tracker compare wt2015.pdf wt2018.pdf --format html,json --out reports/
        guidance-tracker compare old.md new.md --format json | jq .summary
        guidance-tracker compare procedures-v1.docx procedures-v2.docx --fail-on high
    """
    from tracker.render import extension, formats, render, write_report

    fmts = _formats(fmt) or (["md"] if not out else [])
    if out and not fmts:
        suffix = Path(out).suffix.lstrip(".").lower()
        fmts = [{"markdown": "md", "htm": "html"}.get(suffix, suffix)] if suffix else ["html", "json", "md"]
    known = formats()
    for f in fmts:
        if f not in known:
            raise BadInput(f"unknown format {f!r}", f"formats are {', '.join(known)}", "pick from them")
    report = compare_refs(old, new, db, pack, model)
    if out is None:
        if len(fmts) > 1:
            raise BadInput("several formats need --out FOLDER", None, "add --out DIR or give one --format")
        data = render(report, fmts[0])
        if fmts[0] == "docx":
            raise BadInput("DOCX is binary and cannot go to the terminal", None, "add --out report.docx")
        click.echo(data.decode("utf-8"), nl=False)
        if summary:
            print_summary(report, sys.stderr)
        return fail_status(report, fail_on)
    target = Path(out)
    written = []
    if len(fmts) == 1 and (target.suffix or not target.is_dir()) and target.suffix:
        written.append(write_report(report, fmts[0], target))
    else:
        for f in fmts:
            written.append(write_report(report, f, target / f"report.{extension(f)}"))
    if summary is not False:
        print_summary(report)
        for w in written:
            click.echo(f"wrote {w}")
    return fail_status(report, fail_on)


@cli.command()
@click.option("--out", "-o", default="outputs/demo", show_default=True, type=click.Path(file_okay=False), help="Folder for the reports.")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@mapped
def demo(out: str, model: str | None) -> int:
    """Compare the sample guidance versions in corpora/sample and write reports.

    Writes report.html, report.json and report.md (and report.csv, report.docx where
    those renderers are installed) and prints a summary table.

    \b
    Example:
        guidance-tracker demo --out outputs/demo
    """
    from tracker.compare import compare_files
    from tracker.render import formats, write_report

    root = Path(__file__).resolve().parents[2] / "corpora" / "sample"
    candidates = [("v1.pdf", "v2.pdf"), ("v1.html", "v2.html"), ("v1.md", "v2.md")]
    pair = next(((root / a, root / b) for a, b in candidates if (root / a).exists() and (root / b).exists()), None)
    if pair is None:
        raise BadInput(f"the sample corpus is missing from {root}", None, "run from a full checkout of guidance-tracker")
    report = compare_files(pair[0], pair[1], model=model)
    target = Path(out)
    for f in ("html", "json", "md", "csv", "docx"):
        if f in formats():
            p = write_report(report, f, target / f"report.{'md' if f == 'md' else f}")
            click.echo(f"wrote {p}")
    print_summary(report)
    return 0


@cli.command(name="eval")
@click.argument("pairs", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--verbose", "-v", is_flag=True, help="List each missed and extra tag.")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@mapped
def eval_cmd(pairs: tuple[str, ...], verbose: bool, model: str | None) -> int:
    """Score tagging on labelled before/after pairs (precision, recall, F1).

    With no PAIRS, scores ../shared/eval/dev.jsonl (if present) and the project's own
    labelled pairs in tests/eval/*.jsonl, each separately.

    \b
    Example:
        guidance-tracker eval
        guidance-tracker eval tests/eval/hard_cases.jsonl -v
    """
    from tracker.evaluate import default_pair_files, score_file

    files = [Path(p) for p in pairs] or default_pair_files()
    if model:
        os.environ["GUIDANCE_TRACKER_MODEL"] = model
    for f in files:
        res = score_file(f, verbose=verbose, echo=click.echo)
        click.echo(f"{f}: f1 {res['f1']:.3f} precision {res['precision']:.3f} recall {res['recall']:.3f} (tp {res['tp']} fp {res['fp']} fn {res['fn']}, {res['pairs']} pairs)")
    return 0


def _sizes(ctx: click.Context, param: click.Parameter, value: str) -> list[int]:
    """``--sizes``: comma-separated word counts, each a whole number from 1 to 5,000,000."""
    parts = [p.strip().replace("_", "") for p in value.split(",") if p.strip()]
    if not parts:
        raise click.BadParameter("give at least one word count, e.g. 50000,200000")
    out = []
    for p in parts:
        if not (p.isascii() and p.isdigit()) or not 1 <= int(p) <= 5_000_000:
            raise click.BadParameter(f"{p!r} is not a word count from 1 to 5000000 (give e.g. 50000,200000)")
        out.append(int(p))
    return out


@cli.command()
@click.option("--sizes", default="50000,200000", show_default=True, callback=_sizes, help="Comma-separated word counts of the generated pairs.")
@click.option("--seed", default=7, show_default=True)
@click.option("--no-peers", is_flag=True, help="Skip timing redlines and difflib (faster).")
@click.option("--jobs", is_flag=True, help="Benchmark batch jobs on each execution engine instead.")
@mapped
def bench(sizes: list[int], seed: int, no_peers: bool, jobs: bool) -> int:
    """Time compare_texts on generated guidance against redlines and difflib.ndiff.

    Prints, for each size, our time as a ratio of each peer's (run in the same
    process on the same pair), the growth from the first size to the last, and
    peak memory.

    \b
    Example:
        guidance-tracker bench
        guidance-tracker bench --sizes 20000 --no-peers
    """
    from tracker.bench import run_bench

    return run_bench(sizes, seed=seed, peers=not no_peers, jobs=jobs, echo=click.echo)
