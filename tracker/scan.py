"""``scan``: compare every consecutive pair of stored versions (in the versions' own
date order: published, archived, else fetched) not yet compared.

Planning and writing happen on the driver, against the store; the comparing is a pure
work item (``compare_item``) that any engine of ``tracker.jobs`` can run:

    plan_scan(store, names, pack, model) -> [ScanItem]       (driver, reads the store)
    compare_item((pack path, pack hash, model), payload) -> Report   (worker, pure)
    Store.save_comparisons([...])                               (driver, one writer, batched)

A comparison is keyed by both versions' hashes, the pack's hash and the model, as
``compare NAME@A NAME@B`` keys it: a second scan finds everything done and does nothing;
a scan after a pack edit recomputes everything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

from tracker.errors import PackError
from tracker.models import JobSummary, Pack, Report

__all__ = ["ScanItem", "compare_item", "plan_scan", "run_scan"]

BATCH = 25
"""Comparisons written per transaction."""


@dataclass(frozen=True)
class ScanItem:
    """One pair of stored versions to compare."""

    key: str
    """``NAME@1..2``."""
    document: str
    old_id: int
    new_id: int
    old_sha: str
    new_sha: str


def _media(v: Any) -> str | None:
    return v.media_type if v.media_type in ("html", "pdf", "docx", "text") else None


def plan_scan(store: Any, names: list[str] | None, pack: Pack, model_key: str) -> tuple[list[ScanItem], int]:
    """The pairs to compare (consecutive versions of each document, in sequence) and
    how many are already stored for this pack and model.

    Raises:
        NotFound: a named document does not exist.
    """
    docs = [store.get_document(n) for n in names] if names else store.documents()
    done = {(r["old_sha"], r["new_sha"]) for r in store.db.query(
        "select old_sha, new_sha from comparisons where pack_sha = ? and model = ?", [pack.sha256, model_key])}
    todo: list[ScanItem] = []
    skipped = 0
    planned: set[tuple[str, str]] = set()
    for d in docs:
        versions = store.chronological(d.name)  # the versions' own dates, not storing order
        for a, b in zip(versions, versions[1:]):
            pair = (a.sha256, b.sha256)
            if a.sha256 == b.sha256 or pair in planned:
                continue
            if pair in done:
                skipped += 1
                continue
            planned.add(pair)
            todo.append(ScanItem(f"{d.name}@{a.seq}..{b.seq}", d.name, a.id, b.id, a.sha256, b.sha256))
    return todo, skipped


def load_payload(store: Any, item: ScanItem) -> dict[str, Any]:
    """The picklable input of ``compare_item``: both versions' bytes and provenance."""
    a, b = store.version_by_id(item.old_id), store.version_by_id(item.new_id)
    return {"old": (store.raw(a), store.info(a), _media(a)), "new": (store.raw(b), store.info(b), _media(b))}


def compare_item(shared: tuple[str, str, str | None], payload: dict[str, Any]) -> Report:
    """Pure work item: parse both versions and compare them.

    ``shared`` is (pack path, pack hash, model); the pack and spaCy pipeline are loaded
    once per worker process (both are cached per process).

    Raises:
        PackError: the pack this worker sees is not the one the driver planned with.
    """
    from tracker.compare import compare_documents
    from tracker.ingest import parse_bytes

    pack = _pack(shared[0], shared[1])
    docs = []
    for raw, info, fmt in (payload["old"], payload["new"]):
        docs.append(parse_bytes(raw, name=info.label, info=info, fmt=fmt))
    return compare_documents(docs[0], docs[1], pack=pack, model=shared[2])


@functools.lru_cache(maxsize=4)
def _pack(path: str, sha: str) -> Pack:
    from tracker.packs import load_pack

    pack = load_pack(path)
    if pack.sha256 != sha:
        raise PackError(f"the domain pack at {path} changed during the job", f"hash {pack.sha256[:12]} is not {sha[:12]}",
                        "run the job again once the pack is edited")
    return pack


def run_scan(store: Any, names: list[str] | None, pack: Pack, model: str | None, eng: Any,
             progress: bool = True, on_saved: Callable[[ScanItem, Report], None] | None = None) -> JobSummary:
    """Plan, compare on ``eng`` and store the comparisons in batches (driver only writes)."""
    from tracker.jobs import run_job
    from tracker.store import model_key

    key = model_key(model)
    todo, skipped = plan_scan(store, names, pack, key)
    by_key = {it.key: it for it in todo}
    pending: list[tuple[ScanItem, Report]] = []

    def flush() -> None:
        if pending:
            store.save_comparisons([(r, it.old_sha, it.new_sha) for it, r in pending], pack, key)
            if on_saved is not None:
                for it, r in pending:
                    on_saved(it, r)
            pending.clear()

    def on_result(k: str, report: Report) -> None:
        pending.append((by_key[k], report))
        if len(pending) >= BATCH:
            flush()

    items = [(it.key, functools.partial(load_payload, store, it)) for it in todo]
    summary = run_job("scan", compare_item, items, shared=(pack.path, pack.sha256, model), on_result=on_result,
                      eng=eng, progress=progress, skipped=skipped)
    flush()
    return summary

