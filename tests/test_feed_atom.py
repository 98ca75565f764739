"""The Atom feed of new versions and their accountability changes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fixtures_store import NEW_TEXT, OLD_TEXT

from tracker.errors import NotFound
from tracker.feed import build_feed
from tracker.store import VersionMeta

pytestmark = pytest.mark.timeout(60)

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(data: bytes) -> list[ET.Element]:
    root = ET.fromstring(data)
    assert root.tag == ATOM + "feed"
    return root.findall(ATOM + "entry")


def test_feed_lists_versions_newest_first_with_their_changes(store) -> None:
    store.add_document("wt", title="Working together", url="https://www.gov.uk/government/publications/wt")
    store.add_version("wt", OLD_TEXT.encode(), VersionMeta(origin="live", label="2018", source="https://www.gov.uk/wt.pdf",
                                                          published_at="2018-07-04", change_notes=[{"note": "First published."}]))
    v2, _ = store.add_version("wt", NEW_TEXT.encode(), VersionMeta(origin="archive", label="2023", source="https://www.gov.uk/wt.pdf",
                                                                  archive_url="https://web.archive.org/web/2023/https://www.gov.uk/wt.pdf",
                                                                  archived_at="2023-12-15T10:00:00Z"))
    store.compare("wt@1", "wt@2", model="rules-only")
    es = entries(build_feed(store, "wt"))
    assert [e.findtext(ATOM + "id") for e in es] == [f"urn:guidance-tracker:wt:{v.sha256}" for v in reversed(store.versions("wt"))]
    newest = es[0]
    assert newest.findtext(ATOM + "title") == "Working together: wt@2 (2023): 1 accountability change"
    content = newest.findtext(ATOM + "content")
    assert "ROLE_REMOVED 1" in content and "high 1" in content and "no longer named" in content
    assert newest.find(ATOM + "link").get("href") == v2.archive_url
    assert newest.findtext(ATOM + "published").startswith("2023-12-15")
    assert "First published." in es[1].findtext(ATOM + "content")
    assert es[1].findtext(ATOM + "title").endswith("first version")


def test_feed_says_when_a_version_is_not_yet_compared(store) -> None:
    store.add_version("a", OLD_TEXT.encode())
    store.add_version("a", NEW_TEXT.encode())
    store.add_version("b", OLD_TEXT.encode())
    es = entries(build_feed(store))
    assert len(es) == 3
    texts = " ".join(e.findtext(ATOM + "content") for e in es)
    assert "Not yet compared with a@1" in texts
    assert len(entries(build_feed(store, limit=1))) == 1


def test_feed_ids_are_stable(store) -> None:
    store.add_version("a", OLD_TEXT.encode())
    one = [e.findtext(ATOM + "id") for e in entries(build_feed(store))]
    store.add_version("a", NEW_TEXT.encode())
    two = [e.findtext(ATOM + "id") for e in entries(build_feed(store))]
    assert two[1:] == one


def test_feed_unknown_document(store) -> None:
    with pytest.raises(NotFound):
        build_feed(store, "nope")
