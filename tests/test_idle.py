"""The daemon at idle: not-modified polls' rows written behind, the pool stopped when idle.

Both are `ingest run` only (Context made with `long_lived=True`); `ingest poll` writes
every row before it reports the feed and keeps its pool for the pass.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.config import Config
from ingest.core.types import FeedState, PollStatus
from ingest.pipeline.runtime import Context, close_context, start_forkserver
from storage.store import Store

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def polled(state: FeedState, seconds: float) -> FeedState:
    """`state` after a not-modified poll `seconds` after T0."""
    when = T0 + timedelta(seconds=seconds)
    return replace(state, last_polled_at=when, last_success_at=when,
                   next_poll_at=when + timedelta(seconds=5))  # fmt: skip


def test_not_modified_polls_are_written_behind_and_anything_else_at_once(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'ingest.db'}", tmp_path)
    first = FeedState(name="a", url="http://a/", etag='"1"', last_status=PollStatus.NOT_MODIFIED)
    store.save_feed_state(None, first)

    async def go() -> None:
        with ThreadPoolExecutor(1) as db_pool:
            ctx = Context(Config(), store, None, None, db_pool, write_behind=True)  # type: ignore[arg-type]
            one = polled(first, 5)
            await ctx.save_state(first, one)
            two = polled(one, 10)
            await ctx.save_state(one, two)
            row = store.feed_state("a")
            assert row is not None and row.last_polled_at is None  # not written yet
            assert ctx.behind == {"a": (first, two)}  # one row, as first written
            await ctx.flush_behind()
            assert store.feed_state("a") == two and not ctx.behind
            # a new ETag (the feed changed) is written before save_state returns, with
            # the times that were waiting for it
            three = polled(two, 15)
            await ctx.save_state(two, three)
            four = replace(polled(three, 20), etag='"2"', last_status=PollStatus.OK)
            await ctx.save_state(three, four)
            assert store.feed_state("a") == four and not ctx.behind
            five = polled(four, 25)
            await ctx.save_state(four, five)
            ctx.fetcher = _NoFetcher()  # type: ignore[assignment]
            await close_context(ctx, close_store=False)  # the last rows are not lost
            assert store.feed_state("a") == five

    asyncio.run(go())
    store.close()


def test_ingest_poll_writes_every_row_before_it_returns(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'ingest.db'}", tmp_path)
    first = FeedState(name="a", url="http://a/")
    store.save_feed_state(None, first)

    async def go() -> None:
        with ThreadPoolExecutor(1) as db_pool:
            ctx = Context(Config(), store, None, None, db_pool)  # type: ignore[arg-type]
            await ctx.save_state(first, polled(first, 5))
            assert store.feed_state("a") == polled(first, 5)

    asyncio.run(go())
    store.close()


class _NoFetcher:
    async def aclose(self) -> None:
        pass


def test_the_extraction_pool_starts_when_needed_and_stops_when_idle() -> None:
    start_forkserver()

    async def go() -> None:
        ctx = Context(Config(), None, _NoFetcher(), None, ThreadPoolExecutor(1),  # type: ignore[arg-type]
                      workers=2, pool_lazy=True, pool_idle_stop=0.3)  # fmt: skip
        assert ctx.cpu_pool is None
        pid = await ctx.cpu(os.getpid, stage="test")
        assert pid != os.getpid() and ctx.cpu_pool is not None
        workers = set(ctx.cpu_pool._pool_manager.worker_manager.workers)  # noqa: SLF001
        await asyncio.sleep(0.1)
        assert ctx.cpu_pool is not None  # not idle long enough yet
        deadline = time.monotonic() + 10
        while ctx.cpu_pool is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert ctx.cpu_pool is None  # stopped, its workers with it
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not any(_alive(p) for p in workers)
        assert await ctx.cpu(os.getpid, stage="test") not in workers  # a new worker
        await close_context(ctx, close_store=False)
        assert ctx.cpu_pool is None or not ctx.cpu_pool.active

    asyncio.run(go())


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_pass_where_every_feed_answers_304_starts_no_extraction_pool(tmp_path: Path) -> None:
    from ingest.config import load_config
    from ingest.pipeline.poll import poll_all
    from ingest.pipeline.runtime import open_context
    from tests.site.server import RequestRecord, Response, SiteServer

    def feed(record: RequestRecord) -> Response:
        if record.headers.get("If-None-Match") == '"1"':
            return Response(304, headers={"ETag": '"1"'})
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": '"1"'})

    async def one_pass(config: Config) -> tuple[bool, list[str]]:
        ctx = await open_context(config)
        try:
            report = await poll_all(ctx, config.feeds)
            return ctx.cpu_pool is not None, [str(f.status) for f in report.feeds]
        finally:
            await close_context(ctx)

    with SiteServer() as site:
        site.route("/feed", feed)
        lines = ["settings:", '  allow_addresses: ["127.0.0.1/32"]', "  workers: 2", "feeds:"]
        for n in range(3):
            lines += [f"  - name: f{n}", f"    url: {site.url(f'/feed?n={n}')}"]
        (tmp_path / "feeds.yaml").write_text("\n".join(lines) + "\n")
        config = load_config(tmp_path / "feeds.yaml")
        assert asyncio.run(one_pass(config)) == (True, ["ok"] * 3)  # parsed in the pool
        assert asyncio.run(one_pass(config)) == (False, ["not_modified"] * 3)
