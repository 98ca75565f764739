"""The library's typed errors and the CLI's exit statuses.

The library raises; only ``tracker.cli`` turns an error into an exit status and one
line on standard error. Every message says what happened, then the cause, then the
fix, so a user can act on it without reading code.
"""

from __future__ import annotations

import errno
import os
from enum import IntEnum
from pathlib import Path

__all__ = [
    "BadInput",
    "ExitStatus",
    "FetchError",
    "NotFound",
    "OutputError",
    "PackError",
    "StoreError",
    "TrackerError",
    "UnsupportedFormat",
    "file_in_the_way",
]


class ExitStatus(IntEnum):
    """What the process tells its caller (as ``diff(1)``: 2 is trouble)."""

    OK = 0
    """It ran, whatever it found."""
    FOUND = 1
    """``--fail-on`` threshold met, or some documents of a batch failed."""
    BAD_INPUT = 2
    """Bad input or usage: nothing was written."""
    INTERNAL = 70
    """A bug: an error the library did not expect (``EX_SOFTWARE``)."""
    INTERRUPTED = 130


class TrackerError(Exception):
    """Base of every error the library raises on purpose.

    Args:
        what: what happened, naming the file, URL or rule concerned.
        cause: why, if known.
        fix: what the user can do about it.
    """

    exit_status: ExitStatus = ExitStatus.BAD_INPUT

    def __init__(self, what: str, cause: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.cause = cause
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as one line: ``what (cause). To fix: fix``."""
        line = self.what.rstrip(".")
        if self.cause:
            line += f": {self.cause.rstrip('.')}"
        line += "."
        if self.fix:
            line += f" To fix: {self.fix.rstrip('.')}."
        return " ".join(line.split())


class BadInput(TrackerError):
    """A file or text that cannot be read as guidance (empty, garbage, truncated)."""


class OutputError(BadInput):
    """An output path that cannot be written (missing or read-only folder, a file
    where a folder is needed, a folder where a file is needed)."""

    @classmethod
    def writing(cls, path: str | os.PathLike[str], e: OSError) -> OutputError:
        """The error for ``e``, raised while writing ``path`` (a file, or a folder to create)."""
        p = Path(path)
        blocker = file_in_the_way(e, p)
        if blocker is not None:
            cause = f"{blocker} is a file, not a folder"
            fix = "give --out a folder that is not an existing file, or a file name for one format"
        elif e.errno == errno.EISDIR or p.is_dir():
            cause = f"{p} is a folder"
            fix = "give --out a file name (e.g. report.html), or a folder for several formats"
        elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            cause = e.strerror or "permission denied"
            fix = "pick a folder you can write to"
        else:
            cause = e.strerror or type(e).__name__
            fix = "check the folder exists and can be written, or pick another --out"
        return cls(f"cannot write {p}", cause, fix)


def file_in_the_way(e: OSError, path: str | os.PathLike[str] | None = None) -> Path | None:
    """For an OS error raised because a file stands where a folder is needed (``EEXIST``
    from making a folder, ``ENOTDIR``), that file; else None."""
    if e.errno not in (errno.EEXIST, errno.ENOTDIR):
        return None
    name = e.filename if isinstance(e.filename, (str, os.PathLike)) else path
    if name is None:
        return None
    where = Path(name)
    return next((q for q in (where, *where.parents) if q.is_file()), None)


class UnsupportedFormat(BadInput):
    """Bytes in a format the ingest stage does not parse."""


class PackError(TrackerError):
    """A domain pack that is missing or does not validate."""


class FetchError(TrackerError):
    """A URL that could not be fetched (network, HTTP status, size, type, robots)."""

    exit_status = ExitStatus.FOUND


class StoreError(TrackerError):
    """The version store cannot do what was asked (locked, corrupt, migration)."""


class NotFound(TrackerError):
    """A document, version or comparison that the store does not hold."""
