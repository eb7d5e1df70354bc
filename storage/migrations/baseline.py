"""The schema every store had when migrations moved to Alembic (revision 0001), frozen.

Written out here, not taken from `storage.models`: the models move on with every new
revision, while the baseline must stay what the stores of that day hold. Revision 0001
creates it, and a store made before Alembic (no `alembic_version` table) is brought up
to it by `adopt` before being stamped 0001 and upgraded like any other.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Index, MetaData, Table
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("name", AutoString(), primary_key=True),
    Column("url", sa.Text(), nullable=False),
    Column("title", AutoString(), nullable=True),
    Column("etag", AutoString(), nullable=True),
    Column("last_modified", AutoString(), nullable=True),
    Column("last_polled_at", UTCDateTime(), nullable=True),
    Column("last_success_at", UTCDateTime(), nullable=True),
    Column("last_status", AutoString(), nullable=True),
    Column("last_http_status", sa.Integer(), nullable=True),
    Column("last_error", sa.Text(), nullable=True),
    Column("error_count", sa.Integer(), nullable=False),
    Column("next_poll_at", UTCDateTime(), nullable=True),
    Column("interval_seconds", sa.Float(), nullable=True),
    Column("permanent_redirect", sa.Text(), nullable=True),
    Column("pending_entries", sa.Integer(), nullable=False),
    Column("max_age_seconds", sa.Float(), nullable=True),
)

articles = Table(
    "articles",
    metadata,
    Column("id", AutoString(length=16), primary_key=True),
    Column("seq", sa.Integer(), nullable=False, unique=True),
    Column("canonical_url", sa.Text(), nullable=False, unique=True),
    Column("url", sa.Text(), nullable=False),
    Column("feed", AutoString(), nullable=False, index=True),
    Column("title", sa.Text(), nullable=False),
    Column("lead", sa.Text(), nullable=True),
    Column("body", sa.Text(), nullable=False),
    Column("published", UTCDateTime(), nullable=False),
    Column("utc_offset_minutes", sa.Integer(), nullable=False),
    Column("month", AutoString(length=7), nullable=False, index=True),
    Column("date_inferred", sa.Boolean(), nullable=False),
    Column("language", AutoString(), nullable=True, index=True),
    Column("text_source", AutoString(), nullable=False),
    Column("path", sa.Text(), nullable=False),
    Column("file_written", sa.Boolean(), nullable=False, index=True),
    Column("fetched_at", UTCDateTime(), nullable=False, index=True),
    Column("updated_at", UTCDateTime(), nullable=True),
    Column("text_hash", AutoString(length=64), nullable=True, index=True),
    Column("dedup_version", sa.Integer(), nullable=True, index=True),
    Column("update_count", sa.Integer(), nullable=True),
    Index("ix_articles_published", "published"),
)

article_sources = Table(
    "article_sources",
    metadata,
    Column("id", sa.Integer(), primary_key=True),
    Column(
        "article_id", AutoString(length=16), sa.ForeignKey("articles.id"), nullable=False,
        index=True,
    ),
    Column("feed", AutoString(), nullable=False, index=True),
    Column("entry_key", sa.Text(), nullable=False),
    Column("guid", sa.Text(), nullable=True),
    Column("url", sa.Text(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("match_rule", AutoString(), nullable=True),
    Column("similarity", sa.Float(), nullable=True),
    Column("veto", sa.Text(), nullable=True),
    Column("entry_version", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("feed", "entry_key", name="uq_source_feed_entry"),
)  # fmt: skip

site_paragraphs = Table(
    "site_paragraphs",
    metadata,
    Column("site", AutoString(), primary_key=True),
    Column("key", sa.BigInteger(), primary_key=True, autoincrement=False),
    Column("articles", sa.Integer(), nullable=False),
    Index("ix_site_paragraphs_site_articles", "site", "articles"),
)

article_bands = Table(
    "article_bands",
    metadata,
    Column("key", sa.BigInteger(), primary_key=True, autoincrement=False),
    Column(
        "article_id", AutoString(length=16), sa.ForeignKey("articles.id"), primary_key=True,
        index=True,
    ),
)  # fmt: skip

skipped_entries = Table(
    "skipped_entries",
    metadata,
    Column("feed", AutoString(), primary_key=True),
    Column("entry_key", AutoString(), primary_key=True),
    Column("url", sa.Text(), nullable=True),
    Column("reason", AutoString(), nullable=False),
    Column("detail", sa.Text(), nullable=True),
    Column("permanent", sa.Boolean(), nullable=False),
    Column("attempts", sa.Integer(), nullable=False),
    Column("last_at", UTCDateTime(), nullable=False),
)


def create(conn: Connection) -> None:
    """Revision 0001 on an empty database: the baseline tables and the full-text index."""
    from storage import fulltext

    metadata.create_all(conn)
    fulltext.install_on(conn)


def adopt(conn: Connection) -> list[str]:
    """Bring a store made before Alembic up to the baseline; return what was added.

    Such a store was made by `create_all` plus additive upgrades, so at most tables,
    nullable columns and indexes can be missing: exactly what the old
    `storage/migrate.py` used to add on every open. Nothing is dropped or renamed.
    """
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names())
    added: list[str] = []
    for table in metadata.sorted_tables:
        if table.name not in present:
            table.create(conn)
            added.append(table.name)
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(
                    f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                )
                added.append(f"{table.name}.{column.name}")
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
                added.append(str(index.name))
    from storage import fulltext

    fulltext.install_on(conn)
    return added
