"""The Train page's settings form as data: what it offers for a model, and the job its values describe.

``train_form(model)`` reads the model's declaration (``gans.registry.model_info``) and the dataset registry: the
datasets of the model's kind, the one to preselect, and the folder dataset a typed path or an uploaded .zip goes
to. ``train_request(form, ...)`` turns the form's values into the job's ``DataConfig``, ``TrainConfig`` and
model arguments, with the notes to show first; mistakes the form can see itself are a ``ConfigError``, a model
over the work budget a ``BudgetError``. Each number setting carries its ``min_value`` / ``max_value``, and the
seed box's is ``SEED_BOX_RANGE``. The page only draws widgets and shows results, so a new model or dataset
needs no page edit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..data.registry import DatasetInfo, folder_dataset, list_datasets
from ..errors import ConfigError
from ..models.info import ModelInfo
from ..registry import model_info
from ..training.config import SEED_RANGE, DataConfig, TrainConfig

#: the live view shows about this many grids of a run (and its progress GIF keeps them)
GRIDS_PER_RUN = 20
#: the seed box's (min_value, max_value): the seeds a job takes (``SEED_RANGE``, 0 … 2**63 − 1) that a browser's
#: number box holds exactly (JavaScript's safe integers, up to 2**53 − 1; Streamlit refuses a larger bound)
SEED_BOX_RANGE = (SEED_RANGE[0], min(SEED_RANGE[1], 2**53 - 1))
__all__ = ["GRIDS_PER_RUN", "SEED_BOX_RANGE", "SEED_RANGE", "TrainForm", "TrainRequest", "save_upload", "train_form",
           "train_request"]


@dataclass(frozen=True)
class TrainForm:
    """What the form offers for one model."""

    info: ModelInfo
    datasets: tuple[DatasetInfo, ...]  # of the model's data kind, in registration order, with availability
    folder: DatasetInfo | None  # the dataset that reads the user's folder or .zip, if the kind has one

    @property
    def dataset_names(self) -> list[str]:
        return [dataset.name for dataset in self.datasets]

    def dataset(self, name: str) -> DatasetInfo:
        """The offered dataset ``name``; ``ConfigError`` for one of another kind."""
        for dataset in self.datasets:
            if dataset.name == name:
                return dataset
        raise ConfigError(f"{self.info.name} trains on {self.info.data_kind} data; {name!r} is not one of its "
                          f"datasets ({', '.join(self.dataset_names)})")

    def default_dataset_index(self) -> int:
        """The model's default dataset when it is on this machine, else the folder dataset, else the first."""
        names = self.dataset_names
        for name in (self.info.default_dataset, self.folder.name if self.folder else None):
            if name in names and self.dataset(name).available:
                return names.index(name)
        return 0

    def dataset_label(self, name: str) -> str:
        return name if self.dataset(name).available else f"{name} (not on this machine)"

    @property
    def folder_label(self) -> str:
        """The folder box's label: what the folder must hold and which dataset reads it."""
        if self.folder is None:
            return "Folder or .zip"
        return f"{self.folder.folder_label} (for the {self.folder.name} dataset)"

    def default_image_size_index(self) -> int:
        return self.info.image_sizes.index(self.info.image_size)

    @property
    def metric_help(self) -> str:
        """What the in-the-loop metric measures, and on which datasets."""
        from ..metrics.features import FEATURE_NETWORKS

        return ("Fréchet distance, KID and precision/recall of 500 samples in our feature space (datasets with a "
                f"shipped feature network: {', '.join(sorted(FEATURE_NETWORKS))}); the lowest-FD weights are kept "
                "in best/")


def train_form(model: str) -> TrainForm:
    """The form for the model registered under ``model`` (``UnknownNameError`` for another name)."""
    info = model_info(model)
    return TrainForm(info, tuple(list_datasets(info.data_kind)), folder_dataset(info.data_kind))


@dataclass
class TrainRequest:
    """A job the form describes: start it with ``JobManager.start(model, data, train, model_kwargs)``."""

    model: str
    data: DataConfig
    train: TrainConfig
    model_kwargs: dict
    #: (level, text) to show before starting: "warning" (the data must be downloaded), "info" (a setting dropped)
    notes: list[tuple[str, str]] = field(default_factory=list)


def train_request(form: TrainForm, *, dataset: str, folder: str = "", upload: tuple[str, bytes] | None = None,
                  steps: int, batch_size: int, image_size: int, lr: float, lr_d: float = 0.0, seed: int = 0,
                  metric_every: int = 0, precision: str = "auto", settings: dict | None = None) -> TrainRequest:
    """The job of the form's values. ``upload``: (file name, bytes) of an uploaded .zip, kept under the runs
    folder (``save_upload``) for the folder dataset; ``settings``: advanced setting name → widget value.
    ``lr_d`` 0 means "as G". Raises ``ConfigError`` for a path the folder dataset lacks, an upload it cannot
    take or a setting the job refuses (``gans.training.api.check_job``: the training settings, the model's
    arguments and their ranges), and ``BudgetError`` for a model over the work budget (its parameters, or a
    training step's estimated memory at this batch size) — all before the upload is kept or a job starts."""
    from ..metrics.features import FEATURE_NETWORKS
    from ..training.api import check_job

    folder_name = form.folder.name if form.folder else None
    notes = []
    if upload is not None and dataset != folder_name:
        raise ConfigError(f"An uploaded .zip is read by the {folder_name or 'folder'} dataset: choose it, or "
                          "remove the upload.")
    folder = (folder or "").strip()
    info = form.dataset(dataset)
    if info.needs_folder and not folder and upload is None:
        raise ConfigError(f"The {dataset} dataset needs a path: fill in “{form.folder_label}”.")
    if not info.available and not info.needs_folder:
        notes.append(("warning", info.reason))  # online servers download it on first use
    if metric_every and dataset not in FEATURE_NETWORKS:
        notes.append(("info", f"FD is measured on {', '.join(sorted(FEATURE_NETWORKS))} only (no feature network "
                              f"for {dataset}): this run trains without it."))
        metric_every = 0
    steps = int(steps)
    # Curves need every step logged and the grid a fresh preview each second; the GIF keeps ~20 grids.
    cfg = TrainConfig(steps=steps, batch_size=int(batch_size), lr=float(lr), lr_d=float(lr_d) or None,
                      seed=int(seed), log_every=1, sample_every=max(steps // GRIDS_PER_RUN, 1) if steps > 0 else 200,
                      preview_seconds=1.0, metric_every=int(metric_every), precision=precision)
    model_kwargs = {"image_size": int(image_size), **form.info.setting_arguments(settings or {})}
    check_job(form.info.name, model_kwargs, cfg)  # the settings, the model's size and memory: before anything
    if upload is not None:
        folder = str(save_upload(*upload))
    path = folder if info.needs_folder and folder else None  # a built-in dataset reads no path
    return TrainRequest(form.info.name, DataConfig(dataset, path), cfg, model_kwargs, notes)


def save_upload(name: str, data: bytes) -> Path:
    """Keep an uploaded dataset .zip under the runs folder (named by its content, so a re-upload is not stored
    twice) and return its path; the job process reads it from there, member by member."""
    from ..io.checkpoints import atomic_write
    from .catalog import runs_dir

    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(name).stem)[:40] or "upload"
    path = runs_dir() / "uploads" / f"{hashlib.sha256(data).hexdigest()[:16]}-{stem}.zip"
    if not path.exists():
        atomic_write(path, data)
    return path
