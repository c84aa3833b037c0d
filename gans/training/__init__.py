"""Training: the ``Trainer`` loop and the ``train`` / ``run_job`` / ``resume`` entry points.

A background job (the studio's) is the same entry point in its own process: ``jobs.JobManager`` (one job per
server, limits) starts ``python -m gans train --spec job.json`` through ``process_runner.ProcessRunner``.
"""

from .api import build_model, resume, run_job, train
from .config import DataConfig, TrainConfig
from .spec import JobSpec
from .trainer import Trainer

__all__ = ["DataConfig", "JobSpec", "TrainConfig", "Trainer", "build_model", "resume", "run_job", "train"]
