#!/usr/bin/env bash
# Entrypoint of deploy/Dockerfile.triton: pick the variant, build the TensorRT engine on first
# start (gpu), then exec tritonserver with explicit model control.
#
#   TRITON_VARIANT=cpu   food_classifier, onnxruntime on the CPU (no GPU needed)
#   TRITON_VARIANT=gpu   food_classifier_trt, a TensorRT FP16 engine built here by trtexec
#
# The engine depends on the GPU model and the TensorRT version, so it is built on the machine
# that serves it, once, and kept in TRT_ENGINE_CACHE (a volume), in a folder named by the ONNX
# file's sha256, the GPU name and compute capability and the TensorRT library version. A restart,
# or another container on the same kind of GPU sharing the volume, reuses it; a different GPU or
# a new image builds its own. flock keeps two containers from building the same engine at once.
# Extra arguments are passed on to tritonserver.
set -euo pipefail

variant="${TRITON_VARIANT:-cpu}"
repo="${TRITON_MODEL_REPOSITORY:-/models}"
cache="${TRT_ENGINE_CACHE:-/cache/trt}"
onnx="$repo/food_classifier/1/model.onnx"
max_batch="${TRT_MAX_BATCH:-32}"
opt_batch="${TRT_OPT_BATCH:-16}"
workspace_mib="${TRT_WORKSPACE_MIB:-2048}"

log() { echo "[triton-entrypoint] $*" >&2; }

find_trtexec() {
    local candidate
    for candidate in "$(command -v trtexec || true)" /usr/src/tensorrt/bin/trtexec; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

engine_key() {
    local onnx_sum gpu trt_lib
    onnx_sum=$(sha256sum "$onnx" | cut -c1-16)
    gpu=$(nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader -i 0 | head -1 \
        | tr -c 'A-Za-z0-9.\n' '_' | tr -d '\n')
    trt_lib=$(ldconfig -p | awk '/libnvinfer\.so\.[0-9]+ /{print $NF; exit}')
    if [[ -n "$trt_lib" ]]; then
        trt_lib=$(basename "$(readlink -f "$trt_lib")")
    else
        trt_lib="trt-${TRT_VERSION:-unknown}"
    fi
    echo "${onnx_sum}-${gpu}-${trt_lib}"
}

build_engine() {
    local trtexec key dir plan started
    if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
        log "TRITON_VARIANT=gpu but no GPU is visible (nvidia-smi fails); use TRITON_VARIANT=cpu"
        exit 2
    fi
    trtexec=$(find_trtexec) || { log "trtexec not found (PATH, /usr/src/tensorrt/bin)"; exit 2; }
    mkdir -p "$cache"
    key=$(engine_key)
    dir="$cache/$key"
    plan="$dir/model.plan"
    exec 9>"$cache/.build.lock"
    flock 9
    if [[ -s "$plan" ]]; then
        log "reusing the TensorRT engine $plan"
    else
        log "building the TensorRT FP16 engine for $key (batch 1..$max_batch); this takes a while once"
        mkdir -p "$dir"
        started=$(date +%s)
        "$trtexec" \
            --onnx="$onnx" \
            --saveEngine="$plan.tmp" \
            --fp16 \
            --minShapes=IMAGE:1x3x224x224 \
            --optShapes="IMAGE:${opt_batch}x3x224x224" \
            --maxShapes="IMAGE:${max_batch}x3x224x224" \
            --memPoolSize="workspace:${workspace_mib}M" \
            --skipInference \
            > "$dir/trtexec.log" 2>&1 \
            || { log "trtexec failed; last lines of $dir/trtexec.log:"; tail -20 "$dir/trtexec.log" >&2; exit 1; }
        mv "$plan.tmp" "$plan"
        log "engine built in $(( $(date +%s) - started )) s: $plan"
    fi
    # The model repository's 1/model.plan points at $cache/current/model.plan.
    ln -sfn "$key" "$cache/current"
    flock -u 9
}

case "$variant" in
    cpu) models=(food_classifier) ;;
    gpu) build_engine; models=(food_classifier_trt) ;;
    *) log "TRITON_VARIANT must be cpu or gpu, not '$variant'"; exit 2 ;;
esac

args=(
    "--model-repository=$repo"
    --model-control-mode=explicit
    --http-port=8000
    --grpc-port=8001
    --metrics-port=8002
    --exit-timeout-secs=10
    --log-format=ISO8601
)
for model in "${models[@]}"; do
    args+=("--load-model=$model")
done
[[ "$variant" == cpu ]] && args+=(--allow-gpu-metrics=false)
log "tritonserver ${args[*]} $*"
exec tritonserver "${args[@]}" "$@"
