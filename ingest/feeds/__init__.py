"""Detect a feed's format and dispatch: `parse_feed(url, body, content_type) -> FeedData`.

Entry identity is decided here, once, in this order (anchor: miniflux rss/adapter.go):
  1. the entry's GUID / Atom id / JSON Feed id;
  2. GUID + link, for every item of a feed whose GUIDs repeat (some feeds give all items
     the same GUID), so none of the colliding items is lost;
  3. the link, when there is no GUID;
  4. a hash of title and date (or title and content) when there is neither.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from ingest.core.errors import ParseError, wrap_errors
from ingest.core.types import EntryData, FeedData
from ingest.feeds.json_feed import parse_json_feed
from ingest.feeds.xml_feed import parse_xml_feed

_HTML_RE = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_ALTERNATE_RE = re.compile(
    rb"<link\b[^>]*\btype=[\"']application/(?:rss|atom|feed)\+(?:xml|json)[\"'][^>]*>", re.I
)
_HREF_RE = re.compile(rb"\bhref=[\"']([^\"']+)[\"']", re.I)


def parse_feed(url: str, body: bytes, content_type: str | None = None) -> FeedData:
    """Parse RSS 0.9x/1.0/2.0, Atom or JSON Feed; raise ParseError with a helpful reason."""
    if not body.strip():
        raise ParseError("empty response: the server sent no feed")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    parser: Callable[[str, bytes, str | None], FeedData]
    parser = parse_json_feed if head in (b"{", b"[") else parse_xml_feed
    if _HTML_RE.match(body[:4096]) and parser is parse_xml_feed:
        raise ParseError(_html_instead_of_feed(url, body))
    try:
        with wrap_errors(ParseError, "cannot read the feed"):
            feed = parser(url, body, content_type)
    except ParseError as exc:
        if isinstance(exc.__cause__, json.JSONDecodeError):
            raise ParseError(f"not a valid JSON Feed: {exc.__cause__}") from None
        if isinstance(exc.__cause__, RecursionError):
            raise ParseError("the feed is nested too deeply to read") from None
        raise
    return replace(feed, entries=assign_keys(feed.entries))


def _html_instead_of_feed(url: str, body: bytes) -> str:
    from urllib.parse import urljoin

    for tag in _ALTERNATE_RE.findall(body[:200_000]):
        if href := _HREF_RE.search(tag):
            link = urljoin(url, href[1].decode("utf-8", "replace"))
            return f"got an HTML page, not a feed; the page advertises a feed at {link}"
    return "got an HTML page, not a feed (and the page advertises no feed link)"


def entry_hash(*parts: str | None) -> str:
    """A stable key from content when an entry has no GUID and no link."""
    joined = json.dumps([p or "" for p in parts], ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()[:32]


def assign_keys(entries: tuple[EntryData, ...]) -> tuple[EntryData, ...]:
    """Give every entry its identity (see the module docstring for the order)."""
    guid_counts = Counter(e.guid for e in entries if e.guid)
    keyed: list[EntryData] = []
    seen: Counter[str] = Counter()
    for entry in entries:
        if entry.guid and guid_counts[entry.guid] > 1:
            key = f"{entry.guid} {entry.link or entry_hash(entry.title, entry.summary)}"
        elif entry.guid:
            key = entry.guid
        elif entry.link:
            key = entry.link
        else:
            date = entry.published.isoformat() if entry.published else None
            key = entry_hash(entry.title, date or entry.summary or entry.content)
        # Exact repeats of one item within one feed keep their first occurrence only.
        seen[key] += 1
        if seen[key] == 1:
            keyed.append(replace(entry, key=key[:2000]))
    return tuple(keyed)
