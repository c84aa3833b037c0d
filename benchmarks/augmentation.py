"""Does a GAN's output help a classifier that has few real images? Measured on Fashion-MNIST.

Protocol, for each k (real training images per class) and each seed:

1. keep k images per class from the Fashion-MNIST training split (drawn with the seed): the only real data;
2. train the class-conditional GAN (the shipped cGAN's recipe: ``cgan`` with DiffAugment and a matching-aware
   D, ``mismatch_weight=0.1, mismatch_hard=true``) on those 10·k images only, a fixed number of steps;
3. draw ``--synthetic`` images per class from its EMA generator with ``gans.tasks.synth`` (no truncation): a labelled
   folder of PNGs, read back by the ``folder`` dataset, as ``python -m gans synth`` makes it;
4. train the same small classifier, the same steps, from the same initial weights and batch order, four ways:
   (a) ``real``: the k real per class;
   (b) ``real+classic``: the real images, each batch shifted up to ±2 px and mirrored left-right half the time;
   (c) ``real+gan``: every batch half real, half GAN samples;
   (d) ``real+gan+classic``: (c) with the classic augmentation on both halves;
5. accuracy on the whole Fashion-MNIST test split (10,000 images, never used for any choice).

The classifier is ``FeatureClassifier`` at width 16 (three conv blocks and a 128-d layer, the shape of our
metric network, not its weights), Adam 1e-3 with weight decay 5e-4, batch 64, ``--classifier-steps`` steps. Each
cGAN's samples are also scored by our metric classifier (trained on the full training split: a measurement only,
never a choice) so the table shows how often the GAN draws the class it was asked for.

Results go to ``OUT/results.json`` (one entry per k and seed, written as each finishes; a rerun skips those
there), then ``OUT/table.md`` and ``OUT/augmentation.png``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/augmentation.py            # k = 10, 50, 200; seeds 0, 1, 2
    .venv/bin/python benchmarks/augmentation.py --report                      # the table and plot from OUT
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
import gans.tasks.synth  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.data.image_data import ImageData, to_model_range  # noqa: E402
from gans.io.images import grid_image  # noqa: E402
from gans.metrics.features import FeatureClassifier, embed, load_feature_network  # noqa: E402
from gans.metrics.train_classifier import shifted  # noqa: E402
from gans.training import TrainConfig  # noqa: E402
from gans.training.trainer import Trainer  # noqa: E402

CONDITIONS = ("real", "real+classic", "real+gan", "real+gan+classic")
#: the same with a quarter of every batch synthetic instead of half (``--quarter``)
QUARTER = ("real+gan ¼", "real+gan+classic ¼")
IMAGE_SIZE = 32
#: the shipped cGAN's recipe (benchmarks/train_shipped.sh), at 32 px
CGAN_ARGS = {"image_size": IMAGE_SIZE, "mismatch_weight": 0.1, "mismatch_hard": True}


def keep_per_class(train: ImageData, k: int, seed: int) -> ImageData:
    """k images of every class, drawn at random with ``seed`` (the same k for every condition of this seed)."""
    generator = torch.Generator().manual_seed(seed)
    kept = []
    for label in range(train.num_classes):
        of_class = torch.nonzero(train.labels == label).flatten()
        kept.append(of_class[torch.randperm(len(of_class), generator=generator)[:k]])
    index = torch.cat(kept).sort().values
    return ImageData(train.images[index], train.labels[index], train.class_names, f"{train.name}-k{k}-seed{seed}")


def train_cgan(real: ImageData, steps: int, seed: int):
    """The cGAN trained on ``real`` only (through the one training loop, into a temporary run folder)."""
    model = gans.create("cgan", **CGAN_ARGS)
    config = TrainConfig(steps=steps, batch_size=64, seed=seed, device="cpu", log_every=100, sample_every=steps,
                         checkpoint_every=steps, num_samples=16)  # precision auto: as machine_line says
    with tempfile.TemporaryDirectory() as folder:
        Trainer(config).fit(model, real, Path(folder) / "run")
    return model.eval()


def gan_samples(model, per_class: int, seed: int, folder: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` samples of every class, the way a user makes them: ``gans.tasks.synth`` writes the labelled folder
    of PNGs and the ``folder`` dataset reads it back (so the classifier sees 8-bit images with the folder's labels)."""
    gans.tasks.synth.synthesize_folder(model, per_class, folder, class_names=model_class_names(), seed=seed)
    data = load_dataset("folder", path=str(folder), image_size=IMAGE_SIZE, channels=1)
    return to_model_range(data.images), data.labels


def model_class_names() -> list[str]:
    return load_dataset("fashion-mnist", split="test").class_names


def class_fidelity(images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of ``images`` our metric classifier puts in their own class."""
    network, _ = load_feature_network("fashion-mnist")
    _, scores = embed(network, images)
    return (scores.argmax(1) == labels).float().mean().item()


def train_classifier(condition: str, real: tuple, synthetic: tuple | None, test: tuple, steps: int, seed: int,
                     batch_size: int = 64) -> float:
    """Test accuracy of the study's classifier trained ``steps`` steps on ``condition``'s data."""
    torch.manual_seed(seed)  # the same initial weights for every condition of this seed
    network = FeatureClassifier(num_classes=10, width=16)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3, weight_decay=5e-4)
    real_order = torch.Generator().manual_seed(seed)
    fake_order = torch.Generator().manual_seed(seed + 1)
    augment_rng = torch.Generator().manual_seed(seed + 2)
    with_gan, classic = "gan" in condition, "classic" in condition
    n_real = batch_size - (batch_size // 4 if "¼" in condition else batch_size // 2) if with_gan else batch_size
    network.train()
    for _ in range(steps):
        index = torch.randint(len(real[0]), (n_real,), generator=real_order)
        images, labels = real[0][index], real[1][index]
        if with_gan:
            index = torch.randint(len(synthetic[0]), (batch_size - n_real,), generator=fake_order)
            images, labels = torch.cat([images, synthetic[0][index]]), torch.cat([labels, synthetic[1][index]])
        if classic:
            images = shifted(images, augment_rng)
        loss = F.cross_entropy(network(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    network.eval()
    _, scores = embed(network, test[0])
    return (scores.argmax(1) == test[1]).float().mean().item()


def run_one(k: int, seed: int, args, train: ImageData, test: tuple) -> dict:
    started = time.time()
    real_data = keep_per_class(train, k, seed)
    real = (to_model_range(real_data.images), real_data.labels)
    model = train_cgan(real_data, args.gan_steps, seed)
    gan_seconds = time.time() - started
    with tempfile.TemporaryDirectory() as scratch:
        synthetic = gan_samples(model, args.synthetic, seed, Path(scratch) / "synthetic")
    entry = {"k": k, "seed": seed, "gan_steps": args.gan_steps, "gan_seconds": round(gan_seconds, 1),
             "synthetic_per_class": args.synthetic, "classifier_steps": args.classifier_steps,
             "gan_class_fidelity": round(class_fidelity(*synthetic), 4)}
    for condition in CONDITIONS + (QUARTER if args.quarter else ()):
        entry[condition] = train_classifier(condition, real, synthetic, test, args.classifier_steps, seed)
        print(f"  k={k} seed={seed} {condition}: {entry[condition]:.4f}", flush=True)
    entry["seconds"] = round(time.time() - started, 1)
    if seed == 0:  # what the classifier was shown: 8 samples of every class, a row each
        pick = torch.cat([torch.nonzero(synthetic[1] == label).flatten()[:8] for label in range(10)])
        grid_image(synthetic[0][pick], nrow=8).save(args.out / f"samples-k{k}.png")
    return entry


def summary(entries: list[dict]) -> dict:
    """{k: {condition: (mean, std, n)}, plus "gain" (paired c − a and d − b) and the GAN's class fidelity}."""
    out = {}
    for k in sorted({e["k"] for e in entries}):
        rows = [e for e in entries if e["k"] == k]
        cell = {c: (float(np.mean([r[c] for r in rows])), float(np.std([r[c] for r in rows], ddof=1))
                    if len(rows) > 1 else 0.0, len(rows)) for c in CONDITIONS}
        for name, (with_gan, without) in {"gan_gain": ("real+gan", "real"),
                                          "gan_gain_over_classic": ("real+gan+classic", "real+classic")}.items():
            differences = [r[with_gan] - r[without] for r in rows]
            cell[name] = (float(np.mean(differences)), float(np.std(differences, ddof=1)) if len(rows) > 1 else 0.0,
                          len(rows))
        fidelity = [r["gan_class_fidelity"] for r in rows]
        cell["gan_class_fidelity"] = (float(np.mean(fidelity)), float(np.std(fidelity, ddof=1))
                                      if len(rows) > 1 else 0.0, len(rows))
        out[k] = cell
    return out


def table(entries: list[dict]) -> str:
    cells = summary(entries)
    head = ["k per class", "seeds", *CONDITIONS, "GAN − real", "GAN+classic − classic", "GAN samples in their class"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---:"] * len(head)) + " |"]
    for k, cell in cells.items():
        percent = [f"{100 * cell[c][0]:.1f} ± {100 * cell[c][1]:.1f}" for c in CONDITIONS]
        gains = [f"{100 * cell[g][0]:+.1f} ± {100 * cell[g][1]:.1f}" for g in ("gan_gain", "gan_gain_over_classic")]
        fidelity = f"{100 * cell['gan_class_fidelity'][0]:.0f} %"
        lines.append(f"| {k} | {cell['real'][2]} | " + " | ".join(percent + gains + [fidelity]) + " |")
    return "\n".join(lines)


def quarter_table(entries: list[dict]) -> str:
    """Half against a quarter of every batch synthetic, paired by seed (the entries that measured both)."""
    entries = [e for e in entries if all(c in e for c in QUARTER)]
    if not entries:
        return ""
    head = ["k per class", "seeds", "GAN − real, ½ synthetic", "GAN − real, ¼ synthetic",
            "GAN+classic − classic, ½", "GAN+classic − classic, ¼"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---:"] * len(head)) + " |"]
    pairs = (("real+gan", "real"), ("real+gan ¼", "real"), ("real+gan+classic", "real+classic"),
             ("real+gan+classic ¼", "real+classic"))
    for k in sorted({e["k"] for e in entries}):
        rows = [e for e in entries if e["k"] == k]
        cells = []
        for with_gan, without in pairs:
            differences = [100 * (r[with_gan] - r[without]) for r in rows]
            spread = float(np.std(differences, ddof=1)) if len(rows) > 1 else 0.0
            cells.append(f"{np.mean(differences):+.1f} ± {spread:.1f}")
        lines.append(f"| {k} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(entries: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = summary(entries)
    ks = list(cells)
    figure, axis = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for offset, condition in zip((-0.06, -0.02, 0.02, 0.06), CONDITIONS):
        means = [100 * cells[k][condition][0] for k in ks]
        stds = [100 * cells[k][condition][1] for k in ks]
        axis.errorbar([k * (1 + offset) for k in ks], means, yerr=stds, marker="o", capsize=3, label=condition)
    axis.set_xscale("log")
    axis.set_xticks(ks, [str(k) for k in ks])
    axis.set_xlabel("real training images per class (k)")
    axis.set_ylabel("test accuracy (%), mean ± std over seeds")
    axis.set_title("Fashion-MNIST classifier: real data, classic and GAN augmentation")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def report(out: Path, entries: list[dict]) -> None:
    text = table(entries)
    if quarter := quarter_table(entries):
        text += "\n\nA quarter of every batch synthetic instead of half (paired differences, points):\n\n" + quarter
    (out / "table.md").write_text(text + "\n")
    plot(entries, out / "augmentation.png")
    print(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", default="10,50,200", help="real images per class, comma-separated")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated")
    parser.add_argument("--gan-steps", type=int, default=3000, help="cGAN training steps (batch 64)")
    parser.add_argument("--synthetic", type=int, default=500, help="GAN samples per class")
    parser.add_argument("--classifier-steps", type=int, default=1000, help="classifier steps (batch 64)")
    parser.add_argument("--quarter", action="store_true",
                        help="also (c) and (d) with a quarter of every batch synthetic instead of half")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="only write the table and plot from OUT")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "augmentation")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    entries = json.loads(results_path.read_text()) if results_path.exists() else []
    if not args.report:
        print(machine_line(), flush=True)
        train = load_dataset("fashion-mnist", split="train", image_size=IMAGE_SIZE, channels=1)
        test_data = load_dataset("fashion-mnist", split="test", image_size=IMAGE_SIZE, channels=1)
        test = (to_model_range(test_data.images), test_data.labels)
        for k in [int(v) for v in args.k.split(",")]:
            for seed in [int(v) for v in args.seeds.split(",")]:
                if any(e["k"] == k and e["seed"] == seed for e in entries):
                    continue
                print(f"k={k} seed={seed}", flush=True)
                entries.append(run_one(k, seed, args, train, test))
                results_path.write_text(json.dumps(entries, indent=1) + "\n")
    report(args.out, entries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
