"""``JobSpec``: a training job as one JSON document.

Architecture, model arguments, ``TrainConfig`` and ``DataConfig`` (and the run folder) in one object. The CLI's
flags build it, the studio writes it and starts ``python -m gans train --spec FILE``, and every new run keeps it
as ``job.json`` — the record of how the run was started. A setting is one dataclass field: it travels from the
page or the command line to the trainer without being spelled anywhere else. Reading a spec is strict: an unknown
key or a value of the wrong type is a ``ConfigError`` naming the key. ``validate()`` then checks what the job
would be refused for before its run folder is written (``gans.training.api.check_job``): the training settings
(``num_samples`` within ``GANS_MAX_SAMPLES``, the seed in ``SEED_RANGE``), the model's arguments within their
ranges, and the model's size and training memory within the work budget (``gans.ops.budget``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..errors import ConfigError
from ..io import jsonsafe
from .config import DataConfig, TrainConfig

KEYS = ("architecture", "model", "train", "data", "out", "init_from")


@dataclass
class JobSpec:
    architecture: str
    model: dict = field(default_factory=dict)  # the model arguments given; the rest are the model's defaults
    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataConfig = field(default_factory=DataConfig)
    out: str | None = None  # the run folder; None: a new folder under the runs directory
    init_from: str | None = None  # a run folder or checkpoint whose weights the new run starts from (fine-tuning)

    def to_dict(self) -> dict:
        return {"architecture": self.architecture, "model": dict(self.model), "train": self.train.to_dict(),
                "data": self.data.to_dict(), "out": None if self.out is None else str(self.out),
                "init_from": self.init_from}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values) -> "JobSpec":
        """The spec in ``values`` (as ``to_dict`` writes it); ``ConfigError`` naming the first bad key."""
        if not isinstance(values, dict):
            raise ConfigError(f"job spec: expected a JSON object, got {type(values).__name__}")
        _no_unknown(values, KEYS, "")
        if not isinstance(values.get("architecture"), str) or not values["architecture"]:
            raise ConfigError("job spec: architecture must be a model name (see `python -m gans list`)")
        model = values.get("model", {})
        if not isinstance(model, dict) or not all(isinstance(k, str) for k in model):
            raise ConfigError("job spec: model must be an object of model arguments")
        out = values.get("out")
        if out is not None and not isinstance(out, str):
            raise ConfigError(f"job spec: out must be a folder path or null, got {out!r}")
        init_from = values.get("init_from")
        if init_from is not None and (not isinstance(init_from, str) or not init_from):
            raise ConfigError(f"job spec: init_from must be a run folder or checkpoint name or null, got {init_from!r}")
        return cls(values["architecture"], dict(model), _dataclass(TrainConfig, values.get("train", {}), "train"),
                   _dataclass(DataConfig, values.get("data", {}), "data"), out, init_from)

    def validate(self) -> "JobSpec":
        """The spec, when a job of it may start: ``ConfigError`` or ``BudgetError`` with one message otherwise.
        Fast (the model is built on the ``meta`` device only) and writes nothing."""
        from .api import check_job

        check_job(self.architecture, self.model, self.train)
        return self

    @classmethod
    def read(cls, path: str | Path) -> "JobSpec":
        path = Path(path)
        try:
            values = jsonsafe.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"no job spec at {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConfigError(f"{path} is not a readable JSON job spec ({error})") from None
        return cls.from_dict(values)


def _no_unknown(values: dict, known, prefix: str) -> None:
    for key in values:
        if key not in known:
            raise ConfigError(f"job spec: unknown key '{prefix}{key}'; known: {', '.join(known)}")


def _dataclass(kind, values, name: str):
    """``kind`` (TrainConfig or DataConfig) from ``values``: unknown keys and wrong types name the key."""
    if not isinstance(values, dict):
        raise ConfigError(f"job spec: {name} must be an object, got {type(values).__name__}")
    known = {item.name: item.type for item in fields(kind)}
    _no_unknown(values, list(known), f"{name}.")
    for key, value in values.items():
        if not _has_type(value, known[key]):
            raise ConfigError(f"job spec: {name}.{key} must be {_describe(known[key])}, got {value!r}")
    return kind(**values)


_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def _has_type(value, annotation: str) -> bool:
    """Whether ``value`` fits a dataclass annotation such as "int", "float | None" or "str | None"."""
    parts = [part.strip() for part in annotation.split("|")]
    if value is None:
        return "None" in parts
    if isinstance(value, bool):
        return "bool" in parts
    return any(isinstance(value, _TYPES.get(part, ())) for part in parts)


def _describe(annotation: str) -> str:
    words = {"int": "a whole number", "float": "a number", "str": "a string", "bool": "true or false",
             "None": "null"}
    return " or ".join(words.get(part.strip(), part.strip()) for part in annotation.split("|"))
