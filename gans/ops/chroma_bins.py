"""Colour as a distribution over quantised a*b* (Zhang, Isola & Efros 2016, "Colorful Image Colorization").

A regression colorizer that cannot tell a blue sky from a sunset commits to one hue, or to a muddy average that
the L1 loss pulls toward whichever is commoner in its few training photos. A classifier over colour bins says
how unsure it is instead: its distribution over the bins is spread out where the photo leaves the colour open.
Reading that distribution out with the *annealed mean* (the mean of the distribution sharpened by a temperature
T: ``softmax(logits / T)``) gives, at T = 1, the conditional mean — pale wherever the model is unsure, which is
what never makes a photo worse on average — and, as T falls toward 0, the mode — vivid but sometimes wrong. T is
a setting of the trained model, chosen on validation photos.

- ``BIN_CENTERS``: the centres of a ``GRID``-unit grid over a*b* that some sRGB colour reaches (the paper's 313
  bins with a grid of 10; here the same rule gives ``len(BIN_CENTERS)`` bins), normalised like the network's
  chroma (``gans.ops.color.normalize_ab``).
- ``cross_entropy``: the loss against each pixel's true a*b* as a soft one-hot vector (a Gaussian of ``SIGMA``
  a*b* units over its ``NEIGHBOURS`` nearest bin centres), the paper's soft encoding.
- ``annealed_mean``: logits → a*b*.
"""

from __future__ import annotations

import functools

import torch

from .color import AB_SCALE, lab_to_rgb

GRID = 10.0  # a*b* units between bin centres (the paper's grid)
SIGMA = 5.0  # a*b* units: the Gaussian of the soft encoding (the paper's σ)


def _in_gamut_centres() -> torch.Tensor:
    """Centres (a*, b*) of the grid cells that hold at least one sRGB colour at some lightness, (Q, 2)."""
    steps = torch.arange(-AB_SCALE + GRID / 2, AB_SCALE, GRID, dtype=torch.float64)  # -105, -95, ..., 105
    a, b = torch.meshgrid(steps, steps, indexing="ij")
    centres = torch.stack([a.flatten(), b.flatten()], 1)  # (22², 2)
    # Sample each cell at 3×3 points and every L* in 2..98: a cell is kept if any sample is displayable.
    offsets = torch.tensor([-GRID / 3, 0.0, GRID / 3], dtype=torch.float64)
    da, db = torch.meshgrid(offsets, offsets, indexing="ij")
    samples = centres[:, None, :] + torch.stack([da.flatten(), db.flatten()], 1)[None]  # (Q, 9, 2)
    lightness = torch.arange(2.0, 99.0, 2.0, dtype=torch.float64)
    cells, points = samples.shape[:2]
    lab = torch.cat([lightness.view(1, 1, -1, 1).expand(cells, points, -1, 1),
                     samples[:, :, None, :].expand(-1, -1, len(lightness), -1)], dim=-1)  # (Q, 9, L, 3)
    rgb = lab_to_rgb(lab.reshape(-1, 3).T.reshape(3, -1, 1), clamp=False).reshape(3, cells, -1)
    shown = ((rgb >= -1e-6) & (rgb <= 1 + 1e-6)).all(dim=0).any(dim=1)
    return (centres[shown] / AB_SCALE).float()


BIN_CENTERS = _in_gamut_centres()  # (Q, 2), normalised a*b* in [-1, 1]
NUM_BINS = len(BIN_CENTERS)


NEIGHBOURS = 5  # bins each pixel's soft target spreads over (the paper's 5 nearest)


@functools.cache
def _soft_table() -> tuple[torch.Tensor, torch.Tensor]:
    """For every a*b* on a 1-unit grid over [-AB_SCALE, AB_SCALE]²: the ``NEIGHBOURS`` nearest bins (indices) and
    their Gaussian weights (summing to 1). A table lookup per pixel is far cheaper than distances to every bin."""
    steps = torch.arange(-AB_SCALE, AB_SCALE + 1, 1.0) / AB_SCALE
    a, b = torch.meshgrid(steps, steps, indexing="ij")
    points = torch.stack([a.flatten(), b.flatten()], 1)  # (C, 2)
    distance = torch.cdist(points, BIN_CENTERS).square()  # (C, Q)
    nearest, index = distance.topk(NEIGHBOURS, dim=1, largest=False)
    weights = torch.softmax(-nearest / (2 * (SIGMA / AB_SCALE) ** 2), dim=1)
    return index, weights


_TABLE_SIDE = int(2 * AB_SCALE) + 1


def bins_last(output: torch.Tensor) -> torch.Tensor:
    """(N, Q, H, W) → (N·H·W, Q), contiguous: softmax over the last dimension is several times faster."""
    return output.permute(0, 2, 3, 1).reshape(-1, output.shape[1])


def cross_entropy(logits: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of logits over the bins (N, Q, H, W) against the soft-encoded true colour of normalised
    a*b* (N, 2, H, W): each pixel's target is a Gaussian of ``SIGMA`` a*b* units over its ``NEIGHBOURS`` nearest
    bins (the paper's soft encoding), so ``-sum_k w_k log p_k = logsumexp(logits) - sum_k w_k logits_k``."""
    rows = bins_last(logits.float())  # (P, Q)
    index, weights = _soft_cells(ab)  # (P, K)
    return (torch.logsumexp(rows, dim=1) - (rows.gather(1, index) * weights).sum(1)).mean()


def _soft_cells(ab: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised a*b* (N, 2, H, W) → each pixel's nearest bins and their soft weights, (P, K) each."""
    cells = ((ab.detach().float() + 1) * AB_SCALE).round().clamp(0, _TABLE_SIDE - 1).long()
    cell = (cells[:, 0] * _TABLE_SIDE + cells[:, 1]).flatten()
    index, weights = _soft_table()  # built on first use: importing gans costs nothing for training-only tables
    return index.to(ab.device)[cell], weights.to(ab.device)[cell]


def histogram(ab: torch.Tensor) -> torch.Tensor:
    """The soft-encoded colours of normalised a*b* (N, 2, H, W) summed over every pixel and divided by their
    number: how often each bin occurs, (Q,) summing to 1."""
    index, weights = _soft_cells(ab)
    return torch.zeros(NUM_BINS, device=ab.device).index_add_(0, index.flatten(), weights.flatten()) / len(index)


def gray_log_prior(sigma: float) -> torch.Tensor:
    """log of a Gaussian prior of ``sigma`` a*b* units around gray over the bins (Q,), unnormalised."""
    return -BIN_CENTERS.square().sum(1) / (2 * (sigma / AB_SCALE) ** 2)


def annealed_mean(logits: torch.Tensor, temperature: float = 1.0, caution: float = 0.0,
                  log_shift: torch.Tensor | None = None) -> torch.Tensor:
    """Logits over the bins (N, Q, H, W) → normalised a*b* (N, 2, H, W): the mean μ of ``softmax(logits / T)``
    over the bin centres. T = 1 is the distribution's mean, T → 0 its mode.

    ``caution`` λ > 0 keeps colour low where the distribution is spread: μ is multiplied by
    ``|μ|² / (|μ|² + λ·v)``, v the distribution's variance ``E|c − μ|²`` (a Wiener-style shrinkage toward gray).
    A sky that could be blue or orange has a large v and comes out nearly gray; grass the model is sure of keeps
    its green."""
    n, _, height, width = logits.shape
    centres = BIN_CENTERS.to(logits.device)
    rows = bins_last(logits.float()) / temperature  # (P, Q)
    if log_shift is not None:  # a change of prior: p(c | x) · prior'(c) / prior(c)
        rows = rows + log_shift.to(rows.device)
    weights = torch.softmax(rows, dim=1)
    ab = weights @ centres  # (P, 2)
    if caution > 0:
        power = ab.square().sum(1, keepdim=True)
        variance = (weights @ centres.square().sum(1, keepdim=True)) - power  # E|c|² − |μ|²
        ab = ab * power / (power + caution * variance.clamp_min(0) + 1e-12)
    return ab.view(n, height, width, 2).permute(0, 3, 1, 2)
