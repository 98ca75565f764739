"""GOV.UK pages through the Content API (``/api/content/<path>``).

A watched ``https://www.gov.uk/...`` page is read as its content item: its title,
``public_updated_at`` (the version clock: it moves only on a major change) and
``details.change_history`` (the change notes). What gets compared is one attachment:
an HTML publication (its own content item, whose ``details.body`` is the text) or a
file on the assets host (a PDF, fetched as bytes). With no attachment, the page's own
body is the text.

Hosts are settings so that tests point them at a local server:
``GUIDANCE_TRACKER_GOVUK_URL`` (default https://www.gov.uk) and
``GUIDANCE_TRACKER_GOVUK_ASSETS_URL`` (default https://assets.publishing.service.gov.uk).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tracker.errors import FetchError
from tracker.fetch.http import API, DOCUMENT, Fetched, HttpClient

__all__ = [
    "GovukItem",
    "api_url",
    "assets_base",
    "choose_attachment",
    "govuk_base",
    "is_govuk",
    "resolve",
    "wrap_body",
]

GOVUK_HOSTS = frozenset({"www.gov.uk", "gov.uk"})
ASSETS_HOSTS = frozenset({"assets.publishing.service.gov.uk"})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FILE_PREFERENCE = ("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def govuk_base() -> str:
    return (os.environ.get("GUIDANCE_TRACKER_GOVUK_URL") or "https://www.gov.uk").rstrip("/")


def assets_base() -> str:
    return (os.environ.get("GUIDANCE_TRACKER_GOVUK_ASSETS_URL") or "https://assets.publishing.service.gov.uk").rstrip("/")


def _root(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def is_govuk(url: str) -> bool:
    """A www.gov.uk page (or one under the configured GOV.UK base)."""
    host = urlsplit(url).netloc.lower()
    return host in GOVUK_HOSTS or (govuk_base() != "https://www.gov.uk" and url.lower().startswith(govuk_base().lower() + "/"))


def api_url(url_or_path: str) -> str:
    """``https://www.gov.uk/government/publications/x`` -> ``<base>/api/content/government/publications/x``."""
    path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path.split("?", 1)[0]
    base_path = urlsplit(govuk_base()).path.rstrip("/")
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path):]
    if path.startswith("/api/content/"):
        path = path[len("/api/content"):]
    return f"{govuk_base()}/api/content/{path.strip('/')}"


def _local(url: str) -> str:
    """Point an attachment URL at the configured hosts (relative paths go to GOV.UK)."""
    if "://" not in url:
        return govuk_base() + "/" + url.lstrip("/")
    p = urlsplit(url)
    rest = url[len(f"{p.scheme}://{p.netloc}"):]
    if p.netloc.lower() in ASSETS_HOSTS:
        return assets_base() + rest
    if p.netloc.lower() in GOVUK_HOSTS:
        return govuk_base() + rest
    return url


def _public_url(url: str) -> str:
    """The address a reader would use (for provenance): relative paths on www.gov.uk."""
    return "https://www.gov.uk/" + url.lstrip("/") if "://" not in url else url


@dataclass(frozen=True)
class GovukItem:
    """A resolved GOV.UK page: what to fetch and what to record with it."""

    page_url: str
    title: str | None
    public_updated_at: str | None
    change_history: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "body"
    """``html`` (an HTML publication), ``file`` (an asset) or ``body`` (the page itself)."""
    fetch_url: str = ""
    """The URL to GET for the text: a Content API URL (html) or an asset URL (file)."""
    source: str = ""
    """The attachment's public URL, recorded as the version's source."""
    attachment_title: str | None = None
    body: str | None = None
    """For ``body``: the page's own HTML."""
    api: Fetched | None = None
    publisher: str | None = None
    """The publishing organisations (``links.organisations[].title``), joined."""


def wrap_body(title: str | None, body: str) -> bytes:
    """An HTML publication's ``details.body`` as a standalone HTML page.

    Only the title and the body go in (no dates), so the bytes, and so the version's
    hash, change only when the text does.
    """
    t = html.escape(title or "")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>' + t + "</title></head>\n"
        "<body><main><h1>" + t + "</h1>\n" + body + "\n</main></body></html>\n"
    ).encode("utf-8")


def choose_attachment(attachments: list[dict[str, Any]], selector: str | None, page: str) -> dict[str, Any] | None:
    """The attachment to compare: ``selector`` (a number from 1, or words of its title),
    else the first HTML publication, else the first PDF (or DOCX), else None.

    Raises:
        FetchError: the selector matches nothing (the message lists the attachments).
    """
    usable = [a for a in attachments if isinstance(a, dict) and a.get("url")]
    listing = "; ".join(f"{n}. {a.get('title') or a.get('url')}" for n, a in enumerate(usable, 1)) or "none"
    if selector:
        sel = selector.strip()
        if sel.isdigit():
            n = int(sel)
            if 1 <= n <= len(usable):
                return usable[n - 1]
        else:
            for a in usable:
                if sel.lower() in str(a.get("title") or "").lower():
                    return a
        raise FetchError(
            f"{page} has no attachment {sel!r}", f"its attachments are: {listing}",
            "pick one by number or title words with `guidance-tracker watch add URL --name NAME --attachment N`",
        )
    for a in usable:
        if a.get("attachment_type") == "html" or str(a.get("content_type", "")).startswith(_HTML_TYPES):
            return a
    for ctype in _FILE_PREFERENCE:
        for a in usable:
            if a.get("content_type") == ctype:
                return a
    for a in usable:
        if str(a.get("url", "")).lower().endswith((".pdf", ".docx")):
            return a
    return None


def _organisations(item: dict[str, Any]) -> str | None:
    """``links.organisations[].title`` joined: who publishes the page (``Department for Education``)."""
    orgs = (item.get("links") or {}).get("organisations") or []
    names = [str(o["title"]).strip() for o in orgs if isinstance(o, dict) and o.get("title")]
    return ", ".join(dict.fromkeys(n for n in names if n))[:300] or None


def resolve(client: HttpClient, url: str, attachment: str | None = None) -> GovukItem:
    """Read a GOV.UK page's content item and pick what to compare.

    Raises:
        FetchError: the API failed, the page is gone, or no text was found.
    """
    api = client.get(api_url(url), accept=API)
    item = api.json()
    if not isinstance(item, dict):
        raise FetchError(f"{api.url} is not a GOV.UK content item", "the JSON is not an object", "check GUIDANCE_TRACKER_GOVUK_URL")
    details = item.get("details") or {}
    common = {
        "page_url": url, "title": item.get("title"), "public_updated_at": item.get("public_updated_at"),
        "change_history": [c for c in details.get("change_history") or [] if isinstance(c, dict)], "api": api,
        "publisher": _organisations(item),
    }
    if item.get("schema_name") == "html_publication" or not (details.get("attachments") or attachment):
        body = details.get("body")
        if not body:
            raise FetchError(
                f"{url} has no text and no attachments in the Content API", f"its schema is {item.get('schema_name')}",
                "watch the publication page itself, or the PDF's own URL",
            )
        return GovukItem(kind="body", fetch_url=api.url, source=url, body=body, **common)
    chosen = choose_attachment(list(details.get("attachments") or []), attachment, url)
    if chosen is None:
        raise FetchError(
            f"{url} has no HTML or PDF attachment", "only other file types are attached",
            "pick one with `watch add URL --name NAME --attachment N`, or watch the file's own URL",
        )
    a_url = str(chosen["url"])
    is_html = chosen.get("attachment_type") == "html" or str(chosen.get("content_type", "")).startswith(_HTML_TYPES)
    if is_html:
        return GovukItem(kind="html", fetch_url=api_url(a_url), source=_public_url(a_url), attachment_title=chosen.get("title"), **common)
    return GovukItem(kind="file", fetch_url=_local(a_url), source=_public_url(a_url), attachment_title=chosen.get("title"), **common)


def fetch_text(client: HttpClient, item: GovukItem, *, etag: str | None = None, last_modified: str | None = None) -> tuple[Fetched, bytes | None]:
    """Fetch the chosen text: ``(response, bytes to store)``; bytes are None on a 304.

    Raises:
        FetchError: the attachment could not be fetched or has no body.
    """
    if item.kind == "body":
        assert item.api is not None and item.body is not None
        return item.api, wrap_body(item.title, item.body)
    if item.kind == "html":
        got = client.get(item.fetch_url, accept=API, etag=etag, last_modified=last_modified)
        if got.not_modified:
            return got, None
        pub = got.json()
        body = (pub.get("details") or {}).get("body") if isinstance(pub, dict) else None
        if not body:
            raise FetchError(f"{item.fetch_url} has no details.body", "the HTML publication is empty or not an html_publication", "report it, or pick another attachment with --attachment")
        return got, wrap_body(pub.get("title") or item.attachment_title or item.title, body)
    got = client.get(item.fetch_url, accept=DOCUMENT, etag=etag, last_modified=last_modified)
    return got, None if got.not_modified else got.content
