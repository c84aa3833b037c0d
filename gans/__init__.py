"""GAN Studio's library: classic GANs, one training engine, data, checkpoints.

>>> import gans
>>> gans.list_models()
>>> model = gans.create("dcgan", image_size=32)
>>> model = gans.load("runs/dcgan-...")        # a run directory or a Hugging Face Hub repo id
>>> images = model.sample(16, seed=0)            # (16, C, H, W) in [-1, 1]

Models are ``gans.GAN`` (the small base: config, save/load, EMA, optimisers, the training-step protocol) and
one of its two task bases: ``gans.NoiseToImageGAN`` (``sample``, ``interpolate``) or ``gans.ImageToImageGAN``
(``translate``, ``translate_tiled``).
"""

from . import models  # noqa: F401  (registers every model)
from .errors import CheckpointError, ConfigError, DatasetError, GansError, TrainingError, UnknownNameError
from .io.checkpoints import RunDir, load
from .models.base import GAN
from .models.image_to_image import ImageToImageGAN
from .models.noise_to_image import NoiseToImageGAN
from .registry import create, list_models, register

__version__ = "0.1.0"


def list_datasets():
    """Every registered dataset with whether it is available on this machine and why (not)."""
    from .data import list_datasets as _list_datasets

    return _list_datasets()


__all__ = [
    "CheckpointError", "ConfigError", "DatasetError", "GAN", "GansError", "ImageToImageGAN", "NoiseToImageGAN",
    "RunDir", "TrainingError", "UnknownNameError", "create", "list_datasets", "list_models", "load", "register",
]
