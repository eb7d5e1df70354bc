"""CPU of one not-modified request, by layer: a bare httpx client, `Fetcher.fetch`, and
`poll_feed` in a daemon's context.

    .venv/bin/python bench/fetch_cost.py LAYER N        # LAYER: bare | fetch | poll
    .venv/bin/python bench/fetch_cost.py --callgrind LAYER [--root TREE]

A local server (another process, asyncio, keep-alive) answers 304 to the ETag. The layer
makes N sequential conditional GETs of one URL after 50 for warm-up, and prints its CPU
per request (process time: noisy on a shared machine). `--callgrind` runs the layer under
valgrind's callgrind with 50 and with 250 requests and prints the difference divided by
200: instructions per request, start-up and warm-up cancelled out, the same whatever the
machine's load. `--root TREE`: the `ingest` of another tree (`git archive`d there).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

SERVER = r"""
import asyncio
BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
HEAD = b"HTTP/1.1 %s\r\nServer: x\r\nDate: Thu, 03 Dec 2026 22:00:00 GMT\r\nETag: \"e\"\r\n"
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if b'if-none-match: "e"' in head.lower():
                writer.write(HEAD % b"304 Not Modified" + b"\r\n")
            else:
                writer.write(HEAD % b"200 OK" + b"Content-Type: application/rss+xml\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
            await writer.drain()
    except Exception:
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""
WARMUP = 50
Loop = Callable[[int], Awaitable[None]]


async def bare(url: str) -> Loop:
    import httpx

    client = httpx.AsyncClient()

    async def loop(n: int) -> None:
        for _ in range(n):
            await client.get(url, headers={"If-None-Match": '"e"'})

    return loop


async def fetch(url: str) -> Loop:
    import ipaddress

    from ingest.fetch.client import FEED_ACCEPT, Fetcher, FetchLimits

    fetcher = Fetcher("bench", FetchLimits())
    allow = (ipaddress.ip_network("127.0.0.1/32"),)

    async def loop(n: int) -> None:
        for _ in range(n):
            result = await fetcher.fetch(
                url, max_bytes=10**6, allow=allow, etag='"e"', accept=FEED_ACCEPT, kind="feed"
            )
            assert result.status == 304

    return loop


async def poll(url: str) -> Loop:
    from ingest.config import load_config
    from ingest.pipeline.poll import poll_feed
    from ingest.pipeline.runtime import Planning, open_context

    folder = Path(tempfile.mkdtemp())
    (folder / "feeds.yaml").write_text(
        'settings:\n  allow_addresses: ["127.0.0.1/32"]\n  log_level: WARNING\n  workers: 1\n'
        f"feeds:\n  - name: f0\n    url: {url}\n    interval: 5\n"
    )
    os.chdir(folder)
    config = load_config(folder / "feeds.yaml")
    ctx = await open_context(config, long_lived=True)
    ctx.planning = Planning()  # as the daemon: each poll plans the next
    ctx.feed_states, ctx.keep_feed_states = dict(await ctx.db(ctx.store.feed_states)), True
    spec = config.feeds[0]
    await poll_feed(spec, ctx)  # a 200: the ETag is stored, the next polls are 304s

    async def loop(n: int) -> None:
        for _ in range(n):
            await poll_feed(spec, ctx)

    return loop


LAYERS = {"bare": bare, "fetch": fetch, "poll": poll}


def measure(layer: str, n: int) -> float:
    """CPU ms per request over `n` requests."""
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}/feed"

        async def go() -> float:
            loop = await LAYERS[layer](url)
            await loop(WARMUP)
            started = time.process_time()
            await loop(n)
            return 1000 * (time.process_time() - started) / max(n, 1)

        return asyncio.run(go())
    finally:
        server.kill()
        server.wait()


def instructions(layer: str, n: int, root: str | None) -> int:
    env = {**os.environ, **({"PYTHONPATH": root} if root else {})}
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, __file__, layer, str(n)],
        env=env, capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    found = re.search(r"Collected : (\d+)", out)
    assert found, out
    return int(found[1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("layer", choices=sorted(LAYERS))
    ap.add_argument("n", type=int, nargs="?", default=2000)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--root", help="the tree whose `ingest` to measure")
    args = ap.parse_args()
    if args.root and not args.callgrind:
        sys.path.insert(0, args.root)
    if args.callgrind:
        few, many = (
            instructions(args.layer, 50, args.root),
            instructions(args.layer, 250, args.root),
        )
        print(f"{args.layer}: {(many - few) / 200:,.0f} instructions per not-modified request")
    else:
        print(f"{args.layer}: {measure(args.layer, args.n):.3f} ms CPU per not-modified request")


if __name__ == "__main__":
    main()
