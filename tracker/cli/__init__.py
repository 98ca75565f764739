"""The command line: ``guidance-tracker`` / ``python -m tracker``.

One click group; commands live in the modules imported at the bottom, one module per
area. The library raises ``TrackerError``; only ``main`` turns it into one line on
standard error and an exit status (``tracker.errors.ExitStatus``).
"""

from __future__ import annotations

import sys

import click

from tracker import __version__
from tracker.errors import ExitStatus, TrackerError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guidance-tracker")
def cli() -> None:
    """Watch statutory guidance, diff its versions, and report what changed in who
    is accountable for what.

    \b
    Example:
        guidance-tracker compare old.pdf new.html --format html --out report.html
    """


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map library errors to one line and an exit status."""
    try:
        rv = cli.main(args=argv, prog_name="guidance-tracker", standalone_mode=False)
    except TrackerError as e:
        click.echo(f"Error: {e.one_line()}", err=True)
        sys.exit(int(e.exit_status))
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))
    except click.ClickException as e:
        e.show()
        sys.exit(2 if isinstance(e, click.UsageError) else e.exit_code)
    except KeyboardInterrupt:
        sys.exit(int(ExitStatus.INTERRUPTED))
    sys.exit(int(rv or 0) if isinstance(rv, int) else 0)


# Command modules register themselves on ``cli`` when imported.
from tracker.cli import compare as _compare  # noqa: E402,F401
from tracker.cli import store as _store  # noqa: E402,F401
from tracker.cli import report as _report  # noqa: E402,F401
from tracker.cli import consult as _consult  # noqa: E402,F401
from tracker.cli import procedures as _procedures  # noqa: E402,F401
from tracker.cli import jobs as _jobs  # noqa: E402,F401
