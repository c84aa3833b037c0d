"""Train every registered model for N steps on the embedded default data and report whether its losses stayed
finite, how long it took and where its final sample grid is — the "every model trains" check of the README.

    python benchmarks/train_all.py --steps 300 --out runs/train-all
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout without installing
import gans  # noqa: E402
from gans.io.checkpoints import RunDir  # noqa: E402
from gans.ops.devices import describe_device, resolve_device  # noqa: E402
from gans.training import DataConfig, TrainConfig, train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--models", default=",".join(gans.list_models()))
    parser.add_argument("--out", default="runs/train-all")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    rows = []
    for name in args.models.split(","):
        out = Path(args.out) / name
        started = time.time()
        result = train(name, DataConfig("fashion-mnist-mini"), TrainConfig(steps=args.steps, device=args.device,
                       sample_every=max(args.steps // 5, 1)), out=out)
        seconds = time.time() - started
        steps = [e for e in RunDir(out).read_events() if e["type"] == "step"]
        finite = all(math.isfinite(e["loss_d"]) and math.isfinite(e["loss_g"]) for e in steps)
        last = steps[-1]
        rows.append(f"| {name} | {result['step']} | {'yes' if finite else 'NO'} | {last['loss_d']:.3f} | "
                    f"{last['loss_g']:.3f} | {seconds:.0f} | `{RunDir(out).sample_paths()[-1]}` |")
        print(rows[-1], flush=True)

    print(f"\nCPU/GPU: {describe_device(resolve_device(args.device))}, torch {torch.__version__}")
    print("| model | steps | losses finite | last loss_d | last loss_g | seconds | final grid |")
    print("| --- | ---: | --- | ---: | ---: | ---: | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
