"""The renderer registry: built-ins registered, files written atomically, CLI wired."""

from __future__ import annotations

import pytest

from tracker.errors import BadInput
from tracker.render import RENDERERS, extension, formats, register, render, write_report


def test_render_registry_has_builtins():
    assert {"json", "md", "html", "csv", "docx"} <= set(formats())
    assert [extension(f) for f in ("md", "html", "csv", "docx")] == ["md", "html", "csv", "docx"]


def test_render_registry_unknown_format_is_bad_input(render_report):
    with pytest.raises(BadInput):
        render(render_report, "pdfx")


def test_render_registry_extension_registers_like_builtins(render_report):
    @register("ids", "txt")
    def render_ids(report):
        return "\n".join(c.id for c in report.changes).encode()

    try:
        assert render(render_report, "ids").startswith(b"c0001")
    finally:
        RENDERERS.pop("ids")


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "docx"])
def test_render_registry_write_report(render_report, tmp_path, fmt):
    p = write_report(render_report, fmt, tmp_path / "out" / f"report.{extension(fmt)}")
    assert p.exists() and p.stat().st_size > 500
    assert not list(p.parent.glob(".*.tmp"))


def test_render_registry_cli_writes_all_formats(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli

    golden = __import__("fixtures_render").GOLDEN / "assessment-chapter"
    res = CliRunner().invoke(cli, ["compare", str(golden / "old.md"), str(golden / "new.md"), "-f", "html,md,csv,docx", "-o", str(tmp_path), "--no-summary"])
    assert res.exit_code == 0, res.output
    for ext in ("html", "md", "csv", "docx"):
        assert (tmp_path / f"report.{ext}").stat().st_size > 500
