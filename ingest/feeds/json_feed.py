"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), parsed directly:
feedparser does not read it."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ingest.core.dates import parse_date
from ingest.core.errors import ParseError
from ingest.core.text import clean_text, decode_utf8_lenient
from ingest.core.types import EntryData, FeedData
from ingest.core.urls import resolve

# A version that names JSON Feed: its URL (the spec), or a bare "1.0" or "1.1", which
# some generators write and other readers accept. A lone "1" names nothing in particular.
_BARE_VERSION = re.compile(r"^v?(1\.[01])$")


def parse_json_feed(url: str, body: bytes, content_type: str | None = None) -> FeedData:
    data = json.loads(decode_utf8_lenient(body))
    if not isinstance(data, dict):
        raise ParseError("JSON document is not a JSON Feed (not an object)")
    raw_version = str(data.get("version") or "").strip()
    bare = _BARE_VERSION.match(raw_version)
    if "jsonfeed.org/version/" not in raw_version and not bare:
        raise ParseError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed has no 'items' list")
    warnings: tuple[str, ...] = ()
    if bare:
        number = bare[1]
        warnings = (
            f"JSON Feed version {raw_version!r} is not the jsonfeed.org URL; read as {number}",
        )
    else:
        number = raw_version.rstrip("/").rsplit("/", 1)[-1]
    version = number.replace(".", "")
    base = _str(data.get("home_page_url")) or url
    language = _str(data.get("language"))
    return FeedData(
        format=f"json{version}",
        title=_str(data.get("title")),
        link=_str(data.get("home_page_url")),
        language=language,
        entries=tuple(_entry(i, base, language) for i in items if isinstance(i, dict)),
        warnings=warnings,
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _text_as_html(text: str | None) -> str | None:
    """content_text's blank-line-separated paragraphs as HTML, so one splitter serves both."""
    if not text:
        return None
    blocks = (b.strip() for b in text.replace("\r\n", "\n").split("\n\n"))
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks if b)


def _entry(item: dict[str, Any], base: str, language: str | None) -> EntryData:
    authors = item.get("authors")
    if not isinstance(authors, list):  # JSON Feed 1.0 had one "author" object
        authors = [item["author"]] if isinstance(item.get("author"), dict) else []
    author = ", ".join(
        clean_text(a["name"]) for a in authors if isinstance(a, dict) and _str(a.get("name"))
    )
    content = _str(item.get("content_html")) or _text_as_html(_str(item.get("content_text")))
    title = _str(item.get("title"))
    item_id = item.get("id")
    published = parse_date(_str(item.get("date_published")))
    updated = parse_date(_str(item.get("date_modified")))
    return EntryData(
        key="",
        guid=clean_text(str(item_id))[:2000] or None if item_id not in (None, "") else None,
        link=resolve(base, _str(item.get("url")) or _str(item.get("external_url"))),
        title=clean_text(title) if title else None,
        summary=_str(item.get("summary")),
        content=content,
        published=published or updated,
        updated=updated,
        author=author or None,
        language=clean_text(_str(item.get("language")) or "") or language,
    )
