"""The user's records in the order every export writes them, shared by the CSV and FHIR files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c

Record = TypeVar("Record", BloodPressure, Glucose, HbA1c, Exercise)


def owned_rows(db: Session, model: type[Record], *, user_id: int, order: Any) -> Sequence[Record]:
    """The user's rows of `model` by the time column `order`; the id breaks ties, so two exports
    of the same data list the rows alike."""
    return db.exec(
        select(model).where(model.user_id == user_id).order_by(col(order), col(model.id))
    ).all()
