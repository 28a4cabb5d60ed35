"""status, source and kind columns take only their enum's values (named CHECK constraints)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

"""

from collections.abc import Sequence
from itertools import groupby

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, allowed values) as the models had them at this revision. Written out rather
# than read from the enums: a migration must keep meaning what it meant when later enums change.
CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("analysis_job", "status", ("queued", "analysing", "done", "failed")),
    ("meal_item", "source", ("estimate", "confirmed", "manual")),
    ("meal", "meal_type", ("breakfast", "lunch", "dinner", "snack")),
    (
        "glucose",
        "timing",
        (
            "fasting",
            "before_breakfast",
            "after_breakfast",
            "before_lunch",
            "after_lunch",
            "before_dinner",
            "after_dinner",
            "bedtime",
            "other",
        ),
    ),
    ("exercise", "kind", ("walking", "running", "cycling", "swimming", "strength", "other")),
    ("exercise", "intensity", ("light", "moderate", "vigorous")),
)


def upgrade() -> None:
    """Upgrade schema. Existing rows already hold only these values (the services wrote them)."""
    # On SQLite batch mode rebuilds each table once; env.py turns foreign keys off for that.
    for table, checks in groupby(CHECKS, key=lambda check: check[0]):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _table, column, values in checks:
                allowed = ", ".join(f"'{value}'" for value in values)
                batch_op.create_check_constraint(f"ck_{table}_{column}", f"{column} IN ({allowed})")


def downgrade() -> None:
    """Downgrade schema."""
    for table, checks in groupby(reversed(CHECKS), key=lambda check: check[0]):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _table, column, _values in checks:
                batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
