"""One-class Fashion-MNIST: the ``anomaly`` model beside two baselines, by AUC.

Protocol (the usual one-class setup, e.g. Ruff et al. 2018, Golan & El-Yaniv 2018): for each of the 10 classes,
train on that class's training images only (the model keeps its last 10 % out, for its threshold), score the whole
test set (10,000 images: 1,000 normal, 9,000 of the nine other classes) and report the ROC AUC of "anomalous"
(another class) against "normal". Three methods, each on the same training images:

- ``model``: ``anomaly`` with its defaults (score = normalised reconstruction error + D-feature residual);
- ``ae``: the same encoder and decoder trained with the reconstruction loss only (``adversarial_weight=0``,
  ``feature_weight=0``), the same steps, scored by its reconstruction error;
- ``knn``: the Euclidean pixel distance to the nearest training image (k = 1), no training.

A fixed number of steps per class (``--steps``), so results do not depend on the machine's load. Results go to
``OUT/results.json`` (one entry per class, written as each class finishes; a rerun skips the classes there) and a
Markdown table is printed at the end.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_oneclass.py --steps 1500
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.data.image_data import to_model_range  # noqa: E402
from gans.ops.devices import resolve_device  # noqa: E402
from gans.ops.precision import autocast, resolve_precision  # noqa: E402
from gans.training import TrainConfig  # noqa: E402
from gans.training.trainer import BatchSampler  # noqa: E402

METHODS = ("model", "ae", "knn")
#: other weightings (image, D-feature, latent residual) of the model's own score terms, reported beside it
ABLATIONS = {"image_and_feature_1": (1.0, 1.0, 0.0), "image_and_feature_0.1": (1.0, 0.1, 0.0),
             "image_and_latent_0.25": (1.0, 0.0, 0.25)}


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for the ``positive`` (True) examples: the Mann-Whitney U statistic
    over n_pos · n_neg, ties counted as one half (average ranks)."""
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    start = 0
    while start < len(scores):  # average rank over each run of tied scores
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def train_model(kwargs: dict, data, steps: int, batch_size: int, seed: int, device, precision: str):
    """``anomaly`` built with ``kwargs``, trained ``steps`` steps on ``data`` (prepared), then calibrated."""
    torch.manual_seed(seed)
    model = gans.create("anomaly", **kwargs)
    data = model.prepare_data(data)
    model.to(device)
    optimizers = model.configure_optimizers(TrainConfig(batch_size=batch_size))
    sampler = BatchSampler(len(data), seed)
    model.train()
    for step in range(steps):
        batch = data.batch(sampler.next(batch_size)).to(device)
        with autocast(device, precision, cache=False):
            stats = model.train_step(batch, optimizers, step)
    model.calibrate(data)
    return model, data, stats


def knn_scores(train_images: torch.Tensor, test_images: torch.Tensor) -> torch.Tensor:
    """Distance of each test image to its nearest training image, in pixels (values in [-1, 1])."""
    train_flat, test_flat = train_images.flatten(1), test_images.flatten(1)
    train_norms = train_flat.pow(2).sum(1)
    nearest = []
    for chunk in test_flat.split(1000):
        squared = chunk.pow(2).sum(1, keepdim=True) - 2 * chunk @ train_flat.T + train_norms
        nearest.append(squared.min(dim=1).values.clamp_min(0).sqrt())
    return torch.cat(nearest)


def run_class(normal: int, args, model_kwargs: dict, train, test, device, precision: str) -> dict:
    anomalous = (test.labels != normal).numpy()
    test_images = to_model_range(test.images)
    row: dict = {"class": normal, "class_name": train.class_names[normal]}
    for method in args.methods:
        started = time.time()
        if method == "knn":
            reference = gans.create("anomaly", normal_class=normal).prepare_data(train)  # the same training images
            scores = knn_scores(to_model_range(reference.images), test_images)
            row["knn"] = roc_auc(scores.numpy(), anomalous)
        else:
            kwargs = {**model_kwargs, "normal_class": normal}
            if method == "ae":
                kwargs.update(adversarial_weight=0.0, feature_weight=0.0, latent_weight=0.0)
            model, data, stats = train_model(kwargs, train, args.steps, args.batch_size, args.seed, device, precision)
            terms = model.score_terms(test_images)
            scores = model.combine(terms)
            row[method] = roc_auc(scores.numpy(), anomalous)
            if method == "model":
                if args.save_scores:  # the two terms of every test image, to study other weightings offline
                    np.savez(args.out / "scores" / f"class{normal}.npz", pixel=terms.pixel.numpy(),
                             feature=terms.feature.numpy(), latent=terms.latent.numpy(), labels=test.labels.numpy(),
                             scale=model.score_scale.numpy())
                for name in ("pixel", "feature", "latent"):  # each term alone
                    row[f"model_{name}_term"] = roc_auc(getattr(terms, name).numpy(), anomalous)
                logs = (model._logs(terms) - model.score_scale.log()).numpy()
                for label, weights in ABLATIONS.items():  # the same terms weighted otherwise
                    row[f"model_{label}"] = roc_auc(logs @ np.array(weights), anomalous)
                normal_scores = scores[torch.from_numpy(~anomalous)]
                row["threshold"] = float(model.threshold)
                row["normal_flagged"] = float((normal_scores > model.threshold).float().mean())
                row["anomalous_flagged"] = float((scores[torch.from_numpy(anomalous)] > model.threshold).float().mean())
            row[f"{method}_final_losses"] = {key: round(value, 5) for key, value in stats.items()}
        row[f"{method}_seconds"] = round(time.time() - started, 1)
        print(f"  class {normal} {method}: AUC {row[method]:.4f} ({row[f'{method}_seconds']:.0f} s)", flush=True)
    return row


def parse_argument(text: str) -> tuple[str, object]:
    """KEY=VALUE with a JSON value (a number, true, [..]) or a bare string (d_norm=none)."""
    key, _, raw = text.partition("=")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw


def checkpoint_report(path: Path) -> str:
    """A shipped anomaly checkpoint on the Fashion-MNIST test set: AUC of its normal class against the nine others,
    and, per class, the share of images its stored threshold calls anomalous (Markdown)."""
    model = gans.load(path)
    test = load_dataset("fashion-mnist", split="test")
    normal = model.config()["normal_class"]
    scores = model.score(to_model_range(test.images))
    anomalous = (test.labels != normal).numpy()
    flagged = (scores > model.threshold).numpy()
    lines = [f"`python benchmarks/anomaly_oneclass.py --checkpoint {path}`: the 10,000 Fashion-MNIST test images "
             f"(never seen in training), normal = class {normal} ({test.class_names[normal]}); threshold "
             f"{float(model.threshold):.3f} (the {model.config()['threshold_quantile']:.0%} quantile of the scores "
             "of the held-out tenth of the class's training images).", "",
             f"- **AUC**, {test.class_names[normal]} against the nine other classes: "
             f"**{roc_auc(scores.numpy(), anomalous):.4f}**",
             f"- normal test images called anomalous: {flagged[~anomalous].mean():.1%}; other classes called "
             f"anomalous: {flagged[anomalous].mean():.1%}", "",
             "| test class | called anomalous | median score |", "| --- | ---: | ---: |"]
    for label, name in enumerate(test.class_names):
        of_class = (test.labels == label).numpy()
        lines.append(f"| {label} {name} | {flagged[of_class].mean():.1%} | {float(scores[of_class].median()):.2f} |")
    return "\n".join(lines)


def table(rows: list[dict], methods) -> str:
    lines = ["| class | " + " | ".join(methods) + " |", "| --- | " + " | ".join("---:" for _ in methods) + " |"]
    for row in rows:
        lines.append(f"| {row['class']} {row['class_name']} | "
                     + " | ".join(f"{row[m]:.3f}" if m in row else "" for m in methods) + " |")
    means = [np.mean([row[m] for row in rows if m in row]) if any(m in row for row in rows) else float("nan")
             for m in methods]
    lines.append("| **mean** | " + " | ".join(f"**{mean:.3f}**" for mean in means) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", default="0-9", help="e.g. 0-9, or 0,4,6")
    parser.add_argument("--methods", default=",".join(METHODS), help="model, ae, knn (comma-separated)")
    parser.add_argument("--steps", type=int, default=1500, help="training steps per class (model and ae)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a shared machine)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="auto", help="auto, fp32 or bf16 (training; scoring is fp32)")
    parser.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="an argument of the anomaly model (both model and ae), e.g. latent_dim=16")
    parser.add_argument("--checkpoint", type=Path, help="instead: report on this trained anomaly run (test set)")
    parser.add_argument("--save-scores", action="store_true", help="also save the model's score terms (.npz)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "anomaly")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.checkpoint:
        print(checkpoint_report(args.checkpoint))
        return 0
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    classes = []
    for part in args.classes.split(","):
        low, _, high = part.partition("-")
        classes += list(range(int(low), int(high or low) + 1))
    model_kwargs = dict(parse_argument(item) for item in args.model_arg)
    device = resolve_device(args.device)
    precision = resolve_precision(args.precision, device)
    print(machine_line(), flush=True)
    print(f"device {device}, training precision {precision} (--precision {args.precision}), scoring fp32; "
          f"{args.steps} steps × batch {args.batch_size} per class; model arguments {model_kwargs or 'defaults'}",
          flush=True)
    train = load_dataset("fashion-mnist", split="train")
    test = load_dataset("fashion-mnist", split="test")
    (args.out / "scores").mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    saved = json.loads(results_path.read_text()) if results_path.exists() else {}
    setup = {"steps": args.steps, "batch_size": args.batch_size, "seed": args.seed, "precision": precision,
             "model_arguments": model_kwargs, "machine": machine_line()}
    if saved.get("setup", {}).get("model_arguments") not in (None, model_kwargs) or \
            saved.get("setup", {}).get("steps") not in (None, args.steps):
        raise SystemExit(f"{results_path} holds another setup; choose another --out")
    rows = {row["class"]: row for row in saved.get("classes", [])}
    for normal in classes:
        if normal in rows and all(m in rows[normal] for m in args.methods):
            continue
        print(f"class {normal} ({train.class_names[normal]})", flush=True)
        rows[normal] = {**rows.get(normal, {}), **run_class(normal, args, model_kwargs, train, test, device, precision)}
        results_path.write_text(json.dumps({"setup": setup, "classes": [rows[k] for k in sorted(rows)]}, indent=2))
    ordered = [rows[k] for k in sorted(rows)]
    print()
    print(table(ordered, METHODS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
