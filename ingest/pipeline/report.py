"""Logging setup, one log line per feed, and the counters of a pass."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field

from ingest.core.types import EntryKind, EntryOutcome, PollStatus
from ingest.pipeline.schedule import Plan

log = logging.getLogger("ingest")


@dataclass
class FeedReport:
    """What one poll of one feed did."""

    feed: str
    url: str
    status: PollStatus = PollStatus.OK
    http_status: int | None = None
    new: int = 0
    known: int = 0  # entries already stored (or a known canonical URL / content)
    updated: int = 0  # of `known`: articles rewritten in place (same URL, changed body)
    pending: int = 0  # left for a later poll by max_pages_per_poll
    skipped: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    duration: float = 0.0
    retry_after: float | None = None
    ttl: float | None = None
    error_count: int = 0  # the feed's failure streak after this poll
    plan: Plan | None = None  # the next poll, when the daemon plans (Context.planning)
    unwritten: int = 0  # stored, but their files could not be written (repaired later)
    file_error: str | None = None  # the first such error
    cache_max_age: float | None = None  # Cache-Control: max-age of the feed response

    def count(self, outcome: EntryOutcome) -> None:
        """Add one entry's outcome to the counters."""
        if outcome.file_error:
            self.unwritten += 1
            self.file_error = self.file_error or outcome.file_error
        if outcome.kind is EntryKind.NEW:
            self.new += 1
        elif outcome.kind in (EntryKind.SKIPPED, EntryKind.FAILED):
            self.skipped[outcome.reason or outcome.kind.value] += 1
        else:  # seen, merged or updated: an article we have
            self.known += 1
            self.updated += outcome.kind is EntryKind.UPDATED

    def line(self) -> str:
        parts = [
            f"feed={self.feed}",
            f"status={self.status}",
            f"http={self.http_status or '-'}",
            f"new={self.new}",
            f"known={self.known}",
            f"skipped={sum(self.skipped.values())}",
        ]
        if self.updated:
            parts.append(f"updated={self.updated}")
        if self.pending:
            parts.append(f"pending={self.pending}")
        if self.unwritten:
            parts.append(f"unwritten={self.unwritten}")
        parts.append(f"duration={self.duration:.2f}s")
        if self.error:
            parts.append(f'url={self.url} error="{self.error}"')
        return " ".join(parts)


@dataclass
class PollReport:
    """The summary of one pass over the feeds."""

    feeds: list[FeedReport] = field(default_factory=list)
    duration: float = 0.0
    repaired_files: int = 0

    @property
    def failed(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.status.failed]

    @property
    def unwritten(self) -> int:
        """Articles stored whose files could not be written: a failed pass, too."""
        return sum(f.unwritten for f in self.feeds)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unwritten

    def totals(self) -> dict[str, int]:
        return {
            "feeds": len(self.feeds),
            "ok": sum(f.status is PollStatus.OK for f in self.feeds),
            "not_modified": sum(f.status is PollStatus.NOT_MODIFIED for f in self.feeds),
            "failed": len(self.failed),
            "new": sum(f.new for f in self.feeds),
            "known": sum(f.known for f in self.feeds),
            "skipped": sum(self.skipped_by_reason().values()),
            "pending": sum(f.pending for f in self.feeds),
        }

    def skipped_by_reason(self) -> Counter[str]:
        skipped: Counter[str] = Counter()
        for f in self.feeds:
            skipped.update(f.skipped)
        return skipped

    def summary(self) -> str:
        t = self.totals()
        reasons = ", ".join(f"{r}={n}" for r, n in sorted(self.skipped_by_reason().items()))
        return (
            f"polled {t['feeds']} feeds in {self.duration:.2f}s: {t['ok']} ok, "
            f"{t['not_modified']} not modified, {t['failed']} failed; articles: {t['new']} new, "
            f"{t['known']} known, {t['skipped']} skipped"
            + (f" ({reasons})" if reasons else "")
            + (f", {t['pending']} left for the next poll" if t["pending"] else "")
            + self._unwritten_note()
        )

    def _unwritten_note(self) -> str:
        if not self.unwritten:
            return ""
        first = next(f.file_error for f in self.feeds if f.file_error)
        return (
            f"; {self.unwritten} files could not be written ({first}); they are written "
            "from the database by the next run once the store's folder is writable"
        )


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ingest")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # trafilatura and htmldate are chatty at WARNING about pages they cannot parse.
    for noisy in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
