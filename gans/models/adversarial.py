"""The noise-to-image GAN training step shared by vanilla, DCGAN, WGAN, WGAN-GP, LSGAN and cGAN.

They differ only in networks and objective, so one ``train_step`` reads the objective settings:
``loss`` (bce / ls / wasserstein / hinge), ``n_critic`` critic updates per generator update, weight clipping
(``clip_value``, WGAN) and gradient penalty weight (``gp_weight``, WGAN-GP). Conditional models share it too:
``_condition`` says what G and D are conditioned on (class labels here; captions in text2image) and
``_mismatched_scores`` what the matching-aware D sees as a wrong condition.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from .base import Batch
from .info import Setting
from .nn import losses
from .nn.augment import AUGMENTATIONS, diff_augment, parse_policy
from .noise_to_image import SUPPORTED_IMAGE_SIZES, NoiseToImageGAN


class AdversarialGAN(NoiseToImageGAN):
    """The standard noise-to-image GAN: one training step with a choice of objective. Subclasses build
    ``self.generator(z, labels)`` and ``self.discriminator(images, labels)`` (scores of shape (N,)) and then
    call ``self._setup_objective``."""

    # ---- what a form needs to know before building one (gans.models.info; read by gans.registry.model_info)
    default_dataset = "fashion-mnist-mini"  # embedded: trains offline
    image_sizes = SUPPORTED_IMAGE_SIZES
    loss_choices = losses.LOSSES
    default_steps, default_batch_size = 2000, 64
    default_metric_every = 200  # ~0.5 s per measurement of 500 samples on a CPU: about 1 % of a run's time
    advanced_settings = (
        Setting("loss", "Loss", "choice", choices_from="losses"),
        Setting("n_critic", "Critic steps per G step (n_critic)", "int"),
        Setting("clip_value", "Weight clipping (0 = off)", "float", format="%.4f", zero_is_none=True),
        Setting("gp_weight", "Gradient penalty weight", "float"),
        Setting("ema_decay", "EMA of G (0 = off, e.g. 0.999)", "float", format="%.4f"),
        Setting("spectral_norm", "Spectral norm in D", "bool"),
        Setting("augment", "DiffAugment (empty: the model's default)", "multichoice",
                choices=AUGMENTATIONS + ("none",), off_choice="none",
                help="Zhao et al. 2020: the same random translation / cutout / colour change of real and fake images "
                     "keeps D from memorising a small dataset; 'none' turns it off"),
    )

    def _setup_objective(self, loss: str, n_critic: int, clip_value: float | None, gp_weight: float, d_norm: str,
                         augment: str = "") -> None:
        if loss not in losses.LOSSES:
            raise ConfigError(f"unknown loss {loss!r}; choose one of {', '.join(losses.LOSSES)}")
        if n_critic < 1:
            raise ConfigError(f"n_critic must be at least 1, got {n_critic}")
        if clip_value is not None and not 0 < clip_value < math.inf:
            raise ConfigError(f"clip_value must be > 0 and finite (or unset), got {clip_value}")
        if not 0 <= gp_weight < math.inf:  # NaN fails both comparisons
            raise ConfigError(f"gp_weight must be >= 0 and finite, got {gp_weight}")
        if gp_weight > 0 and d_norm == "batch":
            # The penalty is per sample; batch norm mixes samples, so the penalised gradient would be wrong.
            raise ConfigError("a gradient penalty needs a critic without batch norm: use d_norm='layer' or 'none'")
        self.loss = loss
        self.n_critic = n_critic
        self.clip_value = clip_value
        self.gp_weight = gp_weight
        self.batches_per_step = n_critic
        self.augment_policy = parse_policy(augment)

    def _setup_condition_terms(self, mismatch_weight: float, mismatch_hard: bool, mode_seeking: float,
                               matching_aware: bool = True) -> None:
        """Checks and keeps the conditional models' extra terms: the matching-aware D (``mismatch_weight``, with
        hard negatives when ``mismatch_hard``; off when not ``matching_aware``) and G's mode-seeking weight."""
        if not 0 <= mismatch_weight < 1:
            raise ConfigError(f"mismatch_weight must be in [0, 1), got {mismatch_weight}")
        if mode_seeking < 0:
            raise ConfigError(f"mode_seeking must be >= 0, got {mode_seeking}")
        self.mismatch_weight = float(mismatch_weight) if matching_aware else 0.0
        self.mismatch_hard = bool(mismatch_hard) and self.mismatch_weight > 0
        self.mode_seeking = float(mode_seeking)

    def _noise(self, n: int, device) -> torch.Tensor:
        return torch.randn(n, self._settings["latent_dim"], device=device)

    def _mode_seeking(self, fake: torch.Tensor, noise: torch.Tensor, condition) -> torch.Tensor:
        """MSGAN's term (Mao et al. 2019): two latents under one condition (``condition``, the batch's labels or
        captions; None for none) should give images as far apart as the latents are. G minimises latent distance
        / image distance over half the batch, drawn again with fresh noise."""
        half = fake.size(0) // 2
        other_noise = self._noise(half, fake.device)
        other = self.generator(other_noise, None if condition is None else condition[:half])
        image_gap = (fake[:half].float() - other.float()).abs().mean(dim=(1, 2, 3))
        noise_gap = (noise[:half] - other_noise).abs().mean(dim=1)
        return (noise_gap / (image_gap + 1e-5)).mean()

    #: weight of an auxiliary classifier's cross-entropy (AC-GAN); 0 for models without one
    class_weight: float = 0.0
    #: matching-aware D (Reed et al. 2016's GAN-CLS): real images under a wrong label count as fake too, with this
    #: share of D's fake term (Reed et al.: ½); 0: off
    mismatch_weight: float = 0.0
    #: draw half of the wrong labels from the classes D currently confuses most with the true one (hard negatives,
    #: tracked as a running mean of D's score for each (true class, wrong label) pair in ``confusion``)
    mismatch_hard: bool = False
    #: weight of the mode-seeking term (Mao et al. 2019, MSGAN) in G's loss; 0: none
    mode_seeking: float = 0.0
    #: γ of the R1 penalty (Mescheder et al. 2018), γ/2 · E‖∇D(x)‖² on (augmented) real images in every D update; 0:
    #: off (vanilla's ``r1_gamma``; StyleGAN's own ``r1_gamma`` is a lazy R1 of its own step, not this)
    step_r1_gamma: float = 0.0

    def _discriminate(self, images: torch.Tensor, labels):
        """(D's scores (N,), class logits (N, classes) or None) in fp32, after DiffAugment when the model has a
        policy (real and fake alike). Class logits come from D's auxiliary classifier (AC-GAN) when it has one."""
        if self.augment_policy:
            images = diff_augment(images, self.augment_policy)
        if not self.class_weight:
            return self.discriminator(images, labels).float(), None
        scores, classes = self.discriminator.scores_and_classes(images, labels)
        return scores.float(), classes.float()

    def _wrong_labels(self, labels: torch.Tensor) -> torch.Tensor:
        """A label other than the true one for each image: uniform, or (``mismatch_hard``) for a random half drawn
        with probability softmax(D's running score of that pair), so the classes D mixes up come up more often."""
        uniform = (labels + torch.randint_like(labels, 1, self.num_classes)) % self.num_classes
        if not self.mismatch_hard:
            return uniform
        scores = self.confusion[labels].clone()
        scores.scatter_(1, labels[:, None], float("-inf"))  # never the true class
        hard = torch.multinomial(scores.softmax(dim=1), 1).squeeze(1)
        return torch.where(torch.rand(labels.shape, device=labels.device) < 0.5, hard, uniform)

    def _track_confusion(self, labels: torch.Tensor, wrong: torch.Tensor, scores: torch.Tensor) -> None:
        """Move ``confusion[true, wrong]`` 5 % of the way toward the batch's mean D score for that pair."""
        classes = self.num_classes
        pairs = labels * classes + wrong
        sums = torch.zeros(classes * classes, device=scores.device).index_add_(0, pairs, scores)
        counts = torch.zeros(classes * classes, device=scores.device).index_add_(0, pairs, torch.ones_like(scores))
        seen = counts > 0
        flat = self.confusion.view(-1)
        flat[seen] += 0.05 * (sums[seen] / counts[seen] - flat[seen])

    def _condition(self, images: torch.Tensor, labels):
        """What G and D are conditioned on for a chunk of real ``images`` of classes ``labels``: the labels
        themselves (None on an unconditional model). A text model answers captions written for the images."""
        return labels

    def _mismatched_scores(self, images: torch.Tensor, labels: torch.Tensor, condition) -> torch.Tensor:
        """D's scores (N,) of real ``images`` under a condition that does not match them (GAN-CLS): another
        class's label, tracked in ``confusion`` when the model draws hard negatives."""
        wrong = self._wrong_labels(labels)
        scores, _ = self._discriminate(images, wrong)
        if self.mismatch_hard:
            self._track_confusion(labels, wrong, scores.detach())
        return scores

    #: this class's step and networks were read for CUDA graphs (no wait for the host, nothing that changes with
    #: Python state from step to step); set on the classes read (vanilla, DCGAN and its presets, SAGAN), not here
    graph_safe_step: bool = False
    #: the methods a step runs: a subclass of a class read for CUDA graphs that overrides one is not read itself
    STEP_METHODS = ("train_step", "_noise", "_condition", "_discriminate", "_mismatched_scores", "_mode_seeking",
                    "_wrong_labels")

    def graph_unsafe_reason(self) -> str | None:
        if not self.graph_safe_step:
            return f"{type(self).__name__}'s training step has not been checked for CUDA graphs"
        mro = type(self).__mro__
        read = next(cls for cls in mro if "graph_safe_step" in vars(cls))
        for cls in mro[: mro.index(read)]:
            overridden = [name for name in self.STEP_METHODS if name in vars(cls)]
            if overridden:
                return f"{cls.__name__} overrides {overridden[0]}, which has not been checked for CUDA graphs"
        if self.mismatch_hard:
            return "hard negatives update D's confusion table through a mask, which waits for the host"
        return None

    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, torch.Tensor]:
        """``n_critic`` discriminator updates (one per real chunk of the batch), then one generator update.
        The stats are 0-d tensors left on the device (nothing here waits for a GPU; the Trainer reads them).

        The generator runs forward once per step: the fakes of the last critic update keep their graph and serve
        the generator's update (D trains on them detached), the usual trick of DCGAN implementations.
        """
        opt_g, opt_d = optimizers["generator"], optimizers["discriminator"]
        images = batch.images.chunk(self.n_critic)
        labels = batch.labels.chunk(self.n_critic) if batch.labels is not None else [None] * self.n_critic
        if not self.conditional:
            labels = [None] * self.n_critic
        stats: dict[str, torch.Tensor] = {}

        for index, (real, real_labels) in enumerate(zip(images, labels)):
            # Fakes are drawn under the real chunk's condition, so D sees matching class (or caption) mixes.
            condition = self._condition(real, real_labels)
            noise = self._noise(real.size(0), real.device)
            if index == len(images) - 1:
                fake = self.generator(noise, condition)  # kept with its graph for G's update below
                fake_for_d = fake.detach()
            else:
                with torch.no_grad():
                    fake_for_d = self.generator(noise, condition)
            real_scores, real_classes = self._discriminate(real, condition)
            fake_scores, _ = self._discriminate(fake_for_d, condition)
            loss_d = losses.discriminator_loss(self.loss, real_scores, fake_scores)
            if self.mismatch_weight and real_labels is not None:
                # GAN-CLS: a real image under a condition that does not match is "fake" as well; it takes this
                # share of the fake term, so D must read the condition:
                # (1 - w)·loss(real, fake) + w·loss(real, mismatched)
                mismatched = self._mismatched_scores(real, real_labels, condition)
                stats["d_mismatched"] = mismatched.mean().detach()
                loss_d = (1 - self.mismatch_weight) * loss_d + self.mismatch_weight * losses.discriminator_loss(
                    self.loss, real_scores, mismatched)
            if real_classes is not None:  # AC-GAN: D learns the classes on real images only
                class_loss = F.cross_entropy(real_classes, real_labels)
                loss_d = loss_d + self.class_weight * class_loss
                stats["class_loss_real"] = class_loss.detach()
            if self.gp_weight > 0:
                # the critic must be 1-Lipschitz where it is scored: with DiffAugment, between augmented images
                # (penalised on plain ones only, it grew without bound on the augmented ones D is scored on)
                real_gp, fake_gp = real, fake_for_d
                if self.augment_policy:
                    real_gp = diff_augment(real, self.augment_policy)
                    fake_gp = diff_augment(fake_for_d, self.augment_policy)
                penalty = losses.gradient_penalty(self.discriminator, real_gp, fake_gp, condition)
                loss_d = loss_d + self.gp_weight * penalty
                stats["gp"] = penalty.detach()
            if self.step_r1_gamma > 0:
                # D's gradient on real images pulled toward 0: near the data D stops pushing, so G can settle there
                real_r1 = diff_augment(real, self.augment_policy) if self.augment_policy else real
                with torch.autocast(device_type=real.device.type, enabled=False):  # fp32: a bf16 norm is too coarse
                    penalty = losses.r1_penalty(self.discriminator, real_r1.float(), condition)
                loss_d = loss_d + self.step_r1_gamma / 2 * penalty
                stats["r1"] = penalty.detach()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            if self.clip_value is not None:
                with torch.no_grad():
                    for param in self.discriminator.parameters():
                        param.clamp_(-self.clip_value, self.clip_value)

        # G's update: gradients flow through D to the fakes, but D's own weight gradients are not needed.
        self.discriminator.requires_grad_(False)
        try:
            fake_scores_g, fake_classes = self._discriminate(fake, condition)
            loss_g = losses.generator_loss(self.loss, fake_scores_g)
            if fake_classes is not None:  # G makes fakes that D puts in the class asked for
                class_loss = F.cross_entropy(fake_classes, labels[-1])
                loss_g = loss_g + self.class_weight * class_loss
                stats["class_loss_fake"] = class_loss.detach()
            if self.mode_seeking:
                seeking = self._mode_seeking(fake, noise, condition)
                loss_g = loss_g + self.mode_seeking * seeking
                stats["mode_seeking"] = seeking.detach()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
        finally:
            self.discriminator.requires_grad_(True)
        opt_g.step()

        stats.update(
            loss_d=loss_d.detach(),
            loss_g=loss_g.detach(),
            d_real=real_scores.mean().detach(),
            d_fake=fake_scores.mean().detach(),
        )
        if self.loss == "wasserstein":
            stats["wasserstein"] = (real_scores.mean() - fake_scores.mean()).detach()
        return stats
