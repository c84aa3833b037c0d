"""Tests of gans.io.uploads on real image files written by PIL (in memory or in tmp_path)."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from gans.errors import GansError
from gans.io.uploads import MAX_UPLOAD_PIXELS, UploadError, decode_upload, image_to_tensor, tensor_to_image
from tests.helpers import encoded, the_only_heavy_call_held_elsewhere


def random_rgb(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height 8-bit gray pixels but which holds no pixel data at all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


# ---- colour modes -----------------------------------------------------------------------------------------


def test_rgba_png_keeps_its_size_and_transparent_pixels_become_white():
    array = np.zeros((451, 317, 4), np.uint8)
    array[..., 0] = 200  # opaque red-ish left half, fully transparent right half
    array[:, :150, 3] = 255
    array[:, 150:, 1] = 77  # colour under transparent pixels must not leak through
    image = decode_upload(encoded(Image.fromarray(array, "RGBA"), "PNG"))
    assert image.mode == "RGB" and image.size == (317, 451)
    pixels = np.asarray(image)
    assert (pixels[:, :150] == (200, 0, 0)).all()
    assert (pixels[:, 150:] == 255).all()


def test_half_transparent_gray_png_is_composited_and_stays_gray():
    array = np.stack([np.full((4, 6), 0, np.uint8), np.full((4, 6), 128, np.uint8)], axis=-1)  # black, alpha 0.5
    image = decode_upload(encoded(Image.fromarray(array, "LA"), "PNG"))
    assert image.mode == "L" and image.size == (6, 4)
    assert np.asarray(image).min() == np.asarray(image).max() == 127  # 255 × (1 - 128/255)


def test_one_pixel_jpeg():
    image = decode_upload(encoded(Image.new("RGB", (1, 1), (10, 200, 30)), "JPEG", quality=100))
    assert image.mode == "RGB" and image.size == (1, 1)
    assert np.abs(np.asarray(image, np.int16)[0, 0] - (10, 200, 30)).max() <= 8


def test_palette_png_with_transparency():
    palette_image = Image.new("P", (5, 3), 0)
    palette_image.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    palette_image.putpixel((4, 2), 1)
    data = encoded(palette_image, "PNG", transparency=0)  # index 0 (red) is transparent
    assert Image.open(io.BytesIO(data)).mode == "P"
    pixels = np.asarray(decode_upload(data))
    assert (pixels[0, 0] == 255).all()  # transparent → white
    assert tuple(pixels[2, 4]) == (0, 0, 255)


def test_palette_png_without_transparency_becomes_rgb():
    palette_image = Image.new("RGB", (8, 8), (0, 128, 255)).convert("P", palette=Image.Palette.ADAPTIVE)
    image = decode_upload(encoded(palette_image, "PNG"))
    assert image.mode == "RGB" and tuple(np.asarray(image)[3, 3]) == (0, 128, 255)


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (16, 9), (0, 255, 255, 0))  # pure red in CMYK
    data = encoded(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    image = decode_upload(data)
    assert image.mode == "RGB" and image.size == (16, 9)
    red, green, blue = np.asarray(image, np.int16).reshape(-1, 3).mean(axis=0)
    assert red > 240 and green < 15 and blue < 15


def test_sixteen_bit_gray_png_is_scaled_not_clipped():
    values = np.array([[65535, 32896, 0], [257, 1000, 65000]], np.uint16)
    data = encoded(Image.fromarray(values), "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    image = decode_upload(data)
    assert image.mode == "L"
    assert np.asarray(image).tolist() == [[255, 128, 0], [1, 4, 253]]


def test_float_tiff_in_zero_one_is_scaled_to_255():
    values = np.array([[0.0, 0.5, 1.0]], np.float32)
    image = decode_upload(encoded(Image.fromarray(values, "F"), "TIFF"))
    assert image.mode == "L" and np.asarray(image).tolist() == [[0, 128, 255]]


def test_exif_orientation_is_applied():
    photo = Image.new("RGB", (40, 20), (255, 255, 255))
    photo.paste((0, 0, 0), (0, 0, 10, 10))  # a black square at the top left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image = decode_upload(encoded(photo, "JPEG", exif=exif, quality=95))
    assert image.size == (20, 40)
    pixels = np.asarray(image.convert("L"))
    assert pixels[:10, -10:].mean() < 30 and pixels[:10, :10].mean() > 225  # the square is now top right


def test_grayscale_jpeg_is_l_unless_keep_gray_is_false(tmp_path):
    path = tmp_path / "gray.jpg"
    Image.new("L", (30, 20), 90).save(path, "JPEG")
    gray = decode_upload(path)
    assert gray.mode == "L" and gray.size == (30, 20)
    assert abs(int(np.asarray(gray)[5, 5]) - 90) <= 2
    rgb = decode_upload(str(path), keep_gray=False)
    assert rgb.mode == "RGB" and rgb.size == (30, 20)
    assert np.asarray(rgb).reshape(-1, 3).std(axis=1).max() == 0  # R = G = B


def test_one_bit_png_becomes_l():
    bits = Image.new("1", (9, 4), 0)
    bits.putpixel((8, 3), 1)
    image = decode_upload(encoded(bits, "PNG"))
    assert image.mode == "L" and np.asarray(image)[3, 8] == 255 and np.asarray(image)[0, 0] == 0


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (6, 6), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    pixels = np.asarray(decode_upload(buffer.getvalue()))
    assert tuple(pixels[0, 0]) == (255, 0, 0)


def test_every_allowed_format_decodes():
    original = random_rgb(13, 7)
    for format in ("PNG", "BMP", "TIFF", "WEBP"):
        image = decode_upload(encoded(original, format, **({"lossless": True} if format == "WEBP" else {})))
        assert image.mode == "RGB" and np.array_equal(np.asarray(image), np.asarray(original)), format


# ---- errors -----------------------------------------------------------------------------------------------


def test_empty_upload():
    with pytest.raises(UploadError, match="empty"):
        decode_upload(b"")


def test_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are my notes, not a picture\n")
    with pytest.raises(UploadError, match=r"notes\.png is not an image that can be opened; upload a PNG, JPEG"):
        decode_upload(path)


def test_missing_file():
    with pytest.raises(UploadError, match="does not exist"):
        decode_upload("/no/such/picture.png")


def test_format_outside_the_allowed_list_is_refused():
    data = encoded(Image.new("RGB", (4, 4)), "ICO")
    assert Image.open(io.BytesIO(data)).format == "ICO"  # PIL alone would read it
    with pytest.raises(UploadError, match="not an image that can be opened"):
        decode_upload(data)


@pytest.mark.parametrize("format", ["PNG", "JPEG"])
def test_truncated_file(format):
    data = encoded(random_rgb(64, 48), format)
    with pytest.raises(UploadError, match="truncated or corrupt") as raised:
        decode_upload(data[: len(data) // 2])
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no PIL traceback attached


def test_upload_error_is_a_gans_error():
    assert issubclass(UploadError, GansError)


def test_huge_dimensions_fail_fast_from_the_header():
    # 10000×6000 = 60 MP: over our limit but under PIL's own bomb limit, so our header check must catch it.
    start = time.perf_counter()
    with pytest.raises(UploadError, match=r"10000×6000 = 60\.0 megapixels; the limit is 50 megapixels"):
        decode_upload(png_header_only(10000, 6000))
    # 50000×50000 = 2500 MP: PIL refuses it while opening; the message still gives the size and our limit.
    with pytest.raises(UploadError, match=r"too large \(2500\.0 megapixels; the limit is 50 megapixels"):
        decode_upload(png_header_only(50000, 50000))
    assert time.perf_counter() - start < 1.0  # nothing was decoded or allocated


def test_real_bomb_png_fails_fast():
    # A real 1-bit 12000×5000 PNG: 60 MP of pixels in a ~7 kB file.
    data = encoded(Image.new("1", (12000, 5000)), "PNG")
    assert len(data) < 100_000
    with pytest.raises(UploadError, match="12000×5000"):
        decode_upload(data)


def test_max_pixels_is_configurable_and_a_12_mp_photo_passes():
    assert MAX_UPLOAD_PIXELS >= 4000 * 3000
    with pytest.raises(UploadError, match="the limit is 0.0001 megapixels"):
        decode_upload(encoded(Image.new("RGB", (11, 10)), "PNG"), max_pixels=100)
    assert decode_upload(encoded(Image.new("RGB", (10, 10)), "PNG"), max_pixels=100).size == (10, 10)


# ---- tensors ----------------------------------------------------------------------------------------------


def test_tensor_round_trip_is_exact_for_every_uint8_value():
    values = np.arange(256, dtype=np.uint8).reshape(16, 16)
    rgb = Image.fromarray(np.stack([values, values.T, 255 - values], axis=-1), "RGB")
    tensor = image_to_tensor(rgb, 3)
    assert tensor.shape == (1, 3, 16, 16) and tensor.dtype == torch.float32
    assert tensor.min() == -1 and tensor.max() == 1
    assert np.array_equal(np.asarray(tensor_to_image(tensor)), np.asarray(rgb))
    gray = Image.fromarray(values, "L")
    back = tensor_to_image(image_to_tensor(gray, 1)[0])  # (C, H, W) is accepted too
    assert back.mode == "L" and np.array_equal(np.asarray(back), values)


def test_channel_conversions():
    gray = Image.fromarray(np.array([[0, 128, 255]], np.uint8), "L")
    repeated = image_to_tensor(gray, 3)
    assert repeated.shape == (1, 3, 1, 3) and torch.equal(repeated[:, 0], repeated[:, 2])
    rgb = Image.fromarray(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [100, 100, 100]]], np.uint8), "RGB")
    luma = (image_to_tensor(rgb, 1)[0, 0, 0] + 1) * 127.5
    torch.testing.assert_close(luma, torch.tensor([0.299 * 255, 0.587 * 255, 0.114 * 255, 100.0]))
    with pytest.raises(ValueError, match="channels must be 1 or 3"):
        image_to_tensor(rgb, 4)
    with pytest.raises(ValueError, match=r"\(1, C, H, W\)"):
        tensor_to_image(torch.zeros(2, 3, 4, 4))


# ---- inside the server's heavy-call limit ---------------------------------------------------------------------
def test_an_upload_is_decoded_inside_the_heavy_call_limit(monkeypatch):
    """Whoever decodes an upload holds one of the GANS_MAX_HEAVY_CALLS places while it does (once, when it already
    holds one); with every place taken by another request it is told the server is busy, and nothing is decoded."""
    from gans.ops import budget

    data = encoded(random_rgb(20, 10), "PNG")
    seen = []
    decode_upload(data, check_size=lambda width, height: seen.append(budget.running_heavy_calls()))
    with budget.heavy_call():
        decode_upload(data, check_size=lambda width, height: seen.append(budget.running_heavy_calls()))
    assert seen == [1, 1]

    with the_only_heavy_call_held_elsewhere(monkeypatch), \
            pytest.raises(budget.ServerBusyError, match="GANS_MAX_HEAVY_CALLS"):
        decode_upload(data, check_size=lambda width, height: seen.append("decoded"))
    assert "decoded" not in seen
    assert decode_upload(data).size == (20, 10)
