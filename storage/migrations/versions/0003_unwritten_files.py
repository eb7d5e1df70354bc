"""unwritten_files: the articles whose file is not written yet, out of the articles table

Until 0002 an article carried an indexed `file_written` flag: stored false, then set
once its file was written. On PostgreSQL that UPDATE of an indexed column cannot be HOT,
so it wrote a new version of the row and a new entry in every index of the article, the
full-text one included (its tsvector computed again): about as much database work as
the INSERT, for every stored article. Now a mark row is inserted with the article and
deleted once its file is written, and the article row is not touched again.

Existing stores: the articles flagged unwritten get a mark, then the flag's index and
column are dropped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    # Only what is missing: a store adopted from before Alembic may be a copy of a newer
    # one whose alembic_version table was lost (the tests play old stores that way).
    if not inspector.has_table("unwritten_files"):
        op.create_table(
            "unwritten_files",
            sa.Column(
                "article_id", AutoString(length=16), sa.ForeignKey("articles.id"),
                primary_key=True,
            ),
        )  # fmt: skip
    if "file_written" not in {c["name"] for c in inspector.get_columns("articles")}:
        return
    # NOT: true on both engines for false (SQLite 0), and NULL (a column the adoption
    # added to a newer store) is no mark
    op.execute(
        "INSERT INTO unwritten_files (article_id) SELECT id FROM articles "
        "WHERE NOT file_written AND id NOT IN (SELECT article_id FROM unwritten_files)"
    )
    indexes = {i["name"] for i in inspector.get_indexes("articles")}
    if "ix_articles_file_written" in indexes:
        op.drop_index("ix_articles_file_written", table_name="articles")
    # A plain ALTER on both engines (SQLite >= 3.35, of 2021), not
    # Alembic's batch mode: on SQLite that copies the table, which would drop the
    # full-text triggers with it (storage/fulltext.py) and rewrite every article.
    op.execute("ALTER TABLE articles DROP COLUMN file_written")


def downgrade() -> None:
    op.add_column(
        "articles",
        sa.Column("file_written", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute(
        "UPDATE articles SET file_written = false "
        "WHERE id IN (SELECT article_id FROM unwritten_files)"
    )
    op.create_index("ix_articles_file_written", "articles", ["file_written"])
    op.drop_table("unwritten_files")
