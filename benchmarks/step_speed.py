"""Seconds per DCGAN training step: the plain-PyTorch reference against GAN Studio, interleaved in one process.

    python benchmarks/step_speed.py                      # auto precision, 8 rounds of 10 + 10 steps
    python benchmarks/step_speed.py --precision fp32     # our step in fp32 (the reference is always fp32)
    python benchmarks/step_speed.py --rounds 12 --json results/step_speed.json
    python benchmarks/step_speed.py --device cuda --cuda-graphs off   # on a GPU: our step without CUDA graphs

1. **As a user runs it**: ``gans train dcgan --data fashion-mnist --width 64 --model-arg augment=none`` (32 px,
   the reference's network and work per step, batch 64, default precision, the real ``Trainer`` with its data
   sampler, events, EMA and periodic files) against the reference
   (``benchmarks/reference_dcgan.py``: its own DataLoader and step) on the same full Fashion-MNIST tensor. The
   Trainer runs once; every ``--block`` of our steps, the loop's ``should_stop`` hook runs ``--block``
   reference steps, so the two alternate all through the run and share the machine's state. A step's time is
   the time between two calls of the hook (ours) or around one ``step()`` (the reference); the first round is
   warm-up. Reported: median and mean seconds per step and the reference ÷ ours ratios (> 1: ours is
   faster); the mean includes the Trainer's periodic grids and checkpoints.
2. **Model level** (3 channels, one fixed batch, no data pipeline): the reference step against our
   ``train_step`` in fp32 and bf16, NCHW and channels_last, interleaved: where the time goes.

Nothing is asserted; the machine line says which CPU (and its bf16 capability) the numbers come from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_dcgan import ReferenceDCGAN, machine_line  # noqa: E402

from gans.data import load_dataset  # noqa: E402
from gans.data.batch import Batch  # noqa: E402
from gans.data.image_data import to_model_range  # noqa: E402
from gans.ops.devices import resolve_device  # noqa: E402
from gans.ops.precision import autocast, resolve_precision  # noqa: E402
from gans.training import DataConfig, TrainConfig, Trainer  # noqa: E402
from gans.training.api import build_model  # noqa: E402


def median_ms(times: list[float]) -> float:
    return 1000 * statistics.median(times)


def as_a_user_runs_it(args) -> dict:
    """Our Trainer on full Fashion-MNIST with the reference's blocks run from its should_stop hook."""
    device = resolve_device(args.device)
    model = build_model("dcgan", 0, image_size=32, width=64, augment="none")
    data = model.prepare_data(load_dataset("fashion-mnist", image_size=32))
    reference = ReferenceDCGAN(to_model_range(data.images), seed=0, batch_size=64, device=str(device))
    steps = (args.rounds + 1) * args.block + 1
    cfg = TrainConfig(steps=steps, batch_size=64, precision=args.precision, device=args.device,
                      cuda_graphs=args.cuda_graphs)
    ours, refs = [], []
    state = {"exit": None, "count": 0}
    events: list[dict] = []

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def should_stop() -> bool:
        sync()
        now = time.perf_counter()
        if state["exit"] is not None and state["count"] > args.block:  # the first block is warm-up
            ours.append(now - state["exit"])
        state["count"] += 1
        if state["count"] % args.block == 1 and state["count"] > 1:  # a block of ours done: a block of the reference
            for _ in range(args.block):
                start = time.perf_counter()
                reference.step()
                sync()
                if state["count"] > args.block + 1:
                    refs.append(time.perf_counter() - start)
        state["exit"] = time.perf_counter()
        return False

    with tempfile.TemporaryDirectory(prefix="gans-step-speed-") as tmp:
        trainer = Trainer(cfg, callbacks=[events.append], should_stop=should_stop)
        trainer.fit(model, data, Path(tmp) / "run", DataConfig("fashion-mnist"))
    precision = resolve_precision(args.precision, device)
    graphs = next((e.get("cuda_graphs") for e in events if e.get("type") == "start"), None)
    return {"ours_ms": median_ms(ours), "reference_ms": median_ms(refs), "ours_steps": len(ours),
            "cuda_graphs": graphs,
            "reference_steps": len(refs), "precision": precision,
            "ours_mean_ms": 1000 * statistics.mean(ours), "reference_mean_ms": 1000 * statistics.mean(refs),
            "ratio": statistics.median(refs) / statistics.median(ours),
            "ratio_of_means": statistics.mean(refs) / statistics.mean(ours)}


def model_level(args) -> list[dict]:
    """``train_step`` alone on one fixed 3-channel batch, against the reference's step on the same batch."""
    device = resolve_device(args.device)
    torch.manual_seed(0)
    batch = torch.rand(64, 3, 32, 32, device=device) * 2 - 1
    reference = ReferenceDCGAN(batch.cpu(), seed=0, batch_size=64, device=str(device))
    variants = {"reference (fp32, NCHW)": None}
    for precision in ("fp32", "bf16"):
        for channels_last in (False, True):
            model = build_model("dcgan", 0, image_size=32, width=64, channels=3, augment="none").to(device)
            if channels_last:
                model.to(memory_format=torch.channels_last)
            name = f"ours ({precision}, {'channels_last' if channels_last else 'NCHW'})"
            variants[name] = (model, model.configure_optimizers(TrainConfig()), precision, channels_last)
    times = {name: [] for name in variants}

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for round_index in range(args.rounds + 1):
        for name, variant in variants.items():
            for _ in range(args.block):
                start = time.perf_counter()
                if variant is None:
                    reference.step(batch)
                else:
                    model, optimizers, precision, channels_last = variant
                    images = batch.contiguous(memory_format=torch.channels_last) if channels_last else batch
                    with autocast(device, precision, cache=False):
                        model.train_step(Batch(images), optimizers, 0)
                sync()
                if round_index:  # round 0 is warm-up
                    times[name].append(time.perf_counter() - start)
    base = statistics.median(times["reference (fp32, NCHW)"])
    return [{"variant": name, "ms": median_ms(values), "ratio": base / statistics.median(values)}
            for name, values in times.items()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--rounds", type=int, default=8, help="timed rounds (one more, untimed, warms up)")
    parser.add_argument("--block", type=int, default=10, help="steps per side per round")
    parser.add_argument("--cuda-graphs", default="auto", choices=("auto", "on", "off"),
                        help="our Trainer's CUDA graphs setting (auto: on CUDA when the step allows it)")
    parser.add_argument("--skip-model-level", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    machine = machine_line()
    print(machine, flush=True)
    user = as_a_user_runs_it(args)
    print(f"\nAs a user runs it (full Fashion-MNIST, 32 px, width 64, batch 64, --precision {args.precision} → "
          f"{user['precision']}; CUDA graphs {user['cuda_graphs']}; {user['ours_steps']} + "
          f"{user['reference_steps']} timed steps, interleaved):\n")
    print("| | median s/step | mean s/step | reference ÷ ours (medians) | (means) |\n"
          "| --- | ---: | ---: | ---: | ---: |")
    print(f"| reference (plain PyTorch, fp32) | {user['reference_ms'] / 1000:.4f} | "
          f"{user['reference_mean_ms'] / 1000:.4f} | | |")
    print(f"| GAN Studio `gans train dcgan` ({user['precision']}) | {user['ours_ms'] / 1000:.4f} | "
          f"{user['ours_mean_ms'] / 1000:.4f} | **{user['ratio']:.2f}×** | {user['ratio_of_means']:.2f}× |", flush=True)
    levels = [] if args.skip_model_level else model_level(args)
    if levels:
        print("\nModel level (3 channels, one fixed batch, `train_step` only):\n")
        print("| variant | median ms/step | reference ÷ variant |\n| --- | ---: | ---: |")
        for row in levels:
            print(f"| {row['variant']} | {row['ms']:.1f} | {row['ratio']:.2f}× |")
    print(f"\n{time.strftime('%Y-%m-%d')}; {machine}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d"),
                                         "precision_setting": args.precision, "as_a_user_runs_it": user,
                                         "model_level": levels}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
