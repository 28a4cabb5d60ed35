"""The container's Triton model repository (deploy/triton/models) and its entrypoint: the model
configs parse as Triton's ModelConfig protobuf and serve the same tensors as the model in
triton_models/; the entrypoint, run with stand-ins for tritonserver, nvidia-smi and trtexec,
builds the TensorRT engine once, reuses it, and starts the server with the right model. Triton
itself in NVIDIA's container and trtexec on a GPU have not run here (no GPU, no Docker)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from tests.deploy.conftest import DEPLOY, ROOT, failed, run

MODELS = DEPLOY / "triton" / "models"
ENTRYPOINT = DEPLOY / "triton" / "entrypoint.sh"


def config(path: Path) -> model_config_pb2.ModelConfig:
    return text_format.Parse(path.read_text(), model_config_pb2.ModelConfig())


def tensors(model: model_config_pb2.ModelConfig) -> list[tuple[str, int, list[int], str]]:
    items = [*model.input, *model.output]
    return [(t.name, t.data_type, list(t.dims), getattr(t, "label_filename", "")) for t in items]


@pytest.mark.parametrize(
    ("file", "name", "platform", "kind"),
    [
        ("food_classifier.cpu.pbtxt", "food_classifier", "onnxruntime_onnx", "KIND_CPU"),
        ("food_classifier_trt.pbtxt", "food_classifier_trt", "tensorrt_plan", "KIND_GPU"),
    ],
)
def test_model_configs(file: str, name: str, platform: str, kind: str) -> None:
    model = config(MODELS / file)
    reference = config(ROOT / "triton_models" / "food_classifier" / "config.pbtxt")
    assert (model.name, model.platform) == (name, platform)
    assert tensors(model) == tensors(reference)  # the worker's client works with either
    assert model.max_batch_size == reference.max_batch_size
    assert model.dynamic_batching.max_queue_delay_microseconds > 0
    kinds = {model_config_pb2.ModelInstanceGroup.Kind.Name(g.kind) for g in model.instance_group}
    assert kinds == {kind}
    dockerfile = (DEPLOY / "Dockerfile.triton").read_text()
    assert f"{file} /models/{name}/config.pbtxt" in dockerfile


def test_engine_profile_covers_the_batch_size() -> None:
    model = config(MODELS / "food_classifier_trt.pbtxt")
    default = re.search(r'max_batch="\$\{TRT_MAX_BATCH:-(\d+)\}"', ENTRYPOINT.read_text())
    assert default
    assert int(default.group(1)) == model.max_batch_size


def test_entrypoint_syntax() -> None:
    result = run(["bash", "-n", str(ENTRYPOINT)])
    assert result.returncode == 0, failed(result)


def _stub(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def container(tmp_path: Path) -> dict[str, object]:
    """A fake container: the model repository, a cache folder and stand-in programs on PATH."""
    repo = tmp_path / "models"
    (repo / "food_classifier" / "1").mkdir(parents=True)
    (repo / "food_classifier" / "1" / "model.onnx").write_bytes(b"onnx bytes")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    _stub(bin_dir, "tritonserver", f'echo "tritonserver $*" >> {log}\n')
    _stub(
        bin_dir,
        "nvidia-smi",
        'if [[ "$1" == -L ]]; then echo "GPU 0: NVIDIA H100"; '
        'else echo "NVIDIA H100 80GB HBM3, 9.0"; fi\n',
    )
    _stub(
        bin_dir,
        "trtexec",
        f'echo "trtexec $*" >> {log}\n'
        'for a in "$@"; do [[ "$a" == --saveEngine=* ]] && echo plan > "${a#--saveEngine=}"; done\n'
        "exit 0\n",
    )
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TRITON_MODEL_REPOSITORY": str(repo),
        "TRT_ENGINE_CACHE": str(tmp_path / "cache"),
    }
    return {"env": env, "log": log, "cache": tmp_path / "cache", "bin": bin_dir}


def _entrypoint(container: dict[str, object], **env: str) -> subprocess.CompletedProcess[str]:
    return run(["bash", str(ENTRYPOINT)], env={**container["env"], **env})  # type: ignore[dict-item]


def test_cpu_variant_serves_the_onnxruntime_model(container: dict[str, object]) -> None:
    result = _entrypoint(container, TRITON_VARIANT="cpu")
    assert result.returncode == 0, failed(result)
    call = Path(container["log"]).read_text()  # type: ignore[arg-type]
    assert "--load-model=food_classifier " in call + " "
    assert "--model-control-mode=explicit" in call
    assert "trtexec" not in call
    assert "--grpc-port=8001" in call
    assert "--metrics-port=8002" in call


def test_gpu_variant_builds_the_engine_once(container: dict[str, object]) -> None:
    first = _entrypoint(container, TRITON_VARIANT="gpu")
    assert first.returncode == 0, failed(first)
    assert "building the TensorRT FP16 engine" in first.stderr
    cache = Path(container["cache"])  # type: ignore[arg-type]
    plan = cache / "current" / "model.plan"
    assert plan.read_text() == "plan\n"
    # Named by the ONNX file, the GPU and the TensorRT library; "current" points at it.
    assert "NVIDIA_H100_80GB_HBM3" in os.readlink(cache / "current")
    calls = Path(container["log"]).read_text()  # type: ignore[arg-type]
    assert "--fp16" in calls
    assert "--maxShapes=IMAGE:32x3x224x224" in calls
    assert "--load-model=food_classifier_trt" in calls
    second = _entrypoint(container, TRITON_VARIANT="gpu")
    assert second.returncode == 0, failed(second)
    assert "reusing the TensorRT engine" in second.stderr
    assert Path(container["log"]).read_text().count("trtexec ") == 1  # type: ignore[arg-type]


def test_gpu_variant_without_a_gpu_says_so(container: dict[str, object]) -> None:
    (Path(container["bin"]) / "nvidia-smi").unlink()  # type: ignore[arg-type]
    env = dict(container["env"])  # type: ignore[arg-type]
    env["PATH"] = f"{container['bin']}:/usr/bin:/bin"
    result = run(["bash", str(ENTRYPOINT)], env={**env, "TRITON_VARIANT": "gpu"})
    assert result.returncode == 2
    assert "no GPU is visible" in result.stderr


def test_unknown_variant_is_refused(container: dict[str, object]) -> None:
    result = _entrypoint(container, TRITON_VARIANT="tpu")
    assert result.returncode == 2
    assert "must be cpu or gpu" in result.stderr
