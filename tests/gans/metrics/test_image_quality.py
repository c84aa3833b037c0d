"""PSNR, SSIM and colourfulness against values computed by hand."""

import math
import statistics

import numpy as np
import pytest
import torch

from gans.errors import ConfigError
from gans.metrics import colorfulness, high_frequency_energy, psnr, ssim

C1 = (0.01 * 1.0) ** 2
C2 = (0.03 * 1.0) ** 2


def random_images(*shape, seed=0, dtype=torch.float64):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# ---------------------------------------------------------------- PSNR


def test_psnr_of_a_constant_offset_is_20_db():
    # Every pixel off by 0.1 → MSE = 0.01 → 10·log10(1 / 0.01) = 20 dB.
    image = random_images(2, 3, 8, 8) * 0.9
    assert psnr(image + 0.1, image).tolist() == pytest.approx([20.0, 20.0], abs=1e-9)
    assert psnr(image.float() + 0.1, image.float()).tolist() == pytest.approx([20.0, 20.0], abs=1e-3)


def test_psnr_other_ways_to_get_mse_001():
    image = torch.full((1, 4, 4), 0.5, dtype=torch.float64)
    # ±0.1 alternating: the sign does not matter.
    signs = torch.tensor([1.0, -1.0], dtype=torch.float64).repeat(8).view(1, 4, 4)
    assert psnr(image + 0.1 * signs, image).item() == pytest.approx(20.0, abs=1e-9)
    # A quarter of the pixels off by 0.2: MSE = ¼ · 0.04 = 0.01.
    quarter = image.clone()
    quarter[0, :2, :2] += 0.2
    assert psnr(quarter, image).item() == pytest.approx(20.0, abs=1e-9)
    # With data_range 2 (images in [-1, 1]) the same error is 10·log10(4 / 0.01) = 26.02 dB.
    assert psnr(quarter, image, data_range=2.0).item() == pytest.approx(10 * math.log10(400), abs=1e-9)


def test_psnr_identical_is_infinite_and_batches_are_per_image():
    image = random_images(3, 1, 4, 4)
    target = image.clone()
    target[1] += 0.1
    target[2] += 0.01  # MSE 1e-4 → 40 dB
    values = psnr(image, target)
    assert values.shape == (3,)
    assert math.isinf(values[0].item()) and values[0] > 0
    assert values[1:].tolist() == pytest.approx([20.0, 40.0], abs=1e-6)
    single = psnr(image[1], target[1])
    assert single.dim() == 0 and single.item() == pytest.approx(20.0, abs=1e-6)


def test_psnr_of_uint8_images_with_their_range():
    image = torch.randint(0, 200, (1, 3, 4, 4), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    # Difference 10 everywhere → MSE 100; image - (image + 10) would wrap around in uint8 if not cast first.
    expected = 10 * math.log10(255**2 / 100)
    assert psnr(image, image + 10, data_range=255).item() == pytest.approx(expected, abs=1e-4)


# ---------------------------------------------------------------- SSIM


def gaussian(size, sigma=1.5):
    weights = np.exp(-((np.arange(size) - (size - 1) / 2) ** 2) / (2 * sigma**2))
    return weights / weights.sum()


def ssim_at_one_window(x, y, rows, cols):
    """The paper's formula with the weighted statistics written out, for one window over x and y (2-D arrays)."""
    w = np.outer(gaussian(rows), gaussian(cols))
    mu_x, mu_y = (w * x).sum(), (w * y).sum()
    var_x, var_y = (w * (x - mu_x) ** 2).sum(), (w * (y - mu_y) ** 2).sum()
    cov = (w * (x - mu_x) * (y - mu_y)).sum()
    return ((2 * mu_x * mu_y + C1) * (2 * cov + C2)) / ((mu_x**2 + mu_y**2 + C1) * (var_x + var_y + C2))


def test_ssim_of_identical_images_is_one():
    image = random_images(2, 3, 16, 16, dtype=torch.float32)
    assert ssim(image, image).tolist() == pytest.approx([1.0, 1.0], abs=1e-6)


def test_ssim_matches_the_formula_on_a_single_window():
    x, y = random_images(11, 11, seed=1), random_images(11, 11, seed=2)
    expected = ssim_at_one_window(x.numpy(), y.numpy(), 11, 11)
    assert ssim(x[None], y[None]).item() == pytest.approx(expected, abs=1e-10)


def test_ssim_averages_the_valid_positions():
    # 12 rows x 11 columns: the window fits at two positions (rows 0-10 and 1-11), no padding.
    x, y = random_images(12, 11, seed=3).numpy(), random_images(12, 11, seed=4).numpy()
    expected = (ssim_at_one_window(x[:11], y[:11], 11, 11) + ssim_at_one_window(x[1:], y[1:], 11, 11)) / 2
    assert ssim(torch.from_numpy(x)[None], torch.from_numpy(y)[None]).item() == pytest.approx(expected, abs=1e-10)


def test_ssim_of_small_images_uses_a_window_of_the_image_size():
    x, y = random_images(5, 7, seed=5), random_images(5, 7, seed=6)
    expected = ssim_at_one_window(x.numpy(), y.numpy(), 5, 7)
    assert ssim(x[None], y[None]).item() == pytest.approx(expected, abs=1e-10)
    # A single pixel: no variance, only the luminance term is left.
    a, b = 0.2, 0.7
    one = ssim(torch.full((1, 1, 1), a, dtype=torch.float64), torch.full((1, 1, 1), b, dtype=torch.float64))
    assert one.item() == pytest.approx((2 * a * b + C1) / (a**2 + b**2 + C1), abs=1e-12)


def test_ssim_of_flat_images_follows_the_luminance_formula():
    # σx = σy = σxy = 0, so the contrast-structure factor is C2 / C2 = 1 and SSIM = (2μxμy + C1) / (μx² + μy² + C1).
    for mean, offset in [(0.3, 0.1), (0.5, 0.4), (0.05, 0.02)]:
        flat = torch.full((1, 1, 16, 16), mean, dtype=torch.float64)
        mu_x, mu_y = mean, mean + offset
        expected = (2 * mu_x * mu_y + C1) / (mu_x**2 + mu_y**2 + C1)
        assert ssim(flat, flat + offset).item() == pytest.approx(expected, abs=1e-9)
    # Worked example: 0.3 vs 0.4 → (0.24 + 0.0001) / (0.25 + 0.0001) = 0.96004.
    assert ssim(torch.full((1, 16, 16), 0.3), torch.full((1, 16, 16), 0.4)).item() == pytest.approx(0.96004, abs=1e-4)


def test_ssim_against_the_constant_mean_is_small():
    # Same mean everywhere (luminance ≈ 1) but no structure: SSIM ≈ C2 / (σx² + C2) ≈ 0.0009 / (1/12) ≈ 0.01.
    image = random_images(1, 1, 32, 32, seed=7)
    flat = torch.full_like(image, image.mean().item())
    value = ssim(image, flat).item()
    assert 0 < value < 0.05


def test_ssim_is_symmetric_per_image_and_channel_mean():
    x, y = random_images(3, 3, 14, 13, seed=8), random_images(3, 3, 14, 13, seed=9)
    y[1] = x[1] * 0.8 + 0.1  # one pair that is actually similar
    forward = ssim(x, y)
    assert forward.shape == (3,)
    assert torch.allclose(forward, ssim(y, x), atol=1e-12)
    # Per image, and for RGB the mean of the three single-channel SSIMs.
    for index in range(3):
        channels = [ssim(x[index, c : c + 1], y[index, c : c + 1]) for c in range(3)]
        assert forward[index].item() == pytest.approx(sum(channels).item() / 3, abs=1e-12)
    assert forward[1] > 0.9 > forward[0]


def test_ssim_drops_with_more_noise():
    image = random_images(1, 1, 24, 24, seed=10)
    noise = random_images(1, 1, 24, 24, seed=11) - 0.5
    assert ssim(image, image + 0.05 * noise) > ssim(image, image + 0.2 * noise) > ssim(image, image + 0.6 * noise)


def test_ssim_data_range_sets_the_constants():
    # Flat 76.5 vs 102 on a 0-255 scale is the 0.3 vs 0.4 example above, with C1 = (0.01 · 255)².
    x = torch.full((1, 1, 12, 12), 76.5, dtype=torch.float64)
    assert ssim(x, x + 25.5, data_range=255).item() == pytest.approx(
        ssim(x / 255, (x + 25.5) / 255).item(), abs=1e-12
    )


# ---------------------------------------------------------------- colourfulness


def test_colorfulness_of_gray_is_zero():
    gray = random_images(2, 1, 6, 6, seed=12).expand(-1, 3, -1, -1)
    assert colorfulness(gray).tolist() == [0.0, 0.0]


def test_colorfulness_half_red_half_green():
    # rg = ±255 → σ_rg = 255, μ_rg = 0; yb = ½(255 + 0) − 0 = 127.5 for both → σ_yb = 0, μ_yb = 127.5.
    # M = sqrt(255²) + 0.3 · sqrt(127.5²) = 255 + 38.25 = 293.25.
    image = torch.zeros(3, 4, 4)
    image[0, :2] = 1.0
    image[1, 2:] = 1.0
    assert colorfulness(image).item() == pytest.approx(293.25, abs=1e-3)


def test_colorfulness_uniform_primaries():
    red = torch.zeros(3, 5, 5)
    red[0] = 1.0
    # rg = 255, yb = 127.5 everywhere: no spread, M = 0.3 · sqrt(255² + 127.5²) ≈ 85.53.
    assert colorfulness(red).item() == pytest.approx(0.3 * math.hypot(255, 127.5), abs=1e-3)
    blue = torch.zeros(3, 5, 5)
    blue[2] = 1.0
    # rg = 0, yb = −255: M = 0.3 · 255 = 76.5.
    assert colorfulness(blue).item() == pytest.approx(76.5, abs=1e-3)


def test_colorfulness_of_an_arbitrary_image_by_hand():
    pixels = [(0.9, 0.1, 0.2), (0.3, 0.6, 0.1), (0.5, 0.5, 0.9), (0.2, 0.2, 0.2), (1.0, 0.8, 0.0), (0.0, 0.4, 0.7)]
    rg = [255 * (r - g) for r, g, b in pixels]
    yb = [255 * (0.5 * (r + g) - b) for r, g, b in pixels]
    expected = math.hypot(statistics.pstdev(rg), statistics.pstdev(yb)) + 0.3 * math.hypot(
        statistics.fmean(rg), statistics.fmean(yb)
    )
    image = torch.tensor(pixels, dtype=torch.float64).T.reshape(3, 2, 3)
    assert colorfulness(image).item() == pytest.approx(expected, abs=1e-9)


def test_colorfulness_is_per_image_in_a_batch():
    batch = torch.zeros(3, 3, 4, 4)
    batch[0] = 0.5  # gray
    batch[1, 0, :2] = 1.0  # half red ...
    batch[1, 1, 2:] = 1.0  # ... half green
    batch[2, 0] = 1.0  # red
    values = colorfulness(batch)
    assert values.shape == (3,)
    assert values.tolist() == pytest.approx([0.0, 293.25, 0.3 * math.hypot(255, 127.5)], abs=1e-3)


# ---------------------------------------------------------------- validation


def test_shapes_and_types_are_checked():
    image = torch.rand(1, 3, 8, 8)
    for metric in (psnr, ssim):
        with pytest.raises(ConfigError, match="same shape"):
            metric(image, torch.rand(1, 3, 8, 9))
        with pytest.raises(ConfigError, match="same shape"):
            metric(image, image[0])
        with pytest.raises(ConfigError, match="shape"):
            metric(torch.rand(8, 8), torch.rand(8, 8))
        for bad_range in (0, -1.0, "1", float("inf"), True):
            with pytest.raises(ConfigError, match="data_range"):
                metric(image, image, data_range=bad_range)
    with pytest.raises(ConfigError, match="3, H, W"):
        colorfulness(torch.rand(1, 1, 8, 8))
    with pytest.raises(ConfigError, match="floating-point"):
        colorfulness(torch.zeros(3, 4, 4, dtype=torch.uint8))


def test_inputs_are_not_modified_and_dtype_device_are_kept():
    x, y = torch.rand(2, 3, 12, 12), torch.rand(2, 3, 12, 12)
    x_copy, y_copy = x.clone(), y.clone()
    for value in (psnr(x, y), ssim(x, y), colorfulness(x)):
        assert value.dtype == torch.float32 and value.device == x.device
    assert torch.equal(x, x_copy) and torch.equal(y, y_copy)
    assert ssim(x.double(), y).dtype == torch.float64


def test_ssim_is_differentiable():
    x = torch.rand(1, 3, 12, 12, requires_grad=True)
    y = torch.rand(1, 3, 12, 12)
    (1 - ssim(x, y)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


# ---- high-frequency energy (the upscalers' sharpness) --------------------------------------------------------
def test_high_frequency_energy_of_a_single_bright_pixel_by_hand():
    image = torch.zeros(1, 5, 5)
    image[0, 2, 2] = 1.0
    # The Laplacian fits at the 3×3 inner positions: -4 at the centre, 1 at its four neighbours, 0 at the corners.
    assert high_frequency_energy(image).item() == pytest.approx((16 + 4) / 9)


def test_high_frequency_energy_is_measured_on_luma_and_drops_with_blur():
    torch.manual_seed(0)
    rgb = torch.rand(2, 3, 16, 16)
    luma = (rgb * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    torch.testing.assert_close(high_frequency_energy(rgb), high_frequency_energy(luma))
    blurred = torch.nn.functional.avg_pool2d(rgb, 3, stride=1, padding=1)
    assert (high_frequency_energy(blurred) < high_frequency_energy(rgb) / 4).all()
    assert high_frequency_energy(torch.full((3, 8, 8), 0.5)).item() == 0


@pytest.mark.parametrize("bad, message", [(torch.zeros(1, 2, 8, 8), "1 \\(gray\\) or 3 \\(RGB\\) channels"),
                                          (torch.zeros(1, 1, 2, 8), "at least 3×3"),
                                          (torch.zeros(1, 3, 8, 8, dtype=torch.uint8), "floating-point")])
def test_high_frequency_energy_refuses_what_it_cannot_measure(bad, message):
    with pytest.raises(ConfigError, match=message):
        high_frequency_energy(bad)
