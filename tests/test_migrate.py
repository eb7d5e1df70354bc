"""The schema under Alembic (storage/migrate.py): new stores, old stores, concurrent opens.

On real SQLite files and a real PostgreSQL schema of its own per test (tests/conftest.py).
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from ingest.core.errors import StorageError
from ingest.pipeline.deduplicate import save_article
from storage import migrate
from storage.db import normalize_url
from storage.search import search
from storage.store import Store
from tests.test_store import draft

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'ingest.db'}"


def version_of(url: str) -> str | None:
    engine = create_engine(normalize_url(url))
    try:
        return migrate.current_version(engine)
    finally:
        engine.dispose()


def columns(url: str, table: str) -> set[str]:
    engine = create_engine(normalize_url(url))
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_head_is_the_newest_revision() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head() == migrate.HEAD


def test_the_package_ships_its_migrations() -> None:
    """What setuptools puts in the wheel, from pyproject.toml's own rules: the revisions
    are modules of found packages, the template is package data. A store opened from an
    installed package (not this checkout) must find them."""
    import setuptools

    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    found = setuptools.find_packages(str(REPO), include=config["packages"]["find"]["include"])
    assert {"storage.migrations", "storage.migrations.versions"} <= set(found)
    assert "script.py.mako" in config["package-data"]["storage.migrations"]
    for name in ("env.py", "script.py.mako", "baseline.py", "versions/0001_baseline.py"):
        assert (migrate.MIGRATIONS / name).is_file()


def test_a_new_store_is_created_at_head(url: str, tmp_path: Path) -> None:
    with Store(url, tmp_path / "store") as store:
        save_article(store, draft(1), NOW)
    assert version_of(url) == migrate.HEAD
    assert {"enabled", "spec"} <= columns(url, "feeds")


def test_opening_a_store_at_head_does_not_load_alembic(url: str, tmp_path: Path) -> None:
    Store(url, tmp_path / "store").close()
    code = (
        "import sys; from pathlib import Path; from storage.store import Store; "
        f"Store({url!r}, Path({str(tmp_path / 'store')!r})).close(); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False", out.stderr


def test_a_store_at_the_baseline_revision_is_upgraded(url: str, tmp_path: Path) -> None:
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        migrate._alembic(conn, "upgrade", migrate.BASELINE)
        conn.execute(text("INSERT INTO feeds (name, url, error_count, pending_entries) "
                          "VALUES ('old', 'https://old.example/feed', 2, 0)"))  # fmt: skip
    engine.dispose()
    assert version_of(url) == migrate.BASELINE
    assert "spec" not in columns(url, "feeds")
    with Store(url, tmp_path / "store") as store:
        state = store.feed_state("old")
        assert state is not None and state.error_count == 2
        assert save_article(store, draft(1), NOW).created
    assert version_of(url) == migrate.HEAD
    assert {"enabled", "spec"} <= columns(url, "feeds")


def test_file_written_flags_become_unwritten_marks(url: str, tmp_path: Path) -> None:
    """Revision 0003 on a store of 0002: an article flagged unwritten (a crash before its
    file) gets a mark and its file is repaired; the flag's column goes; the full-text
    index still follows the articles (SQLite keeps its triggers: no table copy)."""
    with Store(url, tmp_path / "store") as store:
        written = save_article(store, draft(1), NOW)
        crashed = save_article(store, draft(2), NOW)
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        migrate._alembic(conn, "downgrade", "0002")
        conn.execute(text("UPDATE articles SET file_written = false WHERE id = :id"),
                     {"id": crashed.article_id})  # fmt: skip
    engine.dispose()
    assert "file_written" in columns(url, "articles")
    (tmp_path / "store" / str(crashed.path)).unlink()
    with Store(url, tmp_path / "store") as store:
        assert store.repair_files() == 1
        assert (tmp_path / "store" / str(crashed.path)).is_file()
        assert (tmp_path / "store" / str(written.path)).is_file()
        assert save_article(store, draft(3, url="https://site.example/findme"), NOW).created
        found = {a.canonical_url for a in search(store, "Title")}
    assert found == {f"https://site.example/{n}" for n in (1, 2)} | {"https://site.example/findme"}
    assert version_of(url) == migrate.HEAD
    assert "file_written" not in columns(url, "articles")
    assert columns(url, "unwritten_files") == {"article_id"}


def test_a_store_made_before_alembic_is_adopted(url: str, tmp_path: Path) -> None:
    """A store of the hand-written migrations: no alembic_version, columns added since
    missing. It is brought up to the baseline, stamped, upgraded; its rows are kept."""
    with Store(url, tmp_path / "store") as store:
        first = save_article(store, draft(1), NOW)
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("ALTER TABLE feeds DROP COLUMN spec"))
        conn.execute(text("ALTER TABLE feeds DROP COLUMN enabled"))
        conn.execute(text("ALTER TABLE article_sources DROP COLUMN veto"))
        conn.execute(text("DROP INDEX ix_articles_dedup_version"))
    engine.dispose()
    with Store(url, tmp_path / "store") as store:
        assert store.get(first.article_id) is not None
        again = save_article(store, draft(1), NOW)
        assert (again.article_id, again.created) == (first.article_id, False)
        assert save_article(store, draft(2), NOW).created
    assert version_of(url) == migrate.HEAD
    assert {"veto"} <= columns(url, "article_sources")
    engine = create_engine(normalize_url(url))
    indexes = {i["name"] for i in inspect(engine).get_indexes("articles")}
    engine.dispose()
    assert "ix_articles_dedup_version" in indexes


def _empty_again(url: str, attempt: int) -> str:
    """The same place, empty: another SQLite file, or PostgreSQL's schema made anew."""
    if url.startswith("sqlite"):
        return url.replace("ingest.db", f"ingest{attempt}.db")
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url


def _open_at_once(url: str, root: str, barrier: Any, errors: Any) -> None:
    barrier.wait()
    try:
        Store(url, Path(root)).close()
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(repr(exc))


def test_processes_opening_a_new_store_at_once_do_not_race(url: str, tmp_path: Path) -> None:
    """Without the schema lock, three `ingest run` on an empty PostgreSQL database failed
    with UniqueViolation on pg_type "feeds" (two tries in four)."""
    spawn = multiprocessing.get_context("spawn")
    for attempt in range(3):
        if attempt:  # a new, empty database each time
            url = _empty_again(url, attempt)
        barrier, errors = spawn.Barrier(4), spawn.Queue()
        procs = [
            spawn.Process(target=_open_at_once, args=(url, str(tmp_path / "s"), barrier, errors))
            for _ in range(4)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        found = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
        assert found == [] and [p.exitcode for p in procs] == [0] * 4, found
        assert version_of(url) == migrate.HEAD


def test_an_sqlite_too_old_for_the_schema_is_named_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from storage.db import MIN_SQLITE, check_sqlite_version, make_engine

    check_sqlite_version(MIN_SQLITE)  # the oldest that works
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    with pytest.raises(StorageError, match=r"SQLite 3\.34\.1; the store needs 3\.35 or newer"):
        make_engine(f"sqlite:///{tmp_path / 'ingest.db'}")
    assert not (tmp_path / "ingest.db").exists()
