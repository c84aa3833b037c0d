"""Synthetic ageing (gans.ops.ageing): each degradation does what it says, nothing when its strength is 0, and the
same draw gives the same ageing."""

from dataclasses import fields

import pytest
import torch

from gans.errors import ConfigError
from gans.ops.ageing import Ageing, _block_quantised, _dct_matrix, age, random_ageing


def photo(seed=0, size=64) -> torch.Tensor:
    """A smooth colour picture with some texture, (1, 3, size, size) in [0, 1]."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, size // 8, size // 8, generator=generator)
    smooth = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    return (0.15 + 0.7 * smooth + 0.05 * torch.rand(1, 3, size, size, generator=generator)).clamp(0, 1)


def high_frequency(x: torch.Tensor) -> float:
    return ((x[..., 1:, :] - x[..., :-1, :]).square().mean() + (x[..., :, 1:] - x[..., :, :-1]).square().mean()).item()


def only(name: str, strength: float = 1.0) -> Ageing:
    return Ageing(**{name: strength})


def test_no_ageing_leaves_the_photo_as_it_is_and_never_changes_the_input():
    x = photo()
    before = x.clone()
    assert torch.equal(age(x, Ageing()), x)
    aged = age(x, Ageing(**{item.name: 1.0 for item in fields(Ageing)}), torch.Generator().manual_seed(0))
    assert torch.equal(x, before) and aged.shape == x.shape and aged.min() >= 0 and aged.max() <= 1


def test_fade_lowers_contrast_and_lifts_the_blacks():
    x = photo()
    faded = age(x, only("fade"))
    assert faded.std() < 0.6 * x.std() and faded.min() > x.min()


def test_cast_tints_toward_yellow_brown():
    x = photo()
    tinted = age(x, only("cast"))
    shift = (tinted - x).mean(dim=(0, 2, 3))
    assert shift[0] > 0.02 and shift[2] < -0.02


def test_blur_removes_fine_detail_and_grain_adds_it():
    x = photo()
    assert high_frequency(age(x, only("blur"))) < 0.3 * high_frequency(x)
    grainy = age(x, only("grain"), torch.Generator().manual_seed(1))
    assert high_frequency(grainy) > 5 * high_frequency(x)
    mono = (grainy - x).std(dim=1).mean() < 0.5 * (grainy - x).std()
    assert mono, "film grain is mostly the same in the three channels"


def test_block_quantisation_is_exact_for_a_flat_block_and_makes_8_px_blocks_in_detail():
    dct = _dct_matrix()
    assert torch.allclose(dct @ dct.T, torch.eye(8), atol=1e-5), "orthonormal"
    flat = torch.full((1, 3, 16, 16), 100 / 255)
    assert torch.allclose(_block_quantised(flat, step=20), flat, atol=1 / 255)
    x = photo(size=64)
    coarse = age(x, only("jpeg"))
    assert 0.002 < (coarse - x).abs().mean() < 0.1
    # within a block the picture gets smoother; the jumps gather at the 8 px block edges
    jumps = (coarse[..., :, 1:] - coarse[..., :, :-1]).abs().mean(dim=(0, 1, 2))
    edges = jumps[7::8].mean()
    assert edges > 1.5 * jumps[[i for i in range(63) if i % 8 != 7]].mean()


@pytest.mark.parametrize("name, most", [("scratches", 0.08), ("dust", 0.05), ("creases", 0.6)])
def test_marks_touch_a_small_part_of_the_photo_and_change_it_strongly(name, most):
    x = photo(size=96)
    marked = age(x, only(name), torch.Generator().manual_seed(3))
    changed = (marked - x).abs().amax(dim=1) > 0.1
    assert 0 < changed.float().mean() < most


def test_the_same_draw_gives_the_same_ageing_and_another_draw_another():
    x = photo()
    everything = Ageing(grain=0.5, scratches=0.5, dust=0.5, creases=0.5)
    first = age(x, everything, torch.Generator().manual_seed(7))
    assert torch.equal(first, age(x, everything, torch.Generator().manual_seed(7)))
    assert not torch.equal(first, age(x, everything, torch.Generator().manual_seed(8)))
    torch.manual_seed(5)
    global_draw = age(x, everything)
    torch.manual_seed(5)
    assert torch.equal(global_draw, age(x, everything)), "without a generator: torch's global RNG"


def test_random_ageing_mixes_degradations_at_strengths_in_range():
    generator = torch.Generator().manual_seed(0)
    draws = [random_ageing(generator) for _ in range(200)]
    for item in fields(Ageing):
        values = [getattr(draw, item.name) for draw in draws]
        present = [value for value in values if value]
        assert 0.3 < len(present) / len(values) < 0.7, item.name
        assert min(present) >= 0.2 and max(present) <= 1


@pytest.mark.parametrize("bad", [{"fade": -0.1}, {"blur": 1.5}, {"grain": True}, {"dust": "a lot"}])
def test_strengths_outside_zero_to_one_are_refused(bad):
    with pytest.raises(ConfigError, match="ageing strength"):
        Ageing(**bad)


def test_only_colour_images_are_aged():
    with pytest.raises(ConfigError, match=r"\(N, 3, H, W\)"):
        age(torch.rand(1, 1, 8, 8), Ageing(fade=0.5))
