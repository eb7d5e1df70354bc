"""ingest.pipeline.runtime.bounded: a limit on what runs, and nothing left half-made."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

from ingest.pipeline.runtime import bounded


async def _inner(n: int) -> int:
    await asyncio.sleep(0.01 * (n % 3))
    if n == 2:
        raise ValueError("entry 2 is broken")
    return n


async def _wrapped(coro: asyncio.Future[int] | object) -> int:
    return await coro  # type: ignore[misc]


def test_results_come_back_with_at_most_limit_in_flight() -> None:
    running, peak = 0, 0

    async def one(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.005)
        running -= 1
        return n

    results = asyncio.run(bounded((one(n) for n in range(20)), limit=3))
    assert sorted(results) == list(range(20))
    assert peak == 3


def test_an_error_stops_the_rest_and_leaves_no_coroutine_unawaited() -> None:
    # Poll wraps each entry's coroutine in another; when one raised, bounded used to make
    # the rest (outer and inner) only to close the outer ones, and Python warned that
    # the inner ones were never awaited (seen at every shutdown of the soak benchmark).
    made: list[int] = []

    def entries() -> object:
        for n in range(50):
            made.append(n)
            yield _wrapped(_inner(n))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine ... was never awaited" fails the test
        with pytest.raises(ValueError, match="entry 2"):
            asyncio.run(bounded(entries(), limit=4))  # type: ignore[arg-type]
        gc.collect()
    assert len(made) < 50  # the generator was stopped, not drained
