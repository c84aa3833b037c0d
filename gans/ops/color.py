"""sRGB ↔ CIE L*a*b* (D65 white, 2° observer) on torch tensors, and the ranges a colorization network sees.

Conventions:

- Images are channels-first, ``(N, 3, H, W)`` or ``(3, H, W)``; the output has the input's shape.
- sRGB values are in [0, 1]. L* is in [0, 100]; a* and b* are unbounded in theory, and within about
  [-87, 99] (a*) and [-108, 95] (b*) for colours that sRGB can display.
- Computation is in float32, or in float64 when the input is float64; the device is kept; inputs are never
  changed in place. Everything is differentiable, so losses can be taken after :func:`lab_to_rgb`.

References: IEC 61966-2-1:1999 (sRGB transfer curve and primaries); CIE 15:2004 (L*a*b*, D65 white);
B. Lindbloom, "RGB/XYZ Matrices" (the 7-digit sRGB/D65 matrix, whose rows sum to the D65 white, so that
R = G = B gives a* = b* = 0).
"""

from __future__ import annotations

import torch

from ..errors import ConfigError

# Linear sRGB → XYZ (D65). The 4-digit matrix printed in IEC 61966-2-1 does not reproduce the white point to
# 1e-4; this one does (each row sums to Xn, Yn, Zn below).
_RGB_TO_XYZ = torch.tensor(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    dtype=torch.float64,
)
# Inverted once in float64 rather than taken from a table, so lab_to_rgb(rgb_to_lab(x)) == x to rounding.
_XYZ_TO_RGB = torch.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)

# CIE 15:2004: f(t) is a cube root above (6/29)³ and a straight line below, which meet with equal slope.
_DELTA = 6 / 29
_SRGB_THRESHOLD = 0.04045  # encoded value where the sRGB curve switches from linear to the 2.4 power
_LINEAR_THRESHOLD = 0.0031308  # the same point in linear light (0.04045 / 12.92)

L_SCALE = 50.0
"""Half the L* range: the network sees ``L / L_SCALE - 1``, i.e. L* in [0, 100] → [-1, 1]."""

AB_SCALE = 110.0
"""The network sees ``ab / AB_SCALE`` clamped to [-1, 1]. 110 rather than the nominal 128 because every
sRGB colour has a* in [-86.2, 98.3] and b* in [-107.9, 94.5]: the tanh output range is spent on colours that
exist, and the clamp only touches colours that sRGB cannot show anyway."""


def _check_image(image: torch.Tensor, channels: int, name: str) -> torch.Tensor:
    """Validate a channels-first image or batch and return it as a float tensor (float64 kept, else float32)."""
    if not isinstance(image, torch.Tensor):
        raise ConfigError(f"{name} must be a torch tensor, got {type(image).__name__}")
    if image.dim() not in (3, 4) or image.shape[-3] != channels:
        raise ConfigError(
            f"{name} must have shape (N, {channels}, H, W) or ({channels}, H, W), got {tuple(image.shape)}"
        )
    if not image.is_floating_point():
        # A uint8 image in 0-255 would silently be read as values far outside [0, 1].
        raise ConfigError(f"{name} must be a floating-point tensor in [0, 1], got {image.dtype}; divide by 255 first")
    return image if image.dtype == torch.float64 else image.float()


def _constant(table: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    # Cast on the CPU before moving: some devices (Apple MPS) have no float64.
    return table.to(like.dtype).to(like.device)


def _apply_matrix(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    """Multiply every pixel's 3-vector (channel dimension -3) by ``matrix``."""
    return torch.einsum("ij,...jhw->...ihw", _constant(matrix, image), image)


def _srgb_to_linear(encoded: torch.Tensor) -> torch.Tensor:
    # The power branch's base is clamped so that the branch torch.where discards is never a negative number to
    # a fractional power (NaN), which would poison the gradient even though the value is not used.
    power = ((encoded.clamp_min(_SRGB_THRESHOLD) + 0.055) / 1.055) ** 2.4
    return torch.where(encoded <= _SRGB_THRESHOLD, encoded / 12.92, power)


def _linear_to_srgb(linear: torch.Tensor) -> torch.Tensor:
    power = 1.055 * linear.clamp_min(_LINEAR_THRESHOLD) ** (1 / 2.4) - 0.055
    return torch.where(linear <= _LINEAR_THRESHOLD, linear * 12.92, power)


def _f(t: torch.Tensor) -> torch.Tensor:
    cube_root = t.clamp_min(_DELTA**3) ** (1 / 3)  # clamped: d/dt t^(1/3) is infinite at 0
    return torch.where(t > _DELTA**3, cube_root, t / (3 * _DELTA**2) + 4 / 29)


def _f_inverse(f: torch.Tensor) -> torch.Tensor:
    return torch.where(f > _DELTA, f**3, 3 * _DELTA**2 * (f - 4 / 29))


def _lab_from_normalized_xyz(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    fx, fy, fz = _f(x), _f(y), _f(z)
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim=-3)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], ``(N, 3, H, W)`` or ``(3, H, W)`` → CIE L*a*b* (D65) of the same shape.

    Steps: undo the sRGB transfer curve (IEC 61966-2-1), linear RGB → XYZ, divide by the D65 white,
    L* = 116 f(Y) − 16, a* = 500 (f(X) − f(Y)), b* = 200 (f(Y) − f(Z)) (CIE 15:2004). Values slightly
    outside [0, 1] (an unclamped generator output) go through the same formulas rather than being clipped.
    """
    rgb = _check_image(rgb, 3, "rgb")
    xyz = _apply_matrix(_RGB_TO_XYZ, _srgb_to_linear(rgb))
    xyz = xyz / _constant(_WHITE_D65, xyz).view(3, 1, 1)
    x, y, z = xyz.unbind(dim=-3)
    return _lab_from_normalized_xyz(x, y, z)


def lab_to_rgb(lab: torch.Tensor, clamp: bool = True) -> torch.Tensor:
    """CIE L*a*b* (D65), ``(N, 3, H, W)`` or ``(3, H, W)`` → sRGB of the same shape; the exact inverse of
    :func:`rgb_to_lab`.

    Many L*a*b* triples (for example a predicted a*b* that is too saturated for its L*) have no sRGB colour.
    With ``clamp=True`` (the default) each channel is clipped to [0, 1] — simple per-channel clipping, not a
    perceptual gamut mapping, so such colours also shift in hue a little. ``clamp=False`` returns the raw values,
    which can lie outside [0, 1], e.g. to measure how far out of gamut a prediction is.
    """
    lab = _check_image(lab, 3, "lab")
    lightness, a, b = lab.unbind(dim=-3)
    fy = (lightness + 16) / 116
    fx = fy + a / 500
    fz = fy - b / 200
    xyz = torch.stack([_f_inverse(fx), _f_inverse(fy), _f_inverse(fz)], dim=-3)
    xyz = xyz * _constant(_WHITE_D65, xyz).view(3, 1, 1)
    rgb = _linear_to_srgb(_apply_matrix(_XYZ_TO_RGB, xyz))
    return rgb.clamp(0, 1) if clamp else rgb


def gray_to_l(gray: torch.Tensor) -> torch.Tensor:
    """1-channel sRGB gray in [0, 1], ``(N, 1, H, W)`` or ``(1, H, W)`` → L* in [0, 100], same shape.

    The L* of the colour R = G = B = gray, i.e. ``rgb_to_lab(gray.expand(3))[:, :1]``, computed without the
    three-channel detour (its a* and b* are 0). Use it to feed grayscale photographs to a colorization network.
    """
    gray = _check_image(gray, 1, "gray")
    # For R = G = B the linear value is shared, so Y is it times the sum of the matrix's Y row (≈ 1).
    y = _srgb_to_linear(gray) * float(_RGB_TO_XYZ[1].sum()) / float(_WHITE_D65[1])
    return 116 * _f(y) - 16


def rgb_to_l(rgb: torch.Tensor) -> torch.Tensor:
    """Only the L* of ``rgb_to_lab`` (``(N, 1, H, W)`` or ``(1, H, W)``): L* depends on Y alone, so the X and Z
    rows and two cube roots are skipped (a third of the work on a 12-megapixel photo)."""
    rgb = _check_image(rgb, 3, "rgb")
    weights = _constant(_RGB_TO_XYZ[1] / _WHITE_D65[1], rgb).view(3, 1, 1)
    y = (_srgb_to_linear(rgb) * weights).sum(dim=-3, keepdim=True)
    return 116 * _f(y) - 16


def l_to_gray(lightness: torch.Tensor) -> torch.Tensor:
    """The sRGB gray (R = G = B) of lightness L*, 1 channel in [0, 1]: the inverse of ``gray_to_l``."""
    y = _f_inverse((lightness + 16) / 116) * float(_WHITE_D65[1]) / float(_RGB_TO_XYZ[1].sum())
    return _linear_to_srgb(y.clamp(0, 1)).clamp(0, 1)


def normalize_l(lightness: torch.Tensor) -> torch.Tensor:
    """L* in [0, 100] → [-1, 1] (``L / L_SCALE - 1``). Not clamped: L* of an sRGB colour is always in range."""
    return lightness / L_SCALE - 1


def denormalize_l(normalized: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`normalize_l`: [-1, 1] → L* in [0, 100]."""
    return (normalized + 1) * L_SCALE


def normalize_ab(ab: torch.Tensor) -> torch.Tensor:
    """a*, b* → [-1, 1] (``ab / AB_SCALE``, clamped). Works on any shape, e.g. the ``(N, 2, H, W)`` target."""
    return (ab / AB_SCALE).clamp(-1, 1)


def denormalize_ab(normalized: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`normalize_ab` for values in [-1, 1] (e.g. a tanh output): ``normalized * AB_SCALE``."""
    return normalized * AB_SCALE
