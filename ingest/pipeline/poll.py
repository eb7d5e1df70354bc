"""The pipeline: `poll_feed` reads as the data's path, `poll` is a loop over feeds.

    fetch feed -> not modified? -> parse entries -> skip known -> fetch pages
    -> extract -> compose -> deduplicate -> store

CPU-bound work (feed parsing, HTML extraction, composing the article and its dedup
fingerprint) runs in a process pool so the event loop keeps fetching; database and file
writes run on one storage thread, in order (runtime.py).
Anchors: miniflux handler.go::RefreshFeed, reader _update/base.py::PipelineBase.update.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from ingest.config import Config, FeedSpec
from ingest.core.dedup import entry_version
from ingest.core.errors import (
    BlockedAddressError,
    ExtractError,
    FetchError,
    HTTPStatusError,
    IngestError,
    Skip,
    StorageError,
)
from ingest.core.types import EntryData, FeedData
from ingest.core.urls import canonical_url, is_http_url
from ingest.feeds import parse_feed
from ingest.fetch import FEED_ACCEPT
from ingest.pipeline.prepare import prepare
from ingest.pipeline.report import FeedReport, PollReport, log
from ingest.pipeline.runtime import Context, bounded, close_context, open_context
from storage.models import Feed, to_utc

# URLs longer than this are junk or attacks, and would not fit a database index.
MAX_URL_CHARS = 2000


# -- one feed ----------------------------------------------------------------------------


async def poll_feed(spec: FeedSpec, ctx: Context) -> FeedReport:
    """Poll one feed and store its new articles; never raises an IngestError."""
    started = time.monotonic()
    report = FeedReport(spec.name, spec.url)
    known = ctx.feed_states.pop(spec.name, None) if ctx.feed_states is not None else None
    state = known or await ctx.db(ctx.store.feed_state, spec.name)
    state = state or Feed(name=spec.name, url=spec.url)
    if state.url != spec.url:  # the user changed the URL: old validators do not apply
        state.url, state.etag, state.last_modified = spec.url, None, None
    now = ctx.clock()
    try:
        fetched = await ctx.fetcher.fetch(
            spec.url,
            max_bytes=ctx.config.settings.max_feed_bytes,
            allow=ctx.config.allowed_networks(spec),
            etag=state.etag,
            last_modified=state.last_modified,
            accept=FEED_ACCEPT,
            kind="feed",
        )
        report.http_status = fetched.status
        report.retry_after = fetched.retry_after
        report.cache_max_age = fetched.cache_max_age
        state.permanent_redirect = fetched.permanent_redirect
        if fetched.not_modified:
            report.status = "not_modified"
        else:
            feed = await ctx.cpu(
                parse_feed, fetched.final_url, fetched.content, fetched.content_type, stage="parse"
            )
            report.ttl = feed.ttl
            state.title = feed.title
            for warning in feed.warnings:  # parsed all the same: said once, not alarmed about
                log.warning("feed=%s url=%s warning=%r", spec.name, spec.url, warning)
            entries = await skip_known(spec, fresh_entries(spec, ctx.config, feed, now), ctx)
            report.known = len(feed.entries) - len(entries)
            todo = entries[: ctx.config.settings.max_pages_per_poll]
            report.pending = len(entries) - len(todo)
            await bounded(
                (store_entry(spec, entry, feed, ctx, report) for entry in todo),
                limit=max(2, ctx.config.settings.per_host * 2),
            )
            # With items left over, forget the validators so the next poll is not a 304
            # and drains the rest (nothing is silently dropped). Entries that could not be
            # stored (a full disk, a locked database) or fetched for a passing reason (a
            # timeout, a 503) are left over too: retried next poll, up to their limit.
            failed = any(
                reason.startswith("error:") or not _permanent(Skip(reason))
                for reason in report.skipped
            )
            drained = report.pending == 0 and not failed
            state.etag = fetched.etag if drained else None
            state.last_modified = fetched.last_modified if drained else None
        state.error_count, state.last_error = 0, None
        state.last_success_at = to_utc(now)
    except HTTPStatusError as exc:
        report.http_status = exc.status
        report.retry_after = exc.retry_after
        report.status = (
            "blocked"
            if exc.blocked_by_bot_protection
            else ("gone" if exc.status == 410 else "error")
        )
        _record_error(state, report, exc)
    except IngestError as exc:
        report.status = "error"
        _record_error(state, report, exc)
    report.duration = time.monotonic() - started
    state.last_polled_at = to_utc(now)
    state.last_status = report.status
    state.last_http_status = report.http_status
    state.pending_entries = report.pending
    await ctx.save_state(state)
    log.info(report.line())
    if ctx.on_progress:
        ctx.on_progress(report)
    return report


def _record_error(state: Feed, report: FeedReport, exc: IngestError) -> None:
    report.error = str(exc) or type(exc).__name__
    state.error_count += 1
    state.last_error = f"{type(exc).__name__}: {report.error}"[:2000]


def fresh_entries(spec: FeedSpec, config: Config, feed: FeedData, now: datetime) -> list[EntryData]:
    """Entries young enough for `max_age` (per feed, else global); undated ones pass."""
    max_age = spec.max_age if spec.max_age is not None else config.settings.max_age
    if not max_age:
        return list(feed.entries)
    cutoff = now - timedelta(seconds=max_age)
    return [e for e in feed.entries if e.published is None or e.published >= cutoff]


async def skip_known(spec: FeedSpec, entries: list[EntryData], ctx: Context) -> list[EntryData]:
    """New entries, plus known ones whose date moved on (fetched again: an update)."""
    known = await ctx.db(ctx.store.known_entries, spec.name, [e.key for e in entries])
    versions = {e.key: v for e in entries if e.key in known and (v := entry_version(e))}
    if versions:
        known -= await ctx.db(ctx.store.changed_entries, spec.name, versions)
    return [e for e in entries if e.key not in known]


async def store_entry(
    spec: FeedSpec, entry: EntryData, feed: FeedData, ctx: Context, report: FeedReport
) -> None:
    """fetch page -> extract -> compose -> deduplicate -> store, for one new entry."""
    now = ctx.clock()
    try:
        link = entry.link if is_http_url(entry.link) else None
        if link is None or len(link) > MAX_URL_CHARS:
            raise Skip("no_link", f"entry has no usable http(s) link: {(entry.link or '')[:100]}")
        if await _known_url(spec, entry, canonical_url(link), link, ctx, now):
            report.known += 1
            return
        html, final_url = None, link
        if not spec.full_content:
            html, final_url = await fetch_page(spec, link, ctx, entry)
        draft, fp = await ctx.cpu(
            prepare,
            spec,
            entry,
            html,
            final_url,
            now,
            feed.language,
            ctx.config.settings.max_page_bytes,
            stage="extract",
        )
        save = partial(
            ctx.store.save, dedup=spec.dedup, entry_version=entry_version(entry), fingerprint=fp
        )
        result = await ctx.db(save, draft, now)
        report.updated += result.reason == "updated"
        if result.created:
            report.new += 1
            report.feed_only += draft.text_source == "feed"
            if result.file_error:
                log.error("feed=%s article=%s %s", spec.name, result.article_id, result.file_error)
        else:
            report.known += 1
    except (StorageError, ExtractError) as exc:
        # One article that cannot be stored must not end the feed's other entries.
        report.skipped[f"error:{type(exc).__name__}"] += 1
        log.error("feed=%s entry=%s url=%s error=%s", spec.name, entry.key, entry.link, exc)
    except Skip as skip:
        report.skipped[skip.reason] += 1
        log.debug("feed=%s entry=%s skipped=%s %s", spec.name, entry.key, skip.reason, skip.detail)
        await ctx.db(
            ctx.store.record_skip,
            spec.name,
            entry.key,
            entry.link,
            skip.reason,
            skip.detail,
            _permanent(skip),
            now,
        )


def _permanent(skip: Skip) -> bool:
    """Transient reasons (timeouts, 5xx, refused connections) are retried on later polls."""
    return not skip.reason.startswith("page:fetch") and skip.reason not in (
        "page:http_429",
        "page:http_500",
        "page:http_502",
        "page:http_503",
        "page:http_504",
    )


async def _known_url(
    spec: FeedSpec, entry: EntryData, canonical: str, link: str, ctx: Context, now: datetime
) -> bool:
    """A known canonical URL is not fetched again; this entry becomes another source."""
    found = await ctx.db(ctx.store.find_urls, [canonical])
    if canonical not in found:
        return False
    # False: this entry is a source already, let through by skip_known because its date
    # moved on; its page is fetched again and Store.save decides whether it changed.
    return await ctx.db(
        ctx.store.add_source,
        found[canonical],
        spec.name,
        entry.key,
        entry.guid,
        link,
        now,
        entry_version(entry),
    )


async def fetch_page(
    spec: FeedSpec, link: str, ctx: Context, entry: EntryData
) -> tuple[bytes | None, str]:
    """(page HTML or None, final URL). Failures fall back to the feed's content."""
    settings = ctx.config.settings
    try:
        fetched = await ctx.fetcher.fetch(
            link,
            max_bytes=settings.max_page_bytes,
            allow=ctx.config.allowed_networks(spec),
            kind="page",
        )
    except BlockedAddressError as exc:
        # The SSRF guard: never fall back to fetching it some other way; permanent.
        raise Skip("page:blocked_address", str(exc)) from None
    except HTTPStatusError as exc:
        if entry.content:
            return None, link
        raise Skip(f"page:http_{exc.status}", str(exc)) from None
    except FetchError as exc:
        if entry.content:
            return None, link
        raise Skip("page:fetch_failed", str(exc)) from None
    return fetched.content, fetched.final_url


# -- a pass over all feeds ----------------------------------------------------------------


async def poll_all(ctx: Context, specs: Sequence[FeedSpec]) -> PollReport:
    started = time.monotonic()
    report = PollReport()
    report.repaired_files = await ctx.db(ctx.store.repair_files)
    ctx.feed_states = await ctx.db(ctx.store.feed_states)
    if fingerprinted := await ctx.db(ctx.store.backfill_fingerprints):
        log.info("indexed %d articles for deduplication (older store or scheme)", fingerprinted)
    if report.repaired_files:
        log.warning("repaired %d article files from the database", report.repaired_files)

    async def one(spec: FeedSpec) -> None:
        try:
            report.feeds.append(await poll_feed(spec, ctx))
        except IngestError as exc:
            # The store failed around this feed (its state could not be read or saved):
            # report it and go on with the others.
            log.error("feed=%s url=%s error=%s", spec.name, spec.url, exc)
            report.feeds.append(FeedReport(spec.name, spec.url, status="error", error=str(exc)))

    try:
        await bounded((one(spec) for spec in specs), limit=ctx.config.settings.concurrency)
    finally:
        ctx.feed_states = None  # a long-lived context reads fresh rows next time
    report.duration = time.monotonic() - started
    log.info(report.summary())
    return report


def select_feeds(config: Config, names: Sequence[str] = ()) -> list[FeedSpec]:
    """The enabled feeds, or the named ones (enabled or not: asked for explicitly)."""
    if names:
        return [config.feed(name) for name in names]
    return [f for f in config.feeds if f.enabled]


async def poll_async(
    config: Config,
    feeds: Sequence[str] = (),
    on_progress: Callable[[FeedReport], None] | None = None,
) -> PollReport:
    specs = select_feeds(config, feeds)
    ctx = await open_context(config)
    ctx.on_progress = on_progress
    try:
        return await poll_all(ctx, specs)
    finally:
        await close_context(ctx)


def poll(
    config: Config,
    feeds: Sequence[str] = (),
    on_progress: Callable[[FeedReport], None] | None = None,
) -> PollReport:
    """One pass over the enabled feeds (or the named ones). The library entry point."""
    return asyncio.run(poll_async(config, feeds, on_progress))
