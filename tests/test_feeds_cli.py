"""`ingest feeds ...` end to end, against a local site served over real HTTP.

The site (tests/data/sources) has a home page advertising RSS, Atom and JSON Feed
alternates plus a broken one, an article page that advertises nothing (its feed lives
at a common path, added per test with `set_file`), and a page with no feed anywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ingest import cli
from ingest.cli import feeds as feeds_cli
from ingest.config import load_config
from tests.site import Response, SiteServer

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tests" / "data" / "sources"

HEADER = """\
# Newsroom feeds. Comments, blank lines and key order must survive `ingest feeds add`.
settings:
  allow_addresses: ["127.0.0.1/32"]   # the test site
  workers: 1

feeds:
  # --- general ---
  - name: first
    url: "https://first.example.com/rss"   # quoted on purpose
    tags: [general]
"""
FOOTER = """\
  # - name: paused
  #   url: https://paused.example.com/feed

# (end)
"""


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer(SOURCES) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(HEADER + FOOTER, "utf-8")
    return path


def run(config: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli.main, ["feeds", *args, "--config", str(config)], input=input)


def run_program(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real program in a child process (stdin and stdout are pipes, not a terminal)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "ingest", "feeds", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=config.parent,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# -- add ----------------------------------------------------------------------------------


def test_add_from_home_page_with_first_appends_exactly_one_entry(
    site: SiteServer, config: Path
) -> None:
    done = run_program(config, "add", site.url("/"), "--first", "--interval", "15m",
                       "--tag", "news")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1. Example News  [rss20, 3 items, newest 2025-11-25 09:30 UTC]" in done.stdout
    assert "2. Example News (Atom)  [atom10, 2 items" in done.stdout
    assert "3. Example News JSON  [json11, 1 item, newest 2025-11-25 10:00 UTC]" in done.stdout
    assert f"not usable: {site.url('/feeds/comments.xml')}: HTTP 404" in done.stdout
    assert f"added example-news: {site.url('/feeds/main.xml')}" in done.stdout
    entry = (
        "  - name: example-news\n"
        f"    url: {site.url('/feeds/main.xml')}\n"
        "    interval: 15m\n"
        "    tags: [news]\n"
    )
    assert config.read_text("utf-8") == HEADER + entry + FOOTER
    assert (config.parent / "feeds.yaml.bak").read_text("utf-8") == HEADER + FOOTER
    assert load_config(config).feed("example-news").interval == 900


def test_add_without_terminal_lists_candidates_and_exits_non_zero(
    site: SiteServer, config: Path
) -> None:
    result = run(config, "add", site.url("/"))  # CliRunner's stdin is not a terminal
    assert result.exit_code == 1
    assert "3 feeds found: run again with the URL of one, or --first" in result.output
    assert site.url("/feeds/main.atom") in result.output
    assert config.read_text("utf-8") == HEADER + FOOTER
    assert not (config.parent / "feeds.yaml.bak").exists()


def test_add_on_a_terminal_asks_which_feed(
    site: SiteServer, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CliRunner's stdin is never a terminal; stand in for one to drive the prompt.
    monkeypatch.setattr(feeds_cli, "_on_terminal", lambda: True)
    result = run(config, "add", site.url("/"), "--name", "Atom of Example", input="2\n")
    assert result.exit_code == 0, result.output
    assert "Add which feed" in result.output
    feed = load_config(config).feed("Atom of Example")
    assert feed.url == site.url("/feeds/main.atom")


def test_add_a_feed_url_takes_it_without_asking(site: SiteServer, config: Path) -> None:
    result = run(config, "add", site.url("/feeds/main.json"))
    assert result.exit_code == 0, result.output
    assert load_config(config).feeds[-1].url == site.url("/feeds/main.json")
    assert load_config(config).feeds[-1].name == "example-news-json"


def test_add_refuses_a_feed_already_present(site: SiteServer, config: Path) -> None:
    assert run(config, "add", site.url("/feeds/main.xml"), "--name", "ex").exit_code == 0
    before = config.read_text("utf-8")
    site.clear_requests()
    # Same canonical URL: tracking parameter and host case do not make it another feed.
    again = site.url("/feeds/main.xml").replace("http://", "HTTP://") + "?utm_source=x"
    result = run(config, "add", again)
    assert result.exit_code == 1
    assert "already in feeds.yaml as 'ex'" in result.output
    assert site.requests == []  # refused before touching the network
    # Found through the page and taken with --first: refused all the same.
    result = run(config, "add", site.url("/"), "--first")
    assert result.exit_code == 1
    assert "(already in feeds.yaml as 'ex')" in result.output
    assert "is already in feeds.yaml as 'ex'" in result.output
    assert config.read_text("utf-8") == before


def test_add_generates_unique_names(site: SiteServer, config: Path) -> None:
    site.set_file("/feeds/copy.xml", site.render("/feeds/main.xml"))  # same title, other URL
    assert run(config, "add", site.url("/feeds/main.xml")).exit_code == 0
    assert run(config, "add", site.url("/feeds/copy.xml")).exit_code == 0
    names = [f.name for f in load_config(config).feeds]
    assert names == ["first", "example-news", "example-news-2"]


def test_discovery_falls_back_to_common_paths(site: SiteServer, config: Path) -> None:
    rss = site.render("/feeds/main.xml")
    atom = site.render("/feeds/main.atom")
    site.route("/feed", Response.redirect(site.url("/feed/"), status=301))
    site.set_file("/feed/index.html", rss, content_type="application/rss+xml")
    site.set_file("/rss.xml", rss, content_type="application/rss+xml")  # the same feed again
    site.set_file("/atom.xml", atom, content_type="application/atom+xml")
    site.route("/index.xml", Response.html("<!DOCTYPE html><html><body>soft 404</body></html>"))
    result = run(config, "add", site.url("/article.html"))
    assert result.exit_code == 1  # two feeds and no terminal
    assert "1. Example News  [rss20, 3 items" in result.output
    assert f"   {site.url('/feed/')}\n" in result.output  # where the redirect leads
    assert "2. Example News (Atom)  [atom10, 2 items" in result.output
    assert "3. " not in result.output  # /rss.xml is /feed/ again; /index.xml is no feed
    assert "not usable" not in result.output  # guesses that fail are not reported
    result = run(config, "add", site.url("/article.html"), "--first")
    assert result.exit_code == 0, result.output
    assert load_config(config).feeds[-1].url == site.url("/feed/")


def test_a_page_without_feeds_says_so(site: SiteServer, config: Path) -> None:
    result = run(config, "add", site.url("/nofeeds.html"), "--first")
    assert result.exit_code == 1
    assert f"no feed found at {site.url('/nofeeds.html')}" in result.output
    assert '<link rel="alternate">' in result.output
    assert "/feed, /rss, /rss.xml, /atom.xml, /feed.xml, /index.xml, /feed.json" in result.output
    assert config.read_text("utf-8") == HEADER + FOOTER
    asked = {r.url_path for r in site.requests}
    assert {"/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml"} <= asked


def test_add_of_an_unreachable_url_fails_cleanly(site: SiteServer, config: Path) -> None:
    result = run(config, "add", site.url("/gone.html"))
    assert result.exit_code == 1
    assert "HTTP 404" in result.output
    assert "Traceback" not in result.output


def test_add_refuses_a_bad_interval_without_writing(site: SiteServer, config: Path) -> None:
    result = run(config, "add", site.url("/feeds/main.xml"), "--interval", "often")
    assert result.exit_code == 1
    assert "--interval: expected a duration" in result.output
    assert config.read_text("utf-8") == HEADER + FOOTER


# -- remove, list -------------------------------------------------------------------------


def test_remove_keeps_the_rest_of_the_file(site: SiteServer, config: Path) -> None:
    assert run(config, "add", site.url("/feeds/main.json"), "--name", "json").exit_code == 0
    result = run(config, "remove", "first")
    assert result.exit_code == 0, result.output
    assert "removed first: https://first.example.com/rss" in result.output
    text = config.read_text("utf-8")
    assert text.startswith(HEADER.split("  - name: first")[0] + "  - name: json\n")
    assert text.endswith(FOOTER)
    assert [f.name for f in load_config(config).feeds] == ["json"]
    result = run(config, "remove", "nope")
    assert result.exit_code == 1
    assert "no feed named 'nope'" in result.output


def test_list_prints_full_urls_when_piped(config: Path) -> None:
    long_url = "https://news.example.com/" + "section/" * 30 + "feed.xml?format=rss&lang=en"
    config.write_text(
        HEADER + f"  - name: long\n    url: {long_url}\n    interval: 2h\n    enabled: false\n"
    )
    done = run_program(config, "list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "first\thttps://first.example.com/rss\tyes\tadaptive 5m-1d (its publishing rate)\tgeneral",
        f"long\t{long_url}\tno\t2h (its own interval)\t",
    ]


# -- check --------------------------------------------------------------------------------


def test_check_reports_good_and_broken_feeds(site: SiteServer, config: Path) -> None:
    rss = site.render("/feeds/main.xml")
    site.route("/nocache.xml", Response(200, rss.encode(), {"Content-Type": "application/rss+xml"}))
    site.route("/moved.xml", Response.redirect(site.url("/feeds/main.atom"), status=301))
    config.write_text(
        HEADER
        + "".join(
            f"  - name: {name}\n    url: {site.url(path)}\n"
            for name, path in [
                ("good", "/feeds/main.xml"),
                ("nocache", "/nocache.xml"),
                ("moved", "/moved.xml"),
                ("missing", "/feeds/missing.xml"),
                ("html", "/index.html"),
            ]
        ),
        "utf-8",
    )
    result = run(config, "check", "good", "nocache", "moved", "missing", "html")
    assert result.exit_code == 1  # two feeds are broken
    out = result.output
    assert f"good: ok  {site.url('/feeds/main.xml')}" in out
    assert "  rss20, 3 items, newest 2025-11-25 09:30 UTC, title 'Example News'" in out
    assert "conditional GET -> 304" in out
    assert f"nocache: ok  {site.url('/nocache.xml')}" in out
    assert "problem: no ETag or Last-Modified: every poll downloads the whole feed" in out
    assert f"problem: moved permanently to {site.url('/feeds/main.atom')}" in out
    missing = site.url("/feeds/missing.xml")
    assert f"missing: BROKEN  {missing}\n  problem: fetch failed: HTTP 404" in out
    assert "html: BROKEN" in out
    assert "not a usable feed: got an HTML page, not a feed; the page advertises a feed at" in out
    # Nothing is stored by a check.
    assert not (config.parent / "store").exists()


def test_check_one_feed_and_unknown_names(site: SiteServer, config: Path) -> None:
    config.write_text(HEADER + f"  - name: good\n    url: {site.url('/feeds/main.json')}\n")
    result = run(config, "check", "good")
    assert result.exit_code == 0, result.output
    assert "first:" not in result.output
    assert "json11, 1 item" in result.output
    result = run(config, "check", "nope")
    assert result.exit_code == 1
    assert "no feed named 'nope'" in result.output


# -- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["add", "remove", "list", "check", "import", "export"])
def test_every_feeds_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli.main, ["feeds", command, "--help"])
    assert result.exit_code == 0
    assert f"Example: ingest feeds {command}" in result.output
