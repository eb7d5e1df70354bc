"""OPML subscription lists in and out.

In: listparser (a maintained, tolerant parser of OPML 1.0/2.0 as real readers write it:
missing titles, `text` vs `title`, folders, `category` attributes, odd nesting) gives
feeds with their folder paths; we turn every folder name and category on the way into a
tag, so `Tech > Python > feed` is tagged `[Tech, Python]`. Nothing here fetches anything:
listparser is only ever given bytes (given a URL string it would download it itself).

Out: OPML 2.0 (http://opml.org/spec2.opml) with the standard library. Each feed is an
`<outline type="rss" text=... title=... xmlUrl=...>`; feeds with tags sit in a folder
named after their first tag (the shape readers import as folders) and carry all their tags
in the `category` attribute (comma-separated, slash-prefixed, as the spec says), so an
export imported again gives the same tags.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import listparser

from ingest.config import FeedSpec
from ingest.core.errors import ParseError


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class OpmlList:
    """What an OPML file holds: feeds, plus outlines that are not feeds (with a reason)."""

    title: str | None
    version: str  # "opml1", "opml2", or "opml" when the file does not say
    feeds: tuple[OpmlFeed, ...]
    ignored: tuple[tuple[str, str], ...]  # (url, reason)
    repeats: tuple[tuple[str, int], ...] = ()  # (xmlUrl, times) listed more than once


def parse_opml(body: bytes) -> OpmlList:
    """Feeds of an OPML document in document order; ParseError when it is not OPML."""
    parsed = listparser.parse(body)
    if not parsed.get("version", "").startswith("opml"):
        reason = parsed.get("bozo_exception")
        raise ParseError("not an OPML subscription list" + (f" ({reason})" if reason else ""))
    feeds = tuple(
        OpmlFeed(url=f["url"], title=f.get("title") or None, tags=_tags(f["categories"]))
        for f in parsed["feeds"]
    )
    ignored = [(x["url"], "a link to another subscription list") for x in parsed["lists"]]
    ignored += [(x["url"], "a site link without xmlUrl") for x in parsed["opportunities"]]
    return OpmlList(
        title=parsed["meta"].get("title"),
        version=parsed["version"],
        feeds=feeds,
        ignored=tuple(ignored),
        repeats=_repeats(body),
    )


_XMLURL_RE = re.compile(rb"""\bxmlUrl\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _repeats(body: bytes) -> tuple[tuple[str, int], ...]:
    """xmlUrls listed more than once: listparser merges them silently, we say so."""
    counts: Counter[str] = Counter()
    for m in _XMLURL_RE.finditer(body):
        raw = (m[1] if m[1] is not None else m[2]).decode("utf-8", "replace")
        counts[html.unescape(raw).strip()] += 1
    return tuple((url, n) for url, n in counts.items() if n > 1)


def _tags(categories: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Every folder and category name on a feed's paths, once, in order of appearance."""
    tags: list[str] = []
    for path in categories:
        for name in path:
            if name.strip() and name.strip() not in tags:
                tags.append(name.strip())
    return tuple(tags)


def export_opml(feeds: Sequence[FeedSpec], now: datetime, title: str = "news-ingest feeds") -> str:
    """An OPML 2.0 document of `feeds`; `now` stamps dateCreated."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.tags:
            first = feed.tags[0]
            if first not in folders:
                folders[first] = ET.SubElement(body, "outline", text=first, title=first)
            parent = folders[first]
        ET.SubElement(parent, "outline", _attributes(feed))
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _attributes(feed: FeedSpec) -> dict[str, str]:
    attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
    # A tag holding "/" or "," cannot be written in `category` without changing its meaning.
    plain = [tag for tag in feed.tags if "/" not in tag and "," not in tag]
    if plain:
        attrs["category"] = ",".join("/" + tag for tag in plain)
    return attrs
