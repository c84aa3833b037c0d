"""What a colorization measured, in one plain sentence, and what the render size does to the colour.

The Colorize page showed a table of PSNR / SSIM / colourfulness with no verdict, and nothing at all for a gray
photo; a sepia or wrong-coloured result looked like the model's best. Here:

- ``comparison`` for a colour upload (which was turned gray, coloured, and compared with the original): is the
  result closer to the original than the plain gray photo, in PSNR and SSIM, and is it as colourful?
- ``comparison`` for a gray upload (no original to compare with): how colourful the result is against 0 for the
  gray input, in Hasler & Süsstrunk's words; and, for either, whether its colours are nearly all one hue (a
  sepia-like tint, which colourfulness alone scores like a colourful photo).
- ``render_note``: the network colours a copy at the render size; when that is smaller than the photo, the colour
  is enlarged onto the photo's own lightness, so it is softer than the detail. The note says so, with the factor.
"""

from __future__ import annotations

import numpy as np
import torch

from ..metrics.image_quality import colorfulness, colorfulness_words, hue_concentration

#: the ``Colorization.metrics`` rows the sentence compares (``gans.tasks.colorize``)
RESULT, GRAY, ORIGINAL = "colorizer", "zero chroma (gray)", "original"
MEAN_COLOUR = "mean training chroma"
MEASURE_SIDE = 512  # colourfulness of a gray upload's result is measured on a copy at most this large
# Colourfulness within this fraction of the original's reads "about as colourful"
SIMILAR_COLOURFULNESS = 0.25
# PSNR differences under this many dB read "about as close"
SAME_PSNR_DB = 0.1
# A result whose colour points this much one way (``hue_concentration``) reads as a tint: sepia, a cast. Colour
# photos of varied things score 0.3-0.9; the shipped colorizer's sepia-like results 0.9-0.97, a pure tint 1.
TINT = 0.95
# Colour enlarged by at least this factor is called soft; below it the note stays factual
SOFT_FACTOR = 2.0


def comparison(metrics: dict[str, dict[str, float]], output=None, original=None) -> str:
    """One sentence (Markdown) on how the result compares with the gray input: against the original for a colour
    upload (``metrics``, as ``gans.tasks.colorize`` measures them), else the colourfulness of ``output`` (the coloured
    PIL image) against 0 for gray. Either way it says when the colours are nearly all one hue (a sepia-like tint;
    for a colour upload, only when the ``original``'s hues vary more). "" when there is nothing to compare."""
    tint = hue_spread_note(output, original) if output is not None else ""
    if metrics.get(RESULT, {}).get("psnr") is not None and metrics.get(GRAY, {}).get("psnr") is not None:
        return _against_original(metrics) + tint + "."
    if output is None:
        return ""
    value = measure(output, colorfulness)
    return f"Colourfulness **{value:.1f}** ({colorfulness_words(value)}), against 0 for the gray photo{tint}."


def _against_original(metrics: dict[str, dict[str, float]]) -> str:
    result, gray = metrics[RESULT], metrics[GRAY]
    gain = result["psnr"] - gray["psnr"]
    verdict = ("About as close to the original as" if abs(gain) < SAME_PSNR_DB else
               "Closer to the original than" if gain > 0 else "No closer to the original than")
    sentence = (f"{verdict} the gray photo: PSNR **{result['psnr']:.1f} dB** vs {gray['psnr']:.1f} dB, "
                f"SSIM **{result['ssim']:.3f}** vs {gray['ssim']:.3f}")
    original = metrics.get(ORIGINAL, {}).get("colorfulness")
    if original:
        ratio = result["colorfulness"] / original
        how = ("about as colourful as the original" if abs(ratio - 1) <= SIMILAR_COLOURFULNESS else
               "duller than the original" if ratio < 1 else "more vivid than the original")
        sentence += f"; colourfulness {result['colorfulness']:.1f} vs the original's {original:.1f} ({how})"
    mean = metrics.get(MEAN_COLOUR, {}).get("psnr")
    if mean is not None and mean - result["psnr"] >= SAME_PSNR_DB:  # the page's table shows it; say it here too
        sentence += (f"; the training photos' average colour alone would be closer ({mean:.1f} dB): try colour "
                     "hints or a reference photo")
    return sentence


def hue_spread_note(output, original=None) -> str:
    """"; its colours are nearly all one hue (...)" when ``output`` is a tint, else "" (also when the
    ``original`` is nearly one hue itself: a sunset may be)."""
    concentration = measure(output, hue_concentration)
    if concentration < TINT or (original is not None and measure(original, hue_concentration) >= TINT):
        return ""
    where = ", where the original's hues vary" if original is not None else ""
    return f"; its colours are nearly all one hue (a sepia-like tint{where})"


def measure(picture, metric) -> float:
    """``metric`` of a PIL image (as sRGB in [0, 1]), on a copy at most ``MEASURE_SIDE`` px a side."""
    picture = picture.convert("RGB")
    if max(picture.size) > MEASURE_SIDE:
        picture = picture.copy()
        picture.thumbnail((MEASURE_SIDE, MEASURE_SIDE))
    pixels = torch.from_numpy(np.asarray(picture, dtype=np.float32) / 255).permute(2, 0, 1)
    return float(metric(pixels))


def render_note(photo_size: tuple[int, int], render_size: tuple[int, int]) -> str:
    """A sentence when the colour was computed smaller than the photo and enlarged ("" when it was not)."""
    (width, height), (render_width, render_height) = photo_size, render_size
    factor = max(width / max(render_width, 1), height / max(render_height, 1))
    if factor <= 1:
        return ""
    soft = (" so fine colour detail is lost and edges may bleed; raise the render size for sharper colour"
            if factor >= SOFT_FACTOR else " (the lightness keeps the photo's full detail)")
    return (f"Colour was computed at {render_width}×{render_height} px and enlarged {factor:.1f}× onto the photo's "
            f"{width}×{height} px lightness,{soft}.")
