"""diabetes status and glycaemic targets on the profile

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than read from the enum and the domain constants: a migration must keep
# meaning what it meant when they change later.
STATUSES = ("none", "prediabetes", "type1", "type2", "gestational")
# (column, ADA default in whole mg/dL: Standards of Care sections 6 and 15)
TARGETS = (
    ("target_pre_meal_low_mg_dl", 80),
    ("target_pre_meal_high_mg_dl", 130),
    ("target_after_meal_mg_dl", 180),
    ("gdm_target_fasting_mg_dl", 95),
    ("gdm_target_after_meal_mg_dl", 140),
)


def upgrade() -> None:
    """Upgrade schema. Existing accounts start with no diabetes status (the diagnostic ranges,
    as before) and the ADA default targets."""
    allowed = ", ".join(f"'{value}'" for value in STATUSES)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "diabetes_status", sa.String(length=16), nullable=False, server_default="none"
            )
        )
        for column, default in TARGETS:
            batch_op.add_column(
                sa.Column(column, sa.Integer(), nullable=False, server_default=str(default))
            )
        batch_op.create_check_constraint(
            "ck_app_user_diabetes_status", f"diabetes_status IN ({allowed})"
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint("ck_app_user_diabetes_status", type_="check")
        for column, _default in reversed(TARGETS):
            batch_op.drop_column(column)
        batch_op.drop_column("diabetes_status")
