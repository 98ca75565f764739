"""Sniffing formats from content, and every bad input failing with a named, typed error."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import tracker.ingest as ingest
from tracker.errors import BadInput, TrackerError, UnsupportedFormat
from tracker.ingest import MAX_BYTES, parse_bytes, parse_file, sniff


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\n\n  %PDF-1.4\n...", "pdf"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"\xef\xbb\xbf<!doctype HTML>\n<html>", "html"),
        (b"<html lang='en'><p>x</p></html>", "html"),
        (b"<?xml version='1.0'?>\n<!-- saved page -->\n<html xmlns='http://www.w3.org/1999/xhtml'>", "html"),
        (b"  <div class='govspeak'><h2>Chapter 1</h2><p>1. Text</p></div>", "html"),
        (b"# Title\n\n1. Markdown paragraph with <b>inline</b> html.", "text"),
        (b"<3 is not a tag. 1. Plain text.", "text"),
        (b"1. Plain text paragraph.\n\n2. Another.", "text"),
        ("Caf\u00e9 text in Windows-1252 \u2013 legacy".encode("cp1252"), "text"),
    ],
)
def test_ingest_sniff_by_content(data: bytes, expected: str) -> None:
    assert sniff(data, "input") == expected


def test_ingest_sniff_docx_by_content(sample_dir: Path) -> None:
    assert sniff((sample_dir / "v1.docx").read_bytes(), "guidance.bin") == "docx"


def test_ingest_sniff_name_breaks_ties() -> None:
    data = b"Some introduction text.\n<p>1. The first paragraph.</p>\n"
    assert sniff(data, "page.txt") == "text"
    assert sniff(data, "page.html") == "html"


def test_ingest_sniff_pdf_named_txt_is_parsed_as_pdf(ingest_dir: Path) -> None:
    doc = parse_file(ingest_dir / "pdf_named.txt")
    assert doc.format == "pdf"
    assert doc.info.media_type == "pdf"
    assert [(u.kind, u.number) for u in doc.units] == [("heading", None), ("paragraph", "1"), ("paragraph", "2")]
    assert any("named .txt but holds a PDF" in w for w in doc.warnings)


def test_ingest_sniff_sample_formats_whatever_the_name(sample_dir: Path) -> None:
    for ext in ("html", "pdf", "docx"):
        doc = parse_bytes((sample_dir / f"v1.{ext}").read_bytes(), name="download")
        assert doc.format == ext
        assert doc.units[0].text == "Introduction"


BAD_FILES = [
    ("empty.txt", BadInput, "is empty"),
    ("blank.md", BadInput, "is empty"),
    ("garbage.bin", UnsupportedFormat, "is binary data"),
    ("truncated.pdf", BadInput, "is a truncated or damaged PDF"),
    ("encrypted.pdf", BadInput, "is encrypted"),
    ("not_a_zip.docx", UnsupportedFormat, "is not a valid DOCX: it is not a zip archive"),
    ("damaged.docx", BadInput, "is a damaged DOCX"),
    ("no_body.html", BadInput, "has no body text"),
    ("not_docx.zip", UnsupportedFormat, "is a zip archive, not a DOCX"),
    ("archive_named.docx", UnsupportedFormat, "is a zip archive, not a DOCX"),
    ("image.png", UnsupportedFormat, "is a PNG image"),
]


@pytest.mark.parametrize(("name", "kind", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_ingest_bad_input_file(ingest_dir: Path, name: str, kind: type[Exception], message: str) -> None:
    path = ingest_dir / name
    with pytest.raises(kind) as e:
        parse_file(path)
    assert type(e.value) is kind
    text = str(e.value)
    assert text.startswith(str(path))  # the message names the file, first
    assert message in text
    assert "To fix:" in text
    assert "\n" not in text


@pytest.mark.parametrize(("name", "kind", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_ingest_bad_input_bytes(ingest_dir: Path, name: str, kind: type[Exception], message: str) -> None:
    with pytest.raises(kind, match=message) as e:
        parse_bytes((ingest_dir / name).read_bytes(), name=name)
    assert str(e.value).startswith(name)


def test_ingest_bad_input_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "old.pdf"
    with pytest.raises(BadInput, match="does not exist") as e:
        parse_file(missing)
    assert str(missing) in str(e.value)


def test_ingest_bad_input_directory(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="is a directory") as e:
        parse_file(tmp_path)
    assert str(tmp_path) in str(e.value)


def test_ingest_bad_input_too_large(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ingest, "MAX_BYTES", 10)
    with pytest.raises(BadInput, match=r"big\.txt is too large"):
        parse_bytes(b"1. A paragraph longer than ten bytes.", name="big.txt")
    path = tmp_path / "big.md"
    path.write_text("1. A paragraph longer than ten bytes.")
    with pytest.raises(BadInput, match="is too large"):
        parse_file(path)
    assert MAX_BYTES == 64 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old binary Office file"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "JPEG image"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "gzip archive"),
        (b"{\\rtf1\\ansi Some text}", "RTF file"),
    ],
)
def test_ingest_unsupported_formats_named(data: bytes, what: str) -> None:
    with pytest.raises(UnsupportedFormat, match=what) as e:
        parse_bytes(data, name="thing.doc")
    assert str(e.value).startswith("thing.doc is")


def test_ingest_unsupported_other_office_zip() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(UnsupportedFormat, match=r"guide\.odt is an OpenDocument file"):
        parse_bytes(buf.getvalue(), name="guide.odt")


def test_ingest_unknown_format_requested() -> None:
    with pytest.raises(UnsupportedFormat, match=r"x\.rtf is in an unsupported format \(rtf\)"):
        parse_bytes(b"text", name="x.rtf", fmt="rtf")


def test_ingest_parser_exception_is_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(data: bytes) -> list:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(ingest.PARSERS, "html", boom)
    with pytest.raises(BadInput, match=r"deep\.html could not be read as HTML: RecursionError") as e:
        parse_bytes(b"<html><body><p>x</p></body></html>", name="deep.html")
    assert isinstance(e.value, TrackerError)


def test_ingest_parser_errors_keep_their_type(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(data: bytes) -> list:
        raise UnsupportedFormat("is a scanned fax", "no text", "ask for the text")

    monkeypatch.setitem(ingest.PARSERS, "text", unsupported)
    with pytest.raises(UnsupportedFormat, match=r"^fax\.txt is a scanned fax: no text\. To fix: ask for the text\.$"):
        parse_bytes(b"anything", name="fax.txt")


def test_ingest_info_records_format_and_hash(sample_dir: Path) -> None:
    import hashlib

    path = sample_dir / "v2.pdf"
    doc = parse_file(path)
    assert doc.info.label == "v2.pdf"
    assert doc.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.info.media_type == "pdf" and doc.info.origin == "file"


def test_ingest_utf16_text_and_html() -> None:
    doc = parse_bytes("1. Practitioners should record it.\n".encode("utf-16"), name="win.txt")
    assert (doc.format, doc.units[0].number, doc.units[0].text) == ("text", "1", "Practitioners should record it.")
    doc = parse_bytes("<html><body><p>2. A UTF-16 page.</p></body></html>".encode("utf-16"), name="win.html")
    assert (doc.format, doc.units[0].number) == ("html", "2")


@pytest.mark.parametrize("data", [
    b"\xff\xfe\x00bad utf",  # a UTF-16 BOM in front of 8-bit text: reads as four CJK characters
    b"\xff\xfe" + b"The social worker and their manager should agree the plan.\n\n2. Staff must record it.\n",
    b"\xfe\xff" + b"The social worker and their manager should agree the plan within ten days.\n",
    "1. Practitioners should record it.\n".encode("utf-16")[:-1],  # truncated: an odd number of bytes
], ids=["reviewer-case", "le-bom-8bit", "be-bom-8bit", "truncated"])
def test_ingest_bad_utf16_is_refused(data: bytes) -> None:
    with pytest.raises(BadInput, match=r"x\.txt is not readable text \(bad UTF-16\)"):
        parse_bytes(data, name="x.txt")


@pytest.mark.parametrize("text", [
    "1. 社会工作者应当与其经理商定计划。\n\n2. 工作人员必须记录决定。\n",
    "中国",
    "你好",
    "ソーシャルワーカーは計画に同意する必要があります。",
    "사회복지사는 계획에 동의해야 합니다.",
    "Практикующие должны записывать это.",
    "Les praticiens doivent l’enregistrer à temps.",
    "1. 社会工作者 (social worker) 应当 agree the plan “within ten days”.\n",
])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_ingest_real_utf16_in_any_language_is_read(text: str, encoding: str) -> None:
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    doc = parse_bytes(bom + text.encode(encoding), name="x.txt")
    same = parse_bytes(text.encode("utf-8"), name="x.txt")
    assert doc.format == "text"
    assert [(u.number, u.text) for u in doc.units] == [(u.number, u.text) for u in same.units]


def test_ingest_real_utf16_long_document_is_read(sample_dir: Path) -> None:
    text = (sample_dir / "v1.md").read_text(encoding="utf-8")
    doc = parse_bytes(text.encode("utf-16"), name="v1.txt")
    assert len(doc.units) == len(parse_bytes(text.encode("utf-8"), name="v1.txt").units)
