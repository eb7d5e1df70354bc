"""The extraction pool (pebble, 2 real worker processes): a dying worker is replaced, a stuck
task is killed without cancelling the healthy ones, workers are recycled, none outlives
the pool."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ingest.config import Config
from ingest.core.errors import ExtractError
from ingest.pipeline import runtime as pipeline
from ingest.pipeline.runtime import Context, make_cpu_pool, stop_cpu_pool


def die() -> None:
    os._exit(1)  # what the OOM killer or a crash in lxml looks like from the pool


def square(n: int) -> int:
    return n * n


def imported(module: str) -> bool:
    return module in sys.modules


def pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def context(tmp_path: Path) -> Context:
    pool = make_cpu_pool(2)
    assert pool is not None
    return Context(
        config=Config(), full_store=None, fetcher=None, cpu_pool=pool,  # type: ignore[arg-type]
        db_pool=ThreadPoolExecutor(1), workers=2,
    )  # fmt: skip


def run(ctx: Context, coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    finally:
        stop_cpu_pool(ctx.cpu_pool)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_dead_worker_is_replaced_and_work_goes_on(tmp_path: Path) -> None:
    ctx = context(tmp_path)

    async def go() -> int:
        with pytest.raises(ExtractError, match="died twice"):
            await ctx.cpu(die, stage="extract")
        return await ctx.cpu(square, 7, stage="extract")

    assert run(ctx, go()) == 49


def test_workers_are_recycled_after_many_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RECYCLE_AFTER_TASKS", 3)
    ctx = context(tmp_path)

    async def go() -> list[int]:
        return [await ctx.cpu(pid_after, 0, stage="extract") for _ in range(8)]

    # 8 tasks, a worker replaced after 3: no deadlock (CPython gh-115634), new processes
    assert len(set(run(ctx, go()))) >= 3


def test_a_stuck_task_is_killed_and_the_healthy_ones_around_it_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The audit's reproduction: 1 stuck task and 10 quick ones queued on 2 workers. Before,
    # the timeout counted time queued and shut the pool down: 4 cancelled, 5 timed out.
    monkeypatch.setattr(pipeline, "CPU_TIMEOUT", 2.0)
    ctx = context(tmp_path)
    stuck_pid: list[int] = []

    async def stuck() -> str:
        with pytest.raises(ExtractError, match="no result within 2s; its worker was stopped"):
            await ctx.cpu(pid_after, 60, stage="extract")
        return "stopped"

    async def go() -> list[Any]:
        first = asyncio.create_task(stuck())
        await asyncio.sleep(0.5)  # the stuck task holds a worker before the others queue
        assert ctx.cpu_pool is not None
        stuck_pid.extend(ctx.cpu_pool._pool_manager.worker_manager.workers)  # noqa: SLF001
        quick = [ctx.cpu(pid_after, 0.3, stage="extract") for _ in range(10)]
        return [await first, *await asyncio.gather(*quick)]

    started = time.monotonic()
    results = run(ctx, go())
    assert results[0] == "stopped"
    assert all(isinstance(pid, int) for pid in results[1:])  # all ten healthy ones finished
    assert time.monotonic() - started < 20
    # the stuck task's process was killed: none of the workers seen at the start lives on
    assert stuck_pid and not any(alive(pid) for pid in stuck_pid)


def test_stopping_the_pool_leaves_no_process_behind(tmp_path: Path) -> None:
    ctx = context(tmp_path)

    async def go() -> set[int]:
        busy = asyncio.ensure_future(
            ctx.cpu(pid_after, 30, stage="extract")
        )  # a worker busy at the stop
        pids = set(
            await asyncio.gather(*(ctx.cpu(pid_after, 0.2, stage="extract") for _ in range(4)))
        )
        busy.cancel()
        return pids

    pids = run(ctx, go())
    assert pids and not any(alive(pid) for pid in pids)


def overlap_probe(active: list[int], peak: list[int]) -> None:
    active.append(1)
    peak.append(len(active))
    time.sleep(0.05)
    active.pop()


def thread_context() -> Context:
    return Context(
        config=Config(), full_store=None, fetcher=None, cpu_pool=None,  # type: ignore[arg-type]
        db_pool=ThreadPoolExecutor(1), workers=1,
    )  # fmt: skip


def test_workers_1_runs_one_extraction_at_a_time() -> None:
    # lxml under trafilatura crashes the process now and then when two threads parse at
    # once (trafilatura issues 840, 925): with workers: 1 every task runs in one thread.
    ctx = thread_context()
    active: list[int] = []
    peak: list[int] = []

    async def go() -> None:
        await asyncio.gather(
            *(ctx.cpu(overlap_probe, active, peak, stage="extract") for _ in range(6))
        )

    asyncio.run(go())
    assert len(peak) == 6 and max(peak) == 1


def test_workers_1_a_stuck_task_does_not_hold_up_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CPU_TIMEOUT", 0.5)
    ctx = thread_context()

    async def go() -> int:
        with pytest.raises(ExtractError, match="no result within 0.5s"):
            await ctx.cpu(pid_after, 3, stage="extract")
        return await ctx.cpu(square, 6, stage="extract")

    started = time.monotonic()
    assert asyncio.run(go()) == 36
    assert time.monotonic() - started < 2.5


def test_a_new_worker_has_what_fingerprinting_imports_lazily(tmp_path: Path) -> None:
    """numpy imports numpy.ma at the first np.unique: in the forkserver, not per worker."""
    ctx = context(tmp_path)
    assert run(ctx, ctx.cpu(imported, "numpy.ma", stage="extract"))


def test_naming_the_pool_tasks_loads_no_parser_in_the_main_process() -> None:
    # The event loop imports the tasks only to name them to the pool (pickled by
    # reference); lxml, feed parsing and composing load where they run: the workers.
    probe = (
        "import sys\n"
        "from ingest.pipeline.prepare import parse_feed, prepare\n"
        "heavy = ('lxml', 'ingest.compose', 'ingest.feeds', 'ingest.extract', 'trafilatura')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=root,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert out.strip() == "[]"


def test_the_pool_parses_a_feed(tmp_path: Path) -> None:
    from ingest.pipeline.prepare import parse_feed

    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
           b"<item><title>A</title><link>http://e.org/a</link></item></channel></rss>")  # fmt: skip
    ctx = context(tmp_path)
    try:
        feed = asyncio.run(ctx.cpu(parse_feed, "http://e.org/f", rss, None, stage="parse"))
    finally:
        stop_cpu_pool(ctx.cpu_pool)
    assert feed.title == "T" and [e.link for e in feed.entries] == ["http://e.org/a"]
