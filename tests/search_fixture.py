"""A store filled by the real pipeline from tests/data/search_site, for search tests.

Two feeds on a local SiteServer: `gazzetta` (Italian, tags italia+news) with three
stories, and `wire` (English, tags world+news) with two stories plus one entry linking
to a gazzetta story, which is stored once and gets a second source. Polled in that order
with the real `ingest poll` (click's CliRunner), on SQLite or on a fresh PostgreSQL schema.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from ingest.cli import main
from ingest.config import Config, load_config
from ingest.pipeline.runtime import open_store
from storage.models import Article
from storage.store import Store
from tests.site.server import SiteServer

SITE = Path(__file__).resolve().parent / "data" / "search_site"
PG_BASE_URL = os.environ.get(
    "INGEST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# Titles, as the stories are known in the tests.
PUTIN_IT = "Putin parla alle madri dei soldati russi"
ROMA = "La città di Roma si prepara al Natale"
CAFFE = "Lo storico caffè di Milano compie cento anni"
PUTIN_EN = "Putin to host Kazakh president Tokayev in Moscow"
CAFE_EN = "A famous café in Milan turns one hundred"
ALL = {PUTIN_IT, ROMA, CAFFE, PUTIN_EN, CAFE_EN}


@dataclass
class FilledStore:
    config_path: Path
    config: Config
    store: Store
    backend: str

    @property
    def root(self) -> Path:
        return self.config.store_dir


def titles(articles: Iterable[Article]) -> set[str]:
    return {a.title for a in articles}


def write_config(folder: Path, site: SiteServer, **settings: Any) -> Path:
    data = {
        "settings": {"allow_addresses": ["127.0.0.1/32"], "workers": 1, **settings},
        "feeds": [
            {"name": "gazzetta", "url": site.url("/feeds/gazzetta.xml"),
             "tags": ["italia", "news"]},
            {"name": "wire", "url": site.url("/feeds/wire.xml"), "tags": ["world", "news"]},
        ],
    }  # fmt: skip
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    path = folder / "feeds.yaml"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@contextmanager
def filled_store(folder: Path, backend: str) -> Iterator[FilledStore]:
    """Poll the fixture site into a new store; yield it open; close (and drop) after."""
    with _database(backend) as database_url, SiteServer(SITE) as site:
        settings = {"database_url": database_url} if database_url else {}
        config_path = write_config(folder, site, **settings)
        runner = CliRunner()
        for feed in ("gazzetta", "wire"):  # in order: the shared story is gazzetta's first
            result = runner.invoke(main, ["poll", "--config", str(config_path), "--feed", feed])
            assert result.exit_code == 0, result.output
        config = load_config(config_path)
        store = open_store(config)
        try:
            yield FilledStore(config_path, config, store, backend)
        finally:
            store.close()


@contextmanager
def _database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    with pg_schema() as url:
        yield url


@contextmanager
def pg_schema() -> Iterator[str]:
    """A SQLAlchemy URL to a fresh schema in the test database, dropped afterwards.

    Skips (printing why) when no server answers, unless INGEST_REQUIRE_POSTGRES=1.
    """
    try:
        import psycopg
    except ImportError:
        _skip("psycopg is not installed (pip install -e '.[dev]')")
    plain = PG_BASE_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"t_search_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        _skip(f"PostgreSQL at {plain} is not reachable: {exc}".strip())
    try:
        sep = "&" if "?" in PG_BASE_URL else "?"
        yield f"{PG_BASE_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _skip(reason: str) -> Any:
    if os.environ.get("INGEST_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"INGEST_REQUIRE_POSTGRES=1 but {reason}")
    print(f"SKIP PostgreSQL search tests: {reason}")
    pytest.skip(reason)
