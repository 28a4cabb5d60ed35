"""Serialize the GPU preprocessing pipeline for Triton's DALI backend (food_preprocess_dali).

    pip install --extra-index-url https://pypi.nvidia.com nvidia-dali-cuda120
    python triton_models/food_preprocess_dali/pipeline.py        # -> 1/model.dali

Run it where nvidia-dali is installed (NVIDIA's tritonserver container ships the DALI backend but
not the Python package); model.dali is a build output, like model.onnx. The steps mirror
healthapp/inference/preprocess.py on the GPU: nvJPEG decode ("mixed": host parse, device decode),
RGB, short side 256 (linear, antialiased), centre crop 224, (x - 127) / 128, CHW float32. DALI's
resampling and crop rounding are not Pillow's, so scores differ slightly from the CPU ensemble.
Not yet run: nvidia-dali is on neither the development machine nor the lent GPU machine; the
same decode with nvJPEG (torchvision) was measured there: bench/gpu_torch.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nvidia.dali import fn, pipeline_def, types

MAX_BATCH_SIZE = 32  # = max_batch_size in config.pbtxt


@pipeline_def(batch_size=MAX_BATCH_SIZE, num_threads=4, device_id=0)
def food_preprocess():  # noqa: ANN201 (a DALI graph node, untyped)
    # The name is the Triton input's: the DALI backend feeds config inputs by external_source name.
    jpegs = fn.external_source(name="JPEG", dtype=types.UINT8, device="cpu")
    images = fn.decoders.image(jpegs, device="mixed", output_type=types.RGB)
    images = fn.resize(images, resize_shorter=256, interp_type=types.INTERP_LINEAR, antialias=True)
    return fn.crop_mirror_normalize(
        images,
        crop=(224, 224),
        crop_pos_x=0.5,
        crop_pos_y=0.5,
        mean=[127.0, 127.0, 127.0],
        std=[128.0, 128.0, 128.0],
        dtype=types.FLOAT,
        output_layout="CHW",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "1" / "model.dali")
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    food_preprocess().serialize(filename=str(args.output))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
