"""The pipeline: a pass over feeds (`poll`) and one feed's path through the stages.

    poll.py      poll_feed: fetch -> parse -> skip known -> pages -> extract -> dedup -> store
    runtime.py   Context: the extraction pool, the storage thread, group commits
    prepare.py   one entry's CPU work in a worker: extract -> compose -> fingerprint
    schedule.py  when to poll a feed next (pure)
    report.py    per-feed and per-pass reports, log lines

The names below are imported on first use: extraction workers import `prepare` and must
not load the HTTP client or the database layer with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.pipeline.poll import poll, poll_all, poll_async, poll_feed, select_feeds
    from ingest.pipeline.runtime import Context, close_context, open_context, open_store

_HOMES = {
    "poll": "ingest.pipeline.poll",
    "poll_all": "ingest.pipeline.poll",
    "poll_async": "ingest.pipeline.poll",
    "poll_feed": "ingest.pipeline.poll",
    "select_feeds": "ingest.pipeline.poll",
    "Context": "ingest.pipeline.runtime",
    "close_context": "ingest.pipeline.runtime",
    "open_context": "ingest.pipeline.runtime",
    "open_store": "ingest.pipeline.runtime",
}
__all__ = [
    "Context",
    "close_context",
    "open_context",
    "open_store",
    "poll",
    "poll_all",
    "poll_async",
    "poll_feed",
    "select_feeds",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'ingest.pipeline' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
