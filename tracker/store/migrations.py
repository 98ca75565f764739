"""The store's schema, as named migrations (sqlite-utils ``Migrations``).

Each function runs once per database, inside a transaction, and is recorded by name in
``_sqlite_migrations``. Never edit an applied migration: add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

__all__ = ["MIGRATION_SET", "migrations"]

MIGRATION_SET = "guidance-tracker"
migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    """Documents, versions (raw bytes, append-only), units, comparisons and what they found."""
    db["documents"].create(
        {
            "name": str, "title": str, "url": str, "publisher": str, "webhook": str,
            "attachment": str, "watched": int, "last_seq": int, "created": str,
        },
        pk="name", not_null={"name", "created"}, defaults={"watched": 0, "last_seq": 0},
    )
    db["versions"].create(
        {
            "id": int, "document": str, "seq": int, "sha256": str, "sha1_b32": str, "label": str,
            "source": str, "archive_url": str, "fetched_at": str, "archived_at": str, "published_at": str,
            "http": str, "origin": str, "media_type": str, "title": str, "change_notes": str,
            "size": int, "units": int, "warnings": str, "raw": bytes, "created": str,
        },
        pk="id", not_null={"document", "seq", "sha256", "origin", "raw", "created"},
        foreign_keys=[("document", "documents", "name")],
    )
    db["versions"].create_index(["document", "seq"], unique=True)
    db["versions"].create_index(["document", "sha256"], unique=True)
    db["versions"].create_index(["sha256"])
    db["units"].create(
        {
            "version_id": int, "idx": int, "kind": str, "number": str, "path": str,
            "text": str, "norm": str, "level": int,
        },
        pk=("version_id", "idx"), foreign_keys=[("version_id", "versions", "id")],
    )
    db["comparisons"].create(
        {
            "id": int, "old_sha": str, "new_sha": str, "pack_sha": str, "pack": str, "model": str,
            "model_ran": str, "created": str, "changes": int, "accountability": int, "report": str,
        },
        pk="id", not_null={"old_sha", "new_sha", "pack_sha", "model", "report", "created"},
    )
    db["comparisons"].create_index(["old_sha", "new_sha", "pack_sha", "model"], unique=True)
    db["changes"].create(
        {
            "comparison_id": int, "change_id": str, "kind": str, "path": str, "section": str,
            "old_text": str, "new_text": str, "similarity": float, "accountability": int, "severity": str,
        },
        pk=("comparison_id", "change_id"), foreign_keys=[("comparison_id", "comparisons", "id")],
    )
    db["tags"].create(
        {
            "comparison_id": int, "change_id": str, "n": int, "type": str, "label": str,
            "role": str, "from_value": str, "to_value": str, "rule": str,
            "old_span": str, "new_span": str, "tag": str,
        },
        pk=("comparison_id", "change_id", "n"), foreign_keys=[("comparison_id", "comparisons", "id")],
    )
    db["tags"].create_index(["type"])
    db["impacts"].create(
        {
            "comparison_id": int, "change_id": str, "severity": str, "summary": str, "rationale": str,
            "affected_roles": str, "actions": str, "rules": str,
        },
        pk=("comparison_id", "change_id"), foreign_keys=[("comparison_id", "comparisons", "id")],
    )
    db["impacts"].create_index(["severity"])


@migrations()
def m002_versions_immutable(db: Database) -> None:
    """Versions are append-only: the database itself refuses to rewrite one (forget deletes)."""
    db.execute(
        """
        CREATE TRIGGER IF NOT EXISTS versions_append_only
        BEFORE UPDATE OF document, seq, sha256, raw, origin ON versions
        BEGIN
            SELECT RAISE(ABORT, 'versions are append-only: store a new version instead');
        END
        """
    )


@migrations()
def m003_versions_never_rewritten(db: Database) -> None:
    """No column of a stored version may change, and only ``forget`` may delete one.

    ``forget`` inserts a row in ``forget_permits`` inside its own transaction and
    removes it before committing; any other DELETE on ``versions`` is refused.
    """
    db.execute("DROP TRIGGER IF EXISTS versions_append_only")
    db["forget_permits"].create({"token": str, "document": str, "created": str}, pk="token")
    db.execute(
        """
        CREATE TRIGGER versions_no_update
        BEFORE UPDATE ON versions
        BEGIN
            SELECT RAISE(ABORT, 'versions are append-only: store a new version instead');
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER versions_no_delete
        BEFORE DELETE ON versions
        WHEN NOT EXISTS (SELECT 1 FROM forget_permits WHERE document = OLD.document)
        BEGIN
            SELECT RAISE(ABORT, 'versions are append-only: only `guidance-tracker forget --yes` deletes them');
        END
        """
    )
