"""The model card (README.md) of a run directory: what, data, command, steps, time, hardware, samples."""

from __future__ import annotations

import json

import torch

from ..io.checkpoints import RunDir, atomic_write
from ..ops.captions import caption_name
from ..ops.text import takes_text
from ..registry import task_of


def write_model_card(run: RunDir, model, cfg, data_cfg, step: int, seconds: float, hardware: str,
                     last_stats: dict, command: str = "", precision: str = "") -> None:
    samples = run.sample_paths()
    lines = [
        "---",
        "library_name: gans",
        "tags: [gan, image-generation, gan-studio]",
        "---",
        f"# {model.architecture} trained with GAN Studio",
        "",
        f"- **Architecture:** `{model.architecture}` ({type(model).__name__}), "
        f"{generator_parameters(model):,} generator parameters",
        f"- **Data:** `{data_cfg.name}`" + (f" from `{data_cfg.path}`" if data_cfg.path else ""),
        f"- **Steps:** {step} of {cfg.steps} (batch {cfg.batch_size}, seed {cfg.seed})",
        f"- **Wall time of the last session:** {seconds:.0f} s on {hardware}, torch {torch.__version__}",
    ]
    if precision:
        lines.append(f"- **Precision:** {precision}")
    if command:
        lines.append(f"- **Command:** `{command}`")
    if last_stats:
        lines.append("- **Last losses:** " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(last_stats.items())))
    if takes_text(model):
        lines.append("- **Captions:** synthetic, written for every batch from each training image's class plus "
                     "attributes measured from its pixels relative to its class (dark / light, small / large, "
                     "plain / patterned; `gans.ops.captions`); the vocabulary is in the model config")
    lines += metric_lines(run, cfg)
    lines += ["", "## Model config", "", "```json", json.dumps(model.config(), indent=2, sort_keys=True), "```", ""]
    task = task_of(model)
    translates = task == "translate"
    if samples:
        title = {"translate": "## Translations of fixed training inputs (rows: " + (
                     "input, output, target" if translates and len(model.directions) == 1
                     else "A, A → B, B, B → A") + ")",
                 "colorize": "## Fixed training crops (rows: gray input, colorized, original)",
                 "upscale": "## Fixed training crops (rows: bicubic upscale, model upscale, original)",
                 "detect": "## Held-out normal images (rows: input, reconstruction, |difference|)"}.get(
                     task, "## Samples (fixed noise)")
        lines += [title, "", f"![samples at step {step}](samples/{samples[-1].name})", ""]
    if run.gif_path.exists():
        lines += [f"Training progress: ![progress](samples/{run.gif_path.name})", ""]
    lines += ["## Use", "", "```python", "import gans", f'model = gans.load("{run.path.name}")']
    if translates:
        lines += ["from gans.tasks.translate import translate_file",
                  'result = translate_file(model, "photo.jpg")  # any size; result.output is a PIL image',
                  "```", "", "or `python -m gans translate " + run.path.name + " photo.jpg -o out.png`", ""]
    elif task == "colorize":
        lines += ["from gans.tasks.colorize import colorize_file",
                  'result = colorize_file(model, "photo.jpg", render_size=256)  # result.output: same size as input',
                  "```", "", "or `python -m gans colorize photo.jpg -o out.png --checkpoint " + run.path.name + "`", ""]
    elif task == "upscale":
        lines += ["from gans.tasks.upscale import upscale_file",
                  f'result = upscale_file(model, "photo.jpg")  # result.output: {model.output_scale}× the input size',
                  "```", "",
                  "or `python -m gans upscale photo.jpg -o large.png --checkpoint " + run.path.name + "`", ""]
    elif task == "detect":
        lines += ["from gans.tasks.detect import detect_files",
                  'for found in detect_files(model, ["image.png"]):  # score (≈ 1: typical normal), verdict',
                  "    print(found.name, found.score, found.verdict)",
                  "```", "", "or `python -m gans detect " + run.path.name + " image.png --json`", ""]
    elif takes_text(model):
        prompt = f"a dark {caption_name(model.class_names[-1])}"
        lines += [f'images = model.sample(16, seed=0, text="{prompt}")  # (16, C, H, W) in [-1, 1]', "```", "",
                  f'or `python -m gans sample {run.path.name} --text "{prompt}" -n 16 -o grid.png`', ""]
    else:
        lines += ["images = model.sample(16, seed=0)  # (16, C, H, W) in [-1, 1]", "```", ""]
    atomic_write(run.card_path, "\n".join(lines))


def metric_lines(run: RunDir, cfg) -> list[str]:
    """The in-the-loop metric (last and best FD) with its protocol, when the run measured one."""
    events = [e for e in run.read_events() if e.get("type") == "metric" and "fd" in e]
    if not events:
        return []
    last, best = events[-1], min(events, key=lambda e: e["fd"])
    return ["", "## Metrics during training", "",
            f"FD / KID / precision / recall of {cfg.metric_samples} samples (seed {cfg.seed}) against as many "
            f"training images, in the feature space of GAN Studio's own classifier (`gans.metrics`; not comparable "
            f"with Inception FID), every {cfg.metric_every} steps. `best/` holds the weights of the lowest FD.", "",
            "| | step | FD | KID | precision | recall |", "| --- | ---: | ---: | ---: | ---: | ---: |"] + [
            f"| {label} | {e['step']} | {e['fd']:.2f} | {e.get('kid', float('nan')):.4f} | "
            f"{e.get('precision', float('nan')):.3f} | {e.get('recall', float('nan')):.3f} |"
            for label, e in (("last", last), ("best (in best/)", best))]


def generator_parameters(model) -> int:
    """Parameters of the generator(s) — both of CycleGAN's, not the EMA copy."""
    return sum(p.numel() for name, p in model.named_parameters()
               if name.startswith("generator") and not name.startswith("generator_ema"))
