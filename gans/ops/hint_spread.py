"""Spread colour hints over the region they belong to, after the network.

The colorizer sees hints as input maps (Zhang et al. 2017) and learns to follow them, but from a few dozen
training photos it spreads a hint only a little way and sometimes not at all. This step makes sure every hint
counts where it belongs: at each hint the network's colour is compared with the asked colour, and that
difference (the *residual*) is added to every pixel in proportion to how alike the pixel and the hint are — near
in the picture, of similar lightness and of similar local lightness (a joint bilateral weight, as in edge-aware
colour propagation: Levin, Lischinski & Weiss 2004 propagate hints between pixels of similar intensity):

    ab(x) += max_k w_k(x) · sum_k w_k(x)^8 r_k / sum_k w_k(x)^8,
    w_k(x) = exp(-|x - x_k|² / 2σs² - (L(x) - L_k)² / 2σL² - (M(x) - M_k)² / 2σL²)

with M a blurred lightness (the region's brightness, so a hint on a dark tree does not reach the dark sky
next to a bright cloud). Far from every hint, or across a change of lightness, the weights vanish and the network's
colour stays; at a hint the weight is 1 and, the mixing being sharpened (the 8th power), its own difference
dominates, so the colour there is the asked one or very near it. ``gans.tasks.colorize`` spreads a reference photo's
hints first and the person's hints on top, so a person's hint is never outvoted by many reference points. σs is a
share of the picture's longer side, σL is in L* units; both chosen on the validation photos (README: colour hints).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .color import L_SCALE

SPATIAL_SHARE = 0.5  # σs as a share of the render size's longer side
LIGHTNESS_SIGMA = 16.0  # σL in L* units
MAX_POINTS = 512  # hinted pixels used as sources (every k-th one beyond that): bounds the work
SHARPNESS = 8  # the residuals are mixed with weights^SHARPNESS: at a hint, another hint 0.6 as alike counts 0.02
WORK_SIDE = 128  # the weights are computed on a grid at most this many pixels a side, then enlarged (smooth anyway)


def spread_hints(ab: torch.Tensor, lightness: torch.Tensor, hint_ab: torch.Tensor, hint_mask: torch.Tensor,
                 spatial_share: float | None = None, lightness_sigma: float | None = None) -> torch.Tensor:
    """The network's normalised a*b* ``ab`` (1, 2, h, w) corrected toward the hints (``hint_ab`` (1, 2, h, w)
    where ``hint_mask`` (1, 1, h, w) is 1), for normalised lightness ``lightness`` (1, 1, h, w). Returns a new
    tensor; without hints, ``ab`` itself. ``spatial_share`` and ``lightness_sigma`` default to the module's
    ``SPATIAL_SHARE`` and ``LIGHTNESS_SIGMA``."""
    spatial_share = SPATIAL_SHARE if spatial_share is None else spatial_share
    lightness_sigma = LIGHTNESS_SIGMA if lightness_sigma is None else lightness_sigma
    points = hint_mask[0, 0].nonzero()  # (P, 2) rows, columns
    if len(points) == 0:
        return ab
    _, _, full_height, full_width = ab.shape
    factor = max(1, math.ceil(max(full_height, full_width) / WORK_SIDE))
    if factor > 1:  # work on a coarser grid: the points, the lightness and the network's colour shrunk alike
        points = torch.unique(points // factor, dim=0)
    if len(points) > MAX_POINTS:  # evenly thinned (row-major order: every hint keeps some of its pixels)
        points = points[torch.linspace(0, len(points) - 1, MAX_POINTS).long()]
    if factor > 1:
        lightness = F.avg_pool2d(lightness.float(), factor, ceil_mode=True)
        net_ab = F.avg_pool2d(ab.float(), factor, ceil_mode=True)
        hint_ab = F.avg_pool2d(hint_ab * hint_mask, factor, ceil_mode=True) / F.avg_pool2d(
            hint_mask, factor, ceil_mode=True).clamp_min(1e-6)
    else:
        net_ab = ab.float()
    _, _, height, width = net_ab.shape
    star = lightness[0, 0].float() * L_SCALE  # L* up to a constant
    kernel = max(3, (max(height, width) // 32) | 1)  # odd: the region's brightness, a few percent of the picture
    blurred = F.avg_pool2d(star[None, None], kernel, 1, kernel // 2, count_include_pad=False)[0, 0]
    rows, columns = points[:, 0], points[:, 1]
    residual = hint_ab[0][:, rows, columns] - net_ab[0][:, rows, columns]  # (2, P)

    sigma_s = spatial_share * max(height, width)
    y = torch.arange(height, dtype=torch.float32).view(1, -1, 1)
    x = torch.arange(width, dtype=torch.float32).view(1, 1, -1)
    exponent = ((y - rows.view(-1, 1, 1)).square() + (x - columns.view(-1, 1, 1)).square()) / (2 * sigma_s**2)
    exponent = exponent + (star[None] - star[rows, columns].view(-1, 1, 1)).square() / (2 * lightness_sigma**2)
    exponent = exponent + (blurred[None] - blurred[rows, columns].view(-1, 1, 1)).square() / (2 * lightness_sigma**2)
    weights = torch.exp(-exponent)  # (P, h, w)
    # the residuals' weighted mean, as strong as the most alike single hint pixel: a hint of many pixels (a
    # square) weighs no more than one of a single pixel
    sharp = weights.pow(SHARPNESS)  # near a hint its own residual dominates the mean
    mean = torch.einsum("cp,phw->chw", residual, sharp) / sharp.sum(0).clamp_min(1e-30)
    correction = (mean * weights.amax(0))[None]
    if factor > 1:
        correction = F.interpolate(correction, scale_factor=factor, mode="bilinear", align_corners=False)
        correction = correction[..., :full_height, :full_width]
    return ab + correction.to(ab.dtype)
