"""The bar a competent user sets: a careful ~100-line feed-to-text script.

    .venv/bin/python bench/baseline_script.py FEEDS.txt OUT_DIR [--per-host 2] [--concurrency 32]

asyncio + httpx for the network (a global and a per-host limit, keep-alive, gzip),
feedparser and trafilatura.extract in a process pool (one worker per core), one text file
per article named by a hash of its URL. No database, no deduplication beyond the URL,
no SSRF guard, no conditional requests: everything it leaves out is work we do.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import httpx
import trafilatura


def parse_links(body: bytes) -> list[str]:
    return [e.link for e in feedparser.parse(body).entries if e.get("link")]


def extract(html: bytes, url: str) -> str | None:
    return trafilatura.extract(html, url=url)


class Script:
    def __init__(self, out: Path, per_host: int, concurrency: int) -> None:
        self.out = out
        self.pool = ProcessPoolExecutor(os.cpu_count() or 1)
        self.all = asyncio.Semaphore(concurrency)
        self.hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_host)
        )
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.client = httpx.AsyncClient(limits=limits, timeout=30, follow_redirects=True)
        self.seen: set[str] = set()
        self.stored = self.failed = 0

    async def get(self, url: str) -> bytes | None:
        async with self.hosts[urlsplit(url).hostname or ""], self.all:
            try:
                resp = await self.client.get(url)
                resp.raise_for_status()
                return resp.content
            except httpx.HTTPError as exc:
                print(f"failed {url}: {exc!r}", file=sys.stderr)
                self.failed += 1
                return None

    async def cpu(self, fn, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    async def article(self, url: str) -> None:
        html = await self.get(url)
        if html is None:
            return
        text = await self.cpu(extract, html, url)
        if text:
            name = hashlib.sha256(url.encode()).hexdigest()[:16] + ".txt"
            await asyncio.to_thread((self.out / name).write_text, text, "utf-8")
            self.stored += 1

    async def feed(self, url: str) -> None:
        body = await self.get(url)
        if body is None:
            return
        links = [u for u in await self.cpu(parse_links, body) if u not in self.seen]
        self.seen.update(links)
        # a few pages of one feed at a time: its host limits them anyway
        for i in range(0, len(links), 4):
            await asyncio.gather(*(self.article(u) for u in links[i : i + 4]))

    async def run(self, feeds: list[str], concurrency: int) -> None:
        queue = iter(feeds)

        async def worker() -> None:
            for url in queue:
                await self.feed(url)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await self.client.aclose()
        self.pool.shutdown()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("feeds", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--per-host", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=32)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    feeds = [line.strip() for line in args.feeds.read_text().splitlines() if line.strip()]
    script = Script(args.out, args.per_host, args.concurrency)
    asyncio.run(script.run(feeds, args.concurrency))
    print(f"stored {script.stored} articles, {script.failed} failed")


if __name__ == "__main__":
    main()
