"""A feed farm on loopback: F feeds (RSS and Atom mixed) of K items linking to article pages.

    .venv/bin/python bench/farm.py --feeds 50 --items 20 --hosts 16 --port 0

prints one JSON line `{"port": ..., "contender_port": ...}` when it listens, then serves
until killed. It is a plain asyncio HTTP/1.1 server (keep-alive, GET only), one process,
standard library only, so that it costs little CPU next to the ingester under test;
feeds are built once per (feed, round, host) and cached.

Pages are generated per request from the template's chunks (one str.join) and gzipped at
level 1: about 1-4 ms of farm CPU per page; the runner reports the farm's CPU next to
every measurement, to show it is not the bottleneck.

Hosts: feed f lives on 127.0.0.(2 + f % hosts):port, like f sites of a real poll, so a
client's per-host politeness limits apply as they would on the internet. The same farm
also listens on 127.0.80.(1 + f % hosts):80 for trafilatura's feed mode, because courlan
refuses URLs with an explicit port. Links in a feed use the Host the request came to.

Control (for bench/run.py): GET /_control?round=2&latency=0.05 sets the round (in round r
every feed has `new` more items on top) and the per-response latency; GET /_stats returns
this process's CPU seconds and request counts.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gzip
import json
import resource
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import Template, load_templates, marker  # noqa: E402

CONTENDER_NET = "127.0.80."


def feed_host(feed: int, hosts: int, contender: bool = False) -> str:
    return f"{CONTENDER_NET}{1 + feed % hosts}" if contender else f"127.0.0.{2 + feed % hosts}"


def article_index(feed: int, item: int) -> int:
    """A distinct number per article (items per feed stay below 200 over the rounds)."""
    return feed * 200 + item


def is_atom(feed: int) -> bool:
    return feed % 2 == 1


def feed_path(feed: int) -> str:
    return f"/feeds/{feed}.atom" if is_atom(feed) else f"/feeds/{feed}.xml"


class Farm:
    """The farm's content and state; `respond` is a pure-ish function of the request."""

    def __init__(self, templates: list[Template], feeds: int, items: int, new: int,
                 start: datetime) -> None:  # fmt: skip
        self.templates = templates
        self.feeds, self.items, self.new = feeds, items, new
        self.start = start
        self.round = 1
        self.latency = 0.0
        self.requests: Counter[str] = Counter()
        self._feed_cache: dict[tuple[int, int, str], tuple[bytes, bytes]] = {}

    def item_ids(self, feed: int) -> range:
        """The items of `feed` in this round, newest first."""
        top = self.items + self.new * (self.round - 1)
        return range(top - 1, top - 1 - self.items, -1)

    def published(self, item: int) -> datetime:
        # item i is i minutes after an origin two days back: newer items, later dates
        return self.start - timedelta(days=2) + timedelta(minutes=item)

    def template(self, feed: int, item: int) -> Template:
        return self.templates[(feed * 7919 + item) % len(self.templates)]

    def validators(self, feed: int) -> tuple[str, str]:
        changed = self.start + timedelta(minutes=self.round)
        return f'"f{feed}-r{self.round}"', format_datetime(changed, usegmt=True)

    def feed_body(self, feed: int, host: str) -> tuple[bytes, bytes]:
        key = (feed, self.round, host)
        if key not in self._feed_cache:
            xml = render_feed(self, feed, f"http://{host}").encode()
            self._feed_cache[key] = (xml, gzip.compress(xml, 6))
        return self._feed_cache[key]

    def respond(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(path)
        segs = parts.path.strip("/").split("/")
        gz = "gzip" in headers.get("accept-encoding", "")
        if segs[0] == "feeds" and len(segs) == 2:
            self.requests["feed"] += 1
            feed = _int(segs[1].split(".")[0])
            if feed is None or not 0 <= feed < self.feeds:
                return _not_found()
            etag, modified = self.validators(feed)
            head = [("ETag", etag), ("Last-Modified", modified), ("Cache-Control", "max-age=0")]
            if headers.get("if-none-match") == etag or (
                "if-none-match" not in headers and headers.get("if-modified-since") == modified
            ):
                self.requests["feed_304"] += 1
                return 304, head, b""
            plain, packed = self.feed_body(feed, headers.get("host", "127.0.0.1"))
            ctype = "application/atom+xml" if is_atom(feed) else "application/rss+xml"
            return _ok(head, ctype, packed if gz else plain, gz)
        if segs[0] == "a" and len(segs) == 3:
            self.requests["page"] += 1
            feed, item = _int(segs[1]), _int(segs[2].split(".")[0])
            if feed is None or item is None:
                return _not_found()
            t, word = self.template(feed, item), marker(feed, item)
            head = [
                ("ETag", f'"{word}"'),
                ("Last-Modified", format_datetime(self.published(item), usegmt=True)),
            ]
            if headers.get("if-none-match") == f'"{word}"':
                return 304, head, b""
            index = article_index(feed, item)
            body = t.gzip_body(word, index) if gz else t.body(word, index)
            return _ok(head, "text/html; charset=utf-8", body, gz)
        if segs[0] == "_control":
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            self.round = int(query.get("round", self.round))
            self.latency = float(query.get("latency", self.latency))
            return _ok([], "application/json", b"{}", False)
        if segs[0] == "_stats":
            return _ok([], "application/json", json.dumps(self.stats()).encode(), False)
        return _not_found()

    def stats(self) -> dict[str, object]:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {"cpu": ru.ru_utime + ru.ru_stime, "requests": dict(self.requests),
                "round": self.round, "latency": self.latency}  # fmt: skip


def render_feed(farm: Farm, feed: int, base: str) -> str:
    entries = []
    for item in farm.item_ids(feed):
        link = f"{base}/a/{feed}/{item}.html"
        title = f"Bench story {item} of feed {feed}: {farm.template(feed, item).name[:40]}"
        summary = f"Summary of story {item} from feed {feed}, a short teaser for the page."
        when = farm.published(item)
        if is_atom(feed):
            entries.append(
                f"<entry><id>urn:bench:{feed}:{item}</id><title>{escape(title)}</title>"
                f'<link rel="alternate" href="{link}"/><updated>{when.isoformat()}</updated>'
                f"<summary>{escape(summary)}</summary></entry>"
            )
        else:
            entries.append(
                f'<item><guid isPermaLink="false">bench-{feed}-{item}</guid>'
                f"<title>{escape(title)}</title><link>{link}</link>"
                f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
                f"<description>{escape(summary)}</description></item>"
            )
    if is_atom(feed):
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>urn:bench:{feed}</id><title>Bench feed {feed}</title>"
            f'<link href="{base}/"/><updated>{farm.start.isoformat()}</updated>'
            + "".join(entries) + "</feed>"
        )  # fmt: skip
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {feed}</title><link>{base}/</link>"
        "<description>A feed of the benchmark farm</description><language>en</language>"
        + "".join(entries) + "</channel></rss>"
    )  # fmt: skip


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _ok(head: list[tuple[str, str]], ctype: str, body: bytes, gz: bool):  # type: ignore[no-untyped-def]
    head = [*head, ("Content-Type", ctype)]
    if gz:
        head.append(("Content-Encoding", "gzip"))
    return 200, head, body


def _not_found():  # type: ignore[no-untyped-def]
    return 404, [("Content-Type", "text/plain")], b"not found"


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 400: "Bad Request"}


async def serve_connection(farm: Farm, reader: asyncio.StreamReader,
                           writer: asyncio.StreamWriter) -> None:  # fmt: skip
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            method, target, version = line.decode("latin-1").split()
            headers: dict[str, str] = {}
            while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            status, head, body = farm.respond(target, headers)
            if farm.latency and not target.startswith("/_"):
                await asyncio.sleep(farm.latency)
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}",
                     f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in head)]  # fmt: skip
            if close:
                lines.append("Connection: close")
            payload = body if method != "HEAD" else b""
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
            if close:
                break
    except (ConnectionError, ValueError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def listen_on_hosts(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None] | None],
    hosts: list[str],
    port: int,
) -> list[asyncio.Server]:
    """Listen on 127.0.0.1 and every host on one port (`port`, or a free one if 0)."""
    for _ in range(20):
        # port 0 would give each address its own port: take one on 127.0.0.1, reuse it.
        # Another farm or a client socket may already hold that port on one of the
        # other addresses (farms of concurrent runs): then try another free port.
        first = await asyncio.start_server(handler, host="127.0.0.1", port=port, backlog=1024)
        chosen = first.sockets[0].getsockname()[1]
        try:
            rest = await asyncio.start_server(handler, host=hosts, port=chosen, backlog=1024)
        except OSError as e:
            first.close()
            await first.wait_closed()
            if port or e.errno != errno.EADDRINUSE:
                raise
            continue
        return [first, rest]
    raise OSError(errno.EADDRINUSE, "no port free on all the farm's addresses after 20 tries")


async def main_async(args: argparse.Namespace) -> None:
    templates = load_templates(args.templates, synthetic=args.synthetic)
    farm = Farm(
        templates, args.feeds, args.items, args.new, datetime.now(UTC).replace(microsecond=0)
    )

    def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> asyncio.Future[None]:
        return asyncio.ensure_future(serve_connection(farm, r, w))

    hosts = min(args.hosts, args.feeds)
    servers = await listen_on_hosts(handler, [feed_host(f, hosts) for f in range(hosts)], args.port)
    port = servers[0].sockets[0].getsockname()[1]
    contender_port = None
    if args.contender:
        theirs = [feed_host(f, hosts, contender=True) for f in range(hosts)]
        servers.append(await asyncio.start_server(handler, host=theirs, port=80, backlog=1024))
        contender_port = 80
    print(json.dumps({"port": port, "contender_port": contender_port, "hosts": hosts,
                      "templates": [t.name for t in templates]}), flush=True)  # fmt: skip
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--feeds", type=int, default=50)
    p.add_argument("--items", type=int, default=20)
    p.add_argument("--new", type=int, default=2, help="new items per feed in each later round")
    p.add_argument("--hosts", type=int, default=16, help="distinct loopback hosts")
    p.add_argument("--templates", type=int, default=40)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--contender", action="store_true", help="also listen on 127.0.80.x:80")
    p.add_argument("--synthetic", action="store_true", help="generated pages, not devdata")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
