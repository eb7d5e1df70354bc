"""The read commands' fast path: storage/lite.py and ingest/cli/reading.py.

The SQLite reader must give exactly what the Store and storage.search give (the same
records, documents, counts and errors), and the read commands must not load what they
do not use (pydantic, SQLAlchemy, the pipeline): that is where their start-up went.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from search_fixture import FilledStore, filled_store

from ingest.cli import common
from ingest.cli.reading import CACHE_ENV, ReadConfig, open_reader, read_config_fast
from ingest.core.errors import QueryError
from storage import search
from storage.export import record
from storage.lite import LiteReader, open_lite
from storage.query import QueryOptions, make_query
from storage.store import Store

ROOT = Path(__file__).resolve().parents[1]

QUERIES = [
    QueryOptions(),
    QueryOptions(limit=None),
    QueryOptions(limit=2, offset=1),
    QueryOptions(limit=None, offset=2),
    QueryOptions("putin"),
    QueryOptions("citta"),
    QueryOptions('"madri dei soldati"'),
    QueryOptions("putin OR caffè -madri"),
    QueryOptions("put*", sort="date"),
    QueryOptions("milan*", feeds=["wire"]),
    QueryOptions(feeds=["gazzetta"]),
    QueryOptions(feeds=[]),
    QueryOptions(tags=["world"]),
    QueryOptions(lang="EN"),
    QueryOptions(since="2022-11-25"),
    QueryOptions(until="2022-11-25"),
    QueryOptions(since="2022-11-20T08:00:00+01:00", until="2030-01-01T00:00:00"),
    QueryOptions(since="36500d"),
]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FilledStore]:
    with filled_store(tmp_path_factory.mktemp("lite"), "sqlite") as env:
        yield env


@pytest.fixture
def lite(filled: FilledStore) -> Iterator[LiteReader]:
    reader = open_lite(filled.config.database_url, filled.root, 40)
    assert reader is not None
    with reader:
        yield reader


@pytest.mark.parametrize("options", QUERIES, ids=str)
def test_every_query_finds_the_same_records_in_the_same_order(
    filled: FilledStore, lite: LiteReader, options: QueryOptions
) -> None:
    query = make_query(options, filled.config.feeds)
    full = search.run(filled.store, query)
    fast = lite.run(query)
    assert [a.id for a in fast] == [a.id for a in full]
    full_sources = search.sources_for(filled.store, [a.id for a in full])
    fast_sources = lite.sources_for([a.id for a in fast])
    assert [record(a, fast_sources[a.id]) for a in fast] == [
        record(a, full_sources[a.id]) for a in full
    ]
    assert lite.count(query) == search.count(filled.store, query)
    assert [a.id for b in lite.iter_batches(query, size=2) for a in b] == [a.id for a in fast]


def test_documents_paths_and_handles_are_the_same(filled: FilledStore, lite: LiteReader) -> None:
    store = replace_width(filled, 40)
    articles = search.run(filled.store, make_query(QueryOptions(limit=None)))
    assert len(articles) >= 5
    for a in articles:
        mine = lite.resolve(a.id[:7])
        assert lite.render(mine) == store.render(a)  # a 40-character title cut included
        assert lite.path_of(mine) == store.path_of(a)
        assert lite.resolve(str(a.seq)).id == a.id
        assert lite.resolve(Path(a.path).name).id == a.id
        assert lite.sources(a.id) and len(lite.sources(a.id)) == len(store.sources(a.id))
    for bad in ("zz", "99999", ""):
        with pytest.raises(QueryError) as full_error:
            store.resolve(bad)
        with pytest.raises(QueryError) as fast_error:
            lite.resolve(bad)
        assert str(fast_error.value) == str(full_error.value)
    store.close()


def replace_width(filled: FilledStore, width: int) -> search.Store:
    return search.Store(filled.config.database_url, filled.root, title_max_chars=width)


def test_unknown_feeds_and_bad_text_fail_alike(filled: FilledStore, lite: LiteReader) -> None:
    query = make_query(QueryOptions(feeds=["nope"]))
    names = [f.name for f in filled.config.feeds]
    with pytest.raises(QueryError) as full_error:
        search.check_feeds(filled.store, query, names)
    with pytest.raises(QueryError) as fast_error:
        lite.check_feeds(query, names)
    assert str(fast_error.value) == str(full_error.value)
    lite.check_feeds(make_query(QueryOptions(feeds=["wire"])), names)  # no error


def test_the_fast_path_applies_only_to_a_current_sqlite_store(
    filled: FilledStore, tmp_path: Path
) -> None:
    assert open_lite("postgresql://u:p@127.0.0.1/db", tmp_path) is None
    assert open_lite(f"sqlite:///{tmp_path / 'none.db'}", tmp_path) is None
    assert not (tmp_path / "none.db").exists()  # looking created nothing
    import sqlite3

    # A store of an older version: before the last schema revision, or before Alembic.
    old = tmp_path / "old.db"
    Store(f"sqlite:///{old}", tmp_path).close()
    assert open_lite(f"sqlite:///{old}", tmp_path) is not None  # current: the fast path
    for older in ("UPDATE alembic_version SET version_num = '0001'",
                  "DROP TABLE alembic_version"):  # fmt: skip
        with sqlite3.connect(old) as conn:
            conn.execute(older)
        assert open_lite(f"sqlite:///{old}", tmp_path) is None
        Store(f"sqlite:///{old}", tmp_path).close()  # upgraded: current again
        assert open_lite(f"sqlite:///{old}", tmp_path) is not None
    with sqlite3.connect(old) as conn:  # a store of a version without the full-text index
        conn.execute("DROP TABLE articles_fts")
    assert open_lite(f"sqlite:///{old}", tmp_path) is None
    config = ReadConfig.of(filled.config)
    with open_reader(replace(config, database_url=f"sqlite:///{old}")) as reader:
        assert not isinstance(reader, LiteReader)  # the Store opened it (and upgraded it)


# -- the command's start-up --------------------------------------------------------------

PROBE = """
import sys
from ingest.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("pydantic", "ruamel.yaml", "sqlalchemy", "sqlmodel", "ingest.pipeline.poll", "numpy",
         "httpx")
print("LOADED", [m for m in heavy if m in sys.modules], file=sys.stderr)
"""


def loaded(args: list[str], cwd: Path, cache: Path) -> tuple[list[str], str]:
    env = {**os.environ, CACHE_ENV: str(cache), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    line = next(x for x in proc.stderr.splitlines() if x.startswith("LOADED"))
    return json.loads(line.split(" ", 1)[1].replace("'", '"')), proc.stdout


def test_help_loads_no_heavy_library(tmp_path: Path) -> None:
    modules, out = loaded(["--help"], tmp_path, tmp_path / "cache")
    assert "list" in out and modules == []


def test_read_commands_load_no_heavy_library_once_the_config_is_known(
    filled: FilledStore, tmp_path: Path
) -> None:
    cache, folder = tmp_path / "cache", filled.config_path.parent
    modules, _ = loaded(["list"], folder, cache)  # first: a full load, remembered
    assert "pydantic" in modules
    for args in (["list"], ["query", "putin", "--format", "jsonl"], ["show", "0", "--json"],
                 ["list", "--tag", "world"]):  # fmt: skip
        modules, out = loaded(args, folder, cache)
        assert modules == [], args
        assert out.strip(), args


def test_an_edit_of_feeds_yaml_is_seen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - name: a\n    url: http://e.org/a\n", "utf-8")
    first = read_config_fast(path)
    assert [f.name for f in first.feeds] == ["a"] and first.warnings == ()
    assert read_config_fast(path) == first  # remembered
    path.write_text(
        "settings:\n  store: elsewhere\nfeeds:\n  - name: a\n    url: http://e.org/a\n"
        "  - name: b\n    url: http://e.org/a/\n  - name: c\n    url: nope\n",
        "utf-8",
    )
    edited = read_config_fast(path)
    assert [f.name for f in edited.feeds] == ["a", "b"]
    assert edited.store_dir == (tmp_path / "elsewhere").resolve()
    assert len(edited.warnings) == 2  # a shared URL, a broken feed left out
    assert read_config_fast(path) == edited  # warnings remembered with it


def test_a_postgresql_url_is_never_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    path = tmp_path / "feeds.yaml"
    path.write_text("settings:\n  database_url: postgresql://u:secret@h/db\n", "utf-8")
    assert read_config_fast(path).database_url.endswith("@h/db")
    assert not cache.exists() or "secret" not in "".join(
        p.read_text() for p in cache.rglob("*.json")
    )


def test_the_cli_names_agree_with_the_config_module() -> None:
    from ingest import config

    assert common.CONFIG_ENV == config.CONFIG_ENV
    assert common.DEFAULT_CONFIG == config.DEFAULT_CONFIG
    assert common.LOG_LEVELS == config.LOG_LEVELS


def test_datetimes_read_back_as_the_orm_reads_them(filled: FilledStore, lite: LiteReader) -> None:
    query = make_query(QueryOptions(limit=1))
    orm, mine = search.run(filled.store, query)[0], lite.run(query)[0]
    assert mine.published == orm.published and mine.fetched_at == orm.fetched_at
    assert mine.published_local == orm.published_local
    assert mine.published.tzinfo == UTC and orm.published.tzinfo == UTC
    assert mine.published_local.astimezone(UTC) <= datetime.now(UTC)


FULL_CONFIG = """\
settings:
  store: data
  interval: 15m
  concurrency: 4
  max_page_bytes: 2MiB
  max_age: 7d
  allow_addresses: ["127.0.0.1/32", "::1/128"]
  log_level: warning
  dedup: {near_threshold: 0.6, max_updates: 2}
feeds:
  - name: a
    url: https://example.org/a.xml
    interval: 90s
    tags: [x, y]
    language: it
    allow_addresses: [10.0.0.0/8]
    extract: {body: div.story, drop: [.ad, "p.credit"]}
  - name: b
    url: https://example.org/b.xml
    enabled: false
    full_content: true
    dedup: false
"""


def test_a_remembered_config_is_the_config_a_full_load_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.config import load_config

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    path = tmp_path / "feeds.yaml"
    path.write_text(FULL_CONFIG, "utf-8")
    loaded = common.read_config(path)  # a full load, remembered
    again = common.read_config(path)  # from the cache
    assert again == loaded == load_config(path)
    assert again.settings.allow_addresses == loaded.settings.allow_addresses
    assert again.path == path.absolute() and again.store_dir == tmp_path / "data"


def test_a_lenient_load_that_left_a_feed_out_never_serves_a_strict_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.core.errors import ConfigError

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - name: a\n    url: http://e.org/a\n    interval: soon\n", "utf-8")
    assert common.read_config(path, lenient=True).feeds == []
    assert common.read_config(path, lenient=True).feeds == []  # remembered for reading
    with pytest.raises(ConfigError, match="field 'interval'"):
        common.read_config(path)  # `ingest poll` still refuses the file
