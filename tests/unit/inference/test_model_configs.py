"""The ensemble configs and the preprocessing models parse as Triton ModelConfig text and chain
tensors that exist. The GPU ones (DALI, TensorRT) cannot load here; this is all that is checked
of them on the development machine."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

MODELS = Path(__file__).resolve().parents[3] / "triton_models"


def config(name: str) -> model_config_pb2.ModelConfig:
    parsed = text_format.Parse(
        (MODELS / name / "config.pbtxt").read_text(), model_config_pb2.ModelConfig()
    )
    assert parsed.name == name
    return parsed


def tensors(items: Iterable[Any]) -> dict[str, tuple[str, list[int]]]:
    return {t.name: (model_config_pb2.DataType.Name(t.data_type), list(t.dims)) for t in items}


@pytest.mark.parametrize(
    ("ensemble", "preprocess", "classifier", "jpeg"),
    [
        ("food_recognizer", "food_preprocess", "food_classifier", ("TYPE_STRING", [1])),
        (
            "food_recognizer_gpu",
            "food_preprocess_dali",
            "food_classifier_gpu",
            ("TYPE_UINT8", [-1]),
        ),
    ],
)
def test_the_ensembles_chain_preprocessing_into_the_classifier(
    ensemble: str, preprocess: str, classifier: str, jpeg: tuple[str, list[int]]
) -> None:
    top, pre, cls = config(ensemble), config(preprocess), config(classifier)
    assert top.platform == "ensemble"
    assert tensors(top.input) == {"JPEG": jpeg} == tensors(pre.input)
    assert tensors(pre.output) == {"IMAGE": ("TYPE_FP32", [3, 224, 224])} == tensors(cls.input)
    assert tensors(top.output) == tensors(cls.output)
    assert top.max_batch_size <= min(pre.max_batch_size, cls.max_batch_size)
    assert pre.HasField("dynamic_batching")
    first, second = top.ensemble_scheduling.step
    assert (first.model_name, second.model_name) == (preprocess, classifier)
    assert dict(first.input_map) == {"JPEG": "JPEG"}
    assert dict(second.input_map) == {"IMAGE": first.output_map["IMAGE"]}
    assert dict(second.output_map) == {"SCORES": "SCORES", "EMBEDDING": "EMBEDDING"}
    assert (MODELS / ensemble / "1").is_dir()  # Triton needs the (empty) version folder
    assert (MODELS / ensemble / "labels.txt").read_text().count("\n") == 1000


def test_the_dali_model_is_built_by_its_pipeline_file() -> None:
    dali = config("food_preprocess_dali")
    assert dali.backend == "dali"
    assert dali.input[0].allow_ragged_batch
    source = (MODELS / "food_preprocess_dali" / "pipeline.py").read_text()
    for step in ('device="mixed"', "resize_shorter=256", "crop=(224, 224)", 'output_layout="CHW"'):
        assert step in source
    assert 'name="JPEG"' in source  # the external source is fed by the config input's name


def test_the_lite2_model_is_food_classifier_at_260_px_and_never_loaded_by_default() -> None:
    from healthapp.inference.triton_server import DEFAULT_MODELS

    lite0, lite2 = config("food_classifier"), config("food_classifier_lite2")
    assert tensors(lite2.input) == {"IMAGE": ("TYPE_FP32", [3, 260, 260])}
    assert tensors(lite2.output) == tensors(lite0.output)
    assert (lite2.backend, lite2.max_batch_size) == (lite0.backend, lite0.max_batch_size)
    assert dict(lite2.parameters) == dict(lite0.parameters)
    # The same python-backend file (it reads the image size from the config's IMAGE dims).
    folder = MODELS / "food_classifier_lite2"
    shared = MODELS / "food_classifier" / "1" / "model.py"
    assert (folder / "1" / "model.py").resolve() == shared.resolve()
    assert (folder / "labels.txt").read_text().count("\n") == 1000
    assert "food_classifier_lite2" not in DEFAULT_MODELS  # comparison only (bench.model_choice)
