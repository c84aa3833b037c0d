"""The one image decoder (gans.io.decode): the same odd file gives the same pixels through every path that reads
images (uploads, folder datasets, paired folders, photo folders). Real files written by PIL, decoded for real."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gans.data import load_dataset
from gans.errors import GansError, ImageError
from gans.io.decode import decode_image
from gans.io.uploads import decode_upload
from tests.helpers import ROOT, encoded

WIDTH, HEIGHT = 32, 16  # upright size of every odd file: a side-by-side pair of two 16x16 halves
SIDE = 16


def sixteen_bit_png() -> bytes:
    values = (np.arange(WIDTH * HEIGHT, dtype=np.uint32).reshape(HEIGHT, WIDTH) * 127).astype(np.uint16)
    values[0, 0], values[0, 1] = 65535, 257
    return encoded(Image.fromarray(values), "PNG")


def palette_png_with_transparency() -> bytes:
    image = Image.new("P", (WIDTH, HEIGHT), 1)
    image.putpalette([255, 0, 0, 0, 0, 255, 0, 200, 0] + [0] * (253 * 3))
    image.paste(0, (0, 0, 8, 8))  # index 0 (red) is transparent: a white square at the top left
    image.paste(2, (24, 8, 32, 16))  # a green square at the bottom right
    return encoded(image, "PNG", transparency=0)


def cmyk_jpeg() -> bytes:
    image = Image.new("CMYK", (WIDTH, HEIGHT), (0, 255, 255, 0))  # red in the left half
    image.paste((255, 255, 0, 0), (16, 0, 32, 16))  # blue in the right half
    return encoded(image, "JPEG", quality=95)


def exif_rotated_jpeg() -> bytes:
    """Stored 16 wide x 32 high; EXIF orientation 6 ("rotate 90° clockwise") makes it 32 x 16 upright."""
    stored = Image.new("RGB", (HEIGHT, WIDTH), (40, 90, 200))
    stored.paste((250, 250, 250), (0, 0, 8, 8))  # stored top left → upright top right
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(stored, "JPEG", exif=exif, quality=95)


def gray_with_alpha_png() -> bytes:
    gray = np.full((HEIGHT, WIDTH), 60, np.uint8)
    alpha = np.full((HEIGHT, WIDTH), 255, np.uint8)
    alpha[:, :8] = 0  # transparent left quarter → white
    return encoded(Image.fromarray(np.dstack([gray, alpha]), "LA"), "PNG")


def check_sixteen_bit(pixels: np.ndarray) -> None:
    assert pixels.ndim == 2  # gray stays gray
    assert pixels[0, 0] == 255 and pixels[0, 1] == 1  # 65535 → 255, 257 → 1: scaled by 257, not clipped
    assert pixels[HEIGHT - 1, WIDTH - 1] == round((WIDTH * HEIGHT - 1) * 127 / 257)


def check_palette(pixels: np.ndarray) -> None:
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    assert (pixels[:8, :8] == 255).all()  # transparent → white
    assert tuple(pixels[8, 8]) == (0, 0, 255) and tuple(pixels[12, 28]) == (0, 200, 0)


def check_cmyk(pixels: np.ndarray) -> None:
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    red, blue = pixels[4:12, 2:10].reshape(-1, 3).mean(0), pixels[4:12, 22:30].reshape(-1, 3).mean(0)
    assert red[0] > 230 and red[1] < 25 and red[2] < 25
    assert blue[2] > 230 and blue[0] < 25 and blue[1] < 25


def check_exif_rotation(pixels: np.ndarray) -> None:
    assert pixels.shape == (HEIGHT, WIDTH, 3)  # upright: wider than high
    assert pixels[1:7, -7:-1].min() > 225  # the light square is at the top right
    assert np.abs(pixels[10:14, 2:6].astype(int) - (40, 90, 200)).max() < 12  # the rest is blue


def check_gray_with_alpha(pixels: np.ndarray) -> None:
    assert pixels.ndim == 2
    assert (pixels[:, :8] == 255).all() and (pixels[:, 8:] == 60).all()


ODD_FILES = {
    "sixteen_bit.png": (sixteen_bit_png, "I;16", check_sixteen_bit),
    "palette_transparent.png": (palette_png_with_transparency, "P", check_palette),
    "cmyk.jpg": (cmyk_jpeg, "CMYK", check_cmyk),
    "exif_rotated.jpg": (exif_rotated_jpeg, "RGB", check_exif_rotation),
    "gray_alpha.png": (gray_with_alpha_png, "LA", check_gray_with_alpha),
}


def channels_last(images) -> np.ndarray:
    """(C, H, W) uint8 tensor → (H, W) for one channel, (H, W, 3) for three."""
    array = images.numpy()
    return array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("file_name", ODD_FILES)
def test_the_same_odd_file_decodes_the_same_through_every_path(tmp_path, file_name):
    make, stored_mode, check = ODD_FILES[file_name]
    data = make()
    assert Image.open(io.BytesIO(data)).mode == stored_mode  # the file really is odd

    # Upload path (bytes and path): the whole image, upright, in mode L or RGB.
    upload = np.asarray(decode_upload(data))
    check(upload)
    assert np.array_equal(np.asarray(decode_upload(write(tmp_path / "upload" / file_name, data))), upload)
    gray = upload.ndim == 2

    # Folder dataset: the centre square, one channel when the (only) image is gray.
    write(tmp_path / "folder" / file_name, data)
    folder = load_dataset("folder", path=str(tmp_path / "folder"), image_size=SIDE)
    assert folder.skipped == 0 and folder.images.shape == (1, 1 if gray else 3, SIDE, SIDE)
    assert np.array_equal(channels_last(folder.images[0]), upload[:, 8:24])

    # Paired folder: the left half is A, the right half B.
    write(tmp_path / "pairs" / "train" / file_name, data)
    pairs = load_dataset("paired-folder", path=str(tmp_path / "pairs"), image_size=SIDE)
    assert pairs.skipped == 0
    assert np.array_equal(channels_last(pairs.a[0]), upload[:, :SIDE])
    assert np.array_equal(channels_last(pairs.b[0]), upload[:, SIDE:])

    # Photo folder: the whole photo at its own size, or left out when it is gray (a colour photo keeps the
    # folder usable).
    write(tmp_path / "photos" / file_name, data)
    write(tmp_path / "photos" / "zz_colour.png", encoded(Image.new("RGB", (20, 20), (200, 30, 30)), "PNG"))
    photos = load_dataset("photo-folder", path=str(tmp_path / "photos"))
    assert photos.skipped == 0
    if gray:
        assert photos.gray_skipped == 1 and photos.names == ["zz_colour.png"]
    else:
        assert photos.gray_skipped == 0 and photos.names == [file_name, "zz_colour.png"]
        assert np.array_equal(channels_last(photos.photos[0]), upload)


def test_mode_asks_for_rgb_or_l_whatever_the_file_holds():
    data = palette_png_with_transparency()
    assert decode_image(data).mode == "RGB"
    gray = decode_image(data, "L")
    assert gray.mode == "L" and np.asarray(gray)[0, 0] == 255
    rgb = np.asarray(decode_image(sixteen_bit_png(), "RGB"))
    assert rgb.shape == (HEIGHT, WIDTH, 3) and (rgb[..., 0] == rgb[..., 2]).all() and rgb[0, 0, 0] == 255
    with pytest.raises(ValueError, match="mode"):
        decode_image(data, "CMYK")


def test_one_error_type_with_one_sentence_for_every_bad_file(tmp_path):
    assert issubclass(ImageError, GansError)
    with pytest.raises(ImageError, match="is empty"):
        decode_image(b"")
    with pytest.raises(ImageError, match=r"notes\.txt is not an image that can be opened; upload a PNG"):
        decode_image(write(tmp_path / "notes.txt", b"hello"))
    with pytest.raises(ImageError, match="truncated or corrupt"):
        decode_image(cmyk_jpeg()[:300])
    with pytest.raises(ImageError, match=r"32×16 = 0\.0 megapixels; the limit is 0\.0001 megapixels"):
        decode_image(cmyk_jpeg(), max_pixels=100)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_default_size_limit_is_pils_decompression_bomb_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", WIDTH * HEIGHT - 1)
    with pytest.raises(ImageError, match="too large"):
        decode_image(palette_png_with_transparency())
    assert decode_image(palette_png_with_transparency(), max_pixels=WIDTH * HEIGHT).size == (WIDTH, HEIGHT)


def test_a_large_jpeg_is_drafted_but_never_below_the_size_asked_for():
    data = encoded(Image.new("RGB", (800, 400), (10, 120, 240)), "JPEG", quality=90)
    assert decode_image(data).size == (800, 400)
    assert decode_image(data, draft_size=lambda size: (200, 100)).size == (200, 100)  # 1/4 scale
    assert decode_image(data, draft_size=lambda size: (201, 100)).size == (400, 200)  # 1/4 would be too small


def test_only_the_decoder_opens_images_in_the_library_and_the_studio():
    import re

    openers = {path.relative_to(ROOT).as_posix() for folder in ("gans", "pages", "studio")
               for path in (ROOT / folder).rglob("*.py") if re.search(r"Image\.open\(", path.read_text())}
    assert openers == {"gans/io/decode.py"}


def test_gif_frames_come_back_as_written_and_a_damaged_gif_is_one_clear_error(tmp_path):
    import numpy as np
    from PIL import Image

    from gans.errors import ImageError
    from gans.io.decode import gif_frames
    from gans.io.images import gif_bytes

    frames = [Image.new("RGB", (6, 4), (255 * (index % 2), 0, 0)) for index in range(3)]
    (tmp_path / "walk.gif").write_bytes(gif_bytes(frames))
    read = gif_frames(tmp_path / "walk.gif")
    assert [frame.shape for frame in read] == [(4, 6, 3)] * 3
    assert [int(frame[0, 0, 0]) for frame in read] == [0, 255, 0]
    assert all(np.array_equal(a, b) for a, b in zip(read, gif_frames((tmp_path / "walk.gif").read_bytes())))
    with pytest.raises(ImageError):
        gif_frames(b"GIF89a" + bytes(20))


def bad_files() -> dict[str, bytes]:
    """Files a person may upload by mistake, each broken in its own way."""
    png = encoded(Image.new("RGB", (WIDTH, HEIGHT), (9, 99, 199)), "PNG")
    return {"empty": b"", "text": b"just some text", "a PDF": b"%PDF-1.4 not pixels", "a cut PNG": png[:60],
            "a cut JPEG": cmyk_jpeg()[:300], "a PNG with a bad chunk": png[:40] + b"\0" * 20 + png[60:],
            "a bare PNG signature": png[:8], "a GIF header only": b"GIF89a" + b"\x10\x00\x10\x00",
            "a BMP header only": b"BM" + b"\0" * 30}


def test_no_error_about_a_bad_file_names_the_decoding_library():
    """Users read these messages on the pages (issue 15: "error text says PIL"): they say what is wrong with the
    file and what to do, never which library decoded it."""
    import re

    from gans.io.decode import LIBRARY_WORDS, _corrupt_message

    messages = []
    for what, data in bad_files().items():
        with pytest.raises(ImageError) as caught:
            decode_image(data)
        messages.append(str(caught.value))
    with pytest.raises(ImageError) as caught:
        decode_image(cmyk_jpeg(), max_pixels=100)
    messages.append(str(caught.value))
    messages.append(_corrupt_message("x.png", OSError("decoder error -2 in PIL.ImageFile <object at 0x1>")))
    for message in messages:
        assert not LIBRARY_WORDS.search(message) and "<" not in message, message
        assert re.search(r"; (upload|re-save|resize)", message), f"says what to do: {message}"
    assert messages[-1] == "x.png is truncated or corrupt; re-save it as a PNG or JPEG and upload again"


def test_no_message_the_library_raises_names_pil():
    """Every string in a ``raise`` of gans (and every message the decoder builds) is free of library names."""
    import ast

    found = []
    for path in (ROOT / "gans").rglob("*.py"):
        tree = ast.parse(path.read_text())
        raises = [node for node in ast.walk(tree) if isinstance(node, ast.Raise)]
        if path.name == "decode.py":
            raises += [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                       and node.name.endswith("_message")]
        for node in raises:
            for text in ast.walk(node):
                if isinstance(text, ast.Constant) and isinstance(text.value, str) and "PIL" in text.value:
                    found.append(f"{path.relative_to(ROOT)}:{text.lineno}: {text.value!r}")
    assert not found, found
