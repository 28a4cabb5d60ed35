"""The meal photo picker: the phone's camera or its gallery, and a thumbnail of each chosen
photo that can be taken out again before the meal is saved.

Why two controls: `capture` on a file input makes Android Chrome and iOS Safari open the camera
directly, with no way to the gallery; without it both offer a chooser (camera, photos, files).
So "Take photo" is a file input with `capture="environment"` (the rear camera) and "Choose
photos" is Reflex's drop zone without it (gallery, files, and drag and drop on a desktop). Both
put their files in the one list Reflex uploads (its upload-files context, keyed by the upload
id), so the save sends them together.

The thumbnails are object URLs of the chosen File objects (`URL.createObjectURL`, one per file,
cached in a WeakMap so a re-render makes no new URL); the CSP allows `img-src blob:`
(api/headers.py). Everything here runs in the page's bundle: no inline script.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import reflex as rx
import reflex_components_core.core.upload as rx_upload
from reflex.event import EventChain
from reflex.vars.base import Var
from reflex.vars.function import FunctionStringVar
from reflex_components_core.core.upload import get_upload_files_context_var_data

from healthapp.state.base import AppState

CAMERA_INPUT_ID = "meal-camera"
_THUMBS = "(window.__healthappThumbs ||= new WeakMap())"


def _files(upload_id: str) -> str:
    return f"(filesById[{json.dumps(upload_id)}] || [])"


def chosen_photos(upload_id: str) -> Var:
    """The chosen files as {name, url, index}: what a thumbnail needs."""
    js = (
        f"{_files(upload_id)}.map((f, i) => {{ const m = {_THUMBS}; "
        "if (!m.has(f)) m.set(f, URL.createObjectURL(f)); "
        "return {name: f.name, url: m.get(f), index: i}; })"
    )
    return Var(
        _js_expr=js, _var_type=list[dict[str, Any]], _var_data=get_upload_files_context_var_data()
    ).guess_type()


def _add_camera_files(upload_id: str) -> Var:
    """onChange of the camera input: its photos join the chosen ones (the input is then
    emptied, so the same shot can be taken again after it was removed)."""
    key = json.dumps(upload_id)
    return Var(
        _js_expr=(
            "((e) => { const added = Array.from(e.target.files || []); e.target.value = ''; "
            f"setFilesById(fb => ({{...fb, [{key}]: [...(fb[{key}] || []), ...added]}})); }})"
        ),
        _var_data=get_upload_files_context_var_data(),
    )


def _append_dropped(upload_id: str | Var[str]) -> Var:
    """What Reflex's drop zone calls with the files of a drop: here they join those already
    chosen (the camera's, an earlier drop's) instead of replacing them."""
    key = json.dumps(upload_id) if isinstance(upload_id, str) else str(upload_id)
    return Var(
        _js_expr=f"(files => setFilesById(fb => ({{...fb, [{key}]: [...(fb[{key}] || []), "
        "...files]})))",
        _var_type=EventChain,
        _var_data=get_upload_files_context_var_data(),
    )


@contextlib.contextmanager
def _drops_append() -> Iterator[None]:
    """Reflex 0.10's Upload.create builds its default on_drop from the module's `upload_file`
    and accepts no client-side function of ours as on_drop (it would call it as a Python
    lambda): for the one create call, that builder is ours. tests/unit/components checks the
    compiled page still carries it."""
    original = rx_upload.upload_file
    rx_upload.upload_file = _append_dropped
    try:
        yield
    finally:
        rx_upload.upload_file = original


def drop_zone(*children: rx.Component, **props: Any) -> rx.Component:
    """rx.upload.root whose drops add to the chosen photos."""
    with _drops_append():
        return rx.upload.root(*children, **props)


def remove_photo(upload_id: str, index: Var) -> FunctionStringVar:
    key = json.dumps(upload_id)
    return FunctionStringVar.create(
        f"(() => setFilesById(fb => ({{...fb, [{key}]: (fb[{key}] || [])"
        f".filter((_, j) => j !== {index!s})}})))",
        _var_data=get_upload_files_context_var_data().merge(index._get_all_var_data()),
    )


def camera_button(upload_id: str) -> rx.Component:
    """A label that looks like a button, for the visually hidden camera input: a label opens
    its file input on every browser without script."""
    return rx.el.label(
        rx.icon("camera", aria_hidden="true", size=16),
        AppState.t["meals.take_photo"],
        rx.el.input(
            id=CAMERA_INPUT_ID,
            type="file",
            accept="image/*",
            capture="environment",
            # out of sight, not out of reach: the label is what shows, the input still takes
            # keyboard focus and is named by the label
            position="absolute",
            width="1px",
            height="1px",
            opacity="0",
            overflow="hidden",
            clip_path="inset(50%)",
            custom_attrs={"onChange": _add_camera_files(upload_id)},
        ),
        html_for=CAMERA_INPUT_ID,
        class_name="rt-reset rt-BaseButton rt-r-size-2 rt-variant-soft rt-Button camera-button",
    )


def thumbnails(upload_id: str) -> rx.Component:
    def tile(photo: Any) -> rx.Component:
        return rx.box(
            rx.image(src=photo["url"], alt=photo["name"], width="88px", height="88px",
                     object_fit="cover", border_radius="8px"),
            rx.icon_button(
                rx.icon("x", aria_hidden="true", size=14),
                size="1",
                variant="solid",
                color_scheme="gray",
                radius="full",
                type="button",
                aria_label=AppState.t["meals.remove_photo"],
                title=photo["name"],
                on_click=remove_photo(upload_id, photo["index"]),
                class_name="thumb-remove",
            ),
            class_name="photo-thumb",
            data_photo_name=photo["name"],
        )  # fmt: skip

    return rx.hstack(
        rx.foreach(chosen_photos(upload_id), tile),
        wrap="wrap",
        spacing="2",
        id="chosen-photos",
        aria_label=AppState.t["meals.chosen_photos"],
        role="list",
    )
