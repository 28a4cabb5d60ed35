"""glucose source (meter or CGM), Nightscout uploader secrets, the carbohydrate food

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Not a USDA food: what a Nightscout "carbs" treatment becomes (grams of it = grams of
# carbohydrate, 4 kcal/g by the Atwater factor), so its carbohydrate counts in every total.
CARBOHYDRATE = {
    "id": "healthapp_carbohydrate",
    "name_en": "Carbohydrate (amount as entered)",
    "name_ko": "탄수화물 (입력한 양)",
    "data_type": "healthapp",
    "food_category": "",
    "kcal_per_100g": 400.0,
    "carb_g_per_100g": 100.0,
    "protein_g_per_100g": 0.0,
    "fat_g_per_100g": 0.0,
    "default_portion_g": 15.0,
    "portion_name": "15 g",
}


def upgrade() -> None:
    """Upgrade schema. Every reading so far was typed or imported from a meter."""
    with op.batch_alter_table("glucose", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), nullable=False, server_default="meter")
        )
        batch_op.create_check_constraint("ck_glucose_source", "source IN ('meter', 'cgm')")
    op.create_table(
        "nightscout_secret",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("digest"),
    )
    food = sa.table("food", *(sa.column(name) for name in CARBOHYDRATE))
    op.bulk_insert(food, [CARBOHYDRATE])


def downgrade() -> None:
    """Downgrade schema (the items of the carbohydrate food go with it)."""
    op.execute(sa.text("DELETE FROM meal_item WHERE food_id = :id").bindparams(
        id=CARBOHYDRATE["id"]))  # fmt: skip
    op.execute(sa.text("DELETE FROM food WHERE id = :id").bindparams(id=CARBOHYDRATE["id"]))
    op.drop_table("nightscout_secret")
    with op.batch_alter_table("glucose", schema=None) as batch_op:
        batch_op.drop_constraint("ck_glucose_source", type_="check")
        batch_op.drop_column("source")
