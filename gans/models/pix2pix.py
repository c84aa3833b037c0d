"""Pix2Pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial Networks").

- Generator: U-Net with skip connections and dropout (``layers.UNetGenerator``).
- Discriminator: 70×70 PatchGAN that sees the input and an output side by side (conditional): D(A, B).
- Objective: adversarial + λ·L1(G(A), B) with λ = 100; the discriminator's objective is halved.
- Data: paired images (facades, edges2shoes, or the offline ``edges2fashion``) with the paper's jitter:
  resize to 286/256 of the size, random crop back, random horizontal flip (``gans.data.pairs``); or photos and
  aged copies of them, made afresh every batch (``aged-photos``), for photo restoration.
- ``residual``: the output is the input plus a correction, G(A) = clamp(A + 2·U(A), -1, 1), for inputs and outputs
  that are mostly the same picture (restoration): the network starts as the identity and learns only what to
  change. Off by default (an edge map is nothing like its photo). Its read-out can be calibrated after training:
  the correction 2·U(A) splits into a broad part (a Gaussian blur of it, σ = ``BROAD_SIGMA`` px: colour casts,
  fading) and a fine part (the rest: grain, dust, scratches), scaled by ``correction_broad`` and
  ``correction_fine`` (1 and 1: as trained). A global tone is ambiguous (a warm photo looks like a sepia cast), so
  a model unsure of it does better to correct it less; both are chosen on validation photos.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..ops.ageing import gaussian_blur
from ..registry import register
from .base import Batch
from .nn import losses
from .nn.layers import PatchDiscriminator, UNetGenerator, dcgan_init
from .translation import TranslationGAN, check_translation_settings, default_unet_depth


@register("pix2pix")
class Pix2Pix(TranslationGAN):
    """Pix2Pix (Isola et al. 2017): paired image-to-image translation A → B, U-Net G and PatchGAN D, + 100·L1"""

    data_kind = "paired"
    default_dataset = "edges2fashion"  # offline demo made from the embedded data
    directions = ("a2b",)

    def __init__(
        self,
        image_size: int = 64,
        in_channels: int = 3,
        out_channels: int = 3,
        width: int = 64,
        depth: int | None = None,
        dropout: float = 0.5,
        norm: str = "batch",
        d_layers: int = 3,
        l1_weight: float = 100.0,
        loss: str = "bce",
        jitter: bool = True,
        lr: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        optimizer: str = "adam",
        residual: bool = False,
        correction_broad: float = 1.0,
        correction_fine: float = 1.0,
    ):
        super().__init__()
        check_translation_settings(image_size, (in_channels, out_channels), lr, optimizer, betas)
        depth = default_unet_depth(image_size) if depth is None else depth
        if 2**depth > image_size:
            raise ConfigError(f"a U-Net of depth {depth} needs images of at least {2**depth} px; "
                              f"the image size is {image_size}")
        if l1_weight < 0:
            raise ConfigError(f"l1_weight must be >= 0, got {l1_weight}")
        if loss not in losses.LOSSES or loss == "wasserstein":
            raise ConfigError(f"pix2pix supports the losses bce, ls and hinge, got {loss!r}")
        self.generator = UNetGenerator(in_channels, out_channels, width, depth, norm, dropout)
        self.discriminator = PatchDiscriminator(in_channels + out_channels, width, d_layers, norm)
        self.apply(dcgan_init)  # N(0, 0.02), as the paper's code
        if residual and in_channels != out_channels:
            raise ConfigError(f"a residual generator adds its output to its input: it needs as many input as "
                              f"output channels, got {in_channels} → {out_channels}")
        for name, value in (("correction_broad", correction_broad), ("correction_fine", correction_fine)):
            if not 0 <= value <= 4:
                raise ConfigError(f"{name} must be between 0 and 4, got {value}")
        self.l1_weight, self.loss, self.residual = l1_weight, loss, bool(residual)
        self.correction = (float(correction_broad), float(correction_fine))

    @property
    def input_multiple(self) -> int:
        return self.generator.multiple

    def channels(self, direction: str = "a2b") -> tuple[int, int]:
        self.check_direction(direction)
        return self._settings["in_channels"], self._settings["out_channels"]

    def _generator_for(self, direction: str):
        return self.generator

    def settings_for_data(self, data) -> dict:
        return {"in_channels": data.channels_a, "out_channels": data.channels_b}

    def _generate(self, network, source: torch.Tensor) -> torch.Tensor:
        """G(A): the U-Net's output, or with ``residual`` the input plus twice it, clamped to [-1, 1]."""
        out = network(source)
        return (source + 2 * out).clamp(-1, 1) if self.residual else out

    def _translate(self, images: torch.Tensor, direction: str) -> torch.Tensor:
        if not self.residual:
            return self._run_network(self.generator, images)
        return self._run_network(_Residual(self.generator, *self.correction), images)

    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """One D update on (A, B) real vs (A, G(A)) fake, then one G update (adversarial + λ·L1)."""
        opt_g, opt_d = optimizers["generator"], optimizers["discriminator"]
        source, target = batch.images, batch.targets  # (N, Ca, H, W), (N, Cb, H, W)
        fake = self._generate(self.generator, source)

        real_scores = self.discriminator(torch.cat([source, target], 1))  # (N, 1, H', W') patch logits
        fake_scores = self.discriminator(torch.cat([source, fake.detach()], 1))
        loss_d = 0.5 * losses.discriminator_loss(self.loss, real_scores.float(), fake_scores.float())
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

        adversarial = losses.generator_loss(self.loss, self.discriminator(torch.cat([source, fake], 1)).float())
        l1 = F.l1_loss(fake.float(), target.float())
        loss_g = adversarial + self.l1_weight * l1
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "adversarial": adversarial.item(),
            "l1": l1.item(),
            "d_real": real_scores.float().mean().item(),
            "d_fake": fake_scores.float().mean().item(),
        }

    def _preview_rows(self, batch: Batch) -> list[torch.Tensor]:
        """Input, translation, target."""
        return [batch.images, self.translate(batch.images), batch.targets]


BROAD_SIGMA = 12.0  # px: the scale that splits a residual correction into broad (tone, colour) and fine parts


class _Residual(torch.nn.Module):
    """A residual generator as one network, for ``_run_network``: input + the correction 2 × U-Net output, its
    broad and fine parts scaled by ``broad`` and ``fine`` (see the module's docstring), clamped."""

    def __init__(self, network: torch.nn.Module, broad: float = 1.0, fine: float = 1.0):
        super().__init__()
        self.network, self.broad, self.fine = network, broad, fine

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return residual_read_out(x, self.network(x), self.broad, self.fine)


def residual_read_out(x: torch.Tensor, raw: torch.Tensor, broad: float = 1.0, fine: float = 1.0) -> torch.Tensor:
    """A residual generator's output from its input ``x`` and its U-Net's output ``raw``: x + 2·raw, the broad
    and fine parts of the correction 2·raw scaled by ``broad`` and ``fine``, clamped to [-1, 1]."""
    correction = 2 * raw.float()
    if (broad, fine) != (1.0, 1.0):
        smooth = gaussian_blur(correction, BROAD_SIGMA)
        correction = broad * smooth + fine * (correction - smooth)
    return (x.float() + correction).clamp(-1, 1)
