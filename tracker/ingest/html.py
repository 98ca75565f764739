"""HTML -> raw units (beautifulsoup4 over lxml).

Written for GOV.UK pages: the page chrome (header, cookie banner, breadcrumbs, contents
list, footer, skip links, the ``gem-c-`` navigation components) is dropped and the main
content (``.govspeak``, ``<main>``, ``role=main``, ``<article>``) is preferred when the
page has one. Inside it:

- ``h1``-``h6`` are headings at their own level;
- ``<p>`` is a paragraph; a printed number ("12. ...") becomes the unit's ``number``;
- ``<ul>``/``<ol>`` items are list items, numbered from ``start``/``value``/``type``;
  an ``<ol>`` *of paragraphs* (long, sentence-like items, or explicit ``start``/``value``
  numbering, not introduced by a colon) gives numbered paragraphs instead;
- each table row is one paragraph, its non-empty cells joined with `` | ``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from tracker.errors import BadInput
from tracker.ingest import Parsed
from tracker.ingest.normalise import clean
from tracker.ingest.text import RawUnit, match_list_marker, match_number

__all__ = ["parse_html", "page_title"]

_DROP_TAGS = frozenset(
    "script style noscript template nav aside form header footer button input select "
    "textarea iframe svg canvas object embed head link meta".split()
)
_DROP_CLASS = re.compile(
    r"^(govuk-(header|footer|cookie-banner|skip-link|breadcrumbs|phase-banner|back-link|"
    r"visually-hidden|notification-banner)"
    r"|gem-c-(cookie-banner|skip-link|breadcrumbs|contents-list|related-navigation|"
    r"contextual-sidebar|contextual-footer|step-nav|print-link|share-links|feedback|"
    r"layout-super-navigation|layout-footer|layout-header|single-page-notification-button|"
    r"emergency-banner|global-banner|phase-banner|back-to-top|search|attachment-link|"
    r"translation-nav|metadata|important-metadata)"
    r"|app-c-(back-to-top|contents|publication-metadata|figure)"
    r"|(cookie|breadcrumb|skip-?link|site-(header|footer)|nav(bar|igation)?|menu|sidebar|"
    r"visually-hidden|sr-only|print-only|footnote-ref)[\w-]*)$",
    re.IGNORECASE,
)
_DROP_ID = re.compile(r"(cookie|breadcrumb|skip|global-header|footer|navigation|nav-)", re.IGNORECASE)
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "dialog"})
_BLOCK = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main menu nav ol p pre section "
    "summary table tbody td tfoot th thead tr ul caption".split()
)
_BLOCK_LIST = sorted(_BLOCK)
_HEADING = re.compile(r"^h([1-6])$")
_TERMINAL = (".", "!", "?", ";", ")", '"', "\u201d", "'", "\u2019")
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)


def _class_list(el: Tag) -> list[str]:
    c = el.get("class") or []
    return c.split() if isinstance(c, str) else list(c)


def _is_chrome(el: Tag) -> bool:
    if el.name in _DROP_TAGS:
        return True
    if el.has_attr("hidden") or el.get("aria-hidden") == "true":
        return True
    if (el.get("role") or "").lower() in _DROP_ROLES:
        return True
    if any(_DROP_CLASS.match(c) for c in _class_list(el)):
        return True
    el_id = el.get("id")
    if isinstance(el_id, str) and _DROP_ID.search(el_id) and el.name not in ("main", "article"):
        return True
    if el.name == "sup" and el.find("a", href=re.compile(r"^#fn")):
        return True  # a footnote reference mark
    return False


def _strip_chrome(root: Tag) -> None:
    for c in root.find_all(string=lambda s: isinstance(s, _NOT_TEXT)):
        c.extract()
    for el in list(root.find_all(True)):
        if el.decomposed or el.parent is None:
            continue
        if el.name in ("html", "body", "main"):
            continue
        if _is_chrome(el):
            el.decompose()


def _content_roots(soup: BeautifulSoup) -> list[Tag]:
    """The main content: outermost ``.govspeak`` blocks, else main/article/body."""
    gov = [el for el in soup.find_all(class_="govspeak") if not el.find_parent(class_="govspeak")]
    if gov:
        return gov
    for finder in (
        lambda: soup.find("main"),
        lambda: soup.find(attrs={"role": "main"}),
        lambda: soup.find(id="content"),
        lambda: soup.find("article"),
        lambda: soup.body,
    ):
        el = finder()
        if el is not None:
            return [el]
    return [soup]


def _text(el: Tag | NavigableString, skip_lists: bool = False) -> str:
    """Text of an element: inline pieces run together, block children spaced apart."""
    if isinstance(el, NavigableString):
        return str(el)
    out: list[str] = []
    for child in el.children:
        if isinstance(child, _NOT_TEXT):
            continue
        if isinstance(child, NavigableString):
            out.append(str(child))
        elif isinstance(child, Tag):
            if skip_lists and child.name in ("ul", "ol"):
                continue
            if child.name == "br" or child.name in _BLOCK:
                out.append(" " + _text(child, skip_lists) + " ")
            else:
                out.append(_text(child, skip_lists))
    return "".join(out)


def _alpha(n: int, upper: bool) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(ord("a") + r) + s
    return s.upper() if upper else s


def _roman(n: int, upper: bool) -> str:
    vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    s = ""
    for v, r in vals:
        while n >= v:
            s += r
            n -= v
    return s.upper() if upper else s


def format_counter(n: int, kind: str) -> str:
    """Display a list counter: ``1`` -> ``"1"``, ``"a"`` -> ``"a"``, ``"i"`` -> ``"i"``."""
    if n <= 0:
        return str(n)
    if kind in ("a", "A"):
        return _alpha(n, kind == "A")
    if kind in ("i", "I"):
        return _roman(n, kind == "I")
    return str(n)


def _int(v: object, default: int) -> int:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return default


def _list_type(ol: Tag) -> str:
    t = (ol.get("type") or "").strip()
    if t in ("a", "A", "i", "I", "1"):
        return t
    style = (ol.get("style") or "").lower()
    for css, k in (("lower-alpha", "a"), ("lower-latin", "a"), ("upper-alpha", "A"),
                   ("upper-latin", "A"), ("lower-roman", "i"), ("upper-roman", "I")):
        if css in style:
            return k
    return "1"


def _previous_block_text(el: Tag) -> str:
    prev = el.find_previous_sibling(True)
    return clean(_text(prev)) if prev is not None else ""


def _is_paragraph_list(ol: Tag) -> bool:
    """An ``<ol>`` whose items are the document's numbered paragraphs, not a list."""
    if _list_type(ol) != "1" or ol.find_parent("li") is not None:
        return False
    classes = " ".join(_class_list(ol)).lower()
    if "paragraph" in classes:
        return True
    if _previous_block_text(ol).endswith(":"):
        return False
    items = ol.find_all("li", recursive=False)
    if not items:
        return False
    if _int(ol.get("start"), 1) > 1 or any(li.has_attr("value") for li in items):
        return True
    texts = [clean(_text(li)) for li in items]
    words = sum(len(t.split()) for t in texts) / len(texts)
    return words >= 15 and all(t.endswith(_TERMINAL) for t in texts if t)


class _Walker:
    def __init__(self) -> None:
        self.units: list[RawUnit] = []
        self.inline: list[str] = []

    def emit(self, kind: str, text: str, level: int, number: str | None) -> None:
        text = clean(text)
        if text:
            self.units.append((kind, text, level, number))

    def flush_inline(self) -> None:
        if self.inline:
            self.paragraph("".join(self.inline))
            self.inline = []

    def paragraph(self, text: str) -> None:
        text = clean(text)
        # Same order as plain text: "(a)"/"1)" are list markers, "12." a paragraph number.
        is_list, marker, body = match_list_marker(text)
        if is_list:
            self.emit("list_item", body, 1, marker)
            return
        num, body = match_number(text)
        self.emit("paragraph", body, 0, num)

    def walk(self, el: Tag, depth: int = 0) -> None:
        for child in el.children:
            if isinstance(child, _NOT_TEXT):
                continue
            if isinstance(child, NavigableString):
                self.inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name not in _BLOCK and name not in ("br", "hr") and not child.find(_BLOCK_LIST):
                self.inline.append(_text(child))
                continue
            self.flush_inline()
            self.block(child, depth)
        self.flush_inline()

    def block(self, el: Tag, depth: int) -> None:
        name = el.name
        m = _HEADING.match(name or "")
        if m:
            self.emit("heading", _text(el), int(m.group(1)), None)
        elif name in ("p", "pre", "dt", "dd", "figcaption", "summary", "caption", "address"):
            if el.find(("ul", "ol", "table")) is not None:
                self.walk(el, depth)
            else:
                self.paragraph(_text(el))
        elif name == "ol" and _is_paragraph_list(el):
            self.numbered_paragraphs(el)
        elif name in ("ul", "ol", "menu", "dir"):
            self.list_items(el, depth + 1)
        elif name == "table":
            self.table(el)
        elif name in ("br", "hr"):
            return
        else:
            self.walk(el, depth)

    def numbered_paragraphs(self, ol: Tag) -> None:
        n = _int(ol.get("start"), 1) - 1
        for li in ol.find_all("li", recursive=False):
            n = _int(li.get("value"), n + 1)
            nested = li.find_all(("ul", "ol", "table"), recursive=False)
            self.emit("paragraph", _text(li, skip_lists=True) if nested else _text(li), 0, str(n))
            for sub in nested:
                self.block(sub, 0)

    def list_items(self, lst: Tag, depth: int) -> None:
        ordered = lst.name == "ol"
        kind = _list_type(lst) if ordered else ""
        n = _int(lst.get("start"), 1) - 1
        if ordered and lst.has_attr("reversed"):
            n = _int(lst.get("start"), len(lst.find_all("li", recursive=False))) + 1
        for li in lst.find_all("li", recursive=False):
            if ordered:
                n = _int(li.get("value"), n - 1 if lst.has_attr("reversed") else n + 1)
            number = format_counter(n, kind) if ordered else None
            text = clean(_text(li, skip_lists=True))
            typed, marker, body = match_list_marker(text)
            if typed:
                text, number = body, marker if marker is not None else number
            self.emit("list_item", text, depth, number)
            for sub in li.find_all(("ul", "ol"), recursive=False):
                self.list_items(sub, depth + 1)
            for sub in li.find_all("table", recursive=False):
                self.table(sub)

    def table(self, table: Tag) -> None:
        cap = table.find("caption")
        if cap is not None:
            self.paragraph(_text(cap))
        for tr in _rows(table):
            cells = [clean(_text(c)) for c in tr.find_all(("td", "th"), recursive=False)]
            row = " | ".join(c for c in cells if c)
            if row:
                self.emit("paragraph", row, 0, None)


def _rows(table: Tag) -> Iterator[Tag]:
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            yield tr


def page_title(soup: BeautifulSoup) -> str | None:
    """``<title>`` without the site suffix (" - GOV.UK")."""
    if soup.title is None:
        return None
    t = clean(soup.title.get_text(" "))
    t = re.sub(r"\s+[-\u2013\u2014|]\s+GOV\.UK$", "", t)
    return t or None


def parse_html(data: bytes) -> Parsed:
    """Parse an HTML page into raw units (the title comes from ``<title>`` if no ``<h1>``).

    Raises:
        BadInput: the page has no body text once navigation and chrome are dropped.
    """
    soup = BeautifulSoup(data, "lxml")
    title = page_title(soup)
    roots = _content_roots(soup)
    h1 = None
    if soup.find("h1") is not None and not any(r.find("h1") for r in roots):
        h1 = clean(_text(soup.find("h1")))  # title outside the content (GOV.UK publication header)
    w = _Walker()
    for root in roots:
        _strip_chrome(root)
        w.walk(root)
    if not any(kind != "heading" for kind, *_ in w.units):
        raise BadInput(
            "has no body text",
            "only navigation, headers or an empty page were found",
            "check the URL or file is the guidance page itself, not a landing or error page",
        )
    # A title given outside the content is the title; otherwise the first <h1> may be.
    return Parsed(w.units, title=h1 or None, fallback_title=title)
