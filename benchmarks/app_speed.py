"""Training speed inside the studio vs the command line, same settings (the studio's ≥ 90 % target).

1. CLI path: ``gans.training.train`` in this process, as ``python -m gans train`` runs it.
2. App path: a real ``streamlit run app.py`` server on 127.0.0.1 and Debian's Chromium (Playwright) with the Train
   page open the whole time, so its live view (curves, grid, progress) refreshes every second while it trains.
Both read images/s from the run's own ``events.jsonl`` (median over the logged windows after a warm-up), so the
number is the trainer's, not the page's.

    python benchmarks/app_speed.py --steps 300 --batch-size 64
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gans.checkpoints import RunDir  # noqa: E402
from gans.training import DataConfig, TrainConfig, train  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]


def steady_images_per_sec(run_dir: Path, warmup_steps: int) -> float:
    rates = [e["images_per_sec"] for e in RunDir(run_dir).read_events()
             if e["type"] == "step" and e["step"] > warmup_steps]
    return statistics.median(rates)


def cli_speed(steps: int, batch_size: int, folder: Path) -> float:
    cfg = TrainConfig(steps=steps, batch_size=batch_size, log_every=1, sample_every=max(steps // 20, 1),
                      preview_seconds=None, device="cpu")
    train("dcgan", DataConfig(), cfg, out=folder / "cli")
    return steady_images_per_sec(folder / "cli", warmup_steps=5)


def app_speed(steps: int, batch_size: int, folder: Path) -> float:
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    runs = folder / "app-runs"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "GANS_RUNS_DIR": str(runs)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(f"{url}/train")
            page.get_by_label("Steps", exact=True).fill(str(steps))
            page.get_by_label("Batch size", exact=True).fill(str(batch_size))
            page.get_by_role("button", name="Start training").click()
            deadline = time.time() + 3600
            while time.time() < deadline:
                done = [p for p in runs.glob("*") if any(e["type"] == "end" for e in RunDir(p).read_events())]
                if done:
                    break
                page.wait_for_timeout(1000)  # the page stays open and live the whole time
            browser.close()
        run_dir = next(runs.glob("*"))
        return steady_images_per_sec(run_dir, warmup_steps=5)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cli = cli_speed(args.steps, args.batch_size, Path(tmp))
        app = app_speed(args.steps, args.batch_size, Path(tmp))
    result = {"model": "dcgan", "batch_size": args.batch_size, "steps": args.steps,
              "cli_images_per_sec": round(cli, 1), "app_images_per_sec": round(app, 1), "ratio": round(app / cli, 3)}
    print(json.dumps(result))
    print(f"\n| path | images/s |\n| --- | ---: |\n| CLI | {cli:.0f} |\n| studio (page open) | {app:.0f} |\n"
          f"| ratio | {app / cli:.0%} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
