"""Fuzzing the feed parser: whatever bytes come in, the answer is FeedData or ParseError.

Rendering is fuzzed in tests/test_document.py (any document renders, parses back and
renders to the same text); here the entries a hostile feed yields are also pushed
through that format, so what the parser lets through can always be stored.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.core.errors import ParseError
from ingest.core.text import clean_text
from ingest.core.types import FeedData
from ingest.feeds import parse_feed
from storage import document

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real feeds, so the fuzzer reaches past "not XML" into the parsers.
FRAGMENTS = [
    b'<?xml version="1.0" encoding="utf-8"?>', b'<?xml version="1.0" encoding="latin-1"?>',
    b"\xef\xbb\xbf", b'<rss version="2.0">', b"<channel>", b"</channel>", b"</rss>",
    b"<item>", b"</item>", b"<title>", b"</title>", b"<link>", b"</link>", b"<guid>",
    b"</guid>", b"<pubDate>", b"</pubDate>", b"<description>", b"</description>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">', b"<entry>", b"</entry>", b"</feed>",
    b"<![CDATA[", b"]]>", b"&amp;", b"&lol;", b"&#0;", b"&#x110000;", b"<!DOCTYPE rss [",
    b'<!ENTITY lol "lol">', b'<!ENTITY x SYSTEM "file:///etc/passwd">', b"]>", b"<!--", b"-->",
    b"http://example.org/a", b"javascript:alert(1)", b"Mon, 06 May 2024 10:00:00 +0000",
    b"9999-99-99T99:99:99Z", b"\x00", b"\xff\xfe", b"\xc3\xa9", b"\x80", b"<html>",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [', b'{"url": 5, "id": null}',
    b"]}", b"{", b"[",
]  # fmt: skip
feedish = st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=20), max_size=40).map(b"".join)


def parse_or_refuse(body: bytes) -> FeedData | None:
    try:
        return parse_feed("https://fuzz.example/feed", body)
    except ParseError:
        return None


def check(feed: FeedData | None) -> None:
    if feed is None:
        return
    for entry in feed.entries:
        assert entry.key  # every entry has an identity
        title = clean_text(entry.title or "") or "untitled"
        text = document.render(document.Document("2024-05", title, entry.summary, ()))
        assert document.render(document.parse(text)) == text


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_feed_or_a_parse_error(body: bytes) -> None:
    check(parse_or_refuse(body))


@FUZZ
@given(feedish)
def test_feed_shaped_bytes_give_a_feed_or_a_parse_error(body: bytes) -> None:
    check(parse_or_refuse(body))
