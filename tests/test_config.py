"""feeds.yaml: typed settings, and errors that name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import Config, load_config, parse_config, parse_duration, parse_size
from ingest.core.errors import ConfigError

GOOD = """\
settings:
  store: data
  interval: 15m
  max_feed_bytes: 2MB
  allow_addresses: ["127.0.0.1/32"]
feeds:
  - name: gazzetta
    url: https://example.org/feed.xml
    interval: 90s
    tags: [italia, politica]
  - name: other
    url: http://example.net/rss
    enabled: false
"""


def test_good_file_gives_typed_config(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.settings.interval == 900
    assert config.settings.max_feed_bytes == 2_000_000
    assert config.interval_of(config.feeds[0]) == 90
    assert config.interval_of(config.feeds[1]) == 900
    assert config.store_dir == (tmp_path / "data").resolve()
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'ingest.db'}"
    assert [str(n) for n in config.allowed_networks()] == ["127.0.0.1/32"]


def test_defaults_are_the_documented_ones() -> None:
    s = Config().settings
    assert (s.store, s.interval, s.concurrency, s.per_host, s.timeout) == ("store", 1800, 16, 2, 30)
    assert (s.max_feed_bytes, s.max_page_bytes, s.max_pages_per_poll) == (10**7, 5 * 10**6, 200)
    assert s.title_max_chars == 80 and s.allow_addresses == []
    assert s.agent.startswith("news-ingest/")


def test_config_env_var_and_cwd_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "feeds.yaml").write_text(GOOD)
    monkeypatch.chdir(tmp_path)
    assert load_config().feeds[0].name == "gazzetta"
    other = tmp_path / "other.yaml"
    other.write_text(GOOD.replace("gazzetta", "from-env"))
    monkeypatch.setenv("INGEST_CONFIG", str(other))
    assert load_config().feeds[0].name == "from-env"


@pytest.mark.parametrize(
    "edit, line, words",
    [
        (("interval: 90s", "interval: soon"), 9, ["gazzetta", "interval", "duration"]),
        (("tags: [italia, politica]", "tagz: [italia]"), 10, ["gazzetta", "tagz", "unknown key"]),
        (("  max_feed_bytes: 2MB", "  max_feed_bytes: lots"), 4, ["max_feed_bytes", "size"]),
        (
            ("url: http://example.net/rss", "url: ftp://example.net/rss"),
            12,
            ["other", "url", "http"],
        ),
        (('["127.0.0.1/32"]', '["not-a-net"]'), 5, ["allow_addresses", "CIDR"]),
        (("  - name: other\n", "  - name: gazzetta\n"), None, ["used twice"]),
        (
            ("interval: 90s", "interval: 0"),
            9,
            ["gazzetta", "interval", "greater than 0"],
        ),
        (("  interval: 15m", "  timeout: 0s"), 3, ["timeout", "greater than 0"]),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, edit: tuple[str, str], line: int | None, words: list[str]
) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(GOOD.replace(*edit))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    if line is not None:
        assert f"feeds.yaml:{line}:" in message
    for word in words:
        assert word in message


def test_missing_required_field_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"feeds.yaml:2: feed #1 \(x\) field 'url': required"):
        parse_config("feeds:\n  - name: x\n", tmp_path / "feeds.yaml")
    # the last line (2), not one past it; in words, not the parser's tokens
    with pytest.raises(ConfigError, match=r"feeds.yaml:2: invalid YAML: the file ends inside"):
        parse_config("feeds:\n  - name: [unclosed\n", tmp_path / "feeds.yaml")
    with pytest.raises(ConfigError, match=r"feeds.yaml: invalid YAML"):
        parse_config("feeds:\n  - name: \x07bell\n", tmp_path / "feeds.yaml")
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    "text, seconds", [(30, 30), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400)]
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text, size", [(1000, 1000), ("10MB", 10**7), ("512KiB", 524288)])
def test_sizes(text: object, size: int) -> None:
    assert parse_size(text) == size
