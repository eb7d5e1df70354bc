"""RSS 0.9x / 1.0 (RDF) / 2.0 and Atom, through feedparser, into our EntryData."""

from __future__ import annotations

import re
from typing import Any

import feedparser
import feedparser.api

from ingest.core.dates import parse_date
from ingest.core.errors import ParseError
from ingest.core.html import html_to_text
from ingest.core.text import clean_text, decode_utf8_lenient
from ingest.core.types import EntryData, FeedData
from ingest.core.urls import resolve

_feedparser_replace_doctype = feedparser.api.replace_doctype


def _no_entities(data: bytes) -> tuple[str | None, bytes, dict[str, str]]:
    """feedparser's DOCTYPE step, made strict: no XML entity is ever declared or expanded.

    feedparser keeps "safe" entity declarations (a 50 KB text entity referenced 100,000
    times is "safe"), and its regexes only read the text before the first `<name`, so a
    DOCTYPE placed after a comment such as `<!-- <a -->` reaches expat whole, and expat
    expands nested entities ("billion laughs") up to its own amplification limit, which
    for a 10 MB feed is 1 GB. Every DOCTYPE left is renamed `<!doctype`, which XML (case
    sensitive) does not know: expat rejects the document before any declaration and the
    loose parser reads it with no custom entities (references stay literal text). External
    entities (XXE) are never resolved either way. This runs after feedparser's conversion
    to UTF-8, so a UTF-16 or UTF-32 feed cannot slip past it. Issue 5.
    """
    version, data, _safe_entities = _feedparser_replace_doctype(data)
    return version, data.replace(b"<!DOCTYPE", b"<!doctype"), {}


# feedparser has no option for this; its module-level step is the one seam it offers.
feedparser.api.replace_doctype = _no_entities

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_PROLOG_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([\w.:-]+)", re.IGNORECASE)


def repair_utf8(body: bytes) -> bytes:
    """UTF-8 with a few invalid bytes, made valid: each read as Windows-1252 (U+FFFD
    where that has no character), so a stray "\xe9" in a title still reads "é".

    Without this, feedparser falls back to windows-1252 for the whole feed and every
    correct accented letter turns into mojibake ("CafÃ©"). Only for documents that declare
    UTF-8 or nothing and hold real UTF-8 sequences: a feed in windows-1252 or ISO-8859-1
    labelled UTF-8 has none and is left to feedparser's fallbacks, which read it right.
    """
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    head = body[:200].lstrip(b"\xef\xbb\xbf")
    declared = _PROLOG_ENCODING.match(head)
    if b"\0" in head or (
        declared and declared[1].lower().replace(b"_", b"-") not in (b"utf-8", b"utf8")
    ):
        return body  # UTF-16/32, or another declared charset: not ours to second-guess
    if not _UTF8_MULTIBYTE.search(body):
        return body
    return decode_utf8_lenient(body).encode("utf-8")


# sy:updatePeriod in seconds (RSS 1.0 syndication module)
_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 604800,
    "monthly": 2592000,
    "yearly": 31536000,
}


def parse_xml_feed(url: str, body: bytes, content_type: str | None = None) -> FeedData:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(repair_utf8(body), response_headers=headers, sanitize_html=True)
    if not parsed.version and not parsed.entries:
        reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: None)()
        raise ParseError("not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    meta = parsed.feed
    base = meta.get("link") or url
    entries = tuple(_entry(e, url, base) for e in parsed.entries)
    warnings: tuple[str, ...] = ()
    if parsed.bozo and parsed.get("bozo_exception") is not None:
        warnings = (f"feed is not well-formed: {parsed.bozo_exception}"[:300],)
    if b"<!ENTITY" in body:
        warnings += ("XML entity declarations ignored: entities are never expanded",)
    return FeedData(
        format=parsed.version or "unknown",
        title=_text(meta.get("title"), meta.get("title_detail")),
        link=meta.get("link"),
        language=meta.get("language"),
        entries=entries,
        ttl=_ttl(meta),
        warnings=warnings,
    )


def _text(value: Any, detail: Any = None) -> str | None:
    """Plain text of a feed field; HTML-typed fields (Atom type="html") are stripped."""
    if not isinstance(value, str):
        return None
    if detail and "html" in str(detail.get("type", "")):
        return html_to_text(value) or None
    return clean_text(value) or None


def _entry(e: Any, feed_url: str, base: str) -> EntryData:
    link = e.get("link") or next(
        (lk.get("href") for lk in e.get("links", []) if lk.get("href")), None
    )
    content = None
    if e.get("content"):
        # Atom may carry several; the longest is the full text, not a summary.
        content = max((c.get("value") or "" for c in e["content"]), key=len) or None
    summary = e.get("summary")
    if content and summary == content:
        summary = None
    guid = e.get("id") or None
    # feedparser turns a permalink GUID into the link; keep it as GUID all the same.
    published = parse_date(e.get("published")) or parse_date(e.get("created"))
    # dict.get: feedparser maps a missing "updated" to "published" with a warning.
    updated = parse_date(dict.get(e, "updated"))
    return EntryData(
        key="",  # decided by parse.assign_keys
        guid=clean_text(guid)[:2000] or None if guid else None,
        link=resolve(feed_url, link),
        title=_text(e.get("title"), e.get("title_detail")),
        summary=summary or None,
        content=content,
        published=published or updated,
        updated=updated,
        author=_text(e.get("author")),
        language=(e.get("title_detail") or {}).get("language") or None,
    )


def _ttl(meta: Any) -> float | None:
    ttl = meta.get("ttl")
    if isinstance(ttl, str) and ttl.strip().isdigit():
        return int(ttl) * 60.0  # RSS <ttl> is in minutes
    period = _PERIODS.get(str(meta.get("sy_updateperiod", "")).strip().lower())
    if period:
        freq = str(meta.get("sy_updatefrequency", "1")).strip()
        return period / max(1, int(freq)) if freq.isdigit() else float(period)
    return None
