"""Sketches for edge-map models: a drawing made with the mouse, turned into the edge map the model learnt from.

An edges → picture model (the shipped ``pix2pix-edges2fashion``) knows one kind of input only: the training edge
maps, here 28×28 Fashion-MNIST edges (``gans.data.demo_pairs.edge_map``: lines one or two pixels wide, black on
white, the garment filling the frame) resized to the model's 32 px. A drawing on a 280 px pad, drawn with a pen
8 px wide, is nothing like that until it is converted the same way each time (``sketch_to_edges``):

1. ink = how dark each pixel is (the pad's PNG, decoded by ``gans.io.uploads``: transparency on white);
2. the ink's bounding box is cut out as a square and scaled so its longer side fills the frame, as Fashion-MNIST
   garments do (working at 4× the domain's size, area-averaged, so thin lines stay);
3. the lines are thinned to one pixel (Zhang & Suen 1984, "A fast parallel algorithm for thinning digital
   patterns"), so any pen width, and any drawing size, gives the same lines (running half a pen's width inside
   the ink's bounding box: a frame of 26-27 of the 28 pixels, where the garments' edges span 27.6 on average);
4. each 4×4 block with a line becomes one black pixel of the domain's size: lines one or two pixels wide, as the
   edge detector's non-maximum suppression makes them;
5. resized to the model's input size the way training resized its edge maps (bilinear, antialiased).

A few example sketches (simple outlines of a sneaker, a T-shirt, trousers, a bag...) give something to start
from; ``draw_strokes`` renders one as the pad does (round caps and joins). The Translate page shows the pad for
models whose input domain is of kind "edges" (``takes_sketches``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from ..errors import GansError
from ..ops import budget

#: the pad's side in pixels, the pen's width, and the ink colour the studio draws with
CANVAS_SIZE = 280
PEN_WIDTH = 8
INK = "#000000"
#: a pixel at least this dark (0 white … 1 black, after area averaging) is part of the drawing
INK_THRESHOLD = 0.25
#: fewer inked pixels than this (at the pad's size) is an empty pad: a click, not a drawing
MIN_INK_PIXELS = 4
#: the conversion works at this many times the domain's size: a line of a 400 px drawing stays a line
WORK_SCALE = 4
#: at the working size, area-averaged coverage above this is a line (thin lines of large drawings are faint there)
LINE_COVERAGE = 0.15
#: the drawing's ink spans the frame less this margin on each side, in pixels of the domain's size (Fashion-MNIST
#: garments touch the frame: their edge maps' bounding boxes are 27.6 of 28 pixels on average)
FRAME_MARGIN = 0.5


class SketchError(GansError, ValueError):
    """A sketch that cannot be turned into a model's input (nothing drawn yet)."""


# ---- example sketches --------------------------------------------------------------------------------------------
def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 8):
    """Points of an elliptical arc from ``start`` to ``end`` degrees (0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
             cy + ry * math.sin(math.radians(start + (end - start) * i / steps))) for i in range(steps + 1)]


# Outlines in a unit square (x right, y down), each a list of strokes, each stroke a list of points: drawn as a
# person would, the garment filling the square the way Fashion-MNIST garments fill their frame.
EXAMPLES: dict[str, list[list[tuple[float, float]]]] = {
    "sneaker": [
        [(0.02, 0.72), (0.04, 0.60), (0.30, 0.50), (0.50, 0.40), (0.62, 0.30), (0.80, 0.28), (0.96, 0.32),
         (0.99, 0.55), (0.98, 0.80), (0.03, 0.80), (0.02, 0.72)],
        [(0.03, 0.70), (0.98, 0.70)],
        [(0.40, 0.46), (0.47, 0.55)], [(0.50, 0.40), (0.56, 0.50)],
    ],
    "ankle boot": [
        [(0.45, 0.02), (0.88, 0.02), (0.92, 0.40), (0.98, 0.80), (0.97, 0.96), (0.02, 0.96), (0.03, 0.80),
         (0.25, 0.68), (0.42, 0.50), (0.45, 0.02)],
        [(0.02, 0.86), (0.97, 0.86)],
    ],
    "T-shirt": [
        [(0.38, 0.04), (0.14, 0.12), (0.00, 0.40), (0.14, 0.46), (0.22, 0.34), (0.22, 0.97), (0.78, 0.97),
         (0.78, 0.34), (0.86, 0.46), (1.00, 0.40), (0.86, 0.12), (0.62, 0.04)],
        _arc(0.50, 0.04, 0.12, 0.08, 180, 0),
    ],
    "trousers": [
        [(0.22, 0.02), (0.78, 0.02), (0.84, 0.98), (0.58, 0.98), (0.50, 0.28), (0.42, 0.98), (0.16, 0.98),
         (0.22, 0.02)],
        [(0.22, 0.11), (0.78, 0.11)],
    ],
    "bag": [
        [(0.04, 0.36), (0.96, 0.36), (0.98, 0.98), (0.02, 0.98), (0.04, 0.36)],
        _arc(0.50, 0.36, 0.24, 0.32, 180, 360),
    ],
    "dress": [
        [(0.36, 0.02), (0.30, 0.36), (0.08, 0.98), (0.92, 0.98), (0.70, 0.36), (0.64, 0.02)],
        _arc(0.50, 0.02, 0.14, 0.10, 180, 0),
        [(0.30, 0.36), (0.70, 0.36)],
    ],
}


def example_strokes(name: str, canvas_size: int = CANVAS_SIZE) -> list[list[tuple[float, float]]]:
    """The strokes of example ``name`` (one of ``EXAMPLES``) in pad pixels, the outline within the middle 80 %."""
    if name not in EXAMPLES:
        raise SketchError(f"no example sketch called {name!r}; there are {', '.join(EXAMPLES)}")
    margin, span = 0.1 * canvas_size, 0.8 * canvas_size
    return [[(round(margin + x * span, 1), round(margin + y * span, 1)) for x, y in stroke]
            for stroke in EXAMPLES[name]]


def draw_strokes(strokes, size: int = CANVAS_SIZE, pen_width: int = PEN_WIDTH) -> Image.Image:
    """``strokes`` (lists of (x, y) points in pixels) drawn black on a white ``size`` × ``size`` picture (mode L)
    with round caps and joins, as the pad draws them."""
    picture = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(picture)
    radius = pen_width / 2
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in stroke]
        if len(points) > 1:
            pen.line(points, fill=0, width=pen_width, joint="curve")
        for x, y in (points[0], points[-1]) if points else ():
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return picture


# ---- a drawing → the model's input ------------------------------------------------------------------------------
def sketch_to_edges(drawing: Image.Image, image_size: int, domain_size: int = 0) -> Image.Image:
    """The edge map (mode L, ``image_size`` square, black lines on white) a model trained on ``domain_size``
    edge maps resized to ``image_size`` sees for ``drawing`` (any size, dark lines on light; see the module's
    steps). ``domain_size`` 0 means the model's own size. Raises ``SketchError`` when nothing is drawn."""
    from ..io.decode import to_l_or_rgb

    domain_size = domain_size or image_size
    if drawing.mode not in ("L", "RGB"):  # the decoder's one rule: transparency on white, palettes, 16-bit...
        drawing = to_l_or_rgb(drawing)
    ink = 1.0 - np.asarray(drawing.convert("L"), dtype=np.float32) / 255.0
    rows, columns = np.nonzero(ink > INK_THRESHOLD)
    if len(rows) < MIN_INK_PIXELS:
        raise SketchError("Nothing is drawn yet: draw an outline with the mouse, or start from an example.")
    lines = thin_lines(_fill_frame(_square_around(ink, rows, columns), domain_size) > LINE_COVERAGE)
    edges = lines.reshape(domain_size, WORK_SCALE, domain_size, WORK_SCALE).any(axis=(1, 3))
    values = torch.from_numpy(np.where(edges, 0.0, 255.0).astype(np.float32))[None, None]
    if domain_size != image_size:  # as gans.data.image_data resizes the training edge maps
        values = F.interpolate(values, size=(image_size, image_size), mode="bilinear", antialias=True,
                               align_corners=False)
    return Image.fromarray(values[0, 0].round().clamp(0, 255).to(torch.uint8).numpy(), mode="L")


def _fill_frame(square: np.ndarray, domain_size: int) -> np.ndarray:
    """``square`` (values 0 … 1) area-resized into the working frame (``WORK_SCALE`` × ``domain_size``), its side
    spanning the frame less ``FRAME_MARGIN`` on each side, centred."""
    work = domain_size * WORK_SCALE
    inner = max(1, round(WORK_SCALE * (domain_size - 2 * FRAME_MARGIN)))
    scaled = Image.fromarray(np.round(square * 255).astype(np.uint8)).resize((inner, inner), Image.Resampling.BOX)
    frame = np.zeros((work, work), dtype=np.float32)
    offset = (work - inner) // 2
    frame[offset:offset + inner, offset:offset + inner] = np.asarray(scaled, dtype=np.float32) / 255.0
    return frame


def _square_around(ink: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The square of ``ink`` centred on the inked pixels' bounding box, as large as its longer side (no ink
    outside the picture)."""
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    side = max(bottom - top, right - left)
    y0, x0 = top - (side - (bottom - top)) // 2, left - (side - (right - left)) // 2
    square = np.zeros((side, side), dtype=np.float32)
    square[top - y0:bottom - y0, left - x0:right - x0] = ink[top:bottom, left:right]
    return square


def thin_lines(mask: np.ndarray) -> np.ndarray:
    """``mask`` (bool, H × W) thinned to lines one pixel wide that keep its shape and connections: Zhang & Suen's
    two-step parallel thinning, repeated until nothing changes."""
    pixels = np.pad(mask.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            middle = pixels[1:-1, 1:-1]
            # the 8 neighbours clockwise from north: P2 … P9 in the paper
            p2, p3, p4, p5 = pixels[:-2, 1:-1], pixels[:-2, 2:], pixels[1:-1, 2:], pixels[2:, 2:]
            p6, p7, p8, p9 = pixels[2:, 1:-1], pixels[2:, :-2], pixels[1:-1, :-2], pixels[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            neighbours = sum(n.astype(np.int32) for n in ring[:8])
            crossings = sum(((ring[i] == 0) & (ring[i + 1] == 1)).astype(np.int32) for i in range(8))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)  # a south-east boundary or north-west corner
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)  # a north-west boundary or south-east corner
            remove = (middle == 1) & (neighbours >= 2) & (neighbours <= 6) & (crossings == 1) & side
            if remove.any():
                middle[remove] = 0
                changed = True
        if not changed:
            return pixels[1:-1, 1:-1].astype(bool)


# ---- a sketch, translated ------------------------------------------------------------------------------------------
@dataclass
class SketchTranslation:
    """A sketch translated: ``input`` the edge map the model saw (its input size), ``output`` what it made."""

    input: Image.Image
    output: Image.Image
    direction: str


def takes_sketches(info, direction: str = "a2b") -> bool:
    """Whether the translator of ``info`` (a ``CheckpointInfo``) takes edge maps in ``direction``: its dataset
    says that side is of kind "edges"."""
    from .describe_input import input_domain

    domain = input_domain(info, direction)
    return domain is not None and domain.kind == "edges"


def translate_sketch(model, info, drawing: bytes | str | Path | Image.Image,
                     direction: str = "a2b") -> SketchTranslation:
    """Turn ``drawing`` (the pad's PNG bytes, a path, or a picture) into the input of the translator ``model``
    (whose ``CheckpointInfo`` is ``info``) as its training edge maps look (``sketch_to_edges``), and translate it.
    Raises ``SketchError`` when nothing is drawn, ``UploadError`` when the bytes are no image."""
    from ..io.uploads import decode_upload
    from .describe_input import input_domain
    from .translate import translate_picture

    if not isinstance(drawing, Image.Image):
        drawing = decode_upload(drawing, check_size=budget.check_pixels)
    domain = input_domain(info, direction)
    edges = sketch_to_edges(drawing, int(info.image_size), domain.size if domain else 0)
    return SketchTranslation(edges, translate_picture(model, edges, direction).output, direction)


def enlarge(picture: Image.Image, at_least: int = CANVAS_SIZE) -> Image.Image:
    """``picture`` enlarged by the smallest whole factor that makes its longer side at least ``at_least`` pixels,
    nearest neighbour: a 32 px output shown beside the pad with its pixels crisp, not blurred."""
    factor = max(1, math.ceil(at_least / max(picture.size)))
    return picture.resize((picture.width * factor, picture.height * factor), Image.Resampling.NEAREST)
