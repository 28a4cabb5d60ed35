"""Catalogue keys of labelled enums."""

from __future__ import annotations

from healthapp.domain.labels import LabelledEnum


class Colour(LabelledEnum, prefix="test.colour"):
    RED = "red"
    DARK_BLUE = "dark_blue"


def test_label_key_is_prefix_and_value():
    assert [c.label_key for c in Colour] == ["test.colour.red", "test.colour.dark_blue"]


def test_members_stay_plain_strings():
    assert Colour("red") is Colour.RED
    assert Colour.DARK_BLUE == "dark_blue"
    assert list(Colour.__members__) == ["RED", "DARK_BLUE"]
