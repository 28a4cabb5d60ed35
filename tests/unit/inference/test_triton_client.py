"""Triton client pieces that need no server: error mapping, URL and metadata checks."""

from __future__ import annotations

import pytest
from tritonclient.utils import InferenceServerException

from healthapp.inference.triton_client import (
    ModelMismatch,
    TritonRequestError,
    TritonTimeout,
    TritonUnavailable,
    check_metadata,
    classify_error,
    normalise_url,
)

METADATA = {
    "name": "food_classifier",
    "versions": ["1"],
    "platform": "python",
    "inputs": [{"name": "IMAGE", "datatype": "FP32", "shape": ["-1", "3", "224", "224"]}],
    "outputs": [
        {"name": "SCORES", "datatype": "FP32", "shape": ["-1", "1000"]},
        {"name": "EMBEDDING", "datatype": "FP32", "shape": ["-1", "1280"]},
    ],
}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("StatusCode.UNAVAILABLE", TritonUnavailable),
        ("StatusCode.DEADLINE_EXCEEDED", TritonTimeout),
        ("StatusCode.INTERNAL", TritonRequestError),
        ("StatusCode.INVALID_ARGUMENT", TritonRequestError),
        (None, TritonRequestError),
    ],
)
def test_errors_are_sorted_by_status(status, kind) -> None:
    error = classify_error(InferenceServerException("boom", status=status))
    assert type(error) is kind
    assert str(error) == "boom"


def test_a_model_that_is_not_ready_counts_as_unavailable() -> None:
    exc = InferenceServerException(
        "Request for unknown model: 'food_classifier' is not found", status="StatusCode.NOT_FOUND"
    )
    assert isinstance(classify_error(exc), TritonUnavailable)


def test_urls_are_normalised() -> None:
    assert normalise_url("grpc://127.0.0.1:8001") == "127.0.0.1:8001"
    assert normalise_url("127.0.0.1:8001") == "127.0.0.1:8001"


def test_metadata_is_checked() -> None:
    info = check_metadata(METADATA)
    assert info.inputs["IMAGE"] == ("FP32", (-1, 3, 224, 224))
    assert info.outputs["SCORES"] == ("FP32", (-1, 1000))
    wrong_input = {
        **METADATA,
        "inputs": [{"name": "IMAGE", "datatype": "UINT8", "shape": ["-1", "224", "224", "3"]}],
    }
    with pytest.raises(ModelMismatch, match="IMAGE"):
        check_metadata(wrong_input)
    with pytest.raises(ModelMismatch, match="SCORES"):
        check_metadata({**METADATA, "outputs": []})
