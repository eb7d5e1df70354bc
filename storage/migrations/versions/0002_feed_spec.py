"""feeds.enabled and feeds.spec: feeds.yaml reconciled into the feeds table (`ingest sync`)

Workers on other machines poll a feed from its row, so the row carries the feed's entry
of feeds.yaml (`spec`, JSON) and whether it is enabled there (NULL: never synced, a row
made by `ingest poll`/`ingest run`, which read feeds.yaml themselves).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing: a store adopted from before Alembic may be a copy of a newer
    # one whose alembic_version table was lost (the tests play old stores that way).
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("feeds")}
    with op.batch_alter_table("feeds") as batch:
        if "enabled" not in have:
            batch.add_column(sa.Column("enabled", sa.Boolean(), nullable=True))
        if "spec" not in have:
            batch.add_column(sa.Column("spec", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("spec")
        batch.drop_column("enabled")
