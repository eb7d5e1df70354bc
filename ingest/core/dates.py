"""One tolerant date parser for feeds and pages, and the plausibility rule.

Feeds carry dates as RFC 822 (RSS), ISO 8601 / RFC 3339 (Atom, JSON Feed) or junk.
We parse the raw string ourselves because feedparser's `*_parsed` fields are converted
to UTC, and the stored month must be the publisher's local month.

`parse_date` reads a feed's whole date field (naive means UTC there); `parse_datetime`
finds an ISO date inside a page's markup value and keeps it naive when the page gave no
offset, so the caller can tell "stated in UTC" from "stated without a zone". Both share
the ISO reader `_iso8601`.
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
# An ISO date somewhere in a markup value: "2024-03-05", "2024-03-05T18:30:00.1+0100", ...
_ISO_IN_TEXT = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


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


def parse_datetime(value: str | None) -> datetime | None:
    """The first ISO-8601-ish date in a page's value; aware only when it carries an offset."""
    if not value:
        return None
    match = _ISO_IN_TEXT.search(value.strip())
    if not match:
        return None
    day, clock, offset = match.groups()
    text = day + (f"T{clock}" if clock else "")
    if offset:
        offset = "+00:00" if offset == "Z" else offset
        text += offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
    parsed = _iso8601(text)
    if parsed is None:
        return None
    # a bare date with an offset makes no sense; keep the date naive
    return parsed if clock or parsed.tzinfo is None else parsed.replace(tzinfo=None)


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
