"""Does a text-to-image checkpoint draw what its prompts say? Class fidelity and the brightness words.

For each class of the run, the prompt naming it in its plain form ("a t-shirt", "a trouser", ..., "an ankle boot")
→ N samples (seed 0) → the share our Fashion-MNIST classifier (``gans.metrics.features``, the one behind class
accuracy in ``python -m gans evaluate``) puts in the named class, beside the classifier's own accuracy on the real
test images of that class. Then "a dark X" and "a light X" → N samples each → mean brightness, measured as the
captions measure it (``gans.ops.captions.measure_attributes``: mean intensity of the garment's pixels, in [0, 1]);
"dark < light" must hold for every class. The class accuracy of the dark and light prompts is reported too.

    python benchmarks/text2image_quality.py [--run checkpoints/text2image-fashion-mnist] [--n 500] [--no-card]

Prints the machine and a Markdown table; writes benchmarks/results/text2image/results.json, and the table and a
picture of ten prompts (``prompts.png``) into the run's model card (between ``<!-- text2image-quality -->`` markers,
replacing an older one).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_dcgan import machine_line  # noqa: E402

import gans  # noqa: E402
from gans.io.checkpoints import CARD_FILE, atomic_write  # noqa: E402
from gans.io.images import grid_image  # noqa: E402
from gans.metrics.evaluate import real_class_accuracy  # noqa: E402
from gans.metrics.features import embed, feature_network_name, load_feature_network  # noqa: E402
from gans.ops.captions import measure_attributes  # noqa: E402
from gans.ops.precision import resolve_precision  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "text2image"
START, END = "<!-- text2image-quality -->", "<!-- /text2image-quality -->"
PICTURE = "prompts.png"
#: the rows of the card's picture (ten samples each, seed 0)
PICTURE_PROMPTS = ("a dark ankle boot", "a light ankle boot", "a small sandal", "a large sandal", "a plain shirt",
                   "a patterned shirt", "a dark dress", "a light dress", "trousers", "a large patterned bag")


def plain_prompt(class_name: str, attribute: str = "") -> str:
    """ "a t-shirt", "an ankle boot", "a dark trouser": the dataset's first name for the class (before a "/")."""
    words = " ".join(part for part in (attribute, class_name.split("/")[0].strip().lower()) if part)
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def measure(model, network, prompt: str, label: int, n: int, seed: int, truncation: float | None) -> dict:
    images = torch.cat([model.sample(min(250, n - start), seed=seed + start, text=prompt, truncation=truncation)
                        for start in range(0, n, 250)])
    _, scores = embed(network, images)
    return {"prompt": prompt, "accuracy": (scores.argmax(1) == label).double().mean().item(),
            "brightness": measure_attributes(images)[:, 0].mean().item()}


def measure_setting(model, network, real: dict, dataset: str, args, truncation: float | None,
                    precision: str) -> tuple[str, dict]:
    """The table (Markdown) and results of every class prompt and its dark / light forms at one ``truncation``."""
    rows = []
    for label, name in enumerate(model.class_names):
        row = {"class": name, "real_accuracy": real.get(name)}
        row.update(measure(model, network, plain_prompt(name), label, args.n, args.seed, truncation))
        dark = measure(model, network, plain_prompt(name, "dark"), label, args.n, args.seed, truncation)
        light = measure(model, network, plain_prompt(name, "light"), label, args.n, args.seed, truncation)
        row.update(dark_brightness=dark["brightness"], light_brightness=light["brightness"],
                   dark_accuracy=dark["accuracy"], light_accuracy=light["accuracy"])
        rows.append(row)
        print(f"truncation {truncation}, {name}: {row['accuracy']:.1%}, dark {dark['brightness']:.3f} < light "
              f"{light['brightness']:.3f}", file=sys.stderr)
    overall = sum(row["accuracy"] for row in rows) / len(rows)
    attributes = sum(row["dark_accuracy"] + row["light_accuracy"] for row in rows) / (2 * len(rows))
    ordered = sum(row["dark_brightness"] < row["light_brightness"] for row in rows)
    table = ["| class | prompt | class accuracy | classifier on real test images | \"dark\" brightness | "
             "\"light\" brightness | dark < light | class accuracy of the dark / light prompts |",
             "| --- | --- | ---: | ---: | ---: | ---: | :---: | ---: |"]
    for row in rows:
        real_text = f"{row['real_accuracy']:.1%}" if row["real_accuracy"] is not None else "–"
        table.append(f"| {row['class']} | {row['prompt']} | {row['accuracy']:.1%} | {real_text} | "
                     f"{row['dark_brightness']:.3f} | {row['light_brightness']:.3f} | "
                     f"{'yes' if row['dark_brightness'] < row['light_brightness'] else '**no**'} | "
                     f"{row['dark_accuracy']:.1%} / {row['light_accuracy']:.1%} |")
    at_least = [row["class"] for row in rows if row["accuracy"] >= 0.85]
    setting = "truncation off" if truncation is None else f"truncation {truncation:g}"
    summary = (f"Overall ({setting}): {overall:.1%} of the class prompts' samples in the named class "
               f"({len(at_least)} of {len(rows)} classes at 85 % or more); {attributes:.1%} for the prompts with "
               f"\"dark\" / \"light\"; \"dark\" darker than \"light\" in {ordered} of {len(rows)} classes.")
    flag = "" if truncation is None else f" --truncations {truncation:g}"
    method = (f"**{setting[0].upper() + setting[1:]}.** `python benchmarks/text2image_quality.py --n {args.n}{flag}`: "
              f"{args.n} samples per prompt (seed {args.seed}), {precision} inference on the CPU, weights as shipped; "
              f"class by GAN Studio's {dataset} classifier (the one behind `python -m gans evaluate`); brightness = "
              "mean intensity of the garment's pixels in [0, 1], the measure the training captions' dark / light "
              "come from.")
    result = {"truncation": truncation, "overall_accuracy": overall, "attribute_prompt_accuracy": attributes,
              "dark_below_light": ordered, "classes_at_85": len(at_least), "rows": rows}
    return "\n".join([method, "", *table, "", summary]), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(ROOT / "checkpoints" / "text2image-fashion-mnist"))
    parser.add_argument("--n", type=int, default=500, help="samples per prompt")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truncations", default="off,1.0",
                        help="truncation settings to measure, comma-separated (off = none; 1.0 is the prompt box's "
                             "default on Explore)")
    parser.add_argument("--no-card", action="store_true", help="do not write the table into the model card")
    args = parser.parse_args()
    settings = [None if value.strip() == "off" else float(value) for value in args.truncations.split(",")]

    model = gans.load(args.run)
    config = json.loads((Path(args.run) / "config.json").read_text())
    dataset = config.get("data", {}).get("name", "fashion-mnist")
    network, _ = load_feature_network(feature_network_name(dataset))
    real = real_class_accuracy(dataset) or {}
    precision = resolve_precision("auto", "cpu")
    machine = machine_line()
    reports, results = [], []
    for truncation in settings:
        report, result = measure_setting(model, network, real, dataset, args, truncation, precision)
        reports.append(report)
        results.append(result)
    report = "\n\n".join([*reports, f"Machine: {machine}"])
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(
        {"run": str(args.run), "n": args.n, "seed": args.seed, "precision": precision, "machine": machine,
         "settings": results}, indent=2) + "\n")
    if not args.no_card:
        card_path = Path(args.run) / CARD_FILE
        card = card_path.read_text()
        rows_picture = torch.cat([model.sample(10, seed=0, text=prompt) for prompt in PICTURE_PROMPTS])
        grid_image(rows_picture, nrow=10).save(Path(args.run) / PICTURE, optimize=True)
        picture = f"Rows: {'; '.join(PICTURE_PROMPTS)} (seed 0): ![prompts]({PICTURE})"
        section = f"{START}\n## Prompts: class fidelity and brightness\n\n{report}\n\n{picture}\n{END}"
        if START in card:
            card = card.split(START)[0] + section + card.split(END, 1)[1]
        else:
            card = card.replace("## Model config", section + "\n\n## Model config", 1)
        atomic_write(card_path, card)


if __name__ == "__main__":
    main()
