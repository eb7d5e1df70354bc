"""Shared fixtures: a feeds.yaml builder, a real PostgreSQL schema, the sample document.

PostgreSQL: tests that take `pg_url` run against 127.0.0.1:5432 (database `test`) in a
schema of their own, dropped afterwards. When no server answers they are skipped with
the reason printed, unless INGEST_REQUIRE_POSTGRES=1 (set by scripts/test when the
machine runs PostgreSQL), in which case they fail: CI must not skip a backend silently.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from storage.store import Store

REPO = Path(__file__).resolve().parents[1]
# The golden document, a byte copy of ../shared/sample/: a clean clone alone must pass.
SAMPLE = REPO / "tests" / "data" / "sample" / "000_2c2a5702b678812c.txt"
PG_BASE_URL = os.environ.get(
    "INGEST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True, scope="session")
def _config_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The read commands' remembered configs (ingest/cli/reading.py) go to the run's
    temporary folder, not the user's cache: processes the tests start inherit it."""
    os.environ.setdefault("INGEST_CACHE_DIR", str(tmp_path_factory.mktemp("config-cache")))


def dump_yaml(data: Any) -> str:
    """YAML text, written with the same library the program reads it with."""
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(data, out)
    return out.getvalue()


@pytest.fixture
def sample_text() -> str:
    if not SAMPLE.is_file():
        pytest.fail(f"the golden sample is missing: {SAMPLE}")
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def write_config(tmp_path: Path) -> Any:
    """write_config(feeds=[...], **settings) -> path of a feeds.yaml in tmp_path."""

    def write(feeds: list[dict[str, Any]], **settings: Any) -> Path:
        merged: dict[str, Any] = {"allow_addresses": ["127.0.0.1/32"], "workers": 1}
        merged.update(settings)
        path = tmp_path / "feeds.yaml"
        path.write_text(dump_yaml({"settings": merged, "feeds": feeds}), "utf-8")
        return path

    return write


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[dev]')"
    url = PG_BASE_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {url} is not reachable: {exc}".strip()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL to a fresh schema in the test database, dropped afterwards."""
    reason = _pg_reachable()
    if reason:
        if os.environ.get("INGEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"INGEST_REQUIRE_POSTGRES=1 but {reason}")
        print(f"SKIP PostgreSQL test: {reason}")
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_BASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_BASE_URL else "?"
    yield f"{PG_BASE_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A new store on each engine (modules with their own `store` fixture use theirs)."""
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    s = Store(url, tmp_path / "store")
    request.addfinalizer(s.close)
    return s
