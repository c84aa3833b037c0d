"""Training speed inside the studio vs the command line, same settings (the studio's ≥ 90 % target).

1. CLI path: ``gans.training.train`` in this process, as ``python -m gans train`` runs it.
2. App path: a real ``streamlit run app.py`` server on 127.0.0.1 and Debian's Chromium (Playwright) with the Train
   page open the whole time, so its live view (curves, grid, progress) refreshes every second while it trains.
Both read the run's own ``events.jsonl``: wall-clock images/s after a warm-up (stalls included) is the headline,
the median of the logged per-step rates is printed beside it.

    python benchmarks/app_speed.py --steps 300 --batch-size 64
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from studio_server import studio_page  # noqa: E402  (benchmarks/studio_server.py)

from gans.io.checkpoints import RunDir  # noqa: E402
from gans.training import DataConfig, TrainConfig, train  # noqa: E402


def steady_images_per_sec(run_dir: Path, warmup_steps: int) -> float:
    """Wall-clock throughput after the warm-up: images trained ÷ seconds between the first and last step event
    (stalls count), read from the run's events (batch from its config)."""
    steps = [e for e in RunDir(run_dir).read_events() if e["type"] == "step" and e["step"] > warmup_steps]
    batch = RunDir(run_dir).read_config()["train"]["batch_size"]
    return (steps[-1]["step"] - steps[0]["step"]) * batch / (steps[-1]["time"] - steps[0]["time"])


def median_window_images_per_sec(run_dir: Path, warmup_steps: int) -> float:
    return statistics.median(e["images_per_sec"] for e in RunDir(run_dir).read_events()
                             if e["type"] == "step" and e["step"] > warmup_steps)


def cli_speed(steps: int, batch_size: int, folder: Path) -> Path:
    # The Train page measures FD every 200 steps by default (pages/train.py): the CLI does the same work here.
    cfg = TrainConfig(steps=steps, batch_size=batch_size, log_every=1, sample_every=max(steps // 20, 1),
                      preview_seconds=None, device="cpu", metric_every=200)
    train("dcgan", DataConfig(), cfg, out=folder / "cli")
    return folder / "cli"


def app_speed(steps: int, batch_size: int, folder: Path, keep_page_open: bool = True) -> Path:
    """Start the job from the Train page; keep watching it live, or leave the page (about:blank) after Start."""
    runs = folder / ("app-runs-open" if keep_page_open else "app-runs-closed")
    with studio_page(runs, "train") as page:
        page.get_by_label("Steps", exact=True).fill(str(steps))
        page.get_by_label("Batch size", exact=True).fill(str(batch_size))
        page.get_by_role("button", name="Start training").click()
        page.locator(".js-plotly-plot").first.wait_for()
        if not keep_page_open:
            page.goto("about:blank")
        deadline = time.time() + 3600
        while time.time() < deadline:
            if [p for p in runs.glob("*") if any(e["type"] == "end" for e in RunDir(p).read_events())]:
                break
            page.wait_for_timeout(1000)
    return next(runs.glob("*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"CLI": cli_speed(args.steps, args.batch_size, Path(tmp)),
                "studio (page open)": app_speed(args.steps, args.batch_size, Path(tmp)),
                "studio (page left after Start)": app_speed(args.steps, args.batch_size, Path(tmp), False)}
        wall = {name: steady_images_per_sec(run, 5) for name, run in runs.items()}
        median = {name: median_window_images_per_sec(run, 5) for name, run in runs.items()}
    cli, app = wall["CLI"], wall["studio (page open)"]
    result = {"model": "dcgan", "batch_size": args.batch_size, "steps": args.steps,
              "cli_images_per_sec": round(cli, 1), "app_images_per_sec": round(app, 1), "ratio": round(app / cli, 3),
              "app_page_left_images_per_sec": round(wall["studio (page left after Start)"], 1),
              "median_step_rates": {k: round(v, 1) for k, v in median.items()}}
    print(json.dumps(result))
    print("\n| path | images/s (wall clock) | median per-step rate |\n| --- | ---: | ---: |")
    for name in runs:
        print(f"| {name} | {wall[name]:.0f} | {median[name]:.0f} |")
    print(f"| studio (page open) ÷ CLI | {app / cli:.0%} | |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
