"""GAN Studio's library: classic GANs, one training engine, data, checkpoints.

>>> import gans
>>> gans.list_models()
>>> model = gans.create("dcgan", image_size=32)
>>> model = gans.load("runs/dcgan-...")        # a run directory or a Hugging Face Hub repo id
>>> images = model.sample(16, seed=0)            # (16, C, H, W) in [-1, 1]
"""

from . import models  # noqa: F401  (registers every model)
from .checkpoints import RunDir, load
from .errors import CheckpointError, ConfigError, DatasetError, GansError, TrainingError, UnknownNameError
from .registry import create, list_models, register

__version__ = "0.1.0"


def list_datasets():
    """Every registered dataset with whether it is available on this machine and why (not)."""
    from .data import list_datasets as _list_datasets

    return _list_datasets()


__all__ = [
    "CheckpointError", "ConfigError", "DatasetError", "GansError", "RunDir", "TrainingError", "UnknownNameError",
    "create", "list_datasets", "list_models", "load", "register",
]
