"""The baseline: the schema of the stores made before Alembic (storage/migrations/baseline.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from storage.migrations import baseline

revision: str = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    baseline.create(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the baseline is not downgraded: restore a backup instead")
