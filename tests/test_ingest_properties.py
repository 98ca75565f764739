"""Properties: text splitting and document building never crash and give clean units;
no input bytes make a library exception escape ``parse_bytes``."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.errors import BadInput, TrackerError
from tracker.ingest import build_document, parse_bytes, parse_text
from tracker.ingest.normalise import clean, norm
from tracker.ingest.text import split_text
from tracker.models import VersionInfo

INFO = VersionInfo(label="prop", sha256="0" * 64)

# Text that looks like guidance some of the time: numbers, markers, headings, odd spaces.
_PIECES = st.sampled_from(
    ["12. ", "4.2 ", "(a) ", "- ", "\u2022 ", "# ", "## ", "Chapter 3: ", "| a | b |", "\n", "\n\n", " ",
     "\u00a0", "\u00ad", "\u200b", "\ufeff", "\u2019", "\u201c", "\r\n", "\t", "should", "must", ".", ":", "2018 "]
)
GUIDANCE_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40).map("".join)


def _check_units(doc) -> None:  # noqa: ANN001
    for i, u in enumerate(doc.units):
        assert u.text, "empty unit text"
        assert u.text == clean(u.text), "unit text is not clean"
        assert u.norm == norm(u.text)
        assert u.index == i
        assert u.kind in ("heading", "paragraph", "list_item")
        if u.kind == "heading":
            assert u.level >= 1
            assert all(p for p in u.path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), GUIDANCE_TEXT))
def test_ingest_split_text_and_build_never_crash(text: str) -> None:
    raw = split_text(text)
    for kind, body, level, number in raw:
        assert kind in ("heading", "paragraph", "list_item")
        assert isinstance(body, str) and isinstance(level, int)
        assert number is None or isinstance(number, str)
    try:
        doc = build_document(raw, INFO, "text")
    except BadInput:
        assert not any(clean(body) for _, body, _, _ in raw)
        return
    _check_units(doc)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), GUIDANCE_TEXT))
def test_ingest_parse_text_never_crashes(text: str) -> None:
    try:
        doc = parse_text(text)
    except BadInput:
        return  # only text with nothing readable in it
    _check_units(doc)
    if doc.units:
        assert doc.title is None or doc.title == clean(doc.title)


_MAGIC = st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"<!DOCTYPE html><html><body>", b"<p>", b"\xef\xbb\xbf", b"{\\rtf1"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MAGIC, st.binary(max_size=400), st.sampled_from(["x.pdf", "x.docx", "x.html", "x.txt", None]))
def test_ingest_parse_bytes_only_raises_tracker_errors(magic: bytes, body: bytes, name: str | None) -> None:
    data = magic + body + (b"\n%%EOF\n" if magic.startswith(b"%PDF") else b"")
    try:
        doc = parse_bytes(data, name=name)
    except TrackerError as e:
        assert str(e).startswith(name or "input")
        assert "\n" not in str(e)
        return
    _check_units(doc)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["h2", "h3", "p", "li", "td"]), st.text(max_size=30)), max_size=15))
def test_ingest_html_never_crashes(blocks: list[tuple[str, str]]) -> None:
    from html import escape

    body = "".join(
        f"<table><tr><td>{escape(t)}</td><td>x</td></tr></table>" if tag == "td"
        else f"<ul><li>{escape(t)}</li></ul>" if tag == "li"
        else f"<{tag}>{escape(t)}</{tag}>"
        for tag, t in blocks
    )
    try:
        doc = parse_bytes(f"<html><body><main>{body}</main></body></html>".encode(), name="p.html")
    except BadInput as e:
        assert "p.html" in str(e)
        return
    _check_units(doc)
