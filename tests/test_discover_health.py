"""Pure parts of discovery and feed health: link finding, the judgement of a feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest.core.types import EntryData, FeedData, FetchResult
from ingest.sources.discover import common_path_urls, find_alternates
from ingest.sources.health import diagnose

NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)


def test_alternates_in_document_order_resolved_against_base_without_repeats() -> None:
    html = """<html><head>
      <base href="https://cdn.example.com/news/">
      <LINK REL="Alternate feed" TYPE="application/RSS+xml; charset=utf-8" HREF="rss.xml"
            title=" Main ">
      <link rel="alternate" type="application/atom+xml" href="https://example.com/atom">
      <link rel="alternate" type="application/rss+xml" href="https://cdn.example.com/news/rss.xml#x">
      <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
      <link rel="alternate" type="application/json+oembed" href="/oembed">
      <link rel="alternate" type="application/feed+json" href="javascript:alert(1)">
      <link rel="stylesheet" type="application/rss+xml" href="/not-alternate.xml">
    </head></html>"""
    found = find_alternates(html, "https://example.com/page.html")
    assert [(a.url, a.type, a.title) for a in found] == [
        ("https://cdn.example.com/news/rss.xml", "application/rss+xml", "Main"),
        ("https://example.com/atom", "application/atom+xml", None),
    ]


def test_common_paths_are_at_the_site_root() -> None:
    urls = common_path_urls("https://example.com:8443/2025/11/story.html?x=1")
    assert urls[0] == "https://example.com:8443/feed"
    assert "https://example.com:8443/feed.json" in urls


def _entry(n: int, published: datetime | None, link: str | None = "https://e.x/a") -> EntryData:
    return EntryData(str(n), None, link, f"t{n}", None, None, published, None)


def _feed(*entries: EntryData) -> FeedData:
    return FeedData("rss20", "T", None, None, tuple(entries))


def _fetched(**kw: str | None) -> FetchResult:
    return FetchResult(url="https://e.x/f", final_url="https://e.x/f", status=200, content=b"",
                       **kw)  # type: ignore[arg-type]  # fmt: skip


def test_a_healthy_feed_has_no_problems() -> None:
    feed = _feed(_entry(1, NOW - timedelta(hours=2)), _entry(2, NOW - timedelta(days=1)))
    assert diagnose(_fetched(etag='"v1"'), feed, True, NOW) == []


def test_problems_of_a_neglected_feed() -> None:
    feed = _feed(_entry(1, NOW - timedelta(days=400)), _entry(2, None, link=None))
    problems = diagnose(_fetched(permanent_redirect="https://e.x/new"), feed, None, NOW)
    assert problems == [
        "moved permanently to https://e.x/new: update its url in feeds.yaml",
        "1 of 2 items have no date (the fetch time stands in)",
        "1 of 2 items have no http(s) link",
        "newest item is 400 days old: the feed may be dead",
        "no ETag or Last-Modified: every poll downloads the whole feed",
    ]


def test_future_dates_empty_feeds_and_ignored_validators() -> None:
    future = _feed(_entry(1, NOW + timedelta(days=3)))
    assert "newest item is dated in the future (2025-11-28T12:00:00+00:00)" in diagnose(
        _fetched(last_modified="x"), future, False, NOW
    )
    assert diagnose(_fetched(etag='"a"'), future, False, NOW)[-1] == (
        "the server ignores If-None-Match/If-Modified-Since (200, not 304)"
    )
    assert diagnose(_fetched(etag='"a"'), _feed(), True, NOW) == ["the feed has no items"]
