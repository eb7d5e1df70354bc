"""The pipeline's runtime: the extraction pool, the storage thread and group commits.

Machinery, not product: `poll.py` tells the story and calls `ctx.cpu(...)` for CPU-bound
work and `ctx.db(...)` for the store, which runs on one thread, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ingest.config import Config
from ingest.core import dedup, heap
from ingest.core.errors import ExtractError
from ingest.core.types import FeedState
from ingest.pipeline.report import FeedReport, log
from storage.lite_states import FeedRows, LiteStates, changed_fields

if TYPE_CHECKING:
    # Imported where used: read commands open the store through this module, and pebble
    # (multiprocessing) alone costs them a tenth of a second of start-up; the Store
    # (SQLAlchemy, SQLModel: a third of a second) is opened when a pass first needs it.
    import pebble

    from ingest.fetch import Fetcher
    from ingest.pipeline.deduplicate import Composed, SaveResult
    from storage.store import Store

T = TypeVar("T")
StateChange = tuple[FeedState | None, FeedState]  # a feed's state as read, and as saved
# Replace an extraction worker after this many tasks: its heap grows over its pages
# (lxml's and the caches' fragments: 39-45 MB when young, 53-55 MB near 1,000 tasks).
# After 1,000, a first poll's peak rose with its size, as its workers came to their
# 1,000th task in a poll of 2,000 articles or more, but not in one of 1,000 (issue 17:
# "flat from 1k to 10k"). After 250, every poll past a few hundred articles has workers
# at their largest, and that largest is smaller. A new worker is a fork of the
# forkserver, which has the extraction modules loaded (bench/RESULTS.md: its CPU).
RECYCLE_AFTER_TASKS = 250
# Parsing a capped feed or extracting a capped page takes well under a second of running;
# past this the input is pathological and its worker is killed and replaced.
CPU_TIMEOUT = 120.0
# Feed rows saved by one group commit at most (Context.save_state): bounds how long it
# holds the database's write lock, which other processes wait for.
MAX_STATES_PER_COMMIT = 256
# Articles stored by one transaction at most (Context.store_article), and how long the
# first of them waits for others: a first poll composes an article every 10-20 ms, and
# each transaction of its own cost about as much CPU as its rows (BEGIN, a synced
# commit, the delete of its file mark); a batch also bounds how long the dedup lock and
# the database's write lock are held, which other processes wait for.
MAX_ARTICLES_PER_COMMIT = 16
ARTICLE_COMMIT_WINDOW = 0.1
# `ingest run` (Context.write_behind): a poll that changed only these columns of its
# feed's row (a not-modified poll: when it ran, when the next one is) is written at most
# this many seconds later, with every other such row, in one transaction. A crash loses
# only these times of the last seconds' polls: at the next start those feeds look due
# and are polled once more (a conditional GET: a 304). Everything else (an ETag, an
# error, a status that changed) is written before the poll returns, as in `ingest poll`.
WRITE_BEHIND_SECONDS = 15.0
WRITE_BEHIND_FIELDS = frozenset(
    {"last_polled_at", "last_success_at", "next_poll_at", "interval_seconds"}
)
# `ingest run` (Context.pool_idle_stop): stop the extraction workers after this long
# without a task. An idle pebble pool is not free (its two manager threads wake ten
# times a second each: about 1% of a core, a third of an idle daemon's CPU); the
# forkserver, with the extraction modules loaded, stays, so new workers start in
# milliseconds when a feed next has something new.
POOL_IDLE_STOP = 60.0


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Planning:
    """Set by the daemon: each poll also plans the feed's next poll (schedule.py) and saves
    it with the feed's state, in the same write."""

    rng: Callable[[], float] = random.random  # the jitter
    ttl: dict[str, float] = field(default_factory=dict)  # last <ttl> per feed: a 304 has none
    # Articles published last week per feed, and when counted: a 304 stores nothing, so
    # its poll reuses a recent count instead of a query (the largest cost of an idle poll).
    weekly: dict[str, tuple[int, datetime]] = field(default_factory=dict)


@dataclass
class Context:
    """What a poll needs, created once per pass (or once per daemon) and passed in."""

    config: Config
    # The Store, once opened: `ingest poll` on a SQLite store opens it when a feed has
    # something new (Context.store), and reads and saves feed rows through `rows`
    # (storage/lite_states.py) meanwhile, so an all-304 pass never imports SQLAlchemy.
    full_store: Store | None
    fetcher: Fetcher
    cpu_pool: pebble.ProcessPool | None  # None: extraction in a thread (workers: 1)
    db_pool: Executor
    # workers: 1: the one thread that runs extraction and feed parsing. One, not asyncio's
    # default pool: lxml under trafilatura crashes the process now and then when two
    # threads parse at once (SIGSEGV, "double free"; trafilatura issues 840 and 925).
    cpu_thread: ThreadPoolExecutor | None = None
    clock: Callable[[], datetime] = utcnow
    on_progress: Callable[[FeedReport], None] | None = None
    # Article pages: (more to do, done) as a poll learns of them and finishes each.
    on_pages: Callable[[int, int], None] | None = None
    # Told how long each `cpu` call took, by stage ("parse", "extract"): the daemon's metrics.
    on_cpu: Callable[[str, float], None] | None = None
    workers: int | None = None
    # Feed states read in one query at the start of a pass (poll_all), each used once;
    # None: read per feed. The daemon keeps them instead (keep_feed_states): each poll
    # starts from the state the previous one saved, without reading it back.
    feed_states: dict[str, FeedState] | None = None
    keep_feed_states: bool = False
    # States waiting for the next group commit (save_state): (as read, new), and a waiter.
    state_queue: list[tuple[StateChange, asyncio.Future[None]]] = field(default_factory=list)
    state_writer: asyncio.Task[None] | None = None
    # Articles waiting for the next group commit (store_article), when each arrived, and
    # their waiters.
    article_queue: list[tuple[Composed, float, asyncio.Future[SaveResult]]] = field(
        default_factory=list
    )
    article_writer: asyncio.Task[None] | None = None
    article_batch_full: asyncio.Event = field(default_factory=asyncio.Event)
    planning: Planning | None = None  # `ingest run`; None: `ingest poll` plans nothing
    # Per site: the keys of its boilerplate paragraphs, and when read (poll.site_noise).
    site_noise: dict[str, tuple[frozenset[int], float]] = field(default_factory=dict)
    # Held across a batch of articles' dedup decisions and writes (store_article), and
    # across `ingest reextract`'s writes.
    store_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # `ingest run`: not-modified polls' rows written behind (WRITE_BEHIND_SECONDS), by
    # feed: (the state as last written, the newest state).
    write_behind: bool = False
    behind: dict[str, StateChange] = field(default_factory=dict)
    behind_writer: asyncio.TimerHandle | None = None
    # The process pool is made at the first task (open_context): a pass where every
    # feed answers 304 never starts it, nor the forkserver's second of imports. Made in
    # a thread, while the event loop goes on fetching.
    pool_lazy: bool = False
    pool_starting: asyncio.Future[pebble.ProcessPool | None] | None = None
    # `ingest run`: stopped after this many seconds without a task (None: kept for the
    # context's life), made again at the next.
    pool_idle_stop: float | None = None
    pool_tasks: int = 0  # in flight
    pool_idle_timer: asyncio.TimerHandle | None = None
    # Where feed rows are read and saved; None: the Store.
    rows: LiteStates | None = None
    # Canonical URLs an entry is fetching and storing now (claim_page), and what their
    # other entries wait on.
    pages_in_flight: dict[str, asyncio.Event] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        """The Store, opened at first use (see `full_store`)."""
        if self.full_store is None:
            self.full_store = open_store(self.config)
        return self.full_store

    @property
    def feed_rows(self) -> FeedRows:
        return self.rows if self.rows is not None else self.store

    async def open_store(self) -> None:
        """Open the Store now, on the storage thread (its imports and schema check take a
        third of a second: not on the event loop, which goes on fetching meanwhile)."""
        if self.full_store is None:
            await self.db(lambda: self.store)

    async def cpu(self, fn: Callable[..., T], *args: Any, stage: str) -> T:
        """Run CPU-bound `fn` off the event loop; `stage` names it for `on_cpu`."""
        started = time.monotonic()
        try:
            return await self._cpu_retried(fn, *args)
        finally:
            if self.on_cpu is not None:
                self.on_cpu(stage, time.monotonic() - started)

    async def _cpu_retried(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` in the pool (or a thread); CPU_TIMEOUT seconds of running at most.

        In the process pool (pebble) the limit counts from the moment a worker starts the
        task, not from the submit: time queued behind other pages does not count. A task
        past it has its worker killed and replaced; the other tasks go on. A worker that
        dies under a task (the OOM killer, a crash in lxml on a hostile page) is replaced
        and the task tried once more. Cancelling the caller kills the worker running it.
        """
        if self.cpu_pool is None and self.pool_lazy:
            await self._start_pool()
        if self.cpu_pool is None:
            return await self._cpu_in_thread(fn, *args)
        from pebble import ProcessExpired

        self.pool_tasks += 1
        try:
            for attempt in (1, 2):
                future = self.cpu_pool.schedule(fn, args=args, timeout=CPU_TIMEOUT)
                try:
                    return await asyncio.wrap_future(future)
                except ProcessExpired:
                    log.error("extraction worker died (%s); a new one is started", fn.__name__)
                    if attempt == 2:
                        raise ExtractError(
                            f"{fn.__name__}: the worker process died twice"
                        ) from None
                except TimeoutError:  # pebble's: the task ran past CPU_TIMEOUT
                    raise ExtractError(
                        f"{fn.__name__}: no result within {CPU_TIMEOUT:g}s; its worker was stopped"
                    ) from None
            raise AssertionError("unreachable")
        finally:
            self.pool_tasks -= 1
            if not self.pool_tasks and self.pool_idle_stop is not None:
                self._stop_pool_later()

    async def _cpu_in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        if self.cpu_thread is None:
            # Extraction in threads: its modules imported now, on the event loop's thread,
            # the main one (see make_cpu_pool), before the first task; not at the start of
            # the pass, which a pass where every feed answers 304 would pay for nothing.
            make_cpu_pool(1)
            self.cpu_thread = ThreadPoolExecutor(1, thread_name_prefix="ingest-extract")
        thread = self.cpu_thread
        call = asyncio.get_running_loop().run_in_executor(thread, partial(fn, *args))
        try:
            async with asyncio.timeout(CPU_TIMEOUT):
                return await call
        except TimeoutError:
            # A thread cannot be killed: it finishes in the background, unused, and the
            # next task gets a new thread rather than queueing behind it for good.
            if self.cpu_thread is thread:
                self.cpu_thread = None
                thread.shutdown(wait=False, cancel_futures=True)
            raise ExtractError(f"{fn.__name__}: no result within {CPU_TIMEOUT:g}s") from None

    async def _start_pool(self) -> None:
        """Make the pool (pool_lazy): once, however many tasks wait for it."""
        if self.pool_starting is None:
            self.pool_starting = asyncio.ensure_future(
                asyncio.to_thread(started_cpu_pool, self.workers)
            )
        starting = self.pool_starting
        try:
            pool = await asyncio.shield(starting)  # a cancelled caller does not stop it
        except Exception as exc:  # the next task tries again
            if self.pool_starting is starting:
                self.pool_starting = None
            raise ExtractError(f"the extraction workers did not start: {exc!r}") from exc
        if self.pool_starting is starting:  # the first waiter to resume installs it
            self.pool_starting = None
            self.cpu_pool = pool
            # None: extraction in threads (workers: 1), for good; a pool stopped when
            # idle (pool_idle_stop) is made again at the next task
            self.pool_lazy = pool is not None

    def _stop_pool_later(self) -> None:
        """(Re)arm the idle timer: the pool stops POOL_IDLE_STOP seconds after its last task."""
        if self.pool_idle_timer is not None:
            self.pool_idle_timer.cancel()
        assert self.pool_idle_stop is not None
        loop = asyncio.get_running_loop()
        self.pool_idle_timer = loop.call_later(self.pool_idle_stop, self._stop_idle_pool)

    def _stop_idle_pool(self) -> None:
        self.pool_idle_timer = None
        if self.pool_tasks or self.cpu_pool is None:
            return
        pool, self.cpu_pool = self.cpu_pool, None
        log.debug("extraction pool idle for %.0fs: workers stopped", self.pool_idle_stop)
        # joined in a thread: pebble's manager threads take up to a tenth of a second
        asyncio.get_running_loop().run_in_executor(None, stop_cpu_pool, pool)

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, partial(fn, *args))

    async def save_state(self, before: FeedState | None, after: FeedState) -> None:
        """Save a feed's state (`before`: as read, None for a new feed); return once it is
        committed, or raise what saving raised.

        Group commit: rows that arrive while a write is running are saved together by the
        next one. An all-304 pass of 300 feeds makes about 20 transactions instead of 300
        (each ORM transaction cost ~0.4 ms of CPU, a third of the conditional GET), and
        still no poll returns, nor is reported, before its row is durable.
        """
        if self.write_behind and self._write_behind(before, after):
            return
        pending = self.behind.pop(after.name, None)
        if pending is not None:  # written now, with what was waiting behind it
            before = pending[0]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.state_queue.append(((before, after), done))
        if self.state_writer is None or self.state_writer.done():
            self.state_writer = asyncio.create_task(self._write_states())
        await done

    @contextlib.asynccontextmanager
    async def claim_page(self, canonical: str) -> AsyncIterator[None]:
        """One entry at a time per canonical URL in this process. An outlet's section feeds
        share stories, polled at the same time: the first entry fetches, extracts and
        stores the page; the others wait for it, then find the URL known and become its
        sources, instead of fetching and extracting the same page again."""
        while (busy := self.pages_in_flight.get(canonical)) is not None:
            await busy.wait()
        done = self.pages_in_flight[canonical] = asyncio.Event()
        try:
            yield
        finally:
            del self.pages_in_flight[canonical]
            done.set()

    async def store_article(self, entry: Composed) -> SaveResult:
        """The dedup step and its decision carried out for `entry` (deduplicate.py), with
        the entries that arrive within ARTICLE_COMMIT_WINDOW of it, in one transaction;
        return once its row is durable and its file written, or raise its StorageError.

        One writer task, in arrival order: no other entry of this process can store the
        same story between an entry's decision and its write."""
        done: asyncio.Future[SaveResult] = asyncio.get_running_loop().create_future()
        self.article_queue.append((entry, time.monotonic(), done))
        if len(self.article_queue) >= MAX_ARTICLES_PER_COMMIT:
            self.article_batch_full.set()
        if self.article_writer is None or self.article_writer.done():
            self.article_writer = asyncio.create_task(self._write_articles())
        return await done

    async def _write_articles(self) -> None:
        from ingest.pipeline.deduplicate import store_together

        batch: list[tuple[Composed, float, asyncio.Future[SaveResult]]] = []
        try:
            while self.article_queue:
                waited = time.monotonic() - self.article_queue[0][1]
                if len(self.article_queue) < MAX_ARTICLES_PER_COMMIT:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(max(0.0, ARTICLE_COMMIT_WINDOW - waited)):
                            await self.article_batch_full.wait()
                batch = self.article_queue[:MAX_ARTICLES_PER_COMMIT]
                del self.article_queue[:MAX_ARTICLES_PER_COMMIT]
                if len(self.article_queue) < MAX_ARTICLES_PER_COMMIT:
                    self.article_batch_full.clear()
                entries = [entry for entry, _, _ in batch]
                results: list[SaveResult | Exception]
                try:
                    async with self.store_lock:
                        results = list(await self.db(store_together, self.store, entries))
                except Exception as exc:  # a bug: raised by each entry of the batch, loudly
                    results = [exc] * len(batch)
                for (_, _, done), result in zip(batch, results, strict=True):
                    if done.done():  # its poll was cancelled; the article is stored all the same
                        continue
                    if isinstance(result, Exception):
                        done.set_exception(result)
                    else:
                        done.set_result(result)
                batch = []
        except BaseException:  # cancelled (the loop is closing): nobody waits forever
            for _, _, done in [*batch, *self.article_queue]:
                done.cancel()
            self.article_queue.clear()
            raise

    def _write_behind(self, before: FeedState | None, after: FeedState) -> bool:
        """Keep `after` to write later, if it changed only WRITE_BEHIND_FIELDS since the
        row as written (which may itself be waiting); False: write it now."""
        pending = self.behind.get(after.name)
        written = pending[0] if pending is not None else before
        changed = changed_fields(written, after)
        if changed is None or not WRITE_BEHIND_FIELDS.issuperset(changed):
            return False
        self.behind[after.name] = (written, after)
        if self.behind_writer is None:
            loop = asyncio.get_running_loop()
            self.behind_writer = loop.call_later(WRITE_BEHIND_SECONDS, self._flush_soon)
        return True

    def _flush_soon(self) -> None:
        self.behind_writer = None
        asyncio.get_running_loop().create_task(self.flush_behind())

    async def flush_behind(self) -> None:
        """Write the rows kept behind now (a timer does it, and close_context)."""
        if self.behind_writer is not None:
            self.behind_writer.cancel()
            self.behind_writer = None
        changes, self.behind = list(self.behind.values()), {}
        for start in range(0, len(changes), MAX_STATES_PER_COMMIT):
            batch = changes[start : start + MAX_STATES_PER_COMMIT]
            for (_, state), error in zip(batch, await self._save_states(batch), strict=True):
                if error is not None:  # the next poll of the feed tries again
                    log.error("feed=%s saving its state failed: %s", state.name, error)

    async def _write_states(self) -> None:
        batch: list[tuple[StateChange, asyncio.Future[None]]] = []
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

    async def _save_states(self, states: list[StateChange]) -> list[Exception | None]:
        """One transaction for all; if it fails, one each: a row the database refuses (a
        NUL in a feed title, on PostgreSQL) must not fail the feeds batched with it."""
        try:
            await self.db(self.feed_rows.save_feed_states, states)
            return [None] * len(states)
        except Exception as exc:
            if len(states) == 1:
                return [exc]
        errors: list[Exception | None] = []
        for state in states:
            try:
                await self.db(self.feed_rows.save_feed_states, [state])
                errors.append(None)
            except Exception as exc:
                errors.append(exc)
        return errors


# What the CPU-bound stages import (prepare.py imports them lazily, for the main process'
# sake): imported up front where they run, in threads (workers: 1) or preloaded workers.
EXTRACTION_MODULES = (
    "ingest.extract",
    "ingest.extract.overrides",
    "ingest.feeds",
    "ingest.compose",
)


def make_cpu_pool(workers: int | None) -> pebble.ProcessPool | None:
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        # Extraction runs in threads of this process: import its libraries here, once, in
        # this thread. Imported lazily by the first extraction threads instead, their
        # module-level set-up raced with lxml in other threads and crashed the process
        # now and then (double free, segfault: about 1 poll in 30).
        for module in EXTRACTION_MODULES:
            importlib.import_module(module)
        dedup.warm_up()
        return None
    ctx = start_forkserver()
    # pebble rather than ProcessPoolExecutor: a per-task timeout that kills only the stuck
    # worker, dead workers replaced without breaking the pool, and workers recycled after
    # RECYCLE_AFTER_TASKS (ProcessPoolExecutor's max_tasks_per_child deadlocks on Python
    # 3.11, CPython gh-115634).
    from pebble import ProcessPool

    # Each worker starts with heap.start_worker: glibc's thresholds held (it decodes,
    # parses and pickles every page: 9 MB less held over 1,000 of them) and what it
    # inherited from the forkserver frozen, so that it stays shared.
    pool = ProcessPool(
        workers, max_tasks=RECYCLE_AFTER_TASKS, context=ctx, initializer=heap.start_worker
    )
    _LIVE_POOLS.add(id(pool))
    return pool


def started_cpu_pool(workers: int | None) -> pebble.ProcessPool | None:
    """make_cpu_pool, with its workers running (pebble starts them at the first task:
    here, in the calling thread, not in the event loop's)."""
    pool = make_cpu_pool(workers)
    if pool is not None:
        pool.schedule(int).result(timeout=CPU_TIMEOUT)
    return pool


def start_forkserver() -> multiprocessing.context.ForkServerContext:
    """The context whose forkserver starts the extraction workers, running."""
    # forkserver: workers start from a clean, preloaded process (fork from a threaded
    # parent is unsafe).
    ctx = multiprocessing.get_context("forkserver")
    # Only what workers run: not the database, HTTP or CLI layers (half the import time).
    # numpy.ma: numpy imports it lazily, at a worker's first fingerprint (np.unique), and
    # each new worker (RECYCLE_AFTER_TASKS) paid 15-20 ms for it; imported here, once.
    ctx.set_forkserver_preload(
        [*EXTRACTION_MODULES, "ingest.pipeline.prepare", "numpy", "numpy.ma"]
    )
    # Its imports (a second of CPU) run in the forkserver; the workers it forks have them.
    multiprocessing.forkserver.ensure_running()
    return ctx


def stop_cpu_pool(pool: pebble.ProcessPool | None) -> None:
    """Stop the workers, a stuck one included, and reap them: no process is left behind."""
    if pool is not None:
        pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it unannotated
        pool.join(timeout=10)
        _LIVE_POOLS.discard(id(pool))


# The forkserver and the resource tracker serve the whole process: they are stopped when
# a context closes with no pool left (the tracker would unlink the semaphores of a pool
# still in use), not when `ingest run` stops an idle pool (new workers fork in ms).
_LIVE_POOLS: set[int] = set()


def stop_pool_helpers() -> None:
    """Stop and reap the forkserver and the resource tracker, children of this process.

    Left alone they exit only once this process has exited (they watch a pipe that it
    holds), as orphans that stay zombies wherever PID 1 does not reap. CPython has no
    public call for this; `_stop` (both classes, 3.8 to 3.14) closes the pipe and waits.
    """
    from multiprocessing import resource_tracker

    for helper in (multiprocessing.forkserver._forkserver, resource_tracker._resource_tracker):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()


def open_store(config: Config) -> Store:
    """The store of a loaded config (storage takes plain values, never the config)."""
    from storage.store import Store

    s = config.settings
    return Store(
        config.database_url,
        config.store_dir,
        title_max_chars=s.title_max_chars,
        thresholds=s.dedup.thresholds(),
        max_updates=s.dedup.max_updates,
    )


async def open_context(
    config: Config, store: Store | None = None, *, long_lived: bool = False
) -> Context:
    """The extraction pool is made when a feed first needs it (Context.pool_lazy).
    `long_lived` (`ingest run`): feed rows of not-modified polls written behind, and
    the pool stopped when idle (see the constants above). Otherwise, on a SQLite store
    at the current schema, the Store is opened when first needed (Context.full_store)."""
    # Imported here: read commands open the store through this module, without HTTP.
    from ingest.fetch import Fetcher
    from storage.lite_states import open_states

    s = config.settings
    fetcher = Fetcher.from_settings(s)
    threads = (s.workers or os.cpu_count() or 1) == 1
    rows = None
    if store is None and not long_lived:
        rows = open_states(config.database_url)
        if rows is None:  # PostgreSQL, a new store, an older schema: the Store, now
            store = open_store(config)
    elif store is None:
        store = open_store(config)
    return Context(
        config=config,
        full_store=store,
        rows=rows,
        fetcher=fetcher,
        cpu_pool=None,
        pool_lazy=not threads,
        workers=s.workers,
        db_pool=ThreadPoolExecutor(1, thread_name_prefix="ingest-store"),
        write_behind=long_lived,
        pool_idle_stop=POOL_IDLE_STOP if long_lived else None,
    )


async def close_context(ctx: Context, close_store: bool = True) -> None:
    # Rows of cancelled polls may still be on their way: let them reach the database.
    if ctx.article_writer is not None:
        await asyncio.gather(ctx.article_writer, return_exceptions=True)
    if ctx.state_writer is not None:
        await asyncio.gather(ctx.state_writer, return_exceptions=True)
    await ctx.flush_behind()
    if ctx.pool_idle_timer is not None:
        ctx.pool_idle_timer.cancel()
    if ctx.pool_starting is not None:  # its waiters were cancelled: stop it all the same
        (started,) = await asyncio.gather(ctx.pool_starting, return_exceptions=True)
        if not isinstance(started, BaseException):
            stop_cpu_pool(started)
    await ctx.fetcher.aclose()
    stop_cpu_pool(ctx.cpu_pool)
    if not _LIVE_POOLS:
        stop_pool_helpers()
    ctx.db_pool.shutdown(wait=True)
    if ctx.cpu_thread is not None:
        ctx.cpu_thread.shutdown(wait=True)
    if ctx.rows is not None:
        ctx.rows.close()
    if close_store and ctx.full_store is not None:
        ctx.full_store.close()


def take_distinct(queue: list[tuple[StateChange, T]], limit: int) -> list[tuple[StateChange, T]]:
    """Remove and return the head of `queue`: at most `limit` items, of distinct feeds."""
    names: set[str] = set()
    for (_, state), _ in queue[:limit]:
        if state.name in names:
            break
        names.add(state.name)
    batch = queue[: len(names)]
    del queue[: len(names)]
    return batch


async def bounded(coros: Iterable[Awaitable[T]], limit: int) -> list[T]:
    """Run awaitables with at most `limit` in flight, without creating them all at once;
    their results in the order they finished.

    If one raises, the others are cancelled before the error propagates: nothing of a
    poll keeps running after the poll has ended (and saved its feed's state).
    """
    iterator = iter(coros)
    results: list[T] = []

    async def worker() -> None:
        for coro in iterator:
            results.append(await coro)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(limit):
                group.create_task(worker())
    except BaseExceptionGroup as errors:
        # the first error as itself, as gather raised it: callers catch plain exceptions
        raise errors.exceptions[0] from None
    finally:
        stop = getattr(iterator, "close", None)
        if stop is not None:
            stop()  # a generator: what it has not made yet is never made
        else:
            for coro in iterator:  # never started: close them, or Python warns they were not
                if hasattr(coro, "close"):
                    coro.close()
    return results
