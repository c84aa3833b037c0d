"""Time to quality: FD after every minute of training, the plain-PyTorch reference DCGAN against our `dcgan`.

    python benchmarks/time_to_quality.py                       # 10 minutes each, reference then ours
    python benchmarks/time_to_quality.py --minutes 3 --skip-reference --label ema \\
        --model-arg ema_decay=0.999                            # a recipe variant (results/ttq/ema.json)

On full Fashion-MNIST at 32 px, one after the other on this machine: (a) the reference
(``benchmarks/reference_dcgan.py``: pytorch/examples' DCGAN, nothing tuned, fp32) and (b) ``gans train dcgan
--data fashion-mnist`` with its defaults (plus any ``--model-arg`` / ``--train-arg``) through the real ``Trainer``
— sample grids, checkpoints and events included. Each gets ``--minutes`` of wall-clock training; the clock is
paused while FD is measured. After every minute: FD of 2000 generated images against 2000 images of the
Fashion-MNIST *test* split, in the feature space of our shipped classifier (``gans.metrics``), both generators
in eval mode (batch-norm running statistics), ours from its EMA copy when it has one; the 64-image grid of a
fixed noise is saved. Prints a table (FD, steps, images seen) and writes ``--out``/LABEL.json, the grids and
``--out``/time_to_quality.png. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_dcgan import ReferenceDCGAN, machine_line  # noqa: E402

from gans.cli import _model_arg  # noqa: E402
from gans.data import load_dataset  # noqa: E402
from gans.data.image_data import to_model_range  # noqa: E402
from gans.images import grid_image, png_bytes  # noqa: E402
from gans.metrics.distances import frechet_distance  # noqa: E402
from gans.metrics.features import embed, load_feature_network  # noqa: E402
from gans.training import DataConfig, TrainConfig, Trainer  # noqa: E402
from gans.training.api import build_model  # noqa: E402

N = 2000
SEED = 0


class Judge:
    """FD against ``N`` Fashion-MNIST test images in our classifier's feature space."""

    def __init__(self):
        self.network, _ = load_feature_network("fashion-mnist")
        test = load_dataset("fashion-mnist", split="test")
        index = torch.randperm(len(test), generator=torch.Generator().manual_seed(SEED))[:N]
        self.real, _ = embed(self.network, to_model_range(test.images[index]))
        self.z = torch.randn(N, 100, generator=torch.Generator().manual_seed(SEED))

    def fd(self, sample) -> float:
        """FD of ``sample(z)`` (a function from latent vectors to images) for the fixed noise."""
        images = torch.cat([sample(chunk) for chunk in self.z.split(500)])
        fake, _ = embed(self.network, images)
        return frechet_distance(self.real, fake)


class Clock:
    """Training wall time with the measurement pauses taken out; measures at each whole minute."""

    def __init__(self, minutes: int, measure):
        self.minutes, self.measure = minutes, measure
        self.start, self.paused, self.next_minute = time.perf_counter(), 0.0, 1

    def training_seconds(self) -> float:
        return time.perf_counter() - self.start - self.paused

    def tick(self, steps: int) -> bool:
        """Call before each step; measures when a minute has passed. True when the time is up."""
        if self.training_seconds() < 60 * self.next_minute:
            return False
        pause = time.perf_counter()
        self.measure(self.next_minute, steps)
        self.paused += time.perf_counter() - pause
        self.next_minute += 1
        return self.next_minute > self.minutes


def record(rows: list, out: Path, label: str, minute: int, steps: int, images_seen: int, fd: float, grid) -> None:
    rows.append({"minute": minute, "steps": steps, "images_seen": images_seen, "fd": fd})
    (out / label).mkdir(parents=True, exist_ok=True)
    (out / label / f"minute_{minute:02d}.png").write_bytes(png_bytes(grid))
    print(f"  {label}: minute {minute:2d}  step {steps:6d}  FD {fd:7.2f}", flush=True)


def run_reference(images: torch.Tensor, judge: Judge, minutes: int, out: Path) -> list[dict]:
    reference = ReferenceDCGAN(images, seed=SEED, batch_size=64)
    rows: list[dict] = []
    fixed = judge.z[:64]

    def measure(minute, steps):
        record(rows, out, "reference", minute, steps, steps * 64, judge.fd(reference.sample),
               grid_image(reference.sample(fixed)))

    clock = Clock(minutes, measure)
    while not clock.tick(reference.steps):
        reference.step()
    return rows


def run_ours(data, judge: Judge, minutes: int, out: Path, label: str, model_kwargs: dict, train_kwargs: dict) -> list[dict]:
    model = build_model("dcgan", SEED, image_size=32, **model_kwargs)
    data = model.prepare_data(data)
    cfg = TrainConfig(steps=10**7, seed=SEED, **train_kwargs)
    rows: list[dict] = []
    state = {"steps": 0}
    fixed = judge.z[:64]

    def measure(minute, steps):
        record(rows, out, label, minute, steps, steps * cfg.batch_size * model.batches_per_step,
               judge.fd(lambda z: model.generate(z)), grid_image(model.generate(fixed)))

    run_dir = out / label / "run"
    if run_dir.exists():
        import shutil

        shutil.rmtree(run_dir)
    clock = Clock(minutes, measure)

    def should_stop() -> bool:
        done = clock.tick(state["steps"])
        state["steps"] += 1
        return done

    Trainer(cfg, should_stop=should_stop).fit(model, data, run_dir, DataConfig("fashion-mnist"),
                                             command="benchmarks/time_to_quality.py")
    return rows


def plot(results: dict, path: Path, machine: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2), dpi=110)
    for label, rows in results.items():
        axis.plot([r["minute"] for r in rows], [r["fd"] for r in rows], marker="o", label=label)
    axis.set_xlabel("minutes of training (this machine)")
    axis.set_ylabel("FD vs test set (our classifier), lower is better")
    axis.set_yscale("log")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    axis.set_title(machine.split(";")[0][:90], fontsize=8)
    figure.tight_layout()
    figure.savefig(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--label", default="ours", help="name of our run in the table and files")
    parser.add_argument("--model-arg", type=_model_arg, action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--train-arg", type=_model_arg, action="append", default=[], metavar="KEY=VALUE",
                        help="a TrainConfig field, e.g. batch_size=32 or precision=fp32")
    parser.add_argument("--skip-reference", action="store_true", help="reuse OUT/reference.json if present")
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ttq")
    args = parser.parse_args(argv)
    machine = machine_line()
    print(machine, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    judge = Judge()
    data = load_dataset("fashion-mnist", image_size=32)
    results = {}
    if not args.skip_reference:
        results["reference"] = run_reference(to_model_range(data.images), judge, args.minutes, args.out)
        (args.out / "reference.json").write_text(json.dumps({"machine": machine, "rows": results["reference"]},
                                                            indent=2))
    elif (args.out / "reference.json").exists():
        results["reference"] = json.loads((args.out / "reference.json").read_text())["rows"]
    if not args.skip_ours:
        model_kwargs, train_kwargs = dict(args.model_arg), dict(args.train_arg)
        results[args.label] = run_ours(data, judge, args.minutes, args.out, args.label, model_kwargs, train_kwargs)
        (args.out / f"{args.label}.json").write_text(json.dumps({
            "machine": machine, "model_args": model_kwargs, "train_args": train_kwargs,
            "rows": results[args.label]}, indent=2))
    minutes = sorted({r["minute"] for rows in results.values() for r in rows})
    labels = list(results)
    print("\n| minute | " + " | ".join(f"{label} FD | {label} steps" for label in labels) + " |")
    print("| ---: | " + " | ".join("---: | ---:" for _ in labels) + " |")
    for minute in minutes:
        cells = []
        for label in labels:
            row = next((r for r in results[label] if r["minute"] == minute), None)
            cells += [f"{row['fd']:.1f}", str(row["steps"])] if row else ["–", "–"]
        print(f"| {minute} | " + " | ".join(cells) + " |")
    plot(results, args.out / "time_to_quality.png", machine)
    print(f"\n{time.strftime('%Y-%m-%d')}; {machine}\nplot: {args.out / 'time_to_quality.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
