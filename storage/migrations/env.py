"""Alembic's environment: the connection is the store's, handed in by storage/migrate.py."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from storage import models  # noqa: F401 - the tables, for autogenerate

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # run by hand: `-x url=...`
    url = context.get_x_argument(as_dictionary=True)["url"]
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=SQLModel.metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    # render_as_batch: SQLite alters most things only by copying the table, which
    # batch mode does; PostgreSQL gets plain ALTERs.
    context.configure(
        connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()
