"""Colorizer: a conditional GAN that predicts colour for grayscale photos (after Isola et al. 2017's pix2pix
colorization setting and Zhang et al. 2016's use of CIE Lab).

- Works in CIE L*a*b*: the generator (a U-Net, ``layers.UNetGenerator``) predicts the two chroma channels a*b*
  from lightness L*; the photo's own L* is kept, so the network never has to reproduce detail.
- Discriminator: a 70×70 PatchGAN on (L, ab) together, i.e. conditioned on the gray input.
- Objective: λ·L1(ab) + adversarial (λ = 100, as pix2pix); the first ``pretrain_steps`` steps train G on L1
  alone, which gives the adversarial phase a generator that already puts plausible colour in place.
- Full resolution (``gans.tasks.colorize``): the network runs at a render size, its ab is upsampled and combined with
  the full-resolution L*, so output size = input size and no detail is lost.
- ``chroma_scale`` (in (0, 1], default 1): every prediction's a*b* is multiplied by it. A regression colorizer
  that is unsure of a hue is better off painting it paler, the idea behind Zhang et al.'s "annealed mean"; the
  factor is a setting of the trained model (chosen on validation photos, kept in ``config.json``), not a
  weight, and ``predict_ab`` applies it so every user (CLI, studio, benchmarks) gets the same colours. Colour
  hints enter the network divided by it (clamped to the a*b* range), so a hinted colour comes out as asked while
  the regions far from any hint stay as pale as without hints (on the validation photos this beat leaving the
  prediction unscaled when hints are given: README, colour hints).
- Colour hints (``hints=True``, Zhang et al. 2017, "Real-Time User-Guided Image Colorization with Learned Deep
  Priors"): the generator sees L*, a hint a*b* map and a hint mask (1 where a hint is). Training simulates hints
  by copying the mean true a*b* of small square patches (1 to ``MAX_HINT_PATCH`` px) at random places: no hint
  at all on ``HINT_FREE_SHARE`` of the crops (so the automatic result stays good), else a geometric number of
  them (mean ``1 / HINT_P``, at most ``MAX_HINTS``). ``gans.tasks.colorize`` turns a person's (x, y, colour) hints into
  those maps. A colorizer saved before hints existed (no ``hints`` in its config) loads with ``hints=False``.
- Output (``output``): ``"classes"`` (the default) predicts, per pixel, a distribution over quantised a*b*
  (``gans.ops.chroma_bins``, Zhang et al. 2016) trained with cross-entropy against soft-encoded targets, and reads
  it out with the annealed mean at ``temperature`` (chosen on validation photos, kept in ``config.json``): where
  the model is unsure (a sky that could be blue or a sunset) the distribution is spread and the colour stays
  pale, where it is sure the colour is vivid. ``"regression"`` predicts a*b* directly under the L1 loss (every
  colorizer saved before the classes existed; it loads as one). Two more read-out settings, chosen on validation
  photos and kept in config.json (``gans.ops.chroma_bins.annealed_mean``): ``prior_shift`` α swaps that share of the
  training photos' colour frequencies (the ``bin_prior`` buffer, counted while training) for a Gaussian of
  ``gray_sigma`` a*b* units around gray, and ``caution`` λ shrinks each pixel's colour by |μ|² / (|μ|² + λ·v),
  v the spread of its distribution. With classes the fit term is the cross-entropy (``l1_weight`` weighs it
  against the adversarial loss) and the output is a quarter of the size (``output_stride``), enlarged bilinearly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..ops.chroma_bins import NUM_BINS, annealed_mean, cross_entropy, gray_log_prior, histogram
from ..ops.color import denormalize_ab, denormalize_l, lab_to_rgb, normalize_ab, normalize_l, rgb_to_lab
from ..ops.precision import inference_autocast
from ..registry import Task, register
from .base import Batch, check_optimizer
from .image_to_image import ImageToImageGAN, check_photo_crops
from .info import Setting
from .nn import losses
from .nn.layers import PatchDiscriminator, UNetGenerator, dcgan_init
from .translation import (
    ADVERSARIAL_LOSS,
    L1_WEIGHT,
    TRANSLATION_IMAGE_SIZES,
    TRANSLATION_LOSSES,
    WIDTH,
    default_unet_depth,
)

HINT_FREE_SHARE = 0.5  # share of training crops given no hint
HINT_P = 1 / 8  # hints per hinted crop ~ Geometric(HINT_P) (Zhang et al. 2017), mean 8
MAX_HINTS = 32
MAX_HINT_PATCH = 5  # a simulated hint covers a square of 1 to this many pixels a side
OUTPUTS = ("classes", "regression")
GRAY_PRIOR = 15.0  # a*b* units: the spread of the initial colour distribution around gray (classes)


def simulate_hints(ab: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Training hints for the normalised target chroma ``ab`` (N, 2, H, W): (hint a*b* (N, 2, H, W), zero
    outside the hints; mask (N, 1, H, W), 1 on them). Each hint is a square patch painted with the patch's own mean
    a*b*. Randomness from torch's global RNG only (the Trainer checkpoints it, so a resumed run draws the same)."""
    n, _, height, width = ab.shape
    hint, mask = torch.zeros_like(ab), torch.zeros(n, 1, height, width, dtype=ab.dtype, device=ab.device)
    hinted = (torch.rand(n) >= HINT_FREE_SHARE).tolist()
    # Geometric(p) on 1, 2, ...: floor(log U / log(1 - p)) + 1
    counts = (torch.log1p(-torch.rand(n)) / math.log1p(-HINT_P)).floor().long().add(1).clamp(max=MAX_HINTS).tolist()
    sizes = torch.randint(1, MAX_HINT_PATCH + 1, (n, MAX_HINTS)).tolist()
    corners = torch.rand(n, MAX_HINTS, 2).tolist()
    for index in range(n):
        if not hinted[index]:
            continue
        for size, (fy, fx) in zip(sizes[index][:counts[index]], corners[index][:counts[index]]):
            size = min(size, height, width)
            top, left = int(fy * (height - size + 1)), int(fx * (width - size + 1))
            window = (index, slice(None), slice(top, top + size), slice(left, left + size))
            hint[window] = ab[window].mean(dim=(1, 2), keepdim=True)
            mask[window] = 1
    return hint, mask


@register("colorizer")
class Colorizer(ImageToImageGAN):
    """Colorizer: grayscale photo → colour, predicts a*b* from L* (CIE Lab) with a U-Net, PatchGAN on (L, ab)"""

    task = Task.COLORIZE
    # runs saved before colour hints / colour classes existed (gans.registry.create_saved)
    saved_defaults = {"hints": False, "output": "regression", "output_stride": 1}
    data_kind = "photos"
    # ---- what a form needs to know before building one (gans.models.info; read by gans.registry.model_info)
    default_dataset = "offline-photos"  # where installed; else the form falls back to photo-folder
    image_sizes = TRANSLATION_IMAGE_SIZES  # the training crop size
    loss_choices = TRANSLATION_LOSSES
    default_steps, default_batch_size = 1000, 16
    default_metric_every = 0  # FD is measured for noise → image models only
    advanced_settings = (
        L1_WEIGHT,
        Setting("pretrain_steps", "L1-only pre-training steps", "int", min_value=0, step=100,
                help="G learns from the L1 loss alone for this many steps before the discriminator joins in: "
                     "plausible colour first, then sharper colour"),
        ADVERSARIAL_LOSS,
        WIDTH,
        Setting("output", "Colour output", "choice", choices=OUTPUTS,
                help="classes: a distribution over colour bins, read out pale where the model is unsure "
                     "(calibrated); regression: a*b* directly under the L1 loss"),
    )

    def __init__(
        self,
        image_size: int = 64,
        width: int = 32,
        depth: int | None = None,
        dropout: float = 0.0,
        norm: str = "batch",
        d_layers: int = 3,
        l1_weight: float = 100.0,
        loss: str = "bce",
        pretrain_steps: int = 0,
        lr: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        optimizer: str = "adam",
        chroma_scale: float = 1.0,
        hints: bool = True,
        output: str = "classes",
        temperature: float = 1.0,
        output_stride: int = 4,
        caution: float = 0.0,
        prior_shift: float = 0.0,
        gray_sigma: float = 20.0,
    ):
        super().__init__()
        if image_size not in TRANSLATION_IMAGE_SIZES:
            raise ConfigError(f"image size {image_size} is not supported; choose one of "
                              f"{', '.join(map(str, TRANSLATION_IMAGE_SIZES))} (the training crop size)")
        check_optimizer(lr, optimizer, betas)
        if l1_weight < 0 or pretrain_steps < 0:
            raise ConfigError("l1_weight and pretrain_steps must be >= 0")
        if isinstance(chroma_scale, bool) or not isinstance(chroma_scale, (int, float)) or not 0 < chroma_scale <= 1:
            raise ConfigError(f"chroma_scale must be a number in (0, 1] (1 keeps the predicted colour as is), "
                              f"got {chroma_scale!r}")
        if output_stride not in (1, 2, 4):
            raise ConfigError(f"output_stride must be 1, 2 or 4, got {output_stride!r}")
        if output not in OUTPUTS:
            raise ConfigError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature <= 5:
            raise ConfigError(f"temperature must be a number in (0, 5] (1: the predicted distribution's mean, "
                              f"higher: paler, lower: more vivid), got {temperature!r}")
        if loss not in losses.LOSSES or loss == "wasserstein":
            raise ConfigError(f"the colorizer supports the losses bce, ls and hinge, got {loss!r}")
        depth = default_unet_depth(image_size) if depth is None else depth
        if 2**depth > image_size:
            raise ConfigError(f"a U-Net of depth {depth} needs crops of at least {2**depth} px; got {image_size}")
        self.hints = bool(hints)
        if isinstance(caution, bool) or not isinstance(caution, (int, float)) or not 0 <= caution <= 100:
            raise ConfigError(f"caution must be a number in [0, 100] (0: no shrinkage toward gray where the "
                              f"model is unsure), got {caution!r}")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (prior_shift, gray_sigma))
        if not numbers or not 0 <= prior_shift <= 1 or not 0 < gray_sigma <= 200:
            raise ConfigError(f"prior_shift must be a number in [0, 1] and gray_sigma one in (0, 200] (a*b* units), "
                              f"got {prior_shift!r}, {gray_sigma!r}")
        self.output, self.temperature, self.caution = output, float(temperature), float(caution)
        self.prior_shift, self.gray_sigma = float(prior_shift), float(gray_sigma)
        # (N, 1, H, W) L, with hints (N, 4, H, W) L + hint ab + hint mask → (N, 2, H, W) ab, or (N, Q, H, W) logits
        classes = output == "classes"
        self.generator = UNetGenerator(4 if self.hints else 1, NUM_BINS if classes else 2, width, depth, norm,
                                       dropout, tanh=not classes, output_stride=output_stride if classes else 1)
        self.discriminator = PatchDiscriminator(3, width, d_layers, norm)  # sees (L, ab)
        self.apply(dcgan_init)
        if classes:  # start gray: the logits' bias a Gaussian prior around a*b* = 0 (uniform bins average to a tint)
            head = self.generator.head[-1] if self.generator.head is not None else self.generator.decoder[-1][1]
            with torch.no_grad():
                head.bias.copy_(gray_log_prior(GRAY_PRIOR))
        self.generator_ema = None
        self.l1_weight, self.loss, self.pretrain_steps = l1_weight, loss, pretrain_steps
        self.chroma_scale = float(chroma_scale)
        # Mean chroma (a*, b*) of the training crops, a running mean over batches: the "mean colour" baseline.
        # float32 like every weight (gans.load loads models as float32, so a float64 buffer would not resume
        # exactly); a batch count stays exact in float32 up to 16 million steps.
        self.register_buffer("ab_mean", torch.zeros(2))
        self.register_buffer("ab_batches", torch.zeros(()))
        # How often each colour bin occurs in the training crops (classes): the prior that ``prior_shift`` swaps
        # for a gray-centred one at inference
        if classes:
            self.register_buffer("bin_prior", torch.full((NUM_BINS,), 1 / NUM_BINS))

    # ---- facts
    @property
    def input_multiple(self) -> int:
        return self.generator.multiple

    @property
    def mean_ab(self) -> torch.Tensor:
        """Mean a*, b* of the training crops seen (zeros before training)."""
        return self.ab_mean.detach().float().cpu()

    # ---- the network in Lab
    @staticmethod
    def split_lab(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """RGB in [-1, 1] → (L, ab) normalised to [-1, 1] for the networks."""
        lab = rgb_to_lab((rgb.float() + 1) / 2)
        return normalize_l(lab[:, :1]), normalize_ab(lab[:, 1:])

    def network_input(self, lightness: torch.Tensor, hint_ab: torch.Tensor | None = None,
                      hint_mask: torch.Tensor | None = None) -> torch.Tensor:
        """What the generator sees: normalised L (N, 1, H, W), and for a model with hints the hint a*b* map
        (N, 2, H, W, normalised, zero where there is no hint) and mask (N, 1, H, W): zeros when none are given."""
        if not self.hints:
            if hint_mask is not None and bool(hint_mask.any()):
                raise ConfigError("this colorizer was trained without colour hints; colour without them or use a "
                                  "colorizer trained with hints")
            return lightness
        n, _, height, width = lightness.shape
        if hint_ab is None or hint_mask is None:
            hint_ab = lightness.new_zeros(n, 2, height, width)
            hint_mask = lightness.new_zeros(n, 1, height, width)
        if hint_ab.shape != (n, 2, height, width) or hint_mask.shape != (n, 1, height, width):
            raise ConfigError(f"hint maps of shape {tuple(hint_ab.shape)} and {tuple(hint_mask.shape)} do not match "
                              f"L of shape {tuple(lightness.shape)}")
        return torch.cat([lightness, hint_ab * hint_mask, hint_mask], dim=1)

    @torch.no_grad()
    def predict_ab(self, lightness: torch.Tensor, hint_ab: torch.Tensor | None = None,
                   hint_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Normalised ab (N, 2, H, W) for normalised L (N, 1, H, W) whose sides are multiples of
        ``input_multiple``, optionally with hint maps (``network_input``); eval mode, on the CPU, multiplied by
        ``chroma_scale`` (the hints go in divided by it, so they come out as given)."""
        if lightness.dim() != 4 or lightness.size(1) != 1:
            raise ConfigError(f"expected L of shape (N, 1, H, W), got {tuple(lightness.shape)}")
        if lightness.shape[2] % self.input_multiple or lightness.shape[3] % self.input_multiple:
            raise ConfigError(f"height and width must be multiples of {self.input_multiple}")
        if hint_ab is not None and self.chroma_scale != 1:
            hint_ab = (hint_ab / self.chroma_scale).clamp(-1, 1)
        x = self.network_input(lightness.float(), hint_ab, hint_mask)
        was_training = self.generator.training  # a loaded model is in eval mode: then no mode is touched at all
        if was_training:  # (a cached model shared by threads must never change state mid-forward)
            self.generator.eval()
        try:
            with inference_autocast(self.device):  # bf16 where the device computes it faster (gans.ops.precision)
                ab = self.readout(self.generator(x.to(self.device)), x.shape[2:], calibrated=True).float().cpu()
            return ab if self.chroma_scale == 1 else ab * self.chroma_scale
        finally:
            if was_training:
                self.generator.train()

    def readout(self, output: torch.Tensor, size=None, calibrated: bool = False) -> torch.Tensor:
        """The generator's output → normalised a*b* at ``size`` (H, W): as is for regression; for classes the
        mean of the colour distribution, enlarged (bilinear) from the output stride. ``calibrated``: read out as
        a user gets it, with the model's ``temperature``, ``caution`` and ``prior_shift``; else the plain mean
        (training)."""
        if self.output != "classes":
            return output
        temperature, caution, shift = 1.0, 0.0, None
        if calibrated:
            temperature, caution = self.temperature, self.caution
            if self.prior_shift > 0:  # p(c | x) · (gray prior / training prior)^α: unsure pixels lean to gray
                shift = self.prior_shift * (gray_log_prior(self.gray_sigma)
                                            - self.bin_prior.float().clamp_min(1e-6).log())
        ab = annealed_mean(output, temperature, caution, shift)
        if size is not None and tuple(ab.shape[2:]) != tuple(size):
            ab = F.interpolate(ab, size=tuple(size), mode="bilinear", align_corners=False)
        return ab

    def channels(self, direction: str = "a2b") -> tuple[int, int]:
        """Gray in, RGB out."""
        self.check_direction(direction)
        return 1, 3

    def _translate(self, images: torch.Tensor, direction: str) -> torch.Tensor:
        """Gray images (N, 1, H, W) in [-1, 1] → RGB (N, 3, H, W) in [-1, 1] at the same size: their own L*,
        the predicted a*b*. ``gans.tasks.colorize`` colours photos of any size at full resolution."""
        lightness, _ = self.split_lab(images.float().cpu().expand(-1, 3, -1, -1))
        ab = self.predict_ab(lightness)
        return lab_to_rgb(torch.cat([denormalize_l(lightness), denormalize_ab(ab)], 1)) * 2 - 1

    # ---- training
    def train_step(self, batch: Batch, optimizers: dict, step: int) -> dict[str, float]:
        """L1-only generator steps during pre-training; then pix2pix's D step and G step (adversarial + λ·L1)."""
        opt_g, opt_d = optimizers["generator"], optimizers["discriminator"]
        with torch.no_grad():
            lightness, ab = self.split_lab(batch.images)
            self.ab_batches += 1
            self.ab_mean += (denormalize_ab(ab).float().mean(dim=(0, 2, 3)) - self.ab_mean) / self.ab_batches
            if self.output == "classes":
                self.bin_prior += (histogram(ab) - self.bin_prior) / self.ab_batches
        hint_ab, hint_mask = simulate_hints(ab) if self.hints else (None, None)
        output = self.generator(self.network_input(lightness, hint_ab, hint_mask))
        adversarial_phase = step >= self.pretrain_steps
        # the distribution's mean for classes: what D sees, and what L1 reports (no graph needed before D joins)
        with torch.set_grad_enabled(adversarial_phase or self.output != "classes"):
            fake = self.readout(output, ab.shape[2:])
        l1 = F.l1_loss(fake.float(), ab.float())
        stats: dict[str, float] = {}
        if self.output == "classes":  # cross-entropy against the soft-encoded true colour (Zhang et al. 2016)
            stride = self.generator.output_stride  # the target: each block's mean colour at the output's size
            fit = cross_entropy(output, F.avg_pool2d(ab.float(), stride) if stride > 1 else ab)
            stats["cross_entropy"] = fit.item()
        else:
            fit = l1
        if not adversarial_phase:
            loss_g = fit
            stats.update(loss_d=0.0, adversarial=0.0)
        else:
            real_scores = self.discriminator(torch.cat([lightness, ab], 1))
            fake_scores = self.discriminator(torch.cat([lightness, fake.detach()], 1))
            loss_d = 0.5 * losses.discriminator_loss(self.loss, real_scores.float(), fake_scores.float())
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            adversarial = losses.generator_loss(self.loss, self.discriminator(torch.cat([lightness, fake], 1)).float())
            loss_g = adversarial + self.l1_weight * fit
            stats.update(loss_d=loss_d.item(), adversarial=adversarial.item())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        stats.update(loss_g=loss_g.item(), l1=l1.item())
        return stats

    # ---- Trainer hooks
    def prepare_data(self, data):
        return data.prepare(self._settings["image_size"])

    def check_data(self, data) -> None:
        check_photo_crops(data, self._settings["image_size"], "the colorizer trains on colour photos")

    def settings_for_data(self, data) -> dict:
        return {}

    def _preview_rows(self, batch: Batch) -> list[torch.Tensor]:
        """The gray input, the colorization, the original photo."""
        lightness, _ = self.split_lab(batch.images)
        ab = self.predict_ab(lightness)
        colour = lab_to_rgb(torch.cat([denormalize_l(lightness), denormalize_ab(ab)], 1)) * 2 - 1
        gray = lab_to_rgb(torch.cat([denormalize_l(lightness), torch.zeros_like(ab)], 1)) * 2 - 1
        return [gray, colour, batch.images.float()]
