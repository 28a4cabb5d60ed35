"""The photo picker as it compiles: drops and camera shots join the chosen photos, the camera
input asks for the rear camera, thumbnails are object URLs."""

from __future__ import annotations

import json

import reflex as rx
import reflex_components_core.core.upload as rx_upload

from healthapp.components.photo_picker import camera_button, drop_zone, thumbnails

APPEND = '[...(fb["meal_photos"] || []), ...files]'


def test_a_drop_adds_to_the_chosen_photos_and_reflex_is_left_as_it_was() -> None:
    original = rx_upload.upload_file
    zone = drop_zone(rx.text("photos"), id="meal_photos")
    on_drop = [hook for hook in zone._get_all_hooks() if hook.startswith("const on_drop_")]
    assert any(APPEND in hook for hook in on_drop)
    assert rx_upload.upload_file is original  # other uploads keep Reflex's behaviour


def test_the_camera_input_asks_for_the_rear_camera_and_appends() -> None:
    rendered = json.dumps(camera_button("meal_photos").render())
    assert 'capture:\\"environment\\"' in rendered
    assert 'accept:\\"image/*\\"' in rendered
    assert "...added]" in rendered


def test_thumbnails_are_object_urls_of_the_chosen_files() -> None:
    rendered = json.dumps(thumbnails("meal_photos").render(), default=str)
    assert "URL.createObjectURL(f)" in rendered
    assert ".filter((_, j) => j !==" in rendered  # the remove button
