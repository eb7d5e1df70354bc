"""Feed rows through sqlite3 (storage/lite_states.py): the all-304 pass without SQLAlchemy.

Rows saved by LiteStates must read back through the Store exactly as the Store's own
would, and the other way round; a pass where every feed answers 304 must not import the
Store's libraries at all, and must still do the start-of-pass upkeep when it has work.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from ingest.core.types import FeedState, PollStatus
from ingest.pipeline.deduplicate import save_article
from storage.lite_states import LiteStates, open_states
from storage.store import Store
from tests.hostile_site import feeds_yaml, ingest_env
from tests.site.server import RequestRecord, Response, SiteServer
from tests.test_store import NOW, draft

T0 = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def full_state(name: str) -> FeedState:
    """Every field set, times with microseconds and one in another zone than UTC."""
    return FeedState(
        name=name, url=f"http://{name}.example/feed", title="Tïtle", etag='"e1"',
        last_modified="Fri, 01 May 2026 12:00:00 GMT", last_polled_at=T0,
        last_success_at=T0.astimezone(timezone(timedelta(hours=-5))),
        last_status=PollStatus.NOT_MODIFIED, last_http_status=304, last_error="E: x",
        error_count=2, next_poll_at=T0 + timedelta(seconds=301.5), interval_seconds=300.25,
        permanent_redirect="http://elsewhere.example/", pending_entries=3, max_age_seconds=86400.0,
    )  # fmt: skip


def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ingest.db'}"


def lite(tmp_path: Path) -> LiteStates:
    rows = open_states(url(tmp_path))
    assert rows is not None
    return rows


def test_rows_saved_through_sqlite3_read_the_same_through_the_store(tmp_path: Path) -> None:
    store = Store(url(tmp_path), tmp_path)
    rows = lite(tmp_path)
    try:
        a, b = full_state("a"), FeedState(name="b", url="http://b.example/")
        rows.save_feed_states([(None, a), (None, b)])  # new rows
        assert store.feed_states() == {"a": a, "b": b} == rows.feed_states()
        assert store.feed_state("a") == a == rows.feed_state("a")
        a2 = replace(a, last_polled_at=T0 + timedelta(seconds=5), last_status=PollStatus.OK,
                     etag=None, error_count=0, last_error=None)  # fmt: skip
        rows.save_feed_states([(a, a2)])
        assert store.feed_state("a") == a2
        # and what the Store writes, sqlite3 reads alike
        b2 = replace(full_state("b"), last_status=PollStatus.ERROR)
        store.save_feed_states([(b, b2)])
        assert rows.feed_state("b") == b2 and rows.feed_state("nobody") is None
    finally:
        rows.close()
        store.close()


def test_only_the_columns_a_poll_changed_are_written(tmp_path: Path) -> None:
    store = Store(url(tmp_path), tmp_path)
    rows = lite(tmp_path)
    try:
        read = full_state("a")
        store.save_feed_states([(None, read)])
        # another writer (the daemon) plans the feed's next poll meanwhile
        planned = replace(read, next_poll_at=T0 + timedelta(hours=1))
        store.save_feed_states([(read, planned)])
        polled = replace(read, last_polled_at=T0 + timedelta(seconds=9))
        rows.save_feed_states([(read, polled)])
        assert store.feed_state("a") == replace(polled, next_poll_at=planned.next_poll_at)
        # a row that appeared after the read is written whole
        late = FeedState(name="late", url="http://late.example/")
        store.save_feed_states([(None, late)])
        rows.save_feed_states([(None, full_state("late"))])
        assert store.feed_state("late") == full_state("late")
    finally:
        rows.close()
        store.close()


def test_only_a_sqlite_store_at_the_current_schema_is_read_this_way(tmp_path: Path) -> None:
    assert open_states(url(tmp_path)) is None  # no database yet
    assert open_states("postgresql://u@localhost/db") is None
    Store(url(tmp_path), tmp_path).close()
    lite(tmp_path).close()
    with contextlib.closing(sqlite3.connect(tmp_path / "ingest.db")) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert open_states(url(tmp_path)) is None  # older: the Store upgrades it


def test_upkeep_is_due_only_when_a_row_needs_it(tmp_path: Path) -> None:
    store = Store(url(tmp_path), tmp_path)
    rows = lite(tmp_path)
    try:
        assert not rows.upkeep_due()  # empty
        saved = save_article(store, draft(1), NOW)
        assert not rows.upkeep_due()  # written and fingerprinted
        db = tmp_path / "ingest.db"
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("INSERT INTO unwritten_files SELECT id FROM articles")
        assert rows.upkeep_due()  # a file to repair
        assert store.repair_files() == 1 and not rows.upkeep_due()
        with contextlib.closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("UPDATE articles SET dedup_version = NULL")
        assert rows.upkeep_due()  # an article to fingerprint
        assert store.backfill_fingerprints() == 1 and not rows.upkeep_due()
        assert store.get(saved.article_id) is not None
    finally:
        rows.close()
        store.close()


# `ingest poll` in a fresh process, then the modules it imported (as JSON on stdout).
POLL_AND_LIST_MODULES = """
import gc, json, sys
from ingest.cli import main
try:
    main(["poll"])
except SystemExit as exit:
    code = exit.code
gc_state = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
print(json.dumps({"code": code, "modules": sorted(sys.modules), "gc": gc_state}))
"""
HEAVY = (
    "sqlalchemy", "sqlmodel", "alembic", "feedparser", "courlan", "lxml", "trafilatura",
    "rich", "pygments", "ruamel", "numpy", "pebble",
)  # fmt: skip


def poll_modules(folder: Path) -> tuple[int, set[str], str]:
    # the validated feeds.yaml is remembered here by the first pass (ingest/cli/reading.py)
    env = {**ingest_env(), "INGEST_CACHE_DIR": str(folder / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", POLL_AND_LIST_MODULES], cwd=folder, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    result = json.loads(run.stdout.splitlines()[-1])
    # start-up's objects frozen out of the collector's sight, which is on for the pass
    assert result["gc"]["enabled"] and result["gc"]["frozen"] > 10_000, result["gc"]
    return result["code"], {m.split(".")[0] for m in result["modules"]}, run.stderr


def test_a_pass_where_every_feed_answers_304_imports_neither_sqlalchemy_nor_parsers(
    tmp_path: Path,
) -> None:
    def feed(record: RequestRecord) -> Response:
        if record.headers.get("If-None-Match") == '"1"':
            return Response(304, headers={"ETag": '"1"'})
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": '"1"'})

    with SiteServer() as site:
        site.route("/feed", feed)
        feeds_yaml(tmp_path, [{"name": f"f{n}", "url": site.url(f"/feed?n={n}")} for n in (0, 1)],
                   workers=2)  # fmt: skip
        code, first, _ = poll_modules(tmp_path)  # parsed: the Store and the parser loaded
        assert code == 0 and {"sqlalchemy", "feedparser"} <= first
        db = tmp_path / "store" / "ingest.db"
        with contextlib.closing(sqlite3.connect(db)) as conn:
            before = dict(conn.execute("SELECT name, last_polled_at FROM feeds"))
        code, second, stderr = poll_modules(tmp_path)
        assert code == 0, stderr
        assert not second & set(HEAVY), second & set(HEAVY)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            after = list(conn.execute("SELECT name, last_polled_at, last_status FROM feeds"))
        assert len(after) == 2
        for name, polled_at, status in after:  # every row written, as the Store would
            assert status == "not_modified" and polled_at > before[name]
            assert datetime.fromisoformat(polled_at).tzinfo is None


def test_an_all_304_pass_still_repairs_a_lost_file(tmp_path: Path) -> None:
    def feed(record: RequestRecord) -> Response:
        return Response(304, headers={"ETag": '"1"'})

    store = Store(f"sqlite:///{tmp_path / 'store' / 'ingest.db'}", tmp_path / "store")
    saved = save_article(store, draft(1), NOW)
    store.save_feed_states([(None, FeedState(name="f", url="x", etag='"1"'))])
    store.close()
    path = tmp_path / "store" / str(saved.path)
    text = path.read_text("utf-8")
    with contextlib.closing(sqlite3.connect(tmp_path / "store" / "ingest.db")) as conn, conn:
        conn.execute("INSERT INTO unwritten_files SELECT id FROM articles")
    path.unlink()
    with SiteServer() as site:
        site.route("/feed", feed)
        feeds_yaml(tmp_path, [{"name": "f", "url": site.url("/feed")}], workers=2)
        with contextlib.closing(sqlite3.connect(tmp_path / "store" / "ingest.db")) as conn, conn:
            conn.execute("UPDATE feeds SET url = ?", (site.url("/feed"),))
        code, modules, stderr = poll_modules(tmp_path)
    assert code == 0, stderr
    assert "repaired 1 article files" in stderr and path.read_text("utf-8") == text
    assert "sqlalchemy" in modules  # the upkeep had work: the Store was opened for it
