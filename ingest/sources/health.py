"""Feed health: fetch and parse a feed now, store nothing, say what is wrong with it.

`check_feed` does the I/O (one GET, then one conditional GET when the server gave
validators, to see whether it honours them); `diagnose` is the pure judgement of what
came back, with `now` passed in. A feed is `ok` when it could be fetched and parsed;
everything else it reports is advice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ingest.config import Config, FeedSpec
from ingest.core.errors import FetchError, HTTPStatusError, ParseError
from ingest.core.types import FeedData, FetchResult
from ingest.core.urls import is_http_url
from ingest.feeds import parse_feed
from ingest.fetch import FEED_ACCEPT, Fetcher
from ingest.sources.discover import newest_date
from ingest.sources.manage import name_from_url

# A news feed whose newest item is older than this has probably stopped or moved.
STALE_AFTER = timedelta(days=90)
# Clock skew and time zones mislabelled as UTC: a little of the future is tolerated.
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class FeedHealth:
    name: str
    url: str
    ok: bool
    http_status: int | None = None
    final_url: str | None = None
    format: str | None = None
    title: str | None = None
    items: int = 0
    newest: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None
    revalidates: bool | None = None  # None: no validators to try
    problems: tuple[str, ...] = field(default_factory=tuple)


def diagnose(
    fetched: FetchResult, feed: FeedData, revalidates: bool | None, now: datetime
) -> list[str]:
    """Problems worth telling the user about a feed that was fetched and parsed."""
    problems: list[str] = []
    if fetched.permanent_redirect:
        problems.append(
            f"moved permanently to {fetched.permanent_redirect}: update its url in feeds.yaml"
        )
    problems.extend(feed.warnings)
    total = len(feed.entries)
    if total == 0:
        problems.append("the feed has no items")
    undated = sum(1 for e in feed.entries if e.published is None and e.updated is None)
    if undated:
        problems.append(f"{undated} of {total} items have no date (the fetch time stands in)")
    unlinked = sum(1 for e in feed.entries if not is_http_url(e.link))
    if unlinked:
        problems.append(f"{unlinked} of {total} items have no http(s) link")
    newest = newest_date(feed)
    if newest is not None and now - newest > STALE_AFTER:
        problems.append(f"newest item is {(now - newest).days} days old: the feed may be dead")
    if newest is not None and newest - now > FUTURE_SLACK:
        problems.append(f"newest item is dated in the future ({newest.isoformat()})")
    if not fetched.etag and not fetched.last_modified:
        problems.append("no ETag or Last-Modified: every poll downloads the whole feed")
    elif revalidates is False:
        problems.append("the server ignores If-None-Match/If-Modified-Since (200, not 304)")
    return problems


async def check_feed(spec: FeedSpec, config: Config, fetcher: Fetcher, now: datetime) -> FeedHealth:
    allow = config.allowed_networks(spec)
    limit = config.settings.max_feed_bytes
    try:
        fetched = await fetcher.fetch(spec.url, max_bytes=limit, allow=allow, accept=FEED_ACCEPT)
        feed = parse_feed(fetched.final_url, fetched.content, fetched.content_type)
        revalidates = await _revalidates(spec, fetched, config, fetcher)
    except (FetchError, ParseError) as exc:
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        return FeedHealth(
            spec.name, spec.url, ok=False, http_status=status, problems=(_describe(exc),)
        )
    return FeedHealth(
        name=spec.name,
        url=spec.url,
        ok=True,
        http_status=fetched.status,
        final_url=fetched.final_url,
        format=feed.format,
        title=feed.title,
        items=len(feed.entries),
        newest=newest_date(feed),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        max_age=fetched.cache_max_age,
        revalidates=revalidates,
        problems=tuple(diagnose(fetched, feed, revalidates, now)),
    )


async def _revalidates(
    spec: FeedSpec, first: FetchResult, config: Config, fetcher: Fetcher
) -> bool | None:
    """Does a conditional GET with the validators just received give 304?"""
    if not first.etag and not first.last_modified:
        return None
    try:
        again = await fetcher.fetch(
            spec.url,
            max_bytes=config.settings.max_feed_bytes,
            allow=config.allowed_networks(spec),
            etag=first.etag,
            last_modified=first.last_modified,
            accept=FEED_ACCEPT,
        )
    except FetchError:
        return None  # a hiccup on the second request says nothing about caching
    return again.not_modified


def _describe(exc: FetchError | ParseError) -> str:
    kind = "fetch failed" if isinstance(exc, FetchError) else "not a usable feed"
    return f"{kind}: {exc}"


def _spec(config: Config, name: str) -> FeedSpec:
    if is_http_url(name) and not any(f.name == name for f in config.feeds):
        return FeedSpec(name=name_from_url(name), url=name)
    return config.feed(name)


async def check_feeds_async(
    config: Config, specs: Sequence[FeedSpec], now: datetime
) -> list[FeedHealth]:
    async with Fetcher.from_settings(config.settings) as fetcher:
        return list(await asyncio.gather(*(check_feed(s, config, fetcher, now) for s in specs)))


def check_feeds(config: Config, names: Sequence[str], now: datetime) -> list[FeedHealth]:
    """Health of the named feeds (all configured feeds, enabled or not, when none named).

    A name that is an http(s) URL and not a configured feed is checked as a new feed,
    before it is added."""
    specs = [_spec(config, n) for n in names] if names else list(config.feeds)
    return asyncio.run(check_feeds_async(config, specs, now))
