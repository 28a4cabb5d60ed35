"""A person's own dishes, learnt from what they confirmed or corrected.

The food model cannot know most home dishes (김치찌개, dal, ...), but its EMBEDDING of a photo
is close to the embedding of another photo of the same plate. The worker keeps each analysed
photo's embedding with its job (unit length, float16: `pack`). Once the person confirms or
corrects the photo's item (source "confirmed" or "manual"), that photo is one of their personal
examples, with the food and grams of the item: no copy is kept, so an example changes with its
item and is gone with its photo, meal or account (the rows cascade).

A new photo is compared with that person's examples only (never another user's); the nearest
one, when its cosine similarity reaches SIMILARITY, is offered first ("looks like your
김치찌개, 350 g"), always for the person to confirm. SIMILARITY is calibrated on the evaluation
set (`python -m bench.food_eval.personal`, bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col

from healthapp.models import AnalysisJob, Food, ItemSource, MealItem

EMBEDDING_SIZE = 1280
# Calibrated (bench/food_eval/personal.py): with 5 examples of each of 20 dishes, a photo of a
# food without an example is offered one at most 1 % of the time.
SIMILARITY = 0.76
MAX_EXAMPLES = 2000  # the person's newest examples compared (2,000 x 2.5 KB = 5 MB, ~1 ms)
LEARNT_FROM = (ItemSource.CONFIRMED, ItemSource.MANUAL)


def pack(embedding: Sequence[float] | np.ndarray | None) -> bytes | None:
    """Unit-length float16 bytes (2,560), or None for a missing, malformed or zero vector."""
    if embedding is None:
        return None
    vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    if vector.size != EMBEDDING_SIZE or not np.isfinite(norm) or norm == 0.0:
        return None
    return (vector / norm).astype("<f2").tobytes()


def unpack(data: bytes) -> np.ndarray:
    """float32 [1280] from `pack`'s bytes."""
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


def nearest(gallery: np.ndarray, query: np.ndarray) -> tuple[int, float]:
    """The index of the gallery row [M, 1280] most similar to `query` (unit vectors), and the
    cosine similarity; (-1, -1.0) for an empty gallery. Shared with the benchmark."""
    if gallery.shape[0] == 0:
        return -1, -1.0
    similarities = gallery @ query
    index = int(np.argmax(similarities))
    return index, float(similarities[index])


@dataclass(frozen=True)
class Example:
    """One of the person's examples: a photo whose item they confirmed or corrected."""

    item_id: int
    photo_id: int
    meal_id: int
    food_id: str
    grams: float
    updated_at: datetime
    embedding: bytes


@dataclass(frozen=True)
class PersonalMatch:
    """The food of the person's nearest example, offered first (stored in the job's result)."""

    photo_id: int  # the example's photo
    food_id: str
    grams: float
    similarity: float
    name_en: str
    name_ko: str

    def to_result(self) -> dict[str, Any]:
        return {**asdict(self), "similarity": round(self.similarity, 4)}


@cache
def _examples_statement(*, excluding: bool, limit: int | None) -> Any:
    """The person's examples (the user a bound parameter, and the photo left out when
    `excluding`), built once per shape: composing it cost more than running it."""
    user = sa.bindparam("user_id")
    statement = (
        sa.select(
            col(MealItem.id),
            col(MealItem.photo_id),
            col(MealItem.meal_id),
            col(MealItem.food_id),
            col(MealItem.grams),
            col(MealItem.updated_at),
            col(AnalysisJob.embedding),
        )
        .join(AnalysisJob, col(AnalysisJob.photo_id) == col(MealItem.photo_id))
        .where(
            col(MealItem.user_id) == user,
            col(AnalysisJob.user_id) == user,
            col(MealItem.source).in_(LEARNT_FROM),
            col(AnalysisJob.embedding).is_not(None),
        )
        .order_by(col(MealItem.updated_at).desc(), col(MealItem.id).desc())
        .limit(limit)
    )
    if excluding:
        statement = statement.where(col(MealItem.photo_id) != sa.bindparam("photo_id"))
    return statement


def person_examples(
    db: Session,
    *,
    user_id: int,
    exclude_photo_id: int | None = None,
    limit: int | None = MAX_EXAMPLES,
) -> list[Example]:
    """The person's examples, newest first (only this user's items and jobs are read); all of
    them with limit None (the export)."""
    statement = _examples_statement(excluding=exclude_photo_id is not None, limit=limit)
    db.flush()  # plain rows on the transaction's connection: pending items are written first
    found = db.connection().execute(statement, {"user_id": user_id, "photo_id": exclude_photo_id})
    # Plain rows, not ORM objects: the worker reads them for every photo it analyses.
    return [
        Example(r.id or 0, r.photo_id, r.meal_id, r.food_id, r.grams, r.updated_at, r.embedding)
        for r in found
        if r.photo_id is not None and r.embedding is not None
    ]


def personal_match(
    db: Session, *, user_id: int, photo_id: int, embedding: bytes | None
) -> PersonalMatch | None:
    """The person's example nearest to this photo's embedding, if close enough to offer."""
    if embedding is None:
        return None
    examples = person_examples(db, user_id=user_id, exclude_photo_id=photo_id)
    gallery = np.stack([unpack(e.embedding) for e in examples]) if examples else np.empty((0, 0))
    index, similarity = nearest(gallery, unpack(embedding))
    if index < 0 or similarity < SIMILARITY:
        return None
    example = examples[index]
    food = db.get(Food, example.food_id)
    if food is None:
        return None
    return PersonalMatch(
        photo_id=example.photo_id,
        food_id=food.id,
        grams=example.grams,
        similarity=similarity,
        name_en=food.name_en,
        name_ko=food.name_ko,
    )
