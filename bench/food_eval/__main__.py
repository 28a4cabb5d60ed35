"""The evaluation report: `python -m bench.food_eval [--triton HOST:PORT] [--record]`.

Fetches the set (bench/food_eval/dataset.py), scores every photo through a running Triton (or
one it starts on free ports), and prints, for round 1's rule, the rules in
healthapp/services/analysis/decision.py and the grid's best rules (with a held-out check:
tuned on one half of the set, judged on the other), what the app would show. `--record` appends
the tables to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse

from bench import common
from bench.food_eval import dataset, evaluate
from healthapp.services.analysis.decision import RULES

KNOWN = ("right", "roughly", "offered", "wrong", "choices_missed", "none")
UNKNOWN = ("confident_ok", "confident_wrong", "choices", "none")


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _row(name: str, result: evaluate.Report) -> list[str]:
    known, unknown, nonfood = (result.counts[k] for k in ("known", "unknown", "nonfood"))
    return [
        name,
        *(str(known[c]) for c in KNOWN),
        _pct(result.known_right),
        _pct(result.known_helped),
        *(str(unknown[c]) for c in UNKNOWN),
        _pct(result.unknown_wrong),
        f"{nonfood['confident']}/{nonfood['choices']}/{nonfood['none']}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--triton", help="gRPC address of a running Triton (default: start one)")
    parser.add_argument("--model", default="food_classifier")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()

    machine = common.machine_info()
    photos = dataset.photos()
    with evaluate.serving(args.triton, (args.model,)) as url:
        probabilities = evaluate.scores(photos, url, args.model)
    tuned, tuned_report = evaluate.tune(photos, probabilities)
    rows = [
        _row("round 1 (top food >= 0.30)", evaluate.old_rule(photos, probabilities)),
        _row("decision.RULES (shipped)", evaluate.report(photos, probabilities, RULES)),
        _row("grid best on the whole set", tuned_report),
        _row("held out (tuned on the other half)", evaluate.held_out(photos, probabilities)),
    ]
    kinds = {kind: sum(1 for p in photos if p.kind == kind) for kind in evaluate.KINDS}
    headers = [
        "rule", *(f"known {c}" for c in KNOWN), "known right", "known helped",
        *(f"unknown {c}" for c in UNKNOWN), "unknown wrong", "non-food c/ch/none",
    ]  # fmt: skip
    lines = [
        f"Set: {kinds['known']} photos of foods the model knows, {kinds['unknown']} of foods it "
        f"does not, {kinds['nonfood']} of no food; model `{args.model}`.",
        "",
        common.table(headers, rows),
        "",
        f"Grid best: {tuned}",
        "",
        "Confident wrong answers on unknown foods with the shipped rules:",
        "",
        common.table(
            ["photo", "what it is", "shown", "confidence", "carb g/100 g"],
            [
                [p.photo, p.name, shown, f"{conf:.2f}", common.fmt(p.carb_g_per_100g)]
                for p, shown, conf in evaluate.wrong_answers(photos, probabilities, RULES)
            ],
        ),
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        common.append_results(
            "Food recognition: evaluation set",
            settings={"model": args.model, "photos": len(photos)},
            body=text,
            machine_start=machine,
            version_info=common.versions(),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
