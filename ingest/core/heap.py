"""Page-sized buffers kept out of glibc's heap, in every process that handles pages.

glibc serves an allocation of 128 KiB or more from a mapping of its own, but raises that
threshold (up to 32 MiB) each time such a mapping is freed: after the first big page,
pages of 30-150 KiB are carved from the heap, whose fragments are not given back. The
main process of a first poll of 5,000 real pages grew from 110 to 147 MB (its Python
objects did not); with the threshold set, which turns the raising off, it stays at
100-111 MB. An extraction worker decodes, parses and pickles every page: 1,000 real
pages extracted in one process held 163-166 MB with glibc's defaults, 154-157 MB with
the thresholds held (its pool sets them: start_worker below). The trim
threshold, which each raise doubled along (imports have raised them already by the
time this runs), goes back to its default too. glibc only: elsewhere nothing is done.
"""

from __future__ import annotations

import os

# glibc's mallopt parameters (malloc.h) and their defaults: the size from which an
# allocation gets a mapping of its own, given back to the system when freed, and the
# free space at the top of the heap past which it is given back.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = TRIM_THRESHOLD = 128 * 1024


def bound_heap() -> None:
    """Hold glibc's mmap and trim thresholds at their defaults from now on (see above)."""
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return
    except (ValueError, OSError):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    except (OSError, AttributeError):
        pass


def start_worker() -> None:
    """An extraction worker's first step (pebble's initializer, ingest/pipeline/runtime.py).

    bound_heap, and what the worker inherited from the forkserver (the extraction
    modules, imported there once) frozen out of the cyclic collector's sight: a full
    collection writes to every object it scans, and each page it writes to stops being
    shared with the forkserver and the other workers, for the worker's life. The poll
    (cli/__init__.py) freezes what its start-up made for the same kind of reason.
    """
    import gc

    bound_heap()
    gc.freeze()
