"""CUDA graphs for the training step (``TrainConfig.cuda_graphs``).

At 32 px a GAN step is a few hundred small kernels; on a GPU most of its time is Python and launch overhead.
A CUDA graph records the kernels of one whole step (D's and G's updates, their optimizers included) once, and
each later step replays them with one launch. What that needs:

- static shapes and buffers: every batch is copied into the same input tensors, and the step's stats are the
  same output tensors each replay (the Trainer adds them to its window before the next replay);
- optimizers that update on the device: fused Adam with ``capturable`` set, its step counts on the GPU, and each
  learning rate a GPU tensor that ``lr_decay`` changes in place;
- random numbers drawn on the GPU (noise, DiffAugment): PyTorch's graph-safe generator gives new numbers at each
  replay;
- a step whose kernels do not depend on Python state: a model says so with ``graph_unsafe_reason()`` (None: safe).

A step is recorded after a few ordinary (warm-up) steps on a side stream, which build the optimizer state and let
cuDNN pick its kernels. When recording fails the run goes on eagerly, with a ``warning`` event that says why.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import torch

from ..data.batch import Batch
from ..errors import ConfigError
from ..ops.precision import autocast


def graph_plan(setting: str, device: torch.device, world_size: int, model, optimizers: dict) -> tuple[bool, str]:
    """(whether to record the step in a CUDA graph, why or why not in words) for ``setting`` (auto / on / off).
    ``ConfigError`` when ``setting`` is "on" and the run cannot have one."""
    if setting == "off":
        return False, "off (cuda_graphs=off)"
    if device.type != "cuda":
        reason = f"CUDA graphs need a CUDA device; this run is on {device.type}"
    elif world_size > 1:
        reason = "several processes average their gradients between the updates"
    else:
        reason = model.graph_unsafe_reason() or _optimizer_unsafe_reason(optimizers)
    if reason is None:
        return True, "on (one CUDA graph replays each whole step)"
    if setting == "on":
        raise ConfigError(f"cuda_graphs=on cannot hold for this run: {reason}")
    return False, f"off ({reason})"


def _optimizer_unsafe_reason(optimizers: dict) -> str | None:
    for name, optimizer in optimizers.items():
        if not isinstance(optimizer, torch.optim.Adam) or not all(g.get("fused") for g in optimizer.param_groups):
            return f"the {name}'s optimizer is not the fused Adam"
    return None


def make_capturable(optimizers: dict, device: torch.device) -> None:
    """Switch fused Adam optimizers to the capturable form: each learning rate becomes a 0-d tensor on
    ``device`` (changed in place by ``set_learning_rate``), with ``initial_lr`` kept as a float."""
    for optimizer in optimizers.values():
        # it would warn once that a capturable optimizer ran outside a graph: the warm-up steps do, on purpose
        optimizer._warned_capturable_if_run_uncaptured = True
        for group in optimizer.param_groups:
            group["capturable"] = True
            if not torch.is_tensor(group["lr"]):
                group.setdefault("initial_lr", float(group["lr"]))
                group["lr"] = torch.tensor(float(group["lr"]), dtype=torch.float32, device=device)


def set_learning_rate(group: dict, value: float) -> None:
    """Set a param group's learning rate: in place when it is a tensor (a recorded graph reads that tensor)."""
    if torch.is_tensor(group["lr"]):
        group["lr"].fill_(value)
    else:
        group["lr"] = value


def portable_optimizer_state(optimizer: torch.optim.Optimizer) -> dict:
    """``optimizer.state_dict()`` with plain float learning rates and ``capturable`` off, so a checkpoint of a
    graphed run resumes anywhere (a CPU Adam refuses ``capturable``; a GPU tensor lr does not belong on a CPU)."""
    state = optimizer.state_dict()
    for group in state["param_groups"]:
        if torch.is_tensor(group.get("lr")):
            group["lr"] = float(group["lr"])
        if "capturable" in group:
            group["capturable"] = False
    return state


def eager_step(model, batch: Batch, optimizers: dict, step: int, device: torch.device, precision: str) -> dict:
    """One ordinary training step. Its autocast keeps no cache of bf16 weights: with one, a forward pass after an
    optimizer step would run on the weights from before it (``gans.ops.precision.autocast``)."""
    with autocast(device, precision, cache=False):
        return model.train_step(batch, optimizers, step)


class CudaGraph:
    """The real recorder: ``capture(fn)`` records ``fn``'s kernels (running none of them) and returns its outputs,
    tensors that every ``replay()`` overwrites."""

    def __init__(self):
        self.graph = torch.cuda.CUDAGraph()

    def capture(self, fn: Callable[[], dict]) -> dict:
        torch.cuda.synchronize()
        stream = torch.cuda.current_stream()
        try:
            with torch.cuda.graph(self.graph):
                outputs = fn()
        except Exception:
            torch.cuda.set_stream(stream)  # a failed capture leaves its own stream current
            raise
        return outputs

    def replay(self) -> None:
        self.graph.replay()

    @staticmethod
    def warm_up(fn: Callable[[], dict], check_syncs: bool = False) -> dict:
        """Run ``fn`` eagerly on a side stream (what PyTorch asks before a capture); with ``check_syncs`` an op that
        waits for the GPU raises instead (it could not be recorded)."""
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            if check_syncs:
                torch.cuda.set_sync_debug_mode("error")
            try:
                outputs = fn()
            finally:
                torch.cuda.set_sync_debug_mode("default")
        torch.cuda.current_stream().wait_stream(side)
        return outputs


class GraphedStep:
    """``model.train_step`` recorded once and replayed: ``step(batch, step)`` returns the step's stats (the same
    tensors at every replay; read them before the next call). The first ``warmup`` calls run eagerly. When
    recording raises, it and every later call run eagerly too and ``failure`` says why.

    ``recorder`` makes the graph (``CudaGraph``; tests pass a stand-in that runs the recorded function at each
    replay, which checks the static-buffer bookkeeping on a CPU)."""

    WARMUP = 3

    def __init__(self, model, optimizers: dict, device: torch.device, precision: str, recorder=None,
                 warmup: int = WARMUP):
        self.model, self.optimizers = model, optimizers
        self.device, self.precision = device, precision
        self.recorder = recorder or CudaGraph
        self.warmup = warmup
        self.calls = 0
        self.graph = None
        self.inputs: Batch | None = None
        self.outputs: dict | None = None
        self.failure: str | None = None
        make_capturable(optimizers, device)

    def _eager(self, batch: Batch, step: int) -> dict:
        return eager_step(self.model, batch, self.optimizers, step, self.device, self.precision)

    def step(self, batch: Batch, step: int) -> dict:
        # the model's GPU, which need not be the current one (--device cuda:1): streams and graphs take it from here
        with torch.cuda.device(self.device) if self.device.type == "cuda" else contextlib.nullcontext():
            return self._step(batch, step)

    def _step(self, batch: Batch, step: int) -> dict:
        self.calls += 1
        if self.failure is not None:
            return self._eager(batch, step)
        if self.graph is None and self.calls <= self.warmup:
            try:  # the last warm-up step also checks that nothing in the step waits for the GPU
                return self.recorder.warm_up(lambda: self._eager(batch, step), check_syncs=self.calls == self.warmup)
            except RuntimeError as error:
                if self.calls < self.warmup:
                    raise
                # that step stopped part way (D may have been updated): it runs again, eagerly, as all from here
                self.failure = _first_line(error)
                return self._eager(batch, step)
        if self.graph is None:
            return self._record(batch, step)
        for static, new in zip(self.inputs, batch):
            if static is not None:
                static.copy_(new)
        self.graph.replay()
        return self.outputs

    def _record(self, batch: Batch, step: int) -> dict:
        """Record the step on static copies of ``batch``, then replay it once (recording runs nothing)."""
        self.inputs = Batch(*(None if t is None else t.clone() for t in batch))
        graph = self.recorder()

        def recorded() -> dict:
            # no cache of cast weights: it must not outlive the recording (PyTorch's CUDA graphs notes)
            with autocast(self.device, self.precision, cache=False):
                return self.model.train_step(self.inputs, self.optimizers, step)

        try:
            self.outputs = graph.capture(recorded)
        except Exception as error:  # an op that cannot be recorded
            self.failure = _first_line(error.__context__ or error)  # the cause, not the failed capture's follow-up
            self.inputs = self.outputs = None
            if self.device.type == "cuda":
                torch.cuda.synchronize()
            return self._eager(batch, step)
        self.graph = graph
        self.graph.replay()
        return self.outputs


def _first_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]
