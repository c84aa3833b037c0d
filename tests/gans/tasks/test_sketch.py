"""gans.tasks.sketch: a drawing on the sketch pad becomes the edge map an edges → garment model learnt from."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import gans
from gans.data import load_dataset
from gans.data.image_data import _resize_and_convert
from gans.tasks.sketch import (
    CANVAS_SIZE,
    EXAMPLES,
    SketchError,
    draw_strokes,
    enlarge,
    example_strokes,
    sketch_to_edges,
    takes_sketches,
    thin_lines,
    translate_sketch,
)
from gans.views.catalog import describe
from tests.helpers import ROOT, encoded

SHIPPED = ROOT / "checkpoints" / "pix2pix-edges2fashion"


@pytest.fixture(scope="module")
def held_out_edges() -> torch.Tensor:
    """The first 50 held-out edge maps of edges2fashion: uint8 (50, 1, 28, 28), black lines on white."""
    return load_dataset("edges2fashion", split="test", download=False).a[:50]


def lines(picture: Image.Image) -> np.ndarray:
    return np.asarray(picture) < 128


def within_a_pixel(a: np.ndarray, b: np.ndarray) -> float:
    """The smaller of: the fraction of a's line pixels with one of b's within one pixel, and the other way round."""
    def grown(mask):
        return F.max_pool2d(torch.from_numpy(mask.astype(np.float32))[None, None], 3, 1, 1)[0, 0].numpy() > 0

    return min((a & grown(b)).sum() / max(1, a.sum()), (b & grown(a)).sum() / max(1, b.sum()))


def drawn_like_a_pen(edges: torch.Tensor) -> Image.Image:
    """A 28 px edge map drawn on the 280 px pad: every line 10-20 px thick (a thick pen)."""
    return Image.fromarray(edges[0].numpy()).resize((CANVAS_SIZE, CANVAS_SIZE), Image.Resampling.NEAREST)


def test_a_held_out_edge_map_drawn_with_a_thick_pen_comes_back_as_the_same_edge_map(held_out_edges):
    """The conversion undoes a 10× thicker drawing: at the domain's 28 px every line lands within a pixel of the
    held-out edge map's, and at the model's 32 px it is close to what training fed the model (bilinear resize)."""
    training_input = _resize_and_convert(held_out_edges, 32, 1)[:, 0].numpy().astype(np.float32)
    for index, edges in enumerate(held_out_edges):
        drawing = drawn_like_a_pen(edges)
        assert within_a_pixel(lines(sketch_to_edges(drawing, 28, 28)), edges[0].numpy() < 128) >= 0.95, index
        model_input = np.asarray(sketch_to_edges(drawing, 32, 28), dtype=np.float32)
        assert np.abs(model_input - training_input[index]).mean() / 255 < 0.2, index


def test_the_edges_look_like_the_training_edges_black_lines_on_white_one_or_two_pixels_wide():
    for name in EXAMPLES:
        edges = sketch_to_edges(draw_strokes(example_strokes(name)), 28, 28)
        pixels = np.asarray(edges)
        assert edges.mode == "L" and edges.size == (28, 28) and set(np.unique(pixels)) <= {0, 255}
        dark = pixels < 128
        assert 0.07 <= dark.mean() <= 0.26, f"{name}: the held-out edge maps have 8-25 % line pixels (1st-99th)"
        full_squares = dark[:-1, :-1] & dark[1:, :-1] & dark[:-1, 1:] & dark[1:, 1:]
        assert full_squares.mean() < 0.01, f"{name}: lines are one or two pixels wide, not blobs"
        rows, columns = np.nonzero(dark)
        assert max(np.ptp(rows), np.ptp(columns)) >= 25, f"{name}: the garment fills the frame as in Fashion-MNIST"


@pytest.mark.parametrize("name", ["T-shirt", "trousers", "dress", "bag"])
def test_pen_width_and_where_and_how_large_it_is_drawn_do_not_change_the_edges(name):
    strokes = example_strokes(name)
    reference = lines(sketch_to_edges(draw_strokes(strokes), 28, 28))
    thick_pen = draw_strokes(strokes, pen_width=24)
    large_thin = draw_strokes([[(x * 1000 / CANVAS_SIZE, y * 1000 / CANVAS_SIZE) for x, y in stroke]
                               for stroke in strokes], size=1000, pen_width=3)
    small_in_a_corner = draw_strokes([[(20 + x * 0.4, 150 + y * 0.4) for x, y in stroke] for stroke in strokes])
    # (a pen three times as thick, or a drawing at 0.4 scale, fills in narrow gaps such as the trousers' crotch:
    # 88 % of their lines stay within a pixel; the other outlines keep 97-100 %)
    for variant in (thick_pen, large_thin, small_in_a_corner):
        assert within_a_pixel(lines(sketch_to_edges(variant, 28, 28)), reference) >= 0.85
    assert within_a_pixel(lines(sketch_to_edges(large_thin, 28, 28)), reference) >= 0.95


def test_the_model_s_own_size_is_used_when_the_domain_has_none_and_a_grey_or_colour_drawing_works():
    drawing = draw_strokes(example_strokes("bag")).convert("RGB")
    assert sketch_to_edges(drawing, 64).size == (64, 64)
    blue_ink = Image.fromarray(np.where(np.asarray(drawing) < 128, np.uint8([20, 40, 200]), np.uint8(255)))
    assert within_a_pixel(lines(sketch_to_edges(blue_ink, 28, 28)), lines(sketch_to_edges(drawing, 28, 28))) == 1


def test_a_blank_pad_or_a_single_dot_is_a_clear_error_not_a_picture_of_noise():
    for blank in (Image.new("L", (280, 280), 255), Image.new("RGBA", (280, 280), (0, 0, 0, 0))):
        with pytest.raises(SketchError, match="Nothing is drawn yet"):
            sketch_to_edges(blank, 32, 28)
    dot = Image.new("L", (280, 280), 255)
    dot.putpixel((140, 140), 0)
    with pytest.raises(SketchError, match="draw an outline"):
        sketch_to_edges(dot, 32, 28)
    with pytest.raises(SketchError, match="no example sketch called 'hat'"):
        example_strokes("hat")


def test_thinning_leaves_a_one_pixel_line_that_keeps_its_shape():
    bar = np.zeros((20, 40), dtype=bool)
    bar[6:14, 4:36] = True
    thinned = thin_lines(bar)
    assert thinned.sum(axis=0)[8:32].tolist() == [1] * 24, "one pixel across, all along"
    yy, xx = np.mgrid[:41, :41]
    ring = (np.hypot(yy - 20, xx - 20) <= 15) & (np.hypot(yy - 20, xx - 20) >= 9)
    thinned = thin_lines(ring)
    assert thinned.sum() > 50 and not thinned[20, 20] and thinned[20, :20].any() and thinned[20, 21:].any()
    assert thinned[:20, 20].any() and thinned[21:, 20].any(), "still a closed ring, around the hole"


def test_the_shipped_edge_model_makes_a_garment_of_a_drawing_and_of_the_pad_s_png():
    """The pad sends a PNG (transparent where nothing is drawn); the library decodes it with the one decoder."""
    model, info = gans.load(SHIPPED, device="cpu"), describe(SHIPPED)
    assert takes_sketches(info, "a2b") and not takes_sketches(describe(ROOT / "checkpoints" / "cyclegan-sneaker2boot"))
    strokes = draw_strokes(example_strokes("T-shirt"))
    pad_png = Image.new("RGBA", strokes.size, (0, 0, 0, 0))
    pad_png.putalpha(Image.eval(strokes, lambda value: 255 - value))  # black ink, transparent paper
    from_png = translate_sketch(model, info, encoded(pad_png))
    from_picture = translate_sketch(model, info, strokes)
    assert from_png.input.size == from_png.output.size == (32, 32) and from_png.direction == "a2b"
    assert np.array_equal(np.asarray(from_png.output), np.asarray(from_picture.output))
    garment = np.asarray(from_picture.output, dtype=np.float32)
    assert garment[8:24, 10:22].mean() > garment[:, :3].mean() + 100, "a light T-shirt on a black background"
    with pytest.raises(gans.GansError, match="not an image"):
        translate_sketch(model, info, b"a drawing? no")


def test_enlarge_keeps_pixels_crisp():
    small = Image.fromarray(np.arange(32 * 32, dtype=np.uint32).reshape(32, 32).astype(np.uint8))
    large = enlarge(small)
    assert large.size == (288, 288)  # 9×: the smallest whole factor reaching the 280 px pad
    assert np.array_equal(np.asarray(large)[::9, ::9], np.asarray(small))
    assert enlarge(small, 20).size == (32, 32)
