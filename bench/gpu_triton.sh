#!/usr/bin/env bash
# TensorRT FP16 vs onnxruntime CUDA for the food model through Triton, batch 1/8/64 (a few minutes).
#
#   bash bench/gpu_triton.sh                                   # inside NVIDIA's tritonserver container
#   bash bench/gpu_triton.sh --docker nvcr.io/nvidia/tritonserver:24.10-py3   # on a GPU host
#   bash bench/gpu_triton.sh --dry-run                          # the plan and configs; no GPU needed
#
# Needs: an NVIDIA GPU (nvidia-smi), a GPU tritonserver with the onnxruntime backend (or docker
# with NVIDIA's image), triton_models/food_classifier/1/model.onnx (triton_models/build.sh), and a
# Python with numpy + tritonclient[grpc] + Pillow (the repo's .venv) unless perf_analyzer is on
# PATH. Figures: the terminal, bench/RESULTS.md, and --out FILE (JSON). Details: bench/gpu_triton.py.
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0
for arg in "$@"; do
  [[ "$arg" == "--dry-run" || "$arg" == "-h" || "$arg" == "--help" ]] && dry_run=1
done
if [[ $dry_run == 0 ]]; then
  if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "bench/gpu_triton.sh: no NVIDIA GPU here (nvidia-smi missing or lists none);" \
      "run it on a GPU machine (see the header of this script)" >&2
    exit 2
  fi
fi

if [[ -x .venv/bin/python ]]; then
  python=.venv/bin/python
else
  python=$(command -v python3)
fi
exec "$python" -m bench.gpu_triton "$@"
