"""The store's schema, created and upgraded by Alembic on open (storage/migrations/).

Every store upgrades itself when it is opened: `upgrade_schema(engine)`.

- At head already (nearly every open): one query reads `alembic_version` and nothing
  else happens; Alembic is not even imported (it costs read commands ~0.1 s of start-up).
- Otherwise, inside one transaction that holds the schema lock (PostgreSQL: a
  transaction-scoped advisory lock per schema, so several processes opening a new store
  at once queue up instead of racing on `CREATE TABLE`, which made `pg_type` unique
  violations; SQLite: `BEGIN IMMEDIATE`, the write lock), the version is read again and:
  a new database gets every revision from 0001 (the baseline); a store made before
  Alembic (tables, no `alembic_version`) is brought up to the baseline the way the old
  additive upgrades did (`baseline.adopt`), stamped 0001, then upgraded like the others.

PostgreSQL runs DDL in transactions, so a failed upgrade leaves the schema as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from storage.migrations import HEAD

log = logging.getLogger("ingest")

BASELINE = "0001"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key: per schema, so stores in other schemas of the same database
# (tests, other apps) never wait for each other.
_PG_LOCK_KEY = "hashtextextended(current_schema() || ' news-ingest schema', 0)"


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the store's schema to HEAD (see the module docstring)."""
    if current_version(engine) == HEAD:
        return
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE (storage/db.py)
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))
        version = _version_in(conn)
        if version == HEAD:  # another process upgraded it while we waited
            return
        if version is None and inspect(conn).has_table("feeds"):
            added = _adopt(conn)
            log.info("store made before Alembic adopted at %s (added: %s)", BASELINE, added)
            version = BASELINE
        _alembic(conn, "upgrade", "head")
        log.info("store schema upgraded from %s to %s", version or "nothing", HEAD)


def current_version(engine: Engine) -> str | None:
    """The store's revision, None without `alembic_version` (new, or made before Alembic).

    Through the driver's own connection: on SQLite the writer engine's transactions take
    the write lock (BEGIN IMMEDIATE), which a read of one row must not wait for.
    """
    with engine.connect() as conn:  # connecting: SQLAlchemy's errors, which callers map
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            row = cursor.fetchone()
        except Exception:  # no such table: the driver's own error class, either engine
            return None
        finally:
            cursor.close()
            raw.rollback()  # PostgreSQL: end the transaction the driver began
        return str(row[0]) if row else None


def _version_in(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def _adopt(conn: Connection) -> list[str]:
    from storage.migrations import baseline

    added = baseline.adopt(conn)
    _alembic(conn, "stamp", BASELINE)
    return added


def _alembic(conn: Connection, command_name: str, revision: str) -> None:
    """Run an Alembic command on `conn`, in its transaction (env.py takes it from here)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    getattr(command, command_name)(config, revision)
