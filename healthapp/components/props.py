"""Prop values as Reflex types them: the literal input types, input modes and colours this app
uses, and a colour chosen by matching a Var against a table of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import reflex as rx

# Subsets of Reflex's own literals (HTMLInputTypeAttribute, InputMode, LiteralAccentColor).
InputType = Literal["text", "password", "email", "search", "date", "datetime-local"]
InputMode = Literal["text", "numeric", "decimal"]
Colour = Literal["gray", "green", "amber", "red", "blue", "violet"]


def match_colour(value: rx.Var, colours: Mapping[str, Colour], default: Colour) -> rx.Var[Colour]:
    """`rx.match(value, *colours.items(), default)`, typed: Reflex declares match as returning
    `Component | Var`, and with only plain strings for cases it always builds a Var."""
    colour = rx.match(value, *colours.items(), default)
    assert isinstance(colour, rx.Var), "a match over strings is a Var"
    return colour
