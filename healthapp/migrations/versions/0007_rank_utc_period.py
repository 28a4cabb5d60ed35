"""rank periods: one key for every time zone, the UTC date a value was computed on

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Before, rank_metric.period was the user's local ISO week ("2026-W48") or local date; now it is
the UTC date of the moment the value was computed (services/ranking/metrics.py). No column
changes: the stored rows get the UTC date of their updated_at, and rank_histogram, which counts
them per period, is rebuilt from them (as services.ranking.rebuild_histogram does).

Downgrade: the old keys depended on each user's zone at the time; the rows are a cache of
values computed from the records, so they are deleted and the old code recomputes them (at a
badge view, a write, or the user's next local midnight).
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc_date_of_updated_at() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    # SQLite keeps the UTC timestamp as text, "2026-11-25 12:00:00.000000".
    return "substr(updated_at, 1, 10)"


def upgrade() -> None:
    op.execute(f"UPDATE rank_metric SET period = {_utc_date_of_updated_at()}")  # noqa: S608
    op.execute("DELETE FROM rank_histogram")
    op.execute(
        "INSERT INTO rank_histogram (metric, period, value, users) "
        "SELECT metric, period, rank_value, count(*) FROM rank_metric "
        "GROUP BY metric, period, rank_value"
    )


def downgrade() -> None:
    op.execute("DELETE FROM rank_histogram")
    op.execute("DELETE FROM rank_metric")
