from pathlib import Path

from bench import gpu_torch

ROW = {"p50_ms": 0.7, "p95_ms": 0.8, "images_per_s": 1465.7}
FIDELITY = {
    "top1_agree": 0.99,
    "max_abs_score_diff": 0.01,
    "top_prob_drift_p95": 0.005,
    "top_prob_drift_max": 0.01,
    "embedding_cos_min": 0.9999,
}


def _found() -> dict:
    machine = {"cpu": "Xeon", "cores": 16, "usable_cores": 16, "ram_gib": 125.8}
    return {
        "probe": {
            "gpu": "NVIDIA H200, 580.159.04, 143771 MiB",
            "python": "3.12.3",
            "machine": {**machine, "loadavg": (0.1, 0.0, 0.0)},
            "tritonserver": None,
            "trtexec": None,
            "tensorrt": False,
            "torch_tensorrt": False,
            "nvidia.dali": True,
            "onnxruntime_providers": ["CPUExecutionProvider"],
            "torch": "2.11.0+cu130",
            "torchvision": "0.26.0+cu130",
        },
        "photos": 578,
        "reference_onnxruntime": "1.32.0",
        "pillow_preprocess_cpu_ms_per_photo": 1.75,
        "fidelity": {
            "fp32": FIDELITY,
            "fp16": FIDELITY,
            "gpu_preprocess_fp32": {
                **FIDELITY,
                "pixel_diff_mean": 0.0,
                "pixel_diff_p99": 0.0,
                "pixel_diff_max": 0.0,
            },
        },
        "speed": {"fp16 cuda-graph b1": ROW, "fp16 torch.compile b64": {"skipped": "out of time"}},
        "errors": {"compiled speed": "Traceback ...\nRuntimeError: no compiler"},
        "gpu_memory_peak_mib": 1663.8,
    }


def test_record_names_what_is_missing_skipped_and_failed(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    body = gpu_torch.record(_found(), path=results)
    assert "Not on the machine: tritonserver, trtexec, tensorrt, torch_tensorrt." in body
    assert "| fp16 cuda-graph b1 | 0.7 | 0.8 | 1465.7 |" in body
    assert "| fp16 torch.compile b64 | skipped: out of time | | |" in body
    assert "Section 'compiled speed' failed: `RuntimeError: no compiler`" in body
    assert "| PyTorch CUDA FP16, Pillow preprocessing | 99.0% |" in body
    text = results.read_text()
    assert "## Food model on a GPU (H200)" in text
    assert body.splitlines()[0] in text
