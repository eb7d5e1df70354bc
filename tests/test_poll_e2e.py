"""End to end: the real `ingest poll` against the fixture news site on 127.0.0.1.

The site (tests/data/site) has Italian, English and German articles inside realistic page
chrome, served through RSS 2.0, Atom, JSON Feed and RSS 1.0 feeds; expected.json holds the
ground truth for every article.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.config import load_config
from ingest.pipeline.runtime import open_store
from storage import document
from tests.site.server import Response, SiteServer

REPO = Path(__file__).resolve().parents[1]
FEEDS = ["it.xml", "en.atom", "de.json", "mixed.rdf", "tracking.xml"]


def run_ingest(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("INGEST_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ingest", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=180,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(
            f"ingest {args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with SiteServer() as server:
        yield server


@pytest.fixture(scope="module")
def expected(site: SiteServer) -> dict[str, Any]:
    return site.expected()


def feeds_yaml(site: SiteServer, feeds: list[str], **settings: Any) -> str:
    lines = ["settings:", '  allow_addresses: ["127.0.0.1/32"]']
    lines += [f"  {k}: {v}" for k, v in {"workers": 1, **settings}.items()]
    lines.append("feeds:")
    for name in feeds:
        lines += [f"  - name: {name.replace('.', '-')}", f"    url: {site.url('/feeds/' + name)}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module", params=[2, 1], ids=["workers=2", "workers=1"])
def polled(
    site: SiteServer, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Any]:
    """One poll of every fixture feed, run once per worker mode for the module's assertions:
    workers: 2 is the production process pool, workers: 1 extraction in threads."""
    folder = tmp_path_factory.mktemp("e2e")
    yaml = feeds_yaml(site, FEEDS, workers=request.param)
    (folder / "feeds.yaml").write_text(yaml, "utf-8")
    site.clear_requests()
    first = run_ingest("poll", cwd=folder)
    pages = Counter(r.url_path for r in site.requests if r.url_path.startswith("/articles/"))
    config = load_config(folder / "feeds.yaml")
    store = open_store(config)
    articles = {a.canonical_url: a for a in store.latest(1000)}
    sources = {a.id: store.sources(a.id) for a in articles.values()}
    texts = {a.id: store.path_of(a).read_text("utf-8") for a in articles.values()}
    store.close()
    return {
        "folder": folder,
        "first": first,
        "pages": pages,
        "articles": articles,
        "sources": sources,
        "texts": texts,
    }


def by_slug(polled: dict[str, Any], slug: str) -> Any:
    hits = [a for url, a in polled["articles"].items() if slug in url]
    assert len(hits) == 1, f"{slug}: {len(hits)} stored articles match"
    return hits[0]


def test_golden_article_is_byte_identical_to_the_sample(
    polled: dict[str, Any], sample_text: str
) -> None:
    article = by_slug(polled, "putin-madri-soldati")
    assert polled["texts"][article.id] == sample_text


def test_every_article_stored_once_with_the_right_fields(
    polled: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert len(polled["articles"]) == len(expected)
    for slug, want in expected.items():
        article = by_slug(polled, slug)
        text = polled["texts"][article.id]
        doc = document.parse(text)
        assert document.render(doc) == text
        assert article.title == want["title"], slug
        assert doc.month == want["month"], slug
        assert (doc.lead or "") == want["lead"], slug
        assert article.language == want["language"], slug
        body = " ".join(doc.all_paragraphs)
        for snippet in want["with"]:
            assert snippet in body, f"{slug}: missing {snippet!r}"
        for snippet in want["without"]:
            assert snippet not in body, f"{slug}: boilerplate {snippet!r} leaked"


def test_files_follow_the_layout(polled: dict[str, Any]) -> None:
    store_dir = polled["folder"] / "store" / "articles"
    files = sorted(store_dir.rglob("*.txt"))
    assert len(files) == len(polled["articles"])
    for article in polled["articles"].values():
        assert article.path == f"articles/{article.month}/{article.seq:03d}_{article.id}.txt"
        assert len(article.id) == 16 and int(article.id, 16) >= 0


def test_every_feed_an_article_appears_in_is_a_source(
    polled: dict[str, Any], expected: dict[str, Any]
) -> None:
    # tracking.xml links it.xml's articles with utm_* parameters and other GUIDs, and
    # mixed.rdf shares articles with it.xml and de.json: one article, several sources.
    for slug, want in expected.items():
        article = by_slug(polled, slug)
        feeds = {s.feed for s in polled["sources"][article.id]}
        assert feeds == {name.replace(".", "-") for name in want["feeds"]}, slug


def test_a_page_in_several_feeds_is_fetched_once(polled: dict[str, Any]) -> None:
    # The feeds share articles (one under tracking parameters): polled at the same time,
    # each page is fetched and extracted once and the other entries become its sources.
    assert len(polled["pages"]) == len(polled["articles"])
    assert {path: n for path, n in polled["pages"].items() if n > 1} == {}


def test_summary_and_second_poll_is_conditional(polled: dict[str, Any], site: SiteServer) -> None:
    assert f"articles: {len(polled['articles'])} new" in polled["first"].stdout
    site.clear_requests()
    second = run_ingest("poll", cwd=polled["folder"])
    assert "0 new" in second.stdout and f"{len(FEEDS)} not modified" in second.stdout
    feed_requests = [r for r in site.requests if r.url_path.startswith("/feeds/")]
    assert len(feed_requests) == len(FEEDS)
    assert all(r.headers.get("If-None-Match") for r in feed_requests)
    assert not [r for r in site.requests if r.url_path.startswith("/articles/")]


def test_changed_feed_refetched_but_known_entries_skipped(
    polled: dict[str, Any], site: SiteServer
) -> None:
    original = site.render("/feeds/it.xml")
    site.set_file("/feeds/it.xml", original.replace("</channel>", "<!-- touched --></channel>"))
    try:
        site.clear_requests()
        out = run_ingest("poll", "--feed", "it-xml", cwd=polled["folder"])
        assert "1 ok" in out.stdout and "0 new" in out.stdout
        assert not [r for r in site.requests if r.url_path.startswith("/articles/")]
    finally:
        site.reset_file("/feeds/it.xml")


def test_failing_feeds_do_not_stop_the_others(site: SiteServer, tmp_path: Path) -> None:
    site.route(
        "/broken/garbage.xml", Response(200, b"\x00\x01 not a feed", {"Content-Type": "text/xml"})
    )
    site.route("/broken/slow.xml", Response(200, b"<rss/>", delay=5))
    broken = [
        ("missing", "/broken/404.xml"),
        ("garbage", "/broken/garbage.xml"),
        ("slow", "/broken/slow.xml"),
    ]
    extra = "".join(f"  - name: {n}\n    url: {site.url(p)}\n" for n, p in broken)
    yaml = feeds_yaml(site, ["en.atom"], timeout="1s").replace("feeds:\n", "feeds:\n" + extra)
    (tmp_path / "feeds.yaml").write_text(yaml)
    proc = run_ingest("poll", cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert "3 failed" in proc.stdout
    assert (
        "HTTP 404" in proc.stderr
        and "not an RSS or Atom feed" in proc.stderr
        and "within 1s" in proc.stderr
    )
    store = open_store(load_config(tmp_path / "feeds.yaml"))
    try:
        assert store.count_articles() >= 2  # en.atom's articles were stored all the same
        states = store.feed_states()
        assert states["missing"].error_count == 1 and states["missing"].last_status == "error"
        assert states["en-atom"].last_status == "ok"
    finally:
        store.close()


def test_bad_feeds_yaml_names_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - name: a\n    url: https://x.example/f\n    intervall: 5m\n"
    )
    proc = run_ingest("poll", cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert (
        "feeds.yaml:4:" in proc.stderr
        and "intervall" in proc.stderr
        and "unknown key" in proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_show_and_list(polled: dict[str, Any]) -> None:
    article = by_slug(polled, "putin-madri-soldati")
    shown = run_ingest("show", article.id, cwd=polled["folder"])
    assert shown.stdout == polled["texts"][article.id]  # piped: the file's bytes, no newline
    record = json.loads(run_ingest("show", "--json", article.id, cwd=polled["folder"]).stdout)
    assert record["id"] == article.id and record["published"].startswith(
        "2022-11-25T10:30:00+01:00"
    )
    listing = run_ingest("list", "--limit", "3", cwd=polled["folder"]).stdout.splitlines()
    # date, feed, title, id, path
    assert len(listing) == 3 and all(line.count("\t") == 4 for line in listing)


def test_poll_into_postgresql(
    site: SiteServer, tmp_path: Path, pg_url: str, sample_text: str
) -> None:
    yaml = feeds_yaml(site, ["it.xml", "tracking.xml"], database_url=f'"{pg_url}"')
    (tmp_path / "feeds.yaml").write_text(yaml)
    first = run_ingest("poll", cwd=tmp_path)
    assert "0 failed" in first.stdout
    config = load_config(tmp_path / "feeds.yaml")
    assert config.database_url.startswith("postgresql")
    store = open_store(config)
    try:
        articles = store.latest(100)
        golden = [a for a in articles if "putin-madri-soldati" in a.canonical_url]
        assert len(golden) == 1 and store.render(golden[0]) == sample_text
        assert store.path_of(golden[0]).read_text("utf-8") == sample_text
        count = store.count_articles()
    finally:
        store.close()
    second = run_ingest("poll", cwd=tmp_path)
    assert "0 new" in second.stdout
    store = open_store(config)
    try:
        assert store.count_articles() == count
    finally:
        store.close()
