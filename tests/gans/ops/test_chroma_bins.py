"""Colour classes (gans.ops.chroma_bins): the bins, the soft-encoded cross-entropy, the annealed mean and its
calibration knobs, each against a value worked out by hand."""

import math

import pytest
import torch

from gans.ops.chroma_bins import BIN_CENTERS, NUM_BINS, annealed_mean, cross_entropy, gray_log_prior, histogram
from gans.ops.color import AB_SCALE, lab_to_rgb


def test_bins_are_grid_cells_sRGB_reaches_and_include_gray():
    assert 200 <= NUM_BINS <= 313  # the paper keeps 313 of its grid's cells
    ab = BIN_CENTERS * AB_SCALE
    assert torch.allclose((ab - 5) / 10, ((ab - 5) / 10).round(), atol=1e-4), "centres on a 10-unit grid"
    assert ((ab.abs() - 5).abs() < 1e-4).all(dim=1).sum() == 4, "the four cells around gray are bins"
    # a cell far outside the gamut (a* = b* = -105: saturated green-blue that no sRGB colour reaches) is not
    assert not ((ab - torch.tensor([-105.0, -105.0])).abs().sum(1) < 1e-3).any()
    saturated_red = lab_to_rgb(torch.tensor([53.2, 80.1, 67.2]).view(3, 1, 1))
    assert saturated_red.min() >= 0  # the colour exists, and so its cell:
    assert ((ab - torch.tensor([75.0, 65.0])).abs().sum(1) < 1e-3).any()


def test_cross_entropy_is_lowest_for_logits_that_put_the_mass_on_the_true_colour():
    ab = torch.tensor([0.3, -0.2]).view(1, 2, 1, 1).expand(1, 2, 2, 2)
    near = -(BIN_CENTERS - torch.tensor([0.3, -0.2])).square().sum(1) * 2000  # peaked at the true colour
    far = -(BIN_CENTERS - torch.tensor([-0.3, 0.2])).square().sum(1) * 2000
    uniform = torch.zeros(NUM_BINS)
    loss = {name: cross_entropy(logits.view(1, -1, 1, 1).expand(1, -1, 2, 2), ab).item()
            for name, logits in (("near", near), ("far", far), ("uniform", uniform))}
    assert loss["near"] < loss["uniform"] < loss["far"]
    assert loss["uniform"] == pytest.approx(math.log(NUM_BINS), rel=1e-5), "−Σ w log(1/Q) = log Q"


def test_histogram_of_one_colour_is_a_soft_bump_at_its_bins():
    ab = torch.full((2, 2, 3, 3), 0.0)
    ab[:, 0], ab[:, 1] = 15 / AB_SCALE, 25 / AB_SCALE  # exactly a bin centre
    counts = histogram(ab)
    assert counts.sum() == pytest.approx(1.0, abs=1e-5)
    centre = ((BIN_CENTERS * AB_SCALE - torch.tensor([15.0, 25.0])).abs().sum(1) < 1e-3).nonzero().item()
    assert counts.argmax().item() == centre and counts[centre] > 0.5


def test_annealed_mean_is_the_mean_at_t_1_and_the_mode_as_t_falls():
    two = torch.full((NUM_BINS,), -1e4)
    blue = ((BIN_CENTERS * AB_SCALE - torch.tensor([-5.0, -45.0])).abs().sum(1) < 1e-3).nonzero().item()
    orange = ((BIN_CENTERS * AB_SCALE - torch.tensor([25.0, 55.0])).abs().sum(1) < 1e-3).nonzero().item()
    two[blue], two[orange] = 0.0, math.log(3)  # orange three times as likely as blue
    logits = two.view(1, -1, 1, 1)
    mean = annealed_mean(logits, 1.0).flatten() * AB_SCALE
    assert torch.allclose(mean, torch.tensor([0.25 * -5 + 0.75 * 25, 0.25 * -45 + 0.75 * 55]), atol=1e-3)
    mode = annealed_mean(logits, 0.05).flatten() * AB_SCALE
    assert torch.allclose(mode, torch.tensor([25.0, 55.0]), atol=0.01)


def test_caution_pales_a_spread_distribution_far_more_than_a_sure_one():
    blue = ((BIN_CENTERS * AB_SCALE - torch.tensor([-5.0, -45.0])).abs().sum(1) < 1e-3).nonzero().item()
    orange = ((BIN_CENTERS * AB_SCALE - torch.tensor([25.0, 55.0])).abs().sum(1) < 1e-3).nonzero().item()
    sure, unsure = torch.full((NUM_BINS,), -1e4), torch.full((NUM_BINS,), -1e4)
    sure[orange] = 0.0
    unsure[blue], unsure[orange] = 0.0, math.log(1.5)
    logits = torch.stack([sure, unsure]).view(2, -1, 1, 1)
    plain, careful = annealed_mean(logits, 1.0), annealed_mean(logits, 1.0, caution=1.0)
    assert torch.allclose(careful[0], plain[0], atol=1e-4), "a certain colour keeps its chroma"
    ratio = careful[1].norm() / plain[1].norm()
    mean_power = plain[1].square().sum()
    variance = 0.4 * 0.6 * ((BIN_CENTERS[blue] - BIN_CENTERS[orange]).square().sum())
    assert ratio.item() == pytest.approx((mean_power / (mean_power + variance)).item(), rel=1e-3)
    assert ratio < 0.2


def test_a_gray_prior_shift_pulls_a_flat_distribution_to_gray():
    flat = torch.zeros(1, NUM_BINS, 1, 1)  # the model knows nothing: its output is the training prior (uniform)
    uniform_log = torch.full((NUM_BINS,), -math.log(NUM_BINS))
    shifted = annealed_mean(flat, 1.0, log_shift=gray_log_prior(10.0) - uniform_log).flatten() * AB_SCALE
    assert annealed_mean(flat).flatten().mul(AB_SCALE).norm() > 10, "the bins' own average is a tint"
    assert shifted.norm() < 2
