"""Distances between two sets of feature vectors (real vs generated), each (N, D).

- ``frechet_distance``: Fréchet distance between Gaussians fitted to the two sets (Heusel et al. 2017, "GANs
  trained by a two time-scale update rule converge to a local Nash equilibrium" — FID when the features are
  Inception's). Lower is better; 0 for identical statistics.
- ``kernel_distance``: KID, the unbiased MMD² with the cubic polynomial kernel k(x, y) = (x·y / D + 1)³,
  averaged over random subsets (Bińkowski et al. 2018, "Demystifying MMD GANs"). Unbiased: ≈ 0 for two
  samples of the same distribution, can be slightly negative.
- ``precision_recall``: improved precision and recall (Kynkäänniemi et al. 2019): a sample is "inside" the
  other set's manifold when it falls within the k-th nearest-neighbour radius of one of its points. Precision =
  share of generated samples inside the real manifold (quality), recall = share of real samples inside the
  generated manifold (coverage).
"""

from __future__ import annotations

import torch


def _matrix_sqrt_trace(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """tr((A B)^{1/2}) for symmetric PSD A and B, via the symmetric form (A^{1/2} B A^{1/2})^{1/2}."""
    values, vectors = torch.linalg.eigh(a)
    root_a = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T
    middle = root_a @ b @ root_a
    return torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """‖μ_r − μ_f‖² + tr(Σ_r + Σ_f − 2 (Σ_r Σ_f)^{1/2}) of Gaussians fitted to the two sets (float64)."""
    real, fake = real.double(), fake.double()
    if real.shape[0] < 2 or fake.shape[0] < 2:
        raise ValueError("the Fréchet distance needs at least 2 samples in each set")
    mean_real, mean_fake = real.mean(0), fake.mean(0)
    cov_real, cov_fake = torch.cov(real.T).reshape(real.shape[1], -1), torch.cov(fake.T).reshape(fake.shape[1], -1)
    distance = ((mean_real - mean_fake) ** 2).sum() + cov_real.trace() + cov_fake.trace() \
        - 2 * _matrix_sqrt_trace(cov_real, cov_fake)
    return max(distance.item(), 0.0)


def _polynomial_mmd(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD² between sets x (m, D) and y (m, D) with the kernel (x·y / D + 1)³."""
    dim, m = x.shape[1], x.shape[0]
    k_xx = (x @ x.T / dim + 1) ** 3
    k_yy = (y @ y.T / dim + 1) ** 3
    k_xy = (x @ y.T / dim + 1) ** 3
    off_diagonal = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return off_diagonal - 2 * k_xy.mean()


def kernel_distance(real: torch.Tensor, fake: torch.Tensor, subsets: int = 10, subset_size: int = 1000,
                    seed: int = 0) -> float:
    """KID: the mean over ``subsets`` random subsets (of ``subset_size``, capped by the set sizes) of the
    unbiased polynomial-kernel MMD². Deterministic for a fixed ``seed``."""
    real, fake = real.double(), fake.double()
    size = min(subset_size, real.shape[0], fake.shape[0])
    if size < 2:
        raise ValueError("KID needs at least 2 samples in each set")
    if size == real.shape[0] == fake.shape[0]:
        return _polynomial_mmd(real, fake).item()  # every subset would be the whole of both sets
    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        x = real[torch.randperm(real.shape[0], generator=generator)[:size]]
        y = fake[torch.randperm(fake.shape[0], generator=generator)[:size]]
        values.append(_polynomial_mmd(x, y))
    return torch.stack(values).mean().item()


def _kth_neighbour_radius(points: torch.Tensor, k: int) -> torch.Tensor:
    """Distance of each point to its k-th nearest other point of the same set."""
    distances = torch.cdist(points, points)
    return distances.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of the generated set ``fake`` against ``real`` with k-NN manifolds."""
    real, fake = real.double(), fake.double()
    if min(real.shape[0], fake.shape[0]) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples in each set")
    real_radius, fake_radius = _kth_neighbour_radius(real, k), _kth_neighbour_radius(fake, k)
    cross = torch.cdist(fake, real)  # (n_fake, n_real)
    precision = (cross <= real_radius[None, :]).any(dim=1).double().mean().item()
    recall = (cross.T <= fake_radius[None, :]).any(dim=1).double().mean().item()
    return precision, recall
