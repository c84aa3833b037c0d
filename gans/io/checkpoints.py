"""Run directories: one format for training output, shipped checkpoints and Hub repos.

```
config.json          {"architecture": ..., "model": {init kwargs}, "train": {...}, "data": {...}}
model.safetensors    weights (G, D and EMA-G) — the only file loaded from untrusted sources
trainer_state.pt     optimizers, step, RNG and sampler state (torch.load(weights_only=True)) for exact resume
events.jsonl         append-only, one JSON object per event
samples/             fixed-noise grids (step_000200.png ...) and progress.gif
README.md            model card
```
Every file is written to a temporary file and renamed, so a killed run never leaves a half-written checkpoint.

``load`` trusts nothing in a run folder: the model ``config.json`` describes must have arguments within their
ranges (``ModelInfo.check_arguments``) and at most ``GANS_MAX_PARAMETERS`` parameters (``gans.ops.budget``), checked
on the ``meta`` device before any memory is taken; ``model.safetensors`` must be a regular file (not a link to
``/dev/zero``, a pipe or a folder) of at most twice the bytes the model's tensors take in float32 (a float64 copy)
plus 1 MiB of header, checked on the open file before it is read; and each tensor is cast to the dtype the model
keeps (int64 batch-norm statistics become float32) or refused when a cast would lose its meaning.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as safetensors_load, save as safetensors_save

from ..errors import CheckpointError, GansError
from . import jsonsafe

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
STATE_FILE = "trainer_state.pt"
EVENTS_FILE = "events.jsonl"
SAMPLES_DIR = "samples"
CARD_FILE = "README.md"
GIF_FILE = "progress.gif"
PREVIEW_FILE = "latest.png"
BEST_DIR = "best"  # the run's weights at its lowest FD so far, when the run measured FD (metric_every)
METRIC_FILE = "metric.json"  # in a best/ folder: the step and metrics of those weights
JOB_FILE = "job.json"  # the job spec the run was started with (gans.training.spec)

STATE_KEYS = frozenset({"step", "model", "optimizers", "sampler", "rng"})
#: a weights file may hold at most this many times the bytes its model's tensors take (float64 copies of float32
#: weights), plus ``WEIGHTS_HEADER_BYTES`` of safetensors header
WEIGHTS_SIZE_FACTOR = 2
WEIGHTS_HEADER_BYTES = 2**20
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; run dirs are meant to be shared and served
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> dict:
    try:
        return jsonsafe.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing: is {path.parent} a run directory?") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path} is not valid JSON ({error}); the checkpoint is corrupt") from None


def weights_bytes(model: torch.nn.Module) -> bytes:
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    return safetensors_save(state)


def save_model_files(model, directory: Path, train: dict | None = None, data: dict | None = None) -> None:
    """Write ``config.json`` and ``model.safetensors`` for ``model`` into ``directory`` (keeps existing train/data)."""
    directory = Path(directory)
    config_path = directory / CONFIG_FILE
    config = jsonsafe.loads(config_path.read_text()) if config_path.exists() else {}
    config.update(architecture=model.architecture, model=model.config())
    if train is not None:
        config["train"] = train
    if data is not None:
        config["data"] = data
    model.sync_ema_statistics()  # the EMA generator is saved with batch-norm statistics of its own
    atomic_write(directory / WEIGHTS_FILE, weights_bytes(model))
    atomic_write(config_path, json.dumps(config, indent=2, sort_keys=True))


class RunDir:
    """A training run's folder on disk, with atomic writers and tolerant readers."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # ---- paths
    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS_FILE

    @property
    def state_path(self) -> Path:
        return self.path / STATE_FILE

    @property
    def events_path(self) -> Path:
        return self.path / EVENTS_FILE

    @property
    def job_path(self) -> Path:
        return self.path / JOB_FILE

    @property
    def card_path(self) -> Path:
        return self.path / CARD_FILE

    @property
    def samples_dir(self) -> Path:
        return self.path / SAMPLES_DIR

    @property
    def gif_path(self) -> Path:
        return self.samples_dir / GIF_FILE

    @property
    def preview_path(self) -> Path:
        return self.samples_dir / PREVIEW_FILE

    def sample_path(self, step: int) -> Path:
        return self.samples_dir / f"step_{step:07d}.png"

    @property
    def best(self) -> "RunDir":
        """The ``best/`` folder (config, weights and ``metric.json`` of the lowest FD so far), itself a run folder."""
        return RunDir(self.path / BEST_DIR)

    @property
    def metric_path(self) -> Path:
        """``metric.json`` of a ``best/`` folder: ``{"step": ..., "fd": ..., ...}``."""
        return self.path / METRIC_FILE

    def sample_paths(self) -> list[Path]:
        return sorted(self.samples_dir.glob("step_*.png"))

    def exists(self) -> bool:
        return self.config_path.exists()

    # ---- config and weights
    def read_config(self) -> dict:
        config = read_json(self.config_path)
        if not isinstance(config, dict):
            raise CheckpointError(f"{self.config_path} holds a JSON {type(config).__name__}, not the run's settings; "
                                  "the run folder is damaged")
        return config

    def save(self, model, train: dict | None = None, data: dict | None = None) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        save_model_files(model, self.path, train, data)

    def save_trainer_state(self, state: dict) -> None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        atomic_write(self.state_path, buffer.getvalue())

    def remove_partial_writes(self) -> list[Path]:
        """Delete the temporary files of writes that never finished (``atomic_write``'s ``.NAME.*.tmp``, left
        when the process was killed mid-write; the files they were replacing are intact). Returns what went."""
        removed = []
        for folder in (self.path, self.samples_dir, self.best.path):
            for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
                if tmp.is_file():
                    tmp.unlink(missing_ok=True)
                    removed.append(tmp)
        return removed

    def load_trainer_state(self) -> dict:
        if not self.state_path.exists():
            raise CheckpointError(f"{self.state_path} is missing: this run cannot be resumed")
        try:
            state = torch.load(self.state_path, map_location="cpu", weights_only=True)
        except Exception as error:  # pickle/zip errors of a damaged file
            raise CheckpointError(f"{self.state_path} is corrupt and cannot be read ({type(error).__name__})") from None
        missing = STATE_KEYS - set(state) if isinstance(state, dict) else STATE_KEYS
        if missing:
            raise CheckpointError(f"{self.state_path} lacks {', '.join(sorted(missing))}: it is damaged or from "
                                  "another program, and the run cannot be resumed")
        return state

    # ---- events
    def append_event(self, event: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.events_path, "a+b") as handle:
            # A crash may have cut the last line short: start on a fresh line so this event stays readable.
            prefix = b""
            if handle.seek(0, os.SEEK_END) > 0:
                handle.seek(-1, os.SEEK_END)
                prefix = b"" if handle.read(1) == b"\n" else b"\n"
            handle.write(prefix + (json.dumps(event) + "\n").encode())

    def read_events(self) -> list[dict]:
        """All complete events; a line cut short by a crash, or anything that is not an event object with a
        whole-number step (a damaged or hand-edited log), is left out; an unreadable log reads as empty."""
        try:
            lines = self.events_path.read_bytes().decode("utf-8", errors="replace").splitlines()
        except OSError:  # missing, or not a file
            return []
        events = []
        for line in lines:
            try:
                event = jsonsafe.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and isinstance(event.get("step", 0), int):
                events.append(event)
        return events


def zip_run(path: str | Path) -> bytes:
    """A zip of a run directory (config, weights, trainer state, events, samples, model card) for download."""
    import zipfile

    root = Path(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(root.rglob("*")):
            if file.is_file() and not file.name.endswith(".tmp"):
                archive.write(file, f"{root.name}/{file.relative_to(root)}")
    return buffer.getvalue()


MAX_HUB_NAME = 96  # the Hub's own limit on each side of owner/name


def is_hub_id(text: str) -> bool:
    """True for a Hugging Face Hub repo id such as ``owner/name`` (never a local path like ``../x`` or ``/x``), each
    side at most ``MAX_HUB_NAME`` characters (a longer one is no repo, and as a path it is "File name too long")."""
    text = str(text).strip()
    return (bool(_HUB_ID.match(text)) and not text.startswith((".", "/", "~")) and ".." not in text
            and all(len(part) <= MAX_HUB_NAME for part in text.split("/")))


def resolve_run(path_or_id: str | Path, hub_only: bool = False, **hub_kwargs) -> Path:
    """A local run directory for a path, or for a Hugging Face Hub repo id (downloaded into the HF cache).
    ``hub_only`` never looks at local paths (for ids typed by visitors of a public server)."""
    path = Path(path_or_id).expanduser()
    text = str(path_or_id)
    if hub_only:
        if not is_hub_id(text):
            raise CheckpointError(f"{text!r} is not a Hugging Face Hub repo id (owner/name)")
    elif path.is_dir():
        return path
    if path.exists() and not hub_only:
        raise CheckpointError(f"{text} is a file; give the run directory that holds {CONFIG_FILE} and {WEIGHTS_FILE}")
    if not is_hub_id(text):
        raise CheckpointError(f"no run directory at {text}")
    from huggingface_hub import snapshot_download

    try:
        return Path(
            snapshot_download(text, allow_patterns=[CONFIG_FILE, WEIGHTS_FILE, CARD_FILE, EVENTS_FILE,
                                                   f"{SAMPLES_DIR}/*", "best/*"], **hub_kwargs)
        )
    except Exception as error:
        from .hub import fetch_error_reason

        # A typed Hub id was only ever a Hub id: its error says nothing of local folders.
        head = f"{text!r}" if hub_only else f"no local run directory {text!r}, and {text!r}"
        raise CheckpointError(f"{head} could not be fetched from the Hugging Face Hub: "
                              f"{fetch_error_reason(error)}") from None


def read_weights_file(path: Path, limit: int, needed: int) -> bytes:
    """The bytes of the weights file ``path``, refused unless it is a regular file of at most ``limit`` bytes
    (``needed``: what the model's tensors take, for the message). The checks are made on the open file, so a
    link swapped after them changes nothing; a pipe does not block the open."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise CheckpointError(f"{path} cannot be read ({error.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise CheckpointError(f"{path} is not a regular file (a device, pipe or folder, or a link to one); a run's "
                              "weights are a file")
    too_large = (f"{path} is larger than its model can be ({{size}} bytes; the model's tensors take {needed:,} "
                 f"bytes, and a weights file may hold at most {limit:,}): it is not this model's weights")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise CheckpointError(too_large.format(size=f"{info.st_size:,}"))
        data = handle.read(limit + 1)
    if len(data) > limit:  # the file grew after fstat
        raise CheckpointError(too_large.format(size=f"over {limit:,}"))
    return data


def _kind(dtype: torch.dtype) -> str:
    if dtype.is_floating_point:
        return "float"
    if dtype.is_complex or dtype == torch.bool:
        return dtype_name(dtype)
    return "integer"


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _as_expected(weights: Path, name: str, tensor: torch.Tensor, expected: torch.Tensor | None) -> torch.Tensor:
    """``tensor`` (the file's ``name``) in the dtype the model keeps for it: a float of another precision, or whole
    numbers where the model keeps floats (e.g. int64 batch-norm statistics), are cast; floats where it keeps whole
    numbers, or booleans and complex numbers, are refused. Names the model lacks are left for
    ``load_state_dict`` to report."""
    if expected is None or tensor.dtype == expected.dtype:
        return tensor
    have, want = _kind(tensor.dtype), _kind(expected.dtype)
    if have == want or (have == "integer" and want == "float"):
        return tensor.to(expected.dtype)
    raise CheckpointError(f"{weights} holds {name} as {dtype_name(tensor.dtype)} numbers where the model keeps "
                          f"{dtype_name(expected.dtype)}: these weights are not from this model")


def load(path_or_id: str | Path, device: str | torch.device = "cpu", hub_only: bool = False, **hub_kwargs):
    """Rebuild a model from a run directory or a Hub repo id: config.json → ``gans.create`` → safetensors weights."""
    from ..ops.budget import check_model_size
    from ..ops.devices import resolve_device
    from ..registry import create_saved, model_info

    device = resolve_device(str(device))
    run = resolve_run(path_or_id, hub_only=hub_only, **hub_kwargs)
    from_hub = run != Path(path_or_id).expanduser()  # downloaded: name the Hub repo, not a folder of the HF cache
    if from_hub:
        for name in (CONFIG_FILE, WEIGHTS_FILE):
            if not (run / name).is_file():
                raise CheckpointError(f"the Hugging Face Hub repo {str(path_or_id)!r} has no {name}: it is not a "
                                      "model saved by gans (`python -m gans push RUN owner/name` uploads one)")
    config = read_json(run / CONFIG_FILE)
    if not isinstance(config, dict) or "architecture" not in config or not isinstance(config.get("model"), dict):
        raise CheckpointError(f"{run / CONFIG_FILE} has no 'architecture' and 'model' entries; it is not a gans run"
                              if not from_hub else
                              f"the Hugging Face Hub repo {str(path_or_id)!r} is not a model saved by gans (its "
                              f"{CONFIG_FILE} has no 'architecture' and 'model' entries)")
    try:
        # Its numbers within range first: 20,000 residual blocks would take seconds to build even empty.
        model_info(config["architecture"]).check_arguments(config["model"])
        # Built on the meta device: no memory, and no draw from the global RNG that a training thread in the
        # same process (the studio) is using; the real tensors are assigned from the file below.
        with torch.device("meta"):
            model = create_saved(config["architecture"], config["model"])
    except GansError as error:
        raise CheckpointError(f"{run / CONFIG_FILE} describes a model that cannot be built: {error}") from None
    except TypeError as error:
        raise CheckpointError(f"{run / CONFIG_FILE} has arguments this version does not know: {error}") from None
    expected = model.state_dict()  # names, shapes and dtypes (meta tensors: no memory)
    check_model_size(f"the {config['architecture']} model of {run / CONFIG_FILE}",
                     sum(p.numel() for p in model.parameters()),
                     advice="raise GANS_MAX_PARAMETERS to load it, if this server has the memory")
    weights = run / WEIGHTS_FILE
    if not weights.exists():
        raise CheckpointError(f"{weights} is missing: the run has no saved weights yet")
    needed = sum(t.numel() * t.element_size() for t in expected.values())
    data = read_weights_file(weights, WEIGHTS_SIZE_FACTOR * needed + WEIGHTS_HEADER_BYTES, needed)
    try:
        state = safetensors_load(data)
    except (SafetensorError, Exception) as error:
        raise CheckpointError(f"{weights} is corrupt and cannot be read ({error})") from None
    del data
    state = {name: _as_expected(weights, name, tensor, expected.get(name)) for name, tensor in state.items()}
    try:
        model.load_state_dict(state, assign=True)
    except RuntimeError as error:
        first_line = str(error).splitlines()[0]
        raise CheckpointError(f"{weights} does not match {run / CONFIG_FILE}: {first_line}") from None
    if any(t.is_meta for t in (*model.parameters(), *model.buffers())):
        raise CheckpointError(f"{weights} lacks some of the model's tensors; the checkpoint is incomplete")
    model.run_config = config
    model.run_path = run
    # Eval mode once, here: a loaded model is shared by every session of the studio (threads of one process), and
    # the inference calls keep whatever mode they find, so none of them ever switches it to training mode (batch
    # norm and dropout live, running statistics updated) under another caller. Training sets its own mode.
    return model.float().to(device).eval()
