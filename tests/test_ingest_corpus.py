"""The sample corpus: every format of a version parses to the same units (the key test),
the revisions between v1 and v2 are there, and the manifest of real documents is sound."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

from tracker.ingest.normalise import norm

VERSIONS = ("v1", "v2")
FORMATS = ("html", "pdf", "docx", "md")


def _key(doc) -> list[tuple[str, str | None, str]]:  # noqa: ANN001
    return [(u.kind, u.number, u.norm) for u in doc.units]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("fmt", ("pdf", "docx", "md"))
def test_ingest_formats_give_identical_units(sample_docs, version: str, fmt: str) -> None:
    """HTML, PDF, DOCX and the Markdown source give the same (kind, number, norm text).

    No tolerance: the parsers rebuild the same paragraphs exactly, whatever the layout.
    """
    expected = _key(sample_docs[(version, "html")])
    got = _key(sample_docs[(version, fmt)])
    for i, (e, g) in enumerate(zip(expected, got)):
        assert g == e, f"{version}.{fmt} unit {i} differs from the HTML"
    assert len(got) == len(expected)


@pytest.mark.parametrize("version", VERSIONS)
def test_ingest_formats_give_identical_trails_and_titles(sample_docs, version: str) -> None:
    trails = {
        fmt: [(u.level, tuple(norm(p) for p in u.path)) for u in sample_docs[(version, fmt)].units] for fmt in FORMATS
    }
    for fmt in FORMATS:
        assert trails[fmt] == trails["html"], fmt
    titles = {norm(sample_docs[(version, fmt)].title or "") for fmt in FORMATS}
    assert titles == {"working together for children's safety: sample statutory guidance"}
    for fmt in FORMATS:
        assert sample_docs[(version, fmt)].warnings == (), fmt


def test_ingest_sample_shape(sample_docs) -> None:
    for version, paragraphs in (("v1", 48), ("v2", 50)):
        doc = sample_docs[(version, "html")]
        numbers = [u.number for u in doc.units if u.kind == "paragraph" and u.number]
        assert numbers == [str(i) for i in range(1, paragraphs + 1)]
        chapters = [u.text for u in doc.units if u.kind == "heading" and u.level == 1]
        assert chapters == [
            "Introduction",
            "Chapter 1: Assessing need",
            "Chapter 2: Supervision and oversight",
            "Chapter 3: Child protection conferences",
            "Chapter 4: Reviews",
        ]
        kinds = {u.kind for u in doc.units}
        assert kinds == {"heading", "paragraph", "list_item"}
        assert [u.number for u in doc.units if u.kind == "list_item" and u.number] == ["a", "b", "c", "d"]
        assert sum(" | " in u.text for u in doc.units) == 6  # the table: header and five rows
        words = sum(len(u.text.split()) for u in doc.units)
        assert 2500 <= words <= 3500


def _para(doc, number: str) -> str:  # noqa: ANN001
    return next(u.norm for u in doc.units if u.kind == "paragraph" and u.number == number)


def _chapter(doc, number: str) -> str:  # noqa: ANN001
    return next(u.path[0] for u in doc.units if u.kind == "paragraph" and u.number == number)


def test_ingest_sample_revisions_present(sample_docs) -> None:
    """The answer key of corpora/README.md holds for the parsed sample."""
    v1, v2 = sample_docs[("v1", "html")], sample_docs[("v2", "html")]
    pairs = [
        ("2", "2", "every other organisation that works", "all other organisations that work"),
        ("10", "12", "in discussion with their manager", "on each individual case"),
        ("10", "12", "judgements", "judgments"),
        ("10", "12", "risk of harm faced by the child", "risk of harm they face"),
        ("11", "13", "within one working day", "within three working days"),
        ("13", "15", "led by a qualified social worker", "led by a practitioner"),
        ("14", "16", "signed off by the team manager", "case file before any plan"),
        ("15", "17", "the social worker and their manager should agree a plan", "the social worker should agree a plan"),
        ("19", "21", "access to a manager", "access to colleagues"),
        ("20", "22", "at least every six weeks", "at least every three months"),
        ("22", "24", "discussed in supervision", "should be recorded on the child's case file"),
        ("25", "27", "the local authority must ensure", "the local authority should ensure"),
        ("29", "30", "the local authority may convene", "the local authority must convene"),
        ("33", "34", "conference must take place", "conference should take place"),
        ("34", "35", "the social worker's manager", "the designated safeguarding lead"),
        ("38", "39", "social workers and their managers should consider", "social workers should consider"),
        ("43", "44", "should make a referral", "should consider a referral"),
        ("47", "49", "focussed", "focused"),
    ]
    for old_no, new_no, old_phrase, new_phrase in pairs:
        old, new = _para(v1, old_no), _para(v2, new_no)
        assert old_phrase in old and old_phrase not in new, (old_no, old_phrase)
        assert new_phrase in new, (new_no, new_phrase)
    all_v2 = " ".join(u.norm for u in v2.units)
    assert "the designated safeguarding lead" in all_v2 and all_v2.count("designated safeguarding lead") == 1
    assert sum("professional" in u.norm for u in v1.units) > 10 >= sum("professional" in u.norm for u in v2.units)
    # moved: same text, another chapter
    assert _para(v1, "41") == _para(v2, "7")
    assert _chapter(v1, "41") == "Chapter 4: Reviews" and _chapter(v2, "7") == "Chapter 1: Assessing need"
    # deleted, inserted
    assert "unallocated" not in all_v2 and "cannot be allocated" in " ".join(u.norm for u in v1.units)
    assert "outside the family" in _para(v2, "8") and "must publish their local arrangements" in _para(v2, "48")
    # split: one v1 paragraph is two in v2
    assert _para(v1, "40").startswith(_para(v2, "41")[:-1]) and _para(v2, "42").startswith("the chair should check")


def test_ingest_sample_html_up_to_date(sample_dir: Path) -> None:
    """The committed HTML is what build.py makes of the Markdown today."""
    spec = importlib.util.spec_from_file_location("corpora_build", sample_dir.parent / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = build  # dataclasses look their module up
    try:
        spec.loader.exec_module(build)
    finally:
        del sys.modules[spec.name]
    for version in VERSIONS:
        blocks = build.read_markdown((sample_dir / f"{version}.md").read_text(encoding="utf-8"))
        assert build.render_html(blocks, build.EDITIONS[version]) == (sample_dir / f"{version}.html").read_text(encoding="utf-8")


def test_ingest_sample_files_small_and_typographic(sample_dir: Path) -> None:
    for version in VERSIONS:
        assert (sample_dir / f"{version}.pdf").stat().st_size < 150_000
        assert (sample_dir / f"{version}.docx").stat().st_size < 150_000
        html = (sample_dir / f"{version}.html").read_text(encoding="utf-8")
        assert "\u2019" in html and "\u201c" in html and "&nbsp;" in html
        assert "\u2019" not in (sample_dir / f"{version}.md").read_text(encoding="utf-8")


def test_ingest_manifest_lists_real_documents(root_dir: Path) -> None:
    manifest = tomllib.loads((root_dir / "corpora" / "manifest.toml").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in manifest["document"]}
    assert set(docs) == {"working-together", "kcsie", "care-act-guidance"}
    assert docs["care-act-guidance"]["collection"] == "https://www.gov.uk/government/publications/care-act-statutory-guidance"
    for d in docs.values():
        assert d["title"] and d["publisher"] and d["pack"]
        assert d["collection"].startswith("https://www.gov.uk/government/publications/")
        labels = [v["label"] for v in d.get("version", [])]
        assert len(labels) == len(set(labels))
        for v in d.get("version", []):
            assert v["url"].startswith("https://assets.publishing.service.gov.uk/") and v["url"].endswith(".pdf")
            assert v["format"] == "pdf" and v["verified"] is False
    assert len(docs["working-together"]["version"]) == 4 and len(docs["kcsie"]["version"]) == 5
