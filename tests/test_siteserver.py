"""The local test site server (tests/site) and the fixtures it serves (tests/data/site)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.site import DEFAULT_ROOT, RequestRecord, Response, SiteServer, serve

GOLDEN = "/articles/putin-madri-soldati.html"


@pytest.fixture
def site() -> Iterator[SiteServer]:
    yield from serve()


class Reply:
    def __init__(self, resp: http.client.HTTPResponse, body: bytes) -> None:
        self.status = resp.status
        self.headers = {k.lower(): v for k, v in resp.getheaders()}
        self.body = body

    @property
    def text(self) -> str:
        data = self.body
        if self.headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return data.decode("utf-8")


def fetch(
    site: SiteServer,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 5,
) -> Reply:
    """One request on a fresh connection, body read raw (no decompression)."""
    conn = http.client.HTTPConnection(site.host, site.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp, resp.read())
    finally:
        conn.close()


# -- file serving ---------------------------------------------------------------------


def test_serves_article_with_base_replaced(site: SiteServer) -> None:
    r = fetch(site, GOLDEN)
    assert r.status == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "{{BASE}}" not in r.text
    assert f'<link rel="canonical" href="{site.base}{GOLDEN}">' in r.text
    assert int(r.headers["content-length"]) == len(r.body)
    assert site.base.startswith("http://127.0.0.1:") and site.port > 0


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/feeds/it.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/tracking.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/en.atom", "application/atom+xml; charset=utf-8"),
        ("/feeds/de.json", "application/feed+json; charset=utf-8"),
        ("/feeds/mixed.rdf", "application/rdf+xml; charset=utf-8"),
        ("/expected.json", "application/json; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_content_types(site: SiteServer, path: str, ctype: str) -> None:
    r = fetch(site, path)
    assert r.status == 200
    assert r.headers["content-type"] == ctype
    assert "{{BASE}}" not in r.text


def test_head_has_headers_but_no_body(site: SiteServer) -> None:
    get = fetch(site, "/feeds/it.xml")
    head = fetch(site, "/feeds/it.xml", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(get.body))
    assert head.headers["etag"] == get.headers["etag"]


def test_unknown_path_is_404_html(site: SiteServer) -> None:
    r = fetch(site, "/articles/no-such-article.html")
    assert r.status == 404
    assert r.headers["content-type"].startswith("text/html")
    assert b"Not Found" in r.body


def test_no_escape_from_root(site: SiteServer) -> None:
    assert fetch(site, "/../../site/server.py").status == 404
    assert fetch(site, "/%2e%2e/%2e%2e/site/server.py").status == 404


def test_post_to_a_file_is_405(site: SiteServer) -> None:
    r = fetch(site, "/feeds/it.xml", method="POST", body=b"x")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"


# -- conditional requests and compression ---------------------------------------------


def test_etag_if_none_match(site: SiteServer) -> None:
    first = fetch(site, "/feeds/it.xml")
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag)
    again = fetch(site, "/feeds/it.xml", {"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert fetch(site, "/feeds/it.xml", {"If-None-Match": f'"x", W/{etag}'}).status == 304
    assert fetch(site, "/feeds/it.xml", {"If-None-Match": '"other"'}).status == 200


def test_if_modified_since(site: SiteServer) -> None:
    first = fetch(site, "/feeds/en.atom")
    lm = first.headers["last-modified"]
    disk = int((DEFAULT_ROOT / "feeds" / "en.atom").stat().st_mtime)
    assert parsedate_to_datetime(lm).timestamp() == disk
    assert fetch(site, "/feeds/en.atom", {"If-Modified-Since": lm}).status == 304
    older = formatdate(disk - 3600, usegmt=True)
    assert fetch(site, "/feeds/en.atom", {"If-Modified-Since": older}).status == 200
    assert fetch(site, "/feeds/en.atom", {"If-Modified-Since": "garbage"}).status == 200
    # If-None-Match decides when both are sent
    both = {"If-Modified-Since": lm, "If-None-Match": '"stale"'}
    assert fetch(site, "/feeds/en.atom", both).status == 200


def test_gzip_when_accepted(site: SiteServer) -> None:
    plain = fetch(site, GOLDEN)
    zipped = fetch(site, GOLDEN, {"Accept-Encoding": "gzip, deflate, br"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body) / 2
    assert zipped.headers["etag"] == plain.headers["etag"]
    refused = fetch(site, GOLDEN, {"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers


# -- routes ---------------------------------------------------------------------------


def test_route_status_headers_delay(site: SiteServer) -> None:
    site.route("/busy", Response(503, b"busy", {"Retry-After": "120"}, delay=0.2))
    start = time.monotonic()
    r = fetch(site, "/busy")
    assert time.monotonic() - start >= 0.2
    assert (r.status, r.body, r.headers["retry-after"]) == (503, b"busy", "120")
    assert r.headers["content-length"] == "4"


def test_route_handler_sees_the_request(site: SiteServer) -> None:
    seen: list[RequestRecord] = []

    def handler(record: RequestRecord) -> Response:
        seen.append(record)
        return Response.html(f"<p>{record.query['q'][0]}</p>", status=201)

    site.route("/search", handler)
    r = fetch(site, "/search?q=hello", {"X-Test": "1"})
    assert (r.status, r.body) == (201, b"<p>hello</p>")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert seen[0].path == "/search?q=hello" and seen[0].url_path == "/search"
    assert seen[0].headers["x-test"] == "1"


def test_route_with_query_matches_only_that_target(site: SiteServer) -> None:
    site.route("/feeds/it.xml?page=2", Response(410))
    assert fetch(site, "/feeds/it.xml?page=2").status == 410
    assert fetch(site, "/feeds/it.xml?page=3").status == 200
    site.unroute("/feeds/it.xml?page=2")
    assert fetch(site, "/feeds/it.xml?page=2").status == 200


def test_route_over_a_file_and_redirect(site: SiteServer) -> None:
    site.route("/old-feed", Response.redirect("/feeds/it.xml", status=301))
    r = fetch(site, "/old-feed")
    assert (r.status, r.headers["location"]) == (301, "/feeds/it.xml")
    site.route("/feeds/it.xml", lambda rec: replace(site.file_response(rec), delay=0.1))
    start = time.monotonic()
    r = fetch(site, "/feeds/it.xml")
    assert r.status == 200 and time.monotonic() - start >= 0.1
    assert f"{site.base}/articles/" in r.text


def test_trickle_sends_slowly_but_completely(site: SiteServer) -> None:
    site.route("/slow", Response(200, b"x" * 200, trickle=0.02, chunk_size=50))
    start = time.monotonic()
    r = fetch(site, "/slow")
    assert r.body == b"x" * 200
    assert time.monotonic() - start >= 0.06  # three pauses between four chunks


def test_drop_closes_without_answer(site: SiteServer) -> None:
    site.route("/reset", Response(drop=True))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        fetch(site, "/reset")


def test_handler_error_is_500_and_kept(site: SiteServer) -> None:
    def broken(_record: RequestRecord) -> Response:
        raise ValueError("boom")

    site.route("/broken", broken)
    r = fetch(site, "/broken")
    assert r.status == 500 and b"ValueError: boom" in r.body
    assert isinstance(site.errors[0], ValueError)


# -- request log ----------------------------------------------------------------------


def test_requests_are_recorded(site: SiteServer) -> None:
    fetch(site, "/feeds/it.xml?utm_source=x", {"User-Agent": "news-ingest/0.1"})
    fetch(site, "/nope", method="HEAD")
    fetch(site, "/feeds/it.xml")
    assert [(r.method, r.path) for r in site.requests] == [
        ("GET", "/feeds/it.xml?utm_source=x"),
        ("HEAD", "/nope"),
        ("GET", "/feeds/it.xml"),
    ]
    first = site.requests[0]
    assert first.headers["User-Agent"] == first.headers["user-agent"] == "news-ingest/0.1"
    assert "USER-AGENT" in first.headers and first.headers.get("accept-language") is None
    times = [r.time for r in site.requests]
    assert times == sorted(times) and times[-1] <= time.monotonic()
    assert len(site.requests_for("/feeds/it.xml")) == 2
    assert len(site.requests_for("/feeds/it.xml?utm_source=x")) == 1
    site.clear_requests()
    assert site.requests == []


def test_concurrent_requests_all_recorded(site: SiteServer) -> None:
    site.route("/wait", Response(200, b"ok", delay=0.2))
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(fetch(site, "/wait").status))
        for _ in range(8)
    ]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 8
    assert time.monotonic() - start < 1.5  # served in parallel, not one after another
    assert len(site.requests_for("/wait")) == 8


# -- runtime changes ------------------------------------------------------------------


def test_set_file_changes_content_and_validators(site: SiteServer) -> None:
    before = fetch(site, "/feeds/it.xml")
    original = site.render("/feeds/it.xml")
    item = (
        "<item><title>Nuovo articolo</title><link>{{BASE}}/articles/nuovo.html</link>"
        "<guid>nuovo-1</guid></item>\n    <item>"
    )
    site.set_file("/feeds/it.xml", original.replace("<item>", item, 1))
    after = fetch(site, "/feeds/it.xml", {"If-None-Match": before.headers["etag"]})
    assert after.status == 200
    assert f"<link>{site.base}/articles/nuovo.html</link>" in after.text
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["content-type"] == "application/rss+xml; charset=utf-8"
    old_lm = parsedate_to_datetime(before.headers["last-modified"])
    assert parsedate_to_datetime(after.headers["last-modified"]) > old_lm
    ims = {"If-Modified-Since": before.headers["last-modified"]}
    assert fetch(site, "/feeds/it.xml", ims).status == 200
    assert fetch(site, "/feeds/it.xml", {"If-None-Match": after.headers["etag"]}).status == 304

    site.set_file("/feeds/it.xml", "<rss/>")  # same second: Last-Modified still moves on
    newer = fetch(site, "/feeds/it.xml")
    assert parsedate_to_datetime(newer.headers["last-modified"]) > parsedate_to_datetime(
        after.headers["last-modified"]
    )

    site.reset_file("/feeds/it.xml")
    assert fetch(site, "/feeds/it.xml").body == before.body
    site.delete_file("/feeds/it.xml")
    assert fetch(site, "/feeds/it.xml").status == 404


def test_set_file_adds_new_paths(site: SiteServer) -> None:
    site.set_file("articles/new.html", "<a href='{{BASE}}/x'>x</a>", last_modified=1_000_000)
    r = fetch(site, "/articles/new.html")
    assert r.status == 200 and r.text == f"<a href='{site.base}/x'>x</a>"
    assert r.headers["last-modified"] == formatdate(1_000_000, usegmt=True)
    site.set_file("/feed", b"{}", content_type="application/feed+json")
    assert fetch(site, "/feed").headers["content-type"] == "application/feed+json"


# -- lifecycle ------------------------------------------------------------------------


def test_stop_does_not_wait_for_slow_handlers() -> None:
    server = SiteServer().start()
    server.route("/hang", Response(200, b"late", delay=30))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            fetch(server, "/hang", timeout=10)
        except BaseException as exc:  # noqa: BLE001 - any outcome but a hang is fine
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    deadline = time.monotonic() + 5
    while not server.requests_for("/hang") and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    server.stop()
    t.join(timeout=5)
    assert not t.is_alive()
    assert time.monotonic() - start < 3
    server.stop()  # idempotent
    with pytest.raises(RuntimeError):
        server.start()


def test_context_manager_and_other_root(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("base={{BASE}}", encoding="utf-8")
    with SiteServer(tmp_path) as other:
        r = fetch(other, "/hello.txt")
        assert r.text == f"base={other.base}"
        assert r.headers["content-type"] == "text/plain; charset=utf-8"
    with pytest.raises(OSError):
        fetch(other, "/hello.txt", timeout=1)


# -- the fixtures themselves ----------------------------------------------------------


def _feed_links(site: SiteServer, name: str) -> list[str]:
    text = site.render(f"/feeds/{name}")
    if name.endswith(".json"):
        return [item["url"] for item in json.loads(text)["items"]]
    root = ET.fromstring(text)
    if name.endswith(".atom"):
        ns = {"a": "http://www.w3.org/2005/Atom"}
        return [e.attrib["href"] for e in root.findall("a:entry/a:link[@rel='alternate']", ns)]
    if name.endswith(".rdf"):
        rss1 = "{http://purl.org/rss/1.0/}"
        return [e.text or "" for e in root.findall(f"{rss1}item/{rss1}link")]
    return [e.text or "" for e in root.findall("channel/item/link")]


def test_expected_json_matches_pages_and_feeds(site: SiteServer) -> None:
    expected = site.expected()
    assert len(expected) >= 12
    assert {e["language"] for e in expected.values()} == {"it", "en", "de"}
    links = {
        name: _feed_links(site, name)
        for name in ("it.xml", "en.atom", "de.json", "mixed.rdf", "tracking.xml")
    }
    for slug, e in expected.items():
        page = site.render(f"/articles/{slug}.html")
        assert 15_000 <= len(page.encode()) <= 60_000, slug
        assert f'<html lang="{e["language"]}' in page, slug
        assert f'<link rel="canonical" href="{e["url"]}">' in page, slug
        assert f'content="{e["published"]}"' in page, slug
        assert e["published"][:7] == e["month"], slug
        assert "NewsArticle" in page and "og:description" in page, slug
        for feed, urls in links.items():
            listed = any(u.split("?")[0] == e["url"] for u in urls)
            assert listed == (feed in e["feeds"]), (slug, feed)
    assert all("utm_source=x&utm_medium=rss" in u for u in links["tracking.xml"])
    assert len(links["tracking.xml"]) == 2


def test_golden_page_carries_the_sample_exactly(site: SiteServer) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    lead, body = lines[1], [p.strip("\n") for p in lines[2:]]
    page = site.render(GOLDEN)
    e = site.expected()["putin-madri-soldati"]
    assert e["lead"] == lead
    assert f'<meta name="description" content="{lead.replace(chr(34), "&quot;")}">' in page
    assert f'<p class="article-subtitle">{lead}</p>' in page
    title = 'Vladimir Putin parla alle madri dei soldati in guerra: "Non credete a quello'
    assert f'<h1 class="article-title">{title} che vedete in tv"</h1>' in page
    heads = (
        "Previsto un incontro tra Russia e Kazakistan",
        "Mosca continua a bombardare l’Ucraina",
    )
    for para in body:
        tag = "h2" if para in heads else "p"
        assert f"<{tag}>{para}</{tag}>" in page
    assert "entrambe le parti“.</p>" in page
    feed = site.render("/feeds/it.xml")
    assert f"<description>{lead}</description>" in feed
    assert "<pubDate>Fri, 25 Nov 2022 10:30:00 +0100</pubDate>" in feed
