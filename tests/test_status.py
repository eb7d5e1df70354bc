"""`ingest status`: feeds table / JSON and extraction health per site, after a real poll."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from ingest.cli import main
from ingest.config import load_config
from ingest.pipeline.poll import poll
from tests.site.server import Response, SiteServer
from tests.test_daemon import WORDS, page, publish


def body(feed: str, i: int) -> str:
    """Full text carried by the feed, distinct per item (no near-duplicates)."""
    rng = random.Random(f"feed-{feed}-{i}")
    return " ".join(rng.choice(WORDS) for _ in range(120)).capitalize() + "."


def feed_with_content(site: SiteServer, feed: str, count: int) -> str:
    items = "".join(
        f"<item><title>{feed} item {i}</title><link>{site.url(f'/{feed}/{i}.html')}</link>"
        f"<guid>{feed}-{i}</guid><pubDate>Sun, 01 Mar 2026 10:0{i}:00 GMT</pubDate>"
        f"<content:encoded><![CDATA[<p>{body(feed, i)}</p>]]></content:encoded></item>"
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{feed}</title><link>{site.base}</link><description>d</description>"
        f"{items}</channel></rss>"
    )


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SiteServer]]:
    """One real poll for the module's read-only assertions."""
    tmp_path = tmp_path_factory.mktemp("status")
    (tmp_path / "www").mkdir()
    with SiteServer(tmp_path / "www") as site:
        publish(site, "good", 3)
        # "broken": pages whose layout gives the extractor nothing; the feed's text is kept.
        site.set_file("/feeds/broken.xml", feed_with_content(site, "broken", 3))
        for i in range(3):
            site.route(f"/broken/{i}.html", Response.html("<html><body><nav>menu</nav></body>"))
        site.route("/feeds/gone.xml", Response(410, b"gone"))
        feeds: list[dict[str, Any]] = [
            {"name": n, "url": site.url(f"/feeds/{n}.xml")} for n in ("good", "broken", "gone")
        ]
        feeds.append({"name": "later", "url": site.url("/feeds/later.xml"), "enabled": False})
        settings = {"allow_addresses": ["127.0.0.1/32"], "workers": 1, "max_age": None}
        out = io.StringIO()
        YAML(typ="safe", pure=True).dump({"settings": settings, "feeds": feeds}, out)
        (tmp_path / "feeds.yaml").write_text(out.getvalue(), "utf-8")
        poll(load_config(tmp_path / "feeds.yaml"))
        yield tmp_path, site


def invoke(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["status", "--config", str(folder / "feeds.yaml"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_status_json_lists_feeds_with_state_articles_and_totals(
    polled: tuple[Path, SiteServer],
) -> None:
    folder, _ = polled
    data = json.loads(invoke(folder, "--format", "json"))
    feeds = {f["name"]: f for f in data["feeds"]}
    assert [f["name"] for f in data["feeds"]] == ["good", "broken", "gone", "later"]
    assert feeds["good"]["state"] == "ok" and feeds["good"]["articles"] == 3
    assert feeds["broken"]["articles"] == 3
    assert feeds["gone"]["state"] == "failing" and feeds["gone"]["last_http_status"] == 410
    assert feeds["gone"]["error_count"] == 1 and "410" in feeds["gone"]["last_error"]
    assert feeds["later"]["state"] == "disabled" and feeds["later"]["last_polled_at"] is None
    assert data["totals"] == {"feeds": 4, "ok": 2, "error": 0, "failing": 1, "disabled": 1,
                              "removed": 0, "never_polled": 0, "articles": 6}  # fmt: skip


def test_status_table_shows_every_feed_and_the_totals(polled: tuple[Path, SiteServer]) -> None:
    folder, _ = polled
    text = invoke(folder)
    for word in ("good", "broken", "gone", "later", "failing", "disabled", "4 feeds", "HTTP 410"):
        assert word in text, word


def test_sites_health_flags_the_site_whose_extraction_gives_nothing(
    polled: tuple[Path, SiteServer],
) -> None:
    folder, site = polled
    data = json.loads(invoke(folder, "--sites", "--format", "json", "--days", "36500"))
    # Both feeds live on 127.0.0.1: one site, 3 of its 6 recent articles without page text.
    [health] = data["sites"]
    assert health["domain"] == "127.0.0.1"
    assert (health["articles"], health["feed_only"], health["empty"]) == (6, 3, 0)
    assert health["share"] == 0.5 and health["suspect"] is True
    assert "check extraction" in invoke(folder, "--sites", "--days", "36500")
    assert page("good", 0)  # the helper is shared with the daemon tests


def test_a_time_on_another_day_shows_its_date() -> None:
    from datetime import UTC, datetime, timedelta

    from ingest.cli.status_view import relative

    now = datetime(2026, 12, 3, 16, 45, tzinfo=UTC)
    assert relative(now - timedelta(minutes=5), now) == "16:40:00 (5m ago)"
    # 23h59m ahead is tomorrow: the time alone read as today, a quarter of an hour ago
    assert relative(now + timedelta(hours=23, minutes=59), now) == "2026-12-04 16:44 (in 24h)"
    assert relative(now - timedelta(hours=17), now) == "2026-12-02 23:45 (17h ago)"
    assert relative(None, now) == "-"
