"""Per-image quality metrics on tensors in [0, 1]: PSNR, SSIM, colourfulness and high-frequency energy.

Conventions shared by every function here:

- Images are channels-first, ``(N, C, H, W)`` or ``(C, H, W)``. A batch gives one value per image, shape
  ``(N,)``; a single image gives a 0-dimensional tensor. Average over the batch yourself (``.mean()``), which
  keeps the choice of how to treat an infinite PSNR with the caller.
- Computation is in float32, or float64 when an input is float64; the result has that dtype and the inputs'
  device. Inputs are never changed; everything is differentiable (so SSIM can also serve as a loss).
- The metrics compare pixel values as given: convert a model's [-1, 1] output with ``(x + 1) / 2`` first.

References: Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from error visibility
to structural similarity", IEEE TIP 13(4), 2004. D. Hasler, S. Süsstrunk, "Measuring colourfulness in natural
images", Proc. SPIE 5007, Human Vision and Electronic Imaging VIII, 2003.
"""

from __future__ import annotations

import math

import torch

from ..errors import ConfigError

# Wang et al. 2004, section III-C: an 11x11 circular-symmetric Gaussian weighting window with σ = 1.5 and
# the stabilising constants C1 = (K1·L)², C2 = (K2·L)² for dynamic range L.
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03

# Hasler & Süsstrunk 2003, metric M^(3): weight of the mean opponent-colour distance.
_COLORFULNESS_MEAN_WEIGHT = 0.3


def _working_dtype(*tensors: torch.Tensor) -> torch.dtype:
    # float64 stays float64 (reference computations, tests); everything else, half precision and integer
    # images included, is computed in float32 so that sums of squares do not overflow or lose digits.
    return torch.float64 if any(t.dtype == torch.float64 for t in tensors) else torch.float32


def _as_batch(image: torch.Tensor, name: str, channels: int | None = None) -> torch.Tensor:
    """Validate a channels-first image or batch and return it as (N, C, H, W)."""
    if not isinstance(image, torch.Tensor):
        raise ConfigError(f"{name} must be a torch tensor, got {type(image).__name__}")
    expected = f"(N, {channels}, H, W) or ({channels}, H, W)" if channels else "(N, C, H, W) or (C, H, W)"
    if image.dim() not in (3, 4) or (channels is not None and image.shape[-3] != channels):
        raise ConfigError(f"{name} must have shape {expected}, got {tuple(image.shape)}")
    if image.numel() == 0:
        raise ConfigError(f"{name} is empty (shape {tuple(image.shape)})")
    return image if image.dim() == 4 else image.unsqueeze(0)


def _as_pair(prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Validate two images or batches of the same shape; return them as (N, C, H, W) in the working dtype, and
    whether they came batched."""
    batched_prediction = _as_batch(prediction, "prediction")
    batched_target = _as_batch(target, "target")
    if prediction.shape != target.shape:
        raise ConfigError(
            f"prediction and target must have the same shape, got {tuple(prediction.shape)} and {tuple(target.shape)}"
        )
    dtype = _working_dtype(prediction, target)
    # Integer images (uint8 with data_range=255) are cast before any subtraction, which would wrap around.
    return batched_prediction.to(dtype), batched_target.to(dtype), prediction.dim() == 4


def _check_data_range(data_range: float) -> float:
    if isinstance(data_range, bool) or not isinstance(data_range, (int, float)) or not data_range > 0:
        raise ConfigError(f"data_range must be a positive number (1.0 for images in [0, 1]), got {data_range!r}")
    if not math.isfinite(data_range):
        raise ConfigError(f"data_range must be finite, got {data_range!r}")
    return float(data_range)


def _per_image(values: torch.Tensor, batched: bool) -> torch.Tensor:
    return values if batched else values.squeeze(0)


def psnr(prediction: torch.Tensor, target: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image: ``10 · log10(data_range² / MSE)``.

    The MSE is the mean over all channels and pixels of one image. Identical images have MSE 0 and PSNR
    ``inf`` (returned as is, not capped: a cap such as 100 dB would be an arbitrary number pretending to be a
    measurement); filter with ``torch.isfinite`` before averaging a batch that may contain exact copies.
    """
    data_range = _check_data_range(data_range)
    prediction, target, batched = _as_pair(prediction, target)
    mse = (prediction - target).square().flatten(1).mean(dim=1)
    # data_range² / 0 = inf and log10(inf) = inf, so identical images need no special case.
    return _per_image(10 * torch.log10(data_range**2 / mse), batched)


def _gaussian_window(size: int, sigma: float, like: torch.Tensor) -> torch.Tensor:
    """A 1-D Gaussian of ``size`` taps centred on the middle, normalised to sum to 1."""
    offsets = torch.arange(size, dtype=like.dtype, device=like.device) - (size - 1) / 2
    weights = torch.exp(-(offsets**2) / (2 * sigma**2))
    return weights / weights.sum()


def ssim(prediction: torch.Tensor, target: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004) per image, in [-1, 1] with 1 for identical images.

    As in the paper: local means, variances and covariance under an 11x11 Gaussian window with σ = 1.5
    (normalised to sum 1), C1 = (0.01·data_range)², C2 = (0.03·data_range)²,

        SSIM(x, y) = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),

    evaluated at every position where the window fits inside the image (no padding, so borders are not
    invented) and averaged over those positions. Each channel is treated as its own gray image, and the result
    is the mean over channels: for RGB, the mean of the R, G and B SSIMs (not SSIM of a luminance channel).

    Images smaller than 11 pixels in a side use a window as large as the image in that side (a truncated,
    renormalised Gaussian with the same σ), so a 28x28 image keeps the paper's window while an 8x8 image is
    scored with one 8x8 window; such scores are defined but are not comparable with 11x11 ones.
    """
    data_range = _check_data_range(data_range)
    x, y, batched = _as_pair(prediction, target)
    n, channels, height, width = x.shape

    # The 2-D Gaussian is separable: filter rows then columns with a 1-D kernel, which is cheaper than 11x11.
    rows = _gaussian_window(min(SSIM_WINDOW, height), SSIM_SIGMA, x).view(1, 1, -1, 1)
    cols = _gaussian_window(min(SSIM_WINDOW, width), SSIM_SIGMA, x).view(1, 1, 1, -1)

    # Each channel of each image as a separate 1-channel image, and all five moments filtered in one pass.
    x = x.reshape(n * channels, 1, height, width)
    y = y.reshape(n * channels, 1, height, width)
    moments = _valid_filter(_valid_filter(torch.cat([x, y, x * x, y * y, x * y]), rows.flatten(), 2), cols.flatten(), 3)
    mu_x, mu_y, xx, yy, xy = moments.chunk(5)
    variance_x = xx - mu_x**2
    variance_y = yy - mu_y**2
    covariance = xy - mu_x * mu_y

    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    similarity = ((2 * mu_x * mu_y + c1) * (2 * covariance + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (variance_x + variance_y + c2)
    )
    # Mean over positions per channel, then over channels: the same as one mean, since every channel has
    # the same number of positions.
    return _per_image(similarity.reshape(n, -1).mean(dim=1), batched)


def _valid_filter(images: torch.Tensor, kernel: torch.Tensor, dim: int) -> torch.Tensor:
    """1-D correlation of ``images`` with ``kernel`` along ``dim``, valid positions only: a weighted sum of
    shifted views. For 1-channel images this is several times faster on a CPU than ``F.conv2d``, whose kernels
    are built for many channels."""
    length = images.shape[dim] - kernel.numel() + 1
    out = kernel[0] * images.narrow(dim, 0, length)
    for offset in range(1, kernel.numel()):
        out.add_(images.narrow(dim, offset, length), alpha=float(kernel[offset]))
    return out


def colorfulness(rgb: torch.Tensor) -> torch.Tensor:
    """Colourfulness M^(3) of Hasler & Süsstrunk 2003 per image, for sRGB in [0, 1], ``(N, 3, H, W)`` or
    ``(3, H, W)``.

    The paper's constants are for 8-bit values, so the input is multiplied by 255 first; then with the
    opponent components rg = R − G and yb = ½(R + G) − B over all pixels of an image,

        M = sqrt(σ_rg² + σ_yb²) + 0.3 · sqrt(μ_rg² + μ_yb²),

    with population standard deviations (divide by the pixel count). 0 for any gray image; the paper's
    scale puts "not colourful" near 0, "moderately colourful" near 33 and "extremely colourful" above 109.
    A metric, not a loss: its gradient is undefined for a gray image (the square roots at 0).
    """
    images = _as_batch(rgb, "rgb", channels=3)
    if not images.is_floating_point():
        # The ×255 below would turn a uint8 image in 0-255 into values 255 times too large.
        raise ConfigError(f"rgb must be a floating-point tensor in [0, 1], got {rgb.dtype}; divide by 255 first")
    red, green, blue = (images.to(_working_dtype(images)) * 255).unbind(dim=1)
    rg = (red - green).flatten(1)
    yb = (0.5 * (red + green) - blue).flatten(1)
    spread = torch.sqrt(rg.var(dim=1, correction=0) + yb.var(dim=1, correction=0))
    offset = torch.sqrt(rg.mean(dim=1) ** 2 + yb.mean(dim=1) ** 2)
    return _per_image(spread + _COLORFULNESS_MEAN_WEIGHT * offset, rgb.dim() == 4)


# Hasler & Süsstrunk 2003, table 2: the colourfulness M^(3) their observers gave each word to, and the midpoints
# between neighbours as the bounds of each word here.
COLORFULNESS_WORDS = ((7.5, "not colourful"), (24.0, "slightly colourful"), (39.0, "moderately colourful"),
                      (52.0, "averagely colourful"), (70.5, "quite colourful"), (95.5, "highly colourful"),
                      (math.inf, "extremely colourful"))


def colorfulness_words(value: float) -> str:
    """The word Hasler & Süsstrunk's observers used for a colourfulness ``value`` ("slightly colourful" for 20)."""
    return next(words for bound, words in COLORFULNESS_WORDS if value < bound)


def hue_concentration(rgb: torch.Tensor) -> torch.Tensor:
    """How much of an image's colour points one way, per image in [0, 1], for sRGB in [0, 1] (shapes as
    ``colorfulness``): the length of the summed opponent-colour vectors (rg, yb) over the sum of their lengths.

    1 for a tint (every pixel's colour the same hue: sepia, a cast), near 0 when hues vary (a colour photo of
    varied things) or cancel out; 0 for a gray image. Colourfulness cannot tell these apart: a flat brown scores
    like a moderately colourful photo.
    """
    images = _as_batch(rgb, "rgb", channels=3)
    if not images.is_floating_point():
        raise ConfigError(f"rgb must be a floating-point tensor in [0, 1], got {rgb.dtype}; divide by 255 first")
    red, green, blue = images.to(_working_dtype(images)).unbind(dim=1)
    rg = (red - green).flatten(1)
    yb = (0.5 * (red + green) - blue).flatten(1)
    total = torch.sqrt(rg.square() + yb.square()).sum(dim=1)
    resultant = torch.sqrt(rg.sum(dim=1) ** 2 + yb.sum(dim=1) ** 2)
    return _per_image(torch.where(total > 0, resultant / total.clamp_min(1e-12), torch.zeros_like(total)),
                      rgb.dim() == 4)


#: ITU-R BT.601 luma weights: high-frequency energy is measured on brightness, where the eye sees detail
LUMA = (0.299, 0.587, 0.114)


def high_frequency_energy(images: torch.Tensor) -> torch.Tensor:
    """Mean squared response of the 3×3 Laplacian (0 1 0 / 1 -4 1 / 0 1 0) to each image's luma (RGB) or gray
    channel, at every position where it fits (no padding): how much fine detail and edge contrast an image has.
    A blurry upscale has less of it than the original photo; one with invented texture may have more. Compare
    images of the same size only, as a ratio (an upscale's energy over the original's)."""
    x = _as_batch(images, "images")
    if not x.is_floating_point():
        raise ConfigError(f"images must be a floating-point tensor in [0, 1], got {images.dtype}; divide by 255 first")
    x = x.to(_working_dtype(images))
    if x.shape[1] == 3:
        x = (x * torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)).sum(1, keepdim=True)
    elif x.shape[1] != 1:
        raise ConfigError(f"expected 1 (gray) or 3 (RGB) channels, got {x.shape[1]}")
    if min(x.shape[-2:]) < 3:
        raise ConfigError(f"an image needs at least 3×3 pixels for the Laplacian, got {x.shape[-1]}×{x.shape[-2]}")
    laplacian = (x[..., 1:-1, :-2] + x[..., 1:-1, 2:] + x[..., :-2, 1:-1] + x[..., 2:, 1:-1]
                 - 4 * x[..., 1:-1, 1:-1])
    return _per_image(laplacian.square().flatten(1).mean(dim=1), images.dim() == 4)
