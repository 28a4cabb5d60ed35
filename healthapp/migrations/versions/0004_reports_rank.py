"""daily nutrition goals, rank opt-out, rank metrics and their histogram

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema. Existing accounts get the default goals and are counted in ranks."""
    op.create_table(
        "rank_metric",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("rank_value", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "metric"),
    )
    with op.batch_alter_table("rank_metric", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rank_metric_metric_period_rank_value",
            ["metric", "period", "rank_value"],
            unique=False,
        )
    # Users per (metric, period, rank value), kept in step with rank_metric by services/ranking.py.
    op.create_table(
        "rank_histogram",
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("metric", "period", "value"),
    )

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("goal_kcal", sa.Integer(), nullable=False, server_default="2000")
        )
        batch_op.add_column(
            sa.Column("goal_carb_g", sa.Integer(), nullable=False, server_default="250")
        )
        batch_op.add_column(
            sa.Column("goal_protein_g", sa.Integer(), nullable=False, server_default="75")
        )
        batch_op.add_column(
            sa.Column("goal_fat_g", sa.Integer(), nullable=False, server_default="65")
        )
        batch_op.add_column(
            sa.Column("rank_opt_out", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("rank_opt_out")
        batch_op.drop_column("goal_fat_g")
        batch_op.drop_column("goal_protein_g")
        batch_op.drop_column("goal_carb_g")
        batch_op.drop_column("goal_kcal")

    op.drop_table("rank_histogram")
    with op.batch_alter_table("rank_metric", schema=None) as batch_op:
        batch_op.drop_index("ix_rank_metric_metric_period_rank_value")

    op.drop_table("rank_metric")
