"""The command line: ``guidance-tracker`` / ``python -m tracker``.

One click group; commands live in the modules imported at the bottom, one module per
area. The library raises ``TrackerError``; only ``main`` turns it into one line on
standard error and an exit status (``tracker.errors.ExitStatus``). ``main`` also turns
usage errors (exit 2), OS errors such as an unwritable ``--out`` (exit 2) and any other
exception (an internal error, exit 70; traceback only with ``GUIDANCE_TRACKER_DEBUG``)
into one line. Commands decorated with ``mapped`` do the same under click's test runner.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from tracker import __version__
from tracker.errors import ExitStatus, OutputError, TrackerError, file_in_the_way

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Failed", "cli", "error_line", "main", "mapped", "write_output"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guidance-tracker")
def cli() -> None:
    """Watch statutory guidance, diff its versions, and report what changed in who
    is accountable for what.

    \b
    Example:
        guidance-tracker compare old.pdf new.html --format html --out report.html
    """


DEBUG_ENV = "GUIDANCE_TRACKER_DEBUG"
"""Set it (to anything) to see the traceback of an internal error."""


def _one(text: object) -> str:
    return " ".join(str(text).split())


def _sentence(text: object) -> str:
    """One line ending in a full stop (or the ``?``/``!`` it has)."""
    line = _one(text)
    return line if line.endswith((".", "?", "!")) else line + "."


def _shown_path(filename: object) -> str:
    """The path as the user gave it: an atomic write's ``.NAME.tmp`` shows as NAME."""
    p = Path(os.fsdecode(filename)) if isinstance(filename, (str, bytes, os.PathLike)) else None
    if p is None:
        return ""
    if p.name.startswith(".") and p.name.endswith(".tmp") and len(p.name) > 5:
        p = p.with_name(p.name[1:-4])
    return str(p)


def error_line(e: BaseException) -> tuple[str, int]:
    """One line for standard error (starting ``Error:``) and the exit status, for any error."""
    if isinstance(e, TrackerError):
        return f"Error: {e.one_line()}", int(e.exit_status)
    if isinstance(e, click.UsageError):
        cmd = e.ctx.command_path if e.ctx is not None else "guidance-tracker"
        return f"Error: {_sentence(e.format_message())} To fix: see `{cmd} --help`.", int(ExitStatus.BAD_INPUT)
    if isinstance(e, click.ClickException):
        status = int(ExitStatus.BAD_INPUT) if isinstance(e, click.FileError) else e.exit_code
        return f"Error: {_one(e.format_message())}", status
    if isinstance(e, OSError):
        path = _shown_path(e.filename)
        blocker = file_in_the_way(e)
        what = f"cannot write or read {path}" if path else "a file cannot be written or read"
        cause = f"{blocker} is a file, not a folder" if blocker is not None else _one(e.strerror or e)
        return (f"Error: {what}: {_sentence(cause)} To fix: check that the path exists, is a folder where a "
                "folder is needed, and can be written; or pick another path.", int(ExitStatus.BAD_INPUT))
    detail = _sentence(_one(e)[:300] or "no message")
    return (f"Error: internal error: {type(e).__name__}: {detail} To fix: rerun with {DEBUG_ENV}=1 for the "
            "traceback and report it.", int(ExitStatus.INTERNAL))


class Failed(click.ClickException):
    """Any error at the CLI edge as one line and its exit status (so click's test runner
    shows what ``main`` would)."""

    def __init__(self, e: BaseException) -> None:
        line, status = error_line(e)
        super().__init__(line.removeprefix("Error: "))
        self.exit_code = status


def mapped(fn: F) -> F:
    """Decorate a command: library errors, OS errors and bugs become one line (``Failed``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except TrackerError as e:
            raise Failed(e) from None
        except Exception as e:  # noqa: BLE001 - the edge: one line, never a traceback
            if os.environ.get(DEBUG_ENV) and not isinstance(e, OSError):
                raise
            raise Failed(e) from None

    return wrapper  # type: ignore[return-value]


def write_output(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file renamed into place).

    Raises:
        OutputError: it cannot be written; nothing is left behind.
    """
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(p))
        tmp.write_bytes(data)
        tmp.replace(p)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OutputError.writing(p, e) from None
    return p


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map every error to one line on standard error and an exit status.

    Library errors keep their own status (2 for bad input), usage errors exit 2, an
    OS error (a path that cannot be written or read) exits 2, anything else is an
    internal error: exit 70, with the traceback only when ``GUIDANCE_TRACKER_DEBUG``
    is set.
    """
    try:
        rv = cli.main(args=argv, prog_name="guidance-tracker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(int(ExitStatus.INTERRUPTED))
    except KeyboardInterrupt:
        sys.exit(int(ExitStatus.INTERRUPTED))
    except Exception as e:  # noqa: BLE001 - the edge: one line, never a traceback
        line, status = error_line(e)
        if status == ExitStatus.INTERNAL and os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        click.echo(line, err=True)
        sys.exit(status)
    sys.exit(int(rv or 0) if isinstance(rv, int) else 0)


# Command modules register themselves on ``cli`` when imported.
from tracker.cli import compare as _compare  # noqa: E402,F401
from tracker.cli import store as _store  # noqa: E402,F401
from tracker.cli import report as _report  # noqa: E402,F401
from tracker.cli import consult as _consult  # noqa: E402,F401
from tracker.cli import procedures as _procedures  # noqa: E402,F401
from tracker.cli import jobs as _jobs  # noqa: E402,F401
