"""Training settings: plain dataclasses, saved as the ``train`` and ``data`` entries of ``config.json``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from ..errors import ConfigError
from ..ops import budget
from ..ops.devices import resolve_device
from ..ops.precision import PRECISIONS

#: the seeds a job and the samplers take, the same everywhere the library checks one: 0 … 2**63 − 1 (what
#: ``torch.Generator().manual_seed`` and the job's derived seeds take). A form's seed box uses them as its
#: ``min_value`` / ``max_value``.
SEED_RANGE = (0, 2**63 - 1)
#: when the periodic work of a run happens (``TrainConfig.timing``)
TIMINGS = ("auto", "steps", "seconds")
#: ``TrainConfig.cuda_graphs``: "auto" records the step as a CUDA graph on CUDA when the model's step allows it
CUDA_GRAPH_SETTINGS = ("auto", "on", "off")


def check_seed(seed: int) -> int:
    """``seed`` when it is a whole number in ``SEED_RANGE``, else one ``ConfigError`` that names the range."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise ConfigError(f"seed must be between {SEED_RANGE[0]} and {SEED_RANGE[1]:,} (2**63 - 1), got {seed}")
    return seed


@dataclass
class TrainConfig:
    """How to train. ``lr``/``lr_d`` of None keep the model's own defaults (e.g. 5e-5 for WGAN).
    ``batch_size`` is per process when training on several GPUs with torchrun."""

    steps: int = 2000
    batch_size: int = 64
    lr: float | None = None
    lr_d: float | None = None
    seed: int = 0
    device: str = "auto"
    log_every: int = 10
    sample_every: int = 200
    checkpoint_every: int = 500
    num_samples: int = 64
    metric_every: int = 0  # FD / KID / precision / recall every this many steps (0 = off); keeps best/ (lowest FD)
    metric_samples: int = 500  # generated and real images per in-the-loop measurement
    preview_seconds: float | None = None  # also write samples/latest.png this often (the studio's live grid)
    # auto: bf16 autocast where the device computes bf16 faster than fp32 (gans.ops.precision), else fp32
    precision: str = "auto"
    # over the last this share of the steps every learning rate falls linearly to 0 (0 = constant; SNGAN's recipe
    # decays over the whole run, 1.0). Step-based, so a resumed run follows the same schedule.
    lr_decay: float = 0.0
    # when log / sample / checkpoint / metric happen: "steps" (every *_every steps), "seconds" (every *_seconds of
    # wall time, so a fast GPU is not stopped every fraction of a second) or "auto": seconds on CUDA, else steps
    timing: str = "auto"
    log_seconds: float = 2.0
    sample_seconds: float = 30.0
    checkpoint_seconds: float = 120.0
    metric_seconds: float = 120.0  # with timing by seconds, metric_every only turns the metric on (> 0) or off
    # record the training step once as a CUDA graph and replay it (gans.training.graphs): "auto" on CUDA when the
    # model's step allows it, "on" (the same, but a CPU run is refused), "off"
    cuda_graphs: str = "auto"

    def validate(self) -> "TrainConfig":
        for item in fields(self):
            value = getattr(self, item.name)
            expected = {"int": int, "float | None": (int, float, type(None)), "float": (int, float), "str": str,
                        "bool": bool}[item.type]
            if not isinstance(value, expected) or (item.type == "int" and isinstance(value, bool)):
                raise ConfigError(f"training setting {item.name} has the wrong type: {value!r}")
        check_seed(self.seed)
        if self.steps < 1:
            raise ConfigError(f"steps must be at least 1, got {self.steps}")
        if self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        for name, label in (("lr", "learning rate"), ("lr_d", "discriminator learning rate")):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):  # inf trains straight into NaN
                raise ConfigError(f"{label} must be > 0 and finite, got {value}")
        if not 0 <= self.lr_decay <= 1:  # NaN fails both comparisons
            raise ConfigError(f"lr_decay must be between 0 and 1 (the share of the steps), got {self.lr_decay}")
        if self.metric_every < 0:
            raise ConfigError(f"metric_every must be >= 0 (0 = no metric), got {self.metric_every}")
        if self.metric_samples < 10:
            raise ConfigError(f"metric_samples must be at least 10, got {self.metric_samples}")
        resolve_device(self.device)  # an unknown or absent device fails here, before a run folder is made
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        if self.timing not in TIMINGS:
            raise ConfigError(f"unknown timing {self.timing!r}; choose one of {', '.join(TIMINGS)}")
        if self.cuda_graphs not in CUDA_GRAPH_SETTINGS:
            choices = ", ".join(CUDA_GRAPH_SETTINGS)
            raise ConfigError(f"unknown cuda_graphs {self.cuda_graphs!r}; choose one of {choices}")
        if self.cuda_graphs == "on" and resolve_device(self.device).type != "cuda":
            raise ConfigError("cuda_graphs=on needs a CUDA device; use auto (on where there is one) or off")
        for name in ("log_seconds", "sample_seconds", "checkpoint_seconds", "metric_seconds"):
            if not 0 < getattr(self, name) < math.inf:
                raise ConfigError(f"{name} must be > 0 and finite, got {getattr(self, name)}")
        if self.preview_seconds is not None and not self.preview_seconds > 0:
            raise ConfigError(f"preview_seconds must be > 0 (or unset), got {self.preview_seconds}")
        for name in ("log_every", "sample_every", "checkpoint_every", "num_samples"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        budget.check_samples(self.num_samples, "preview images (num_samples)")  # GANS_MAX_SAMPLES
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        values = dict(values)
        if "precision" not in values and values.get("amp") is False:  # runs from before the precision setting
            values["precision"] = "fp32"
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass
class DataConfig:
    """Which dataset: a registered name, and a path for ``folder`` datasets."""

    name: str = "fashion-mnist-mini"
    path: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "DataConfig":
        return cls(name=values.get("name", cls.name), path=values.get("path"))
