"""``train`` and ``resume``: the functions the CLI and the studio's job process call."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from ..errors import ConfigError
from ..io.checkpoints import RunDir, atomic_write, load
from ..io.runs import runs_dir
from ..ops import budget
from ..registry import create, model_factory, model_info
from .config import DataConfig, TrainConfig
from .spec import JobSpec
from .trainer import Trainer


def new_run_dir(architecture: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = runs_dir() / f"{architecture}-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = runs_dir() / f"{architecture}-{stamp}-{suffix}"
    return path


def build_model(architecture: str, seed: int = 0, **model_kwargs):
    """``gans.create`` with the global RNG seeded first, so the same seed gives the same initial weights."""
    model_factory(architecture)  # unknown names fail before any work
    torch.manual_seed(seed)
    return create(architecture, **model_kwargs)


def _meta_model(architecture: str, model_kwargs: dict):
    """The model of ``model_kwargs`` on the ``meta`` device, its number arguments checked against their ranges
    first (20,000 residual blocks are refused before anything is built)."""
    model_info(architecture).check_arguments(model_kwargs)
    with torch.device("meta"):
        return create(architecture, **model_kwargs)


def check_footprint(architecture: str, model, batch_size: int | None = None) -> None:
    """``BudgetError`` for ``model`` (built on the ``meta`` device, or loaded on the CPU) over
    ``GANS_MAX_PARAMETERS``, or — given ``batch_size`` — a training step estimated (``gans.models.footprint``) to
    need more than ``GANS_MAX_TRAIN_MEMORY_MB``."""
    from ..models.footprint import footprint

    size = footprint(model, batch_size or 0)
    budget.check_model_size(f"{architecture} with these settings", size.parameters,
                            size.train_bytes if batch_size else None)


def check_job(architecture: str, model_kwargs: dict | None = None, cfg: TrainConfig | None = None) -> None:
    """Everything a new job can be refused for before its data is read or its run folder written: the training
    settings (``TrainConfig.validate``), the model's arguments, and its size and training memory against the
    work budget (``gans.ops.budget``). Fast: the model is built on the ``meta`` device only."""
    cfg = (cfg or TrainConfig()).validate()
    check_footprint(architecture, _meta_model(architecture, dict(model_kwargs or {})), cfg.batch_size)


def load_training_data(data_cfg: DataConfig, image_size: int | None = None):
    """The dataset at its native channels; ``image_size`` is a hint (folders decode straight to it)."""
    from ..data import load_dataset

    return load_dataset(data_cfg.name, path=data_cfg.path, image_size=image_size)


def start_from(model, source: str | Path) -> None:
    """Copy the weights of ``source`` (a run folder, shipped checkpoint name or Hub id that ``gans.load`` reads)
    into ``model``; ``ConfigError`` when they are another architecture's or do not fit its shapes."""
    trained = load(source)  # refuses a model over GANS_MAX_PARAMETERS
    if trained.architecture != model.architecture:
        raise ConfigError(f"{source} holds a {trained.architecture}, not a {model.architecture}; fine-tune it as "
                          f"{trained.architecture} or start from a {model.architecture} run")
    try:
        model.load_state_dict(trained.state_dict())
    except RuntimeError as error:
        lines = str(error).splitlines()  # torch's first line only says "Error(s) in loading state_dict"
        first = lines[1].strip() if len(lines) > 1 else str(error)
        raise ConfigError(f"the weights of {source} do not fit this {model.architecture} (its settings differ: "
                          f"give the same model settings as that run; {first})") from None
    model.ema_warmup = False  # the loaded EMA of G is an average of trained weights: keep it, at the full decay


def train(architecture: str, data: DataConfig | None = None, cfg: TrainConfig | None = None,
          out: str | Path | None = None, model_kwargs: dict | None = None, callbacks=(), should_stop=None,
          command: str = "", init_from: str | Path | None = None) -> dict:
    """Train a new model; returns the Trainer's final status. Class-conditional models take the dataset's
    number of classes unless ``num_classes`` is given. ``init_from`` (a run folder or checkpoint of the same
    architecture and shapes) gives the starting weights instead of a random start: fine-tuning, with fresh
    optimizers and this job's own steps, rates and schedule."""
    data_cfg, cfg = data or DataConfig(), (cfg or TrainConfig()).validate()
    model_kwargs = dict(model_kwargs or {})
    check_job(architecture, model_kwargs, cfg)  # bad arguments and an oversized model: before anything is made
    model = build_model(architecture, cfg.seed, **model_kwargs)
    dataset = load_training_data(data_cfg, model.data_size_hint())
    kind = getattr(dataset, "kind", "images")
    if kind != model.data_kind:
        raise ConfigError(f"{architecture} trains on {model.data_kind} data but {data_cfg.name} is {kind} data; "
                          f"choose a {model.data_kind} dataset")
    if model.conditional and not dataset.num_classes and "num_classes" not in model_kwargs:
        raise ConfigError(f"{architecture} is class-conditional and needs a labelled dataset; "
                          f"{data_cfg.name} has no labels (folder datasets: one sub-folder per class)")
    config = model.config()
    changes = {key: value for key, value in model.settings_for_data(dataset).items()
               if key not in model_kwargs and config.get(key) != value}
    if changes:  # e.g. RGB data → an RGB model, unless the user said otherwise
        check_job(architecture, {**model_kwargs, **changes}, cfg)
        model = build_model(architecture, cfg.seed, **model_kwargs, **changes)
    if init_from is not None:
        start_from(model, init_from)
    dataset = model.prepare_data(dataset)
    trainer = Trainer(cfg, callbacks, should_stop)
    trainer.check_job(model, dataset, data_cfg)  # refused before a run folder is made
    out = Path(out) if out else Path(trainer.dist.agree(str(new_run_dir(architecture))))
    if RunDir(out).exists():
        raise ConfigError(f"{out} already holds a run; choose another --out or continue it with --resume {out}")
    if trainer.dist.is_main:  # the record of how this run was started
        atomic_write(RunDir(out).job_path, JobSpec(architecture, model_kwargs, cfg, data_cfg, str(out),
                                                         None if init_from is None else str(init_from)).to_json())
    return trainer.fit(model, dataset, out, data_cfg, resume=False, command=command)


def run_job(spec: JobSpec, callbacks=(), should_stop=None, command: str = "") -> dict:
    """Train the job ``spec`` describes (what ``python -m gans train --spec FILE`` runs)."""
    return train(spec.architecture, spec.data, spec.train, spec.out, spec.model, callbacks, should_stop, command,
                 spec.init_from)


def resume(run_dir: str | Path, steps: int | None = None, callbacks=(), should_stop=None, command: str = "",
           device: str | None = None) -> dict:
    """Continue the run in ``run_dir`` up to ``steps`` total steps (default: its original target)."""
    run = RunDir(run_dir)
    config = run.read_config()
    cfg = TrainConfig.from_dict(config.get("train", {}))
    if steps is not None:
        cfg.steps = steps
    if device is not None:
        cfg.device = device
        if cfg.cuda_graphs == "on":  # graphs where the new device has them: a GPU run resumes on a CPU too
            cfg.cuda_graphs = "auto"
    state_step = int(run.load_trainer_state()["step"])
    if cfg.steps <= state_step:
        raise ConfigError(f"the run is already at step {state_step}; choose a total number of steps above "
                          f"{state_step} to continue it")
    model = load(run.path)  # refuses a model over GANS_MAX_PARAMETERS
    check_footprint(model.architecture, model, cfg.batch_size)  # the estimate reads shapes only
    data_cfg = DataConfig.from_dict(config.get("data", {}))
    dataset = model.prepare_data(load_training_data(data_cfg, model.data_size_hint()))
    trainer = Trainer(cfg, callbacks, should_stop)
    return trainer.fit(model, dataset, run.path, data_cfg, resume=True, command=command)
