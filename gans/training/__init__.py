"""Training: the ``Trainer`` loop, the background ``Runner`` and the ``train``/``resume`` entry points."""

from .api import build_model, resume, run_job, train
from .config import DataConfig, TrainConfig
from .runner import Runner
from .spec import JobSpec
from .trainer import Trainer

__all__ = ["DataConfig", "JobSpec", "Runner", "TrainConfig", "Trainer", "build_model", "resume", "run_job", "train"]
