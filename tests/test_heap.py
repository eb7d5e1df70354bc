"""Page-sized buffers stay out of the heap in the commands that fetch pages and in the
extraction workers (ingest/core/heap.py bound_heap): glibc's threshold for a mapping of
their own is held at 128 KiB instead of rising after the first big free, which left the
main process of a long first poll, and each worker over its tasks, growing with
fragments they never gave back."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from ingest.pipeline.runtime import make_cpu_pool, stop_cpu_pool
from tests.hostile_site import feeds_yaml, ingest_env

# After a big buffer is freed (glibc then raises its threshold), 50 buffers of 200 KiB:
# how many got a mapping of their own (mallinfo2's hblks).
MAPPED_AFTER = """
import ctypes, sys
{setup}
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
big = bytearray(4 * 1024 * 1024)
del big
kept = [bytearray(200 * 1024) for _ in range(50)]
print(libc.mallinfo2().hblks)
"""


def mapped_here() -> int:
    """MAPPED_AFTER's count, in the calling process (an extraction worker's task)."""
    scope: dict[str, object] = {}
    with redirect_stdout(io.StringIO()) as out:
        exec(MAPPED_AFTER.format(setup=""), scope)
    return int(out.getvalue().strip())


def glibc() -> bool:
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):
        return False


def mapped(setup: str, cwd: Path) -> int:
    code = MAPPED_AFTER.format(setup=setup)
    out = subprocess.run([sys.executable, "-c", code], env=ingest_env(), cwd=cwd,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not glibc(), reason="mallopt's threshold is glibc's; nothing is set elsewhere")
def test_ingest_poll_keeps_page_sized_buffers_in_mappings_of_their_own(tmp_path: Path) -> None:
    feeds_yaml(tmp_path, [{"name": "gone", "url": "http://127.0.0.1:9/feed.xml"}])
    assert mapped("", tmp_path) < 10  # glibc alone: from the heap, after the big free
    bounded = "from ingest.core.heap import bound_heap\nbound_heap()"
    assert mapped(bounded, tmp_path) >= 50
    # what `ingest poll` does before its pass (it fails its one feed here, and exits 1)
    poll = "from ingest.cli import main\ntry:\n    main(['poll'])\nexcept SystemExit:\n    pass"
    assert mapped(poll, tmp_path) >= 50


@pytest.mark.skipif(not glibc(), reason="mallopt's threshold is glibc's; nothing is set elsewhere")
def test_extraction_workers_keep_page_sized_buffers_in_mappings_of_their_own() -> None:
    # A worker decodes, parses and pickles a page per task: with the threshold left to
    # rise after its first big page, those buffers came from its heap (9 MB more held).
    pool = make_cpu_pool(2)
    assert pool is not None
    try:
        assert pool.schedule(mapped_here).result(timeout=60) >= 50
    finally:
        stop_cpu_pool(pool)


def frozen_here() -> int:
    return gc.get_freeze_count()


def test_extraction_workers_keep_what_they_inherit_shared_with_the_forkserver() -> None:
    # What the forkserver imported is frozen in each worker: the cyclic collector never
    # writes to those objects, so their pages stay shared instead of being copied.
    pool = make_cpu_pool(2)
    assert pool is not None
    try:
        assert pool.schedule(frozen_here).result(timeout=60) > 10_000
    finally:
        stop_cpu_pool(pool)
