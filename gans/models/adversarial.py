"""The noise-to-image GAN training step shared by vanilla, DCGAN, WGAN, WGAN-GP, LSGAN and cGAN.

They differ only in networks and objective, so one ``train_step`` reads the objective settings:
``loss`` (bce / ls / wasserstein / hinge), ``n_critic`` critic updates per generator update, weight clipping
(``clip_value``, WGAN) and gradient penalty weight (``gp_weight``, WGAN-GP).
"""

from __future__ import annotations

import torch

from .. import losses
from ..errors import ConfigError
from .base import GAN, Batch


class AdversarialGAN(GAN):
    """Base of noise-to-image models. Subclasses build ``self.generator(z, labels)`` and
    ``self.discriminator(images, labels)`` (scores of shape (N,)) and then call ``self._setup_objective``."""

    def _setup_objective(self, loss: str, n_critic: int, clip_value: float | None, gp_weight: float, d_norm: str) -> None:
        if loss not in losses.LOSSES:
            raise ConfigError(f"unknown loss {loss!r}; choose one of {', '.join(losses.LOSSES)}")
        if n_critic < 1:
            raise ConfigError(f"n_critic must be at least 1, got {n_critic}")
        if clip_value is not None and not clip_value > 0:
            raise ConfigError(f"clip_value must be > 0 (or unset), got {clip_value}")
        if gp_weight < 0:
            raise ConfigError(f"gp_weight must be >= 0, got {gp_weight}")
        if gp_weight > 0 and d_norm == "batch":
            # The penalty is per sample; batch norm mixes samples, so the penalised gradient would be wrong.
            raise ConfigError("a gradient penalty needs a critic without batch norm: use d_norm='layer' or 'none'")
        self.loss = loss
        self.n_critic = n_critic
        self.clip_value = clip_value
        self.gp_weight = gp_weight
        self.batches_per_step = n_critic

    def _noise(self, n: int, device) -> torch.Tensor:
        return torch.randn(n, self._settings["latent_dim"], device=device)

    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """``n_critic`` discriminator updates (one per real chunk of the batch), then one generator update."""
        opt_g, opt_d = optimizers["generator"], optimizers["discriminator"]
        images = batch.images.chunk(self.n_critic)
        labels = batch.labels.chunk(self.n_critic) if batch.labels is not None else [None] * self.n_critic
        if not self.conditional:
            labels = [None] * self.n_critic
        stats: dict[str, float] = {}

        for real, real_labels in zip(images, labels):
            with torch.no_grad():
                # Fakes are drawn for the same classes as the real chunk, so D sees matching class mixes.
                fake = self.generator(self._noise(real.size(0), real.device), real_labels)
            real_scores = self.discriminator(real, real_labels)
            fake_scores = self.discriminator(fake, real_labels)
            loss_d = losses.discriminator_loss(self.loss, real_scores.float(), fake_scores.float())
            if self.gp_weight > 0:
                penalty = losses.gradient_penalty(self.discriminator, real, fake, real_labels)
                loss_d = loss_d + self.gp_weight * penalty
                stats["gp"] = penalty.item()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            if self.clip_value is not None:
                with torch.no_grad():
                    for param in self.discriminator.parameters():
                        param.clamp_(-self.clip_value, self.clip_value)

        fake_labels = labels[-1]
        batch_size = images[-1].size(0)
        fake = self.generator(self._noise(batch_size, images[-1].device), fake_labels)
        loss_g = losses.generator_loss(self.loss, self.discriminator(fake, fake_labels).float())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

        stats.update(
            loss_d=loss_d.item(),
            loss_g=loss_g.item(),
            d_real=real_scores.float().mean().item(),
            d_fake=fake_scores.float().mean().item(),
        )
        if self.loss == "wasserstein":
            stats["wasserstein"] = (real_scores.float().mean() - fake_scores.float().mean()).item()
        return stats
