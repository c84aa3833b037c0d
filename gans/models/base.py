"""The model contract shared by every GAN in the library.

A model is an ``nn.Module`` whose ``__init__`` keyword arguments (plain JSON values) are its whole config.
``PyTorchModelHubMixin`` records them (``self.config()``); ``gans.load`` rebuilds the model from them.

Every model implements:
- ``configure_optimizers(train_cfg) -> dict[str, Optimizer]``
- ``train_step(batch, optimizers, step) -> dict[str, float]`` — it owns its own D/G order.
- generation: ``sample(n, seed=..., labels=..., truncation=...)`` (tensors in [-1, 1]).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..data.batch import Batch  # noqa: F401  (re-exported: models take a Batch)
from ..errors import ConfigError
from ..precision import inference_autocast

SUPPORTED_IMAGE_SIZES = (28, 32, 64)
MIN_TRUNCATION = 0.02  # below this, redrawing until |z| <= t takes too long and leaves no variety anyway
OPTIMIZERS = ("adam", "rmsprop")


class GAN(nn.Module, PyTorchModelHubMixin):
    """Base class: config capture, EMA of the generator, optimizers, Hub save hooks and latent sampling."""

    architecture: str | None = None  # the registry name, set by ``gans.create``
    #: "generate" (noise → image: ``sample``) or "translate" (image → image: ``translate``)
    task: str = "generate"
    #: the kind of dataset it trains on: "images" (``ImageData``), "paired" or "unpaired" (``gans.data.pairs``)
    data_kind: str = "images"
    #: how many real batches one ``train_step`` consumes (n_critic for WGAN-style critics)
    batches_per_step: int = 1
    #: train in NHWC memory order (faster convolutions on CPU and GPU); False for models without convolutions
    channels_last: bool = True

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
        1 / (1 - decay) steps (the warm-up of Tarvainen & Valpola 2017's mean teacher)."""
        if self.generator_ema is None:
            return
        decay = self.ema_decay if step is None else min(self.ema_decay, (1 + step) / (10 + step))
        # One fused lerp over all parameters rather than a Python loop of small ops.
        torch._foreach_lerp_(list(self.generator_ema.parameters()), list(self.generator.parameters()), 1.0 - decay)
        for ema_buffer, buffer in zip(self.generator_ema.buffers(), self.generator.buffers()):
            ema_buffer.copy_(buffer)
        self._ema_statistics_stale = True

    #: noise batches (of 256) that measure the EMA generator's batch-norm statistics
    EMA_CALIBRATION_BATCHES = 2

    @torch.no_grad()
    def sync_ema_statistics(self) -> None:
        """Give the EMA generator batch-norm statistics of its own: the averaged weights make other activations
        than the trained generator whose running statistics ``update_ema`` copies, so before the EMA generator is
        used (samples, metrics, checkpoints) its statistics are measured afresh — a cumulative average over
        fixed noise, in fp32, in train mode. A pure function of the EMA weights (exact resume holds; the global
        random generator is untouched); nothing happens unless ``update_ema`` ran since the last time, so a
        model loaded for inference is never changed. Recalibrated on 20 × 256 samples, the shipped 10-minute
        DCGAN went from FD 106 (copied statistics) to 103; 2 × 256 are used, cheap enough for a preview a second."""
        generator = self.generator_ema
        if generator is None or not getattr(self, "_ema_statistics_stale", False):
            return
        norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                 and m.track_running_stats]
        self._ema_statistics_stale = False
        if not norms:
            return
        device, was_training = self.device, generator.training
        momenta = [norm.momentum for norm in norms]
        rng = torch.Generator(device=device).manual_seed(0)
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average over the calibration batches
        generator.train()
        try:
            with torch.autocast(device.type, enabled=False):
                for _ in range(self.EMA_CALIBRATION_BATCHES):
                    z = torch.randn(256, self._settings["latent_dim"], generator=rng, device=device)
                    labels = (torch.randint(self.num_classes, (256,), generator=rng, device=device)
                              if self.conditional else None)
                    generator(z, labels)
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
        return torch.optim.Adam(parameters, lr=lr, betas=tuple(cfg["betas"]))

    def configure_optimizers(self, train_cfg) -> dict[str, torch.optim.Optimizer]:
        """One optimizer for G and one for D. ``train_cfg.lr`` / ``lr_d`` override the model's default lr."""
        lr_g = train_cfg.lr if train_cfg.lr is not None else self._settings["lr"]
        lr_d = train_cfg.lr_d if train_cfg.lr_d is not None else lr_g
        return {
            "generator": self.make_optimizer(self.generator.parameters(), lr_g),
            "discriminator": self.make_optimizer(self.discriminator.parameters(), lr_d),
        }

    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        raise NotImplementedError

    # ---- data and previews: the hooks the Trainer calls -----------------------------------------------------
    def data_size_hint(self) -> int:
        """The image size datasets should decode to (folders decode straight to it)."""
        return self._settings["image_size"]

    def prepare_data(self, data):
        """``data`` at the size and channels this model trains on."""
        cfg = self._settings
        return data.prepare(cfg["image_size"], cfg["channels"])

    def settings_for_data(self, data) -> dict:
        """Init arguments that follow from the data unless the user set them: RGB data → an RGB model; a
        conditional model gets the data's number of classes."""
        settings = {"channels": data.channels}
        if self.conditional and data.num_classes:
            settings["num_classes"] = data.num_classes
        return settings

    def check_data(self, data) -> None:
        """Raise ``ConfigError`` when ``data`` cannot train this model (shape, labels)."""
        cfg = self._settings
        size, channels = cfg["image_size"], cfg["channels"]
        if getattr(data, "kind", "images") != self.data_kind:
            raise ConfigError(f"{self.architecture} trains on {self.data_kind} data, not on {data.kind} data")
        if tuple(data.images.shape[1:]) != (channels, size, size):
            raise ConfigError(f"data has shape {tuple(data.images.shape[1:])} but the model wants "
                              f"{(channels, size, size)}; prepare the data at the model's size")
        if self.conditional:
            if data.labels is None:
                raise ConfigError(f"{self.architecture} is class-conditional and needs a labelled dataset "
                                  f"(folder datasets: one sub-folder per class)")
            if data.num_classes != self.num_classes:
                raise ConfigError(f"the model has {self.num_classes} classes but the data has {data.num_classes}")

    def preview_inputs(self, data, seed: int, n: int):
        """What the progress grids are made from, fixed for the whole run: here ``n`` latent vectors."""
        return self.latent(seed, n)

    def preview_grid(self, inputs):
        """The PIL sample grid for ``preview_inputs`` (uses the EMA generator when there is one)."""
        from ..images import grid_image

        return grid_image(self.generate(inputs))

    def training_state(self) -> dict:
        """Tensors besides the weights that exact resuming needs (e.g. CycleGAN's image pools)."""
        return {}

    def load_training_state(self, state: dict) -> None:
        """Restore what ``training_state`` returned."""

    # ---- generation ---------------------------------------------------------------------------------------
    def latent(self, seed: int, n: int = 1, truncation: float | None = None) -> torch.Tensor:
        """Deterministic latent vectors (n, latent_dim) for ``seed`` (on the CPU, so every device agrees).

        With ``truncation`` t > 0, components with |z| > t are redrawn until they fall inside (BigGAN's
        truncation trick, Brock et al. 2019): smaller t trades variety for typicality.
        """
        if not 0 <= int(seed) < 2**63:
            raise ConfigError(f"seed must be between 0 and 2**63 - 1, got {seed}")
        generator = torch.Generator().manual_seed(int(seed))
        z = torch.randn(n, self._settings["latent_dim"], generator=generator)
        if truncation is not None:
            if not truncation >= MIN_TRUNCATION:
                raise ConfigError(f"truncation must be at least {MIN_TRUNCATION}, got {truncation}")
            outside = z.abs() > truncation
            while outside.any():
                z[outside] = torch.randn(int(outside.sum()), generator=generator)
                outside = z.abs() > truncation
        return z

    def default_labels(self, n: int, labels=None) -> torch.Tensor | None:
        """Class labels for ``n`` samples: None for unconditional models, 0,1,2,... cycling when not given."""
        if not self.conditional:
            if labels is not None:
                raise ConfigError(f"{self.architecture} is not class-conditional: it takes no class")
            return None
        if labels is None:
            return torch.arange(n) % self.num_classes
        labels = torch.as_tensor(labels, dtype=torch.long).reshape(-1)
        if labels.numel() == 1:
            labels = labels.expand(n)
        if labels.numel() != n or labels.min() < 0 or labels.max() >= self.num_classes:
            raise ConfigError(f"class labels must be {n} integers in 0..{self.num_classes - 1}")
        return labels

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        """Images in [-1, 1] on the CPU for latent vectors ``z`` (and class labels for conditional models)."""
        generator = self.inference_generator()
        was_training = generator.training
        generator.eval()
        try:
            labels = self.default_labels(z.size(0), labels)
            device = self.device
            with inference_autocast(device):  # bf16 where the device computes it faster (gans.precision)
                out = generator(z.to(device), None if labels is None else labels.to(device))
        finally:
            generator.train(was_training)
        return out.float().cpu()

    def sample(self, n: int, seed: int = 0, labels=None, truncation: float | None = None) -> torch.Tensor:
        """``n`` images in [-1, 1] from the fixed noise of ``seed``."""
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        return self.generate(self.latent(seed, n, truncation), labels)

    # ---- Hub mixin hooks: one run-directory format everywhere ----------------------------------------------
    def _save_pretrained(self, save_directory: Path) -> None:
        from ..checkpoints import save_model_files

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
        from ..checkpoints import load

        return load(pretrained_model_name_or_path, **kwargs)


def check_common(latent_dim: int, image_size: int, channels: int, lr: float, optimizer: str, betas) -> None:
    """Validate the hyper-parameters every image GAN shares; raise ``ConfigError`` with what to do."""
    if latent_dim < 1:
        raise ConfigError(f"latent_dim must be at least 1, got {latent_dim}")
    if image_size not in SUPPORTED_IMAGE_SIZES:
        raise ConfigError(
            f"image size {image_size} is not supported; choose one of {', '.join(map(str, SUPPORTED_IMAGE_SIZES))}"
        )
    if channels not in (1, 3):
        raise ConfigError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}")
    check_optimizer(lr, optimizer, betas)


def check_optimizer(lr: float, optimizer: str, betas) -> None:
    """Validate the optimiser settings every model shares; raise ``ConfigError`` with what to do."""
    if not lr > 0:
        raise ConfigError(f"learning rate must be > 0, got {lr}")
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ConfigError(f"betas must be two numbers in [0, 1), got {betas}")
