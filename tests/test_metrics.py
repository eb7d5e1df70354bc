"""Metrics through hooks: the fetcher and the context say what they timed, by name."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ingest.config import Config
from ingest.core.errors import HTTPStatusError
from ingest.fetch import Fetcher, FetchLimits
from ingest.pipeline.runtime import Context
from ingest.service.metrics import Metrics


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404 if request.url.path == "/missing" else 200, content=b"body")


def fetcher() -> Fetcher:
    return Fetcher("ua", FetchLimits(), transport=httpx.MockTransport(handler))


def context(fetch: Fetcher) -> Context:
    return Context(
        config=Config(), full_store=None, fetcher=fetch, cpu_pool=None,  # type: ignore[arg-type]
        db_pool=ThreadPoolExecutor(1),
    )  # fmt: skip


def test_the_fetcher_reports_each_fetch_with_the_kind_its_caller_named() -> None:
    seen: list[tuple[str, float]] = []

    async def go() -> None:
        async with fetcher() as fetch:
            fetch.on_fetch = lambda kind, seconds: seen.append((kind, seconds))
            await fetch.fetch("https://example.org/feed", max_bytes=100, kind="feed")
            await fetch.fetch("https://example.org/page", max_bytes=100)
            with pytest.raises(HTTPStatusError):  # a failed fetch took time too
                await fetch.fetch("https://example.org/missing", max_bytes=100)

    asyncio.run(go())
    assert [kind for kind, _ in seen] == ["feed", "page", "page"]
    assert all(seconds >= 0 for _, seconds in seen)


def test_the_context_reports_each_cpu_call_by_stage() -> None:
    seen: list[str] = []
    ctx = context(fetcher())
    ctx.on_cpu = lambda stage, _seconds: seen.append(stage)

    async def go() -> int:
        await ctx.cpu(len, "abc", stage="parse")
        return await ctx.cpu(sum, [1, 2], stage="extract")

    assert asyncio.run(go()) == 3
    assert seen == ["parse", "extract"]


def test_metrics_watch_a_context_through_its_hooks() -> None:
    pytest.importorskip("prometheus_client")
    metrics = Metrics()
    ctx = context(fetcher())
    metrics.watch(ctx)

    async def go() -> None:
        async with ctx.fetcher:
            await ctx.fetcher.fetch("https://example.org/feed", max_bytes=100, kind="feed")
            await ctx.cpu(len, "abc", stage="parse")

    asyncio.run(go())
    sample = metrics.registry.get_sample_value
    assert sample("ingest_fetch_seconds_count", {"kind": "feed"}) == 1
    assert sample("ingest_fetch_seconds_count", {"kind": "page"}) is None
    assert sample("ingest_cpu_seconds_count", {"stage": "parse"}) == 1
