"""The one training loop (stylegan3-style, visible top to bottom).

fetch batch → ``model.train_step`` → EMA → events → periodic samples / checkpoint → ``should_stop``?

Events are dicts with a ``type`` (start, step, sample, metric, checkpoint, end, error); each goes to every
callback and to ``events.jsonl`` in the run directory. With ``metric_every`` the loop measures FD / KID /
precision / recall (gans.metrics.evaluate) and keeps the weights of the lowest FD so far in ``best/``. Resuming
restores weights, optimizers, step, RNG and sampler
state, so N + N steps with a stop in between equal 2N straight steps.
"""

from __future__ import annotations

import json
import math
import time
from typing import Callable, Iterable

import torch

from ..errors import CheckpointError, ConfigError, TrainingError
from ..io.checkpoints import RunDir, atomic_write, save_model_files
from ..io.decode import decode_image
from ..io.images import gif_bytes, png_bytes
from ..ops.devices import describe_device, resolve_device
from ..ops.precision import explain_precision, resolve_precision
from .config import DataConfig, TrainConfig
from .distributed import DistributedContext, weights_fingerprint
from .graphs import GraphedStep, eager_step, graph_plan, portable_optimizer_state, set_learning_rate
from .model_card import write_model_card

Callback = Callable[[dict], None]


class BatchSampler:
    """Shuffled epochs of indices from its own seeded generator, so its state can be saved and restored."""

    def __init__(self, size: int, seed: int):
        self.size = size
        self.generator = torch.Generator().manual_seed(seed)
        self.order = torch.randperm(size, generator=self.generator)
        self.position = 0

    def next(self, count: int) -> torch.Tensor:
        """The next ``count`` indices, continuing into a new shuffled epoch when one runs out."""
        parts = []
        while count > 0:
            if self.position >= self.size:
                self.order = torch.randperm(self.size, generator=self.generator)
                self.position = 0
            take = min(count, self.size - self.position)
            parts.append(self.order[self.position : self.position + take])
            self.position += take
            count -= take
        return torch.cat(parts)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "order": self.order, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.order = state["order"]
        self.position = int(state["position"])


class StatsWindow:
    """The losses of the steps since the last read. A step's stats may be 0-d tensors on the training device: they
    are summed there, without waiting for the device, and read back (one host sync) only by ``read``."""

    def __init__(self):
        self.sums: dict = {}
        self.peaks: dict = {}  # the largest |loss| of the window: one diverging step is not averaged away
        self.steps = self.images = 0
        self.started = time.time()

    def add(self, stats: dict, images: int) -> None:
        for name, value in stats.items():
            value = value.detach().float() if torch.is_tensor(value) else torch.tensor(float(value))
            # the first one copied: a CUDA graph's stats are the same tensors at every replay (training.graphs)
            self.sums[name] = self.sums[name] + value if name in self.sums else value.clone()
            if name.startswith("loss"):
                self.peaks[name] = torch.maximum(self.peaks[name], value.abs()) if name in self.peaks else value.abs()
        self.steps += 1
        self.images += images

    def elapsed(self) -> float:
        return time.time() - self.started

    def read(self) -> tuple[dict[str, float], dict[str, float]]:
        """(the mean of each stat, the largest |value| of each loss) over the window as Python floats; the window
        starts again."""
        means = {name: float(total) / max(self.steps, 1) for name, total in self.sums.items()}
        peaks = {name: float(peak) for name, peak in self.peaks.items()}
        self.__init__()
        return means, peaks


class Schedule:
    """When the periodic work of a run is due: every ``*_every`` steps, or every ``*_seconds`` of wall time
    (``TrainConfig.timing``: "auto" goes by seconds on CUDA, where a step takes milliseconds). Several processes
    (torchrun) always go by steps: every rank must reach each read and checkpoint at the same step, and their
    clocks differ."""

    def __init__(self, cfg: TrainConfig, device: torch.device, world_size: int = 1):
        self.cfg = cfg
        by_time = cfg.timing == "seconds" or (cfg.timing == "auto" and device.type == "cuda")
        self.by_time = by_time and world_size == 1
        self.since = dict.fromkeys(("log", "sample", "checkpoint", "metric"), time.monotonic())

    def due(self, action: str, step: int) -> bool:
        if action == "metric" and not self.cfg.metric_every:
            return False
        if not self.by_time:
            return step % getattr(self.cfg, f"{action}_every") == 0
        now = time.monotonic()
        if now - self.since[action] < getattr(self.cfg, f"{action}_seconds"):
            return False
        self.since[action] = now
        return True


#: a loss this large (in absolute value), though finite, means the run diverged: a warning event says so. The
#: shipped runs never passed 72 (pix2pix: 100 × L1 plus the adversarial term; WGAN-GP 19); lsgan at lr 0.5 passes it
#: within a few dozen steps.
DIVERGED_LOSS = 1e3


class Trainer:
    """Runs ``model.train_step`` for ``cfg.steps`` steps and writes the run directory."""

    def __init__(self, cfg: TrainConfig, callbacks: Iterable[Callback] = (),
                 should_stop: Callable[[], bool] | None = None):
        self.cfg = cfg.validate()
        self.callbacks = list(callbacks)
        self.should_stop = should_stop or (lambda: False)
        self.dist = DistributedContext.from_env()

    # ---- events
    def emit(self, run: RunDir, event: dict) -> None:
        event = {"time": time.time(), **event}
        if self.dist.is_main:
            run.append_event(event)
        for callback in self.callbacks:
            callback(event)

    # ---- the loop
    def fit(self, model, data, run_dir, data_cfg: DataConfig | None = None, resume: bool = False,
            command: str = "") -> dict:
        """Train ``model`` on ``data`` (an ``ImageData`` already at the model's size) into ``run_dir``.

        Returns the final status: {"status": "finished"|"stopped", "step": ..., "run_dir": ...}. Raises
        ``TrainingError`` after an ``error`` event when a loss becomes NaN/Inf (the last checkpoint stays good).
        """
        cfg, run = self.cfg, RunDir(run_dir)
        self._warned_divergence = False
        data_cfg = data_cfg or DataConfig()
        device = resolve_device(self.dist.device_name(cfg.device))
        precision = resolve_precision(cfg.precision, device)  # fp32 or bf16 autocast (gans.ops.precision)
        model.to(device)
        channels_last = model.channels_last and device.type in ("cpu", "cuda")
        if channels_last:  # NHWC: faster convolutions in oneDNN and cuDNN (benchmarks/step_speed.py)
            model.to(memory_format=torch.channels_last)
        self.check_job(model, data, data_cfg)
        # the batches come from a copy of the whole dataset on the GPU (uint8: Fashion-MNIST at 32 px is 61 MB), not
        # one host-to-device copy per step
        batches = data.to(device) if device.type == "cuda" and hasattr(data, "to") else data

        optimizers = model.configure_optimizers(cfg)
        for optimizer in optimizers.values():
            self.dist.average_gradients_before_step(optimizer)
        per_rank = cfg.batch_size * model.batches_per_step
        sampler = BatchSampler(len(data), cfg.seed)
        if resume:
            step = self._restore(run, model, optimizers, sampler, device)
        else:
            step = 0
            torch.manual_seed(cfg.seed + self.dist.rank)  # each rank draws its own noise
            if device.type == "cuda":
                torch.cuda.manual_seed(cfg.seed + self.dist.rank)
        self.dist.broadcast_module(model)
        use_graphs, graph_note = graph_plan(cfg.cuda_graphs, device, self.dist.world_size, model, optimizers)
        graphed = GraphedStep(model, optimizers, device, precision) if use_graphs else None
        fixed_inputs = model.preview_inputs(data, cfg.seed, cfg.num_samples)  # fixed noise, or fixed input images
        model.train()
        tracker = self._metric_tracker(model, data_cfg) if cfg.metric_every and self.dist.is_main else None
        best_fd = min((e["fd"] for e in run.read_events() if e.get("type") == "metric" and "fd" in e),
                      default=float("inf")) if resume else float("inf")

        if self.dist.is_main:
            data_facts = {"class_names": data.class_names}
            if hasattr(data, "a_name"):  # unpaired data names its two domains (e.g. horse, zebra)
                data_facts["domains"] = [data.a_name, data.b_name]
            run.save(model, train={**cfg.to_dict(), "precision_used": precision},
                     data={**data_cfg.to_dict(), **data_facts})
        self.emit(run, {"type": "start", "step": step, "steps": cfg.steps, "resume": resume,
                        "device": describe_device(device), "world_size": self.dist.world_size,
                        "precision": precision, "precision_note": explain_precision(cfg.precision, device),
                        "cuda_graphs": graph_note,
                        "architecture": model.architecture, "run_dir": str(run.path)})
        started = time.time()
        last_preview = time.time()
        status = "finished"
        last_stats: dict = {}
        window = StatsWindow()
        schedule = Schedule(cfg, device, self.dist.world_size)
        try:
            if not resume:  # a step-0 checkpoint: resumable, and a "last good" state from the very start
                self._save_checkpoint(run, model, optimizers, sampler, step, data)
            while step < cfg.steps:
                if self.dist.any(self.should_stop()):  # every rank stops at the same step
                    status = "stopped"
                    break
                self._set_learning_rates(optimizers, step)
                indices = sampler.next(per_rank * self.dist.world_size)
                indices = indices[self.dist.rank * per_rank : (self.dist.rank + 1) * per_rank]
                # random crops / flips (if any) draw from the global RNG
                batch = batches.batch(indices).to(device, channels_last=channels_last)
                if graphed is not None:  # one replay of the recorded step (after a few eager warm-up steps)
                    stats = graphed.step(batch, step)
                    if graphed.failure is not None:
                        self.emit(run, {"type": "warning", "step": step, "message": (
                            f"the step could not be recorded as a CUDA graph, so it runs eagerly ({graphed.failure})")})
                        graphed = None  # the same model and optimizers, trained eagerly from here on
                else:
                    stats = eager_step(model, batch, optimizers, step, device, precision)
                model.update_ema(step)
                self.dist.broadcast_buffers(model)
                step += 1
                window.add(stats, len(indices) * self.dist.world_size)

                last = step == cfg.steps
                checkpoint = schedule.due("checkpoint", step) and not last
                if step == 1 or last or checkpoint or schedule.due("log", step):
                    # the one read of the losses (a host sync on a GPU): their means since the last read
                    last_stats = self._read_stats(run, window, step)
                if schedule.due("sample", step):
                    self._save_sample(run, model, fixed_inputs, step)
                elif cfg.preview_seconds and time.time() - last_preview >= cfg.preview_seconds and self.dist.is_main:
                    # Sampling uses the fixed noise and eval mode only, so it never changes the training itself.
                    atomic_write(run.preview_path, png_bytes(model.preview_grid(fixed_inputs)))
                    last_preview = time.time()
                if tracker is not None and (schedule.due("metric", step) or last):
                    best_fd = self._measure(run, model, tracker, step, best_fd)
                if checkpoint:
                    self._save_checkpoint(run, model, optimizers, sampler, step, data)

            if window.steps:  # stopped between two reads: the last steps' losses are read (and checked) too
                last_stats = self._read_stats(run, window, step)
            if not run.sample_paths() or run.sample_paths()[-1] != run.sample_path(step):
                self._save_sample(run, model, fixed_inputs, step)
            self._save_checkpoint(run, model, optimizers, sampler, step, data)
            wall = time.time() - started
            if self.dist.is_main:
                write_progress_gif(run)
                write_model_card(run, model, cfg, data_cfg, step, wall, describe_device(device), last_stats, command,
                                 precision=explain_precision(cfg.precision, device))
        except TrainingError:
            raise  # its error event is already written
        except Exception as error:  # out of memory, a full disk...: the run dir must say the run is over
            self.emit(run, {"type": "error", "step": step, "message": f"{type(error).__name__}: {error}"})
            raise
        fingerprint = weights_fingerprint(model)
        self.emit(run, {"type": "end", "status": status, "step": step, "steps": cfg.steps,
                        "seconds": wall, "weights_sha256": fingerprint})
        return {"status": status, "step": step, "run_dir": str(run.path), "weights_sha256": fingerprint}

    def _set_learning_rates(self, optimizers, step: int) -> None:
        """``lr_decay``: over its last share of the steps each learning rate falls linearly from its start value
        (kept as ``initial_lr`` in the optimizer's state, so a resumed run continues the same line) toward 0."""
        cfg = self.cfg
        if not cfg.lr_decay:
            return
        start = cfg.steps * (1 - cfg.lr_decay)
        factor = 1.0 if step < start else (cfg.steps - step) / (cfg.steps - start)
        for optimizer in optimizers.values():
            for group in optimizer.param_groups:
                if "initial_lr" not in group:  # (float() of a GPU tensor would wait for the GPU at every step)
                    group["initial_lr"] = float(group["lr"])
                set_learning_rate(group, group["initial_lr"] * factor)  # in place when a CUDA graph reads it

    def _restore(self, run: RunDir, model, optimizers, sampler: BatchSampler, device: torch.device) -> int:
        """Load everything a checkpoint saved; returns its step. Weights come from trainer_state.pt itself, so
        a crash between writing model.safetensors and trainer_state.pt still resumes from a consistent state."""
        state = run.load_trainer_state()
        run.remove_partial_writes()  # a kill -9 mid-write leaves .tmp files beside the intact ones
        try:
            model.load_state_dict(state["model"])
            for name, optimizer in optimizers.items():
                optimizer.load_state_dict(state["optimizers"][name])
        except (KeyError, RuntimeError, ValueError) as error:
            raise CheckpointError(f"{run.state_path} does not match this model ({type(error).__name__}); "
                                  "it cannot be resumed") from None
        model.load_training_state(state.get("model_extra", {}))
        model.ema_warmup = bool(state.get("ema_warmup", True))
        sampler.load_state_dict(state["sampler"])
        rng = state["rng"][self.dist.rank % len(state["rng"])]  # each rank gets back its own generator
        torch.set_rng_state(rng["torch"])
        if device.type == "cuda" and rng.get("cuda") is not None:
            torch.cuda.set_rng_state(rng["cuda"], device)
        return int(state["step"])

    def _read_stats(self, run: RunDir, window: "StatsWindow", step: int) -> dict:
        """Emit a ``step`` event with the means of the losses since the last read (``TrainingError`` when one is
        NaN/Inf on any rank; a warning, once, when one is implausibly large). Returns those means."""
        seconds, images = window.elapsed(), window.images
        stats, peaks = window.read()
        bad = [name for name, value in stats.items() if not math.isfinite(value)]
        if self.dist.any(bool(bad)):
            what = f"loss {', '.join(bad)} became {stats[bad[0]]}" if bad else "another rank's loss diverged"
            self._diverged(run, step, f"{what} by step {step}", stats)
        huge = [name for name, value in peaks.items() if value > DIVERGED_LOSS]
        if huge and not self._warned_divergence:  # finite, but no GAN loss gets this large while learning: say so
            self._warned_divergence = True
            self.emit(run, {"type": "warning", "step": step, "message": (
                f"{huge[0]} reached {peaks[huge[0]]:.3g} by step {step}: the run has probably diverged; "
                "try a lower learning rate")})
        self.emit(run, {"type": "step", "step": step, "steps": self.cfg.steps, **stats,
                        "images_per_sec": images / max(seconds, 1e-9)})
        return stats

    def _diverged(self, run: RunDir, step: int, what: str, stats: dict) -> None:
        message = (f"{what}: training diverged. The last good checkpoint is kept in {run.path}; "
                   "try a lower learning rate.")
        self.emit(run, {"type": "error", "step": step, "message": message, "stats": _jsonable(stats)})
        raise TrainingError(message)

    # ---- helpers
    def check_job(self, model, data, data_cfg: DataConfig) -> None:
        """What can be refused before anything is written: data the model cannot train on, a batch larger than the
        dataset, an in-the-loop metric the dataset cannot have."""
        model.check_data(data)
        if len(data) < self.cfg.batch_size:
            raise ConfigError(f"the dataset has {len(data)} images, fewer than the batch size {self.cfg.batch_size}")
        if self.cfg.metric_every and self.dist.is_main:
            from ..metrics.evaluate import check_measurable
            from ..metrics.features import MetricUnavailableError

            try:
                check_measurable(model, data_cfg.name)
            except MetricUnavailableError as error:
                raise ConfigError(f"metric_every: {error}") from None

    def _metric_tracker(self, model, data_cfg: DataConfig):
        """The in-the-loop measurer (``check_job`` has already refused a model or dataset it cannot measure)."""
        from ..metrics.evaluate import MetricTracker
        from ..metrics.features import MetricUnavailableError

        try:
            return MetricTracker(data_cfg.name, data_cfg.path, self.cfg.metric_samples, self.cfg.seed)
        except MetricUnavailableError as error:
            raise ConfigError(f"metric_every: {error}") from None

    def _measure(self, run: RunDir, model, tracker, step: int, best_fd: float) -> float:
        """Emit a metric event; save ``best/`` when FD is the lowest so far. Returns the best FD."""
        values = tracker.measure(model)  # eval mode and its own noise: the training itself is unchanged
        self.emit(run, {"type": "metric", "step": step, **values})
        if values["fd"] < best_fd:
            best = run.best
            best.path.mkdir(exist_ok=True)
            save_model_files(model, best.path, train=self.cfg.to_dict(), data=run.read_config().get("data"))
            atomic_write(best.metric_path, json.dumps({"step": step, **values}, indent=2))
            best_fd = values["fd"]
        return best_fd

    def _save_sample(self, run: RunDir, model, fixed_inputs, step: int) -> None:
        if not self.dist.is_main:
            return
        grid = model.preview_grid(fixed_inputs)
        atomic_write(run.sample_path(step), png_bytes(grid))
        self.emit(run, {"type": "sample", "step": step, "path": str(run.sample_path(step).relative_to(run.path))})

    def _save_checkpoint(self, run: RunDir, model, optimizers, sampler: BatchSampler, step: int, data=None) -> None:
        """Save weights and the full training state. Every rank takes part (RNG states are gathered)."""
        if data is not None:
            model.calibrate(data)  # statistics saved with the weights (e.g. an anomaly model's threshold)
        model.sync_ema_statistics()  # the EMA generator is saved with statistics of its own
        broken = [name for name, p in model.state_dict().items()
                  if p.is_floating_point() and not torch.isfinite(p).all()]
        if broken:  # never overwrite the last good checkpoint with broken weights
            self._diverged(run, step, f"weights {broken[0]} became NaN/Inf at step {step}", {})
        cuda_rng = torch.cuda.get_rng_state() if torch.cuda.is_available() else None
        rng_per_rank = self.dist.gather({"torch": torch.get_rng_state(), "cuda": cuda_rng})
        if not self.dist.is_main:
            return
        run.save(model)
        run.save_trainer_state({
            "step": step,
            "model": {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()},
            "optimizers": {name: portable_optimizer_state(opt) for name, opt in optimizers.items()},
            "sampler": sampler.state_dict(),
            "rng": rng_per_rank,
            "model_extra": model.training_state(),
            "ema_warmup": model.ema_warmup,  # False in a fine-tune: its EMA continues at the full decay
        })
        self.emit(run, {"type": "checkpoint", "step": step})



def write_progress_gif(run: RunDir) -> None:
    """samples/progress.gif: the run's sample grids in step order (benchmarks/train_shipped.sh redoes it after
    trimming a shipped run to its best step)."""
    frames = [decode_image(path, "RGB") for path in run.sample_paths()]
    if frames:
        atomic_write(run.gif_path, gif_bytes(frames, duration_ms=250))


def _jsonable(stats: dict) -> dict:
    return {k: (v if math.isfinite(v) else str(v)) for k, v in stats.items()}
