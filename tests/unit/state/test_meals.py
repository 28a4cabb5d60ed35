"""The meal form's refusals that need no database: files the picker refused, too many files."""

from __future__ import annotations

from typing import Any

import reflex as rx

from healthapp.config import get_settings
from healthapp.state.meals import MealsState
from tests.aio import run


class Upload:
    filename = "meal.jpg"

    def __init__(self, size: int = 2) -> None:
        self.reads = 0
        self.size = size

    async def read(self) -> bytes:
        self.reads += 1
        return b"\xff\xd8"


def meals_state() -> MealsState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(MealsState.get_full_name().split("."))
    assert isinstance(state, MealsState)
    return state


def test_a_photo_type_the_picker_refused_is_named() -> None:
    state = meals_state()
    rejected: list[dict[str, Any]] = [
        {"file": {"path": "./scan.bmp"}, "errors": [{"code": "file-invalid-type"}]},
        {"file": {"path": "logo.svg"}, "errors": [{"code": "file-invalid-type"}]},
    ]
    type(state).event_handlers["photos_refused"].fn(state, rejected)
    assert state.errors["photos"]["key"] == "upload.wrong_type"
    assert state.errors["photos"]["names"] == "scan.bmp, logo.svg"


def test_a_photo_too_large_for_the_picker_says_the_limit() -> None:
    state = meals_state()
    rejected = [{"file": {"path": "big.jpg"}, "errors": [{"code": "file-too-large"}]}]
    type(state).event_handlers["photos_refused"].fn(state, rejected)
    assert state.errors["photos"]["key"] == "upload.file_too_large"
    assert state.errors["photos"]["max_mb"] == f"{get_settings().photo_max_bytes / 2**20:g}"


def save(state: MealsState, uploads: list[Upload]) -> None:
    async def drain() -> list[object]:
        return [u async for u in type(state).event_handlers["save_meal"].fn(state, uploads)]

    run(drain())


def test_more_files_than_allowed_are_refused_before_any_is_read() -> None:
    state = meals_state()
    uploads = [Upload() for _ in range(get_settings().upload_max_files + 1)]
    save(state, uploads)
    assert state.errors["photos"]["key"] == "upload.too_many_files"
    assert sum(u.reads for u in uploads) == 0
    assert not state.saving


def test_a_photo_over_the_limit_is_refused_before_it_is_read() -> None:
    state = meals_state()
    uploads = [Upload(), Upload(size=get_settings().photo_max_bytes + 1)]
    save(state, uploads)
    assert state.errors["photos"]["key"] == "error.photo_too_large"
    assert sum(u.reads for u in uploads) == 0
