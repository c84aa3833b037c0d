"""The shipped photo-restoration Pix2Pix (checkpoints/pix2pix-restore-photos) on held-out photos aged with the
held-out mixes (gans.ops.ageing.HELD_OUT_AGEINGS), as benchmarks/restore_quality.py measures it, on six photos of the
offline-photos test split (never trained on) rather than all 32 (the whole benchmark also runs the classic filters
and takes minutes): the restoration is closer to the clean photo than the aged input, on average by the margin the
README reports for the whole split, and it keeps any size; the old-photo flow finds it as the shipped restorer."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.metrics import psnr
from gans.ops.ageing import HELD_OUT_AGEINGS
from gans.tasks.restore import age_picture, default_restorer
from gans.tasks.translate import translate_picture
from tests.helpers import ROOT

RUN = ROOT / "checkpoints" / "pix2pix-restore-photos"
PHOTOS = ("tuxtype/kcas1.jpg", "palapeli/castle-maintenon.jpg", "matplotlib/grace_hopper.jpg",  # Debian only
          "scribus/menu2/pizza.jpg", "palapeli/citrus-fruits.jpg", "palapeli/panther-chameleon-female.jpg")


def unit(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]


@pytest.fixture(scope="module")
def model():
    return gans.load(RUN)


@pytest.fixture(scope="module")
def gains(model):
    from gans.data.photos import load_offline_photos

    data = load_offline_photos("test")  # CI installs the photos' packages: a missing one is a failure
    chosen = [(name, photo) for name, photo in zip(data.names, data.photos) if name in PHOTOS]
    assert len(chosen) == len(PHOTOS)
    rows = []
    for number, (name, photo) in enumerate(chosen):
        clean = Image.fromarray(photo.permute(1, 2, 0).numpy())
        clean.thumbnail((256, 256))  # a smaller copy: the suite stays fast
        for index, ageing in enumerate(HELD_OUT_AGEINGS.values()):
            aged = age_picture(clean, ageing, seed=1000 + 10 * number + index)
            restored = translate_picture(model, aged).output
            assert restored.size == aged.size
            rows.append((psnr(unit(restored), unit(clean)) - psnr(unit(aged), unit(clean))).item())
    return rows


def test_the_restoration_beats_the_aged_input_by_at_least_one_and_a_half_db_on_average(gains):
    assert np.mean(gains) >= 1.5, f"mean gain {np.mean(gains):+.2f} dB"


def test_it_keeps_an_odd_size(model):
    odd = Image.fromarray(np.random.default_rng(0).integers(0, 256, (129, 77, 3), dtype=np.uint8))
    assert translate_picture(model, odd).output.size == (77, 129)


def test_the_flow_finds_it_as_the_shipped_restorer(monkeypatch):
    monkeypatch.delenv("GANS_CHECKPOINTS_DIR", raising=False)
    assert Path(default_restorer()).name == RUN.name
