"""The library's typed errors and the CLI's exit statuses.

The library raises; only ``tracker.cli`` turns an error into an exit status and one
line on standard error. Every message says what happened, then the cause, then the
fix, so a user can act on it without reading code.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "BadInput",
    "ExitStatus",
    "FetchError",
    "NotFound",
    "PackError",
    "StoreError",
    "TrackerError",
    "UnsupportedFormat",
]


class ExitStatus(IntEnum):
    """What the process tells its caller (as ``diff(1)``: 2 is trouble)."""

    OK = 0
    """It ran, whatever it found."""
    FOUND = 1
    """``--fail-on`` threshold met, or some documents of a batch failed."""
    BAD_INPUT = 2
    """Bad input or usage: nothing was written."""
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
