"""Feed parsing: each fixture in tests/data/feeds/ beside its expected JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from ingest.core.errors import ParseError
from ingest.core.types import EntryData
from ingest.feeds import assign_keys, parse_feed

FEEDS = Path(__file__).parent / "data" / "feeds"
FIXTURES = sorted(p for p in FEEDS.iterdir() if not p.name.endswith(".expected.json"))


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda o: o.isoformat()))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_feed_matches_expected(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    feed = parse_feed(expected["url"], path.read_bytes())
    got = {
        "url": expected["url"],
        "format": feed.format,
        "title": feed.title,
        "language": feed.language,
        "ttl": feed.ttl,
        "entries": [dataclasses.asdict(e) for e in feed.entries],
    }
    assert as_json(got) == expected


def test_dates_keep_the_publisher_offset() -> None:
    feed = parse_feed("https://daily.example/feed", (FEEDS / "rss20.xml").read_bytes())
    first = feed.entries[0].published
    assert first is not None and first.utcoffset() is not None
    # 23:30 at -04:00 is already October 2 in UTC; the publisher's month is October 1's.
    assert (first.year, first.month, first.day) == (2024, 10, 1)


def entry(guid: str | None, link: str | None, title: str = "t") -> EntryData:
    return EntryData("", guid, link, title, None, None, None, None)


def test_identity_fallback_order() -> None:
    keys = [e.key for e in assign_keys((
        entry("g1", "https://x/1"),
        entry("same", "https://x/2"),
        entry("same", "https://x/3"),
        entry(None, "https://x/4"),
        entry(None, None, "only a title"),
    ))]  # fmt: skip
    assert keys[0] == "g1"
    assert keys[1:3] == ["same https://x/2", "same https://x/3"]
    assert keys[3] == "https://x/4"
    assert keys[4].startswith("sha256:")
    assert len(set(keys)) == 5


def test_exact_repeats_in_one_feed_are_kept_once() -> None:
    items = (entry("g", "https://x/1"), entry("g", "https://x/1"))
    assert [e.key for e in assign_keys(items)] == ["g https://x/1"]


def test_html_page_instead_of_feed_points_to_advertised_feed() -> None:
    page = (
        b"<!DOCTYPE html><html><head><link rel='alternate' type='application/rss+xml' "
        b"href='/rss.xml'></head><body>hi</body></html>"
    )
    with pytest.raises(ParseError, match=r"HTML page.*https://site\.example/rss\.xml"):
        parse_feed("https://site.example/news", page)


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"this is not xml at all", "not an RSS or Atom feed"),
        (b'{"version": "1", "items": []}', "not a JSON Feed"),
        (b"{broken json", "not a valid JSON Feed"),
    ],
)
def test_garbage_is_a_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed("https://x.example/feed", body)


@pytest.mark.parametrize("version", ["1.0", "1.1", "https://jsonfeed.org/version/1.1"])
def test_a_json_feed_with_a_bare_version_is_read(version: str) -> None:
    body = json.dumps(
        {"version": version, "title": "T", "items": [{"id": "1", "url": "http://x/a"}]}
    )
    feed = parse_feed("http://x/", body.encode())
    assert feed.format in ("json10", "json11") and len(feed.entries) == 1
    assert bool(feed.warnings) == ("jsonfeed.org" not in version)


@pytest.mark.parametrize("version", ["1", "2", "", "rss"])
def test_a_json_object_that_names_no_json_feed_version_is_refused(version: str) -> None:
    body = json.dumps({"version": version, "items": []})
    with pytest.raises(ParseError, match="not a JSON Feed"):
        parse_feed("http://x/", body.encode())


def test_invalid_utf8_in_a_utf8_feed_is_read_as_windows_1252_not_lost() -> None:
    # "Café" typed in a Windows editor, pasted into a feed that is otherwise UTF-8
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Menú '.encode()
        + b"Caf\xe9</title><item><title>Caf\xe9 \x93noir\x94</title>"
        b"<link>http://x/a</link></item></channel></rss>"
    )
    feed = parse_feed("http://x/", body)
    assert feed.title == "Menú Café"
    assert feed.entries[0].title == "Café \u201cnoir\u201d"
    json_body = (
        b'{"version": "1.1", "items": [{"id": "1", "url": "http://x/a", "title": "Caf\xe9"}]}'
    )
    assert parse_feed("http://x/", json_body).entries[0].title == "Café"
