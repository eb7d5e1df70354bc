"""Logging setup, one log line per feed, and the counters of a pass."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ingest.core.redact import redact
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
    updated: int = 0  # articles rewritten in place (same URL, changed body)
    merged: Counter[str] = field(default_factory=Counter)  # into a stored story, by rule
    seen: int = 0  # entries already stored, or a known URL: nothing to do
    too_old: int = 0  # cut by max_age, never looked at
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
        elif outcome.kind is EntryKind.UPDATED:
            self.updated += 1
        elif outcome.kind is EntryKind.MERGED:
            self.merged[(outcome.reason or "known").removeprefix("known:")] += 1
        elif outcome.kind is EntryKind.SEEN:
            self.seen += 1
        else:  # skipped or failed, with the reason
            self.skipped[outcome.reason or outcome.kind.value] += 1
        why = outcome.reason if outcome.reason and outcome.reason != outcome.kind.value else ""
        log.debug(
            "feed=%s article=%s outcome=%s",
            self.feed,
            outcome.article_id or "-",
            f"{outcome.kind.value}:{why.removeprefix('known:')}" if why else outcome.kind.value,
        )

    def line(self) -> str:
        parts = [
            f"feed={self.feed}",
            f"status={self.status}",
            f"http={self.http_status or '-'}",
            f"new={self.new}",
            f"updated={self.updated}",
            f"merged={sum(self.merged.values())}",
            f"seen={self.seen}",
            f"too_old={self.too_old}",
            f"skipped={sum(self.skipped.values())}",
        ]
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
            "updated": sum(f.updated for f in self.feeds),
            "merged": sum(sum(f.merged.values()) for f in self.feeds),
            "seen": sum(f.seen for f in self.feeds),
            "too_old": sum(f.too_old for f in self.feeds),
            "skipped": sum(self.skipped_by_reason().values()),
            "pending": sum(f.pending for f in self.feeds),
        }

    def skipped_by_reason(self) -> Counter[str]:
        skipped: Counter[str] = Counter()
        for f in self.feeds:
            skipped.update(f.skipped)
        return skipped

    def merged_by_rule(self) -> Counter[str]:
        merged: Counter[str] = Counter()
        for f in self.feeds:
            merged.update(f.merged)
        return merged

    def summary(self) -> str:
        t = self.totals()
        failed = ", ".join(f.feed for f in self.failed)
        return (
            f"polled {t['feeds']} feeds in {self.duration:.2f}s: {t['ok']} ok, "
            f"{t['not_modified']} not modified, {t['failed']} failed"
            + (f" ({failed})" if failed else "")
            + f"; articles: {t['new']} new"
            + "".join(
                f", {n} {what}{why}"
                for n, what, why in (
                    (t["updated"], "updated in place", ""),
                    (t["merged"], "merged into stored stories", _reasons(self.merged_by_rule())),
                    (t["seen"], "already seen", ""),
                    (t["too_old"], "too old for max_age", ""),
                    (t["skipped"], "skipped", _reasons(self.skipped_by_reason())),
                )
                if n
            )
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


class OneLineFormatter(logging.Formatter):
    """One line per record, so `grep ERROR` finds the reason with the event, and no
    password of any URL (a database URL in a driver's message) ever reaches the log."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = "; ".join(
            line.strip() for line in redact(record.message).splitlines() if line.strip()
        )
        return super().formatMessage(record)


def _reasons(counts: Counter[str]) -> str:
    return " (" + ", ".join(f"{r}={n}" for r, n in sorted(counts.items())) + ")" if counts else ""


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time, so a progress bar that redirects it
    (rich's) prints log lines above the bar instead of through it."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str = "INFO") -> None:
    handler = _StderrHandler()
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ingest")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # trafilatura and htmldate are chatty at WARNING about pages they cannot parse.
    for noisy in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
