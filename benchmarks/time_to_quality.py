"""Time to quality: FD after every minute of training, the plain-PyTorch reference DCGAN against our `dcgan`.

    python benchmarks/time_to_quality.py                          # 10 minutes each: reference and our defaults
    python benchmarks/time_to_quality.py --minutes 5 \\
        --variant no-ema:ema_decay=0 --variant batch-32:train.batch_size=32   # recipe variants side by side

On full Fashion-MNIST at 32 px: (a) the reference (``benchmarks/reference_dcgan.py``: pytorch/examples' DCGAN,
nothing tuned, fp32) and (b) ``gans train dcgan --data fashion-mnist`` with its defaults — or each ``--variant
LABEL:key=value,...`` (model arguments; ``train.key`` for TrainConfig fields) — through the real ``Trainer``, sample
grids, checkpoints and events included. Each gets ``--minutes`` of wall-clock training on this machine.

The contestants take turns of ``--slice`` seconds (round robin, one at a time, each in its own thread waiting for
its turn), so they all meet the same machine: on shared cloud CPUs the speed of AMX/AVX-512 code drifts by 2× over
minutes, which would decide a one-after-the-other race. Each one's clock counts only its own turns, minus the
pauses for measuring. After every minute of its own training: FD of 2000 generated images against 2000 images of
the Fashion-MNIST *test* split, in the feature space of our shipped classifier (``gans.metrics``), generators in eval
mode (batch-norm running statistics), ours from its EMA copy when it has one; the 64-image grid of a fixed noise
is saved. Prints a table (FD, steps) and writes ``--out``/results.json, the grids and ``--out``/time_to_quality.png.
The global random generator is shared by the turns, so runs are not bit-reproducible. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
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
from gans.io.images import grid_image, png_bytes  # noqa: E402
from gans.metrics.distances import frechet_distance  # noqa: E402
from gans.metrics.features import embed, load_feature_network  # noqa: E402
from gans.ops.devices import resolve_device  # noqa: E402
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
        self.z = self.noise(100)

    @staticmethod
    def noise(latent_dim: int) -> torch.Tensor:
        """The fixed noise (N, latent_dim) every contestant of that latent size is measured with."""
        return torch.randn(N, latent_dim, generator=torch.Generator().manual_seed(SEED))

    def fd(self, sample, z: torch.Tensor | None = None) -> float:
        """FD of ``sample(z)`` (a function from latent vectors to images) for the fixed noise (or ``z``)."""
        z = self.z if z is None else z
        images = torch.cat([sample(chunk) for chunk in z.split(500)])
        fake, _ = embed(self.network, images)
        return frechet_distance(self.real, fake)


class Turns:
    """Round-robin turns between contestant processes, one running at a time (a semaphore each)."""

    def __init__(self, names: list[str], slice_seconds: float, context):
        self.names, self.slice = list(names), slice_seconds
        self.parent = os.getpid()  # the main process, parent of every contestant
        self.semaphores = [context.Semaphore(0) for _ in self.names]
        self.finished = context.Array("b", len(self.names))
        self.semaphores[0].release()  # the first one starts

    def wait(self, name: str) -> None:
        """Block until it is ``name``'s turn; exit if the benchmark's main process is gone (killed), so that
        no orphaned race goes on competing for the CPU with the next one."""
        while not self.semaphores[self.names.index(name)].acquire(timeout=5):
            if os.getppid() != self.parent:
                os._exit(1)
        if os.getppid() != self.parent:
            os._exit(1)

    def pass_on(self, name: str, finished: bool = False) -> None:
        """Hand the turn to the next contestant that is not finished (possibly ``name`` itself)."""
        index = self.names.index(name)
        if finished:
            self.finished[index] = 1
        for offset in range(1, len(self.names) + 1):
            following = (index + offset) % len(self.names)
            if not self.finished[following]:
                self.semaphores[following].release()
                return


class Clock:
    """A contestant's own training time (its turns, minus measuring); measures every ``every`` seconds of it. Created
    during the contestant's turn."""

    def __init__(self, name: str, turns: Turns, minutes: float, measure, every: float = 60.0):
        self.name, self.turns, self.measure, self.every = name, turns, measure, every
        self.points = max(1, round(minutes * 60 / every))  # measurements, one every ``every`` seconds
        self.trained, self.next_point = 0.0, 1
        self.turn_start = self.last = time.perf_counter()

    def tick(self, steps: int) -> bool:
        """Call before each step: measures when a minute has passed, hands the turn on when the slice is used.
        True when the contestant's time is up."""
        now = time.perf_counter()
        self.trained += now - self.last
        self.last = now
        if self.trained >= self.every * self.next_point:
            self.measure(round(self.every * self.next_point / 60, 3), steps)  # minutes of own training
            self.next_point += 1
            if self.next_point > self.points:
                return True
            self.last = time.perf_counter()  # measuring is not training
        if time.perf_counter() - self.turn_start >= self.turns.slice:
            self.turns.pass_on(self.name)
            self.turns.wait(self.name)
            self.turn_start = self.last = time.perf_counter()
        return False


def record(rows: list, out: Path, label: str, minute: float, steps: int, images_seen: int, fd: float, grid) -> None:
    rows.append({"minute": minute, "steps": steps, "images_seen": images_seen, "fd": fd})
    (out / label).mkdir(parents=True, exist_ok=True)
    (out / label / f"minute_{minute:05.2f}.png" if minute % 1 else out / label / f"minute_{int(minute):02d}.png"
     ).write_bytes(png_bytes(grid))
    print(f"  {label}: minute {minute:5.2f}  step {steps:6d}  FD {fd:7.2f}", flush=True)


def run_reference(data, dataset: str, judge: Judge, turns: Turns, minutes: float, out: Path, rows: list,
                  device: str = "auto", every: float = 60.0) -> None:
    reference = ReferenceDCGAN(to_model_range(data.images), seed=SEED, batch_size=64,
                               device=str(resolve_device(device)))
    fixed = judge.z[:64]

    def measure(minute, steps):
        record(rows, out, "reference", minute, steps, steps * 64, judge.fd(reference.sample),
               grid_image(reference.sample(fixed)))

    clock = Clock("reference", turns, minutes, measure, every)
    while not clock.tick(reference.steps):
        reference.step()


def run_ours(label: str, data, dataset: str, judge: Judge, turns: Turns, minutes: float, out: Path, rows: list,
             model_kwargs: dict, train_kwargs: dict, architecture: str = "dcgan", command: str = "",
             device: str = "auto", every: float = 60.0) -> None:
    model = build_model(architecture, SEED, **model_kwargs)
    data = model.prepare_data(data)
    cfg = TrainConfig(steps=10**7, seed=SEED, **{"device": device, **train_kwargs})
    noise = judge.noise(model.config()["latent_dim"])  # SAGAN and StyleGAN draw 128 numbers, DCGAN 100
    fixed = noise[:64]
    steps = [0]

    def measure(minute, step):
        record(rows, out, label, minute, step, step * cfg.batch_size * model.batches_per_step,
               judge.fd(lambda z: model.generate(z), noise), grid_image(model.generate(fixed)))

    run_dir = out / label / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    clock = Clock(label, turns, minutes, measure, every)

    def should_stop() -> bool:
        done = clock.tick(steps[0])
        steps[0] += 1
        return done

    Trainer(cfg, should_stop=should_stop).fit(model, data, run_dir, DataConfig(dataset), command=command)


def parse_variant(text: str) -> tuple[str, dict, dict, dict]:
    """``LABEL:key=value,train.key=value,...`` → (label, model kwargs, TrainConfig kwargs, run settings). Run
    settings: ``arch`` (a registered noise-to-image model, default dcgan), ``data`` and ``minutes`` (default: the
    command line's). A value with commas (augment) joins its parts with ``+``."""
    label, _, spec = text.partition(":")
    model_kwargs, train_kwargs, run = {}, {}, {}
    for item in filter(None, spec.split(",")):
        key, value = _model_arg(item)
        if isinstance(value, str):
            value = value.replace("+", ",")
        if key.startswith("train."):
            train_kwargs[key[len("train."):]] = value
        elif key in ("arch", "data", "minutes"):
            run[key] = value
        else:
            model_kwargs[key] = value
    return label, model_kwargs, train_kwargs, run


def plot(results: dict, path: Path, machine: str) -> None:
    try:
        import matplotlib
    except ImportError:  # not in requirements.txt: the table and results.json are the result, the plot an extra
        print(f"(no plot: matplotlib is not installed; pip install matplotlib for {path.name})")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2), dpi=110)
    for label, rows in results.items():
        axis.plot([r["minute"] for r in rows], [r["fd"] for r in rows], marker="o", label=label)
    axis.set_xlabel("minutes of training on this machine")
    axis.set_ylabel("FD vs test set (our classifier), lower is better")
    axis.set_yscale("log")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    axis.set_title(machine.split(";")[0][:100], fontsize=8)
    figure.tight_layout()
    figure.savefig(path)


def contestant(name: str, turns: Turns, minutes: float, out: str, dataset: str, model_kwargs: dict | None,
               train_kwargs: dict | None, run: dict | None = None, command: str = "", device: str = "auto",
               every: float = 60.0) -> None:
    """One contestant's process: set up during its first turn, train in turns, write OUT/NAME/rows.json."""
    out, run = Path(out), run or {}
    rows: list[dict] = []
    turns.wait(name)
    try:
        dataset, minutes = run.get("data", dataset), float(run.get("minutes", minutes))
        judge, data = Judge(), load_dataset(dataset)  # native size: each contestant resizes to its own
        if model_kwargs is None:
            run_reference(data.prepare(32, 1), dataset, judge, turns, minutes, out, rows, device, every)
        else:
            run_ours(name, data, dataset, judge, turns, minutes, out, rows, model_kwargs, train_kwargs,
                     run.get("arch", "dcgan"), command, device, every)
    finally:  # done (or failed): the others go on without it
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "rows.json").write_text(json.dumps(rows))
        turns.pass_on(name, finished=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=60.0, help="seconds of own training between measurements")
    parser.add_argument("--device", default="auto", help="auto (a CUDA GPU when there is one), cpu or cuda")
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL:KEY=VALUE,...",
                        help="one of our runs (default: 'ours' with the defaults); train.KEY for TrainConfig fields")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--data", default="fashion-mnist",
                        help="training data of all (fashion-mnist-mini: the embedded 6,000-image subset)")
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per turn")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ttq")
    args = parser.parse_args(argv)
    machine = machine_line()
    print(machine, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    variants = [parse_variant(v) for v in args.variant] or [("ours", {}, {}, {})]
    names = ([] if args.no_reference else ["reference"]) + [label for label, _, _, _ in variants]
    context = multiprocessing.get_context("spawn")  # each contestant trains in the main thread of its own process
    turns = Turns(names, args.slice, context)
    specs = ([] if args.no_reference else [("reference", None, None, {})]) + variants
    command = "python benchmarks/time_to_quality.py " + " ".join(sys.argv[1:] if argv is None else argv)
    processes = [context.Process(target=contestant, name=name,
                                 args=(name, turns, args.minutes, str(args.out), args.data, model_kwargs, train_kwargs,
                                       run, command, args.device, args.every))
                 for name, model_kwargs, train_kwargs, run in specs]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    results = {name: json.loads((args.out / name / "rows.json").read_text()) for name in names}
    (args.out / "results.json").write_text(json.dumps({
        "machine": machine, "date": time.strftime("%Y-%m-%d"), "data": args.data, "minutes": args.minutes,
        "slice_seconds": args.slice, "every_seconds": args.every, "device": args.device,
        "variants": {label: {"model_args": m, "train_args": t, **r} for label, m, t, r in variants},
        "rows": results}, indent=2))
    minutes = sorted({r["minute"] for rows in results.values() for r in rows})
    print("\n| minute | " + " | ".join(f"{name} FD | {name} steps" for name in names) + " |")
    print("| ---: | " + " | ".join("---: | ---:" for _ in names) + " |")
    for minute in minutes:
        cells = []
        for name in names:
            row = next((r for r in results[name] if r["minute"] == minute), None)
            cells += [f"{row['fd']:.1f}", str(row["steps"])] if row else ["–", "–"]
        print(f"| {minute:g} | " + " | ".join(cells) + " |")
    plot(results, args.out / "time_to_quality.png", machine)
    print(f"\n{time.strftime('%Y-%m-%d')}; {machine}\nplot: {args.out / 'time_to_quality.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
