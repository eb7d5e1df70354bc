"""`ingest worker` processes over one real PostgreSQL store, against a local farm.

The farm (tests/site SiteServer with generated routes) serves F feeds of K articles,
plus one story syndicated by two feeds under two URLs. It records, per feed, how many
requests for the feed were in flight at once: two polls of one feed at the same time
would show as an overlap (each feed answer takes FEED_DELAY, so overlapping polls
cannot slip between each other).

Real processes, real signals: three workers store every article exactly once; a worker
killed with SIGKILL in the middle of a poll leaves nothing half-stored and its feed is
polled again by another worker within the recovery period; the periodic enqueue runs
once per period in the whole cluster.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from storage.db import normalize_url
from tests.conftest import dump_yaml
from tests.processes import IngestProcess
from tests.site.server import RequestRecord, Response, SiteServer

REPO = Path(__file__).resolve().parents[1]
FEEDS, ITEMS = 5, 3
FEED_DELAY = 0.3
WAIT = 90.0
WORDS = ("consiglio comunale bilancio approvato quartiere scuola strada lavori cantiere "
         "sindaco assessore cittadini mercato porto stazione treni ospedale").split()  # fmt: skip


def body_of(key: str, n: int = 120) -> list[str]:
    """A distinct article text per key (seeded by it), in four paragraphs."""
    rng = random.Random(key)
    words = [rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(n)]
    return [" ".join(words[i : i + 30]).capitalize() + "." for i in range(0, n, 30)]


def page(title: str, paragraphs: list[str]) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{ps}</article></body></html>")  # fmt: skip


class Farm:
    def __init__(self, site: SiteServer, page_delay: float = 0.0) -> None:
        self.site = site
        self.page_delay = page_delay
        self.slow_feed: int | None = None  # its pages take page_delay
        self.lock = threading.Lock()
        self.in_flight: Counter[int] = Counter()
        self.max_overlap: Counter[int] = Counter()
        self.feed_requests: Counter[int] = Counter()
        self.page_requests: Counter[str] = Counter()
        self.pages_in_flight: Counter[int] = Counter()
        for f in range(FEEDS):
            site.route(f"/feeds/{f}.xml", self._feed_handler(f))
            for i in range(ITEMS):
                site.route(f"/a/{f}/{i}.html", self._page_handler(f, f"{f}-{i}"))
        for f in (0, 1):  # the syndicated story: same text, two URLs
            site.route(f"/a/{f}/wire.html", self._page_handler(f, "wire"))

    def items(self, f: int) -> list[str]:
        names = [str(i) for i in range(ITEMS)] + (["wire"] if f in (0, 1) else [])
        return names

    def _feed_handler(self, f: int) -> Callable[[RequestRecord], Response]:
        def handle(record: RequestRecord) -> Response:
            with self.lock:
                self.in_flight[f] += 1
                self.feed_requests[f] += 1
                self.max_overlap[f] = max(self.max_overlap[f], self.in_flight[f])
            try:
                time.sleep(FEED_DELAY)
            finally:
                with self.lock:
                    self.in_flight[f] -= 1
            etag = f'"feed-{f}"'
            if record.headers.get("if-none-match") == etag:
                return Response(304, headers={"ETag": etag})
            items = "".join(
                f"<item><title>Story {f} {name}</title><link>{self.site.url(f'/a/{f}/{name}.html')}"
                f"</link><guid>{f}-{name}</guid><pubDate>Mon, 02 Dec 2024 10:0{i}:00 GMT"
                f"</pubDate></item>"
                for i, name in enumerate(self.items(f))
            )
            xml = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>'
                   f"<link>{self.site.url('/')}</link>{items}</channel></rss>")  # fmt: skip
            return Response(200, xml.encode(), {"Content-Type": "application/rss+xml",
                                                "ETag": etag})  # fmt: skip

        return handle

    def _page_handler(self, f: int, key: str) -> Callable[[RequestRecord], Response]:
        def handle(record: RequestRecord) -> Response:
            with self.lock:
                self.page_requests[record.url_path] += 1
                self.pages_in_flight[f] += 1
            try:
                if self.slow_feed == f:
                    time.sleep(self.page_delay)
            finally:
                with self.lock:
                    self.pages_in_flight[f] -= 1
            title = "Wire story" if key == "wire" else f"Story {key}"
            return Response.html(page(title, body_of(key)))

        return handle


class Worker(IngestProcess):
    wait = WAIT

    def __init__(self, folder: Path, *args: str) -> None:
        args_ = ["worker", "--concurrency", "4", "--enqueue-every", "1", *args]
        super().__init__(folder, "worker", args_)


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for w in started:
        w.kill()


def wait_until(check: Callable[[], bool], what: str, workers: list[Worker]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.log_path.name} ---\n{w.log()[-3000:]}" for w in workers)
    raise AssertionError(f"gave up waiting for {what}\n{logs}")


def rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    except Exception as exc:  # the schema is not there yet: nothing stored
        if "does not exist" in str(exc):
            return []
        raise
    finally:
        engine.dispose()


def setup_folder(tmp_path: Path, site: SiteServer, pg_url: str) -> Path:
    feeds = [{"name": f"f{f}", "url": site.url(f"/feeds/{f}.xml"), "interval": "2s"}
             for f in range(FEEDS)]  # fmt: skip
    settings = {"allow_addresses": ["127.0.0.1/32"], "workers": 1, "database_url": pg_url,
                "min_interval": "1s", "shutdown_grace": "2s"}  # fmt: skip
    (tmp_path / "feeds.yaml").write_text(dump_yaml({"settings": settings, "feeds": feeds}))
    return tmp_path


EXPECTED = FEEDS * ITEMS + 1  # every item once, the syndicated story once


def test_three_workers_store_every_article_once_and_never_poll_a_feed_twice_at_once(
    pg_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    with SiteServer() as site:
        farm = Farm(site)
        folder = setup_folder(tmp_path, site, pg_url)
        # A long stall limit: on a loaded machine a short one can take a live but slow
        # worker for dead and hand its feed to another (README "Scale-out")
        workers.extend(
            Worker(folder, "--recover-every", "5", "--stalled-after", "30") for _ in range(3)
        )

        def count() -> int:
            found = rows(pg_url, "SELECT count(*) FROM articles")
            return int(found[0][0]) if found else 0

        wait_until(lambda: count() >= EXPECTED, f"{EXPECTED} articles", workers)
        # Keep polling (feeds are due every 2s): each feed is polled again, by any worker
        wait_until(lambda: min(farm.feed_requests[f] for f in range(FEEDS)) >= 4,
                   "four polls of every feed", workers)  # fmt: skip
        status = subprocess.run(
            [sys.executable, "-m", "ingest", "worker", "--status"], cwd=folder,
            env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
        )  # fmt: skip
        assert status.returncode == 0, status.stderr
        assert "workers alive: 3 processes (without a heartbeat: 0)" in status.stdout
        assert "failed jobs: 0" in status.stdout
        codes = [w.stop() for w in workers]
    assert codes == [0, 0, 0], [w.log()[-2000:] for w in workers]
    assert count() == EXPECTED
    assert not rows(pg_url, "SELECT canonical_url FROM articles GROUP BY 1 HAVING count(*) > 1")
    wire = rows(pg_url, "SELECT a.id, count(s.id) FROM articles a JOIN article_sources s "
                        "ON s.article_id = a.id WHERE a.url LIKE :u GROUP BY a.id",
                u="%/wire.html")  # fmt: skip
    assert len(wire) == 1 and wire[0][1] == 2, wire  # stored once, seen under both URLs
    assert max(farm.max_overlap.values()) == 1, farm.max_overlap  # never two polls at once
    # Every page was fetched once: no feed polled twice at once, no article stored twice
    assert max(farm.page_requests.values()) == 1, farm.page_requests
    # More than one worker took work
    pollers = [w for w in workers if "feed=f" in w.log()]
    assert len(pollers) >= 2, [w.log()[-1500:] for w in workers]
    # The periodic enqueue ran once per period in the whole cluster
    stamps = Counter(int(s) for w in workers for s in re.findall(r"enqueue timestamp=(\d+)",
                                                                 w.log()))  # fmt: skip
    assert stamps and max(stamps.values()) == 1, stamps
    assert len(stamps) >= 3


def test_a_worker_killed_mid_poll_loses_and_duplicates_nothing(
    pg_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    with SiteServer() as site:
        farm = Farm(site, page_delay=2.0)
        farm.slow_feed = 2
        folder = setup_folder(tmp_path, site, pg_url)
        fast_recovery = ("--recover-every", "1", "--stalled-after", "3")
        workers.extend(Worker(folder, "--log-level", "DEBUG", *fast_recovery) for _ in range(2))
        # The slow feed's pages are being fetched: its poll is in the middle
        wait_until(lambda: farm.pages_in_flight[2] > 0, "a page of f2 in flight", workers)
        started = [w for w in workers if "feed=f2 poll started" in w.log()]
        assert len(started) == 1, [w.log()[-1500:] for w in workers]
        victim = started[0]
        survivor = next(w for w in workers if w is not victim)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(30)
        killed_at = time.monotonic()
        farm.slow_feed = None  # the site is fast again for whoever polls next
        wait_until(lambda: "recovered job" in survivor.log(), "the recovery", workers)

        def stored_f2() -> int:
            found = rows(pg_url, "SELECT count(*) FROM articles WHERE feed = 'f2'")
            return int(found[0][0]) if found else 0

        wait_until(lambda: stored_f2() == ITEMS, "f2's articles, by the survivor", workers)
        # stalled-after 3s + recovery every 1s + the poll: well within 15s
        assert time.monotonic() - killed_at < 15
        wait_until(
            lambda: (rows(pg_url, "SELECT count(*) FROM articles")[0][0]) == EXPECTED,
            "every article", workers,
        )  # fmt: skip
        assert survivor.stop() == 0
    # Nothing half-stored: every article has its source, its bands and its file
    orphans = rows(pg_url, "SELECT a.id FROM articles a LEFT JOIN article_sources s "
                           "ON s.article_id = a.id WHERE s.id IS NULL")  # fmt: skip
    assert orphans == []
    unbanded = rows(pg_url, "SELECT a.id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM "
                            "article_bands b WHERE b.article_id = a.id)")  # fmt: skip
    assert unbanded == []
    assert not rows(pg_url, "SELECT canonical_url FROM articles GROUP BY 1 HAVING count(*) > 1")
    assert rows(pg_url, "SELECT article_id FROM unwritten_files") == []
    paths = rows(pg_url, "SELECT path FROM articles")
    assert paths and all((folder / "store" / p[0]).is_file() for p in paths)
