"""An Atom feed of new stored versions and their accountability changes (feedgen).

One entry per version, newest first: where it came from, and, when it was compared
with the version before, the counts by tag and severity and the top shifts. Entry ids
are stable (``urn:guidance-tracker:<name>:<sha256>``), so feed readers see each
version once.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

from feedgen.feed import FeedGenerator

from tracker import __version__
from tracker.store import Store, StoredVersion

__all__ = ["build_feed", "entry_summary"]


def _dt(iso: str | None) -> datetime:
    if not iso:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    try:
        d = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def entry_summary(store: Store, v: StoredVersion, top: int = 5) -> tuple[str, str]:
    """``(title suffix, HTML body)`` for one version's feed entry."""
    prev = store.previous_of(v)
    report = store.cached_comparison(prev.sha256, v.sha256) if prev else None
    parts = [f"<p>{html.escape(v.ref)}: {html.escape(v.origin)} version"
             + (f" of {html.escape(v.date or '')}" if v.date else "")
             + (f" from <a href=\"{html.escape(v.source)}\">{html.escape(v.source)}</a>" if v.source and v.source.startswith("http") else "")
             + (f" (archived <a href=\"{html.escape(v.archive_url)}\">capture</a>)" if v.archive_url else "")
             + f". SHA-256 {v.sha256[:12]}.</p>"]
    for note in (v.change_notes or [])[:1]:
        if note.get("note"):
            parts.append(f"<p>Change note: {html.escape(str(note['note']))}</p>")
    if prev is None:
        return "first version", "".join(parts)
    if report is None:
        parts.append(f"<p>Not yet compared with {html.escape(prev.ref)}: run <code>guidance-tracker compare {html.escape(prev.ref)} {html.escape(v.ref)}</code>.</p>")
        return "new version", "".join(parts)
    s: dict[str, Any] = report["summary"]
    changes = {c["id"]: c for c in report["changes"]}
    acc = sum(1 for c in report["changes"] if any(t["type"] != "EDITORIAL" for t in c["tags"]))
    n = s["changes"]
    parts.append(f"<p>Compared with {html.escape(prev.ref)}: {n} change{'s' if n != 1 else ''}, {acc} to accountability.</p>")
    if s.get("by_tag"):
        parts.append("<p>By tag: " + ", ".join(f"{html.escape(k)} {n}" for k, n in s["by_tag"].items()) + "</p>")
    sev = ", ".join(f"{k} {n}" for k, n in s.get("by_severity", {}).items() if n and k != "none")
    if sev:
        parts.append(f"<p>By severity: {html.escape(sev)}</p>")
    shifts = [changes[i] for i in s.get("top_shifts", [])[:top] if i in changes]
    if shifts:
        items = []
        for c in shifts:
            where = (c.get("new") or c.get("old") or {}).get("path", "")
            items.append(f"<li>[{html.escape(c['impact']['severity'])}] {html.escape(where)}: {html.escape(c['impact']['summary'])}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    suffix = f"{acc} accountability change{'s' if acc != 1 else ''}" if acc else "no accountability change"
    return suffix, "".join(parts)


def build_feed(store: Store, name: str | None = None, limit: int = 50, feed_url: str | None = None) -> bytes:
    """The Atom feed (bytes) of the newest ``limit`` versions, of ``name`` or of every document.

    Raises:
        NotFound: ``name`` is not in the store.
    """
    doc = store.get_document(name) if name else None
    versions = store.recent_versions(name, limit=limit)
    fg = FeedGenerator()
    fg.id(f"urn:guidance-tracker:feed:{name or 'all'}")
    fg.title(f"Guidance changes: {doc.title or doc.name}" if doc else "Guidance changes: all watched documents")
    fg.subtitle("New versions of statutory guidance and what changed in who is accountable for what.")
    fg.link(href=feed_url or (doc.url if doc and doc.url else "https://www.gov.uk/"), rel="alternate" if not feed_url else "self")
    fg.generator("guidance-tracker", __version__)
    fg.language("en")
    titles = {d.name: d.title or d.name for d in store.documents()}
    newest = max((_dt(v.created) for v in versions), default=datetime.now(timezone.utc))
    fg.updated(newest)
    for v in reversed(versions):  # feedgen prepends: add oldest first
        suffix, body = entry_summary(store, v)
        fe = fg.add_entry()
        fe.id(f"urn:guidance-tracker:{v.document}:{v.sha256}")
        fe.title(f"{titles.get(v.document, v.document)}: {v.ref}" + (f" ({v.label})" if v.label else "") + f": {suffix}")
        fe.updated(_dt(v.created))
        if v.date:
            fe.published(_dt(v.date))
        link = v.archive_url or v.source
        if link and link.startswith("http"):
            fe.link(href=link)
        fe.content(body, type="html")
    return fg.atom_str(pretty=True)
