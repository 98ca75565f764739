"""CLI commands (consult). Registered on tracker.cli.cli when imported."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli import cli
from tracker.cli.compare import formats_of as _formats
from tracker.errors import BadInput



@cli.command()
@click.argument("previous")
@click.argument("draft")
@click.argument("final")
@click.option("--responses", "-r", multiple=True, help="A consultation response (HTML, PDF, DOCX, Markdown or text); repeat for several.")
@click.option("--format", "-f", "fmt", multiple=True, help="json, md, html, csv, docx; repeat or comma-separate for several (default: md to the terminal).")
@click.option("--out", "-o", type=click.Path(dir_okay=True), help="File to write (one format) or folder (several formats).")
@click.option("--pack", envvar="GUIDANCE_TRACKER_PACK", help="Domain pack name or folder (default children-safeguarding).")
@click.option("--model", help="spaCy pipeline to use, or 'rules-only'.")
@click.option("--db", envvar="GUIDANCE_TRACKER_DB", type=click.Path(dir_okay=False), help="Version store, for NAME@VERSION arguments.")
def consultation(previous: str, draft: str, final: str, responses: tuple[str, ...], fmt: tuple[str, ...], out: str | None, pack: str | None, model: str | None, db: str | None) -> int:
    """Track a consultation: which proposals of the draft survived into the final text.

    PREVIOUS (the guidance in force), DRAFT (the consultation draft) and FINAL are files
    (HTML, PDF, DOCX, Markdown or text) or stored versions (NAME@3, NAME@LABEL). Each
    edit the draft proposed is retained, dropped or modified in the final; edits the
    final made that the draft never proposed are new in final. Response points are
    linked to the edits they quote, paraphrase or refer to by paragraph number.

    Exit status: 0 when it ran, 2 on bad input.

    \b
    Example:
        guidance-tracker consultation wt2015.pdf draft2017.pdf wt2018.pdf \\
            --responses basw.docx --responses government-response.html \\
            --format html,json --out consultation/
        guidance-tracker consultation wt@1 wt@draft wt@latest --format json | jq .dropped
    """
    from tracker.cli.compare import load_side
    from tracker.consult import track
    from tracker.render.consultation import CONSULTATION_FORMATS, consultation_extension, render_consultation

    fmts = _formats(fmt) or (["md"] if not out else [])
    if out and not fmts:
        suffix = Path(out).suffix.lstrip(".").lower()
        fmts = [{"markdown": "md", "htm": "html"}.get(suffix, suffix)] if suffix else ["html", "json", "md"]
    for f in fmts:
        if f not in CONSULTATION_FORMATS:
            raise BadInput(f"unknown format {f!r}", f"formats are {', '.join(CONSULTATION_FORMATS)}", "pick from them")
    if out is None and len(fmts) > 1:
        raise BadInput("several formats need --out FOLDER", None, "add --out DIR or give one --format")
    if out is None and fmts[0] == "docx":
        raise BadInput("DOCX is binary and cannot go to the terminal", None, "add --out consultation.docx")
    docs = [load_side(x, db) for x in (previous, draft, final)]
    resp = [load_side(x, db) for x in responses]
    report = track(docs[0], docs[1], docs[2], resp, pack=pack, nlp=model)
    if out is None:
        click.echo(render_consultation(report, fmts[0]).decode("utf-8"), nl=False)
        return 0
    target = Path(out)
    if len(fmts) == 1 and target.suffix:
        paths = [(fmts[0], target)]
    else:
        paths = [(f, target / f"consultation.{consultation_extension(f)}") for f in fmts]
    rendered = [(p, render_consultation(report, f)) for f, p in paths]
    for p, data in rendered:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(p)
        click.echo(f"wrote {p}")
    s = report.summary()
    click.echo(", ".join(f"{k.replace('_', ' ')} {n}" for k, n in s["by_status"].items()) + f"; retained despite objection {s['retained_despite_objection']}")
    return 0
