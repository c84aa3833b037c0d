"""How fast the Explore page answers a move of the interpolation slider, on a 32 px model on this CPU.

1. Library: the work one slider move triggers — latent at t, generator forward, 8× nearest-neighbour enlarge,
   PNG encode — timed over many slider positions.
2. Browser: a real ``streamlit run app.py`` server and Debian's Chromium (Playwright); the slider is moved with the
   keyboard and the time until the large picture's ``src`` changes is measured (server round trip, fragment rerun,
   image transfer and render included).

    python benchmarks/explore_latency.py [--checkpoint checkpoints/dcgan-fashion-mnist-mini] [--moves 20]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from studio_server import studio_page  # noqa: E402  (benchmarks/studio_server.py)

import gans  # noqa: E402
from gans.tasks.explore import display_scale, enlarge, image_at  # noqa: E402


def library_ms(checkpoint: str, positions: int) -> list[float]:
    model = gans.load(checkpoint)
    scale = display_scale(model.config()["image_size"])
    times = []
    for index in range(positions + 3):
        started = time.perf_counter()
        picture = enlarge(image_at(model, 0, 1, index / (positions + 2)), scale)
        picture.save(io.BytesIO(), format="PNG")
        if index >= 3:  # the first calls warm up the allocator and caches
            times.append((time.perf_counter() - started) * 1000)
    return times


def browser_ms(moves: int) -> list[float]:
    times = []
    with studio_page("/nonexistent-runs", "explore", timeout_ms=60_000) as page:
        slider = page.get_by_role("slider", name="t: from seed A")
        slider.wait_for()
        frame = page.get_by_test_id("stImage").first.locator("img")
        frame.wait_for()
        slider.focus()
        for _ in range(moves):
            before = frame.get_attribute("src")
            started = time.perf_counter()
            page.keyboard.press("ArrowRight")
            while frame.get_attribute("src") == before:
                page.wait_for_timeout(5)
            times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(ROOT / "checkpoints" / "dcgan-fashion-mnist-mini"))
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    result = {"library": summary(library_ms(args.checkpoint, 50))}
    if not args.skip_browser:
        result["browser"] = summary(browser_ms(args.moves))
    print(json.dumps(result))
    print("\n| path | median | p90 | max |\n| --- | ---: | ---: | ---: |")
    for name, values in result.items():
        print(f"| {name} | {values['median_ms']} ms | {values['p90_ms']} ms | {values['max_ms']} ms |")


if __name__ == "__main__":
    main()
