"""How close an int8 food model comes to the float one, and how much CPU it saves.

The meal pipeline's largest single cost is the model (about 12 ms of CPU per photo on these
2-core machines); issue 14's 60 photos/s needs about 33 ms per photo in all. This measures
onnxruntime's static int8 quantisation (QDQ, per-channel weights) of the shipped
EfficientNet-Lite0 before anyone re-tunes the decision rules for it:

1. the app's venv preprocesses every photo of the evaluation set (bench/food_eval) as the
   worker does, into one .npy;
2. the model-export venv (var/export-venv: onnx, onnxruntime) quantises with every 8th photo
   as calibration and runs both models on the other photos, batch 1, one thread.

Reported: agreement of the top class, change of the top class's probability, cosine of the
int8 embedding to the float one (what the personal examples compare), and CPU per image.
`--record` appends the table to bench/RESULTS.md.

    python -m bench.int8_fidelity [--record]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CALIBRATION_EVERY = 8  # every 8th photo calibrates; the others are measured
HERE = Path(__file__).resolve()


def _prepare(out: Path) -> list[str]:
    """The evaluation set as the worker's float tensors, [N, 3, 224, 224], and each photo's kind."""
    import numpy as np

    from bench.food_eval.dataset import photos
    from healthapp.inference.preprocess import preprocess_bytes

    shown = photos()
    np.save(out, np.stack([preprocess_bytes(photo.path.read_bytes()) for photo in shown]))
    return [photo.kind for photo in shown]


def _measure(model: str, tensors: str) -> dict[str, object]:  # runs in the export venv
    import time

    import numpy as np
    import onnxruntime as ort
    from onnxruntime import quantization as q

    data = np.load(tensors)
    calibration = data[::CALIBRATION_EVERY]
    measured = np.delete(data, np.s_[::CALIBRATION_EVERY], axis=0)
    input_name = ort.InferenceSession(model).get_inputs()[0].name

    class Reader(q.CalibrationDataReader):
        def __init__(self) -> None:
            self.rows = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            row = next(self.rows, None)
            return None if row is None else {input_name: row[None]}

    int8 = str(Path(tempfile.mkdtemp()) / "model_int8.onnx")
    q.quantize_static(
        model,
        int8,
        Reader(),
        quant_format=q.QuantFormat.QDQ,
        per_channel=True,
        activation_type=q.QuantType.QUInt8,
        weight_type=q.QuantType.QInt8,
    )

    def session(path: str) -> ort.InferenceSession:
        options = ort.SessionOptions()  # as triton_models/food_classifier/1/model.py
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])

    def run(path: str) -> tuple[np.ndarray, np.ndarray, float]:
        runner = session(path)
        for row in measured[:10]:
            runner.run(["SCORES", "EMBEDDING"], {input_name: row[None]})
        scores, embeddings = [], []
        start = time.process_time()
        for row in measured:
            s, e = runner.run(["SCORES", "EMBEDDING"], {input_name: row[None]})
            scores.append(s[0])
            embeddings.append(e[0])
        cpu_ms = (time.process_time() - start) * 1000 / len(measured)
        return np.array(scores), np.array(embeddings), cpu_ms

    s32, e32, ms32 = run(model)
    s8, e8, ms8 = run(int8)
    top32, top8 = s32.argmax(1), s8.argmax(1)
    rows = np.arange(len(top32))
    drift = np.abs(s8[rows, top32] - s32[rows, top32])
    cosine = (e8 * e32).sum(1) / (np.linalg.norm(e8, axis=1) * np.linalg.norm(e32, axis=1))
    return {
        "photos": len(measured),
        "calibration": len(calibration),
        "top1_agree": float((top32 == top8).mean()),
        "confident_agree": float((top32 == top8)[s32.max(1) >= 0.3].mean()),
        "drift_median": float(np.median(drift)),
        "drift_p95": float(np.percentile(drift, 95)),
        "drift_max": float(drift.max()),
        "cos_median": float(np.median(cosine)),
        "cos_p5": float(np.percentile(cosine, 5)),
        "cos_min": float(cosine.min()),
        "float_ms": round(ms32, 2),
        "int8_ms": round(ms8, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--measure", nargs=2, metavar=("MODEL", "TENSORS"), help=argparse.SUPPRESS)
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(*args.measure)))
        return 0

    from bench.common import append_results, machine_info, versions
    from healthapp.config import PROJECT_ROOT

    machine_start = machine_info()

    model = PROJECT_ROOT / "triton_models" / "food_classifier" / "1" / "model.onnx"
    export_python = PROJECT_ROOT / "var" / "export-venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        tensors = Path(tmp) / "eval.npy"
        _prepare(tensors)
        done = subprocess.run(
            [str(export_python), str(HERE), "--measure", str(model), str(tensors)],
            check=True,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    table = [
        "| photos measured (calibration) | top class agrees | agrees where float >= 0.30 "
        "| top-class probability change median / p95 / max | embedding cosine median / p5 / min "
        "| CPU ms per image float / int8 |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {found['photos']} ({found['calibration']}) | {found['top1_agree']:.1%} "
        f"| {found['confident_agree']:.1%} | {found['drift_median']:.3f} / "
        f"{found['drift_p95']:.3f} / {found['drift_max']:.3f} | {found['cos_median']:.3f} / "
        f"{found['cos_p5']:.3f} / {found['cos_min']:.3f} | {found['float_ms']} / "
        f"{found['int8_ms']} |",
    ]
    print("\n".join(table))
    if args.record:
        export_ort = subprocess.run(
            [str(export_python), "-c", "import onnxruntime; print(onnxruntime.__version__)"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        append_results(
            "Food model: int8 against float (onnxruntime static QDQ, per channel)",
            settings={
                "calibration": f"every {CALIBRATION_EVERY}th photo of bench/food_eval",
                "threads": 1,
                "batch": 1,
                "clock": "time.process_time",
            },
            body="\n".join(table),
            machine_start=machine_start,
            version_info=versions(extra={"export-venv onnxruntime": export_ort}),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
