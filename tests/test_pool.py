"""The extraction pool survives a dying worker, a stuck task, and recycles itself."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ingest.config import Config
from ingest.core.errors import ExtractError
from ingest.pipeline import runtime as pipeline
from ingest.pipeline.runtime import Context, make_cpu_pool


def die() -> None:
    os._exit(1)  # what the OOM killer or a crash in lxml looks like from the pool


def square(n: int) -> int:
    return n * n


def context(tmp_path: Path) -> Context:
    pool = make_cpu_pool(2)
    assert pool is not None
    return Context(
        config=Config(), store=None, fetcher=None, cpu_pool=pool,  # type: ignore[arg-type]
        db_pool=ThreadPoolExecutor(1), workers=2,
    )  # fmt: skip


def run(ctx: Context, coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    finally:
        if ctx.cpu_pool is not None:
            ctx.cpu_pool.shutdown(wait=True, cancel_futures=True)


def test_a_dead_worker_is_replaced_and_work_goes_on(tmp_path: Path) -> None:
    ctx = context(tmp_path)

    async def go() -> int:
        with pytest.raises(ExtractError, match="died twice"):
            await ctx.cpu(die, stage="extract")
        return await ctx.cpu(square, 7, stage="extract")

    assert run(ctx, go()) == 49


def test_the_pool_is_recycled_after_many_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RECYCLE_AFTER_TASKS", 3)
    ctx = context(tmp_path)
    pools = {id(ctx.cpu_pool)}

    async def go() -> list[int]:
        results = []
        for n in range(8):
            results.append(await ctx.cpu(square, n, stage="extract"))
            pools.add(id(ctx.cpu_pool))
        return results

    # 8 tasks through pools of 3: no deadlock (CPython gh-115634), and new pools were made
    assert run(ctx, go()) == [n * n for n in range(8)]
    assert len(pools) >= 3


def test_a_stuck_task_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CPU_TIMEOUT", 1.0)
    ctx = context(tmp_path)

    async def go() -> int:
        with pytest.raises(ExtractError, match="no result within 1s"):
            await ctx.cpu(time.sleep, 30, stage="extract")
        return await ctx.cpu(square, 3, stage="extract")

    assert run(ctx, go()) == 9


def test_recycling_under_concurrent_submissions_loses_no_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tasks submitted while another one recycles the pool must land in the new pool,
    # not fail with "cannot schedule new futures after shutdown".
    monkeypatch.setattr(pipeline, "RECYCLE_AFTER_TASKS", 5)
    ctx = context(tmp_path)

    async def go() -> list[int]:
        return await asyncio.gather(*(ctx.cpu(square, n, stage="extract") for n in range(60)))

    assert run(ctx, go()) == [n * n for n in range(60)]
