"""Anomaly detection with an adversarially trained autoencoder (f-AnoGAN / GANomaly ideas).

Trained on *normal* images only (one class of a labelled dataset, ``normal_class``, or every image of an
unlabelled folder with ``normal_class=-1``), the model learns to reconstruct them; an image it reconstructs
badly, or whose reconstruction a discriminator tells apart, is anomalous.

Networks (DCGAN-style, Radford et al. 2015):

- encoder E: stride-2 convs with LeakyReLU, a final conv over the whole map → z (N, latent_dim);
- generator G: ``DCGANGenerator``, z → image in [-1, 1] (the decoder);
- discriminator D: ``DCGANDiscriminator``; its last feature map f(x) (N, 4w, 7, 7 at 28 px) is what the
  feature residual compares.

Training, one step (GANomaly, Akçay et al. 2018, without the second encoder): x̂ = G(E(x));
D learns real x vs reconstructions x̂ (non-saturating BCE); E and G minimise
``reconstruction_weight`` · |x − x̂|₁ + ``adversarial_weight`` · ‖f(x) − f(x̂)‖² (GANomaly's feature-matching
adversarial loss), so reconstructions must match real images in D's features as well as in pixels.

Anomaly score: f-AnoGAN's izi_f score (Schlegl et al. 2019, Medical Image Analysis 54: image residual + κ · D-feature
residual) with GANomaly's latent residual (Akçay et al. 2018, ACCV: ‖E(x) − E(x̂)‖², here with the same encoder):

    A_R(x) = mean over pixels (x − x̂)²             image reconstruction error
    A_D(x) = mean over D's features (f(x) − f(x̂))²   D-feature residual
    A_z(x) = mean over latents (E(x) − E(x̂))²        latent residual
    score(x) = exp[(log(A_R/g_R) + κ_D · log(A_D/g_D) + κ_z · log(A_z/g_z)) / (1 + κ_D + κ_z)]

a weighted geometric mean of the three terms, each divided by its geometric mean g on held-out normal images, so
each is in units of "a typical normal image" (≈ 1) and none dominates by its scale or by its heavy tail; higher =
more anomalous. κ_D = ``feature_weight`` (0.1), κ_z = ``latent_weight`` (0.25), chosen by measurement on one-class
Fashion-MNIST (README: anomaly detection): the D-feature residual alone separates worse than the image residual
(AUC ≈ 0.79 against 0.86 on the hardest classes), so a large κ_D (f-AnoGAN's 1) lowered the AUC; the latent
residual added a little. The threshold is the ``threshold_quantile`` (default 95 %) quantile of the scores of
held-out normal images: the last ``heldout_fraction`` of the normal class's training images, never trained on. g
and the threshold are buffers, measured by ``calibrate`` before every checkpoint, so they travel with the weights.

With ``adversarial_weight=0``, ``feature_weight=0`` and ``latent_weight=0`` this is a plain autoencoder with the
same encoder and decoder, scored by its reconstruction error: the baseline of ``benchmarks/anomaly_oneclass.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..data.image_data import ImageData, to_model_range
from ..errors import ConfigError
from ..registry import Task, register
from .base import GAN, Batch, check_optimizer, evaluated
from .dcgan import DCGANDiscriminator, DCGANGenerator, _start_size
from .info import Setting
from .nn.layers import dcgan_init, down_block, normalization

IMAGE_SIZES = (28, 32, 64)
PREVIEW_COLUMNS = 8
SCORE_BATCH = 512  # images scored at a time: bounds memory on a large upload set


@dataclass
class OneClassData(ImageData):
    """The normal images a model trains on, and ``heldout``: uint8 normal images kept out of training, on which
    ``calibrate`` measures the score's scale and the threshold."""

    heldout: torch.Tensor | None = None


class ScoreTerms(NamedTuple):
    """The terms of the anomaly score of N images, and their reconstructions (N, C, S, S), on the CPU in fp32."""

    pixel: torch.Tensor  # A_R (N,)
    feature: torch.Tensor  # A_D (N,); zeros for a model without D
    latent: torch.Tensor  # A_z (N,)
    reconstruction: torch.Tensor


class Encoder(nn.Module):
    """x (N, C, S, S) → z (N, latent_dim): the mirror image of the generator."""

    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int, norm: str):
        super().__init__()
        start = _start_size(image_size)
        n_down = int(math.log2(image_size // start))
        layers = [nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]  # (N, w, S/2)
        hidden = width
        for _ in range(n_down - 1):  # (N, c, s, s) → (N, 2c, s/2, s/2)
            layers.append(down_block(hidden, hidden * 2, norm))
            hidden *= 2
        layers.append(nn.Conv2d(hidden, latent_dim, start))  # (N, latent_dim, 1, 1)
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).flatten(1)


@register("anomaly")
class AnomalyGAN(GAN):
    """Anomaly detector (f-AnoGAN / GANomaly): encoder + G + D on normal images; score from image, D-feature and
    latent residuals"""

    task = Task.DETECT
    data_kind = "images"
    default_dataset = "fashion-mnist-mini"
    image_sizes = IMAGE_SIZES
    default_steps, default_batch_size = 1000, 64  # the measured recipe (README: Anomaly detection)
    default_metric_every = 0  # FD measures generators; this model is measured by AUC (benchmarks/anomaly_oneclass.py)
    advanced_settings = (
        Setting("normal_class", "Normal class (index; -1: every image is normal)", "int",
                help="the model trains on this class only; every other image should score as anomalous"),
        Setting("feature_weight", "Weight of the D-feature residual in the score (κ_D)", "float", min_value=0.0),
        Setting("latent_weight", "Weight of the latent residual in the score (κ_z)", "float", min_value=0.0),
        Setting("adversarial_weight", "Adversarial (feature-matching) loss weight", "float", min_value=0.0),
        Setting("reconstruction_weight", "Reconstruction loss weight", "float", min_value=0.0),
        Setting("threshold_quantile", "Threshold: quantile of held-out normal scores", "float", format="%.3f"),
    )

    def __init__(
        self,
        normal_class: int = 0,
        latent_dim: int = 16,
        image_size: int = 28,
        channels: int = 1,
        width: int = 32,
        d_norm: str = "batch",
        reconstruction_weight: float = 50.0,
        adversarial_weight: float = 1.0,
        feature_weight: float = 0.1,
        latent_weight: float = 0.25,
        heldout_fraction: float = 0.1,
        threshold_quantile: float = 0.95,
        lr: float = 1e-3,
        optimizer: str = "adam",
        betas: tuple = (0.5, 0.999),
    ):
        super().__init__()
        if image_size not in IMAGE_SIZES:
            raise ConfigError(f"image size {image_size} is not supported; choose one of "
                              f"{', '.join(map(str, IMAGE_SIZES))}")
        if channels not in (1, 3):
            raise ConfigError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}")
        if latent_dim < 1 or width < 1:
            raise ConfigError(f"latent_dim and width must be at least 1, got {latent_dim} and {width}")
        if normal_class < -1:
            raise ConfigError(f"normal_class must be a class index, or -1 for every image, got {normal_class}")
        for name, value in (("reconstruction_weight", reconstruction_weight),
                            ("adversarial_weight", adversarial_weight), ("feature_weight", feature_weight),
                            ("latent_weight", latent_weight)):
            if not 0 <= value < math.inf:
                raise ConfigError(f"{name} must be >= 0 and finite, got {value}")
        if reconstruction_weight == 0 and adversarial_weight == 0:
            raise ConfigError("reconstruction_weight and adversarial_weight cannot both be 0: nothing would train")
        if not 0 < heldout_fraction < 1:
            raise ConfigError(f"heldout_fraction must be in (0, 1), got {heldout_fraction}")
        if not 0 < threshold_quantile <= 1:
            raise ConfigError(f"threshold_quantile must be in (0, 1], got {threshold_quantile}")
        normalization(d_norm, 1)  # validates the name
        check_optimizer(lr, optimizer, betas)
        self.encoder = Encoder(latent_dim, image_size, channels, width, d_norm)
        self.generator = DCGANGenerator(latent_dim, image_size, channels, width, 0, 0)
        self.discriminator = DCGANDiscriminator(image_size, channels, width, d_norm, False, 0, "projection")
        self.apply(dcgan_init)
        self.generator_ema = None  # reconstructions need the trained pair E, G as they are
        # The score's scale (g_R, g_D, g_z) and the verdict's threshold, measured by ``calibrate``; 1 until then.
        self.register_buffer("score_scale", torch.ones(3))
        self.register_buffer("threshold", torch.ones(()))

    # ---- optimisation ---------------------------------------------------------------------------------------
    @property
    def adversarial(self) -> bool:
        """Whether D takes part (in training or in the score); the plain autoencoder baseline has none."""
        cfg = self._settings
        return cfg["adversarial_weight"] > 0 or cfg["feature_weight"] > 0

    def configure_optimizers(self, train_cfg) -> dict[str, torch.optim.Optimizer]:
        """One optimiser for E and G together (the autoencoder), one for D."""
        lr_g = train_cfg.lr if train_cfg.lr is not None else self._settings["lr"]
        lr_d = train_cfg.lr_d if train_cfg.lr_d is not None else lr_g
        autoencoder = list(self.encoder.parameters()) + list(self.generator.parameters())
        return {"generator": self.make_optimizer(autoencoder, lr_g),
                "discriminator": self.make_optimizer(self.discriminator.parameters(), lr_d)}

    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """D on real vs reconstructed images, then E and G on reconstruction + feature matching."""
        cfg = self._settings
        real = batch.images
        reconstruction = self.generator(self.encoder(real))  # (N, C, S, S)
        stats: dict[str, float] = {}
        loss_d = torch.zeros((), device=real.device)
        if cfg["adversarial_weight"] > 0 or cfg["feature_weight"] > 0:
            real_scores = self.discriminator(real).float()
            fake_scores = self.discriminator(reconstruction.detach()).float()
            loss_d = (F.binary_cross_entropy_with_logits(real_scores, torch.ones_like(real_scores))
                      + F.binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores)))
            optimizers["discriminator"].zero_grad(set_to_none=True)
            loss_d.backward()
            optimizers["discriminator"].step()
            stats.update(d_real=real_scores.mean().item(), d_fake=fake_scores.mean().item())

        loss_rec = (real.float() - reconstruction.float()).abs().mean()
        loss_g = cfg["reconstruction_weight"] * loss_rec
        if cfg["adversarial_weight"] > 0:
            self.discriminator.requires_grad_(False)
            try:
                features_real = self.discriminator.features(real).detach().float()
                features_fake = self.discriminator.features(reconstruction).float()
                loss_adv = (features_real - features_fake).pow(2).mean()
            finally:
                self.discriminator.requires_grad_(True)
            loss_g = loss_g + cfg["adversarial_weight"] * loss_adv
            stats["loss_adversarial"] = loss_adv.item()
        optimizers["generator"].zero_grad(set_to_none=True)
        loss_g.backward()
        optimizers["generator"].step()
        stats.update(loss_d=loss_d.item(), loss_g=loss_g.item(), loss_reconstruction=loss_rec.item())
        return stats

    # ---- scoring --------------------------------------------------------------------------------------------
    @torch.no_grad()
    def score_terms(self, images: torch.Tensor) -> ScoreTerms:
        """The score's terms and the reconstructions of ``images`` in [-1, 1] at the model's size. Eval mode (batch
        norm with running statistics) and fp32: each image's score is its own."""
        cfg = self._settings
        expected = (cfg["channels"], cfg["image_size"], cfg["image_size"])
        if images.dim() != 4 or tuple(images.shape[1:]) != expected:
            raise ConfigError(f"expected images of shape (N, {', '.join(map(str, expected))}), "
                              f"got {tuple(images.shape)}")
        pixel, feature, latent, outputs = [], [], [], []
        with evaluated(self):
            for chunk in images.split(SCORE_BATCH):
                chunk = chunk.to(self.device, torch.float32)
                z = self.encoder(chunk)
                reconstruction = self.generator(z).float()
                pixel.append((chunk - reconstruction).pow(2).mean(dim=(1, 2, 3)).cpu())
                latent.append((z - self.encoder(reconstruction)).float().pow(2).mean(dim=1).cpu())
                if self.adversarial:
                    residual = self.discriminator.features(chunk) - self.discriminator.features(reconstruction)
                    feature.append(residual.float().pow(2).mean(dim=(1, 2, 3)).cpu())
                else:
                    feature.append(torch.zeros(chunk.size(0)))
                outputs.append(reconstruction.cpu())
        return ScoreTerms(torch.cat(pixel), torch.cat(feature), torch.cat(latent), torch.cat(outputs))

    def _weights(self) -> torch.Tensor:
        cfg = self._settings
        return torch.tensor([1.0, cfg["feature_weight"] if self.adversarial else 0.0, cfg["latent_weight"]])

    @staticmethod
    def _logs(terms: ScoreTerms) -> torch.Tensor:
        return torch.stack([terms.pixel, terms.feature, terms.latent], dim=1).clamp_min(1e-12).log()  # (N, 3)

    def combine(self, terms: ScoreTerms) -> torch.Tensor:
        """The anomaly score (N,) from its terms (module docstring): the weighted geometric mean of the terms, each
        divided by its geometric mean on held-out normal images."""
        weights = self._weights()
        logs = self._logs(terms) - self.score_scale.detach().cpu().log()
        return ((logs * weights).sum(dim=1) / weights.sum()).exp()

    def score(self, images: torch.Tensor) -> torch.Tensor:
        """Anomaly scores (N,) of ``images`` (N, C, S, S) in [-1, 1]: higher = more anomalous; ≈ 1 for a typical
        normal image; above ``threshold`` = anomalous."""
        return self.combine(self.score_terms(images))

    @torch.no_grad()
    def calibrate(self, data) -> None:
        """Measure the terms' geometric means g and the threshold on ``data.heldout`` (called by the Trainer before
        each checkpoint). A pure function of the weights and the data: exact resume is unaffected."""
        heldout = getattr(data, "heldout", None)
        if heldout is None or not len(heldout):
            return
        terms = self.score_terms(to_model_range(heldout))
        self.score_scale.copy_(self._logs(terms).mean(dim=0).exp())
        scores = self.combine(terms)
        self.threshold.copy_(torch.quantile(scores, self._settings["threshold_quantile"]))

    # ---- Trainer hooks ----------------------------------------------------------------------------------------
    def prepare_data(self, data):
        """The normal images at the model's size and channels, split into training images and the held-out last
        ``heldout_fraction`` (``OneClassData.heldout``)."""
        cfg = self._settings
        if getattr(data, "kind", "images") != "images":
            raise ConfigError(f"{self.architecture} trains on images data, not on {data.kind} data")
        data = data.prepare(cfg["image_size"], cfg["channels"])
        images, normal = data.images, cfg["normal_class"]
        if normal >= 0:
            if data.labels is None:
                raise ConfigError(f"{data.name} has no labels: set normal_class=-1 to treat every image as normal")
            if normal >= data.num_classes:
                raise ConfigError(f"normal_class {normal} is not a class of {data.name} "
                                  f"(0..{data.num_classes - 1})")
            images = images[data.labels == normal]
        heldout = max(1, round(len(images) * cfg["heldout_fraction"]))
        if len(images) - heldout < 1:
            raise ConfigError(f"{data.name} has only {len(images)} normal images; at least 2 are needed")
        return OneClassData(images=images[:-heldout], labels=None, class_names=data.class_names, name=data.name,
                            skipped=data.skipped, heldout=images[-heldout:])

    def check_data(self, data) -> None:
        """Raise ``ConfigError`` unless ``data`` is ``prepare_data``'s normal images at the model's shape."""
        cfg = self._settings
        expected = (cfg["channels"], cfg["image_size"], cfg["image_size"])
        if getattr(data, "kind", "images") != self.data_kind:
            raise ConfigError(f"{self.architecture} trains on {self.data_kind} data, not on {data.kind} data")
        if tuple(data.images.shape[1:]) != expected:
            raise ConfigError(f"data has shape {tuple(data.images.shape[1:])} but the model wants {expected}; "
                              "prepare the data at the model's size")
        if getattr(data, "heldout", None) is None:
            raise ConfigError(f"{self.architecture} needs held-out normal images: pass the data through "
                              "model.prepare_data")

    def settings_for_data(self, data) -> dict:
        """RGB data → an RGB model; unlabelled data → every image is normal."""
        settings = {"channels": data.channels}
        if getattr(data, "labels", None) is None:
            settings["normal_class"] = -1
        return settings

    def preview_inputs(self, data, seed: int, n: int):
        """The first held-out normal images (never trained on), fixed for the whole run."""
        images = data.heldout if getattr(data, "heldout", None) is not None else data.images
        return to_model_range(images[:min(n, PREVIEW_COLUMNS)])

    def preview_grid(self, inputs):
        """One column per held-out image; rows: input, reconstruction, |difference|."""
        from ..io.images import grid_image

        reconstruction = self.score_terms(inputs).reconstruction
        difference = (inputs - reconstruction).abs() - 1  # 0..2 → [-1, 1]: black = no difference
        return grid_image(torch.cat([inputs, reconstruction, difference]), nrow=inputs.size(0))
