"""onnxruntime in-process at batch 1: the baseline of bench/inference.py.

Runs under Triton's own venv (`var/triton-venv/bin/python bench/ort_inprocess.py ...`), which has
the very onnxruntime build (1.32.0, numpy<2) that Triton's python backend runs the model with, so
the comparison differs only in the serving path. The app's venv has no onnxruntime and needs none.
Standalone on purpose: only numpy and onnxruntime are imported.

Prints one JSON object: {"onnxruntime": version, "latencies_ms": [...], "seconds": wall,
"cpu_seconds": CPU time of the measured loop (all threads), "images": images run}.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import onnxruntime as ort

OUTPUTS = ["SCORES", "EMBEDDING"]  # what the Triton model computes per request, too


def session(path: str, *, intra: int, inter: int, spinning: bool) -> ort.InferenceSession:
    """The session options of triton_models/food_classifier/1/model.py."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra
    options.inter_op_num_threads = inter
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", str(int(spinning)))
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--tensors", required=True, help=".npy of shape [K, 3, 224, 224]")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--intra", type=int, default=2)
    parser.add_argument("--inter", type=int, default=1)
    parser.add_argument("--spinning", type=int, default=0)
    args = parser.parse_args()

    images = np.load(args.tensors).astype(np.float32)
    sess = session(args.onnx, intra=args.intra, inter=args.inter, spinning=bool(args.spinning))
    batches = [
        np.ascontiguousarray(np.take(images, range(i, i + args.batch), axis=0, mode="wrap"))
        for i in range(len(images))
    ]
    for i in range(args.warmup):
        sess.run(OUTPUTS, {"IMAGE": batches[i % len(batches)]})
    latencies = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    for i in range(args.requests):
        t0 = time.perf_counter()
        sess.run(OUTPUTS, {"IMAGE": batches[i % len(batches)]})
        latencies.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    print(
        json.dumps(
            {
                "onnxruntime": ort.__version__,
                "latencies_ms": latencies,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "images": args.requests * args.batch,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
