#!/usr/bin/env bash
# Build the food model for Triton: a throwaway venv with CPU torch exports EfficientNet-Lite0
# (ImageNet weights) to triton_models/food_classifier/1/model.onnx, checks it against torch, writes
# labels.txt, and links the GPU variant to the same file.
#
#   triton_models/build.sh            # venv in var/export-venv, reused when requirements are unchanged
#   FORCE=1 triton_models/build.sh    # re-export even if model.onnx is newer than the script
#   KEEP_VENV=0 triton_models/build.sh  # delete the venv afterwards
#   VARIANTS="lite0 lite2" triton_models/build.sh  # also export EfficientNet-Lite2 into
#                                     # food_classifier_lite2/ (bench/model_choice.py; not served)
#
# Env: PYTHON (default python3.11), EXPORT_VENV (default var/export-venv),
#      TORCH_INDEX_URL (extra pip index for torch==2.13.0+cpu where no local wheel exists,
#      e.g. https://download.pytorch.org/whl/cpu), VARIANTS (default lite0; lite0 is always built).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
VENV="${EXPORT_VENV:-$ROOT/var/export-venv}"
REQ="$HERE/requirements-export.txt"
ONNX="$HERE/food_classifier/1/model.onnx"

start=$(date +%s)
stamp="$VENV/.requirements-export.txt"
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$REQ" "$stamp"; then
    echo "[build] creating export venv $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    extra=()
    [[ -n "${TORCH_INDEX_URL:-}" ]] && extra=(--extra-index-url "$TORCH_INDEX_URL")
    "$VENV/bin/pip" install -q --disable-pip-version-check "${extra[@]}" -r "$REQ"
    cp "$REQ" "$stamp"
fi
# Refuse a CUDA torch: it would be a multi-GB download that the export does not need.
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md, sys
import torch
cuda = [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia-")]
if torch.version.cuda or cuda:
    sys.exit(f"export venv has a CUDA torch ({torch.__version__}, {cuda}); use the +cpu wheel")
print(f"[build] torch {torch.__version__} (CPU only)")
PY
venv_done=$(date +%s)

if [[ "${FORCE:-0}" == 1 || ! -f "$ONNX" || "$HERE/export_food_model.py" -nt "$ONNX" \
      || "$REQ" -nt "$ONNX" ]]; then
    "$VENV/bin/python" "$HERE/export_food_model.py" --output "$ONNX" \
        --labels "$HERE/food_classifier/labels.txt"
else
    echo "[build] $ONNX is up to date (FORCE=1 to re-export)"
fi

# Opt-in extra variants (VARIANTS="lite0 lite2"): only for the model-choice benchmark.
for variant in ${VARIANTS:-lite0}; do
    case "$variant" in
        lite0) ;;
        lite2)
            extra_onnx="$HERE/food_classifier_lite2/1/model.onnx"
            if [[ "${FORCE:-0}" == 1 || ! -f "$extra_onnx" || "$HERE/export_food_model.py" -nt "$extra_onnx" \
                  || "$REQ" -nt "$extra_onnx" ]]; then
                "$VENV/bin/python" "$HERE/export_food_model.py" --variant lite2 --output "$extra_onnx" \
                    --labels "$HERE/food_classifier/labels.txt"
            else
                echo "[build] $extra_onnx is up to date (FORCE=1 to re-export)"
            fi
            ;;
        *) echo "[build] unknown variant '$variant' (lite0, lite2)" >&2; exit 2 ;;
    esac
done

# The GPU variant serves the very same file (a relative link, so the repository can be copied).
mkdir -p "$HERE/food_classifier_gpu/1"
ln -sfn ../../food_classifier/1/model.onnx "$HERE/food_classifier_gpu/1/model.onnx"
ln -sfn ../food_classifier/labels.txt "$HERE/food_classifier_gpu/labels.txt"

if [[ "${KEEP_VENV:-1}" == 0 ]]; then
    rm -rf "$VENV"
fi
end=$(date +%s)
echo "[build] venv $((venv_done - start)) s, export $((end - venv_done)) s, total $((end - start)) s"
