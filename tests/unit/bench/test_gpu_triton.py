import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from bench import gpu_triton

BASE = (gpu_triton.GPU_MODEL_DIR / "config.pbtxt").read_text()
ROOT = Path(__file__).resolve().parents[3]


def test_defaults():
    args = gpu_triton.parse_args([])
    assert args.batches == [1, 8, 64]
    assert args.variant_list == ["trt", "cuda"]
    assert not args.dry_run


def test_batches_and_variants_are_checked():
    assert gpu_triton.parse_args(["--batches", "64,1,8,8"]).batches == [1, 8, 64]
    with pytest.raises(argparse.ArgumentTypeError):
        gpu_triton.parse_batches("0,8")
    with pytest.raises(SystemExit):
        gpu_triton.parse_args(["--batches", "x"])
    with pytest.raises(SystemExit):
        gpu_triton.parse_args(["--variants", "trt,fp8"])
    with pytest.raises(SystemExit):
        gpu_triton.parse_args(["--concurrency", "0"])


def test_trt_config_widens_the_batch_and_drops_dynamic_batching():
    text = gpu_triton.render_gpu_config(BASE, "trt", 64)
    assert 'name: "food_classifier_trt"' in text
    assert "max_batch_size: 64" in text
    assert "dynamic_batching" not in text
    assert "IMAGE:64x3x224x224" in text
    assert 'name : "tensorrt"' in text
    assert '"FP16"' in text
    assert text.count("{") == text.count("}")


def test_cuda_config_has_no_accelerator():
    text = gpu_triton.render_gpu_config(BASE, "cuda", 8)
    assert 'name: "food_classifier_cuda"' in text
    assert "max_batch_size: 8" in text
    assert "tensorrt" not in text
    assert "optimization" not in text
    assert "KIND_GPU" in text
    assert text.count("{") == text.count("}")


def test_drop_block_refuses_unbalanced_text():
    with pytest.raises(ValueError, match="unbalanced"):
        gpu_triton._drop_block("optimization {\n  a {\n}\n", "optimization")
    assert gpu_triton._drop_block("x: 1\n", "optimization") == "x: 1\n"


def test_no_nvidia_smi_means_no_gpu(monkeypatch):
    monkeypatch.setattr(gpu_triton.shutil, "which", lambda _name: None)
    with pytest.raises(gpu_triton.NoGpu, match="nvidia-smi"):
        gpu_triton.gpu_names()


def test_gpu_names_from_nvidia_smi(monkeypatch):
    monkeypatch.setattr(gpu_triton.shutil, "which", lambda name: f"/usr/bin/{name}")

    def listing(*_args, **_kwargs):
        return subprocess.CompletedProcess([], 0, "GPU 0: NVIDIA H200 (UUID: GPU-1)\n", "")

    assert gpu_triton.gpu_names(runner=listing) == ["GPU 0: NVIDIA H200 (UUID: GPU-1)"]

    def failing(*_args, **_kwargs):
        return subprocess.CompletedProcess([], 9, "", "NVIDIA-SMI has failed")

    with pytest.raises(gpu_triton.NoGpu, match="NVIDIA-SMI has failed"):
        gpu_triton.gpu_names(runner=failing)


def test_main_fails_fast_without_a_gpu(monkeypatch, capsys):
    monkeypatch.setattr(gpu_triton.shutil, "which", lambda _name: None)
    assert gpu_triton.main(["--no-record"]) == 2
    assert "no NVIDIA GPU" in capsys.readouterr().err


def test_dry_run_needs_no_gpu(capsys):
    assert gpu_triton.main(["--dry-run", "--batches", "1,8"]) == 0
    out = capsys.readouterr().out
    assert "food_classifier_trt/config.pbtxt" in out
    assert "food_classifier_cuda/config.pbtxt" in out


def test_find_server_wants_an_onnxruntime_backend(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_triton.shutil, "which", lambda _name: None)
    args = gpu_triton.parse_args([])
    if not Path("/opt/tritonserver/bin/tritonserver").exists():
        with pytest.raises(gpu_triton.NoGpu, match="no GPU tritonserver"):
            gpu_triton.find_server(args)
    binary = tmp_path / "bin" / "tritonserver"
    binary.parent.mkdir()
    binary.touch()
    args = gpu_triton.parse_args(["--tritonserver", str(binary)])
    with pytest.raises(gpu_triton.NoGpu, match="onnxruntime backend"):
        gpu_triton.find_server(args)
    (tmp_path / "backends" / "onnxruntime").mkdir(parents=True)
    assert gpu_triton.find_server(args) == [str(binary)]


def test_server_argv_for_docker_and_binary(tmp_path):
    ports = {"grpc": 19001, "http": 19002, "metrics": 19003}
    args = gpu_triton.parse_args(["--docker", "img:1", "--variants", "trt"])
    argv = gpu_triton.server_argv(["docker", "run"], args, tmp_path, ports)
    assert argv[:2] == ["docker", "run"]
    assert f"{tmp_path}:/models" in argv
    assert "--load-model=food_classifier_trt" in argv
    assert "--load-model=food_classifier_cuda" not in argv
    argv = gpu_triton.server_argv(["/opt/tritonserver/bin/tritonserver"], args, tmp_path, ports)
    assert f"--model-repository={tmp_path}" in argv
    assert "--grpc-port=19001" in argv


def test_perf_analyzer_csv():
    text = (
        "Concurrency,Inferences/Second,Client Send,p50 latency,p90 latency,p95 latency\n"
        "4,1234.5,10,3200,3900,4100\n"
    )
    assert gpu_triton.parse_perf_analyzer_csv(text) == (1234.5, 3.2, 4.1)
    with pytest.raises(ValueError, match="no rows"):
        gpu_triton.parse_perf_analyzer_csv("Concurrency,Inferences/Second\n")


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU machine")
def test_shell_script_fails_fast_without_a_gpu():
    result = subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu_triton.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no NVIDIA GPU" in result.stderr
