"""Engine and sessions: SQLite (WAL, waiting writers) by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from ingest.core.errors import StorageError
from ingest.core.redact import redact
from storage import models  # noqa: F401 - registers the tables on SQLModel.metadata
from storage.migrate import upgrade_schema

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgres")


def check_url(url: str) -> None:
    """A StorageError saying what to do, for a URL we cannot use (before any import)."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme not in SUPPORTED_SCHEMES:
        raise StorageError(
            f"database_url {redact(url)!r}: only sqlite:///PATH and postgresql://USER@HOST/DB "
            "are supported; fix database_url in feeds.yaml"
        )


# Revision 0003 drops a column with ALTER TABLE ... DROP COLUMN (SQLite 3.35, 2021): the
# copy of the table that older versions need would drop the full-text triggers and, with
# foreign keys on, cannot be made inside the upgrade's transaction.
MIN_SQLITE = (3, 35)


def check_sqlite_version(found: tuple[int, ...] | None = None) -> None:
    """A StorageError saying what to do when Python's SQLite library is too old."""
    found = found or sqlite3.sqlite_version_info
    if found < MIN_SQLITE:
        have = ".".join(map(str, found))
        need = ".".join(map(str, MIN_SQLITE))
        raise StorageError(
            f"this Python uses SQLite {have}; the store needs {need} or newer (2021): "
            "use a Python built with a newer SQLite (python.org, Debian 12, Ubuntu 22.04 "
            "and conda builds have one), or a PostgreSQL database_url"
        )


def make_engine(url: str, *, writer: bool = True, durable: bool = False) -> Engine:
    """`writer=False` gives SQLite readers that never take the write lock; `durable=True`
    a SQLite writer whose every commit is on disk when it returns (synchronous=FULL)."""
    check_url(url)
    url = normalize_url(url)
    try:
        return _make_engine(url, writer, durable)
    except ImportError as exc:  # the driver is an extra: say which one to install
        raise StorageError(
            f"database_url {redact(url)!r} needs the PostgreSQL driver: "
            f"pip install 'news-ingest[postgres]' ({exc})"
        ) from None


def _make_engine(url: str, writer: bool, durable: bool) -> Engine:
    if url.startswith("sqlite"):
        check_sqlite_version()
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _sqlite_pragmas(engine, writer, durable)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _sqlite_pragmas(engine: Engine, writer: bool, durable: bool) -> None:
    # WAL lets readers (a query, Datasette) run during a poll; BEGIN IMMEDIATE takes the
    # write lock at the start of a transaction so two writers queue up (busy_timeout)
    # instead of failing halfway. The recipe is SQLAlchemy's "Serializable isolation /
    # Savepoints / Transactional DDL" for pysqlite.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception:  # a read-only store still opens for reading
            pass
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL's NORMAL syncs at checkpoints, not at every commit: after a power loss the
        # last commits can be gone. For the commits that must precede a file (an article's
        # row: "a file never exists without its row") the store uses a durable engine,
        # FULL, whose commits are synced (and with them every earlier commit in the WAL).
        # The rest (feed states, sources, file marks) lose nothing that is not redone.
        cursor.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    if writer:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    else:

        @event.listens_for(engine, "begin")
        def _on_begin_read(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")


def create_schema(engine: Engine) -> None:
    """Create or upgrade the schema, full-text index included (storage/migrate.py)."""
    upgrade_schema(engine)
