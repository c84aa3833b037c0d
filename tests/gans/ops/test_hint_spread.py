"""Hints spread over their region after the network (gans.ops.hint_spread)."""

import torch

from gans.ops.hint_spread import spread_hints


def two_regions(height=40, width=60):
    """Normalised lightness: a dark left half and a bright right half."""
    lightness = torch.full((1, 1, height, width), -0.6)
    lightness[..., width // 2:] = 0.6
    return lightness


def test_a_hint_colours_its_own_region_and_not_the_other_one():
    lightness = two_regions()
    ab = torch.zeros(1, 2, 40, 60)
    hint_ab, mask = torch.zeros(1, 2, 40, 60), torch.zeros(1, 1, 40, 60)
    hint_ab[:, :, 18:21, 8:11], mask[..., 18:21, 8:11] = torch.tensor([0.4, -0.3]).view(1, 2, 1, 1), 1
    spread = spread_hints(ab, lightness, hint_ab, mask)
    assert torch.allclose(spread[0, :, 19, 9], torch.tensor([0.4, -0.3]), atol=1e-4), "the asked colour at the hint"
    assert spread[0, 0, 19, 25] > 0.1, "the same dark region nearby takes the colour"
    assert spread[0, 0, 19, 35].abs() < 1e-3, "the bright region next to it does not"
    assert spread[0, 0, 19, 25] > spread[0, 0, 2, 28] > 0, "weaker farther away"


def test_without_hints_the_network_s_colour_is_kept_and_where_it_agrees_nothing_changes():
    lightness = two_regions()
    ab = torch.rand(1, 2, 40, 60) * 0.2
    none = torch.zeros(1, 1, 40, 60)
    assert spread_hints(ab, lightness, torch.zeros(1, 2, 40, 60), none) is ab
    mask = none.clone()
    mask[..., 5, 5] = 1
    assert torch.allclose(spread_hints(ab, lightness, ab.clone(), mask), ab), "a hint the network already follows"


def test_a_hint_of_many_pixels_weighs_no_more_than_a_single_pixel():
    lightness = torch.zeros(1, 1, 40, 60)
    ab = torch.zeros(1, 2, 40, 60)
    hint_ab = torch.zeros(1, 2, 40, 60)
    hint_ab[:, 0] = 0.5
    small, large = torch.zeros(1, 1, 40, 60), torch.zeros(1, 1, 40, 60)
    small[..., 20, 13] = 1  # the pixel of the square nearest to the point looked at
    large[..., 17:24, 7:14] = 1
    far_small = spread_hints(ab, lightness, hint_ab, small)[0, 0, 20, 30]
    far_large = spread_hints(ab, lightness, hint_ab, large)[0, 0, 20, 30]
    assert 0.05 < far_small < 0.5 and torch.isclose(far_large, far_small, rtol=1e-4)


def test_two_hints_of_different_colours_on_one_region_each_keep_their_own_colour_at_their_place():
    lightness = torch.zeros(1, 1, 40, 60)
    ab = torch.zeros(1, 2, 40, 60)
    hint_ab, mask = torch.zeros(1, 2, 40, 60), torch.zeros(1, 1, 40, 60)
    hint_ab[:, 0, 10, 10], mask[..., 10, 10] = 0.5, 1
    hint_ab[:, 0, 10, 40], mask[..., 10, 40] = -0.5, 1
    spread = spread_hints(ab, lightness, hint_ab, mask)
    assert spread[0, 0, 10, 10] > 0.4 and spread[0, 0, 10, 40] < -0.4
    assert spread[0, 0, 10, 25].abs() < 0.1, "half way, neither wins"
