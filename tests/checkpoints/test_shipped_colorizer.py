"""The shipped colorizer on test photos it never saw (eight of the offline-photos test split, varied scenes:
grass and sea, a ladybird, a mandrill, a hotel, fruit, icebergs, a beach, a portrait), as
benchmarks/colorizer_eval.py scores them:

- without hints it never makes a photo worse than its own gray version by more than 1 dB (the calibrated read-out);
- with 10 hints carrying the original's colour at seeded random places it is well above gray, and more hints help
  (0 → 5 → 10).
The whole split (32 photos, with the previous model beside it) is in the README and the model card."""

import statistics
import sys

import numpy as np
import pytest
from PIL import Image

import gans
from gans.tasks.colorize import colorize_picture
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from colorizer_hints import true_hints  # noqa: E402

RUN = ROOT / "checkpoints" / "colorizer-offline-photos"
PHOTOS = ("nature/Dune.jpg", "nature/LadyBird.jpg", "opencv/baboon.jpg", "opencv/building.jpg", "opencv/fruits.jpg",
          "tuxtype/kcas0.jpg", "tuxtype/kcas2.jpg", "matplotlib/grace_hopper.jpg")


@pytest.fixture(scope="module")
def gains():
    from gans.data.photos import load_offline_photos

    data = load_offline_photos("test")  # CI installs the photos' packages: a missing one is a failure
    chosen = [(name, photo) for name, photo in zip(data.names, data.photos) if name in PHOTOS]
    assert len(chosen) == len(PHOTOS)
    model = gans.load(RUN)
    rows = {}
    for index, (name, photo) in enumerate(chosen):
        original = Image.fromarray(photo.permute(1, 2, 0).numpy())
        row = {}
        for count in (0, 5, 10):
            metrics = colorize_picture(model, original, hints=true_hints(original, count, index) if count else ()
                                       ).metrics
            row[count] = metrics["colorizer"]["psnr"] - metrics["zero chroma (gray)"]["psnr"]
        rows[name] = row
    return rows


def test_no_photo_is_made_more_than_1_db_worse_than_its_gray_version(gains):
    worst = min(gains, key=lambda name: gains[name][0])
    assert gains[worst][0] > -1.0, f"{worst}: {gains[worst][0]:+.2f} dB against its gray version"


def test_hints_lift_the_photos_well_above_gray_and_more_hints_help_more(gains):
    mean = {count: statistics.mean(row[count] for row in gains.values()) for count in (0, 5, 10)}
    assert mean[0] < mean[5] < mean[10], mean
    assert mean[10] > 1.5, mean
    assert np.mean([row[10] > row[0] for row in gains.values()]) >= 0.75, gains
