"""The small base every model shares: ``GAN`` (exported as ``gans.GAN``).

A model is an ``nn.Module`` whose ``__init__`` keyword arguments (plain JSON values) are its whole config.
``PyTorchModelHubMixin`` records them (``self.config()``); ``gans.load`` rebuilds the model from them.

``GAN`` holds what every model needs, whatever it generates from: config, save/load and the Hub, the EMA of the
generator, optimisers, and the training-step protocol the Trainer calls (``configure_optimizers``,
``train_step``, ``prepare_data``, ``check_data``, ``preview_inputs``, ``preview_grid``). Generation lives one
level down, in the two task bases:

- ``NoiseToImageGAN`` (``noise_to_image.py``): latents, class labels, truncation, ``sample``, ``interpolate``.
- ``ImageToImageGAN`` (``image_to_image.py``): ``translate``, any-size tiling, input/output previews.

A model never inherits a method that only raises: a noise model has no ``translate``, an image model no
``sample`` (``tests/gans/models/test_hierarchy.py``).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..data.batch import Batch  # noqa: F401  (re-exported: models take a Batch)
from ..errors import ConfigError

OPTIMIZERS = ("adam", "rmsprop")


class GAN(nn.Module, PyTorchModelHubMixin):
    """The small base of every model: config capture, Hub save/load, EMA of the generator, optimisers and the
    training-step protocol. Subclass ``NoiseToImageGAN`` or ``ImageToImageGAN`` rather than this."""

    architecture: str | None = None  # the registry name, set by ``gans.create``
    #: "generate" (noise → image: ``sample``), "translate" or "colorize" (image → image: ``translate``);
    #: set by the task bases
    task: str
    #: the kind of dataset it trains on: "images" (``ImageData``), "paired" or "unpaired" (``gans.data.pairs``),
    #: "photos" (``gans.data.photos``); set by the task bases or the model
    data_kind: str
    #: how many real batches one ``train_step`` consumes (n_critic for WGAN-style critics)
    batches_per_step: int = 1
    #: train in NHWC memory order (faster convolutions on CPU and GPU); False for models without convolutions
    channels_last: bool = True
    #: the largest value of each number argument a model may take (``gans.models.info.argument_maxima`` merges a
    #: model's own entries over these): sanity bounds, refused before anything is built, and the ``max_value`` of
    #: the Train page's number boxes. Memory itself is bounded by ``gans.ops.budget.check_model_size``; these keep a
    #: loop count (layers, blocks) from making even an empty model slow to build, and the form's numbers sane.
    argument_maxima: dict = {
        "latent_dim": 1024, "embed_dim": 1024, "num_classes": 1000,  # shipped: 16–128, 50–64, 10
        "width": 512, "hidden": 4096, "d_width": 512,  # shipped: 16–64, 256, 32
        "blocks": 64, "depth": 8, "d_layers": 6, "mapping_layers": 16,  # shipped: 6–9, 5–8, 3, 4
        "n_critic": 20, "pool_size": 500, "pretrain_steps": 1_000_000,  # shipped: 1–5, 50, 10,000–100,000
        "normal_class": 999,  # a class index (shipped: 1)
    }

    # ---- config -----------------------------------------------------------------------------------------
    def config(self) -> dict:
        """The init keyword arguments, as plain JSON values (a fresh copy the caller may change)."""
        return json.loads(self._config_json)

    @functools.cached_property
    def _config_json(self) -> str:
        return json.dumps(dict(self._hub_mixin_config), sort_keys=True)

    @functools.cached_property
    def _settings(self) -> dict:
        """The config, read once, for hot paths (every training step reads latent_dim)."""
        return self.config()

    @property
    def num_classes(self) -> int:
        return int(self._settings.get("num_classes", 0))

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # ---- EMA of the generator (Karras et al. 2018; Yazıcı et al. 2019) ---------------------------------------
    #: ramp the EMA's decay up from 0 (a random start); ``gans.training.api.start_from`` turns it off for a fine-tune
    ema_warmup: bool = True

    def _setup_ema(self, decay: float) -> None:
        if not 0.0 <= decay < 1.0:
            raise ConfigError(f"ema_decay must be in [0, 1) (0 turns EMA off), got {decay}")
        self.ema_decay = decay
        self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False) if decay > 0 else None

    @torch.no_grad()
    def update_ema(self, step: int | None = None) -> None:
        """Move the EMA generator towards the trained one. Called by the Trainer after every step with the
        step's index (0, 1, ...): the decay then ramps up as min(decay, (1 + step) / (10 + step)), so the average
        forgets the random initial weights within the first hundred steps instead of trailing them for
        1 / (1 - decay) steps (the warm-up of Tarvainen & Valpola 2017's mean teacher). A fine-tune
        (``ema_warmup`` False: its weights are trained ones) keeps the loaded average at the full decay."""
        if self.generator_ema is None:
            return
        ramp = step is not None and self.ema_warmup
        decay = min(self.ema_decay, (1 + step) / (10 + step)) if ramp else self.ema_decay
        # One fused lerp over all parameters rather than a Python loop of small ops.
        torch._foreach_lerp_(list(self.generator_ema.parameters()), list(self.generator.parameters()), 1.0 - decay)
        for ema_buffer, buffer in zip(self.generator_ema.buffers(), self.generator.buffers()):
            ema_buffer.copy_(buffer)
        self._ema_statistics_stale = True

    #: input batches (of 256) that measure the EMA generator's batch-norm statistics
    EMA_CALIBRATION_BATCHES = 2

    def ema_calibration_inputs(self, rng: torch.Generator, n: int) -> tuple | None:
        """The generator's arguments for ``n`` calibration samples drawn with ``rng`` (on ``self.device``), or
        None when the model has no such inputs: the EMA generator then keeps the statistics ``update_ema``
        copied. Noise-to-image models draw noise (and classes)."""
        return None

    @torch.no_grad()
    def sync_ema_statistics(self) -> None:
        """Give the EMA generator batch-norm statistics of its own: the averaged weights make other activations
        than the trained generator whose running statistics ``update_ema`` copies, so before the EMA generator is
        used (samples, metrics, checkpoints) its statistics are measured afresh — a cumulative average over
        fixed inputs (``ema_calibration_inputs``), in fp32, in train mode. A pure function of the EMA weights
        (exact resume holds; the global random generator is untouched); nothing happens unless ``update_ema``
        ran since the last time, so a model loaded for inference is never changed. Recalibrated on 20 × 256
        samples, the shipped 10-minute DCGAN went from FD 106 (copied statistics) to 103; 2 × 256 are used, cheap
        enough for a preview a second."""
        generator = self.generator_ema
        if generator is None or not getattr(self, "_ema_statistics_stale", False):
            return
        norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                 and m.track_running_stats]
        self._ema_statistics_stale = False
        if not norms:
            return
        rng = torch.Generator(device=self.device).manual_seed(0)
        batches = [self.ema_calibration_inputs(rng, 256) for _ in range(self.EMA_CALIBRATION_BATCHES)]
        if batches[0] is None:
            return
        was_training = generator.training
        momenta = [norm.momentum for norm in norms]
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average over the calibration batches
        generator.train()
        try:
            with torch.autocast(self.device.type, enabled=False):
                for inputs in batches:
                    generator(*inputs)
        finally:
            for norm, momentum in zip(norms, momenta):
                norm.momentum = momentum
            generator.train(was_training)

    def inference_generator(self) -> nn.Module:
        """The generator used for sampling: the EMA copy when there is one (its statistics brought up to date
        when training moved it)."""
        if self.generator_ema is None:
            return self.generator
        self.sync_ema_statistics()
        return self.generator_ema

    # ---- optimisation ---------------------------------------------------------------------------------------
    def make_optimizer(self, parameters, lr: float) -> torch.optim.Optimizer:
        cfg = self._settings
        if cfg["optimizer"] == "rmsprop":
            return torch.optim.RMSprop(parameters, lr=lr)
        parameters = list(parameters)
        # On CUDA one fused kernel updates every tensor (instead of a few launches per tensor); the state is the
        # same as the plain Adam's, so a run moves between CPU and GPU.
        fused = bool(parameters) and all(p.is_cuda for p in parameters)
        return torch.optim.Adam(parameters, lr=lr, betas=tuple(cfg["betas"]), fused=fused or None)

    def configure_optimizers(self, train_cfg) -> dict[str, torch.optim.Optimizer]:
        """One optimizer for G and one for D. ``train_cfg.lr`` / ``lr_d`` override the model's default lr."""
        lr_g = train_cfg.lr if train_cfg.lr is not None else self._settings["lr"]
        lr_d = train_cfg.lr_d if train_cfg.lr_d is not None else lr_g
        return {
            "generator": self.make_optimizer(self.generator.parameters(), lr_g),
            "discriminator": self.make_optimizer(self.discriminator.parameters(), lr_d),
        }

    # ---- the training-step protocol: the hooks the Trainer calls -------------------------------------------
    # Each model (or its task base) implements the ones below that raise; the defaults of the others suit most.
    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """One training step on ``batch`` (D and G updates in the model's own order); returns at least
        ``loss_d`` and ``loss_g`` as floats."""
        raise NotImplementedError(f"{type(self).__name__} must implement train_step")

    def graph_unsafe_reason(self) -> str | None:
        """Why ``train_step`` cannot be recorded once as a CUDA graph and replayed (``gans.training.graphs``), or
        None when it can: its kernels must not depend on Python state that changes from step to step, and it must
        never wait for the host (no ``.item()``, no masks that index)."""
        return f"{type(self).__name__}'s training step is not written for CUDA graphs"

    def data_size_hint(self) -> int:
        """The image size datasets should decode to (folders decode straight to it)."""
        return self._settings["image_size"]

    def prepare_data(self, data):
        """``data`` at the size and channels this model trains on."""
        raise NotImplementedError(f"{type(self).__name__} must implement prepare_data")

    def settings_for_data(self, data) -> dict:
        """Init arguments that follow from the data unless the user set them (e.g. its channels)."""
        return {}

    def check_data(self, data) -> None:
        """Raise ``ConfigError`` when ``data`` cannot train this model (kind, shape, labels)."""
        raise NotImplementedError(f"{type(self).__name__} must implement check_data")

    def preview_inputs(self, data, seed: int, n: int):
        """What the progress grids are made from, fixed for the whole run (noise, or example images)."""
        raise NotImplementedError(f"{type(self).__name__} must implement preview_inputs")

    def preview_grid(self, inputs):
        """The PIL progress grid for ``preview_inputs``."""
        raise NotImplementedError(f"{type(self).__name__} must implement preview_grid")

    def calibrate(self, data) -> None:
        """Measure, on the training ``data``, statistics saved with the weights; the Trainer calls it before every
        checkpoint. Most models have none; the anomaly model measures its score's scale and threshold on held-out
        normal images. Must not draw from the global RNG (exact resume)."""

    def training_state(self) -> dict:
        """Tensors besides the weights that exact resuming needs (e.g. CycleGAN's image pools)."""
        return {}

    def load_training_state(self, state: dict) -> None:
        """Restore what ``training_state`` returned."""

    # ---- Hub mixin hooks: one run-directory format everywhere ----------------------------------------------
    def _save_pretrained(self, save_directory: Path) -> None:
        from ..io.checkpoints import save_model_files

        save_model_files(self, Path(save_directory))

    def save_pretrained(self, save_directory, **kwargs):  # type: ignore[override]
        """Write ``config.json`` + ``model.safetensors`` into ``save_directory``, keeping the ``train`` and
        ``data`` entries of a run directory's config (the mixin's version would delete config.json first)."""
        if kwargs.get("push_to_hub"):
            return super().save_pretrained(save_directory, **kwargs)
        self._save_pretrained(Path(save_directory))
        return None

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):  # type: ignore[override]
        """Same as ``gans.load``: a run directory or a Hugging Face Hub repo id."""
        from ..io.checkpoints import load

        return load(pretrained_model_name_or_path, **kwargs)


@contextlib.contextmanager
def evaluated(module: nn.Module):
    """``module`` in eval mode for the block, then back in the mode it was in (a loaded model is in eval mode
    already, so inference changes nothing)."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def check_optimizer(lr: float, optimizer: str, betas) -> None:
    """Validate the optimiser settings every model shares; raise ``ConfigError`` with what to do."""
    if not lr > 0:
        raise ConfigError(f"learning rate must be > 0, got {lr}")
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ConfigError(f"betas must be two numbers in [0, 1), got {betas}")
