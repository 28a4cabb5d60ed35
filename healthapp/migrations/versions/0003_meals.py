"""meals photos analysis foods

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# The food table's seed, made by tools/food_data/ from USDA FoodData Central.
FOODS_CSV = Path(__file__).resolve().parents[2] / "data" / "foods_seed.csv"
FLOAT_COLUMNS = ("kcal_per_100g", "carb_g_per_100g", "protein_g_per_100g", "fat_g_per_100g",
                 "default_portion_g")  # fmt: skip

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    food = op.create_table(
        "food",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_ko", sa.String(length=100), nullable=False),
        sa.Column("data_type", sa.String(length=24), nullable=False),
        sa.Column("food_category", sa.String(length=100), nullable=False),
        sa.Column("kcal_per_100g", sa.Float(), nullable=False),
        sa.Column("carb_g_per_100g", sa.Float(), nullable=False),
        sa.Column("protein_g_per_100g", sa.Float(), nullable=False),
        sa.Column("fat_g_per_100g", sa.Float(), nullable=False),
        sa.Column("default_portion_g", sa.Float(), nullable=False),
        sa.Column("portion_name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("food", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_food_name_en"), ["name_en"], unique=False)
        batch_op.create_index(batch_op.f("ix_food_name_ko"), ["name_ko"], unique=False)

    op.create_table(
        "meal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("eaten_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meal_type", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meal", schema=None) as batch_op:
        batch_op.create_index("ix_meal_user_time", ["user_id", "eaten_at"], unique=False)

    op.create_table(
        "meal_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meal_id"], ["meal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    with op.batch_alter_table("meal_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meal_photo_meal_id"), ["meal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meal_photo_user_id"), ["user_id"], unique=False)

    op.create_table(
        "analysis_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_key", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["meal_photo.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("photo_id"),
    )
    with op.batch_alter_table("analysis_job", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analysis_job_status_updated", ["status", "updated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_analysis_job_user_id"), ["user_id"], unique=False)

    op.create_table(
        "meal_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("food_id", sa.String(length=80), nullable=False),
        sa.Column("grams", sa.Float(), nullable=False),
        sa.Column("kcal", sa.Float(), nullable=False),
        sa.Column("carb_g", sa.Float(), nullable=False),
        sa.Column("protein_g", sa.Float(), nullable=False),
        sa.Column("fat_g", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["food_id"],
            ["food.id"],
        ),
        sa.ForeignKeyConstraint(["meal_id"], ["meal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["photo_id"], ["meal_photo.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("photo_id"),
    )
    with op.batch_alter_table("meal_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meal_item_meal_id"), ["meal_id"], unique=False)
        batch_op.create_index("ix_meal_item_user_meal", ["user_id", "meal_id"], unique=False)

    with FOODS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = [
            {
                "id": row["food_id"],
                "name_en": row["name_en"],
                "name_ko": row["name_ko"],
                "data_type": row["data_type"],
                "food_category": row["food_category"],
                "portion_name": row["portion_name"],
                # USDA leaves a macro blank when the food has none (table salt).
                **{name: float(row[name] or 0) for name in FLOAT_COLUMNS},
            }
            for row in csv.DictReader(handle)
        ]
    op.bulk_insert(food, rows)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("meal_item", schema=None) as batch_op:
        batch_op.drop_index("ix_meal_item_user_meal")
        batch_op.drop_index(batch_op.f("ix_meal_item_meal_id"))

    op.drop_table("meal_item")
    with op.batch_alter_table("analysis_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_job_user_id"))
        batch_op.drop_index("ix_analysis_job_status_updated")

    op.drop_table("analysis_job")
    with op.batch_alter_table("meal_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meal_photo_user_id"))
        batch_op.drop_index(batch_op.f("ix_meal_photo_meal_id"))

    op.drop_table("meal_photo")
    with op.batch_alter_table("meal", schema=None) as batch_op:
        batch_op.drop_index("ix_meal_user_time")

    op.drop_table("meal")
    with op.batch_alter_table("food", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_food_name_ko"))
        batch_op.drop_index(batch_op.f("ix_food_name_en"))

    op.drop_table("food")
