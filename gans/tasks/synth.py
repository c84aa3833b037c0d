"""Synthetic labelled datasets from a class-conditional generator: one sub-folder per class, the layout the
``folder`` dataset reads back (sub-folders become classes, in sorted order).

```python
from gans.tasks.synth import synthesize_folder

report = synthesize_folder(gans.load("checkpoints/cgan-fashion-mnist"), per_class=200, out="synthetic/")
load_dataset("folder", path="synthetic/")  # the same classes, in the same order, with the same labels
```

Sub-folders are named ``{index}-{class name}`` with the index zero-padded (``0-t-shirt-top`` … ``9-ankle-boot``),
so their sorted order is the class order and a folder read back gets the generator's own labels. The images of
class ``c`` come from the fixed noise of seeds ``seed + 10000·c + chunk`` (chunks of ``CHUNK`` images), so the
same command writes the same files. Nothing is written unless it all succeeds: the folder is made beside ``out``
under a temporary name and renamed at the end; an ``out`` that exists and is not empty is refused, never
overwritten.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..registry import Task, task_of

CHUNK = 256  # images generated at once
SEED_STRIDE = 10_000  # seeds of class c start at seed + SEED_STRIDE · c
MAX_PER_CLASS = 100_000


@dataclass(frozen=True)
class SynthReport:
    """What ``synthesize_folder`` wrote: the folder, its class sub-folders in label order, images per class."""

    out: Path
    classes: list[str]
    per_class: int

    @property
    def total(self) -> int:
        return self.per_class * len(self.classes)


def class_folders(names: list[str], count: int) -> list[str]:
    """Sub-folder names for ``count`` classes, in label order and sorting in it: ``{index}-{name}`` with the index
    zero-padded and the name made file-safe (``T-shirt/top`` → ``t-shirt-top``); ``{index}-class`` without names."""
    width = len(str(max(count - 1, 0)))
    folders = []
    for index in range(count):
        name = names[index] if index < len(names) else "class"
        safe = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "class"
        folders.append(f"{index:0{width}d}-{safe}")
    return folders


def check_synth_model(model) -> None:
    """``ConfigError`` unless ``model`` draws images of a class it is given."""
    if task_of(model) != Task.GENERATE or not getattr(model, "conditional", False):
        raise ConfigError(f"{model.architecture} does not draw images of a given class; synth needs a "
                          "class-conditional noise → image run (cgan, or any model trained with --model-arg "
                          "num_classes=N on labelled data)")


def synthesize_folder(model, per_class: int, out: str | Path, class_names: list[str] | None = None,
                      truncation: float | None = None, seed: int = 0) -> SynthReport:
    """Write ``per_class`` PNGs of every class of the class-conditional ``model`` into ``out`` (see the module
    docstring); ``class_names`` name the sub-folders (the run's own names, e.g. from ``gans.io.runs.describe``)."""
    from ..io.images import to_pil, to_uint8

    check_synth_model(model)
    if isinstance(per_class, bool) or not isinstance(per_class, int) or not 1 <= per_class <= MAX_PER_CLASS:
        raise ConfigError(f"--per-class must be a whole number from 1 to {MAX_PER_CLASS:,}, got {per_class!r}")
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} already exists and is not an empty folder; give a new folder (nothing is "
                          "overwritten)")
    folders = class_folders(list(class_names or []), model.num_classes)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for label, folder in enumerate(folders):
            (staging / folder).mkdir()
            for chunk, start in enumerate(range(0, per_class, CHUNK)):
                count = min(CHUNK, per_class - start)
                images = to_uint8(model.sample(count, seed=seed + SEED_STRIDE * label + chunk, labels=[label] * count,
                                               truncation=truncation))
                for offset, image in enumerate(images):
                    to_pil(image).save(staging / folder / f"{start + offset:05d}.png")
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SynthReport(out, folders, per_class)


def synthesize_zip(model, per_class: int, class_names: list[str] | None = None, truncation: float | None = None,
                   seed: int = 0) -> bytes:
    """The folder of ``synthesize_folder`` as the bytes of a .zip (one top folder, ``synthetic/``): what the
    Explore page offers for download. Refused before any work beyond ``GANS_MAX_SAMPLES`` images in all
    (``gans.ops.budget``), and counted as one heavy request."""
    import io
    import zipfile

    from ..ops import budget

    check_synth_model(model)
    budget.check_samples(int(per_class) * model.num_classes, "images")
    with budget.heavy_call(), tempfile.TemporaryDirectory() as scratch:
        folder = synthesize_folder(model, per_class, Path(scratch) / "synthetic", class_names, truncation, seed).out
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNGs are compressed already
            for path in sorted(folder.rglob("*.png")):
                archive.write(path, path.relative_to(folder.parent).as_posix())
        return buffer.getvalue()
