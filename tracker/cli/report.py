"""CLI commands (report). Registered on tracker.cli.cli when imported."""

from tracker.cli import cli  # noqa: F401
