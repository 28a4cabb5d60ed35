"""The picker's refusals come from the browser: any shape gives a message, never an error."""

from __future__ import annotations

from typing import Any

import pytest

from healthapp.state.uploads import UNKNOWN_REFUSAL, refusal_key, refused_names


@pytest.mark.parametrize(
    ("rejections", "key"),
    [
        ([{"errors": [{"code": "too-many-files"}]}], "upload.too_many_files"),
        ([{"errors": [{"code": "file-too-small"}]}], UNKNOWN_REFUSAL),
        ([{"errors": "x"}, 3, None], UNKNOWN_REFUSAL),
        ("not a list", UNKNOWN_REFUSAL),
        ([], UNKNOWN_REFUSAL),
    ],
)
def test_refusal_key(rejections: Any, key: str) -> None:
    assert refusal_key(rejections) == key


def test_refused_names_are_short_and_few() -> None:
    rejections = [{"file": {"path": f"dir/{'n' * 100}{i}"}} for i in range(5)]
    names = refused_names(rejections)
    assert names == ", ".join(["n" * 60] * 3) + ", ..."
    assert refused_names([{"file": "x"}, {"file": {"name": "a.tif"}}]) == "a.tif"
