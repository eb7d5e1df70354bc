"""An entry whose extraction always fails is tried on a few polls, then left alone, and its
feed gets its 304 back (audit: it was retried on every poll forever, and the feed never
kept its ETag). Real site, real store; only `prepare` is made to fail for one page."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ingest.config import load_config
from ingest.core.errors import ExtractError
from ingest.pipeline import prepare as prepare_module
from ingest.pipeline.poll import poll
from storage.store import MAX_SKIP_ATTEMPTS
from tests.hostile_site import article_html, item, rss
from tests.site.server import RequestRecord, Response, SiteServer


def test_a_page_that_never_extracts_is_tried_three_times_then_the_feed_keeps_its_etag(
    tmp_path: Path, write_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_prepare = prepare_module.prepare

    def prepare(spec: Any, entry: Any, *args: Any) -> Any:
        if entry.link.endswith("n=2"):
            raise ExtractError("prepare: the worker process died twice")
        return real_prepare(spec, entry, *args)

    # the poll imports `prepare` where a feed has something new (pipeline/poll.py)
    monkeypatch.setattr(prepare_module, "prepare", prepare)
    with SiteServer() as site:
        items = [item(f"Story {n}", site.url(f"/page?n={n}"), f"g{n}") for n in range(3)]

        def feed(record: RequestRecord) -> Response:
            if record.headers.get("If-None-Match") == '"v1"':
                return Response(304, headers={"ETag": '"v1"'})
            body = rss(items).encode()
            return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})

        site.route("/feed", feed)
        site.route("/page", lambda r: Response.html(article_html(int(r.query["n"][0]))))
        config = load_config(write_config([{"name": "f", "url": site.url("/feed")}]))

        statuses = []
        for _ in range(MAX_SKIP_ATTEMPTS + 2):
            report = poll(config)
            statuses.append(report.feeds[0].status)
        page_two = [r for r in site.requests_for("/page") if r.query["n"] == ["2"]]

    # polls 1-3 try the page (ETag forgotten each time), then it is known; poll 4 gets
    # the feed whole once more and keeps the ETag, poll 5 is a 304
    assert len(page_two) == MAX_SKIP_ATTEMPTS
    assert statuses == ["ok"] * (MAX_SKIP_ATTEMPTS + 1) + ["not_modified"]
    db = tmp_path / "store" / "ingest.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
        reason, attempts = conn.execute(
            "SELECT reason, attempts FROM skipped_entries WHERE entry_key = 'g2'"
        ).fetchone()
    assert (reason, attempts) == ("error:ExtractError", MAX_SKIP_ATTEMPTS)
