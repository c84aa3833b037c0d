"""Training: the ``Trainer`` loop, the background ``Runner`` and the ``train``/``resume`` entry points."""

from .api import build_model, resume, train
from .config import DataConfig, TrainConfig
from .runner import Runner
from .trainer import Trainer

__all__ = ["DataConfig", "Runner", "TrainConfig", "Trainer", "build_model", "resume", "train"]
