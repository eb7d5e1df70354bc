"""Feed rows: saved in group commits, each durable before its poll is reported; a row the
database refuses fails alone; a poll killed mid-pass leaves no validators without articles.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from ingest.config import load_config
from ingest.core.errors import StorageError
from ingest.core.types import FeedState, PollStatus
from ingest.pipeline.poll import poll
from ingest.pipeline.report import FeedReport
from ingest.pipeline.runtime import Context, open_store
from storage.store import Store
from tests.hostile_site import (
    article_html,
    feeds_yaml,
    ingest_cmd,
    ingest_env,
    item,
    rss,
    run_ingest,
)
from tests.site.server import RequestRecord, Response, SiteServer

WAIT = 60.0  # seconds before a wait gives up: only bounds a hang


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)


def conditional_feeds(site: SiteServer, body: Callable[[int], str]) -> None:
    """/feed?n=N answers body(N) with an ETag, and 304 to a request that sends it back."""

    def feed(record: RequestRecord) -> Response:
        n = int(record.query["n"][0])
        etag = f'"feed-{n}"'
        if record.headers.get("If-None-Match") == etag:
            return Response(304, headers={"ETag": etag})
        headers = {"Content-Type": "application/rss+xml", "ETag": etag}
        return Response(200, body(n).encode(), headers)

    site.route("/feed", feed)


# -- the store ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    with Store(url, tmp_path / "store") as s:
        yield s


def test_save_feed_states_writes_what_changed_and_inserts_new_feeds(store: Store) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    store.save_feed_states(
        [(None, FeedState(name="a", url="http://a/")), (None, FeedState(name="b", url="http://b/"))]
    )
    states = store.feed_states()
    # meanwhile the daemon stores its plan for `a`: the poll below must not undo it
    read = store.feed_state("a")
    assert read is not None
    store.save_feed_state(read, replace(read, next_poll_at=now + timedelta(hours=1)))

    a = replace(states["a"], last_polled_at=now, last_status=PollStatus.NOT_MODIFIED)
    b = replace(states["b"], last_polled_at=now, etag='"e"')
    c = FeedState(name="c", url="http://c/")
    store.save_feed_states([(states["a"], a), (states["b"], b), (None, c)])

    saved = store.feed_states()
    assert saved["a"].next_poll_at == now + timedelta(hours=1)
    assert saved["a"].last_polled_at == saved["b"].last_polled_at == now
    assert (saved["a"].last_status, saved["b"].etag) == ("not_modified", '"e"')
    assert saved["c"].url == "http://c/"


def test_rows_of_a_failed_transaction_can_be_saved_again(store: Store) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    store.save_feed_state(None, FeedState(name="a", url="http://a/"))
    read = store.feed_state("a")
    assert read is not None
    good = (read, replace(read, last_polled_at=now))
    refused = (None, FeedState(name="b", url=None))  # type: ignore[arg-type]  # NOT NULL
    with pytest.raises((StorageError, IntegrityError)):
        store.save_feed_states([good, refused])
    assert store.feed_states()["a"].last_polled_at is None  # rolled back, all of it
    store.save_feed_states([good])  # its change was not lost with the transaction
    assert store.feed_states()["a"].last_polled_at == now


# -- the group commit ----------------------------------------------------------------------


class GatedStore:
    """Records the batches it is asked to save; the first waits for `gate`; refuses "bad"."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.batches: list[list[str]] = []

    def save_feed_states(self, changes: list[tuple[FeedState | None, FeedState]]) -> None:
        self.batches.append([after.name for _, after in changes])
        if len(self.batches) == 1:
            self.gate.wait(WAIT)
        if any(after.name == "bad" for _, after in changes):
            raise StorageError("refused")


def test_rows_that_arrive_during_a_write_share_the_next_one_and_a_refused_row_fails_alone() -> None:
    store = GatedStore()

    async def go() -> dict[str, BaseException | None]:
        with ThreadPoolExecutor(1) as db_pool:
            # only what save_state uses
            ctx = Context(None, store, None, None, db_pool)  # type: ignore[arg-type]
            first = asyncio.create_task(ctx.save_state(None, FeedState(name="first", url="u")))
            await asyncio.to_thread(lambda: wait_until(lambda: bool(store.batches), "a write"))
            names = ["a", "bad", "b", "a"]  # "a" twice: one row per feed in a transaction
            later = [
                asyncio.create_task(ctx.save_state(None, FeedState(name=n, url="u"))) for n in names
            ]
            await asyncio.sleep(0)  # all four are queued behind the first write
            store.gate.set()
            results = await asyncio.gather(first, *later, return_exceptions=True)
        return dict(zip(["first", "a", "bad", "b", "a2"], results, strict=True))

    results = asyncio.run(go())
    assert isinstance(results.pop("bad"), StorageError)
    assert set(results.values()) == {None}
    # the three distinct rows in one transaction; that failed on "bad": one by one
    assert store.batches == [["first"], ["a", "bad", "b"], ["a"], ["bad"], ["b"], ["a"]]


# -- a pass ---------------------------------------------------------------------------------


def test_every_feed_row_is_committed_before_its_poll_is_reported(
    tmp_path: Path, write_config: Any
) -> None:
    count = 30
    with SiteServer() as site:
        conditional_feeds(site, lambda n: rss([]))
        path = write_config(
            [{"name": f"f{n}", "url": site.url(f"/feed?n={n}")} for n in range(count)],
            concurrency=8,
            per_host=8,
        )
        config = load_config(path)
        poll(config)
        db = tmp_path / "store" / "ingest.db"
        with contextlib.closing(sqlite3.connect(db)) as conn:
            first = dict(conn.execute("SELECT name, last_polled_at FROM feeds"))
        seen: dict[str, tuple[str, str]] = {}

        def on_progress(report: FeedReport) -> None:
            # a reader of its own, as another process would be: only committed rows
            with contextlib.closing(sqlite3.connect(db)) as conn:
                seen[report.feed] = conn.execute(
                    "SELECT last_status, last_polled_at FROM feeds WHERE name = ?", (report.feed,)
                ).fetchone()

        second = poll(config, on_progress=on_progress)

    assert [r.status for r in second.feeds] == ["not_modified"] * count
    assert len(site.requests_for("/feed")) == 2 * count
    assert set(seen) == {f"f{n}" for n in range(count)}
    for name, (status, polled_at) in seen.items():
        assert status == "not_modified"
        assert datetime.fromisoformat(polled_at) > datetime.fromisoformat(first[name])


def test_killed_mid_pass_no_feed_keeps_validators_without_its_articles(tmp_path: Path) -> None:
    feeds, items = 8, 3
    with SiteServer() as site:
        conditional_feeds(
            site,
            lambda n: rss(
                [
                    item(f"Story {n}-{i}", site.url(f"/page?n={n * 10 + i}"), f"s{n}-{i}")
                    for i in range(items)
                ]
            ),
        )
        site.route(
            "/page",
            lambda r: Response.html(article_html(int(r.query["n"][0])), delay=0.05),
        )
        specs = [{"name": f"f{n}", "url": site.url(f"/feed?n={n}"), "dedup": False}
                 for n in range(feeds)]  # fmt: skip
        feeds_yaml(tmp_path, specs, concurrency=4, per_host=2)
        proc = subprocess.Popen(ingest_cmd("poll"), cwd=tmp_path, env=ingest_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_until(lambda: len(site.requests_for("/page")) >= feeds * items // 2, "pages")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(WAIT)
        db = tmp_path / "store" / "ingest.db"
        with contextlib.closing(sqlite3.connect(db)) as conn:
            validated = [
                n for (n,) in conn.execute("SELECT name FROM feeds WHERE etag IS NOT NULL")
            ]
            for name in validated:  # a 304 next time: its articles must all be stored
                stored = conn.execute(
                    "SELECT count(*) FROM article_sources WHERE feed = ?", (name,)
                ).fetchone()[0]
                assert stored == items, name
        rerun = run_ingest("poll", cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
    store = open_store(load_config(tmp_path / "feeds.yaml"))
    try:
        assert store.count_articles() == feeds * items
        assert all(s.etag for s in store.feed_states().values())
    finally:
        store.close()
