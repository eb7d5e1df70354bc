"""OPML in and out: real-world-shaped lists, merging without duplicates, round trips."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ingest import cli
from ingest.config import FeedSpec, load_config
from ingest.core.errors import ParseError
from ingest.sources.opml import export_opml, parse_opml

OPML = Path(__file__).resolve().parent / "data" / "opml"

CONFIG = """\
# My feeds
settings:
  allow_addresses: ["127.0.0.1/32"]

feeds:
  - name: Il Post
    url: https://www.ilpost.it/feed/   # already here before the import
    tags: [italy]
  - name: gazzetta
    url: https://www.gazzetta.it/rss/home.xml
    tags: [sport, italy]
    enabled: false
  - name: plain
    url: https://plain.example.com/atom.xml
# end
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG, "utf-8")
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli.main, ["feeds", *args, "--config", str(config)])


def test_reader_export_with_folders_missing_titles_and_duplicates(config: Path) -> None:
    result = run(config, "import", str(OPML / "feedly.opml"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added ars-technica: https://feeds.arstechnica.com/arstechnica/index",
        "added planet-python: https://planetpython.org/rss20.xml",
        "added example-org-blog-feed: https://example.org/blog/feed/",
        "added untitled-example-net-rss-xml: http://untitled.example.net/rss.xml",
        "skipped https://www.ilpost.it/feed/: already in feeds.yaml as 'Il Post'",
        "skipped https://www.ilpost.it/feed/?utm_source=reader: already in feeds.yaml as 'Il Post'",
        "skipped ftp://files.example.com/feed.xml: not an http(s) URL",
        "skipped https://lists.example.com/list.opml: a link to another subscription list",
        "skipped https://site-only.example.com/: a site link without xmlUrl",
        "skipped https://feeds.arstechnica.com/arstechnica/index: listed 2 times in the file "
        "(imported once, with the tags of each)",
        "4 added, 6 skipped",
    ]
    feeds = {f.name: f for f in load_config(config).feeds}
    # The same feed in two folders is added once, with both folders as tags.
    assert feeds["ars-technica"].tags == ["Tech", "News"]
    assert feeds["planet-python"].tags == ["Tech", "Python"]
    assert feeds["untitled-example-net-rss-xml"].tags == []
    text = config.read_text("utf-8")
    assert text.startswith(CONFIG.removesuffix("# end\n"))
    assert text.endswith("    tags: [Tech, Python]\n  - name: untitled-example-net-rss-xml\n"
                         "    url: http://untitled.example.net/rss.xml\n# end\n")  # fmt: skip
    assert (config.parent / "feeds.yaml.bak").read_text("utf-8") == CONFIG


def test_opml_2_with_category_attributes_and_latin1(config: Path) -> None:
    result = run(config, "import", str(OPML / "categories20.opml"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would add cafe-babel: http://cafebabel.example.com/rss" in result.output
    assert config.read_text("utf-8") == CONFIG  # a dry run writes nothing
    assert run(config, "import", str(OPML / "categories20.opml")).exit_code == 0
    feeds = {f.name: f for f in load_config(config).feeds}
    assert feeds["cnet-news-com"].tags == ["Tech", "Business"]
    assert feeds["washingtonpost-com-politics"].url == (
        "http://www.washingtonpost.com/wp-srv/politics/rssheadlines.xml"
    )


def test_importing_twice_adds_nothing_the_second_time(config: Path) -> None:
    assert run(config, "import", str(OPML / "feedly.opml")).exit_code == 0
    after_first = config.read_text("utf-8")
    result = run(config, "import", str(OPML / "feedly.opml"))
    assert result.exit_code == 0
    assert result.output.endswith("0 added, 9 skipped\n")
    assert config.read_text("utf-8") == after_first


def test_export_then_import_is_a_no_op(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.opml"
    assert run(config, "export", str(out)).exit_code == 0
    result = run(config, "import", str(out))
    assert result.exit_code == 0
    assert result.output.endswith("0 added, 3 skipped\n")
    assert config.read_text("utf-8") == CONFIG
    assert not (tmp_path / "feeds.yaml.bak").exists()  # nothing to write, nothing written


def test_export_imported_into_an_empty_file_gives_the_same_feeds(
    config: Path, tmp_path: Path
) -> None:
    exported = run(config, "export")  # to standard output
    assert exported.exit_code == 0
    (tmp_path / "out.opml").write_text(exported.output, "utf-8")
    empty = tmp_path / "empty.yaml"
    empty.write_text("feeds:\n", "utf-8")
    assert run(empty, "import", str(tmp_path / "out.opml")).exit_code == 0
    before = [(f.url, f.tags) for f in load_config(config).feeds]
    after = [(f.url, f.tags) for f in load_config(empty).feeds]
    assert sorted(after) == sorted(before)


def test_export_is_valid_opml_2() -> None:
    feeds = [
        FeedSpec(name="a & b", url="https://x.example/?a=1&b=2", tags=["tech", "python"]),
        FeedSpec(name="sport", url="https://s.example/rss", tags=["sport"]),
        FeedSpec(name="loose", url="https://l.example/feed"),
        FeedSpec(name="other", url="https://o.example/feed", tags=["tech"]),
    ]
    text = export_opml(feeds, datetime(2025, 11, 25, 8, 30, tzinfo=UTC))
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "news-ingest feeds"
    assert root.findtext("head/dateCreated") == "Tue, 25 Nov 2025 08:30:00 +0000"
    folders = root.findall("body/outline[@text='tech']")
    assert len(folders) == 1
    inside = folders[0].findall("outline")
    assert [o.get("xmlUrl") for o in inside] == ["https://x.example/?a=1&b=2",
                                                 "https://o.example/feed"]  # fmt: skip
    assert inside[0].attrib == {
        "type": "rss",
        "text": "a & b",
        "title": "a & b",
        "xmlUrl": "https://x.example/?a=1&b=2",
        "category": "/tech,/python",
    }
    assert root.find("body/outline[@xmlUrl='https://l.example/feed']") is not None
    # Every feed outline has the attributes OPML 2.0 requires of a subscription.
    for outline in root.iter("outline"):
        if outline.get("type") == "rss":
            assert outline.get("text") and outline.get("xmlUrl")


def test_not_opml_is_a_clear_error(config: Path) -> None:
    with pytest.raises(ParseError, match="not an OPML subscription list"):
        parse_opml((OPML / "broken.opml").read_bytes())
    result = run(config, "import", str(OPML / "broken.opml"))
    assert result.exit_code == 1
    assert "not an OPML subscription list" in result.output
    assert config.read_text("utf-8") == CONFIG


def test_opml_1_versions_are_told_apart() -> None:
    assert parse_opml((OPML / "feedly.opml").read_bytes()).version == "opml1"
    parsed = parse_opml((OPML / "categories20.opml").read_bytes())
    assert parsed.version == "opml2"
    assert parsed.title == "mySubscriptions.opml"
    assert [f.title for f in parsed.feeds][1] == "Café Babel"


def test_a_feed_listed_twice_is_added_once(tmp_path: Path) -> None:
    from ingest.sources.manage import plan_import

    empty = tmp_path / "feeds.yaml"
    empty.write_text("feeds:\n", "utf-8")
    plan = plan_import(load_config(empty), parse_opml((OPML / "feedly.opml").read_bytes()).feeds)
    assert [e["name"] for e in plan.added] == [
        "ars-technica", "planet-python", "example-org-blog-feed", "il-post",
        "untitled-example-net-rss-xml",
    ]  # fmt: skip
    assert (
        "https://www.ilpost.it/feed/?utm_source=reader",
        "listed twice (added once as 'il-post')",
    ) in plan.skipped
