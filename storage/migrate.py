"""Additive schema upgrades: columns and indexes added to a model after a store was created.

`SQLModel.metadata.create_all` creates missing tables but never alters existing ones, so
a store made by an older version lacks newer columns. Every column added since is
nullable, so `ALTER TABLE ... ADD COLUMN` is enough on SQLite and PostgreSQL alike; the
indexes on those columns are created with them. Nothing is ever dropped or renamed here.
"""

from __future__ import annotations

from sqlalchemy import Column, Table, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import SQLModel


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the model columns the database lacks; return them as "table.column"."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    added: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in existing_tables:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and _add_column(engine, table, column):
                added.append(f"{table.name}.{column.name}")
    return added


def _add_column(engine: Engine, table: Table, column: Column[object]) -> bool:
    kind = column.type.compile(dialect=engine.dialect)
    try:
        # One transaction per column: on PostgreSQL a failed statement spoils the rest.
        with engine.begin() as conn:
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
            for index in table.indexes:
                if column.name in {c.name for c in index.columns}:
                    index.create(conn, checkfirst=True)
    except (OperationalError, ProgrammingError) as exc:
        # Another process upgrading the same store at the same moment won the race.
        if "duplicate column" in str(exc) or "already exists" in str(exc):
            return False
        raise
    return True


def add_missing_indexes(engine: Engine) -> list[str]:
    """Create the model indexes the database lacks (on columns it already had)."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    added: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in existing_tables:
            continue
        have = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name in have:
                continue
            try:
                with engine.begin() as conn:
                    index.create(conn, checkfirst=True)
            except (OperationalError, ProgrammingError) as exc:
                if "already exists" in str(exc):  # another process won the race
                    continue
                raise
            added.append(str(index.name))
    return added
