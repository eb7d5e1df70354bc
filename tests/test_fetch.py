"""HTTP fetching against a real local server: caching, caps, deadlines, redirects, SSRF."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress

import httpx
import pytest

from ingest.core.errors import (
    BlockedAddressError,
    FetchTimeout,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirects,
)
from ingest.fetch import Fetcher, FetchLimits, parse_retry_after
from ingest.fetch.netguard import is_allowed
from tests.site.server import Response, SiteServer

LOOPBACK = [ipaddress.ip_network("127.0.0.1/32")]


def fetch(url: str, *, allow: list = LOOPBACK, limits: FetchLimits | None = None, **kw):  # type: ignore[no-untyped-def, type-arg]
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher("test-agent/1", limits or FetchLimits(timeout=5)) as fetcher:
            return await fetcher.fetch(url, allow=allow, max_bytes=kw.pop("max_bytes", 10**6), **kw)

    return asyncio.run(go())


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with SiteServer() as server:
        yield server


def test_conditional_get_and_304(site: SiteServer) -> None:
    site.route(
        "/f",
        Response(
            200, b"<rss/>", {"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"}
        ),
    )
    first = fetch(site.url("/f"))
    assert (first.status, first.etag, first.content) == (200, '"v1"', b"<rss/>")
    site.route(
        "/f",
        lambda r: (
            Response(304) if r.headers.get("If-None-Match") == '"v1"' else Response(200, b"x")
        ),
    )
    second = fetch(site.url("/f"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified
    sent = site.requests_for("/f")[-1]
    assert sent.headers.get("If-None-Match") == '"v1"'
    assert sent.headers.get("If-Modified-Since") == "Wed, 01 May 2024 10:00:00 GMT"
    assert sent.headers.get("User-Agent") == "test-agent/1"


def test_size_cap_while_streaming_and_gzip_bomb(site: SiteServer) -> None:
    site.route("/big", Response(200, b"x" * 200_000))
    with pytest.raises(TooLargeError):
        fetch(site.url("/big"), max_bytes=100_000)
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB that packs to ~50 KB
    site.route("/bomb", Response(200, bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(TooLargeError):
        fetch(site.url("/bomb"), max_bytes=1_000_000)


def test_total_deadline_stops_a_trickling_server(site: SiteServer) -> None:
    site.route("/slow", Response(200, b"y" * 2000, trickle=0.1, chunk_size=10))
    with pytest.raises(FetchTimeout, match="within 1s"):
        fetch(site.url("/slow"), limits=FetchLimits(timeout=1))


def test_status_errors_carry_retry_after(site: SiteServer) -> None:
    site.route("/busy", Response(429, b"", {"Retry-After": "120"}))
    with pytest.raises(HTTPStatusError) as err:
        fetch(site.url("/busy"))
    assert (err.value.status, err.value.retry_after) == (429, 120)


def test_403_is_retried_once_with_a_browser_agent(site: SiteServer) -> None:
    site.route(
        "/picky",
        lambda r: (
            Response(200, b"ok") if "Mozilla" in r.headers.get("User-Agent", "") else Response(403)
        ),
    )
    assert fetch(site.url("/picky")).content == b"ok"
    assert len(site.requests_for("/picky")) == 2


def test_redirects_followed_permanent_recorded_loops_stopped(site: SiteServer) -> None:
    site.route("/old", Response.redirect("/new", 301))
    site.route("/new", Response(200, b"moved"))
    result = fetch(site.url("/old"))
    assert result.content == b"moved" and result.permanent_redirect == site.url("/new")
    site.route("/loop", Response.redirect("/loop", 302))
    with pytest.raises(TooManyRedirects):
        fetch(site.url("/loop"))


def test_ssrf_guard_blocks_loopback_unless_allowed(site: SiteServer) -> None:
    site.route("/x", Response(200, b"secret"))
    with pytest.raises(BlockedAddressError, match="loopback"):
        fetch(site.url("/x"), allow=[])
    # a DNS name that resolves to loopback is refused too
    with pytest.raises(BlockedAddressError):
        fetch(site.url("/x").replace("127.0.0.1", "localhost"), allow=[])


def test_ssrf_guard_checks_every_redirect_hop(site: SiteServer) -> None:
    # 127.0.0.1 is allowed, 127.0.0.2 is not: the redirect must be refused at connect.
    port = site.base.rsplit(":", 1)[1]
    site.route("/hop", Response.redirect(f"http://127.0.0.2:{port}/x", 302))
    with pytest.raises(BlockedAddressError, match="127.0.0.2"):
        fetch(site.url("/hop"))


# 127.0.0.1 is allowed for the site, 127.0.0.2 is not: reached through its IPv6 forms
@pytest.mark.parametrize("host", ["[64:ff9b::7f00:2]", "[2002:7f00:2::1]", "[::7f00:2]"])
def test_a_redirect_to_an_ipv4_address_hidden_in_ipv6_is_refused(
    site: SiteServer, host: str
) -> None:
    port = site.base.rsplit(":", 1)[1]
    site.route("/hop6", Response.redirect(f"http://{host}:{port}/x", 302))
    with pytest.raises(BlockedAddressError, match="refused"):
        fetch(site.url("/hop6"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x.example/a", "javascript:alert(1)"])
def test_non_http_schemes_refused(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="not an http"):
        fetch(url)


@pytest.mark.parametrize(
    "ip, allowed",
    [
        ("93.184.216.34", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fd00::1", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        # IPv4 inside IPv6 (audit): each leads to the IPv4 address it embeds
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 to 169.254.169.254
        ("64:ff9b:1::7f00:1", False),  # local-use NAT64
        ("2002:7f00:1::1", False),  # 6to4
        ("::7f00:1", False),  # IPv4-compatible
        ("::ffff:0:7f00:1", False),  # IPv4-translated
        ("fec0::1", False),  # site-local
        ("64:ff9b::5db8:d822", True),  # NAT64 to a public address
        ("2606:4700::1111", True),
    ],
)
def test_address_policy(ip: str, allowed: bool) -> None:
    assert is_allowed(ipaddress.ip_address(ip)) is allowed
    assert is_allowed(ipaddress.ip_address(ip), [ipaddress.ip_network(ip)])


def test_mock_transport_seam() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=request.url.path.encode())

    async def go() -> bytes:
        fetcher = Fetcher("ua", FetchLimits(), transport=httpx.MockTransport(handler))
        async with fetcher:
            return (await fetcher.fetch("https://example.org/path", max_bytes=100)).content

    assert asyncio.run(go()) == b"/path"


def test_parse_retry_after() -> None:
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 01 May 2024 10:01:00 GMT", now=1714557600.0) == 60
    assert parse_retry_after("soon") is None


def test_queueing_behind_the_per_host_limit_does_not_count_against_the_deadline(
    site: SiteServer,
) -> None:
    # per_host=1: the third request waits ~2 s for its turn, longer than its 1.5 s
    # deadline, yet its own exchange is fast and must succeed.
    site.route("/slow", Response(200, b"slow", delay=1.0))
    site.route("/fast", Response(200, b"fast"))

    async def go() -> list[bytes]:
        limits = FetchLimits(timeout=1.5, per_host=1)
        async with Fetcher("ua", limits) as fetcher:
            results = await asyncio.gather(
                *(
                    fetcher.fetch(site.url(p), allow=LOOPBACK, max_bytes=1000)
                    for p in ("/slow", "/slow", "/fast")
                )
            )
        return [r.content for r in results]

    assert asyncio.run(go()) == [b"slow", b"slow", b"fast"]


def test_a_304_and_a_redirect_leave_their_connection_to_the_next_request(
    site: SiteServer,
) -> None:
    # httpcore reuses a connection only once its response was read to the end: a 304 (no
    # body) or a redirect (a short one) that is not read costs the next request a new one.
    site.route("/f", Response(304, headers={"ETag": '"v1"'}))
    site.route("/moved", Response.redirect("/f", 302, body=b"<p>moved</p>" * 50))

    async def go() -> None:
        async with Fetcher("ua", FetchLimits(timeout=5, per_host=1)) as fetcher:
            for path in ("/f", "/f", "/moved"):
                result = await fetcher.fetch(
                    site.url(path), allow=LOOPBACK, max_bytes=1000, etag='"v1"'
                )
                assert result.not_modified

    asyncio.run(go())
    assert len(site.requests) == 4
    assert len({r.client_port for r in site.requests}) == 1


def test_pools_of_the_least_recently_used_hosts_are_closed_past_the_limit(
    site: SiteServer,
) -> None:
    # Two host names for the one server: with room for one host's pool, going back to the
    # first host opens a new connection; with room for two, it reuses its connection.
    site.route("/f", Response(200, b"ok"))
    urls = [site.url("/f"), site.url("/f").replace("127.0.0.1", "localhost"), site.url("/f")]

    def ports(concurrency: int) -> list[int]:
        site.clear_requests()

        async def go() -> None:
            async with Fetcher("ua", FetchLimits(timeout=5, concurrency=concurrency)) as fetcher:
                for url in urls:
                    result = await fetcher.fetch(url, allow=LOOPBACK, max_bytes=100)
                    assert result.content == b"ok"

        asyncio.run(go())
        return [r.client_port for r in site.requests]

    first, _, again = ports(concurrency=1)
    assert first != again
    first, _, again = ports(concurrency=2)
    assert first == again


def test_the_request_on_the_wire_and_cookies_across_redirect_hops(site: SiteServer) -> None:
    # Requests go to the transport without httpx.AsyncClient (client.py): the headers are
    # those the client sent, in its order, and a cookie set by one hop is sent to the next.
    site.route("/a", Response.redirect("/b", 302, headers={"Set-Cookie": "s=1; Path=/"}))
    site.route("/b", Response(304))
    result = fetch(
        site.url("/a"), etag='"x"', last_modified="Wed, 01 May 2024 10:00:00 GMT", accept="a/b"
    )
    assert result.not_modified
    conditional = [("if-none-match", '"x"'), ("if-modified-since", "Wed, 01 May 2024 10:00:00 GMT")]
    head = [
        ("host", site.url("/")[len("http://") : -1]),
        ("connection", "keep-alive"),
        ("user-agent", "test-agent/1"),
        ("accept", "a/b"),
        ("accept-encoding", "gzip, deflate, br"),
        *conditional,
    ]
    first, second = site.requests
    assert list(first.headers.items()) == head
    assert list(second.headers.items()) == [*head, ("cookie", "s=1")]


def test_the_cookie_jar_is_left_alone_when_no_cookie_is_involved(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # http.cookiejar costs about a tenth of a millisecond per request, a tenth of a
    # not-modified poll: consulted only for a response that sets a cookie, or a request
    # while the jar holds one.
    from http.cookiejar import CookieJar

    calls: list[str] = []
    extract, add = CookieJar.extract_cookies, CookieJar.add_cookie_header

    def counted_extract(self: CookieJar, *args: object) -> None:
        calls.append("extract")
        extract(self, *args)  # type: ignore[arg-type]

    def counted_add(self: CookieJar, *args: object) -> None:
        calls.append("add")
        add(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(CookieJar, "extract_cookies", counted_extract)
    monkeypatch.setattr(CookieJar, "add_cookie_header", counted_add)
    site.route("/f", Response(304, headers={"ETag": '"v1"'}))
    site.route("/c", Response(200, b"ok", headers={"Set-Cookie": "s=1; Path=/"}))

    async def go() -> None:
        async with Fetcher("ua", FetchLimits(timeout=5)) as fetcher:
            for path in ("/f", "/f", "/c", "/f"):
                await fetcher.fetch(site.url(path), allow=LOOPBACK, max_bytes=100, etag='"v1"')

    asyncio.run(go())
    assert calls == ["extract", "add"]
    assert site.requests[-1].headers.get("Cookie") == "s=1"


def test_per_request_work_does_not_grow_with_the_requests_of_a_connection(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Per not-modified poll, httpx re-parsed the feed's URL, and anyio's stream turned the
    # transport's reading on and off around every read (event-loop selector changes,
    # each a system call) and built a dict of its attributes to find the socket the pool
    # checks before reusing a connection (fetch/stream.py): all once per connection now.
    import asyncio.selector_events

    import httpx._urls

    loop_class = asyncio.selector_events.BaseSelectorEventLoop
    counts = {"parse": 0, "add_reader": 0}
    parse, add_reader = httpx._urls.urlparse, loop_class._add_reader

    def counted_parse(*args: object, **kwargs: object) -> object:
        counts["parse"] += 1
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    def counted_add_reader(self: object, *args: object) -> object:
        counts["add_reader"] += 1
        return add_reader(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx._urls, "urlparse", counted_parse)
    monkeypatch.setattr(loop_class, "_add_reader", counted_add_reader)
    site.route("/f", Response(304, headers={"ETag": '"v1"'}))

    def costs(requests: int) -> dict[str, int]:
        site.clear_requests()
        counts.update(parse=0, add_reader=0)

        async def go() -> None:
            async with Fetcher("ua", FetchLimits(timeout=5, per_host=1)) as fetcher:
                for _ in range(requests):
                    result = await fetcher.fetch(
                        site.url("/f"), allow=LOOPBACK, max_bytes=100, etag='"v1"', kind="feed"
                    )
                    assert result.not_modified

        asyncio.run(go())
        assert len({r.client_port for r in site.requests}) == 1  # one connection, reused
        return dict(counts)

    assert costs(2) == costs(6)


def test_a_connection_the_server_closed_while_idle_is_replaced(site: SiteServer) -> None:
    # The pool's readability check (netguard._Stream.get_extra_info) must still see it.
    site.route("/f", Response(304, headers={"ETag": '"v1"'}))

    async def go() -> None:
        async with Fetcher("ua", FetchLimits(timeout=5, per_host=1)) as fetcher:
            for _ in range(2):
                result = await fetcher.fetch(
                    site.url("/f"), allow=LOOPBACK, max_bytes=100, etag='"v1"'
                )
                assert result.not_modified
                site._httpd.close_connections()  # noqa: SLF001 - the server hangs up
                await asyncio.sleep(0.2)

    asyncio.run(go())
    assert len({r.client_port for r in site.requests}) == 2


def test_the_end_of_a_gzip_body_is_flushed_without_a_buffer_of_the_cap() -> None:
    """zlib's flush(n) allocates n bytes up front: flushed with the cap left (megabytes),
    every compressed page cost a mapping of that size; the body is the same."""
    import tracemalloc

    from ingest.fetch.decode import decode_chunk, decoders_for

    body = b"<p>a paragraph of a page</p>" * 2000
    packed = gzip.compress(body)
    chain = decoders_for("gzip")
    tracemalloc.start()
    try:
        out = decode_chunk(chain, packed, 5_000_000, "http://x/")
        out += decode_chunk(chain, b"", 5_000_000 - len(out) + 1, "http://x/", final=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out == body
    assert peak < 1_000_000


def test_only_the_feeds_urls_are_kept_parsed(site: SiteServer) -> None:
    """A feed is fetched at every poll (its parsed URL is kept); a page once (it is not:
    thousands of them were memory of the main process for nothing)."""
    site.route("/feed", Response(200, b"<rss/>"))
    site.route("/page", Response(200, b"<p>x</p>"))

    async def go() -> dict[str, object]:
        async with Fetcher("ua", FetchLimits(timeout=5)) as fetcher:
            await fetcher.fetch(site.url("/feed"), allow=LOOPBACK, max_bytes=100, kind="feed")
            await fetcher.fetch(site.url("/page"), allow=LOOPBACK, max_bytes=100, kind="page")
            return dict(fetcher._urls)

    assert list(asyncio.run(go())) == [site.url("/feed")]
