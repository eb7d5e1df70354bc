"""One exception tree for the whole program.

    IngestError                    anything we expect and can explain to the user
    ├── ConfigError                feeds.yaml is missing or invalid (names file, line, field)
    ├── FetchError                 the network did not give us a usable response
    │   ├── BlockedAddressError    URL scheme or resolved address refused (SSRF guard)
    │   ├── HTTPStatusError        the server answered with an error status
    │   ├── TooLargeError          the body exceeded its size cap
    │   ├── FetchTimeout           the total deadline for the request passed
    │   └── TooManyRedirects
    ├── ParseError                 the body is not a feed we can read
    ├── ExtractError               the page could not be turned into an article
    ├── StorageError               the database or the store directory failed
    ├── QueryError                 a search query or filter that cannot be run as given
    └── StoreLockedError           another process holds the store

`Skip(reason)` is not an error: it is how a stage says "this entry is not stored", with a
short machine-readable reason ("page:http_404", "no_link", ...) counted per pass, and
whether the reason is transient (a timeout, a 503: retried on later polls) or not. The
stage that raises it knows which; nobody decides it again from the reason string.
Anything that is not an IngestError is a bug and stays loud.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# HTTP statuses that say the URL is gone: a feed answering one of them several times in a
# row is failing (pipeline/schedule.py), a page answering one is not fetched again.
PERMANENT_HTTP_STATUSES = frozenset({404, 410})
# Statuses that say "not now": a page answering one is retried on later polls.
TRANSIENT_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})


class IngestError(Exception):
    """Base class for every error the program expects and reports."""


class ConfigError(IngestError):
    pass


class FetchError(IngestError):
    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class BlockedAddressError(FetchError):
    pass


class HTTPStatusError(FetchError):
    def __init__(
        self,
        status: int,
        url: str | None = None,
        retry_after: float | None = None,
        blocked_by_bot_protection: bool = False,
    ) -> None:
        what = "blocked (bot protection)" if blocked_by_bot_protection else f"HTTP {status}"
        super().__init__(what, url)
        self.status = status
        self.retry_after = retry_after
        self.blocked_by_bot_protection = blocked_by_bot_protection

    @property
    def permanent(self) -> bool:
        return self.status in PERMANENT_HTTP_STATUSES

    @property
    def transient(self) -> bool:
        return self.status in TRANSIENT_HTTP_STATUSES


class TooLargeError(FetchError):
    pass


class FetchTimeout(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class ParseError(IngestError):
    pass


class ExtractError(IngestError):
    pass


class StorageError(IngestError):
    pass


class QueryError(IngestError):
    """A malformed search query, date or filter: the message says what to change."""


class StoreLockedError(IngestError):
    pass


class Skip(Exception):  # noqa: N818 - an outcome, not an error
    """An entry is not stored, for a reason that is counted, not alarmed about."""

    def __init__(self, reason: str, detail: str = "", *, transient: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.transient = transient


@contextmanager
def wrap_errors(kind: type[IngestError], what: str) -> Iterator[None]:
    """Turn a third-party exception raised inside the block into `kind`, keeping the cause."""
    try:
        yield
    except IngestError:
        raise
    except Exception as exc:  # the boundary: anything from the library is ours to explain
        raise kind(f"{what}: {type(exc).__name__}: {exc}") from exc
