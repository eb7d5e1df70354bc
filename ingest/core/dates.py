"""One tolerant date parser for feeds and pages, and the plausibility rule.

Feeds carry dates as RFC 822 (RSS), ISO 8601 / RFC 3339 (Atom, JSON Feed) or junk.
We parse the raw string ourselves because feedparser's `*_parsed` fields are converted
to UTC, and the stored month must be the publisher's local month.
"""

from __future__ import annotations

import calendar
import email.utils
import re
from datetime import UTC, datetime, timedelta

import feedparser

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
MAX_FUTURE = timedelta(days=1)
_ISO_Z = re.compile(r"(?<=\d)[zZ]$")
_ISO_SHORT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_date(raw: str | None) -> datetime | None:
    """An aware datetime keeping the offset it was given, or None. Naive input is UTC."""
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip()[:100]
    parsed = _rfc822(text) or _iso8601(text) or _feedparser(text)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rfc822(text: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _iso8601(text: str) -> datetime | None:
    text = _ISO_Z.sub("+00:00", text)
    text = _ISO_SHORT_OFFSET.sub(r"\1:\2", text) if "T" in text else text
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _feedparser(text: str) -> datetime | None:
    # Last resort for the odd formats feedparser knows (it returns UTC).
    try:
        parsed = feedparser._parse_date(text)  # noqa: SLF001 - its tolerant date parser
    except Exception:  # a date parser must never take a feed down
        return None
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def plausible(when: datetime | None, now: datetime) -> datetime | None:
    """`when` if it is after 1990 and at most a day in the future, else None."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when < EARLIEST or when > now + MAX_FUTURE:
        return None
    return when


def month_of(when: datetime) -> str:
    """YYYY-MM of the publisher's local date (the offset stored with `when`)."""
    return f"{when.year:04d}-{when.month:02d}"
