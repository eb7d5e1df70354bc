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
import ssl
import sys
import time
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from typing import Literal
from urllib.parse import urljoin, urlsplit

# httpx imports its command-line client at import when click is installed (as it is,
# for our CLI), and with it rich and pygments: a third of httpx's import time, for a
# `httpx.main` we never call. A None entry makes that import fail the way httpx
# expects without the CLI's extras (it then defines a stub `main`); an httpx already
# imported by the embedding program is left as it is.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # noqa: E402

from ingest.config import Settings
from ingest.core.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from ingest.core.types import FetchResult
from ingest.fetch.decode import ACCEPT_ENCODING, decode_chunk, decoders_for
from ingest.fetch.netguard import GuardedBackend, Network

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"
FetchKind = Literal["feed", "page"]
# Some sites answer 403 to anything that does not look like a browser; one retry with
# this agent tells a bot wall from a real refusal.
FALLBACK_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 news-ingest"
)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_MAX_AGE_RE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)
# Parsed URLs kept (Fetcher._urls): the feeds' and their redirects' (a page is fetched once:
# its parsed URL, kept, was memory for nothing: 2 MB of the main process per 4,000 pages).
MAX_PARSED_URLS = 4096
_BOT_WALL_MARKERS = (b"cf-chl", b"Just a moment...", b"captcha", b"Attention Required!")


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 30.0
    concurrency: int = 16
    per_host: int = 2
    max_redirects: int = 10


class Fetcher:
    """A connection pool per host; `fetch` is safe to call from many tasks at once.

    Requests go to httpx's transport directly, not through an `httpx.AsyncClient`: of
    the client we used only cookies (redirects, auth, proxies, event hooks and base URLs
    are ours or unused), and it paid for the rest at every request: merging headers,
    URL and cookies into each request, extracting cookies from every response through
    http.cookiejar, wrapping the stream, a log record. That was a third of the CPU of a
    not-modified poll. The wire is unchanged (the same headers in the same order, the
    same timeouts); cookies still go through one http.cookiejar jar per allow-list, so
    a cookie that one redirect hop sets reaches the next hop as with a single client,
    but the jar is consulted only when a response sets a cookie or the jar holds one.

    Per host, not one for all: httpcore's pool does work quadratic in its connections on
    every request and every response (an expiry check with a syscall per connection, idle
    counts), which with one pool of 32 connections cost more CPU than a 304 itself. A
    host never has more than `per_host` requests in flight, so its pool stays that small.
    The pools of the `concurrency` most recently used hosts are kept (with their idle
    connections); older ones are closed once no request of their host is in flight.
    """

    def __init__(
        self,
        user_agent: str,
        limits: FetchLimits,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        on_fetch: Callable[[FetchKind, float], None] | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.limits = limits
        self._transport = transport  # a seam for unit tests (httpx.MockTransport)
        # Told how long each fetch took, redirects and the 403 retry included, whether it
        # succeeded or not: the daemon's metrics.
        self.on_fetch = on_fetch
        # (allow-list, host) -> its pool's transport, least recently used first
        self._pools: OrderedDict[tuple[frozenset[Network], str], httpx.AsyncBaseTransport] = (
            OrderedDict()
        )
        self._ssl: ssl.SSLContext | None = None  # one for all pools: loading CAs costs ~30 ms
        # One cookie jar per allow-list, shared by its hosts' pools: cookies that one
        # redirect hop sets reach the next hop's host as with a single client.
        self._jars: dict[frozenset[Network], CookieJar] = {}
        # The total deadline (asyncio.timeout_at in _follow) is the one that fires;
        # httpx's per-operation timeouts (connect, read, write, pool) only back it up.
        self._timeouts = httpx.Timeout(limits.timeout + 1).as_dict()
        # URL text -> httpx's parsed URL (immutable): a feed's URL is parsed once, not at
        # every poll (a tenth of a not-modified poll's CPU). Emptied when full.
        self._urls: dict[str, httpx.URL] = {}
        self._all = asyncio.Semaphore(limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._users: Counter[str] = Counter()  # tasks holding or awaiting a host's slot

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
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    async def _pool(self, allow: frozenset[Network], host: str) -> httpx.AsyncBaseTransport:
        """The pool for `host`; called holding the host's slot, so it is not closed under
        the caller. Keyed by allow-list too: a pooled connection is only reused by requests
        that were allowed to open it."""
        key = (allow, host)
        pool = self._pools.pop(key, None) or self._new_pool(allow)
        self._pools[key] = pool  # the most recently used: last
        excess = len(self._pools) - self.limits.concurrency
        if excess > 0:
            # Taken out of the dict before any await: no other task can pick them up.
            idle = [k for k in self._pools if k[1] not in self._users][:excess]
            for old in [self._pools.pop(k) for k in idle]:
                await old.aclose()
        return pool

    def _new_pool(self, allow: frozenset[Network]) -> httpx.AsyncBaseTransport:
        # No proxy, whatever the environment says: a proxy would bypass the guard.
        if self._transport is not None:
            return self._transport
        self._ssl = self._ssl or httpx.create_ssl_context()
        return _guarded_transport(tuple(allow), self.limits, self._ssl)

    async def _send(
        self,
        pool: httpx.AsyncBaseTransport,
        jar: CookieJar,
        url: str,
        headers: list[tuple[str, str]],
        keep_parsed: bool,
    ) -> httpx.Response:
        """One GET, its response streamed (the caller closes it): what AsyncClient.send did
        for us, cookies included, without what we do not use (see the class).
        `keep_parsed`: a URL fetched again and again (a feed's), its parse kept."""
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url)
            if keep_parsed:
                if len(self._urls) >= MAX_PARSED_URLS:
                    self._urls.clear()
                self._urls[url] = parsed
        request = httpx.Request(
            "GET", parsed, headers=headers, extensions={"timeout": self._timeouts}
        )
        if jar:  # an empty jar adds no Cookie header: not consulted (it costs ~0.1 ms)
            httpx.Cookies(jar).set_cookie_header(request)
        response = await pool.handle_async_request(request)
        response.request = request
        # Set-Cookie2 is ignored by http.cookiejar's default policy (RFC 2965 off), as it
        # was by the client: only Set-Cookie can put a cookie in the jar.
        if "set-cookie" in response.headers:
            httpx.Cookies(jar).extract_cookies(response)
        return response

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        self._users[host] += 1
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        try:
            async with semaphore, self._all:
                yield
        finally:
            self._users[host] -= 1
            if not self._users[host]:  # nobody holds or awaits it: forget the host
                del self._users[host], self._hosts[host]

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        allow: Sequence[Network] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = PAGE_ACCEPT,
        kind: FetchKind = "page",
    ) -> FetchResult:
        """GET `url`; raises a FetchError subclass on anything but a usable response.

        `kind` only labels the fetch for `on_fetch`: a feed, or a page (an article).
        """
        started = time.monotonic()
        try:
            try:
                return await self._follow(
                    url, max_bytes, allow, etag, last_modified, accept, kind == "feed"
                )
            except HTTPStatusError as exc:
                if exc.status != 403:
                    raise
                # 403 often means "you are not a browser": retry once as one.
                return await self._follow(
                    url,
                    max_bytes,
                    allow,
                    etag,
                    last_modified,
                    accept,
                    kind == "feed",
                    FALLBACK_USER_AGENT,
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
        finally:
            if self.on_fetch is not None:
                self.on_fetch(kind, time.monotonic() - started)

    async def _follow(
        self,
        url: str,
        max_bytes: int,
        allow: Sequence[Network],
        etag: str | None,
        last_modified: str | None,
        accept: str,
        keep_parsed: bool,
        agent: str | None = None,
    ) -> FetchResult:
        # In the order httpx.AsyncClient sent them (Host comes first, from the URL).
        headers = [
            ("Connection", "keep-alive"),
            ("User-Agent", agent or self.user_agent),
            ("Accept", accept),
            ("Accept-Encoding", ACCEPT_ENCODING),  # only what fetch/decode.py decodes
        ]
        if etag:
            headers.append(("If-None-Match", etag))
        if last_modified:
            headers.append(("If-Modified-Since", last_modified))
        networks = frozenset(allow)
        jar = self._jars.get(networks)
        if jar is None:
            jar = self._jars[networks] = CookieJar()
        current, permanent = url, None
        all_permanent = True
        deadline: float | None = None
        for _hop in range(self.limits.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise BlockedAddressError(f"refused: not an http(s) URL: {current[:200]}", url)
            async with self._slot(parts.hostname):
                pool = await self._pool(networks, parts.hostname)
                # The total deadline starts once a slot is held: time spent queueing
                # behind our own per-host limit is politeness, not the server's slowness.
                deadline = deadline or asyncio.get_running_loop().time() + self.limits.timeout
                async with asyncio.timeout_at(deadline):
                    resp = await self._send(pool, jar, current, headers, keep_parsed)
                    try:
                        if resp.is_redirect and "location" in resp.headers:
                            target = urljoin(current, resp.headers["location"])
                            all_permanent = all_permanent and resp.status_code in (301, 308)
                            if all_permanent:
                                permanent = target
                            current = target
                            await _drain(resp)
                            continue
                        if resp.status_code == 304:
                            await _drain(resp)
                            return _result(url, current, resp, b"", permanent)
                        if resp.status_code >= 400:
                            raise await _status_error(resp, url)
                        body = await _read_capped(resp, max_bytes, url)
                        return _result(url, current, resp, body, permanent)
                    finally:
                        await resp.aclose()
        raise TooManyRedirects(f"more than {self.limits.max_redirects} redirects", url)


def _guarded_transport(
    allow: Sequence[Network], limits: FetchLimits, ssl_context: ssl.SSLContext
) -> httpx.AsyncHTTPTransport:
    """The transport of one host's pool (Fetcher's per-host slot caps it at `per_host`)."""
    transport = httpx.AsyncHTTPTransport(
        verify=ssl_context,
        limits=httpx.Limits(
            max_connections=limits.per_host, max_keepalive_connections=limits.per_host
        ),
        retries=1,  # connection-level only: a reset socket, not an HTTP error
    )
    # httpx does not expose httpcore's network_backend; this one attribute is the seam.
    transport._pool._network_backend = GuardedBackend(allow)  # noqa: SLF001
    return transport


async def _drain(resp: httpx.Response, limit: int = 65536) -> None:
    """Read a body we do not use (a 304's, a redirect's) so that its connection is reused.

    httpcore returns a connection to the pool only when the response was read to its end;
    closed before that, the connection is closed, and the next request to the host pays
    a new connection (TCP, TLS). On an all-304 pass that was one new connection per feed.
    A body past `limit`, or one that fails to arrive, is not worth it: the connection is
    dropped as before, and the response we have is used all the same.
    """
    if resp.is_stream_consumed:  # built in memory (httpx.MockTransport): nothing to read
        return
    size = 0
    try:
        # aiter_raw is an async generator (it has aclose); typed as a plain AsyncIterator
        async with aclosing(resp.aiter_raw()) as chunks:  # type: ignore[type-var]
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    return
    except httpx.HTTPError:
        return


async def _read_capped(
    resp: httpx.Response, max_bytes: int, url: str, *, truncate: bool = False
) -> bytes:
    """The decoded body, at most `max_bytes` (else TooLargeError, or cut when `truncate`).

    Raw bytes are decoded here (fetch/decode.py), not by httpx, so that no single
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
