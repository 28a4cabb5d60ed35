"""Enums whose members are shown through the message catalogues.

Every such enum used to carry its own `label_key` property, differing only in the key prefix;
the prefix is now given once, where the enum is declared.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LabelledEnum(StrEnum):
    """A StrEnum whose members are shown as catalogue key "<prefix>.<value>".

    Declare as `class Level(LabelledEnum, prefix="clinical.level")`.
    """

    _label_prefix: str

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._label_prefix = prefix

    @property
    def label_key(self) -> str:
        return f"{self._label_prefix}.{self.value}"
