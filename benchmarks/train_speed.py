"""Training throughput of every registered model: what a user gets from ``python -m gans train``.

    python benchmarks/train_speed.py                       # all models, 20 timed steps each, batch 64
    python benchmarks/train_speed.py --models dcgan,wgan --steps 50 --json speed.json

How it measures: each model is built with ``gans.create(name)`` at its default size, the embedded default
dataset ``fashion-mnist-mini`` is loaded at that size, and the real ``gans.training.Trainer(cfg).fit(...)``
runs into a temporary run directory (the same loop the CLI and the studio's job use: batch sampling,
uint8 → float conversion, ``model.train_step``, EMA, step events every ``log_every`` steps). Sample and
checkpoint intervals are set past the step count, so periodic PNG grids and checkpoints (every 200 / 500
steps by default) are not in the numbers, nor are start-up and the final save. Timing uses the Trainer's
``should_stop`` hook, which the loop calls once at the top of every iteration: the time between the call
before step ``warmup + 1`` and the call before step ``warmup + steps + 1`` is exactly ``steps`` full
iterations. One extra untimed step runs at the end so that last call happens.

Reported per model: generator steps/s; real images/s = steps/s × batch × ``model.batches_per_step``
(WGAN critics take ``n_critic`` batches per generator step); seconds per 1000 steps. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout without installing
import gans  # noqa: E402
from gans.data import DEFAULT_DATASET, load_dataset  # noqa: E402
from gans.ops.devices import cpu_model, describe_device, resolve_device  # noqa: E402
from gans.training import DataConfig, TrainConfig, Trainer  # noqa: E402


def hardware_line(device: torch.device) -> str:
    accelerator = f"{describe_device(device)}; " if device.type != "cpu" else ""
    return (f"{accelerator}CPU: {cpu_model()}, {os.cpu_count()} logical cores; "
            f"torch {torch.__version__} with {torch.get_num_threads()} threads; "
            f"Python {platform.python_version()}, {platform.system()} {platform.machine()}")


def measure(name: str, steps: int, warmup: int, batch_size: int, device: str) -> dict:
    """Time ``steps`` iterations of ``Trainer.fit`` for model ``name`` after ``warmup`` untimed ones."""
    torch.manual_seed(0)
    model = gans.create(name)
    size, channels = model.config()["image_size"], model.config()["channels"]
    data = load_dataset(DEFAULT_DATASET, image_size=size, channels=channels)
    total = warmup + steps + 1  # +1: the loop checks should_stop only before a step, so one more closes the window
    cfg = TrainConfig(steps=total, batch_size=batch_size, device=device,
                      sample_every=total + 1, checkpoint_every=total + 1)
    starts: list[float] = []  # one timestamp at the top of every loop iteration

    def should_stop() -> bool:
        if torch.cuda.is_available():
            torch.cuda.synchronize()  # count finished GPU work, not queued work
        starts.append(time.perf_counter())
        return False

    with tempfile.TemporaryDirectory(prefix="gans-bench-") as tmp:
        Trainer(cfg, should_stop=should_stop).fit(model, data, Path(tmp) / name, DataConfig(DEFAULT_DATASET))
    timed = starts[warmup : warmup + steps + 1]
    seconds = timed[-1] - timed[0]
    per_step = sorted(b - a for a, b in zip(timed, timed[1:]))
    steps_per_sec = steps / seconds
    return {
        "model": name, "image_size": size, "channels": channels, "batch_size": batch_size,
        "batches_per_step": model.batches_per_step, "steps": steps, "warmup": warmup, "seconds": seconds,
        "steps_per_sec": steps_per_sec,
        "images_per_sec": steps_per_sec * batch_size * model.batches_per_step,
        "sec_per_1000_steps": 1000 / steps_per_sec,
        "median_ms_per_step": 1000 * per_step[len(per_step) // 2],  # robust to a few slow steps on a busy machine
    }


def markdown_table(rows: list[dict]) -> str:
    lines = ["| model | size | batches/step | steps/s | real images/s | s / 1000 steps | median ms/step |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['image_size']}×{r['image_size']}×{r['channels']} | {r['batches_per_step']} "
                     f"| {r['steps_per_sec']:.2f} | {r['images_per_sec']:.0f} | {r['sec_per_1000_steps']:.0f} "
                     f"| {r['median_ms_per_step']:.0f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated model names (default: every registered model)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per model (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's own choice)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be >= 1 and --warmup >= 0")

    if args.threads:
        torch.set_num_threads(args.threads)
    names = args.models.split(",") if args.models else gans.list_models()
    hardware = hardware_line(resolve_device(args.device))
    rows = []
    for name in names:
        row = measure(name.strip(), args.steps, args.warmup, args.batch_size, args.device)
        print(f"{row['model']}: {row['steps_per_sec']:.2f} steps/s, {row['images_per_sec']:.0f} images/s",
              file=sys.stderr, flush=True)
        rows.append(row)

    print(markdown_table(rows))
    print(f"\n{time.strftime('%Y-%m-%d')}, batch {args.batch_size}, {args.steps} timed steps after "
          f"{args.warmup} warm-up, {DEFAULT_DATASET}; {hardware}")
    if args.json:
        Path(args.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"), "hardware": hardware,
                                               "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
