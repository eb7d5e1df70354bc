"""`ingest run`: the long-running service.

    lock the store -> open one Context -> one APScheduler job per enabled feed
    -> each job: poll_feed -> schedule.next_poll -> save next_poll_at -> reschedule
    -> every second: feeds.yaml changed? valid? apply the difference
    -> SIGTERM / SIGINT: no new polls, wait shutdown_grace for running ones, exit 0

Why the shapes:
* One job per feed, id = feed name, `max_instances=1`: never two polls of one feed at
  once, and each poll is its own asyncio task, so a slow feed delays nobody. The trigger
  is an IntervalTrigger that is re-anchored after every poll at the time the decider
  chose (start_date = next poll); its own repeats (every max(interval, SAFETY_NET)) are
  only a safety net should a poll end without rescheduling. `coalesce=True` and
  `misfire_grace_time=None`: runs missed during a sleep or a long poll become one run.
* An idle poll costs little more than its HTTP exchange (bench/daemon_idle.py): polls
  are placed on a grid of TIMER_SLACK seconds, so that those due together share one
  wake-up of the scheduler and the event loop; the scheduler is woken on its own loop's
  thread without the thread-safe hand-over (`_LoopScheduler`); start-up's objects are
  frozen out of the cyclic collector's sight.
* Jitter is decided by ingest/pipeline/schedule.py (added only, never earlier), not by the
  trigger, so a feed due at start is polled at once and Retry-After is never undercut.
* Schedule state lives in the feeds table (next_poll_at, interval_seconds, error_count,
  validators), so a restart resumes: due feeds are polled at once, others wait.
* A poll cancelled at shutdown has committed whole articles only (one transaction each,
  file written after the row, repaired at start); its feed state is not saved, so the
  feed is due at the next start and the entries it had not reached are fetched then.
  Entries already stored are known by then: no duplicate, nothing lost.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import random
import signal
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ingest.config import Config, FeedSpec, Settings
from ingest.core.errors import IngestError
from ingest.core.types import FeedState, PollStatus
from ingest.pipeline.poll import plan_next, poll_feed, startup_maintenance
from ingest.pipeline.report import log
from ingest.pipeline.runtime import Context, Planning, close_context, open_context, utcnow
from ingest.pipeline.schedule import Outcome, Plan, is_failing, resume_at
from ingest.service.metrics import Metrics
from ingest.service.status import site_health
from ingest.service.watch import WATCH_INTERVAL, ConfigWatcher
from storage.lock import StoreLock
from storage.models import to_utc

# Each feed's job is re-anchored after every poll; the trigger's own repeats are only a
# safety net (should a poll end without rescheduling), so they are never more frequent
# than this: a poll longer than a short `interval:` must not meet its own next run.
SAFETY_NET = 300.0
# Timer slack: a poll is placed on a grid of this many seconds (a tenth of the feed's
# interval when that is shorter), never before its time. Polls due within the same step
# then share the scheduler's and the event loop's wake-ups instead of each paying for
# its own: 10-20% of a not-modified poll's CPU with 32 feeds every 5 s. A feed is polled
# at most this much later than planned, never earlier (nor before a Retry-After), and
# the jitter still spreads feeds over the grid's steps.
TIMER_SLACK = 1.0
HEALTH_INTERVAL = 60.0  # seconds between refreshes of the per-site health metric
HEALTH_WINDOW = timedelta(days=7)
# Settings bound into the open Context (store, HTTP client, pools): a change is
# reported and applies after a restart. Everything else applies on the next poll.
RESTART_SETTINGS = (
    "store",
    "database_url",
    "user_agent",
    "concurrency",
    "per_host",
    "timeout",
    "max_redirects",
    "workers",
    "title_max_chars",
)


def run_daemon(
    config: Config,
    *,
    metrics_port: int | None = None,
    metrics_host: str = "127.0.0.1",
    fixed_log_level: bool = False,
) -> None:
    """Run until SIGTERM or SIGINT. Raises StoreLockedError if the store is in use (on
    PostgreSQL: by a daemon on any machine, storage/lock.py)."""
    _route_scheduler_logs()
    with StoreLock(config.store_dir, config.database_url):
        metrics = None
        if metrics_port is not None:
            metrics = Metrics()
            metrics.serve(metrics_port, metrics_host)
            log.info("metrics on http://%s:%d/metrics", metrics_host, metrics_port)
        asyncio.run(Daemon(config, metrics, fixed_log_level=fixed_log_level).run())


def _route_scheduler_logs() -> None:
    """APScheduler's warnings and job errors go to our log, in our format."""
    aps = logging.getLogger("apscheduler")
    aps.handlers[:] = logging.getLogger("ingest").handlers
    aps.setLevel(logging.WARNING)
    aps.propagate = False


class _LoopScheduler(AsyncIOScheduler):  # type: ignore[misc]  # APScheduler is untyped
    """APScheduler's asyncio scheduler, woken up on its own event loop's thread.

    The daemon adds, moves and removes jobs from the loop's thread only, but
    AsyncIOScheduler wakes itself thread-safely (`call_soon_threadsafe`: a self-pipe
    write and more loop turns), once per change, after every poll. Here a change made
    on the loop's thread schedules a plain `call_soon`, and the changes of one loop turn
    share it: with the grid, about a third of an idle poll's CPU beyond the HTTP
    exchange. A change from another thread gets APScheduler's own thread-safe wake-up.
    """

    _wake_pending = False

    def wakeup(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None or running is not self._eventloop:
            super().wakeup()
            return
        if not self._wake_pending:
            self._wake_pending = True
            running.call_soon(self._wake)

    def _wake(self) -> None:
        self._wake_pending = False
        if self._eventloop is None:  # shut down meanwhile
            return
        self._stop_timer()
        self._start_timer(self._process_jobs())


class Daemon:
    def __init__(
        self,
        config: Config,
        metrics: Metrics | None = None,
        *,
        fixed_log_level: bool = False,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.fixed_log_level = fixed_log_level
        self.clock = clock
        self.rng = rng
        self.specs = _enabled(config)
        self.watcher = ConfigWatcher(config)
        self.scheduler = _LoopScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._running: dict[str, asyncio.Task[None]] = {}
        self._streaks: dict[str, int] = {}  # failure streak per feed, as last stored
        self._stop = asyncio.Event()
        self._abandon = asyncio.Event()
        self._ctx: Context | None = None

    @property
    def ctx(self) -> Context:
        assert self._ctx is not None, "the daemon is not running"
        return self._ctx

    # -- lifecycle --------------------------------------------------------------------

    async def run(self) -> None:
        ctx = await open_context(self.config, long_lived=True)
        ctx.planning = Planning(rng=self.rng)
        if self.metrics is not None:
            self.metrics.watch(ctx)
        self._ctx = ctx
        self._install_signal_handlers()
        try:
            await startup_maintenance(ctx)
            states = await ctx.db(ctx.store.feed_states)
            # The daemon is the feeds' writer: each poll starts from the state the last one
            # saved, not from a read (a concurrent `ingest poll` costs at most a re-fetch).
            ctx.feed_states, ctx.keep_feed_states = dict(states), True
            # What start-up made (modules, the store's mappings, the configuration) stays
            # for the process' life: frozen out of the cyclic collector's sight, its full
            # collections (every minute or so at idle) scan what the polls make, not that.
            gc.freeze()
            self.scheduler.start()
            for spec in self.specs.values():
                self._schedule(spec, states.get(spec.name))
            self.scheduler.add_job(
                self._watch, IntervalTrigger(seconds=WATCH_INTERVAL), id="__watch_config__"
            )
            if self.metrics is not None:
                self.scheduler.add_job(
                    self._refresh_health,
                    IntervalTrigger(seconds=HEALTH_INTERVAL),
                    id="__site_health__",
                    next_run_time=self.clock(),
                )
            log.info(
                "running: %d feeds, store %s, config %s (Ctrl-C or SIGTERM to stop)",
                len(self.specs),
                self.config.store_dir,
                self.config.path,
            )
            await self._stop.wait()
            await self._drain()
        finally:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            await close_context(ctx)
            log.info("stopped")

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig)

    def request_stop(self, sig: signal.Signals | None = None) -> None:
        """First signal: stop gracefully. Second: abandon running polls now."""
        name = sig.name if sig else "stop"
        if self._stop.is_set():
            log.warning("%s again: abandoning running polls", name)
            self._abandon.set()
            return
        log.info("%s: stopping; no new polls", name)
        self._stop.set()

    async def _drain(self) -> None:
        """Let running polls finish within the grace period; cancel what is left."""
        self.scheduler.pause()
        tasks = list(self._running.values())
        if not tasks:
            return
        grace = self.config.settings.shutdown_grace
        log.info("waiting up to %.0fs for %d running polls", grace, len(tasks))
        # asyncio.wait (unlike gather) does not cancel the polls when it is cancelled.
        all_done = asyncio.create_task(asyncio.wait(tasks))
        abandon = asyncio.create_task(self._abandon.wait())
        await asyncio.wait([all_done, abandon], timeout=grace, return_when=asyncio.FIRST_COMPLETED)
        all_done.cancel()
        abandon.cancel()
        late = [t for t in tasks if not t.done()]
        for task in late:
            task.cancel()
        if late:
            log.warning(
                "abandoned %d polls (%s); they will run again at the next start",
                len(late),
                ", ".join(sorted(self._running)),
            )
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- scheduling -------------------------------------------------------------------

    def _schedule(
        self, spec: FeedSpec, state: FeedState | None, at: datetime | None = None
    ) -> None:
        """(Re)place the feed's job: at `at`, else where its stored state says."""
        now = self.clock()
        if at is None:
            at = resume_at(
                next_poll_at=to_utc(state.next_poll_at) if state else None,
                last_polled_at=to_utc(state.last_polled_at) if state else None,
                error_count=state.error_count if state else 0,
                explicit_interval=spec.interval,
                now=now,
            )
        interval = self.config.interval_of(spec)
        if spec.interval is None and state is not None and state.interval_seconds:
            interval = state.interval_seconds
        self._place(spec.name, at, interval)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("feed=%s next_poll=%s", spec.name, at.isoformat(timespec="seconds"))

    def _place(self, name: str, at: datetime, interval: float) -> None:
        """The feed's one job: first run at `at` (on the grid); its repeats are only the
        safety net."""
        at = on_grid(at, interval)
        trigger = IntervalTrigger(seconds=max(interval, SAFETY_NET), start_date=at, timezone="UTC")
        # a start_date already past would skip to the next repeat: next_run_time says when
        if self.scheduler.get_job(name) is not None:
            # After every poll: modified, not replaced (a new Job inspects its function's
            # signature, a good part of an idle poll's scheduling cost).
            self.scheduler.modify_job(name, trigger=trigger, next_run_time=at)
            return
        self.scheduler.add_job(
            self._poll_job, trigger, next_run_time=at, args=[name], id=name, name=name
        )

    def _unschedule(self, name: str) -> None:
        if self.scheduler.get_job(name) is not None:
            self.scheduler.remove_job(name)

    async def _poll_job(self, name: str) -> None:
        spec = self.specs.get(name)
        if spec is None or self._stop.is_set() or name in self._running:
            return
        task = asyncio.current_task()
        assert task is not None
        self._running[name] = task
        try:
            # A finished poll stores its next time even while stopping, so that a
            # restart does not poll it again at once.
            plan, outcome = await self._poll(spec)
            self._after_poll(spec, plan, outcome)
        except asyncio.CancelledError:
            if not self._stop.is_set():
                raise
            # Abandoned at shutdown, logged once by _drain: re-raised, APScheduler would
            # log a traceback per poll as if the job had failed.
        finally:
            self._running.pop(name, None)

    async def _poll(self, spec: FeedSpec) -> tuple[Plan, Outcome]:
        """Poll; the poll plans the next one and saves it with the feed's state (one
        write). When the poll itself failed, the next one is planned and saved here."""
        ctx = self.ctx
        try:
            report = await poll_feed(spec, ctx)
        except IngestError as exc:  # e.g. the database refused the feed state
            log.error("feed=%s url=%s error=%s", spec.name, spec.url, exc)
            return await self._plan_failure(spec)
        except Exception:
            # A bug must be loud, but one feed's bug must not stop the service: it is
            # logged with its traceback and the feed backs off like a failing one.
            log.critical("feed=%s url=%s bug while polling", spec.name, spec.url, exc_info=True)
            return await self._plan_failure(spec)
        if self.metrics is not None:
            self.metrics.observe_poll(report)
        if (report.new or report.updated) and report.unwritten < report.new + report.updated:
            # Files can be written again (a full disk has room, a folder is writable):
            # write those a failure left behind during this long run, not at a restart.
            await self._repair_files()
        assert report.plan is not None  # Context.planning is set in run()
        outcome = Outcome(report.status, report.http_status, report.error_count)
        return report.plan, outcome

    async def _repair_files(self) -> None:
        try:
            repaired = await self.ctx.db(self.ctx.store.repair_files)
        except IngestError as exc:
            log.error("repairing article files failed: %s", exc)
            return
        if repaired:
            log.warning("repaired %d article files from the database", repaired)

    async def _plan_failure(self, spec: FeedSpec) -> tuple[Plan, Outcome]:
        outcome = Outcome(PollStatus.ERROR, error_count=self._streaks.get(spec.name, 0) + 1)
        await self.ctx.flush_behind()  # _save_plan reads the row: let it be current
        plan = await plan_next(spec, outcome, self.ctx)
        await self.ctx.db(_save_plan, self.ctx, spec.name, plan)
        return plan, outcome

    def _after_poll(self, spec: FeedSpec, plan: Plan, outcome: Outcome) -> None:
        """Re-anchor the feed's job on its plan; say when it is failing."""
        name = spec.name
        self._streaks[name] = outcome.error_count
        if self.metrics is not None:
            failing = sum(1 for n, streak in self._streaks.items() if streak and n in self.specs)
            self.metrics.feeds_failing.set(failing)
        if is_failing(outcome.status, outcome.http_status, outcome.error_count):
            log.warning(
                "feed=%s url=%s is failing (HTTP %s); polled rarely, next at %s",
                name,
                spec.url,
                outcome.http_status or "-",
                plan.next_at.isoformat(timespec="seconds"),
            )
        if log.isEnabledFor(logging.DEBUG):  # formatting the time costs, at every poll
            log.debug(
                "feed=%s next_poll=%s in=%.1fs interval=%.0fs reason=%s",
                name,
                plan.next_at.isoformat(timespec="seconds"),
                plan.delay,
                plan.interval,
                plan.reason,
            )
        # with the current spec: feeds.yaml may have changed while it polled
        if name in self.specs and not self._stop.is_set():
            self._place(name, plan.next_at, plan.interval)

    # -- feeds.yaml -------------------------------------------------------------------

    async def _watch(self) -> None:
        new = self.watcher.check()
        if new is not None:
            await self._apply(new)

    async def _apply(self, new: Config) -> None:
        old_config, old = self.config, self.specs
        changed = _restart_only_changes(old_config.settings, new.settings)
        if changed:
            log.warning("feeds.yaml: %s changed; this applies after a restart", ", ".join(changed))
        self.config = new
        self.ctx.config = new
        self.specs = _enabled(new)
        if not self.fixed_log_level:
            logging.getLogger("ingest").setLevel(new.settings.log_level)
        for name in old.keys() - self.specs.keys():
            self._unschedule(name)
            log.info(
                "feed=%s removed or disabled in feeds.yaml: polling stopped "
                "(its stored articles stay)",
                name,
            )
        await self.ctx.flush_behind()  # the rows read next must be the polls' latest
        states = await self.ctx.db(self.ctx.store.feed_states)
        self.ctx.feed_states = dict(states)
        for name, spec in self.specs.items():
            before = old.get(name)
            if before is None:
                log.info("feed=%s added in feeds.yaml: url=%s", name, spec.url)
                self._schedule(spec, states.get(name))
            elif before.url != spec.url:
                log.info("feed=%s url changed in feeds.yaml: polling %s now", name, spec.url)
                self._schedule(spec, states.get(name), at=self.clock())
            elif before.interval != spec.interval and name not in self._running:
                self._schedule(spec, states.get(name))
        log.info("feeds.yaml reloaded: %d feeds enabled", len(self.specs))

    async def _refresh_health(self) -> None:
        if self.metrics is None:
            return
        since = self.clock() - HEALTH_WINDOW
        sites = await self.ctx.db(site_health, self.ctx.store, since)
        self.metrics.set_site_health((s.domain, s.share) for s in sites)


def on_grid(at: datetime, interval: float) -> datetime:
    """`at` rounded up to the timer grid of a feed polled every `interval` seconds
    (TIMER_SLACK; a tenth of the interval when shorter): never earlier."""
    step = min(TIMER_SLACK, interval / 10) or TIMER_SLACK
    stamp = at.timestamp()
    return datetime.fromtimestamp(math.ceil(stamp / step) * step, at.tzinfo)


def _save_plan(ctx: Context, name: str, plan: Plan) -> None:
    """Store the next poll of a feed whose poll failed before saving its state (runs on
    the storage thread)."""
    state = ctx.store.feed_state(name)
    if state is None:
        return
    planned = replace(state, next_poll_at=to_utc(plan.next_at), interval_seconds=plan.interval)
    ctx.store.save_feed_state(state, planned)


def _enabled(config: Config) -> dict[str, FeedSpec]:
    return {f.name: f for f in config.feeds if f.enabled}


def _restart_only_changes(old: Settings, new: Settings) -> list[str]:
    return [key for key in RESTART_SETTINGS if getattr(old, key) != getattr(new, key)]
