"""End to end: the real `ingest run` daemon as a subprocess against a local HTTP site.

Feeds use `interval:` of a second or less so each test takes seconds. Assertions are on
what the server saw (request times are lower bounds set by the schedule: a poll never
comes earlier than its interval, backoff or Retry-After) and on what was stored. The
deadlines in `wait_until` only bound a hang; nothing asserts that something was fast.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.processes import IngestProcess
from tests.site.server import RequestRecord, Response, SiteServer
from tests.test_faults import tiny_tmpfs

REPO = Path(__file__).resolve().parents[1]
# Each test starts real daemons (a few seconds of imports each): marked slow, still in CI.
pytestmark = pytest.mark.slow
WAIT = 30.0  # seconds before a wait gives up: a hang, not a slow machine, ends a test


# -- the site ------------------------------------------------------------------------------


def rss(site: SiteServer, feed: str, count: int, start: int = 0) -> str:
    now = datetime.now(UTC)
    items = []
    for i in range(start, start + count):
        when = format_datetime(now - timedelta(minutes=i + 1))
        items.append(
            f"<item><title>{feed} story {i}</title>"
            f"<link>{site.url(f'/{feed}/story-{i}.html')}</link>"
            f"<guid>{feed}-{i}</guid><pubDate>{when}</pubDate>"
            f"<description>{feed} story {i} in short.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{feed}</title><link>{site.base}</link><description>test</description>"
        + "".join(items)
        + "</channel></rss>"
    )


WORDS = (
    "council budget roads schools library river bridge harbour market festival museum "
    "railway station airport hospital clinic theatre stadium garden forest mountain valley "
    "village county mayor minister senator judge court police firefighters teachers nurses "
    "farmers workers students parents drivers pilots sailors miners bakers artists singers "
    "approved rejected delayed funded opened closed repaired expanded debated announced "
    "yesterday tonight morning evening winter summer autumn spring storm flood drought snow "
    "north south east west central coastal rural urban local national regional foreign"
).split()


def page(feed: str, i: int) -> str:
    """An article page whose text shares no run of words with any other story's."""
    rng = random.Random(f"{feed}-{i}")
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(4)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{feed} story {i}</title></head><body><article><h1>{feed} story {i}</h1>"
        f"{paragraphs}</article></body></html>"
    )


def publish(site: SiteServer, feed: str, count: int, page_delay: float = 0.0) -> None:
    """Serve /feeds/<feed>.xml with `count` items and their pages."""
    site.set_file(f"/feeds/{feed}.xml", rss(site, feed, count))
    for i in range(count):
        body = page(feed, i)
        site.route(f"/{feed}/story-{i}.html", Response.html(body, delay=page_delay))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    (tmp_path / "www").mkdir()
    with SiteServer(tmp_path / "www") as server:
        yield server


# -- the daemon ----------------------------------------------------------------------------


def write_feeds(folder: Path, feeds: list[dict[str, Any]], **settings: Any) -> Path:
    merged: dict[str, Any] = {"allow_addresses": ["127.0.0.1/32"], "workers": 1}
    merged.update(settings)
    path = folder / "feeds.yaml"
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump({"settings": merged, "feeds": feeds}, out)
    text = out.getvalue()
    # Write then rename, as editors do, so the daemon never reads half a file.
    tmp = folder / ".feeds.yaml.tmp"
    tmp.write_text(text, "utf-8")
    tmp.replace(path)
    return path


class Daemon(IngestProcess):
    """`python -m ingest run` in `folder`; its log goes to a file the test can read."""

    wait = WAIT

    def __init__(self, folder: Path, *args: str) -> None:
        super().__init__(folder, "daemon", ["run", "--log-level", "DEBUG", *args])

    def wait_log(self, text: str, count: int = 1) -> None:
        wait_until(lambda: self.log().count(text) >= count, f"log line {text!r}", self)


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    """Every daemon a test starts is killed at the end, whatever happened."""
    started: list[Daemon] = []
    yield started
    for d in started:
        d.kill()


def start(daemons: list[Daemon], folder: Path, *args: str) -> Daemon:
    d = Daemon(folder, *args)
    daemons.append(d)
    d.wait_log("running:")
    return d


def wait_until(check: Callable[[], bool], what: str, daemon: Daemon | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        if daemon is not None and daemon.proc.poll() is not None:
            break
        time.sleep(0.05)
    log = daemon.log() if daemon else ""
    raise AssertionError(f"gave up waiting for {what}\n--- daemon log ---\n{log}")


def db_rows(folder: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    db = folder / "store" / "ingest.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def articles_of(folder: Path, feed: str) -> int:
    rows = db_rows(folder, "SELECT count(*) FROM articles WHERE feed = ?", feed)
    return int(rows[0][0]) if rows else 0


def feed_requests(site: SiteServer, feed: str) -> list[RequestRecord]:
    return site.requests_for(f"/feeds/{feed}.xml")


def gaps(records: list[RequestRecord]) -> list[float]:
    times = [r.time for r in records]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def status_json(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("INGEST_CONFIG", None)
    out = subprocess.run(
        [sys.executable, "-m", "ingest", "status", "--format", "json"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def by_name(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in status["feeds"]}


# -- tests ---------------------------------------------------------------------------------


def test_polls_at_interval_and_follows_feeds_yaml_edits(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon]
) -> None:
    publish(site, "alpha", 2)
    publish(site, "beta", 2)
    alpha = {"name": "alpha", "url": site.url("/feeds/alpha.xml"), "interval": 1}
    beta = {"name": "beta", "url": site.url("/feeds/beta.xml"), "interval": 1}
    write_feeds(tmp_path, [alpha])
    d = start(daemons, tmp_path)

    wait_until(lambda: len(feed_requests(site, "alpha")) >= 3, "three polls of alpha", d)
    assert all(g >= 1.0 for g in gaps(feed_requests(site, "alpha"))), gaps(
        feed_requests(site, "alpha")
    )
    # The later polls are conditional: the validators were kept between polls.
    assert "if-none-match" in feed_requests(site, "alpha")[-1].headers
    assert articles_of(tmp_path, "alpha") == 2

    # A feed added while it runs is polled and stored, without a restart.
    write_feeds(tmp_path, [alpha, beta])
    wait_until(lambda: articles_of(tmp_path, "beta") == 2, "beta's articles", d)
    assert "feed=beta added in feeds.yaml" in d.log()
    status = by_name(status_json(tmp_path))
    assert status["beta"]["articles"] == 2 and status["alpha"]["articles"] == 2
    assert status["beta"]["state"] in ("ok", "not_modified")
    assert status["beta"]["next_poll_at"] is not None

    # A broken edit is reported with file, line and field; the old config keeps running.
    broken = tmp_path / "feeds.yaml"
    text = broken.read_text("utf-8")
    assert "interval: 1\n" in text
    text = text.replace("interval: 1\n", "interval: often\n", 1)
    broken.write_text(text, "utf-8")
    d.wait_log("keeping the last valid configuration")
    assert f"{broken}:" in d.log() and "field 'interval'" in d.log()
    seen = len(feed_requests(site, "beta"))
    wait_until(lambda: len(feed_requests(site, "beta")) >= seen + 2, "beta still polled", d)

    # A removed feed stops; its articles stay.
    write_feeds(tmp_path, [beta])
    d.wait_log("feed=alpha removed or disabled")
    after_removal = len(feed_requests(site, "alpha"))
    seen = len(feed_requests(site, "beta"))
    wait_until(lambda: len(feed_requests(site, "beta")) >= seen + 2, "two more beta polls", d)
    assert len(feed_requests(site, "alpha")) == after_removal
    assert articles_of(tmp_path, "alpha") == 2

    assert d.stop() == 0
    assert "stopped" in d.log()


def test_backoff_and_retry_after_are_obeyed(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon]
) -> None:
    site.route("/feeds/down.xml", Response(500, b"oops", {"Content-Type": "text/plain"}))
    publish(site, "busy", 1)
    answered: list[int] = []

    def busy(record: RequestRecord) -> Response:
        # The first request is told to come back in 2 seconds; the next ones are served.
        if not answered:
            answered.append(429)
            return Response(429, b"slow down", {"Retry-After": "2"})
        answered.append(200)
        return site.file_response(record)

    site.route("/feeds/busy.xml", busy)
    write_feeds(tmp_path, [
        {"name": "down", "url": site.url("/feeds/down.xml"), "interval": 0.5},
        {"name": "busy", "url": site.url("/feeds/busy.xml"), "interval": 0.5},
    ])  # fmt: skip
    d = start(daemons, tmp_path)

    wait_until(lambda: len(feed_requests(site, "down")) >= 4, "four polls of down", d)
    wait_until(lambda: articles_of(tmp_path, "busy") == 1, "busy stored after Retry-After", d)
    # Exponential backoff from the 0.5 s interval: 0.5, 1, 2 seconds at least.
    down = gaps(feed_requests(site, "down"))[:3]
    assert [g >= bound for g, bound in zip(down, (0.5, 1.0, 2.0), strict=True)] == [True] * 3, down
    first, second = feed_requests(site, "busy")[:2]
    assert second.time - first.time >= 2.0
    status = by_name(status_json(tmp_path))
    assert status["down"]["state"] == "error" and status["down"]["error_count"] >= 3
    assert "HTTP 500" in status["down"]["last_error"]
    assert status["busy"]["error_count"] == 0 and status["busy"]["articles"] == 1
    assert d.stop() == 0


@pytest.mark.parametrize("workers", [1, 2])  # 2: the production process pool
def test_sigterm_during_a_poll_then_restart_stores_each_article_once(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon], workers: int
) -> None:
    publish(site, "slow", 6, page_delay=0.4)
    write_feeds(
        tmp_path,
        [{"name": "slow", "url": site.url("/feeds/slow.xml"), "interval": "1h"}],
        shutdown_grace=0.2,
        per_host=1,
        workers=workers,
    )
    d = start(daemons, tmp_path)
    wait_until(lambda: articles_of(tmp_path, "slow") >= 1, "a first article", d)
    assert d.stop() == 0
    stored_before = articles_of(tmp_path, "slow")
    assert stored_before < 6, "the poll should still have been running at SIGTERM"
    assert "abandoned 1 polls" in d.log()

    # The interrupted poll saved no schedule: the restart polls the feed at once and
    # fetches only what is missing.
    d = start(daemons, tmp_path)
    wait_until(lambda: articles_of(tmp_path, "slow") == 6, "all six articles", d)
    d.wait_log("feed=slow status=ok")
    assert d.stop() == 0
    rows = db_rows(tmp_path, "SELECT canonical_url, path FROM articles")
    assert len(rows) == 6 and len({url for url, _ in rows}) == 6
    files = sorted(p for p in (tmp_path / "store").rglob("*.txt"))
    assert len(files) == 6
    assert not list((tmp_path / "store").rglob("*.tmp"))
    pages = [r.url_path for r in site.requests if "/slow/story-" in r.url_path]
    assert set(pages) == {f"/slow/story-{i}.html" for i in range(6)}
    # Only pages in flight at the stop are fetched twice, never a stored one.
    assert len(pages) - 6 <= 1


def test_one_daemon_per_store_and_a_killed_one_leaves_no_lock(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon]
) -> None:
    publish(site, "solo", 1)
    write_feeds(tmp_path, [{"name": "solo", "url": site.url("/feeds/solo.xml"), "interval": "1h"}])
    first = start(daemons, tmp_path)
    second = Daemon(tmp_path)
    daemons.append(second)
    assert second.proc.wait(timeout=WAIT) == 1
    assert f"in use by process {first.proc.pid}" in second.log()

    wait_until(lambda: bool(db_rows(tmp_path, "SELECT 1 FROM feeds WHERE next_poll_at "
                                    "IS NOT NULL")), "solo's next poll stored", first)  # fmt: skip
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=WAIT)
    polls = len(feed_requests(site, "solo"))
    assert polls == 1
    [(stored,)] = db_rows(tmp_path, "SELECT next_poll_at FROM feeds WHERE name = 'solo'")
    third = start(daemons, tmp_path)  # the kernel dropped the dead process's lock
    # solo's next poll is an hour away: the restart resumes the schedule, no re-poll.
    # The job placed is read from the log, so a wrong time shows however far off it is.
    third.wait_log("feed=solo next_poll=")
    placed = re.search(r"feed=solo next_poll=(\S+)", third.log())
    assert placed is not None
    at = datetime.fromisoformat(placed[1])
    # the stored plan, or its last poll plus the interval when sooner (schedule.resume_at)
    assert at <= datetime.fromisoformat(stored).replace(tzinfo=UTC)
    assert at - datetime.now(UTC) > timedelta(minutes=50)
    assert len(feed_requests(site, "solo")) == polls
    assert third.stop(signal.SIGINT) == 0


def test_metrics_count_fetches_and_cpu_stages_by_the_names_the_pipeline_gives(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon]
) -> None:
    pytest.importorskip("prometheus_client")
    import socket
    import urllib.request

    publish(site, "metered", 2)
    write_feeds(tmp_path, [{"name": "metered", "url": site.url("/feeds/metered.xml"),
                            "interval": "1h"}])  # fmt: skip
    with socket.socket() as probe:  # a free port (the daemon binds it a moment later)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    d = start(daemons, tmp_path, "--metrics-port", str(port))
    d.wait_log(" reason=")  # the poll is over and its next one planned
    assert articles_of(tmp_path, "metered") == 2

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=WAIT) as resp:
        text = resp.read().decode()
    counts = {
        line.split("{")[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(("ingest_fetch_seconds_count", "ingest_cpu_seconds_count"))
    }
    assert counts == {
        'kind="feed"': 1.0,
        'kind="page"': 2.0,
        'stage="parse"': 1.0,
        'stage="extract"': 2.0,
    }
    assert 'ingest_polls_total{result="ok"} 1.0' in text
    assert d.stop() == 0


def descendants(pid: int) -> set[int]:
    """`pid`'s process tree below it, now (forkserver and extraction workers included)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task") if os.path.isdir(f"/proc/{parent}") else []:
            try:
                kids = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def test_sigterm_leaves_no_process_behind_not_even_a_zombie(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon]
) -> None:
    # Audit: after SIGTERM and exit 0, two worker processes stayed behind as zombies.
    publish(site, "pool", 4)
    write_feeds(tmp_path, [{"name": "pool", "url": site.url("/feeds/pool.xml"), "interval": "1h"}],
                workers=2)  # fmt: skip
    d = start(daemons, tmp_path)
    wait_until(lambda: articles_of(tmp_path, "pool") == 4, "four articles", d)
    children = descendants(d.proc.pid)
    assert len(children) >= 3, children  # the forkserver and two extraction workers
    assert d.stop() == 0
    # Gone, not zombies, the moment the daemon has exited: /proc/<pid> disappears only
    # once a process has been reaped, and once the daemon is gone only PID 1 could reap
    # them (here it does, late; in many containers never).
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def test_files_lost_to_an_unwritable_folder_are_written_during_the_run(
    site: SiteServer, tmp_path: Path, daemons: list[Daemon]
) -> None:
    # Audit: the daemon repaired files only at start-up; one lost to a full disk during a
    # long run stayed missing until a restart.
    articles = tmp_path / "store" / "articles"
    publish(site, "disk", 2)
    write_feeds(tmp_path, [{"name": "disk", "url": site.url("/feeds/disk.xml"), "interval": 1}])
    with tiny_tmpfs(articles, "1m"):
        subprocess.run(["mount", "-o", "remount,ro", str(articles)], check=True)
        d = start(daemons, tmp_path)
        unwritten = "SELECT count(*) FROM unwritten_files"
        wait_until(lambda: (db_rows(tmp_path, unwritten) or [(0,)])[0][0] == 2, "2 unwritten", d)
        subprocess.run(["mount", "-o", "remount,rw", str(articles)], check=True)
        publish(site, "disk", 3)  # the next poll stores one more, and can write again
        wait_until(lambda: len(list(articles.rglob("*.txt"))) == 3, "all three files", d)
        assert d.stop() == 0
    assert "repaired 2 article files" in d.log()
