from pathlib import Path

from bench import gpu_serving

LEVEL = {
    "requests": 800,
    "photos_per_s": 100.0,
    "p50_ms": 9.5,
    "p95_ms": 12.0,
    "triton_cpu_ms_per_photo": 4.2,
    "client_cpu_ms_per_photo": 1.1,
}


def test_record_shows_each_model_and_level_and_the_errors(tmp_path: Path):
    machine = {
        "cpu": "Xeon",
        "cores": 16,
        "usable_cores": 16,
        "ram_gib": 125.8,
        "loadavg": (0, 0, 0),
    }
    found = {
        "probe": {"machine": machine, "python": "3.12.3", "gpu": "NVIDIA H200, 580.159.04"},
        "reference_onnxruntime": "1.32.0",
        "ready_s": 21.5,
        "models": {
            "food_classifier_torch": {
                "sent": "tensor",
                "photos": 65,
                "top1_agree": 1.0,
                "max_abs_score_diff": 0.0101,
                "levels": {"1": LEVEL, "64": {**LEVEL, "photos_per_s": 2500.0}},
            }
        },
        "errors": {"food_recognizer_nvjpeg": "TritonRequestError: JPEG: not a decodable JPEG"},
    }
    results = tmp_path / "RESULTS.md"
    body = gpu_serving.record(found, path=results)
    assert "| food_classifier_torch (tensor) | 65 | 100.0% | 0.0101 | 1 | 100.0 |" in body
    assert "| food_classifier_torch (tensor) | 65 | 100.0% | 0.0101 | 64 | 2500.0 |" in body
    assert "food_recognizer_nvjpeg failed: `TritonRequestError: JPEG" in body
    assert "ready in 21.5 s" in body
    assert "served by Triton on a GPU" in results.read_text()


def test_the_repository_points_the_classifier_at_its_weights_and_packages(tmp_path: Path):
    weights, site = tmp_path / "w.pth", tmp_path / "site"
    repository = gpu_serving._repository(tmp_path / "models", weights, [site, tmp_path / "more"])
    names = {path.name for path in repository.iterdir()}
    assert names == {"food_classifier_torch", "food_preprocess_nvjpeg", "food_recognizer_nvjpeg"}
    assert all((repository / name / "1").is_dir() for name in names)
    config = (repository / "food_classifier_torch" / "config.pbtxt").read_text()
    assert f'string_value: "{weights}"' in config
    assert f'string_value: "{site}:{tmp_path / "more"}"' in config


def test_the_nvjpeg_ensemble_chains_its_models_as_the_dali_one_does():
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2

    def config(name: str) -> model_config_pb2.ModelConfig:
        text = (gpu_serving.MODELS_DIR / name / "config.pbtxt").read_text()
        parsed = text_format.Parse(text, model_config_pb2.ModelConfig())
        assert parsed.name == name
        return parsed

    def tensors(items):
        return {t.name: (model_config_pb2.DataType.Name(t.data_type), list(t.dims)) for t in items}

    top = config("food_recognizer_nvjpeg")
    pre, cls = config("food_preprocess_nvjpeg"), config("food_classifier_torch")
    assert tensors(top.input) == tensors(pre.input) == {"JPEG": ("TYPE_UINT8", [-1])}
    assert pre.input[0].allow_ragged_batch
    assert tensors(pre.output) == {"IMAGE": ("TYPE_FP32", [3, 224, 224])} == tensors(cls.input)
    assert tensors(top.output) == tensors(cls.output)
    assert top.max_batch_size <= min(pre.max_batch_size, cls.max_batch_size)
    assert [step.model_name for step in top.ensemble_scheduling.step] == [pre.name, cls.name]
    assert {p for p in cls.parameters} == {"WEIGHTS", "EXTRA_SYS_PATH"}
