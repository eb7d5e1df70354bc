"""The pipeline: `poll_feed` reads as the data's path, `poll` is a loop over feeds.

    fetch feed -> not modified? -> parse entries -> skip known -> fetch pages
    -> extract -> compose -> deduplicate -> store

CPU-bound work (feed parsing, HTML extraction, composing the article and its dedup
fingerprint) runs in a process pool so the event loop keeps fetching; database and file
writes run on one storage thread, in order (runtime.py).
Anchors: miniflux handler.go::RefreshFeed, reader _update/base.py::PipelineBase.update.

About 480 lines, on purpose: one feed's story and the pass around it read top to bottom
in one file; the machinery is elsewhere (runtime.py, deduplicate.py, schedule.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

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
from ingest.core.types import (
    ArticleDraft,
    EntryData,
    EntryKind,
    EntryOutcome,
    FeedData,
    FeedState,
    PollStatus,
)
from ingest.fetch import FEED_ACCEPT
from ingest.pipeline.report import FeedReport, PollReport, log
from ingest.pipeline.runtime import Context, bounded, close_context, open_context
from ingest.pipeline.schedule import WEEK, Outcome, Plan, Policy, is_failing, next_poll

# Imported where a feed has something new: a pass where every feed answers 304 needs
# none of feed parsing (lxml, feedparser), URL canonicalisation (courlan), extraction
# or the Store (SQLAlchemy), about two thirds of this module's import time otherwise.
if TYPE_CHECKING:
    from ingest.core.dedup import Fingerprint
    from ingest.pipeline.deduplicate import SaveResult

# URLs longer than this are junk or attacks, and would not fit a database index.
MAX_URL_CHARS = 2000
# How long a feed's count of last week's articles serves its not-modified polls: the
# count only drifts as articles age out of the week, a few per hour at most.
WEEKLY_COUNT_TTL = timedelta(hours=1)
# How long a site's remembered boilerplate serves its new articles before it is read
# again: short, so that a first poll of a new site learns it within the pass.
SITE_NOISE_TTL = 30.0


# -- one feed ----------------------------------------------------------------------------


async def poll_feed(spec: FeedSpec, ctx: Context) -> FeedReport:
    """Poll one feed and store its new articles; never raises an IngestError.

    The feed's state is read once and saved once, as a new frozen FeedState.
    """
    started = time.monotonic()
    report = FeedReport(spec.name, spec.url)
    states = ctx.feed_states
    cached = None
    if states is not None:
        cached = states.get(spec.name) if ctx.keep_feed_states else states.pop(spec.name, None)
    before = cached or await ctx.db(ctx.feed_rows.feed_state, spec.name)
    state = before or FeedState(name=spec.name, url=spec.url)
    if state.url != spec.url:  # the user changed the URL: old validators do not apply
        state = replace(state, url=spec.url, etag=None, last_modified=None)
    max_age = max_age_of(spec, ctx.config)
    if admits_more(max_age, state.max_age_seconds):
        # max_age was raised or removed: items cut before must come, not a 304.
        state = replace(state, etag=None, last_modified=None)
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
        state = replace(state, permanent_redirect=fetched.permanent_redirect)
        if fetched.not_modified:
            report.status = PollStatus.NOT_MODIFIED
        else:
            from ingest.pipeline.prepare import parse_feed

            # the Store, opened (on the storage thread) while the feed is parsed
            feed, _ = await asyncio.gather(
                ctx.cpu(
                    parse_feed,
                    fetched.final_url,
                    fetched.content,
                    fetched.content_type,
                    stage="parse",
                ),
                ctx.open_store(),
            )
            report.ttl = feed.ttl
            for warning in feed.warnings:  # parsed all the same: said once, not alarmed about
                log.warning("feed=%s url=%s warning=%r", spec.name, spec.url, warning)
            fresh = fresh_entries(spec, ctx.config, feed, now)
            report.too_old = len(feed.entries) - len(fresh)
            entries = await skip_known(spec, fresh, ctx)
            report.seen = len(fresh) - len(entries)
            todo = entries[: ctx.config.settings.max_pages_per_poll]
            report.pending = len(entries) - len(todo)
            if ctx.on_pages and todo:
                ctx.on_pages(len(todo), 0)
            outcomes = await bounded(
                (_counted(store_entry(spec, entry, feed, ctx), ctx) for entry in todo),
                limit=max(2, ctx.config.settings.per_host * 2),
            )
            for outcome in outcomes:
                report.count(outcome)
            # With items left over, forget the validators so the next poll is not a 304
            # and drains the rest (nothing is silently dropped). Entries that could not be
            # stored (a full disk, a locked database) or fetched for a passing reason (a
            # timeout, a 503) are left over too: retried next poll, up to their limit.
            drained = report.pending == 0 and not any(o.transient for o in outcomes)
            state = replace(
                state,
                title=feed.title,
                etag=fetched.etag if drained else None,
                last_modified=fetched.last_modified if drained else None,
                max_age_seconds=max_age,
            )
        state = replace(state, error_count=0, last_error=None, last_success_at=now)
    except HTTPStatusError as exc:
        report.http_status = exc.status
        report.retry_after = exc.retry_after
        report.status = (
            PollStatus.BLOCKED
            if exc.blocked_by_bot_protection
            else (PollStatus.GONE if exc.status == 410 else PollStatus.ERROR)
        )
        state = _with_error(state, report, exc)
    except IngestError as exc:
        report.status = PollStatus.ERROR
        state = _with_error(state, report, exc)
    report.duration = time.monotonic() - started
    report.error_count = state.error_count
    state = replace(
        state,
        last_polled_at=now,
        last_status=report.status,
        last_http_status=report.http_status,
        pending_entries=report.pending,
    )
    if ctx.planning is not None:
        if report.ttl is not None:
            ctx.planning.ttl[spec.name] = report.ttl
        ttl = ctx.planning.ttl.get(spec.name)
        report.plan = await plan_next(
            spec, Outcome.from_report(report, state.error_count, ttl), ctx
        )
        state = replace(
            state, next_poll_at=report.plan.next_at, interval_seconds=report.plan.interval
        )
    await ctx.save_state(before, state)
    if ctx.keep_feed_states and ctx.feed_states is not None:
        ctx.feed_states[spec.name] = state
    # A failing feed is a warning (an error once it is `failing`), on one line with its
    # URL and reason, so `log_level: WARNING` and `grep` both find it.
    failing = is_failing(report.status, report.http_status, state.error_count)
    level = logging.ERROR if failing else logging.WARNING if report.status.failed else logging.INFO
    if log.isEnabledFor(level):  # the line is built for nothing at WARNING (most 304s)
        log.log(level, report.line())
    if ctx.on_progress:
        ctx.on_progress(report)
    return report


async def _counted(step: Awaitable[EntryOutcome], ctx: Context) -> EntryOutcome:
    """`step`, then one page done for the progress bar."""
    outcome = await step
    if ctx.on_pages:
        ctx.on_pages(0, 1)
    return outcome


async def plan_next(spec: FeedSpec, outcome: Outcome, ctx: Context) -> Plan:
    """When to poll `spec` next after `outcome` (schedule.py), from its last week's count."""
    assert ctx.planning is not None
    now = ctx.clock()
    counted = ctx.planning.weekly.get(spec.name)
    if (
        counted is None
        or outcome.status is not PollStatus.NOT_MODIFIED
        or now - counted[1] > WEEKLY_COUNT_TTL
    ):
        from storage import queries

        since = now - timedelta(seconds=WEEK)
        counted = await ctx.db(queries.published_count, ctx.store, spec.name, since), now
        ctx.planning.weekly[spec.name] = counted
    weekly = counted[0]
    return next_poll(
        outcome,
        explicit_interval=spec.interval,
        weekly_count=weekly,
        policy=Policy.from_settings(ctx.config.settings),
        now=now,
        jitter=ctx.planning.rng(),
    )


def _with_error(state: FeedState, report: FeedReport, exc: IngestError) -> FeedState:
    report.error = str(exc) or type(exc).__name__
    return replace(
        state,
        error_count=state.error_count + 1,
        last_error=f"{type(exc).__name__}: {report.error}"[:2000],
    )


def max_age_of(spec: FeedSpec, config: Config) -> float | None:
    """The feed's max_age in seconds (its own, else the global one); None: no cut."""
    max_age = spec.max_age if spec.max_age is not None else config.settings.max_age
    return max_age or None


def admits_more(max_age: float | None, before: float | None) -> bool:
    """Does `max_age` let through items that `before` (the one last in force) cut?"""
    return before is not None and (max_age is None or max_age > before)


def fresh_entries(spec: FeedSpec, config: Config, feed: FeedData, now: datetime) -> list[EntryData]:
    """Entries young enough for `max_age` (per feed, else global); undated ones pass."""
    max_age = max_age_of(spec, config)
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
    spec: FeedSpec, entry: EntryData, feed: FeedData, ctx: Context
) -> EntryOutcome:
    """fetch page -> extract -> compose -> deduplicate -> store, for one new entry."""
    from ingest.core.urls import canonical_url, is_http_url

    now = ctx.clock()
    try:
        link = entry.link if is_http_url(entry.link) else None
        if link is None or len(link) > MAX_URL_CHARS:
            raise Skip("no_link", f"entry has no usable http(s) link: {(entry.link or '')[:100]}")
        canonical = canonical_url(link)
        async with ctx.claim_page(canonical):
            if await _known_url(spec, entry, canonical, link, ctx, now):
                return EntryOutcome(EntryKind.MERGED, "known:canonical_url")
            html, final_url = None, link
            if not spec.full_content:
                html, final_url = await fetch_page(spec, link, ctx, entry)
            draft, fp = await extract_entry(spec, entry, html, final_url, feed.language, ctx, now)
            result = await deduplicate_and_store(spec, entry, draft, fp, ctx, now)
        if result.file_error:  # counted, and said once in the pass summary
            log.debug("feed=%s article=%s %s", spec.name, result.article_id, result.file_error)
        return _outcome(result)
    except StorageError as exc:
        # The store failed (a full disk, a locked database): not the entry's fault. It is
        # tried again on the next poll, as often as it takes.
        log.error("feed=%s entry=%s url=%s error=%s", spec.name, entry.key, entry.link, exc)
        return EntryOutcome(EntryKind.FAILED, f"error:{type(exc).__name__}", transient=True)
    except ExtractError as exc:
        # The page itself cannot be extracted (a worker killed on it, a crash): recorded as
        # a transient skip, so it is tried on MAX_SKIP_ATTEMPTS polls and then left alone,
        # and its feed keeps its ETag once it is.
        log.error("feed=%s entry=%s url=%s error=%s", spec.name, entry.key, entry.link, exc)
        reason = f"error:{type(exc).__name__}"
        await _record_skip(spec, entry, Skip(reason, str(exc), transient=True), ctx, now)
        return EntryOutcome(EntryKind.FAILED, reason, transient=True)
    except Skip as skip:
        log.debug("feed=%s entry=%s skipped=%s %s", spec.name, entry.key, skip.reason, skip.detail)
        await _record_skip(spec, entry, skip, ctx, now)
        return EntryOutcome(EntryKind.SKIPPED, skip.reason, transient=skip.transient)


async def _record_skip(
    spec: FeedSpec, entry: EntryData, skip: Skip, ctx: Context, now: datetime
) -> None:
    """Remember why an entry was not stored: for good, or one more attempt of a few."""
    record = partial(ctx.store.record_skip, spec.name, entry.key, entry.link)
    await ctx.db(record, skip.reason, skip.detail, not skip.transient, now)


async def extract_entry(
    spec: FeedSpec,
    entry: EntryData,
    html: bytes | None,
    final_url: str,
    language: str | None,
    ctx: Context,
    now: datetime,
) -> tuple[ArticleDraft, Fingerprint | None]:
    """extract -> compose -> fingerprint in the pool (prepare.py), with the site's memory."""
    from ingest.core.urls import site_of
    from ingest.pipeline.prepare import prepare

    noise = await site_noise(site_of(final_url), ctx)
    max_bytes = ctx.config.settings.max_page_bytes
    args = (spec, entry, html, final_url, now, language, max_bytes, noise)
    return await ctx.cpu(prepare, *args, stage="extract")


async def site_noise(site: str, ctx: Context) -> frozenset[int]:
    """The paragraphs `site` repeats across its stored articles (storage/site_memory.py),
    read at most every SITE_NOISE_TTL seconds per site."""
    cached = ctx.site_noise.get(site)
    if cached is None or time.monotonic() - cached[1] > SITE_NOISE_TTL:
        cached = await ctx.db(ctx.store.site_noise, site), time.monotonic()
        ctx.site_noise[site] = cached
    return cached[0]


async def deduplicate_and_store(
    spec: FeedSpec,
    entry: EntryData,
    draft: ArticleDraft,
    fp: Fingerprint | None,
    ctx: Context,
    now: datetime,
) -> SaveResult:
    """The dedup step, then its decision carried out (pipeline/deduplicate.py), with the
    entries composed at about the same time, in one transaction (Context.store_article)."""
    from ingest.pipeline.deduplicate import Composed

    version = entry_version(entry)
    return await ctx.store_article(Composed(draft, fp, now, spec.dedup, version))


def _outcome(result: SaveResult) -> EntryOutcome:
    if result.created:
        kind = EntryKind.NEW
    elif result.reason == "updated" or result.reason.startswith("updated:"):
        # "updated:<rule>": a longer copy of the story replaced its text in place
        kind = EntryKind.UPDATED
    elif result.reason == "known:update_capped":
        kind = EntryKind.SEEN
    else:
        kind = EntryKind.MERGED
    return EntryOutcome(
        kind, result.reason, article_id=result.article_id, file_error=result.file_error
    )


async def _known_url(
    spec: FeedSpec, entry: EntryData, canonical: str, link: str, ctx: Context, now: datetime
) -> bool:
    """A known canonical URL is not fetched again; this entry becomes another source."""
    found = await ctx.db(ctx.store.find_urls, [canonical])
    if canonical not in found:
        return False
    # False: this entry is a source already, let through by skip_known because its date
    # moved on; its page is fetched again and the dedup step decides whether it changed.
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
        raise Skip(f"page:http_{exc.status}", str(exc), transient=exc.transient) from None
    except FetchError as exc:
        if entry.content:
            return None, link
        # timeouts, refused connections, resets: the page may well answer next time
        raise Skip("page:fetch_failed", str(exc), transient=True) from None
    return fetched.content, fetched.final_url


# -- a pass over all feeds ----------------------------------------------------------------


async def poll_all(ctx: Context, specs: Sequence[FeedSpec]) -> PollReport:
    started = time.monotonic()
    report = PollReport()
    report.repaired_files = await startup_maintenance(ctx)
    ctx.feed_states = await ctx.db(ctx.feed_rows.feed_states)

    async def one(spec: FeedSpec) -> None:
        try:
            report.feeds.append(await poll_feed(spec, ctx))
        except IngestError as exc:
            # The store failed around this feed (its state could not be read or saved):
            # report it and go on with the others.
            log.error("feed=%s url=%s error=%s", spec.name, spec.url, exc)
            failed = FeedReport(spec.name, spec.url, status=PollStatus.ERROR, error=str(exc))
            report.feeds.append(failed)

    try:
        await bounded((one(spec) for spec in specs), limit=ctx.config.settings.concurrency)
    finally:
        ctx.feed_states = None  # a long-lived context reads fresh rows next time
    report.duration = time.monotonic() - started
    log.debug(report.summary())  # the caller reports it (the CLI prints it once)
    return report


async def startup_maintenance(ctx: Context) -> int:
    """What every pass (`ingest poll`) and the daemon (`ingest run`) do first: rewrite the
    files a crash left missing, index articles of an older dedup scheme. Returns the
    number of files repaired.

    Proportional to what needs it, not to the store: indexed look-ups of unwritten and
    unindexed rows. Without the Store open yet (`ingest poll`), two such look-ups say
    whether there is anything to do, and the Store is opened only then."""
    if ctx.rows is not None and not await ctx.db(ctx.rows.upkeep_due):
        return 0
    repaired = await ctx.db(ctx.store.repair_files)
    if repaired:
        log.warning("repaired %d article files from the database", repaired)
    if fingerprinted := await ctx.db(ctx.store.backfill_fingerprints):
        log.info("indexed %d articles for deduplication (older store or scheme)", fingerprinted)
    return repaired


def select_feeds(config: Config, names: Sequence[str] = ()) -> list[FeedSpec]:
    """The enabled feeds, or the named ones (enabled or not: asked for explicitly)."""
    if names:
        return [config.feed(name) for name in names]
    return [f for f in config.feeds if f.enabled]


async def poll_async(
    config: Config,
    feeds: Sequence[str] = (),
    on_progress: Callable[[FeedReport], None] | None = None,
    on_pages: Callable[[int, int], None] | None = None,
) -> PollReport:
    specs = select_feeds(config, feeds)
    ctx = await open_context(config)
    ctx.on_progress = on_progress
    ctx.on_pages = on_pages
    try:
        return await poll_all(ctx, specs)
    finally:
        await close_context(ctx)


def poll(
    config: Config,
    feeds: Sequence[str] = (),
    on_progress: Callable[[FeedReport], None] | None = None,
    on_pages: Callable[[int, int], None] | None = None,
) -> PollReport:
    """One pass over the enabled feeds (or the named ones). The library entry point.

    `on_progress`: called with each feed's report; `on_pages(more, done)`: article pages
    found to fetch, and fetched, as the pass goes (a progress bar's two counters)."""
    return asyncio.run(poll_async(config, feeds, on_progress, on_pages))
