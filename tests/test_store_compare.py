"""Stored comparisons: cached by (old sha, new sha, pack sha, model), recomputed when the
pack changes, flattened into changes/tags/impacts rows, and rebuilt exactly."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from fixtures_store import NEW_TEXT, OLD_TEXT

import tracker.compare
from tracker.compare import compare_documents
from tracker.packs import load_pack
from tracker.store import VersionMeta, model_key
from tracker.store.reports import report_from_dict

ROOT_PACK = tracker.compare.__file__.rsplit("/tracker/", 1)[0] + "/pipelines/children-safeguarding"


@pytest.fixture
def two_versions(store):
    store.add_version("wt", OLD_TEXT.encode(), VersionMeta(label="2018", source="wt2018.md"))
    store.add_version("wt", NEW_TEXT.encode(), VersionMeta(label="2023", source="wt2023.md"))
    return store


def _no_compute(*args, **kwargs):
    raise AssertionError("compare_documents ran: the cache was missed")


def test_store_compare_is_cached(two_versions, monkeypatch) -> None:
    s = two_versions
    first = s.compare("wt@previous", "wt@latest", model="rules-only")
    assert [t.type for c in first.changes for t in c.tags] == ["ROLE_REMOVED"]
    assert s.counts()["comparisons"] == 1
    monkeypatch.setattr(tracker.compare, "compare_documents", _no_compute)
    again = s.compare("wt@1", "wt@2023", model="rules-only")
    assert s.counts()["comparisons"] == 1
    assert again.to_dict() == first.to_dict()
    assert again.old.label == "wt@1 (2018)" and again.new.source == "wt2023.md"


def test_store_compare_recomputes_when_the_pack_changes(two_versions, tmp_path) -> None:
    s = two_versions
    pack_dir = tmp_path / "pack"
    shutil.copytree(ROOT_PACK, pack_dir)
    r1 = s.compare("wt@1", "wt@2", pack=str(pack_dir), model="rules-only")
    assert r1.changes[0].impact.severity == "high"
    s.compare("wt@1", "wt@2", pack=str(pack_dir), model="rules-only")
    assert s.counts()["comparisons"] == 1
    sha_before = load_pack(str(pack_dir)).sha256
    rules = pack_dir / "impact_rules.toml"
    text = rules.read_text()
    head, rest = text.split('id = "oversight-role-removed"', 1)
    rules.write_text(head + 'id = "oversight-role-removed"' + rest.replace('severity = "high"', 'severity = "medium"', 1))
    assert load_pack(str(pack_dir)).sha256 != sha_before
    r2 = s.compare("wt@1", "wt@2", pack=str(pack_dir), model="rules-only")
    assert r2.changes[0].impact.severity == "medium" and r2.pack.sha256 != r1.pack.sha256
    assert s.counts()["comparisons"] == 2
    packs = [r["pack_sha"] for r in s.db.query("select pack_sha from comparisons order by id")]
    assert packs == [sha_before, r2.pack.sha256]


def test_store_compare_model_is_part_of_the_key(two_versions, monkeypatch) -> None:
    s = two_versions
    s.compare("wt@1", "wt@2", model="rules-only")
    monkeypatch.setenv("GUIDANCE_TRACKER_MODEL", "rules-only")
    assert model_key(None) == "rules-only"
    s.compare("wt@1", "wt@2")  # same resolved model: a hit
    assert s.counts()["comparisons"] == 1
    assert [r["model"] for r in s.db.query("select model, model_ran from comparisons")] == ["rules-only"]


def test_store_compare_rows_for_browsing(two_versions) -> None:
    s = two_versions
    report = s.compare("wt@1", "wt@2", model="rules-only")
    c = report.changes[0]
    row = next(s.db.query("select * from changes"))
    assert (row["change_id"], row["kind"], row["severity"], row["accountability"]) == (c.id, "modified", "high", 1)
    assert "their manager" in row["old_text"] and "their manager" not in row["new_text"]
    tag = next(s.db.query("select * from tags"))
    assert tag["type"] == "ROLE_REMOVED" and tag["label"] == c.tags[0].label()
    imp = next(s.db.query("select * from impacts"))
    assert imp["summary"] == c.impact.summary and imp["severity"] == "high"
    comp = next(s.db.query("select * from comparisons"))
    assert comp["accountability"] == 1 and comp["model_ran"] == "rules-only"


def test_store_report_json_rebuilds_the_report(two_versions) -> None:
    s = two_versions
    old, new = s.document("wt@1"), s.document("wt@2")
    report = compare_documents(old, new, model="rules-only")
    units = {u.index: u for u in old.units}, {u.index: u for u in new.units}
    back = report_from_dict(report.to_dict(), *units)
    # similarity is rounded to 4 places in JSON; everything else comes back as it was
    assert back == replace(report, changes=tuple(replace(c, similarity=round(c.similarity, 4)) for c in report.changes))


def test_store_report_from_stored_versions_names_its_provenance(two_versions) -> None:
    report = two_versions.compare("wt@1", "wt@2", model="rules-only")
    d = report.to_dict()
    for side, label, source in (("old", "wt@1 (2018)", "wt2018.md"), ("new", "wt@2 (2023)", "wt2023.md")):
        assert d[side]["label"] == label and d[side]["source"] == source
        assert len(d[side]["sha256"]) == 64 and d[side]["origin"] == "file" and d[side]["retrieved_at"]
    assert d["tool"]["model"] == "rules-only" and d["pack"]["sha256"]
