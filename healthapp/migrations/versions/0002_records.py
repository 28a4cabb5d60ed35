"""health records and preferences

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema. Existing accounts get the default preferences."""
    op.create_table(
        "blood_pressure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("systolic", sa.Integer(), nullable=False),
        sa.Column("diastolic", sa.Integer(), nullable=False),
        sa.Column("pulse", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("blood_pressure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blood_pressure_user_time", ["user_id", "measured_at"], unique=False
        )

    op.create_table(
        "exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("intensity", sa.String(length=16), nullable=False),
        sa.Column("energy_kcal", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.create_index("ix_exercise_user_time", ["user_id", "started_at"], unique=False)

    op.create_table(
        "glucose",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mg_dl", sa.Float(), nullable=False),
        sa.Column("timing", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("glucose", schema=None) as batch_op:
        batch_op.create_index("ix_glucose_user_time", ["user_id", "measured_at"], unique=False)

    op.create_table(
        "hba1c",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hba1c", schema=None) as batch_op:
        batch_op.create_index("ix_hba1c_user_day", ["user_id", "measured_on"], unique=False)

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("glucose_unit", sa.String(length=8), nullable=False, server_default="mg/dL")
        )
        batch_op.add_column(
            sa.Column("bp_standard", sa.String(length=8), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("weight_kg", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("hba1c_target", sa.Float(), nullable=False, server_default="7.0")
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("hba1c_target")
        batch_op.drop_column("weight_kg")
        batch_op.drop_column("timezone")
        batch_op.drop_column("bp_standard")
        batch_op.drop_column("glucose_unit")

    with op.batch_alter_table("hba1c", schema=None) as batch_op:
        batch_op.drop_index("ix_hba1c_user_day")

    op.drop_table("hba1c")
    with op.batch_alter_table("glucose", schema=None) as batch_op:
        batch_op.drop_index("ix_glucose_user_time")

    op.drop_table("glucose")
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.drop_index("ix_exercise_user_time")

    op.drop_table("exercise")
    with op.batch_alter_table("blood_pressure", schema=None) as batch_op:
        batch_op.drop_index("ix_blood_pressure_user_time")

    op.drop_table("blood_pressure")
