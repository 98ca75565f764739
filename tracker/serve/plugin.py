"""The Datasette plugin of ``guidance-tracker serve`` (registered in code, no entry point).

- ``/-/redline/<comparison id>/<change id>``: one change as a redline, from the stored
  diff, with its tags, the words they rest on and its impact (Datasette's page style;
  all text autoescaped by Datasette's Jinja environment).
- ``/-/report/<comparison id>``: the stored report rendered by ``tracker.render`` (the
  self-contained HTML report, its own Content-Security-Policy included).
- link cells: the canned queries' ``redline``, ``report``, ``versions_link`` and
  ``changes_link`` columns become links; change notes keep their line breaks.
- every connection to the store is ``PRAGMA query_only``.

The hooks act only on a Datasette made by ``tracker.serve.make_datasette``.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Base400, NotFound, Response
from markupsafe import Markup, escape

PLUGIN_NAME = "guidance-tracker"
LINK_LABELS = {"redline": "redline", "report": "report", "versions_link": "versions", "changes_link": "changes"}


def register() -> None:
    """Register the plugin with Datasette's plugin manager (once per process)."""
    import sys

    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    if pm.get_plugin("datasette.handle_exception") is not None:  # ours calls it for other instances
        pm.unregister(name="datasette.handle_exception")


def _ours(datasette: Any) -> dict[str, str] | None:
    return getattr(datasette, "_guidance_tracker", None)


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    mark = _ours(datasette)
    if mark and database == mark["db"]:
        conn.execute("PRAGMA query_only = 1")


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    mark = _ours(datasette)
    if not mark or database != mark["db"] or not isinstance(value, str):
        return None
    if column in LINK_LABELS and value.startswith("/") and not value.startswith("//"):
        return Markup('<a href="{}">{}</a>').format(datasette.urls.path(value), LINK_LABELS[column])
    if column == "change_notes" and table is None and "\n" in value:
        return Markup("<br>").join(escape(line) for line in value.split("\n"))
    return None


async def _report_dict(datasette: Any, comparison_id: int) -> tuple[dict[str, Any], Any]:
    db = datasette.get_database(_ours(datasette)["db"])
    row = (await db.execute("select id, old_sha, new_sha, report from comparisons where id = ?", [comparison_id])).first()
    if row is None:
        raise NotFound(f"No comparison {comparison_id} in the store")
    return json.loads(row["report"]), row


async def _refs(datasette: Any, sha: str) -> str:
    db = datasette.get_database(_ours(datasette)["db"])
    rows = (await db.execute("select document || '@' || seq as ref from versions where sha256 = ? order by id", [sha])).rows
    return ", ".join(r["ref"] for r in rows) or sha[:12]


async def redline_view(datasette: Any, request: Any) -> Response:
    from dataclasses import replace

    from tracker.render._common import AUDIENCE_NAMES, SEVERITY_NAMES, build_view
    from tracker.store.reports import report_from_dict

    cid = int(request.url_vars["comparison_id"])
    change_id = request.url_vars["change_id"]
    d, row = await _report_dict(datasette, cid)
    report = report_from_dict(d)
    try:
        change = report.change(change_id)
    except KeyError:
        raise NotFound(f"No change {change_id} in comparison {cid}") from None
    cv = build_view(replace(report, changes=(change,))).changes[0]
    html = await datasette.render_template("gt_redline.html", {
        "cv": cv, "report": report, "comparison_id": cid, "old_ref": await _refs(datasette, row["old_sha"]),
        "new_ref": await _refs(datasette, row["new_sha"]), "SEVERITY_NAMES": SEVERITY_NAMES, "AUDIENCE_NAMES": AUDIENCE_NAMES,
        "db_name": _ours(datasette)["db"],
    }, request=request)
    return Response.html(html)


async def report_view(datasette: Any, request: Any) -> Response:
    from tracker.render import render
    from tracker.store.reports import report_from_dict

    d, _ = await _report_dict(datasette, int(request.url_vars["comparison_id"]))
    body = render(report_from_dict(d), "html")
    return Response.html(body.decode("utf-8"), headers={"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Error pages without a console traceback for a mere 404 or bad SQL.

    Datasette 0.65's own handler (which this one replaces, see ``register``) prints a
    full traceback for every error, and fails on a plain 404 when ``rich`` is installed;
    other Datasette instances in the process still get that handler.
    """
    from datasette import handle_exception as default
    from datasette.views.base import DatasetteError

    if not _ours(datasette):
        return default.handle_exception(datasette=datasette, request=request, exception=exception)
    if isinstance(exception, Base400):
        status, title, message = exception.status, None, str(exception.args[0]) if exception.args else "Not found"
    elif isinstance(exception, DatasetteError):
        status, title = exception.status, exception.title
        message = Markup(exception.message) if exception.message_is_html else exception.message  # Datasette's own HTML
    else:
        import sys
        import traceback

        status, title, message = 500, "Internal error", "".join(traceback.format_exception_only(type(exception), exception)).strip()
        print(f"guidance-tracker serve: {request.path}: {message}", file=sys.stderr)

    async def inner() -> Response:
        info = {"ok": False, "error": message, "status": status, "title": title}
        if request.path.split("?")[0].endswith(".json"):
            return Response.json({**info, "error": str(message)}, status=status)
        html = await datasette.render_template(["%d.html" % status, "error.html"], info, request=request)
        return Response.html(html, status=status)

    return inner


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    if not _ours(datasette):
        return []
    return [
        (r"^/-/redline/(?P<comparison_id>[0-9]{1,18})/(?P<change_id>[A-Za-z0-9_.-]{1,64})$", redline_view),
        (r"^/-/report/(?P<comparison_id>[0-9]{1,18})$", report_view),
    ]
