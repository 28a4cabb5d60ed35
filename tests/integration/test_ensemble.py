"""The ensemble food_recognizer (photo bytes -> food_preprocess -> food_classifier) on the real
tritonserver, against the float-tensor path it replaces in the worker."""

from __future__ import annotations

import asyncio

import numpy as np

from healthapp.inference.compact import compact_jpeg
from healthapp.inference.preprocess import preprocess_bytes
from healthapp.inference.triton_client import (
    FoodModelClient,
    ModelOutput,
    TritonRequestError,
)
from tests.aio import run
from tests.integration.worker_stack import PHOTOS, Triton

# Scores move when the photo is re-encoded as JPEG (q95, 4:4:4): measured at most 0.04 on the
# fixtures (apple.jpg, whose top class has 0.57); the same bytes preprocessed by the app and by
# food_preprocess agree to float rounding.
REENCODE_TOLERANCE = 0.05
SAME_BYTES_TOLERANCE = 1e-4


async def _both_paths(url: str) -> dict[str, tuple[np.ndarray, np.ndarray, ModelOutput]]:
    """Per photo: tensor-path scores of the original, tensor-path scores of the small JPEG,
    and the ensemble's outputs for the small JPEG."""
    classifier = FoodModelClient(url, "food_classifier")
    ensemble = FoodModelClient(url)
    try:
        assert not (await classifier.connect()).takes_jpeg
        assert (await ensemble.connect()).takes_jpeg
        found = {}
        for path in sorted(PHOTOS.glob("*.*g")):
            data = path.read_bytes()
            small = compact_jpeg(data)
            found[path.name] = (
                await classifier.infer(preprocess_bytes(data)),
                await classifier.infer(preprocess_bytes(small)),
                await ensemble.infer_jpeg([small]),
            )
        return found
    finally:
        await classifier.close()
        await ensemble.close()


def test_the_ensemble_agrees_with_the_tensor_path(triton: Triton) -> None:
    found = run(_both_paths(triton.url))
    assert set(found) == {"apple.jpg", "coffee.png", "fruits.jpg", "orange.jpg"}
    for name, (original, same_bytes, output) in found.items():
        assert output.scores.shape == (1, 1000), name
        assert output.embedding.shape == (1, 1280), name
        assert output.embedding.dtype == np.float32, name
        assert np.isfinite(output.embedding).all(), name
        np.testing.assert_allclose(output.scores, same_bytes, atol=SAME_BYTES_TOLERANCE)
        np.testing.assert_allclose(output.scores, original, atol=REENCODE_TOLERANCE)
        assert int(output.scores.argmax()) == int(original.argmax()), name
        top5 = set(np.argsort(original[0])[-5:])
        assert len(top5 & set(np.argsort(output.scores[0])[-5:])) >= 4, name
    assert int(found["coffee.png"][2].scores.argmax()) == 967  # espresso


async def _mixed_batch(url: str, good: list[bytes], bad: bytes) -> list[object]:
    client = FoodModelClient(url)
    try:
        await client.connect()
        # Sent together, so the dynamic batcher can put them into one execute call.
        requests = [client.infer_jpeg([photo], request_id=str(i)) for i, photo in enumerate(good)]
        requests.insert(1, client.infer_jpeg([bad], request_id="bad"))
        return await asyncio.gather(*requests, return_exceptions=True)
    finally:
        await client.close()


def test_a_photo_that_does_not_decode_fails_alone(triton: Triton) -> None:
    good = [compact_jpeg(path.read_bytes()) for path in sorted(PHOTOS.glob("*.*g"))] * 2
    results = run(_mixed_batch(triton.url, good, b"this is not a photo"))
    error = results.pop(1)
    assert isinstance(error, TritonRequestError)
    assert "not a decodable image" in str(error)
    outputs = [result for result in results if isinstance(result, ModelOutput)]
    assert len(outputs) == len(good), results
    assert int(outputs[1].scores.argmax()) == 967  # coffee.png, espresso
