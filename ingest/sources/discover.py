"""Find the feeds of a site: a URL (feed, home page or article page) -> candidate feeds.

The order of the search, and why:
  1. the URL itself, when it already is a feed (the common case of a pasted feed URL);
  2. the page's `<link rel="alternate">` of RSS, Atom, RDF or JSON Feed types, in document
     order (the publisher's own statement; the first is usually the main feed);
  3. only when 2 yields nothing usable, common paths at the site root (/feed, /rss, ...),
     as WordPress, Ghost, Hugo, Jekyll and most CMSs publish them.
Every candidate is fetched and parsed before it is shown, so what the user picks is known
to work: title, format, item count and newest item date come from the feed itself.
Advertised links that fail are reported (the site is broken, the user may want to know);
guessed paths that fail are not (they are guesses).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ingest.config import Config
from ingest.core.errors import FetchError, HTTPStatusError, IngestError, ParseError
from ingest.core.types import FeedData
from ingest.core.urls import canonical_url, is_http_url
from ingest.feeds import parse_feed
from ingest.fetch import FEED_ACCEPT, Fetcher
from ingest.fetch.netguard import Network

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
    }
)
COMMON_PATHS = ("/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/feed.json")
# A page or a feed: whichever the URL turns out to be.
ANY_ACCEPT = (
    "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
    "application/feed+json, application/xml;q=0.9, */*;q=0.8"
)


@dataclass(frozen=True)
class Alternate:
    """A feed link as a page advertises it."""

    url: str
    type: str
    title: str | None


@dataclass(frozen=True)
class Candidate:
    """A feed that was fetched and parsed: safe to add."""

    url: str  # what to write in feeds.yaml (the target of a permanent redirect, if any)
    found_by: str  # "url" (given), "link" (rel=alternate) or "path" (common path)
    title: str | None
    format: str
    items: int
    newest: datetime | None
    site: str | None  # the feed's own link to its site
    # The first entry keys: /rss and /feed.xml serving one feed under two URLs are one.
    signature: tuple[str, ...] = ()


@dataclass(frozen=True)
class Discovery:
    url: str
    candidates: tuple[Candidate, ...]
    rejected: tuple[tuple[str, str], ...] = ()  # (advertised URL, why it is not usable)

    @property
    def given_is_feed(self) -> bool:
        return len(self.candidates) == 1 and self.candidates[0].found_by == "url"


# -- pure parts ---------------------------------------------------------------------------


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "link":
            self.links.append(values)

    handle_startendtag = handle_starttag


def find_alternates(html: str, page_url: str) -> list[Alternate]:
    """Feed links a page advertises, absolute, in document order, without repeats."""
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    base = urljoin(page_url, collector.base) if collector.base else page_url
    found: list[Alternate] = []
    seen: set[str] = set()
    for link in collector.links:
        rels = link.get("rel", "").lower().split()
        kind = link.get("type", "").split(";")[0].strip().lower()
        href = link.get("href", "").strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        url = urljoin(base, href)
        if is_http_url(url) and canonical_url(url) not in seen:
            seen.add(canonical_url(url))
            found.append(Alternate(url, kind, link.get("title", "").strip() or None))
    return found


def common_path_urls(page_url: str) -> list[str]:
    """The usual feed locations at the root of the page's site."""
    parts = urlsplit(page_url)
    root = f"{parts.scheme}://{parts.netloc}"
    return [root + path for path in COMMON_PATHS]


def newest_date(feed: FeedData) -> datetime | None:
    dates = [d for e in feed.entries for d in (e.published or e.updated,) if d is not None]
    return max(dates, default=None)


def candidate_from(url: str, found_by: str, feed: FeedData) -> Candidate:
    return Candidate(
        url=url,
        found_by=found_by,
        title=feed.title,
        format=feed.format,
        items=len(feed.entries),
        newest=newest_date(feed),
        site=feed.link,
        signature=tuple(e.key for e in feed.entries[:5]),
    )


def _decode(body: bytes, charset: str | None) -> str:
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name from the server
        return body.decode("utf-8", errors="replace")


# -- the search (network) -----------------------------------------------------------------


async def probe(
    fetcher: Fetcher, url: str, found_by: str, allow: Sequence[Network], max_bytes: int
) -> Candidate:
    """Fetch and parse one feed URL; raises FetchError / ParseError when it is not one."""
    fetched = await fetcher.fetch(url, max_bytes=max_bytes, allow=allow, accept=FEED_ACCEPT)
    feed = parse_feed(fetched.final_url, fetched.content, fetched.content_type)
    return candidate_from(fetched.permanent_redirect or url, found_by, feed)


async def discover_async(url: str, config: Config, fetcher: Fetcher) -> Discovery:
    settings, allow = config.settings, config.allowed_networks()
    try:
        page = await fetcher.fetch(
            url,
            max_bytes=max(settings.max_page_bytes, settings.max_feed_bytes),
            allow=allow,
            accept=ANY_ACCEPT,
        )
    except HTTPStatusError as exc:
        # The page is missing (a 404 on a mistyped path): the site's usual feed paths
        # may still answer. Say which URL failed and what else was tried.
        guessed = [u for u in common_path_urls(url) if canonical_url(u) != canonical_url(url)]
        found, _ = await _probe_all(fetcher, guessed, "path", allow, settings.max_feed_bytes)
        if found:
            return Discovery(url, tuple(_unique(found)), ((url, str(exc)),))
        paths = ", ".join(COMMON_PATHS)
        raise FetchError(
            f"{url}: {exc}; no feed either at the site's usual paths ({paths}): check the "
            "address, or give the feed's own URL",
            url,
        ) from None
    except FetchError as exc:
        raise FetchError(f"cannot fetch {url}: {exc}", url) from None
    try:
        feed = parse_feed(page.final_url, page.content, page.content_type)
        return Discovery(url, (candidate_from(page.permanent_redirect or url, "url", feed),))
    except ParseError:
        pass  # not a feed: a page to search
    alternates = find_alternates(_decode(page.content, page.charset), page.final_url)
    found, rejected = await _probe_all(
        fetcher, [a.url for a in alternates], "link", allow, settings.max_feed_bytes
    )
    if not found:
        advertised = {a.url for a in alternates}
        guessed = [u for u in common_path_urls(page.final_url) if u not in advertised]
        found, _ = await _probe_all(fetcher, guessed, "path", allow, settings.max_feed_bytes)
    return Discovery(url, tuple(_unique(found)), tuple(rejected))


async def _probe_all(
    fetcher: Fetcher, urls: Sequence[str], found_by: str, allow: Sequence[Network], max_bytes: int
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    async def one(u: str) -> Candidate | IngestError:
        try:
            return await probe(fetcher, u, found_by, allow, max_bytes)
        except (FetchError, ParseError) as exc:
            return exc

    results = await asyncio.gather(*(one(u) for u in urls))
    found = [r for r in results if isinstance(r, Candidate)]
    pairs = zip(urls, results, strict=True)
    rejected = [(u, str(r)) for u, r in pairs if isinstance(r, IngestError)]
    return found, rejected


def _unique(candidates: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per feed: per canonical URL, and per content for guessed paths."""
    seen: set[object] = set()
    out = []
    for c in candidates:
        same: set[object] = {canonical_url(c.url)}
        if c.found_by == "path" and c.signature:
            same.add((c.title, c.format, c.items, c.signature))
        if not same & seen:
            out.append(c)
        seen |= same
    return out


async def _discover(url: str, config: Config) -> Discovery:
    async with Fetcher.from_settings(config.settings) as fetcher:
        return await discover_async(url, config, fetcher)


def discover(url: str, config: Config) -> Discovery:
    """Candidates for `url`; raises FetchError when the URL itself cannot be fetched."""
    if not is_http_url(url):
        raise FetchError(f"not an http(s) URL: {url}", url)
    return asyncio.run(_discover(url, config))
