"""The acceptance of the shipped ×4 upscalers on the held-out photos they were accepted on (the six of the
offline-photos test split from mate-backgrounds and opencv-doc, never trained on; the whole split, 31 photos, would
take five times as long), measured as benchmarks/upscale_quality.py does (gans.tasks.upscale.measure):

- the MSE model (srresnet-offline-photos) is at least 1 dB above bicubic interpolation in PSNR;
- the GAN model (srgan-offline-photos) is above bicubic in PSNR and sharper than the MSE model (high-frequency
  energy relative to the original's)."""

import pytest

import gans
from gans.tasks.upscale import default_upscaler, measure
from tests.helpers import ROOT

MSE_RUN = ROOT / "checkpoints" / "srresnet-offline-photos"
GAN_RUN = ROOT / "checkpoints" / "srgan-offline-photos"


#: The offline-photos test photos the shipped upscalers were measured on (README, benchmarks/results/upscale).
FIRST_TEST_PHOTOS = ("nature/Dune.jpg", "nature/LadyBird.jpg", "opencv/baboon.jpg", "opencv/building.jpg",
                     "opencv/fruits.jpg", "opencv/squirrel_cls.jpg")


@pytest.fixture(scope="module")
def photos():
    from gans.data.photos import load_offline_photos

    data = load_offline_photos("test")  # CI installs the photos' packages: a missing one is a failure
    chosen = [photo for name, photo in zip(data.names, data.photos) if name in FIRST_TEST_PHOTOS]
    assert len(chosen) == len(FIRST_TEST_PHOTOS)
    return chosen


@pytest.fixture(scope="module")
def scores(photos):
    return {name: measure(gans.load(run), photos) for name, run in (("mse", MSE_RUN), ("gan", GAN_RUN))}


def test_the_mse_model_is_at_least_one_db_above_bicubic(scores):
    bicubic, mse = scores["mse"]["bicubic"], scores["mse"]["model"]
    assert mse["psnr"] >= bicubic["psnr"] + 1.0, (mse, bicubic)
    assert mse["ssim"] > bicubic["ssim"]


def test_the_gan_model_is_above_bicubic_and_sharper_than_the_mse_model(scores):
    bicubic, gan, mse = scores["gan"]["bicubic"], scores["gan"]["model"], scores["mse"]["model"]
    assert gan["psnr"] > bicubic["psnr"], (gan, bicubic)
    assert gan["sharpness"] > mse["sharpness"] > bicubic["sharpness"], (gan, mse, bicubic)


def test_the_gan_model_is_the_default_upscaler():
    assert default_upscaler() == str(GAN_RUN) == default_upscaler(4)
    assert gans.load(GAN_RUN).output_scale == 4
