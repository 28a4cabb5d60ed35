"""Parameter and field types of /api/v1 that accept exactly what the OpenAPI document says.

Pydantic's lax mode would take `day=0` as 1970-01-01 and a number as a timestamp; a client
whose request breaks the document gets a 422 instead, and ids stay within the database's
64-bit integers."""

from datetime import date
from typing import Annotated, Any

from fastapi import Path
from pydantic import AwareDatetime, BeforeValidator


def _text_only(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 string")
    return value


def _iso_day(value: Any) -> Any:
    if not isinstance(value, str | date) or (isinstance(value, str) and len(value) != 10):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
Instant = Annotated[AwareDatetime, BeforeValidator(_text_only)]
MAX_ID = 2**63 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
