"""Browse the version store in a web browser: Datasette, read-only, on 127.0.0.1.

Datasette (made for sqlite-utils databases) serves the store with titles and
descriptions, facets, and canned queries: documents, the versions of a document with
their change notes, comparisons, and changes filterable by tag, severity and role, each
linking to its redline. Every list exports as CSV or JSON (Datasette's own links). The
plugin in ``tracker.serve.plugin`` adds the redline page (from the stored diff) and
``/-/report/<comparison id>`` (the stored report, rendered by ``tracker.render``).

Read-only twice over: Datasette opens the file ``mode=ro`` (or ``immutable=1`` for a
snapshot), and the plugin sets ``PRAGMA query_only`` on every connection to it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from tracker.errors import BadInput, NotFound, StoreError

__all__ = ["DB_NAME", "check_store", "make_datasette", "metadata", "run"]

DB_NAME = "store"
"""The database's name in Datasette's URLs (``/store/changes``)."""
TEMPLATES = Path(__file__).resolve().parent / "templates"
_TABLES = ("documents", "versions", "units", "comparisons", "changes", "tags", "impacts")

_SQL_DOCUMENTS = """
select d.name, d.title, d.publisher, d.url, d.watched,
  (select count(*) from versions v where v.document = d.name) as versions,
  (select max(coalesce(v.published_at, v.archived_at, v.fetched_at, v.created)) from versions v where v.document = d.name) as latest,
  '/store/document_versions?document=' || d.name as versions_link
from documents d
order by d.name
"""

_SQL_VERSIONS = """
select v.seq, v.label,
  coalesce(v.published_at, v.archived_at, v.fetched_at, v.created) as date,
  v.origin, v.media_type, v.units, v.title,
  (select group_concat(coalesce(json_extract(j.value, '$.public_timestamp') || ': ', '') || coalesce(json_extract(j.value, '$.note'), ''), char(10))
     from json_each(coalesce(v.change_notes, '[]')) j) as change_notes,
  v.source, v.archive_url, v.sha256,
  (select '/-/report/' || c.id from comparisons c join versions p on p.sha256 = c.old_sha
     where p.document = v.document and p.seq = (select max(seq) from versions q where q.document = v.document and q.seq < v.seq)
       and c.new_sha = v.sha256 order by c.id desc limit 1) as report
from versions v
where v.document = :document
order by v.seq
"""

_SQL_COMPARISONS = """
select c.id,
  (select o.document || '@' || o.seq from versions o where o.sha256 = c.old_sha order by o.id limit 1) as old,
  (select n.document || '@' || n.seq from versions n where n.sha256 = c.new_sha order by n.id limit 1) as new,
  c.changes, c.accountability, c.pack, c.model_ran, c.created,
  '/-/report/' || c.id as report,
  '/store/find_changes?comparison=' || c.id as changes_link
from comparisons c
order by c.id desc
"""

_SQL_CHANGES = """
select c.comparison_id as comparison, c.change_id, c.kind, c.severity, c.path,
  (select group_concat(t.type || case when t.label is not null and t.label != '' then ' ' || t.label else '' end, '; ')
     from tags t where t.comparison_id = c.comparison_id and t.change_id = c.change_id) as tags,
  i.summary as impact,
  '/-/redline/' || c.comparison_id || '/' || c.change_id as redline
from changes c
left join impacts i on i.comparison_id = c.comparison_id and i.change_id = c.change_id
where (:comparison = '' or c.comparison_id = cast(:comparison as integer))
  and (:severity = '' or c.severity = :severity)
  and (:tag = '' or exists (select 1 from tags t where t.comparison_id = c.comparison_id and t.change_id = c.change_id and t.type = :tag))
  and (:role = '' or exists (select 1 from tags t where t.comparison_id = c.comparison_id and t.change_id = c.change_id
        and (t.role = :role or (t.type in ('ROLE_REPLACED', 'TERMINOLOGY') and :role in (t.from_value, t.to_value)))))
order by c.comparison_id desc, c.change_id
"""

_SQL_TAG_COUNTS = """
select t.type, count(*) as tags, count(distinct t.comparison_id || '/' || t.change_id) as changes,
  '/store/find_changes?tag=' || t.type as changes_link
from tags t
group by t.type
order by changes desc, t.type
"""


def metadata() -> dict[str, Any]:
    """Datasette metadata: titles, descriptions, facets and the canned queries."""
    return {
        "title": "guidance-tracker: the version store",
        "description": (
            "Stored versions of watched guidance, the comparisons between them, and every change "
            "with its accountability tags and practice impact. Read-only. Start with the canned "
            "queries below; every list downloads as CSV or JSON."
        ),
        "databases": {
            DB_NAME: {
                "title": "Version store",
                "description": "Documents, versions (append-only), comparisons, changes, tags and impacts.",
                "tables": {
                    "documents": {"title": "Documents", "description": "Tracked documents (watched or imported).", "label_column": "name"},
                    "versions": {
                        "title": "Versions", "description": "Every stored version, numbered per document (NAME@1, NAME@2...).",
                        "facets": ["document", "origin", "media_type"], "sort": "id",
                    },
                    "units": {"title": "Units", "description": "Headings, numbered paragraphs and list items of each version.", "facets": ["kind"]},
                    "comparisons": {"title": "Comparisons", "description": "Cached comparisons of two versions (by hash, pack and model)."},
                    "changes": {"title": "Changes", "description": "One row per reported change.", "facets": ["severity", "kind", "section"]},
                    "tags": {"title": "Tags", "description": "Accountability findings on changes (tag vocabulary of shared/spec/tags.md).", "facets": ["type", "role"]},
                    "impacts": {"title": "Impacts", "description": "The practice impact assessment of each change.", "facets": ["severity"]},
                    "_sqlite_migrations": {"hidden": True},
                },
                "queries": {
                    "all_documents": {"title": "Documents", "description": "Each tracked document, its versions and the date of the newest.", "sql": _SQL_DOCUMENTS.strip(), "hide_sql": True},
                    "document_versions": {
                        "title": "Versions of a document", "sql": _SQL_VERSIONS.strip(), "hide_sql": True,
                        "description": "Give a document name: its versions, oldest first, with the publisher's change notes and a link to the comparison with the version before (when one is stored).",
                    },
                    "all_comparisons": {"title": "Comparisons", "description": "Stored comparisons, newest first, with links to the full report and to their changes.", "sql": _SQL_COMPARISONS.strip(), "hide_sql": True},
                    "find_changes": {
                        "title": "Changes", "sql": _SQL_CHANGES.strip(), "hide_sql": True,
                        "description": "Every change, filterable by tag (e.g. ROLE_REMOVED), severity (high, medium, low, none), role (e.g. manager) and comparison id; leave a box empty to match all. Each row links to its redline.",
                    },
                    "tag_counts": {"title": "Tags by type", "description": "How many changes carry each tag, linking to those changes.", "sql": _SQL_TAG_COUNTS.strip(), "hide_sql": True},
                },
            }
        },
    }


def check_store(db_path: str | os.PathLike[str]) -> Path:
    """The store at ``db_path``, checked without creating or changing anything.

    Raises:
        NotFound: no file there. StoreError: not a guidance-tracker store, or unreadable.
    """
    p = Path(db_path)
    if not p.is_file():
        raise NotFound(f"no version store at {p}", None,
                       "give the store with --db (or GUIDANCE_TRACKER_DB); `guidance-tracker fetch` or `import` creates one")
    try:
        conn = sqlite3.connect(f"file:{p.resolve()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{p} cannot be read as a version store", str(e), "check the path given by --db") from None
    missing = [t for t in _TABLES if t not in names]
    if missing:
        raise StoreError(f"{p} is not a guidance-tracker version store", f"it has no {', '.join(missing)} table",
                         "give the store that `guidance-tracker fetch` or `import` wrote")
    return p


def make_datasette(db_path: str | os.PathLike[str], *, immutable: bool = False) -> Any:
    """A configured ``Datasette`` over the store (read-only; not yet serving).

    Args:
        immutable: open the file as an immutable snapshot (``immutable=1``) rather than
            ``mode=ro``; faster, but it will not see versions stored while it runs.

    Raises:
        NotFound, StoreError: see ``check_store``.
    """
    from datasette.app import Datasette
    from datasette.database import Database

    from tracker.serve import plugin

    p = str(check_store(db_path).resolve())
    plugin.register()

    class StoreDatasette(Datasette):
        _guidance_tracker = {"db": DB_NAME}
        """Marks the instance for the plugin's hooks (set before Datasette builds its routes)."""

    ds = StoreDatasette(
        metadata=metadata(), template_dir=str(TEMPLATES),
        settings={"default_page_size": 50, "sql_time_limit_ms": 3000, "allow_download": False},
    )
    ds.remove_database("_memory")
    # Named "store" whatever the file is called, so that URLs (and the canned queries' links) are stable.
    ds.add_database(Database(ds, path=p, is_mutable=not immutable), name=DB_NAME)
    return ds


def run(db_path: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False,
        announce: Any = None) -> None:
    """Serve the store until interrupted (uvicorn, as ``datasette serve`` does).

    Args:
        announce: called with no arguments once the address is known to be free.

    Raises:
        NotFound, StoreError: see ``check_store``. BadInput: the port is taken.
    """
    import socket

    import uvicorn

    ds = make_datasette(db_path, immutable=immutable)
    try:  # fail with one line before uvicorn logs its own error
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family):
            pass
    except OSError as e:
        raise BadInput(f"cannot serve on {host}:{port}", e.strerror or str(e), "pick another --port, or stop what is using it") from None
    if announce is not None:
        announce()
    config = uvicorn.Config(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run()
    except SystemExit as e:  # uvicorn exits when it cannot start
        if e.code not in (0, None):
            raise BadInput(f"cannot serve on {host}:{port}", "the server could not start", "pick another --port") from None
