"""How large a model is and how much memory one training step of it needs, known before anything is allocated.

``footprint(model, batch_size)`` takes a model built on PyTorch's ``meta`` device (shapes only: no memory, no
arithmetic, no draw from the global random generator) and returns its parameter count and an estimate of the
memory one training step needs:

    16 bytes × trainable parameters (fp32 weight, gradient and Adam's two moments)
    + 4 bytes × the other parameters and buffers (the EMA generator, batch-norm statistics)
    + 3 × batch size × the bytes every operation of one forward pass of each network writes for one example

The forward passes run on fake tensors (``FakeTensorMode``: shapes and dtypes, nothing computed), so the count
takes a fraction of a second even for a model of billions of parameters. A training step keeps about one pass's
outputs for its backward pass and runs three: D on real images, D on fakes, and G's graph through D. Measured on a
CPU (peak resident memory of three training steps over the process's before the model was built), the estimate
was 2.7 GB for CycleGAN's defaults against 2.7 GB measured, 1.2 times the measured peak for Pix2Pix's and SRGAN's,
2.2 times for StyleGAN's and for Pix2Pix at 256 px, and half for DCGAN's and the colorizer's, whose measured
peaks (130 and 206 MB) are mostly PyTorch's own start-up: an over-estimate where memory is large, as a limit
wants. ``gans.ops.budget.check_model_size`` compares it with ``GANS_MAX_TRAIN_MEMORY_MB``.

The example inputs follow the model contract: a noise model's ``generator(z, labels)`` and
``discriminator(images, labels)``, an image model's networks ``network(images)`` at its crop size (its generators at
the crop size ÷ ``output_scale``), an ``encoder(images)``. A network the probe cannot run is counted by a coarse
over-estimate instead: each of its convolution and linear layers writing ``image_size²`` values per output channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

#: forward passes whose outputs one training step holds at once (D on real, D on fake, G through D)
PASSES_PER_STEP = 3
#: bytes per parameter while training: the fp32 weight, its gradient and Adam's two moments
TRAINED_PARAMETER_BYTES = 16


@dataclass(frozen=True)
class Footprint:
    """A model's size and the estimated memory of one training step (bytes)."""

    parameters: int
    weight_bytes: int  # parameters and buffers as stored (what model.safetensors holds)
    state_bytes: int  # weights, gradients and optimiser state while training
    activation_bytes: int  # per training step, at the batch size asked for

    @property
    def train_bytes(self) -> int:
        return self.state_bytes + self.activation_bytes


def footprint(model: nn.Module, batch_size: int = 1) -> Footprint:
    """Size and training-step memory of ``model`` (built on the ``meta`` device, or a real one) at ``batch_size``
    (0: its size only, no forward pass)."""
    parameters = list(model.parameters())
    buffers = list(model.buffers())
    count = sum(p.numel() for p in parameters)
    weight_bytes = sum(t.numel() * t.element_size() for t in (*parameters, *buffers))
    trained = sum(p.numel() for p in parameters if p.requires_grad)
    state_bytes = TRAINED_PARAMETER_BYTES * trained + (weight_bytes - 4 * trained)
    per_example = sum(_forward_bytes(model, name, network) for name, network in model.named_children()
                      if name != "generator_ema") if batch_size else 0
    return Footprint(count, weight_bytes, state_bytes, PASSES_PER_STEP * batch_size * per_example)


class _WrittenBytes(TorchDispatchMode):
    """Adds up the bytes of every tensor an operation creates (views share their input's memory: not counted)."""

    def __init__(self):
        super().__init__()
        self.bytes = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if not func.is_view:
            self.bytes += sum(t.numel() * t.element_size() for t in tree_flatten(out)[0]
                              if isinstance(t, torch.Tensor))
        return out


#: examples in the probe's batch (batch norm in training mode needs more than one)
PROBE_BATCH = 2


def _forward_bytes(model: nn.Module, name: str, network: nn.Module) -> int:
    """Bytes one forward pass of ``network`` (the model's child ``name``) writes per example."""
    from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode

    mode = FakeTensorMode(allow_non_fake_inputs=True)
    try:
        state = {key: FakeTensor(mode, tensor, torch.device("cpu")) if tensor.is_meta else mode.from_tensor(tensor)
                 for key, tensor in (*network.named_parameters(), *network.named_buffers())}
        captions = getattr(getattr(model, "generator", None), "class_ids", None)  # a text model's class captions
        captions = None if captions is None else (FakeTensor(mode, captions, torch.device("cpu"))
                                                  if captions.is_meta else mode.from_tensor(captions))
        with mode:
            inputs = _example_inputs(model, name, network, captions)
            with _WrittenBytes() as counter:
                torch.func.functional_call(network, state, inputs)
        return counter.bytes // PROBE_BATCH
    except Exception:  # a network whose inputs the contract does not describe: the coarse bound
        return _coarse_bytes(model, network)


def _example_inputs(model: nn.Module, name: str, network: nn.Module, captions) -> tuple:
    """``PROBE_BATCH`` examples of what ``network`` takes, by the model contract (see the module docstring)."""
    settings, n = model.config(), PROBE_BATCH
    size = int(settings.get("image_size", 64))
    labels = torch.zeros(n, dtype=torch.long) if getattr(model, "num_classes", 0) else None
    if labels is not None and captions is not None:
        labels = captions[labels]  # (n, words): a text model conditions on captions
    conditioned = () if labels is None else (labels,)
    if "latent_dim" in settings:  # noise → image (and the anomaly model's encoder → generator → discriminator)
        if name.startswith("generator"):
            return (torch.zeros(n, int(settings["latent_dim"])), *conditioned)
        images = torch.zeros(n, int(settings.get("channels", 1)), size, size)
        return (images,) if name.startswith("encoder") else (images, *conditioned)
    first = next(module for module in network.modules() if isinstance(module, nn.Conv2d))
    if name.startswith("generator"):
        size //= int(getattr(model, "output_scale", 1))
    return (torch.zeros(n, first.in_channels, size, size),)


def _coarse_bytes(model: nn.Module, network: nn.Module) -> int:
    """An over-estimate of one example's forward pass: every convolution or linear layer at full image size."""
    size = int(model.config().get("image_size", 64))
    outputs = sum(getattr(module, "out_channels", 0) or getattr(module, "out_features", 0)
                  for module in network.modules() if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)))
    return 4 * outputs * size * size
