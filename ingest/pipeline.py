"""The pipeline: `poll_feed` reads as the data's path, `poll` is a loop over feeds.

    fetch feed -> not modified? -> parse entries -> skip known -> fetch pages
    -> extract -> compose -> deduplicate -> store

CPU-bound work (feed parsing, HTML extraction, composing the article and its dedup
fingerprint) runs in a process pool so the event loop keeps fetching; database and file
writes run on one storage thread, in order.
Anchors: miniflux handler.go::RefreshFeed, reader _update/base.py::PipelineBase.update.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from ingest import dedup
from ingest.config import Config, FeedSpec
from ingest.dedup import entry_version
from ingest.errors import (
    BlockedAddressError,
    ExtractError,
    FetchError,
    HTTPStatusError,
    IngestError,
    Skip,
    StorageError,
)
from ingest.fetch import FEED_ACCEPT, Fetcher
from ingest.parse import parse_feed
from ingest.prepare import prepare
from ingest.report import FeedReport, PollReport, log
from ingest.types import EntryData, FeedData
from ingest.urls import canonical_url, is_http_url
from storage.models import Feed, to_utc
from storage.store import Store, open_store

T = TypeVar("T")
# Recycle the extraction pool after this many tasks: lxml's memory grows over thousands
# of pages. Done by hand: ProcessPoolExecutor(max_tasks_per_child=...) deadlocks once its
# workers reach the limit on Python 3.11 (CPython gh-115634).
RECYCLE_AFTER_TASKS = 1000
# URLs longer than this are junk or attacks, and would not fit a database index.
MAX_URL_CHARS = 2000
# Parsing a capped feed or extracting a capped page takes well under this; past it the
# input is pathological and the worker is replaced.
CPU_TIMEOUT = 120.0
# Feed rows saved by one group commit at most (Context.save_state): bounds how long it
# holds the database's write lock, which other processes wait for.
MAX_STATES_PER_COMMIT = 256


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What a poll needs, created once per pass (or once per daemon) and passed in."""

    config: Config
    store: Store
    fetcher: Fetcher
    cpu_pool: Executor | None  # None: extraction in a thread (workers: 1)
    db_pool: Executor
    clock: Callable[[], datetime] = utcnow
    on_progress: Callable[[FeedReport], None] | None = None
    workers: int | None = None
    tasks: int = 0  # submitted to the current pool
    # Feed rows read in one query at the start of a pass (poll_all); None: read per feed.
    feed_states: dict[str, Feed] | None = None
    # Feed rows waiting for the next group commit (save_state), each with its waiter.
    state_queue: list[tuple[Feed, asyncio.Future[None]]] = field(default_factory=list)
    state_writer: asyncio.Task[None] | None = None

    async def cpu(self, fn: Callable[..., T], *args: Any) -> T:
        """Run CPU-bound `fn` off the event loop, within CPU_TIMEOUT seconds.

        A worker killed under us (the OOM killer, a crash in lxml on a hostile page)
        breaks a ProcessPoolExecutor for good; the pool is replaced and the call retried
        once, so one bad page cannot stop a daemon's extraction for months.
        """
        for attempt in (1, 2):
            try:
                async with asyncio.timeout(CPU_TIMEOUT):
                    return await self._cpu_once(fn, *args)
            except BrokenExecutor:
                log.error("extraction worker died (%s); starting a new pool", fn.__name__)
                self._renew_pool()
                if attempt == 2:
                    raise ExtractError(f"{fn.__name__}: the worker process died twice") from None
            except TimeoutError:
                # The stuck worker keeps its process busy: replace the pool.
                self._renew_pool()
                raise ExtractError(f"{fn.__name__}: no result within {CPU_TIMEOUT:g}s") from None
        raise AssertionError("unreachable")

    async def _cpu_once(self, fn: Callable[..., T], *args: Any) -> T:
        if self.cpu_pool is None:
            return await asyncio.to_thread(fn, *args)
        self.tasks += 1
        if self.tasks > RECYCLE_AFTER_TASKS:
            self._renew_pool(cancel=False)  # tasks in flight finish in the old pool
        while True:
            pool = self.cpu_pool
            try:
                # Submitted from a thread: ProcessPoolExecutor starts its workers inside
                # submit(), and the first start (forkserver + preloaded trafilatura) takes
                # a second or two, which on the event loop would freeze every fetch in
                # flight past its deadline.
                future = await asyncio.to_thread(pool.submit, partial(fn, *args))
                break
            except RuntimeError:
                # Another task recycled the pool between our read of it and the submit:
                # submit to the new one.
                if pool is self.cpu_pool:
                    raise
        return await asyncio.wrap_future(future)

    def _renew_pool(self, cancel: bool = True) -> None:
        if self.cpu_pool is not None:
            self.cpu_pool.shutdown(wait=False, cancel_futures=cancel)
            self.cpu_pool = make_cpu_pool(self.workers)
            self.tasks = 1

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, partial(fn, *args))

    async def save_state(self, state: Feed) -> None:
        """Save a feed's row; return once it is committed, or raise what saving raised.

        Group commit: rows that arrive while a write is running are saved together by the
        next one. An all-304 pass of 300 feeds makes about 20 transactions instead of 300
        (each ORM transaction cost ~0.4 ms of CPU, a third of the conditional GET), and
        still no poll returns, nor is reported, before its row is durable.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.state_queue.append((state, done))
        if self.state_writer is None or self.state_writer.done():
            self.state_writer = asyncio.create_task(self._write_states())
        await done

    async def _write_states(self) -> None:
        batch: list[tuple[Feed, asyncio.Future[None]]] = []
        try:
            while self.state_queue:
                batch = take_distinct(self.state_queue, MAX_STATES_PER_COMMIT)
                errors = await self._save_states([state for state, _ in batch])
                for (_, done), error in zip(batch, errors, strict=True):
                    if done.done():  # its poll was cancelled; the row is saved all the same
                        continue
                    if error is None:
                        done.set_result(None)
                    else:
                        done.set_exception(error)
        except BaseException:  # cancelled (the loop is closing): nobody waits forever
            for _, done in [*batch, *self.state_queue]:
                done.cancel()
            self.state_queue.clear()
            raise

    async def _save_states(self, states: list[Feed]) -> list[Exception | None]:
        """One transaction for all; if it fails, one each: a row the database refuses (a
        NUL in a feed title, on PostgreSQL) must not fail the feeds batched with it."""
        try:
            await self.db(self.store.save_feed_states, states)
            return [None] * len(states)
        except Exception as exc:
            if len(states) == 1:
                return [exc]
        errors: list[Exception | None] = []
        for state in states:
            try:
                await self.db(self.store.save_feed_state, state)
                errors.append(None)
            except Exception as exc:
                errors.append(exc)
        return errors


def make_cpu_pool(workers: int | None) -> Executor | None:
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        # Extraction runs in threads of this process: import its libraries here, once, in
        # this thread. Imported lazily by the first extraction threads instead, their
        # module-level set-up raced with lxml in other threads and crashed the process
        # now and then (double free, segfault: about 1 poll in 30).
        importlib.import_module("ingest.extract")
        dedup.warm_up()
        return None
    # forkserver: workers start from a clean, preloaded process (fork from a threaded
    # parent is unsafe, and max_tasks_per_child needs a non-fork start method).
    ctx = multiprocessing.get_context("forkserver")
    # Only what workers run: not the database, HTTP or CLI layers (half the import time)
    ctx.set_forkserver_preload(["ingest.extract", "ingest.prepare", "ingest.parse", "numpy"])
    # Started now, not at the first task: its imports (a second of CPU) run while this
    # process opens the store and fetches the first feeds, instead of before the first
    # feed can be parsed.
    multiprocessing.forkserver.ensure_running()
    return ProcessPoolExecutor(workers, mp_context=ctx)


async def open_context(config: Config, store: Store | None = None) -> Context:
    s = config.settings
    fetcher = Fetcher.from_settings(s)
    return Context(
        config=config,
        store=store or open_store(config),
        fetcher=fetcher,
        cpu_pool=make_cpu_pool(s.workers),
        workers=s.workers,
        db_pool=ThreadPoolExecutor(1, thread_name_prefix="ingest-store"),
    )


async def close_context(ctx: Context, close_store: bool = True) -> None:
    if ctx.state_writer is not None:
        # Rows of cancelled polls may still be on their way: let them reach the database.
        await asyncio.gather(ctx.state_writer, return_exceptions=True)
    await ctx.fetcher.aclose()
    if ctx.cpu_pool is not None:
        # Do not wait for a worker stuck on a pathological page: stopping is bounded.
        ctx.cpu_pool.shutdown(wait=False, cancel_futures=True)
    ctx.db_pool.shutdown(wait=True)
    if close_store:
        ctx.store.close()


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
        )
        report.http_status = fetched.status
        report.retry_after = fetched.retry_after
        report.cache_max_age = fetched.cache_max_age
        state.permanent_redirect = fetched.permanent_redirect
        if fetched.not_modified:
            report.status = "not_modified"
        else:
            feed = await ctx.cpu(
                parse_feed, fetched.final_url, fetched.content, fetched.content_type
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


def take_distinct(queue: list[tuple[Feed, T]], limit: int) -> list[tuple[Feed, T]]:
    """Remove and return the head of `queue`: at most `limit` items, of distinct feeds."""
    names: set[str] = set()
    for state, _ in queue[:limit]:
        if state.name in names:
            break
        names.add(state.name)
    batch = queue[: len(names)]
    del queue[: len(names)]
    return batch


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
            link, max_bytes=settings.max_page_bytes, allow=ctx.config.allowed_networks(spec)
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


async def bounded(coros: Iterable[Awaitable[None]], limit: int) -> None:
    """Run awaitables with at most `limit` in flight, without creating them all at once."""
    iterator = iter(coros)

    async def worker() -> None:
        for coro in iterator:
            await coro

    await asyncio.gather(*(worker() for _ in range(limit)))


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
