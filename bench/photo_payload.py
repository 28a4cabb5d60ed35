"""Per-photo cost of the two ways the worker can feed the food model, side by side, in-process:

    python -m bench.photo_payload            # fixture photos, and each scaled to 2048 px
    python -m bench.photo_payload --repeat 50 --no-record

tensor: decode + preprocess in the worker, 602 KB of float32 to `food_classifier`.
jpeg:   reduced-scale decode + resize + JPEG encode in the worker (healthapp.inference.compact),
        the small JPEG to `food_recognizer`; Triton then decodes and preprocesses it (timed here
        with the same Pillow steps, healthapp.inference.preprocess, as `food_preprocess` runs).

CPU is this thread's CPU time (time.thread_time), median over `--repeat` runs. The 2048 px
versions stand for stored photos: uploads are shrunk to at most 2048 px before they are stored.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from PIL import Image

from bench import common
from healthapp.inference.compact import decode_reduced, encode_small
from healthapp.inference.preprocess import decode, preprocess, preprocess_bytes

TENSOR_BYTES = 3 * 224 * 224 * 4


def cpu_ms(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.thread_time()
        step()
        times.append((time.thread_time() - start) * 1000)
    return statistics.median(times)


def scaled(data: bytes, side: int = 2048) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    factor = side / max(image.size)
    image = image.resize((round(image.width * factor), round(image.height * factor)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def rows_for(name: str, data: bytes, repeat: int) -> list[list[object]]:
    small = encode_small(decode_reduced(data))
    tensor_cpu = cpu_ms(lambda: preprocess(decode(data)), repeat)
    jpeg_cpu = cpu_ms(lambda: encode_small(decode_reduced(data)), repeat)
    triton_cpu = cpu_ms(lambda: preprocess_bytes(small), repeat)
    size = "x".join(str(n) for n in Image.open(io.BytesIO(data)).size)
    return [
        [name, size, "tensor", TENSOR_BYTES, round(tensor_cpu, 2), "-"],
        [name, size, "jpeg", len(small), round(jpeg_cpu, 2), round(triton_cpu, 2)],
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.photo_payload", description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    machine = common.machine_info()
    rows = []
    for path in common.photo_paths():
        data = path.read_bytes()
        rows += rows_for(path.name, data, args.repeat)
        rows += rows_for(f"{path.stem} (2048 px JPEG)", scaled(data), args.repeat)
    headers = (
        "photo",
        "size",
        "path",
        "bytes/request",
        "worker CPU ms",
        "Triton preprocess CPU ms",
    )
    body = "### Per photo: bytes to Triton and preprocessing CPU, tensor vs jpeg\n\n" + (
        common.table(headers, rows)
    )
    common.print_flush(body)
    if not args.no_record:
        common.append_results(
            "Photo payload",
            settings={"repeat": args.repeat, "clock": "time.thread_time, median"},
            body=body,
            machine_start=machine,
            version_info=common.versions(),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
