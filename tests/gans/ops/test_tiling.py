"""Tests of gans.ops.tiling with small real convolutional networks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gans.errors import ConfigError
from gans.ops.tiling import TileReport, pad_to_multiple, run_padded, run_tiled, tile_starts, translate_image


def strided_net(channels: int = 3) -> nn.Module:
    """Down 4× by stride 2, up 4×: sides must be multiples of 16 for the output to have the input's size."""
    torch.manual_seed(0)
    down = [nn.Conv2d(channels if i == 0 else 4, 4, 4, stride=2, padding=1) for i in range(4)]
    up = [nn.ConvTranspose2d(4, 1 if i == 3 else 4, 4, stride=2, padding=1) for i in range(4)]
    return nn.Sequential(*down, *up, nn.Tanh()).eval()


def local_net() -> nn.Module:
    """Three 3×3 convolutions: each output pixel sees only 3 pixels around it."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 3, 3, padding=1), nn.Tanh(),
    ).eval()  # fmt: skip


def image(height: int, width: int, channels: int = 3) -> torch.Tensor:
    torch.manual_seed(1)
    return torch.rand(1, channels, height, width) * 2 - 1


# ---- padding ----------------------------------------------------------------------------------------------


def test_padding_reflects_and_crops_back():
    row = torch.arange(5.0).view(1, 1, 1, 5)
    padded, size = pad_to_multiple(row, 8)
    assert size == (1, 5) and padded.shape == (1, 1, 8, 8)
    assert padded[0, 0, 0].tolist() == [0, 1, 2, 3, 4, 3, 2, 1]  # mirrored without repeating the edge
    assert torch.equal(padded[0, 0, 7], padded[0, 0, 0])  # a 1-pixel-high image is repeated downwards


def test_padding_far_beyond_the_image_size():
    for height, width in [(1, 1), (3, 5), (2, 2)]:
        x = image(height, width)
        padded, size = pad_to_multiple(x, 256)
        assert padded.shape == (1, 3, 256, 256) and size == (height, width)
        assert torch.equal(padded[..., :height, :width], x)
        # Every padded pixel is one of the image's own pixels (per channel), nothing invented.
        for channel in range(3):
            assert set(padded[0, channel].unique().tolist()) <= set(x[0, channel].unique().tolist())


def test_sizes_already_multiples_are_untouched():
    x = image(32, 48)
    padded, _ = pad_to_multiple(x, 16)
    assert padded is x or torch.equal(padded, x)


# ---- (a) any size in, same size out ---------------------------------------------------------------------


@pytest.mark.parametrize("height,width", [(317, 451), (1, 1), (3, 5), (1, 700)])
def test_output_size_equals_input_size(height, width):
    net = strided_net()
    x = image(height, width)
    if height >= 16 and width >= 16:
        with torch.no_grad():
            assert net(x).shape[-2:] != x.shape[-2:]  # the network alone cannot do it
    out, report = translate_image(net, x, 16)
    assert out.shape == (1, 1, height, width)  # and the channel count may change
    assert report == TileReport(tiled=False, tiles=1, tile=None, input_size=(width, height))
    assert report.message == ""
    assert not out.requires_grad


def test_run_padded_refuses_a_network_that_changes_the_size():
    with pytest.raises(ConfigError, match="only networks whose output has the input's size"):
        run_padded(lambda t: t[..., ::2, ::2], image(20, 20), 4)


# ---- (b) tiles agree with one pass ------------------------------------------------------------------------


def test_tiled_output_matches_a_single_pass():
    net = local_net()
    x = image(200, 300)
    with torch.no_grad():
        whole = run_padded(net, x, 4)
    blended = run_tiled(net, x, 4, tile=64, overlap=24)
    seams = run_tiled(net, x, 4, tile=64, overlap=0)  # tiles side by side, no blending
    blended_error = (blended - whole).abs().max().item()
    seam_error = (seams - whole).abs().max().item()
    assert blended.shape == whole.shape
    assert blended_error < 0.02
    assert seam_error > 0.1 and seam_error > 10 * blended_error


def test_tiles_with_a_strided_network_on_odd_sizes():
    net = strided_net()
    x = image(150, 97)
    out = run_tiled(net, x, 16, tile=64, overlap=16)
    assert out.shape == (1, 1, 150, 97) and torch.isfinite(out).all()


# ---- (c) the weights normalise ---------------------------------------------------------------------------


@pytest.mark.parametrize("height,width", [(1, 1), (37, 91), (64, 64), (65, 129), (200, 130)])
def test_identity_network_gives_the_input_back(height, width):
    x = image(height, width)
    out = run_tiled(lambda t: t, x, 8, tile=32, overlap=12)
    torch.testing.assert_close(out, x, rtol=0, atol=1e-6)


def test_tile_starts_cover_the_side_and_end_at_the_border():
    assert tile_starts(50, 64, 16) == [0]
    assert tile_starts(64, 64, 16) == [0]
    assert tile_starts(100, 64, 16) == [0, 36]
    assert tile_starts(200, 64, 24) == [0, 40, 80, 120, 136]
    # With a network multiple, every start is a multiple of it (the side is padded to 208 first).
    assert tile_starts(200, 64, 24, multiple=16) == [0, 32, 64, 96, 128, 144]
    assert all(start % 16 == 0 for start in tile_starts(4000, 512, 32, multiple=16))


# ---- (d) the memory guard ---------------------------------------------------------------------------------


def test_large_images_are_tiled_automatically():
    net = local_net()
    x = image(100, 130)
    out, report = translate_image(net, x, 16, overlap=8, max_untiled_pixels=48 * 48)
    assert out.shape == x.shape
    # Padded to 112×144; 48 px tiles start at multiples of 16, 32 px apart (so the overlap is 16, not 8):
    # rows at 0, 32, 64 and columns at 0, 32, 64, 96.
    assert report == TileReport(tiled=True, tiles=12, tile=48, input_size=(130, 100), overlap=16)
    assert report.message == (
        "The image (130×100) was processed in 12 tiles of 48 px with 16 px overlap to bound memory."
    )
    with torch.no_grad():
        assert (out - run_padded(net, x, 16)).abs().max() < 0.05  # tiling did not change the picture


def test_default_guard_uses_512_px_tiles_and_never_downscales():
    x = torch.zeros(1, 1, 1100, 1000)
    out, report = translate_image(lambda t: t + 0.5, x, 16)
    assert out.shape == x.shape and torch.allclose(out, torch.full_like(x, 0.5))
    assert report.tiled and report.tile == 512 and report.tiles == 3 * 3
    assert "1000×1100" in report.message and "32 px overlap" in report.message


def test_an_image_that_fits_one_tile_is_not_reported_as_tiled():
    _, report = translate_image(lambda t: t, image(30, 40), 16, tile=64, overlap=16)
    assert not report.tiled and report.message == ""


# ---- (e) bad settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "multiple,tile,overlap,message",
    [
        (16, 40, 8, r"tile must be a positive multiple of 16 px .* try tile=48"),
        (16, 0, 0, "tile must be a positive multiple"),
        (16, 64, 32, r"overlap must be at least 0 and less than half the tile \(64 px\)"),
        (16, 64, -1, "overlap must be at least 0"),
        (0, 64, 8, "multiple must be a positive whole number"),
    ],
)
def test_bad_tiling_settings(multiple, tile, overlap, message):
    with pytest.raises(ConfigError, match=message):
        run_tiled(lambda t: t, image(10, 10), multiple, tile, overlap)
    with pytest.raises(ConfigError, match=message):
        translate_image(lambda t: t, image(10, 10), multiple, tile=tile, overlap=overlap)


def test_bad_image_tensor():
    with pytest.raises(ConfigError, match=r"\(N, C, H, W\)"):
        pad_to_multiple(torch.zeros(3, 10, 10), 4)


# ---- upscalers: the output is scale times the input ----------------------------------------------------------
def double_then_square(x: torch.Tensor) -> torch.Tensor:
    """A pointwise ×2 upscaler (nearest neighbour, then squared): tiles of it blend to exactly one pass."""
    return torch.nn.functional.interpolate(x, scale_factor=2, mode="nearest") ** 2


@pytest.mark.parametrize("height, width", [(1, 1), (13, 7), (40, 65)])
def test_an_upscaler_is_tiled_over_its_input_and_blended_at_the_output_size(height, width):
    x = torch.rand(1, 3, height, width)
    whole, report = translate_image(double_then_square, x, 1, scale=2)
    tiled, tiled_report = translate_image(double_then_square, x, 1, tile=16, overlap=4, scale=2)
    assert not report.tiled and whole.shape == tiled.shape == (1, 3, 2 * height, 2 * width)
    torch.testing.assert_close(whole, double_then_square(x))
    torch.testing.assert_close(tiled, whole)
    assert tiled_report.tiled == (max(height, width) > 16)


def test_run_padded_refuses_an_upscaler_of_another_factor():
    with pytest.raises(ConfigError, match="an upscaler by 4 must return 4 times the input's size"):
        run_padded(double_then_square, torch.rand(1, 3, 8, 8), 1, scale=4)
