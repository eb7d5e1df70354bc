"""Additive schema upgrades: columns and indexes added to a model after a store was created.

`SQLModel.metadata.create_all` creates missing tables but never alters existing ones, so
a store made by an older version lacks newer columns. Every column added since is
nullable, so `ALTER TABLE ... ADD COLUMN` is enough on SQLite and PostgreSQL alike; then
every model index the database lacks is created. Nothing is ever dropped or renamed here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Table, inspect
from sqlalchemy.engine import Connection, Engine, Inspector
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import SQLModel


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the model columns the database lacks; return them as "table.column"."""
    inspector = inspect(engine)
    added: list[str] = []
    for table in _existing_tables(inspector):
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and _add_column(engine, table, column):
                added.append(f"{table.name}.{column.name}")
    return added


def add_missing_indexes(engine: Engine) -> list[str]:
    """Create the model indexes the database lacks, new columns' included; return them."""
    inspector = inspect(engine)
    added: list[str] = []
    for table in _existing_tables(inspector):
        have = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have and _run_once(engine, index.create):
                added.append(str(index.name))
    return added


def _existing_tables(inspector: Inspector) -> list[Table]:
    """The model's tables that the database has (create_all makes the others whole)."""
    present = set(inspector.get_table_names())
    return [t for t in SQLModel.metadata.sorted_tables if t.name in present]


def _add_column(engine: Engine, table: Table, column: Column[object]) -> bool:
    kind = column.type.compile(dialect=engine.dialect)
    ddl = f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
    return _run_once(engine, lambda conn: conn.exec_driver_sql(ddl))


def _run_once(engine: Engine, change: Callable[[Connection], object]) -> bool:
    """Apply one schema change in its own transaction (on PostgreSQL a failed statement
    spoils the rest); False when another process upgrading the same store won the race."""
    try:
        with engine.begin() as conn:
            change(conn)
    except (OperationalError, ProgrammingError) as exc:
        if "duplicate column" in str(exc) or "already exists" in str(exc):
            return False
        raise
    return True
