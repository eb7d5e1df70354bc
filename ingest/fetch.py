"""HTTP: conditional GET, bounded redirects, capped streamed bodies, polite concurrency.

Every request runs under one total deadline (`settings.timeout`), not only per-read
timeouts, so a server that trickles bytes cannot hold a slot forever. Bodies are read
as a stream and cut off at the cap on the *decoded* size, which also stops gzip and
brotli bombs. Redirects are followed here, hop by hop, so that each hop passes the SSRF
guard (the guard itself sits in the connection, see netguard.py) and a permanent
redirect of a feed can be reported.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.config import Settings
from ingest.decode import ACCEPT_ENCODING, decode_chunk, decoders_for
from ingest.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from ingest.netguard import GuardedBackend, Network
from ingest.types import FetchResult

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"
# Some sites answer 403 to anything that does not look like a browser; one retry with
# this agent tells a bot wall from a real refusal.
FALLBACK_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 news-ingest"
)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_MAX_AGE_RE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)
_BOT_WALL_MARKERS = (b"cf-chl", b"Just a moment...", b"captcha", b"Attention Required!")


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 30.0
    concurrency: int = 16
    per_host: int = 2
    max_redirects: int = 10


class Fetcher:
    """One shared client pool; `fetch` is safe to call from many tasks at once."""

    def __init__(
        self,
        user_agent: str,
        limits: FetchLimits,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.limits = limits
        self._transport = transport  # a seam for unit tests (httpx.MockTransport)
        self._clients: dict[frozenset[Network], httpx.AsyncClient] = {}
        self._all = asyncio.Semaphore(limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(limits.per_host)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        """The fetcher feeds.yaml's settings ask for."""
        return cls(
            settings.agent,
            FetchLimits(
                timeout=settings.timeout,
                concurrency=settings.concurrency,
                per_host=settings.per_host,
                max_redirects=settings.max_redirects,
            ),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    def _client(self, allow: Sequence[Network]) -> httpx.AsyncClient:
        # One client per allow-list: a pooled connection is only reused by requests that
        # were allowed to open it.
        key = frozenset(allow)
        if key not in self._clients:
            transport = self._transport or _guarded_transport(allow, self.limits)
            self._clients[key] = httpx.AsyncClient(
                transport=transport,
                follow_redirects=False,
                # The total deadline (asyncio.timeout in fetch) is the one that fires;
                # httpx's per-operation timeouts only back it up.
                timeout=httpx.Timeout(self.limits.timeout + 1),
                trust_env=False,  # a proxy from the environment would bypass the guard
            )
        return self._clients[key]

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        async with self._hosts[host], self._all:
            yield

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        allow: Sequence[Network] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = PAGE_ACCEPT,
    ) -> FetchResult:
        """GET `url`; raises a FetchError subclass on anything but a usable response."""
        try:
            try:
                return await self._follow(url, max_bytes, allow, etag, last_modified, accept)
            except HTTPStatusError as exc:
                if exc.status != 403:
                    raise
                # 403 often means "you are not a browser": retry once as one.
                return await self._follow(
                    url, max_bytes, allow, etag, last_modified, accept, FALLBACK_USER_AGENT
                )
        except TimeoutError:
            raise FetchTimeout(
                f"no complete response within {self.limits.timeout:g}s", url
            ) from None
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"timed out ({type(exc).__name__})", url) from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}", url) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", url) from None

    async def _follow(
        self,
        url: str,
        max_bytes: int,
        allow: Sequence[Network],
        etag: str | None,
        last_modified: str | None,
        accept: str,
        agent: str | None = None,
    ) -> FetchResult:
        headers = {
            "User-Agent": agent or self.user_agent,
            "Accept": accept,
            "Accept-Encoding": ACCEPT_ENCODING,  # only what ingest/decode.py decodes
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        client = self._client(allow)
        current, permanent = url, None
        all_permanent = True
        deadline: float | None = None
        for _hop in range(self.limits.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise BlockedAddressError(f"refused: not an http(s) URL: {current[:200]}", url)
            async with self._slot(parts.hostname):
                # The total deadline starts once a slot is held: time spent queueing
                # behind our own per-host limit is politeness, not the server's slowness.
                deadline = deadline or asyncio.get_running_loop().time() + self.limits.timeout
                async with (
                    asyncio.timeout_at(deadline),
                    client.stream("GET", current, headers=headers) as resp,
                ):
                    if resp.is_redirect and "location" in resp.headers:
                        target = urljoin(current, resp.headers["location"])
                        all_permanent = all_permanent and resp.status_code in (301, 308)
                        if all_permanent:
                            permanent = target
                        current = target
                        continue
                    if resp.status_code == 304:
                        return _result(url, current, resp, b"", permanent)
                    if resp.status_code >= 400:
                        raise await _status_error(resp, url)
                    body = await _read_capped(resp, max_bytes, url)
                    return _result(url, current, resp, body, permanent)
        raise TooManyRedirects(f"more than {self.limits.max_redirects} redirects", url)


def _guarded_transport(allow: Sequence[Network], limits: FetchLimits) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(
            max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency
        ),
        retries=1,  # connection-level only: a reset socket, not an HTTP error
    )
    # httpx does not expose httpcore's network_backend; this one attribute is the seam.
    transport._pool._network_backend = GuardedBackend(allow)  # noqa: SLF001
    return transport


async def _read_capped(
    resp: httpx.Response, max_bytes: int, url: str, *, truncate: bool = False
) -> bytes:
    """The decoded body, at most `max_bytes` (else TooLargeError, or cut when `truncate`).

    Raw bytes are decoded here (ingest/decode.py), not by httpx, so that no single
    chunk of a compression bomb is ever decoded beyond the cap.
    """
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in resp.headers:
        if not truncate:
            raise TooLargeError(f"response of {declared} bytes exceeds the cap of {max_bytes}", url)
    chain = decoders_for(resp.headers.get("content-encoding"))
    chunks, size = [], 0
    if resp.is_stream_consumed:  # a response built in memory (httpx.MockTransport): decoded
        chain, raw = [], _aiter((resp.content,))
    else:
        raw = resp.aiter_raw()
    while True:
        chunk = await anext(raw, None)
        limit = max_bytes - size + 1  # one byte over the cap is enough to know
        data = decode_chunk(chain, chunk or b"", limit, url, final=chunk is None)
        if size + len(data) > max_bytes:
            if truncate:
                chunks.append(data[: max_bytes - size])
                break
            raise TooLargeError(f"response exceeds the cap of {max_bytes} bytes", url)
        size += len(data)
        chunks.append(data)
        if chunk is None:
            break
    return b"".join(chunks)


async def _aiter(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def _status_error(resp: httpx.Response, url: str) -> HTTPStatusError:
    head = b""
    if resp.status_code in (403, 429, 503):
        try:
            head = await _read_capped(resp, 65536, url, truncate=True)
        except FetchError:
            pass  # an undecodable error page is no bot wall we can recognise
    bot_wall = resp.headers.get("cf-mitigated") == "challenge" or any(
        marker in head for marker in _BOT_WALL_MARKERS
    )
    return HTTPStatusError(
        resp.status_code,
        url,
        retry_after=parse_retry_after(resp.headers.get("retry-after")),
        blocked_by_bot_protection=resp.status_code in (403, 429, 503) and bot_wall,
    )


def _result(
    url: str, final: str, resp: httpx.Response, body: bytes, permanent: str | None
) -> FetchResult:
    ctype = resp.headers.get("content-type")
    charset = _CHARSET_RE.search(ctype) if ctype else None
    max_age = _MAX_AGE_RE.search(resp.headers.get("cache-control", ""))
    return FetchResult(
        url=url,
        final_url=final,
        status=resp.status_code,
        content=body,
        content_type=ctype.split(";")[0].strip().lower() if ctype else None,
        charset=charset[1] if charset else None,
        etag=resp.headers.get("etag"),
        last_modified=resp.headers.get("last-modified"),
        permanent_redirect=permanent,
        retry_after=parse_retry_after(resp.headers.get("retry-after")),
        cache_max_age=float(max_age[1]) if max_age else None,
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
