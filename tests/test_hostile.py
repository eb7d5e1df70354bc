"""Hostile input, end to end: the real `ingest poll` against a local site full of traps.

One poll (module fixture) runs every hostile feed next to a good one, with small caps and
a 2 s deadline, while the resident memory of the whole process tree is sampled; each test
then checks one case in the log, in the feed's status row and in what was stored. Cases
that need several polls (changing GUIDs, a 10,000-item feed) have their own test.
"""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.config import load_config
from ingest.pipeline.runtime import open_store
from storage import document
from tests.hostile_site import (
    GIB,
    Run,
    feeds_yaml,
    item,
    rss,
    run_measured,
    serve_pages,
)
from tests.site.server import RequestRecord, Response, SiteServer

DATA = Path(__file__).parent / "data"
LOOPBACK = ["127.0.0.1/32"]
XML = {"Content-Type": "application/rss+xml"}
SECRET = "TOP-SECRET-LOCAL-FILE-7f3a"
SETTINGS: dict[str, Any] = {
    "allow_addresses": [],  # every feed opts in itself: per-feed allow_addresses
    "timeout": "2s",
    "max_feed_bytes": "2MB",
    "max_page_bytes": "500KB",
    "max_redirects": 3,
    "per_host": 32,  # all feeds share 127.0.0.1: slow ones must not queue the others
    "concurrency": 32,
    "max_pages_per_poll": 50,
    # Parsing runs in the process pool, as by default: with `workers: 1` it runs in a
    # thread of the fetching process, and feedparser's regexes over a 1 MB line hold the
    # GIL for seconds, starving the event loop until other feeds hit their deadline.
    "workers": 2,
}


def billion_laughs(site: SiteServer) -> bytes:
    # The DOCTYPE comes after a comment holding "<a": feedparser's own DOCTYPE scrubbing
    # reads only the text before the first "<name", so this one used to reach expat whole.
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    prolog = f'\n<!-- <a -->\n<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n{levels}]>\n'
    items = [item("Laughs &lol9;", site.url("/page?n=20"), "l1", description="&lol9;", raw=True)]
    return rss(items, prolog=prolog).encode()


def quadratic_blowup(site: SiteServer) -> bytes:
    # One "safe" (un-nested) 20 KB entity referenced 20,000 times: 400 MB if expanded.
    prolog = f'\n<!DOCTYPE rss [\n<!ENTITY big "{"A" * 20_000}">\n]>\n'
    items = [item("Quadratic", site.url("/page?n=21"), "q1", description="&big;" * 20_000,
                  raw=True)]  # fmt: skip
    return rss(items, prolog=prolog).encode()


def xxe(site: SiteServer, secret_file: Path) -> bytes:
    prolog = (
        f'\n<!-- <a -->\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{secret_file}">\n'
        f'<!ENTITY % remote SYSTEM "{site.url("/evil.dtd")}">\n%remote;\n]>\n'
    )
    items = [item("Leak &xxe;", site.url("/page?n=22"), "x1", description="&xxe;", raw=True)]
    return rss(items, prolog=prolog).encode()


ENCODED_TITLES = {
    "enc-bom": "Café “quoted” Über €",
    "enc-cp1252": "Café “quoted” Über €",
    "enc-latin1": "Café Über ñandú",
    "enc-prolog": "Café “quoted” Über €",
    "enc-invalid": "Café invalid bytes",
}


def encoded_feeds(site: SiteServer) -> dict[str, bytes]:
    def body(name: str, n: int) -> str:
        return rss([item(ENCODED_TITLES[name], site.url(f"/page?n={n}"), f"{name}-1")])

    return {
        "enc-bom": b"\xef\xbb\xbf" + body("enc-bom", 40).encode(),
        # windows-1252 and ISO-8859-1 bytes under a prolog that says UTF-8
        "enc-cp1252": body("enc-cp1252", 41).encode("cp1252"),
        "enc-latin1": body("enc-latin1", 42).encode("latin-1"),
        # UTF-8 bytes under a prolog that says ISO-8859-1
        "enc-prolog": body("enc-prolog", 43).replace("utf-8", "iso-8859-1").encode(),
        # UTF-8 with stray invalid bytes in the title
        "enc-invalid": body("enc-invalid", 44).encode().replace(b"invalid", b"inv\xff\xfealid\x80"),
    }


def entries_feed(site: SiteServer) -> bytes:
    items = [
        item(None, None, "no-link", description="An entry with neither link nor title."),
        item(None, site.url("/page?n=50"), "no-title"),
        item("Same guid one", site.url("/page?n=51"), "dup"),
        item("Same guid two", site.url("/page?n=52"), "dup"),
        item(
            "From the far future",
            site.url("/page?n=53"),
            "future",
            date="Fri, 01 Jan 2100 00:00:00 +0000",
        ),  # fmt: skip
        item("From 1970", site.url("/page?n=54"), "epoch", date="Thu, 01 Jan 1970 00:00:00 +0000"),
        item(
            "Con\x01trol\x07 chars\x1b and NUL",
            site.url("/page?n=55"),
            "ctrl",
            description="Lead\x00 with\x0b controls\u2028here.",
        ),  # fmt: skip
        item(
            "One very long line " + "x" * 1_000_000,
            site.url("/page?n=56"),
            "long",
            description="y " * 300_000,
        ),  # fmt: skip
    ]
    # Control characters are not allowed in XML at all: the loose parser reads them.
    return rss(items).encode()


def ssrf_feed(site: SiteServer) -> bytes:
    port = site.port
    links = {
        "js": "javascript:alert(1)",
        "data": "data:text/html,<h1>x</h1>",
        "file": "file:///etc/passwd",
        "ftp": "ftp://example.org/file.txt",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "private": "http://10.0.0.1/admin",
        "v6-loopback": f"http://[::1]:{port}/internal",
        "other-loopback": f"http://127.0.0.2:{port}/internal",
        "decimal-name": f"http://2130706434:{port}/internal",  # resolves to 127.0.0.2
        "redirect": site.url("/to-internal"),
        "ok": site.url("/page?n=60"),
    }
    return rss([item(f"SSRF {k}", v, f"ssrf-{k}") for k, v in links.items()]).encode()


def build_site(site: SiteServer, secret_file: Path) -> list[dict[str, Any]]:
    """Routes for every hostile feed; returns the feeds.yaml entries."""
    serve_pages(site)
    site.route("/good.xml", Response(200, rss([
        item("Good one", site.url("/page?n=1"), "g1"),
        item("Good two", site.url("/page?n=2"), "g2"),
    ]).encode(), {"Content-Type": "application/rss+xml"}))  # fmt: skip
    xml = {"Content-Type": "application/rss+xml"}
    site.route("/laughs.xml", Response(200, billion_laughs(site), xml))
    site.route("/quadratic.xml", Response(200, quadratic_blowup(site), xml))
    site.route("/xxe.xml", Response(200, xxe(site, secret_file), xml))
    site.route("/evil.dtd", Response(200, f'<!ENTITY leak "{SECRET}">'.encode()))
    site.route("/big.xml", Response(200, b"<rss>" + b" " * 3_000_000 + b"</rss>", xml))
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB that packs to ~50 KB
    site.route("/gzip-bomb.xml", Response(200, bomb, {**xml, "Content-Encoding": "gzip"}))
    # 3 KB that decode to 4 GiB: httpx would decode the one chunk whole, before any cap
    br_bomb = (DATA / "bombs" / "4gib-of-a.br").read_bytes()
    site.route("/brotli-bomb.html", Response(200, br_bomb, {"Content-Encoding": "br"}))
    site.route("/brotli-bomb.xml", Response(200, rss([
        item("Brotli bomb page", site.url("/brotli-bomb.html"), "b1")]).encode(), xml))  # fmt: skip
    site.route("/trickle.xml", Response(200, rss([]).encode() * 20, xml, trickle=0.2,
                                        chunk_size=16))  # fmt: skip
    site.route("/silent.xml", Response(200, b"<rss/>", xml, delay=60))
    site.route("/loop.xml", Response.redirect("/loop.xml"))
    for n in range(10):
        site.route(f"/chain/{n}", Response.redirect(f"/chain/{n + 1}", 301))
    site.route("/chain/10", Response(200, rss([]).encode(), xml))
    home = (
        "<!DOCTYPE html><html><head><title>Home</title><link rel='alternate' "
        "type='application/rss+xml' href='/good.xml'></head><body>Hi</body></html>"
    )
    site.route("/home.html", Response.html(home))
    site.route("/moved.xml", Response.redirect("/home.html", 301))
    site.route("/plain.html", Response.html("<html><body><p>No feed here.</p></body></html>"))
    site.route("/empty.xml", Response(200, b"", xml))
    for status in (404, 410, 500, 503):
        site.route(f"/status-{status}.xml", Response(status, b"nope"))
    site.route("/status-429.xml", Response(429, b"slow down", {"Retry-After": "120"}))
    for name, body in encoded_feeds(site).items():
        site.route(f"/{name}.xml", Response(200, body, xml))
    site.route("/entries.xml", Response(200, entries_feed(site), xml))
    site.route("/ssrf.xml", Response(200, ssrf_feed(site), xml))
    site.route("/to-internal", Response.redirect(f"http://127.0.0.2:{site.port}/internal"))
    site.route("/internal", Response(200, b"internal secret"))
    names = [
        "good", "laughs", "quadratic", "xxe", "big", "gzip-bomb", "brotli-bomb", "trickle",
        "silent", "loop", "moved", "empty", "status-404", "status-410", "status-500",
        "status-503", "status-429", *ENCODED_TITLES, "entries", "ssrf",
    ]  # fmt: skip
    feeds = [{"name": n, "url": site.url(f"/{n}.xml"), "allow_addresses": LOOPBACK, "dedup": False}
             for n in names]  # fmt: skip
    feeds += [
        {"name": "chain", "url": site.url("/chain/0"), "allow_addresses": LOOPBACK},
        {"name": "html", "url": site.url("/plain.html"), "allow_addresses": LOOPBACK},
        # the same good feed without the opt-in: the guard refuses loopback for it
        {"name": "no-opt-in", "url": site.url("/good.xml")},
    ]
    return feeds


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with SiteServer() as server:
        yield server


@pytest.fixture(scope="module")
def hostile(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("hostile")
    secret_file = folder / "secret.txt"
    secret_file.write_text(SECRET)
    feeds_yaml(folder, build_site(site, secret_file), **SETTINGS)
    run = run_measured("poll", cwd=folder)
    store = open_store(load_config(folder / "feeds.yaml"))
    try:
        states = store.feed_states()
        articles = store.latest(1000)
        by_feed: dict[str, list[Any]] = {}
        for a in articles:
            by_feed.setdefault(a.feed, []).append(a)
        texts = {a.id: store.path_of(a).read_text("utf-8") for a in articles}
    finally:
        store.close()
    with sqlite3.connect(folder / "store" / "ingest.db") as db:
        skips = {(f, k): (r, d, p) for f, k, r, d, p in db.execute(
            "SELECT feed, entry_key, reason, detail, permanent FROM skipped_entries")}  # fmt: skip
    return {"folder": folder, "run": run, "states": states, "by_feed": by_feed,
            "texts": texts, "skips": skips}  # fmt: skip


def state(hostile: dict[str, Any], name: str) -> Any:
    return hostile["states"][name]


def assert_failed(hostile: dict[str, Any], name: str, reason: str, status: str = "error") -> None:
    st = state(hostile, name)
    lines = [ln for ln in hostile["run"].stderr.splitlines() if f"feed={name} " in ln]
    assert st.last_status == status, (name, st.last_status, st.last_error, lines)
    assert st.error_count == 1 and reason in (st.last_error or ""), (name, st.last_error, lines)
    assert f"feed={name} status={status}" in hostile["run"].stderr
    failed = hostile["run"].stdout.split(" failed (", 1)[1].split(")", 1)[0].split(", ")
    assert name in failed, hostile["run"].stdout
    assert not hostile["by_feed"].get(name)


# -- every case: bounded, reported, the others unharmed ---------------------------------


def test_the_run_finishes_and_the_good_feed_is_ingested(hostile: dict[str, Any]) -> None:
    run: Run = hostile["run"]
    assert run.returncode == 1, run.stderr[-3000:]  # 1: some feeds failed, as they should
    assert "Traceback" not in run.stderr and "CRITICAL" not in run.stderr
    assert state(hostile, "good").last_status == "ok"
    assert len(hostile["by_feed"]["good"]) == 2
    for text in hostile["texts"].values():
        assert document.render(document.parse(text)) == text


def test_memory_of_the_whole_process_tree_stays_under_1_gb(hostile: dict[str, Any]) -> None:
    run: Run = hostile["run"]
    assert run.samples > 5 and run.peak_rss > 10_000_000  # the sampler did see the process
    assert run.peak_rss < GIB, f"peak RSS {run.peak_rss / 2**20:.0f} MiB"


# -- XML entities ----------------------------------------------------------------------


def _stored_text(hostile: dict[str, Any]) -> str:
    titles = [a.title + (a.lead or "") + a.body for v in hostile["by_feed"].values() for a in v]
    return "\n".join([*titles, *hostile["texts"].values()])


def test_billion_laughs_is_not_expanded(hostile: dict[str, Any]) -> None:
    [article] = hostile["by_feed"]["laughs"]
    assert "lollol" not in _stored_text(hostile)
    assert article.title == "Laughs &lol9;"  # the reference stays literal text
    assert "feed=laughs" in hostile["run"].stderr and "entity declarations ignored" in (
        hostile["run"].stderr
    )


def test_quadratic_blowup_is_not_expanded(hostile: dict[str, Any]) -> None:
    [article] = hostile["by_feed"]["quadratic"]
    assert "AAAAAAAAAA" not in _stored_text(hostile)
    assert article.title == "Quadratic"


def test_external_entities_are_never_read(hostile: dict[str, Any], site: SiteServer) -> None:
    [article] = hostile["by_feed"]["xxe"]
    assert SECRET not in _stored_text(hostile)
    assert article.title == "Leak &xxe;"
    assert not site.requests_for("/evil.dtd")  # the external DTD was not fetched either


# -- oversized responses -----------------------------------------------------------------


def test_oversized_feed_is_cut_off(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "big", "exceeds the cap of 2000000")


def test_gzip_bomb_is_stopped_by_the_decoded_size_cap(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "gzip-bomb", "exceeds the cap of 2000000")


def test_brotli_bomb_page_is_stopped_and_recorded(hostile: dict[str, Any]) -> None:
    assert state(hostile, "brotli-bomb").last_status == "ok"
    reason, detail, _permanent = hostile["skips"][("brotli-bomb", "b1")]
    assert reason == "page:fetch_failed" and "exceeds the cap of 500000" in detail


# -- slow servers -----------------------------------------------------------------------


def test_trickling_server_is_cut_off_by_the_total_deadline(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "trickle", "no complete response within 2s")


def test_server_that_never_answers_is_cut_off(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "silent", "within 2s")


# -- redirects, HTML, empty, statuses ---------------------------------------------------


def test_redirect_loop_is_stopped(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "loop", "more than 3 redirects")


def test_long_redirect_chain_is_stopped(hostile: dict[str, Any], site: SiteServer) -> None:
    assert_failed(hostile, "chain", "more than 3 redirects")
    assert not site.requests_for("/chain/5")


def test_feed_redirected_to_html_points_to_the_advertised_feed(
    hostile: dict[str, Any], site: SiteServer
) -> None:
    assert_failed(hostile, "moved", f"advertises a feed at {site.url('/good.xml')}")


def test_html_instead_of_feed_is_named(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "html", "got an HTML page, not a feed (and the page advertises no")


def test_empty_200_is_an_error(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "empty", "empty response")


@pytest.mark.parametrize(
    "status, last_status", [(404, "error"), (410, "gone"), (500, "error"), (503, "error")]
)
def test_error_statuses_are_recorded(
    hostile: dict[str, Any], status: int, last_status: str
) -> None:
    assert_failed(hostile, f"status-{status}", f"HTTP {status}", last_status)
    assert state(hostile, f"status-{status}").last_http_status == status


def test_429_with_retry_after(hostile: dict[str, Any]) -> None:
    assert_failed(hostile, "status-429", "HTTP 429")
    assert "feed=status-429 status=error http=429" in hostile["run"].stderr


# -- encodings --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ENCODED_TITLES))
def test_encodings_come_out_readable(hostile: dict[str, Any], name: str) -> None:
    [article] = hostile["by_feed"][name]
    want = ENCODED_TITLES[name]
    if name == "enc-invalid":
        # the good letters survive; each invalid byte is read as Windows-1252 (the usual
        # source of stray bytes in UTF-8 text) rather than lost to U+FFFD
        assert article.title == "Café invÿþalid€ bytes"
    else:
        assert article.title == want
    assert "Ã" not in article.title  # no mojibake


# -- links that are not http(s) or lead to non-public addresses (SSRF) -------------------


def test_non_http_links_are_refused(hostile: dict[str, Any]) -> None:
    for key in ("js", "data", "file", "ftp"):
        reason, detail, permanent = hostile["skips"][("ssrf", f"ssrf-{key}")]
        assert (reason, permanent) == ("no_link", 1), key
        assert "no usable http(s) link" in detail


@pytest.mark.parametrize(
    "key, why",
    [
        ("metadata", "169.254.169.254, a link-local address"),
        ("private", "10.0.0.1, a private address"),
        ("v6-loopback", "::1, a loopback address"),
        ("other-loopback", "127.0.0.2, a loopback address"),
        ("decimal-name", "2130706434 resolves to 127.0.0.2, a loopback address"),
        ("redirect", "127.0.0.2, a loopback address"),  # refused at the redirect's hop
    ],
)
def test_non_public_addresses_are_refused(hostile: dict[str, Any], key: str, why: str) -> None:
    reason, detail, permanent = hostile["skips"][("ssrf", f"ssrf-{key}")]
    assert (reason, permanent) == ("page:blocked_address", 1)
    assert why in detail and "allow_addresses" in detail


def test_only_the_opted_in_feeds_reach_loopback(hostile: dict[str, Any], site: SiteServer) -> None:
    assert [a.url for a in hostile["by_feed"]["ssrf"]] == [site.url("/page?n=60")]
    assert not site.requests_for("/internal")
    assert_failed(hostile, "no-opt-in", "127.0.0.1, a loopback address")


# -- odd entries ------------------------------------------------------------------------


def _entry(hostile: dict[str, Any], guid: str) -> Any:
    hits = [a for a in hostile["by_feed"]["entries"] if f"n={guid}" in a.url]
    assert len(hits) == 1, guid
    return hits[0]


def test_entry_without_link_is_skipped_with_a_reason(hostile: dict[str, Any]) -> None:
    reason, _detail, _p = hostile["skips"][("entries", "no-link")]
    assert reason == "no_link"


def test_entry_without_title_takes_the_page_title(hostile: dict[str, Any]) -> None:
    assert _entry(hostile, "50").title == "Story number 50"


def test_duplicate_guids_keep_both_items(hostile: dict[str, Any]) -> None:
    assert {_entry(hostile, "51").title, _entry(hostile, "52").title} == {
        "Same guid one", "Same guid two"}  # fmt: skip


@pytest.mark.parametrize("n", ["53", "54"])
def test_implausible_dates_fall_back_to_the_fetch_time(hostile: dict[str, Any], n: str) -> None:
    article = _entry(hostile, n)
    assert article.date_inferred and 2024 <= article.published.year < 2100


def test_control_characters_and_nul_are_cleaned(hostile: dict[str, Any]) -> None:
    article = _entry(hostile, "55")
    assert article.title == "Con trol chars and NUL"
    text = hostile["texts"][article.id]
    assert not any(ord(c) < 32 and c != "\n" for c in text)


def test_a_one_megabyte_line_is_stored_and_the_title_cut(hostile: dict[str, Any]) -> None:
    article = _entry(hostile, "56")
    first_line = hostile["texts"][article.id].split("\n")[0]
    assert first_line.startswith(" date ") and len(first_line) <= 100
    assert article.lead is None  # a 1 MB description is no lead


# -- cases that need more than one poll ---------------------------------------------------


def test_guids_that_change_on_every_poll_store_nothing_twice(tmp_path: Path) -> None:
    with SiteServer() as site:
        serve_pages(site)
        polls = iter(range(100))

        def feed(_r: RequestRecord) -> Response:
            n = next(polls)  # a fresh GUID for the same links at every request
            items = [item(f"Story {i}", site.url(f"/page?n={i}"), f"g{i}-{n}") for i in (1, 2)]
            return Response(200, rss(items).encode(), {"Content-Type": "application/rss+xml"})

        site.route("/feed.xml", feed)
        feeds_yaml(tmp_path, [{"name": "f", "url": site.url("/feed.xml")}])
        for _ in range(3):
            result = CliRunner().invoke(main, ["poll", "--config", str(tmp_path / "feeds.yaml")])
            assert result.exit_code == 0, result.output
        assert len(site.requests_for("/page")) == 2  # pages fetched once, on the first poll
    store = open_store(load_config(tmp_path / "feeds.yaml"))
    try:
        articles = store.latest(10)
        assert len(articles) == 2
        assert all(len(store.sources(a.id)) == 3 for a in articles)  # one per poll's GUID
    finally:
        store.close()


@pytest.mark.slow
def test_ten_thousand_items_parse_in_bounded_memory_and_pages_are_capped(tmp_path: Path) -> None:
    total, cap = 10_000, 25
    with SiteServer() as site:
        serve_pages(site)
        items = [item(f"Item {i}", site.url(f"/page?n={i}"), f"i{i}") for i in range(total)]
        site.route("/big-feed.xml", Response(200, rss(items).encode(), XML))
        feeds_yaml(tmp_path, [{"name": "long", "url": site.url("/big-feed.xml"), "dedup": False}],
                   max_pages_per_poll=cap)  # fmt: skip
        run = run_measured("poll", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        pages = sorted(int(r.query["n"][0]) for r in site.requests_for("/page"))
    assert pages == list(range(cap))  # the first `cap` items, in feed order, no more
    assert f"{total - cap} left for the next poll" in run.stdout
    assert run.peak_rss < GIB


def test_items_left_over_drain_on_later_polls(tmp_path: Path) -> None:
    total, cap = 50, 20
    with SiteServer() as site:
        serve_pages(site)
        items = [item(f"Item {i}", site.url(f"/page?n={i}"), f"i{i}") for i in range(total)]
        site.route("/feed.xml", Response(200, rss(items).encode(), {**XML, "ETag": '"v1"'}))
        config = feeds_yaml(tmp_path, [{"name": "f", "url": site.url("/feed.xml"),
                                        "dedup": False}], max_pages_per_poll=cap)  # fmt: skip
        pending = []
        for _ in range(3):
            result = CliRunner().invoke(main, ["poll", "--config", str(config)])
            assert result.exit_code == 0, result.output
            store = open_store(load_config(config))
            try:
                feed = store.feed_state("f")
                assert feed is not None
                pending.append((store.count_articles(), feed.pending_entries, feed.etag))
            finally:
                store.close()
        pages = sorted(int(r.query["n"][0]) for r in site.requests_for("/page"))
        conditional = [r.headers.get("If-None-Match") for r in site.requests_for("/feed.xml")]
    # 20, 20, then the last 10: each page fetched once; the validators are kept only when
    # nothing is left over, so a poll with items pending is never answered 304
    assert pending == [(20, 30, None), (40, 10, None), (50, 0, '"v1"')]
    assert pages == list(range(total))
    assert conditional == [None, None, None]
