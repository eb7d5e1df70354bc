"""What a worker's job costs the database (the shared resource of every worker machine).

A job reads its feed's row once (spec, enabled flag and state together), and reads on
PostgreSQL run outside a transaction: no BEGIN/ROLLBACK round trips, and psycopg keeps
the statements it prepared (a ROLLBACK makes it send DEALLOCATE ALL).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from psycopg import pq
from sqlalchemy import event, text

from ingest.config import load_config
from ingest.pipeline.runtime import Planning, close_context, open_context
from ingest.worker.app import _poll, _Runtime, sync_config
from storage.store import Store
from tests.site.server import RequestRecord, Response, SiteServer

FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
        "<link>http://127.0.0.1/</link></channel></rss>")  # fmt: skip
# a SELECT of the feeds table by name: the job's read of its feed's row
ROW_READ = re.compile(r"^SELECT\b.*\bFROM feeds\s+WHERE feeds\.name = ", re.S)


def test_a_workers_job_reads_its_feeds_row_once(
    tmp_path: Path, pg_url: str, write_config: Any
) -> None:
    def feed(record: RequestRecord) -> Response:
        if record.headers.get("if-none-match") == '"v1"':
            return Response(304, headers={"ETag": '"v1"'})
        return Response(200, FEED.encode(), {"Content-Type": "application/rss+xml",
                                             "ETag": '"v1"'})  # fmt: skip

    with SiteServer() as site:
        site.route("/feed.xml", feed)
        path = write_config([{"name": "a", "url": site.url("/feed.xml")}],
                            database_url=pg_url, store=str(tmp_path / "store"))  # fmt: skip
        config = load_config(path)

        async def run() -> list[str]:
            ctx = await open_context(config)
            ctx.planning, ctx.feed_states = Planning(), {}
            runtime = _Runtime(config)
            runtime._ctx = ctx
            reads: list[str] = []

            def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
                if ROW_READ.match(statement):
                    reads.append(statement)

            try:
                await ctx.db(sync_config, config, ctx)
                event.listen(ctx.store.engine, "before_cursor_execute", seen)
                for _ in range(2):  # a 200, then a 304 (due again: next poll cleared)
                    await _poll(runtime, "a")
                    state = await ctx.db(ctx.store.feed_state, "a")
                    assert state is not None and state.last_status is not None
                    await ctx.db(_make_due, ctx.store)
                    reads.pop()  # the test's own read above
            finally:
                await close_context(ctx)
            return reads

        reads = asyncio.run(run())
    assert len(reads) == 2, reads  # one per job: spec and state in the same read
    assert [r.method for r in site.requests if r.url_path == "/feed.xml"] == ["GET", "GET"]


def _make_due(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE feeds SET next_poll_at = NULL"))


def test_postgres_reads_run_outside_a_transaction_and_keep_prepared_statements(
    tmp_path: Path, pg_url: str
) -> None:
    store = Store(pg_url, tmp_path / "store")
    try:
        store.engine.dispose()  # one connection from here on: the reads below share it
        statuses: list[pq.TransactionStatus] = []

        def after(conn: Any, cursor: Any, *args: Any) -> None:
            statuses.append(cursor.connection.info.transaction_status)

        event.listen(store.engine, "after_cursor_execute", after)
        for _ in range(8):  # psycopg prepares a statement at its 5th execution
            store.feed_state("nobody")
        event.remove(store.engine, "after_cursor_execute", after)
        assert statuses and set(statuses) == {pq.TransactionStatus.IDLE}
        with store.read_engine.connect() as conn:
            prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        assert prepared, "the feed_state read was never prepared: dropped after every read"
    finally:
        store.close()
