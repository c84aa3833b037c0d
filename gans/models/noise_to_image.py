"""Base of noise-to-image models (vanilla, DCGAN, WGAN, WGAN-GP, LSGAN, cGAN): ``sample`` from latent noise.

A noise-to-image model's generator maps latent vectors z (and, for class-conditional models, class labels) to
images in [-1, 1]: ``generator(z, labels)``. This base owns everything about that latent space: deterministic
latents per seed, BigGAN's truncation trick, class labels, ``sample``, ``interpolate`` (walks between seeds),
and the training hooks for ordinary image datasets (``ImageData``) with fixed-noise progress grids.
"""

from __future__ import annotations

import contextlib

import torch

from ..errors import ConfigError
from ..ops.precision import inference_autocast
from ..registry import Task
from .base import GAN, check_optimizer, evaluated

SUPPORTED_IMAGE_SIZES = (28, 32, 64)
MIN_TRUNCATION = 0.02  # below this, redrawing until |z| <= t takes too long and leaves no variety anyway


def check_common(latent_dim: int, image_size: int, channels: int, lr: float, optimizer: str, betas) -> None:
    """Validate the hyper-parameters every noise-to-image GAN shares; raise ``ConfigError`` with what to do."""
    if latent_dim < 1:
        raise ConfigError(f"latent_dim must be at least 1, got {latent_dim}")
    if image_size not in SUPPORTED_IMAGE_SIZES:
        raise ConfigError(
            f"image size {image_size} is not supported; choose one of {', '.join(map(str, SUPPORTED_IMAGE_SIZES))}"
        )
    if channels not in (1, 3):
        raise ConfigError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}")
    check_optimizer(lr, optimizer, betas)


class NoiseToImageGAN(GAN):
    """Base of models that generate images from noise: latents, labels, truncation, ``sample``, ``interpolate``.

    Subclasses build ``self.generator(z, labels)`` (and a discriminator) and implement ``train_step``;
    ``AdversarialGAN`` is the ready-made one with a choice of objective."""

    task = Task.GENERATE
    data_kind = "images"

    # ---- the latent space ---------------------------------------------------------------------------------
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

    # ---- generation ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def generating(self):
        """The generator for sampling (``inference_generator``) in eval mode, under the inference precision (bf16
        where the device computes it faster, ``gans.ops.precision``); its mode is restored after."""
        with evaluated(self.inference_generator()) as generator, inference_autocast(self.device):
            yield generator

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        """Images in [-1, 1] on the CPU for latent vectors ``z`` (and class labels for conditional models)."""
        labels = self.default_labels(z.size(0), labels)
        device = self.device
        with self.generating() as generator:
            out = generator(z.to(device), None if labels is None else labels.to(device))
        return out.float().cpu()

    def sample(self, n: int, seed: int = 0, labels=None, truncation: float | None = None) -> torch.Tensor:
        """``n`` images in [-1, 1] from the fixed noise of ``seed``."""
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        return self.generate(self.latent(seed, n, truncation), labels)

    def interpolate(self, seed_a: int, seed_b: int, frames: int = 8, mode: str = "slerp", label: int | None = None,
                    truncation: float | None = None) -> torch.Tensor:
        """``frames`` images (frames, C, H, W) in [-1, 1] walking from seed A to seed B, both ends included.

        The first frame is ``sample(1, seed=seed_a)`` and the last ``sample(1, seed=seed_b)`` (same class and
        truncation); every frame shows ``label`` (class 0 when not given) on a class-conditional model.
        Spherical interpolation (``slerp``, the default) keeps Gaussian latents at a typical norm; or ``lerp``.
        """
        from ..ops.latent import interpolate

        z = interpolate(self.latent(seed_a, 1, truncation), self.latent(seed_b, 1, truncation), frames, mode)
        if self.conditional and label is None:
            label = 0
        return self.generate(z, self.default_labels(frames, label))

    def ema_calibration_inputs(self, rng: torch.Generator, n: int) -> tuple:
        """Noise (and random classes) for measuring the EMA generator's batch-norm statistics."""
        z = torch.randn(n, self._settings["latent_dim"], generator=rng, device=self.device)
        labels = torch.randint(self.num_classes, (n,), generator=rng, device=self.device) if self.conditional else None
        return z, labels

    # ---- Trainer hooks: image datasets, fixed-noise previews ------------------------------------------------
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
        """What the progress grids are made from, fixed for the whole run: ``n`` latent vectors."""
        return self.latent(seed, n)

    def preview_grid(self, inputs):
        """The PIL sample grid for ``preview_inputs`` (uses the EMA generator when there is one)."""
        from ..io.images import grid_image

        return grid_image(self.generate(inputs))
