"""CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks").

- Two ResNet generators G: A → B and F: B → A (6 residual blocks for ≤ 128 px, 9 above, as in the paper).
- Two 70×70 PatchGAN discriminators D_A and D_B.
- Objective (LSGAN): G minimises E[(D_B(G(a)) − 1)²]; D_B minimises ½E[(D_B(b) − 1)²] + ½E[D_B(G(a))²];
  plus cycle consistency λ·(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁) with λ = 10 and identity
  0.5·λ·(‖G(b) − b‖₁ + ‖F(a) − a‖₁).
- The discriminators see generated images drawn from a history pool of 50 (Shrivastava et al. 2017).
- Learning rate constant for the first half of the steps, then decayed linearly to 0 (``decay_start``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..registry import register
from .base import Batch
from .nn.layers import PatchDiscriminator, ResnetGenerator, dcgan_init
from .translation import TranslationGAN, check_translation_settings, set_lr_factor


class ImagePool:
    """History of generated images (Shrivastava et al. 2017): the discriminator is shown, for each new fake, with
    probability ½ a random older fake instead (which the new one replaces), so it does not forget what the
    generator did a while ago. Random choices use torch's global RNG (saved with checkpoints)."""

    def __init__(self, size: int):
        self.size = size
        self.images: torch.Tensor | None = None  # (stored, C, H, W)

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return fakes
        fakes = fakes.detach()
        out = []
        for fake in fakes:
            fake = fake.unsqueeze(0)
            stored = 0 if self.images is None else self.images.size(0)
            if stored < self.size:
                self.images = fake.clone() if self.images is None else torch.cat([self.images, fake])
                out.append(fake)
            elif torch.rand(()).item() < 0.5:
                index = int(torch.randint(self.size, ()).item())
                out.append(self.images[index : index + 1].clone())
                self.images[index] = fake[0]
            else:
                out.append(fake)
        return torch.cat(out)

    def state(self) -> torch.Tensor:
        return self.images.cpu() if self.images is not None else torch.empty(0)

    def load(self, images: torch.Tensor, device) -> None:
        self.images = images.to(device) if images.numel() else None


def cycle_consistency_loss(real: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    """‖F(G(x)) − x‖₁, averaged over pixels (the paper's L_cyc for one direction)."""
    return F.l1_loss(reconstructed, real)


def least_squares_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """E[(D(G(x)) − 1)²] (LSGAN generator term as CycleGAN uses it)."""
    return ((fake_scores - 1) ** 2).mean()


def least_squares_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """½E[(D(y) − 1)²] + ½E[D(G(x))²]: halved, as the paper does to slow D relative to G."""
    return 0.5 * (((real_scores - 1) ** 2).mean() + (fake_scores**2).mean())


@register("cyclegan")
class CycleGAN(TranslationGAN):
    """CycleGAN (Zhu et al. 2017): unpaired translation A ↔ B, ResNet G, PatchGAN D, cycle + identity losses"""

    data_kind = "unpaired"
    default_dataset = "sneaker2boot"  # offline demo made from the embedded data
    directions = ("a2b", "b2a")

    def __init__(
        self,
        image_size: int = 64,
        channels_a: int = 3,
        channels_b: int = 3,
        width: int = 64,
        blocks: int | None = None,
        norm: str = "batch",
        d_layers: int = 3,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        decay_start: float = 0.5,
        jitter: bool = True,
        lr: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        optimizer: str = "adam",
    ):
        super().__init__()
        check_translation_settings(image_size, (channels_a, channels_b), lr, optimizer, betas)
        blocks = (6 if image_size <= 128 else 9) if blocks is None else blocks
        if cycle_weight < 0 or identity_weight < 0:
            raise ConfigError("cycle_weight and identity_weight must be >= 0")
        if identity_weight > 0 and channels_a != channels_b:
            raise ConfigError("the identity loss needs both domains to have the same channels; "
                              "set identity_weight=0 to translate between gray and colour")
        if pool_size < 0:
            raise ConfigError(f"pool_size must be >= 0 (0 turns the history pool off), got {pool_size}")
        if not 0 <= decay_start <= 1:
            raise ConfigError(f"decay_start is the fraction of the steps after which the learning rate decays; "
                              f"it must be in [0, 1], got {decay_start}")
        self.generator_ab = ResnetGenerator(channels_a, channels_b, width, blocks, norm)  # G
        self.generator_ba = ResnetGenerator(channels_b, channels_a, width, blocks, norm)  # F
        self.discriminator_a = PatchDiscriminator(channels_a, width, d_layers, norm)
        self.discriminator_b = PatchDiscriminator(channels_b, width, d_layers, norm)
        self.apply(dcgan_init)
        self.cycle_weight, self.identity_weight, self.decay_start = cycle_weight, identity_weight, decay_start
        self.pool_a, self.pool_b = ImagePool(pool_size), ImagePool(pool_size)
        self._total_steps = 0

    @property
    def input_multiple(self) -> int:
        return ResnetGenerator.multiple

    def channels(self, direction: str = "a2b") -> tuple[int, int]:
        a, b = self._settings["channels_a"], self._settings["channels_b"]
        return (a, b) if self.check_direction(direction) == "a2b" else (b, a)

    def _generator_for(self, direction: str) -> nn.Module:
        return self.generator_ab if direction == "a2b" else self.generator_ba

    def configure_optimizers(self, train_cfg) -> dict[str, torch.optim.Optimizer]:
        """One Adam for both generators, one for both discriminators (as the paper's code)."""
        lr_g = train_cfg.lr if train_cfg.lr is not None else self._settings["lr"]
        lr_d = train_cfg.lr_d if train_cfg.lr_d is not None else lr_g
        self._total_steps = train_cfg.steps
        generators = [*self.generator_ab.parameters(), *self.generator_ba.parameters()]
        discriminators = [*self.discriminator_a.parameters(), *self.discriminator_b.parameters()]
        return {"generator": self.make_optimizer(generators, lr_g),
                "discriminator": self.make_optimizer(discriminators, lr_d)}

    def lr_factor(self, step: int) -> float:
        """1 until ``decay_start`` × steps, then linearly down to 0 at the last step."""
        total = max(self._total_steps, 1)
        start = self.decay_start * total
        if step < start:
            return 1.0
        return max(0.0, 1.0 - (step - start) / max(total - start, 1))

    def generator_losses(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every generator term for one batch, unweighted, plus the fakes (for the discriminators)."""
        fake_b, fake_a = self.generator_ab(real_a), self.generator_ba(real_b)
        terms = {
            "adversarial_ab": least_squares_generator_loss(self.discriminator_b(fake_b).float()),
            "adversarial_ba": least_squares_generator_loss(self.discriminator_a(fake_a).float()),
            "cycle_a": cycle_consistency_loss(real_a.float(), self.generator_ba(fake_b).float()),
            "cycle_b": cycle_consistency_loss(real_b.float(), self.generator_ab(fake_a).float()),
            "fake_a": fake_a, "fake_b": fake_b,
        }
        if self.identity_weight > 0:
            terms["identity_a"] = F.l1_loss(self.generator_ba(real_a).float(), real_a.float())
            terms["identity_b"] = F.l1_loss(self.generator_ab(real_b).float(), real_b.float())
        return terms

    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """One update of both generators, then one of both discriminators (on pooled fakes)."""
        set_lr_factor(optimizers, self.lr_factor(step))
        opt_g, opt_d = optimizers["generator"], optimizers["discriminator"]
        real_a, real_b = batch.images, batch.targets

        self.discriminator_a.requires_grad_(False)
        self.discriminator_b.requires_grad_(False)
        terms = self.generator_losses(real_a, real_b)
        adversarial = terms["adversarial_ab"] + terms["adversarial_ba"]
        cycle = terms["cycle_a"] + terms["cycle_b"]
        identity = terms.get("identity_a", 0.0) + terms.get("identity_b", 0.0)
        loss_g = adversarial + self.cycle_weight * cycle + self.identity_weight * self.cycle_weight * identity
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        self.discriminator_a.requires_grad_(True)
        self.discriminator_b.requires_grad_(True)

        fake_b = self.pool_b.query(terms["fake_b"])
        fake_a = self.pool_a.query(terms["fake_a"])
        loss_d_b = least_squares_discriminator_loss(self.discriminator_b(real_b).float(),
                                                    self.discriminator_b(fake_b).float())
        loss_d_a = least_squares_discriminator_loss(self.discriminator_a(real_a).float(),
                                                    self.discriminator_a(fake_a).float())
        loss_d = loss_d_a + loss_d_b
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        stats = {"loss_d": loss_d.item(), "loss_g": loss_g.item(), "adversarial": adversarial.item(),
                 "cycle": cycle.item(), "lr_factor": self.lr_factor(step)}
        if self.identity_weight > 0:
            stats["identity"] = identity.item()
        return stats

    def settings_for_data(self, data) -> dict:
        settings = {"channels_a": data.a.shape[1], "channels_b": data.b.shape[1]}
        if settings["channels_a"] != settings["channels_b"]:
            settings["identity_weight"] = 0.0  # the identity loss needs equal channels
        return settings

    def training_state(self) -> dict:
        return {"pool_a": self.pool_a.state(), "pool_b": self.pool_b.state()}

    def load_training_state(self, state: dict) -> None:
        if "pool_a" in state:
            self.pool_a.load(state["pool_a"], self.device)
            self.pool_b.load(state["pool_b"], self.device)

    def _preview_rows(self, batch: Batch) -> list[torch.Tensor]:
        """A, G(A), B, F(B)."""
        return [batch.images, self.translate(batch.images, "a2b"), batch.targets, self.translate(batch.targets, "b2a")]
