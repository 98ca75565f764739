"""Renderers: Report -> bytes, one per format, in a plain registry.

``RENDERERS`` maps a format name to ``(function, file extension)``; built-in formats
register exactly as an extension would. Markup lives here and in ``templates/`` only:
the diff and the report are format-neutral.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from tracker.errors import BadInput
from tracker.models import Report

__all__ = ["RENDERERS", "register", "render", "write_report"]

Renderer = Callable[[Report], bytes]
RENDERERS: dict[str, tuple[Renderer, str]] = {}


def register(fmt: str, ext: str) -> Callable[[Renderer], Renderer]:
    """Decorator: register a renderer for ``fmt`` writing files ending ``.ext``."""

    def deco(fn: Renderer) -> Renderer:
        RENDERERS[fmt] = (fn, ext)
        return fn

    return deco


@register("json", "json")
def render_json(report: Report) -> bytes:
    """The JSON report of ``shared/spec/report.schema.json``."""
    return (json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render(report: Report, fmt: str) -> bytes:
    """Render ``report`` as ``fmt``.

    Raises:
        BadInput: unknown format.
    """
    _load_builtins()
    if fmt not in RENDERERS:
        raise BadInput(f"unknown report format {fmt!r}", f"formats are {', '.join(sorted(RENDERERS))}", "pick one of them")
    return RENDERERS[fmt][0](report)


def extension(fmt: str) -> str:
    _load_builtins()
    return RENDERERS[fmt][1]


def write_report(report: Report, fmt: str, path: str | Path) -> Path:
    """Render and write atomically (a temporary file renamed into place).

    Raises:
        OutputError: the path cannot be written (nothing is left behind).
    """
    from tracker.errors import OutputError

    data = render(report, fmt)
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(p))
        tmp.write_bytes(data)
        tmp.replace(p)
    except OSError as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise OutputError.writing(p, e) from None
    return p


_LOADED = False


def _load_builtins() -> None:
    """Import the built-in renderer modules (they register themselves)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for mod in ("markdown", "html", "csv", "docx"):
        try:
            importlib.import_module(f"tracker.render.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"tracker.render.{mod}":
                raise


def formats() -> list[str]:
    _load_builtins()
    return sorted(RENDERERS)
