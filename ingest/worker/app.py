"""The procrastinate app of `ingest worker`: its tasks, and running one worker process.

procrastinate is imported here only (the `postgres` extra): read commands never load it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import text

from ingest.config import Config, FeedSpec, load_config
from ingest.core.errors import ConfigError, IngestError, StorageError
from ingest.core.types import PollStatus
from ingest.pipeline.poll import plan_next, poll_feed
from ingest.pipeline.report import log
from ingest.pipeline.runtime import Context, Planning, close_context, open_context
from ingest.pipeline.schedule import Outcome
from ingest.worker.enqueue import Candidate, host_of, pick
from storage import feed_sync
from storage.lock import StoreLock
from storage.models import to_utc

if TYPE_CHECKING:
    import procrastinate

POLL_TASK = "ingest.poll_feed"
# Polls and the periodic tasks run in separate queues, each served by its own procrastinate
# Worker in the process: busy poll slots never delay an enqueue or a recovery.
POLL_QUEUE = "ingest-polls"
CONTROL_QUEUE = "ingest-control"
CONTROL_CONCURRENCY = 2
ENQUEUE_TASK = "ingest.enqueue_due"
RECOVER_TASK = "ingest.recover_stalled"
# One procrastinate schema per store schema: created once, under a lock (like ours).
_PG_SCHEMA_LOCK = "hashtextextended(current_schema() || ' news-ingest procrastinate', 0)"


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 8  # feeds polled at once by this process
    enqueue_every: int = 10  # seconds between enqueues of due feeds (cluster-wide)
    recover_every: int = 15  # seconds between recoveries of dead workers' jobs
    stalled_after: float = 30.0  # a worker without a heartbeat this long is dead
    sync: bool = True  # the enqueue reconciles this worker's feeds.yaml first

    @property
    def heartbeat(self) -> float:
        return max(0.2, self.stalled_after / 3)


class _Runtime:
    """What the tasks of this process share: its Context and the current feeds.yaml."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._ctx: Context | None = None
        self._mtime = _mtime(config.path)

    @property
    def ctx(self) -> Context:
        assert self._ctx is not None, "the worker is not running"
        return self._ctx

    def reload(self) -> Config:
        """feeds.yaml again if it changed; a broken edit keeps the last good one."""
        mtime = _mtime(self.config.path)
        if self.config.path is None or mtime == self._mtime:
            return self.config
        self._mtime = mtime
        try:
            self.config = load_config(self.config.path)
        except ConfigError as exc:
            log.error("feeds.yaml not reloaded: %s", exc)
        return self.config


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path else None
    except OSError:
        return None


def conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (procrastinate speaks psycopg)."""
    scheme, rest = database_url.split("://", 1)
    if not scheme.startswith("postgres"):
        raise StorageError("ingest worker needs a PostgreSQL store (database_url)")
    return f"postgresql://{rest}"


def sync_config(config: Config, ctx: Context) -> feed_sync.SyncResult:
    """feeds.yaml into the feeds table (what `ingest sync` and each enqueue do)."""
    specs = {f.name: (f.url, f.enabled, f.model_dump_json()) for f in config.feeds}
    return feed_sync.sync_feeds(ctx.store, specs)


def make_app(database_url: str, options: WorkerOptions, runtime: _Runtime) -> procrastinate.App:
    import procrastinate
    from procrastinate import exceptions as pexc
    from procrastinate.jobs import Status

    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=options.concurrency + 4
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=POLL_TASK, queue=POLL_QUEUE)
    async def poll_job(name: str, host: str) -> None:
        await _poll(runtime, name)

    @app.periodic(cron=_every(options.enqueue_every))
    @app.task(name=ENQUEUE_TASK, queue=CONTROL_QUEUE)
    async def enqueue_due(timestamp: int) -> None:
        ctx, config = runtime.ctx, runtime.reload()
        # procrastinate defers each period once, except that deferring a period deletes
        # the rows of older ones, so a worker that starts late (or lags) and catches up
        # on an older period defers it again. That stale copy, or any enqueue overtaken
        # by a newer period, is skipped: the newer one does the work, once.
        newer = await app.connector.execute_query_all_async(
            "SELECT 1 FROM procrastinate_periodic_defers WHERE task_name = %(task)s "
            "AND defer_timestamp > %(timestamp)s LIMIT 1",
            task=ENQUEUE_TASK,
            timestamp=timestamp,
        )
        if newer:
            log.debug("enqueue timestamp=%d skipped: a newer period is due", timestamp)
            return
        log.info("enqueue timestamp=%d worker=%s", timestamp, _me())
        if options.sync:
            synced = await ctx.db(sync_config, config, ctx)
            if synced.added or synced.changed or synced.disabled:
                log.info("feeds.yaml synced: added=%d changed=%d disabled=%d",
                         len(synced.added), len(synced.changed), len(synced.disabled))  # fmt: skip
        due = await ctx.db(feed_sync.due_feeds, ctx.store, ctx.clock())
        candidates = []
        for feed in due:
            try:
                spec = FeedSpec.model_validate_json(feed.spec)
            except ValidationError as exc:  # written by another version: say it, go on
                log.error("feed=%s its synced entry is not valid here: %s", feed.name, exc)
                continue
            candidates.append(Candidate(feed.name, host_of(spec.url), spec))
        rows = await app.connector.execute_query_all_async(
            "SELECT args->>'name' AS name, args->>'host' AS host FROM procrastinate_jobs "
            "WHERE task_name = %(task)s AND status IN ('todo', 'doing')",
            task=POLL_TASK,
        )
        in_flight = {r["name"]: r["host"] for r in rows}
        deferred = 0
        for c in pick(candidates, in_flight, config.settings.per_host):
            # One by one, not a batch: one feed queued meanwhile would fail the whole
            # batch (procrastinate #1432).
            lock = f"feed:{c.name}"
            task = poll_job.configure(lock=lock, queueing_lock=lock)
            try:
                await task.defer_async(name=c.name, host=c.host)
                deferred += 1
            except pexc.AlreadyEnqueued:
                pass
        log.info("enqueued due=%d deferred=%d in_flight=%d", len(due), deferred, len(in_flight))

    @app.periodic(cron=_every(options.recover_every))
    # no lock: a lock held by a stalled recovery would stall every recovery (#1408)
    @app.task(name=RECOVER_TASK, queue=CONTROL_QUEUE)
    async def recover_stalled(timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=options.stalled_after
        )
        for job in stalled:
            try:
                await app.job_manager.retry_job(job)
                log.warning("recovered job=%s task=%s of a dead worker: queued again",
                            job.id, job.task_name)  # fmt: skip
            except (pexc.UniqueViolation, pexc.AlreadyEnqueued):
                # The feed is queued already (#1446, #1543): fail this copy, which frees
                # its lock, and let the queued one run.
                await app.job_manager.finish_job(job, Status.FAILED, delete_job=False)
                log.warning("recovered job=%s of a dead worker: failed, its feed is queued",
                            job.id)  # fmt: skip

    return app


def _every(seconds: int) -> str:
    """A procrastinate cron (6th field: seconds) firing every `seconds` (1-60)."""
    seconds = max(1, min(60, int(seconds)))
    if seconds == 60:
        return "* * * * *"
    return f"* * * * * */{seconds}"


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def _poll(runtime: _Runtime, name: str) -> None:
    """One feed's poll, as `ingest run` makes it: planned and saved with its state."""
    ctx = runtime.ctx
    synced = await ctx.db(feed_sync.synced_feed, ctx.store, name)
    if synced is None or synced.spec is None or not synced.enabled:
        log.info("feed=%s removed or disabled since it was queued: not polled", name)
        return
    next_at = synced.state.next_poll_at
    if next_at is not None and to_utc(next_at) > ctx.clock():
        return  # polled meanwhile (a recovered job whose poll had finished)
    spec = FeedSpec.model_validate_json(synced.spec)
    # The poll starts from the state just read (poll_feed takes it from feed_states)
    # instead of reading the row a second time. Two jobs of one feed never run at once
    # (its lock), so the entry is this job's until poll_feed takes it.
    assert ctx.feed_states is not None
    ctx.feed_states[name] = synced.state
    log.debug("feed=%s poll started by worker=%s", name, _me())
    try:
        await poll_feed(spec, ctx)
    except IngestError as exc:  # e.g. the database refused the feed state
        log.error("feed=%s url=%s error=%s", spec.name, spec.url, exc)
        await _plan_failure(spec, ctx)
    except Exception:
        # A bug must be loud, but must not make the feed due again at every enqueue.
        log.critical("feed=%s url=%s bug while polling", spec.name, spec.url, exc_info=True)
        await _plan_failure(spec, ctx)


async def _plan_failure(spec: FeedSpec, ctx: Context) -> None:
    state = await ctx.db(ctx.store.feed_state, spec.name)
    streak = (state.error_count if state else 0) + 1
    plan = await plan_next(spec, Outcome(PollStatus.ERROR, error_count=streak), ctx)
    if state is not None:
        after = replace(state, next_poll_at=to_utc(plan.next_at), interval_seconds=plan.interval)
        await ctx.db(ctx.store.save_feed_state, state, after)


def _ensure_schema(ctx: Context) -> None:
    """procrastinate's tables and functions, once per store schema, under a lock."""
    from procrastinate.schema import SchemaManager

    with ctx.store.engine.begin() as conn:
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})"))
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            cursor.execute(SchemaManager.get_schema())  # no parameters: % stays literal
            cursor.close()
            log.info("procrastinate schema created")


async def run_worker(config: Config, options: WorkerOptions) -> None:
    """Run one worker process until SIGTERM/SIGINT (procrastinate's graceful stop)."""
    conninfo(config.database_url)  # a PostgreSQL store, or a clear error now
    with StoreLock(config.store_dir, config.database_url, shared=True):
        await _run_locked(config, options)


async def _run_locked(config: Config, options: WorkerOptions) -> None:
    runtime = _Runtime(config)
    ctx = await open_context(config)
    ctx.planning = Planning()
    ctx.feed_states = {}  # each job puts its feed's state here for poll_feed (_poll)
    runtime._ctx = ctx
    try:
        await ctx.db(_ensure_schema, ctx)
        app = make_app(config.database_url, options, runtime)
        async with app.open_async():
            log.info("worker %s: concurrency %d, store %s", _me(), options.concurrency,
                     config.store_dir)  # fmt: skip
            await _serve(app, config, options)
    finally:
        await close_context(ctx)
        log.info("worker %s stopped", _me())


async def _serve(app: procrastinate.App, config: Config, options: WorkerOptions) -> None:
    """The polls' Worker and the control Worker, until SIGTERM/SIGINT stops both."""
    from procrastinate.worker import Worker

    common: dict[str, object] = {
        "update_heartbeat_interval": options.heartbeat,
        "stalled_worker_timeout": options.stalled_after,
        "shutdown_graceful_timeout": config.settings.shutdown_grace,
        "delete_jobs": "successful",
        "install_signal_handlers": False,  # ours stop both (procrastinate's: one each)
    }
    polls = Worker(app, queues=[POLL_QUEUE], name=f"{_me()}/polls",
                   concurrency=options.concurrency, **common)  # type: ignore[arg-type]  # fmt: skip
    control = Worker(app, queues=[CONTROL_QUEUE], name=f"{_me()}/control",
                     concurrency=CONTROL_CONCURRENCY, **common)  # type: ignore[arg-type]  # fmt: skip
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals) -> None:
        log.info("%s: stopping; running polls get %.0fs", sig.name, config.settings.shutdown_grace)
        polls.stop()  # type: ignore[no-untyped-call]  # procrastinate leaves it unannotated
        control.stop()  # type: ignore[no-untyped-call]

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig)
    try:
        await asyncio.gather(polls.run(), control.run())  # type: ignore[no-untyped-call]
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def run(config: Config, options: WorkerOptions) -> None:
    asyncio.run(run_worker(config, options))


def sync_once(config: Config) -> feed_sync.SyncResult:
    """`ingest sync`: feeds.yaml into the feeds table, once (any store)."""
    from ingest.pipeline.runtime import open_store

    store = open_store(config)
    try:
        specs = {f.name: (f.url, f.enabled, f.model_dump_json()) for f in config.feeds}
        return feed_sync.sync_feeds(store, specs)
    finally:
        store.close()
