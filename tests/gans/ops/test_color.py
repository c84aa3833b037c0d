"""sRGB ↔ CIE L*a*b* against published values and hand computations, round trips and shape/dtype handling."""

import pytest
import torch

from gans.errors import ConfigError
from gans.ops import color


def lab_of(r, g, b, dtype=torch.float64):
    """L*, a*, b* of one sRGB colour, via a 1x1 image."""
    return color.rgb_to_lab(torch.tensor([r, g, b], dtype=dtype).view(3, 1, 1)).flatten().tolist()


def test_white_and_black():
    lightness, a, b = lab_of(1.0, 1.0, 1.0)
    assert lightness == pytest.approx(100.0, abs=1e-3)
    assert a == pytest.approx(0.0, abs=1e-2) and b == pytest.approx(0.0, abs=1e-2)
    assert lab_of(0.0, 0.0, 0.0) == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)


@pytest.mark.parametrize(
    "rgb, expected",
    [
        # The sRGB primaries under D65 (Lindbloom's calculator; also the values in most colour-science tables).
        ((1.0, 0.0, 0.0), (53.24, 80.09, 67.20)),
        ((0.0, 1.0, 0.0), (87.73, -86.18, 83.18)),
        ((0.0, 0.0, 1.0), (32.30, 79.19, -107.86)),
    ],
)
def test_primaries(rgb, expected):
    assert lab_of(*rgb) == pytest.approx(expected, abs=0.05)
    assert lab_of(*rgb, dtype=torch.float32) == pytest.approx(expected, abs=0.05)


def test_mid_gray_by_hand():
    # linear = ((0.5 + 0.055) / 1.055)^2.4 ≈ 0.21404; Y = linear (the Y row sums to 1), above (6/29)³ ≈ 0.00886,
    # so L = 116 · Y^(1/3) − 16 ≈ 53.39; a gray has X/Xn = Y/Yn = Z/Zn, so a = b = 0.
    linear = ((0.5 + 0.055) / 1.055) ** 2.4
    expected_l = 116 * linear ** (1 / 3) - 16
    assert expected_l == pytest.approx(53.39, abs=0.01)
    lightness, a, b = lab_of(0.5, 0.5, 0.5)
    assert lightness == pytest.approx(expected_l, abs=1e-3)
    assert a == pytest.approx(0.0, abs=1e-2) and b == pytest.approx(0.0, abs=1e-2)


def test_dark_gray_uses_the_linear_segments():
    # 0.02 ≤ 0.04045 → linear = 0.02 / 12.92; Y ≈ 0.00155 ≤ (6/29)³ → f = Y / (3·(6/29)²) + 4/29,
    # so L = 116 f − 16 = (29/3)³ · Y.
    y = 0.02 / 12.92
    assert lab_of(0.02, 0.02, 0.02)[0] == pytest.approx((29 / 3) ** 3 * y, abs=1e-3)


def test_round_trip_on_random_colours():
    generator = torch.Generator().manual_seed(0)
    rgb = torch.rand(4, 3, 8, 9, generator=generator)
    lab = color.rgb_to_lab(rgb)
    assert lab.shape == rgb.shape and lab.dtype == torch.float32
    assert torch.allclose(color.lab_to_rgb(lab), rgb, atol=1e-4)
    # Including the extremes and both sides of the companding threshold.
    edges = torch.tensor([0.0, 0.01, 0.04045, 0.05, 0.999, 1.0]).view(1, 1, 6).expand(3, 6, 6).contiguous()
    edges = edges * torch.tensor([1.0, 0.5, 0.25]).view(3, 1, 1)
    assert torch.allclose(color.lab_to_rgb(color.rgb_to_lab(edges)), edges, atol=1e-4)


def test_round_trip_from_lab():
    lab = torch.tensor([[60.0, 20.0, -30.0], [10.0, 0.0, 0.0], [95.0, -5.0, 10.0]]).T.reshape(3, 3, 1)
    assert torch.allclose(color.rgb_to_lab(color.lab_to_rgb(lab)), lab, atol=1e-2)


def test_lab_to_rgb_clamps_out_of_gamut():
    # L = 50 with a = b = 127 is far more saturated than any sRGB colour: red above 1, blue below 0.
    lab = torch.tensor([50.0, 127.0, 127.0]).view(3, 1, 1)
    raw = color.lab_to_rgb(lab, clamp=False)
    assert raw.max() > 1 and raw.min() < 0
    clipped = color.lab_to_rgb(lab)
    assert clipped.min() >= 0 and clipped.max() <= 1
    assert torch.equal(clipped, raw.clamp(0, 1))
    # And L beyond 100 is brighter than white.
    assert torch.equal(color.lab_to_rgb(torch.tensor([120.0, 0.0, 0.0]).view(3, 1, 1)), torch.ones(3, 1, 1))


def test_gray_to_l_matches_rgb_to_lab_of_repeated_gray():
    gray = torch.rand(2, 1, 5, 7, generator=torch.Generator().manual_seed(1))
    gray[0, 0, 0, :3] = torch.tensor([0.0, 0.02, 1.0])
    lightness = color.gray_to_l(gray)
    assert lightness.shape == gray.shape
    expected = color.rgb_to_lab(gray.expand(-1, 3, -1, -1))[:, :1]
    assert torch.allclose(lightness, expected, atol=1e-4)
    assert color.gray_to_l(gray[0]).shape == (1, 5, 7)


def test_normalize_round_trips():
    lightness = torch.tensor([0.0, 25.0, 50.0, 100.0])
    assert color.normalize_l(lightness).tolist() == pytest.approx([-1.0, -0.5, 0.0, 1.0])
    assert torch.allclose(color.denormalize_l(color.normalize_l(lightness)), lightness)

    ab = torch.tensor([-107.86, -55.0, 0.0, 98.2, 110.0])
    normalized = color.normalize_ab(ab)
    assert normalized.tolist() == pytest.approx([-107.86 / 110, -0.5, 0.0, 98.2 / 110, 1.0])
    assert torch.allclose(color.denormalize_ab(normalized), ab)
    # Beyond ±AB_SCALE the normalised value is clamped, so the round trip saturates.
    assert color.normalize_ab(torch.tensor([-150.0, 150.0])).tolist() == [-1.0, 1.0]
    assert color.L_SCALE == 50.0 and color.AB_SCALE == 110.0


def test_whole_pipeline_for_a_colorization_network():
    # Image → (L, ab) in [-1, 1] → back to an image.
    rgb = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(2))
    lab = color.rgb_to_lab(rgb)
    l_in, ab_target = color.normalize_l(lab[:, :1]), color.normalize_ab(lab[:, 1:])
    assert l_in.abs().max() <= 1 and ab_target.abs().max() <= 1
    rebuilt = color.lab_to_rgb(torch.cat([color.denormalize_l(l_in), color.denormalize_ab(ab_target)], dim=1))
    assert torch.allclose(rebuilt, rgb, atol=1e-4)


def test_batched_and_unbatched_agree():
    rgb = torch.rand(3, 3, 4, 5, generator=torch.Generator().manual_seed(3))
    batched = color.rgb_to_lab(rgb)
    for index in range(3):
        # atol: a batch and a single image take different SIMD paths (vector tails); on AVX-512 CPUs they differ
        # by a few float32 ulps (~2e-7), which is agreement
        assert torch.allclose(color.rgb_to_lab(rgb[index]), batched[index], atol=1e-5)
        assert torch.allclose(color.lab_to_rgb(batched[index]), color.lab_to_rgb(batched)[index], atol=1e-6)


def test_float64_is_kept_and_inputs_are_not_modified():
    rgb = torch.rand(2, 3, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    original = rgb.clone()
    lab = color.rgb_to_lab(rgb)
    assert lab.dtype == torch.float64
    assert torch.equal(rgb, original)
    lab_copy = lab.clone()
    back = color.lab_to_rgb(lab)
    assert back.dtype == torch.float64 and torch.equal(lab, lab_copy)
    assert torch.allclose(back, rgb, atol=1e-10)
    # Half precision is computed in float32.
    assert color.rgb_to_lab(rgb.half()).dtype == torch.float32


def test_gradients_are_finite_even_at_black_and_white():
    rgb = torch.tensor([0.0, 0.03, 0.5, 1.0]).view(1, 1, 4).expand(3, 4, 4).clone().requires_grad_(True)
    color.lab_to_rgb(color.rgb_to_lab(rgb), clamp=False).sum().backward()
    assert torch.isfinite(rgb.grad).all()


@pytest.mark.parametrize(
    "function, bad",
    [
        (color.rgb_to_lab, torch.rand(3, 4)),
        (color.rgb_to_lab, torch.rand(2, 4, 4, 4)),
        (color.rgb_to_lab, torch.zeros(3, 4, 4, dtype=torch.uint8)),
        (color.lab_to_rgb, torch.rand(1, 2, 4, 4)),
        (color.gray_to_l, torch.rand(1, 3, 4, 4)),
        (color.rgb_to_lab, [[[0.5]], [[0.5]], [[0.5]]]),
    ],
)
def test_bad_inputs_raise_config_error(function, bad):
    with pytest.raises(ConfigError):
        function(bad)


def test_rgb_to_l_and_l_to_gray_match_the_full_conversions():
    from gans.ops.color import l_to_gray, rgb_to_l

    torch.manual_seed(0)
    rgb = torch.rand(2, 3, 5, 7)
    assert torch.allclose(rgb_to_l(rgb), color.rgb_to_lab(rgb)[:, :1], atol=1e-4)
    gray = torch.rand(2, 1, 5, 7)
    assert torch.allclose(l_to_gray(color.gray_to_l(gray)), gray, atol=1e-5)
    assert torch.allclose(l_to_gray(torch.tensor([[[[100.0]]]])), torch.ones(1, 1, 1, 1), atol=1e-5)
