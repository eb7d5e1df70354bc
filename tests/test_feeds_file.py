"""feeds.yaml edits keep every byte the user wrote, except the entry added or removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.core.errors import ConfigError
from ingest.sources.feeds_file import add_entries, append_entries, remove_entry, remove_feed

COMMENTED = """\
# Feeds for the newsroom.   Keep this list sorted by desk.
settings:
  store: store            # relative to this file
  allow_addresses: ["127.0.0.1/32"]
  interval: 30m

feeds:
  # --- Italy ---
  - name: Il Post   # the best
    url: 'https://www.ilpost.it/feed/'
    tags: [italy, general]

  - url: https://www.gazzetta.it/rss/home.xml
    name: gazzetta
    interval: 10m   # sports moves fast
    enabled: false
  # - name: retired
  #   url: https://retired.example.com/rss

# end of file: nothing below the feeds
"""

NEW_ENTRY = """\

  - name: example-news
    url: http://127.0.0.1:8000/feeds/main.xml?a=1&b=2
    interval: 15m
    tags: [news, 'tag: with colon']
"""


def test_append_splices_the_entry_after_the_last_one_and_keeps_everything_else() -> None:
    entry = {
        "name": "example-news",
        "url": "http://127.0.0.1:8000/feeds/main.xml?a=1&b=2",
        "interval": "15m",
        "tags": ["news", "tag: with colon"],
    }
    new = append_entries(COMMENTED, [entry])
    cut = COMMENTED.index("  # - name: retired")
    assert new == COMMENTED[:cut] + NEW_ENTRY + COMMENTED[cut:]


def test_remove_cuts_only_the_entry_lines() -> None:
    assert remove_entry(COMMENTED, "gazzetta") == COMMENTED.replace(
        "\n  - url: https://www.gazzetta.it/rss/home.xml\n"
        "    name: gazzetta\n"
        "    interval: 10m   # sports moves fast\n"
        "    enabled: false\n",
        "",
    )
    assert remove_entry(COMMENTED, "Il Post") == COMMENTED.replace(
        "  - name: Il Post   # the best\n"
        "    url: 'https://www.ilpost.it/feed/'\n"
        "    tags: [italy, general]\n"
        "\n",
        "",
    )


def test_remove_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="no feed named 'nope'.*Il Post, gazzetta"):
        remove_entry(COMMENTED, "nope")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "feeds:\n  - name: n\n    url: http://n.example/\n"),
        (
            "settings:\n  interval: 1h",
            "settings:\n  interval: 1h\nfeeds:\n  - name: n\n    url: http://n.example/\n",
        ),
        (
            "feeds:   # none yet\nsettings: {}\n",
            "feeds:   # none yet\n  - name: n\n    url: http://n.example/\nsettings: {}\n",
        ),
        (
            "feeds:\n- name: a\n  url: http://a.example/\n# tail\n",
            "feeds:\n- name: a\n"
            "  url: http://a.example/\n- name: n\n  url: http://n.example/\n# tail\n",
        ),
        (
            "feeds:\r\n  - name: a\r\n    url: http://a.example/\r\n",
            "feeds:\r\n  - name: a\r\n"
            "    url: http://a.example/\r\n  - name: n\r\n    url: http://n.example/\r\n",
        ),
        (
            "feeds:\n    -   name: a\n        url: http://a.example/",
            "feeds:\n    -   name: a\n"
            "        url: http://a.example/\n    -   name: n\n        url: http://n.example/\n",
        ),
    ],
    ids=["empty", "no-feeds-key", "null-feeds", "dash-at-column-0", "crlf", "wide-indent"],
)
def test_append_follows_the_file_layout(before: str, after: str) -> None:
    assert append_entries(before, [{"name": "n", "url": "http://n.example/"}]) == after


def test_flow_style_falls_back_to_a_round_trip_that_keeps_the_data() -> None:
    new = append_entries("feeds: []  # flow\n", [{"name": "n", "url": "http://n.example/"}])
    assert "- name: n" in new
    assert "url: http://n.example/" in new


def test_edit_writes_atomically_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(COMMENTED, "utf-8")
    path.chmod(0o640)
    config = add_entries(path, [{"name": "n", "url": "http://n.example/"}])
    assert [f.name for f in config.feeds] == ["Il Post", "gazzetta", "n"]
    assert (tmp_path / "feeds.yaml.bak").read_text("utf-8") == COMMENTED
    assert path.stat().st_mode & 0o777 == 0o640
    remove_feed(path, "n")
    assert path.read_text("utf-8") == COMMENTED
    assert "- name: n" in (tmp_path / "feeds.yaml.bak").read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.yaml", "feeds.yaml.bak"]


def test_an_edit_that_makes_the_file_invalid_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(COMMENTED, "utf-8")
    with pytest.raises(ConfigError, match="interval"):
        add_entries(path, [{"name": "n", "url": "http://n.example/", "interval": "soon"}])
    with pytest.raises(ConfigError, match="used twice"):
        add_entries(path, [{"name": "gazzetta", "url": "http://n.example/"}])
    assert path.read_text("utf-8") == COMMENTED
    assert not (tmp_path / "feeds.yaml.bak").exists()


def test_edit_goes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(COMMENTED, "utf-8")
    link = tmp_path / "feeds.yaml"
    link.symlink_to(real)
    add_entries(link, [{"name": "n", "url": "http://n.example/"}])
    assert link.is_symlink()
    assert [f.name for f in load_config(link).feeds][-1] == "n"
