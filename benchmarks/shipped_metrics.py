"""FD / KID / precision / recall (and class accuracy) of every shipped noise-to-image checkpoint, beside an
untrained generator of the same architecture, with the protocol of ``python -m gans evaluate``.

    python benchmarks/shipped_metrics.py [--n 2000] [--seed 0] [--write-cards]

Prints a Markdown table; ``--write-cards`` also puts each run's table into its model card (between
``<!-- evaluation -->`` markers) and writes benchmarks/results/shipped_metrics.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gans.metrics.evaluate import evaluate, evaluate_model, untrained_like  # noqa: E402
from gans.metrics.features import has_feature_network  # noqa: E402
from gans.views.catalog import list_checkpoints  # noqa: E402

MARK_START, MARK_END = "<!-- evaluation -->", "<!-- /evaluation -->"


def measure(run: Path, n: int, seed: int) -> dict:
    trained = evaluate(str(run), n=n, seed=seed, inception=False)  # our feature space only, like the untrained row
    model, dataset = untrained_like(run)
    baseline = evaluate_model(model, dataset, n=n, seed=seed)
    result = {"run": run.name, "trained": trained, "untrained": baseline,
              "fd_ratio": baseline["fd"] / trained["fd"]}
    if (run / "best").is_dir():
        result["best"] = evaluate(str(run / "best"), n=n, seed=seed, inception=False)
    return result


def table(rows: list[dict]) -> str:
    lines = ["| run | FD | untrained FD | ratio | KID | precision | recall | class accuracy |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        t = row["trained"]
        accuracy = f"{t['class_accuracy']:.1%}" if "class_accuracy" in t else "—"
        lines.append(f"| {row['run']} | {t['fd']:.2f} | {row['untrained']['fd']:.1f} | {row['fd_ratio']:.1f}× | "
                     f"{t['kid']:.4f} | {t['precision']:.3f} | {t['recall']:.3f} | {accuracy} |")
    return "\n".join(lines)


def card_section(row: dict, n: int, seed: int) -> str:
    t, protocol = row["trained"], row["trained"]["protocol"]
    text = [MARK_START, "## Evaluation", "",
            f"`python -m gans evaluate checkpoints/{row['run']} --n {n} --seed {seed}`: {n} samples against {n} "
            f"images of the {protocol['dataset']} training split in the feature space of GAN Studio's own "
            f"{protocol['feature_network']} (its accuracy on the 10,000 real test images: "
            f"{protocol['classifier_test_accuracy']:.1%}). An untrained generator of the same architecture "
            "(seed 0) is measured the same way.", "", table([row])]
    if "per_class_accuracy" in t:
        text += ["", "Share of samples the classifier puts in the requested class:", "",
                 "| " + " | ".join(t["per_class_accuracy"]) + " |",
                 "|" + " ---: |" * len(t["per_class_accuracy"]),
                 "| " + " | ".join(f"{v:.0%}" for v in t["per_class_accuracy"].values()) + " |"]
    if "best" in row:
        b = row["best"]
        text += ["", f"`best/` (step {b['step']}): FD {b['fd']:.2f}, KID {b['kid']:.4f}, precision "
                     f"{b['precision']:.3f}, recall {b['recall']:.3f}" + (
                         f", class accuracy {b['class_accuracy']:.1%}" if "class_accuracy" in b else "")]
    return "\n".join(text + [MARK_END])


def write_card(run: Path, section: str) -> None:
    card = run / "README.md"
    text = card.read_text() if card.exists() else ""
    pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        anchor = text.find("\n## Model config")
        text = text + "\n" + section + "\n" if anchor < 0 else text[:anchor] + "\n" + section + "\n" + text[anchor:]
    card.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-cards", action="store_true")
    parser.add_argument("runs", nargs="*", help="run folders (default: every shipped noise-to-image checkpoint)")
    args = parser.parse_args()
    runs = [Path(r) for r in args.runs] or [info.path for info in list_checkpoints(include_runs=False, task="generate")
                                            if has_feature_network(info.data)]
    rows = []
    for run in runs:
        rows.append(measure(run, args.n, args.seed))
        print(f"{run.name}: FD {rows[-1]['trained']['fd']:.2f} (untrained {rows[-1]['untrained']['fd']:.1f})",
              flush=True)
    print(table(rows))
    if args.write_cards:
        for row, run in zip(rows, runs):
            write_card(run, card_section(row, args.n, args.seed))
        out = ROOT / "benchmarks" / "results"
        out.mkdir(exist_ok=True)
        path = out / "shipped_metrics.json"
        # the runs measured now replace their rows; the other checkpoints keep theirs
        measured = {row["run"] for row in rows}
        kept = [row for row in json.loads(path.read_text()) if row["run"] not in measured] if path.exists() else []
        path.write_text(json.dumps(kept + rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
