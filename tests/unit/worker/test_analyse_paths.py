"""JobSteps._analyse on its two paths: a small JPEG to a model that takes photo bytes (the small
rendition stored at upload, or one made now for a photo stored before renditions; the embedding
kept on the Prediction, not in the stored result), a float tensor to one that does not."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from healthapp.daemon_pool import DaemonPool
from healthapp.inference.compact import compact_jpeg
from healthapp.inference.triton_client import ModelOutput, check_metadata
from healthapp.services import analysis
from healthapp.services.meals.storage import PhotoNotFound, small_key
from healthapp.worker.config import WorkerConfig
from healthapp.worker.job import JobSteps
from tests.aio import run

PHOTO = Path(__file__).resolve().parents[2] / "fixtures" / "photos" / "coffee.png"
OUTPUTS = [
    {"name": "SCORES", "datatype": "FP32", "shape": ["-1", "1000"]},
    {"name": "EMBEDDING", "datatype": "FP32", "shape": ["-1", "1280"]},
]
INPUTS = {
    "food_recognizer": [{"name": "JPEG", "datatype": "BYTES", "shape": ["-1", "1"]}],
    "food_classifier": [{"name": "IMAGE", "datatype": "FP32", "shape": ["-1", "3", "224", "224"]}],
}


def espresso(rows: int) -> np.ndarray:
    scores = np.full((rows, 1000), 1e-4, dtype=np.float32)
    scores[:, 967] = 0.9
    return scores


EMBEDDING = np.linspace(0, 1, 1280, dtype=np.float32)[np.newaxis]


class FakeModel:
    def __init__(self, model: str) -> None:
        self.model = model
        self.info = check_metadata({"name": model, "inputs": INPUTS[model], "outputs": OUTPUTS})
        self.sent: list[Any] = []

    async def infer_jpeg(self, photos: list[bytes], *, request_id: str = "") -> ModelOutput:
        self.sent.append(photos)
        return ModelOutput(scores=espresso(1), embedding=EMBEDDING)

    async def infer_tensor(self, tensor: np.ndarray, *, request_id: str = "") -> ModelOutput:
        self.sent.append(tensor)
        return ModelOutput(scores=espresso(1), embedding=EMBEDDING)


class FakeStorage:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.read: list[str] = []

    def get(self, key: str) -> bytes:
        self.read.append(key)
        if key not in self.files:
            raise PhotoNotFound(key)
        return self.files[key]


def steps_for(model: FakeModel, storage: FakeStorage) -> JobSteps:
    steps = JobSteps()
    steps.config = WorkerConfig(consumer="test", model=model.model)
    steps.storage = storage  # type: ignore[assignment]
    steps.model_client = model  # type: ignore[assignment]
    steps.read_threads = DaemonPool(1, "test-read")
    return steps


JOB = analysis.JobInput(
    job_id=7,
    photo_id=1,
    user_id=1,
    meal_id=1,
    storage_key="ab/k.jpg",
    attempts=1,
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
)


def test_the_jpeg_path_sends_the_stored_small_rendition_as_it_is() -> None:
    small = compact_jpeg(PHOTO.read_bytes())
    storage = FakeStorage({JOB.storage_key: PHOTO.read_bytes(), small_key(JOB.storage_key): small})
    model = FakeModel("food_recognizer")
    timings: dict[str, float] = {}
    prediction = run(steps_for(model, storage)._analyse(JOB, timings))
    assert model.sent == [[small]]
    assert storage.read == [small_key(JOB.storage_key)]  # the full photo is never read
    assert {"read_ms", "infer_ms"} <= set(timings)
    assert "decode_ms" not in timings
    assert prediction.candidates[0].imagenet_index == 967
    assert prediction.embedding is not None
    assert len(prediction.embedding) == 1280
    assert "embedding" not in prediction.to_result()


def test_a_photo_stored_before_renditions_gets_its_small_jpeg_made_now() -> None:
    storage = FakeStorage({JOB.storage_key: PHOTO.read_bytes()})
    model = FakeModel("food_recognizer")
    timings: dict[str, float] = {}
    run(steps_for(model, storage)._analyse(JOB, timings))
    ((photo,),) = model.sent
    assert isinstance(photo, bytes)
    assert len(photo) < 100_000
    with Image.open(io.BytesIO(photo)) as sent:
        assert (sent.format, min(sent.size)) == ("JPEG", 256)
    assert storage.read == [small_key(JOB.storage_key), JOB.storage_key]
    assert {"read_ms", "decode_ms", "preprocess_ms", "infer_ms"} <= set(timings)


def test_the_tensor_path_still_sends_the_float_tensor_and_keeps_the_embedding() -> None:
    small = compact_jpeg(PHOTO.read_bytes())
    storage = FakeStorage({JOB.storage_key: PHOTO.read_bytes(), small_key(JOB.storage_key): small})
    model = FakeModel("food_classifier")
    prediction = run(steps_for(model, storage)._analyse(JOB, {}))
    assert storage.read == [JOB.storage_key]  # the tensor is made from the full photo
    (tensor,) = model.sent
    assert tensor.shape == (3, 224, 224)
    assert tensor.dtype == np.float32
    assert prediction.candidates[0].imagenet_index == 967
    assert np.array_equal(prediction.embedding, EMBEDDING[0])  # both paths learn personal dishes
