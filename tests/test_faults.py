"""Faults, end to end: the real `ingest poll` killed, starved of disk, run twice at once,
and run next to a reader holding the SQLite file. After each, the store must be whole:
the database passes its integrity check, every entry is stored exactly once, and every
article file exists and holds exactly what the database renders.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.pipeline.runtime import open_store
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

ITEMS = 12
WAIT = 60.0  # seconds before a wait gives up: only bounds a hang
# Articles without their source row: a half-written article, never to be seen by a reader.
ORPHANS = (
    "SELECT count(*) FROM articles a WHERE NOT EXISTS "
    "(SELECT 1 FROM article_sources s WHERE s.article_id = a.id)"
)


def slow_site(site: SiteServer, count: int = ITEMS, delay: float = 0.1) -> None:
    """A feed of `count` items whose pages each take `delay` seconds to answer."""

    def page(record: RequestRecord) -> Response:
        return Response.html(article_html(int(record.query["n"][0])), delay=delay)

    site.route("/page", page)
    items = [item(f"Story {i}", site.url(f"/page?n={i}"), f"s{i}") for i in range(count)]
    # an ETag, so a poll that saved validators would be answered 304 (tests check it did not)
    headers = {"Content-Type": "application/rss+xml", "ETag": f'"{count}"'}
    site.route("/feed.xml", Response(200, rss(items).encode(), headers))


def config(folder: Path, site: SiteServer, **settings: object) -> Path:
    return feeds_yaml(folder, [{"name": "f", "url": site.url("/feed.xml"), "dedup": False}],
                      per_host=4, **settings)  # fmt: skip


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)


def assert_store_whole(folder: Path, expected: int) -> None:
    """Integrity, one row per entry and per URL, and every file equal to its rendering."""
    db = folder / "store" / "ingest.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == expected
        assert conn.execute("SELECT count(DISTINCT canonical_url) FROM articles").fetchone()[0] == (
            expected
        )
        keys = [k for (k,) in conn.execute("SELECT entry_key FROM article_sources")]
        assert sorted(keys) == sorted(f"s{i}" for i in range(expected))
        assert conn.execute("SELECT count(*) FROM unwritten_files").fetchone()[0] == 0
    store = open_store(load_config(folder / "feeds.yaml"))
    try:
        articles = store.latest(1000)
        for article in articles:
            assert store.path_of(article).read_text("utf-8") == store.render(article)
        files = sorted((folder / "store" / "articles").rglob("*.txt"))
        assert sorted(store.path_of(a) for a in articles) == files  # no stray file either
    finally:
        store.close()


# -- SIGKILL in the middle of a poll ------------------------------------------------------


@pytest.mark.parametrize("kill_after_pages", [0, 1, 5, 11])
def test_sigkill_mid_poll_then_a_clean_rerun(tmp_path: Path, kill_after_pages: int) -> None:
    with SiteServer() as site:
        slow_site(site)
        config(tmp_path, site)
        proc = subprocess.Popen(ingest_cmd("poll"), cwd=tmp_path, env=ingest_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            # 0: killed as soon as the feed is asked for, before anything is stored
            wait_until(lambda: len(site.requests_for("/feed.xml")) > 0, "the feed request")
            wait_until(lambda: len(site.requests_for("/page")) >= kill_after_pages, "pages")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(WAIT)
        assert proc.returncode == -signal.SIGKILL
        rerun = run_ingest("poll", cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        assert "Traceback" not in rerun.stderr
    assert_store_whole(tmp_path, ITEMS)


def test_a_file_lost_between_commit_and_write_is_repaired(tmp_path: Path) -> None:
    # The window SIGKILL may hit: the row is committed, its file not yet written.
    with SiteServer() as site:
        slow_site(site, count=3, delay=0)
        config(tmp_path, site)
        assert run_ingest("poll", cwd=tmp_path).returncode == 0
        db = tmp_path / "store" / "ingest.db"
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            path = conn.execute("SELECT path FROM articles ORDER BY seq LIMIT 1").fetchone()[0]
            conn.execute(
                "INSERT INTO unwritten_files SELECT id FROM articles WHERE path = ?", (path,)
            )
        (tmp_path / "store" / path).unlink()
        rerun = run_ingest("poll", cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        assert "repaired 1 article files" in rerun.stderr
    assert_store_whole(tmp_path, 3)


# -- the disk fills up / the store becomes read-only ----------------------------------------


@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "1m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if proc.returncode != 0:
        reason = f"cannot mount a small tmpfs (needs root): {proc.stderr.strip()}"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    """Write a filler file until the file system is full (ENOSPC)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_disk_full_is_a_clear_error_and_the_run_resumes(tmp_path: Path) -> None:
    store, many = tmp_path / "store", 120
    with SiteServer() as site, tiny_tmpfs(store, "1m"):
        slow_site(site, count=2, delay=0)
        config(tmp_path, site)
        assert run_ingest("poll", cwd=tmp_path).returncode == 0
        slow_site(site, count=many, delay=0)  # 118 new items arrive...
        filler = fill(store)  # ...when the disk is full: the store cannot even open
        full = run_ingest("poll", cwd=tmp_path)
        assert full.returncode == 1 and "Traceback" not in full.stderr
        assert "Error: cannot open the database" in full.stderr and "is full" in full.stderr
        filler.unlink()
        # 1 MB holds about forty articles stored a few per transaction (a dozen stored one
        # per transaction, each appending its pages to the WAL): the disk fills up again
        # in the middle
        partly = run_ingest("poll", cwd=tmp_path)
        assert "Traceback" not in partly.stderr
        assert "database or disk is full" in partly.stderr
        assert "error:StorageError=" in partly.stdout
        with contextlib.closing(sqlite3.connect(store / "ingest.db")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            # the entries that failed stay due: no validator saved, so no 304 next time
            assert conn.execute("SELECT etag FROM feeds").fetchone()[0] is None
        assert 2 < stored < many
        subprocess.run(["mount", "-o", "remount,size=64m", str(store)], check=True)  # space returns
        resumed = run_ingest("poll", cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        assert_store_whole(tmp_path, many)


def test_read_only_store_is_a_clear_error_and_the_run_resumes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with SiteServer() as site, tiny_tmpfs(store, "20m"):
        slow_site(site, count=2, delay=0)
        config(tmp_path, site)
        assert run_ingest("poll", cwd=tmp_path).returncode == 0
        slow_site(site, count=ITEMS, delay=0)
        subprocess.run(["mount", "-o", "remount,ro", str(store)], check=True)
        try:
            refused = run_ingest("poll", cwd=tmp_path)
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(store)], check=True)
        assert refused.returncode != 0
        assert "Traceback" not in refused.stderr
        assert "is on a read-only file system" in refused.stderr
        resumed = run_ingest("poll", cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        assert_store_whole(tmp_path, ITEMS)


def test_unwritable_article_files_fail_the_pass_with_one_summary(tmp_path: Path) -> None:
    # The database is writable, the articles folder is not (audit: "7 ok", exit 0, and a
    # "cannot write" line per article).
    articles = tmp_path / "store" / "articles"
    with SiteServer() as site:
        slow_site(site, count=2, delay=0)
        config(tmp_path, site)
        assert run_ingest("poll", cwd=tmp_path).returncode == 0
        slow_site(site, count=ITEMS, delay=0)
        with tiny_tmpfs(articles, "1m"):
            subprocess.run(["mount", "-o", "remount,ro", str(articles)], check=True)
            refused = run_ingest("poll", cwd=tmp_path)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        said = refused.stdout + refused.stderr
        assert f"{ITEMS - 2} files could not be written" in said
        assert said.count("Read-only file system") == 1  # summarised once
        resumed = run_ingest("poll", cwd=tmp_path)  # the folder is back: files written
        assert resumed.returncode == 0, resumed.stderr
        assert f"repaired {ITEMS - 2} article files" in resumed.stderr
    assert_store_whole(tmp_path, ITEMS)


# -- concurrency ----------------------------------------------------------------------------


def test_two_polls_at_once_store_each_article_once(tmp_path: Path) -> None:
    with SiteServer() as site:
        slow_site(site, delay=0.05)
        config(tmp_path, site)
        procs = [
            subprocess.Popen(ingest_cmd("poll"), cwd=tmp_path, env=ingest_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]  # fmt: skip
        outputs = [p.communicate(timeout=WAIT) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
    assert_store_whole(tmp_path, ITEMS)


def test_a_reader_holding_the_database_during_a_poll(tmp_path: Path) -> None:
    with SiteServer() as site:
        slow_site(site, count=2, delay=0)
        config(tmp_path, site)
        assert run_ingest("poll", cwd=tmp_path).returncode == 0
        slow_site(site, delay=0.05)
        db = tmp_path / "store" / "ingest.db"
        reader = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        # A long read transaction: its snapshot must stay whole and unchanged, and the
        # poll must write past it (WAL).
        reader.execute("BEGIN")
        before = reader.execute("SELECT count(*) FROM articles").fetchone()[0]
        # ...and a writer lock held for a moment while the poll starts: the poll waits.
        blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")
        release = threading.Timer(1.0, lambda: blocker.execute("COMMIT"))
        release.start()
        orphans: list[int] = []
        proc = subprocess.Popen(
            ingest_cmd("poll"), cwd=tmp_path, env=ingest_env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        watcher = sqlite3.connect(db, isolation_level=None)
        while proc.poll() is None:
            # every article another reader sees, at any moment, is whole: it has its source
            orphans.append(watcher.execute(ORPHANS).fetchone()[0])
            assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == before
            time.sleep(0.01)
        _out, err = proc.communicate()
        release.join()
        assert proc.returncode == 0, err
        assert orphans and set(orphans) == {0}
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == ITEMS
        for conn in (reader, blocker, watcher):
            conn.close()
    assert_store_whole(tmp_path, ITEMS)
