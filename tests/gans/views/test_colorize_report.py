"""gans.views.colorize_report: the Colorize page's one-sentence comparison with the gray input, and the render-size
note."""

import numpy as np
import pytest
from PIL import Image

from gans.metrics.image_quality import colorfulness, colorfulness_words, hue_concentration
from gans.views.colorize_report import comparison, measure, render_note


def metrics(result_psnr: float, gray_psnr: float, result_colour: float = 20.0, original_colour: float = 40.0):
    return {"colorizer": {"psnr": result_psnr, "ssim": 0.912, "colorfulness": result_colour},
            "zero chroma (gray)": {"psnr": gray_psnr, "ssim": 0.905, "colorfulness": 0.0},
            "mean training chroma": {"psnr": 20.0, "ssim": 0.9, "colorfulness": 5.0},
            "original": {"colorfulness": original_colour}}


def stripes(first=(255, 0, 0), second=(0, 160, 255)) -> Image.Image:
    pixels = np.zeros((30, 40, 3), np.uint8)
    pixels[:, ::2], pixels[:, 1::2] = first, second
    return Image.fromarray(pixels)


def sepia() -> Image.Image:
    lightness = np.linspace(0.2, 1, 40)[None, :, None].repeat(30, 0)
    return Image.fromarray((lightness * (255, 180, 110)).astype(np.uint8))


def test_a_colour_upload_says_whether_the_result_beats_the_gray_photo_in_one_sentence():
    assert comparison(metrics(24.12, 22.31, 38.0, 40.0)) == (
        "Closer to the original than the gray photo: PSNR **24.1 dB** vs 22.3 dB, SSIM **0.912** vs 0.905; "
        "colourfulness 38.0 vs the original's 40.0 (about as colourful as the original).")
    worse = comparison(metrics(21.0, 22.3, 10.0, 40.0))
    assert worse.startswith("No closer to the original than the gray photo: PSNR **21.0 dB** vs 22.3 dB")
    assert worse.endswith("(duller than the original).")
    assert comparison(metrics(25.0, 22.0, 70.0, 40.0)).endswith("(more vivid than the original).")
    assert comparison(metrics(16.02, 16.0)).startswith("About as close to the original as the gray photo")
    assert "average colour" not in comparison(metrics(24.12, 22.31, 38.0, 40.0))


def test_when_the_training_photos_average_colour_beats_the_result_the_sentence_says_so():
    sentence = comparison(metrics(18.0, 17.0, 9.0, 60.0))  # the mean training chroma scores 20.0 dB
    assert sentence.startswith("Closer to the original than the gray photo")
    assert "the training photos' average colour alone would be closer (20.0 dB): try colour hints or a " \
           "reference photo" in sentence


def test_a_sepia_result_is_called_a_tint_unless_the_original_is_one_hue_too():
    assert comparison(metrics(24.0, 22.0), sepia(), stripes()).endswith(
        "; its colours are nearly all one hue (a sepia-like tint, where the original's hues vary).")
    assert "one hue" not in comparison(metrics(24.0, 22.0), sepia(), sepia()), "a sunset may be one hue"
    assert "one hue" not in comparison(metrics(24.0, 22.0), stripes(), stripes())


def test_a_gray_upload_gets_the_result_s_colourfulness_against_zero():
    assert measure(Image.new("L", (40, 30), 128), colorfulness) == 0.0
    assert measure(Image.new("L", (40, 30), 128), hue_concentration) == 0.0
    tinted = comparison({}, sepia())
    assert tinted.startswith("Colourfulness **") and "against 0 for the gray photo" in tinted
    assert tinted.endswith("; its colours are nearly all one hue (a sepia-like tint).")
    vivid = comparison({}, stripes())
    assert "extremely colourful" in vivid and "one hue" not in vivid
    assert comparison({}) == ""


def test_hue_concentration_is_one_for_a_tint_and_low_for_varied_hues():
    import torch

    assert measure(sepia(), hue_concentration) == pytest.approx(1.0, abs=1e-3)  # uint8 rounding
    assert measure(stripes(), hue_concentration) < 0.3
    batch = torch.stack([torch.full((3, 4, 4), 0.5), torch.tensor([0.9, 0.4, 0.1]).view(3, 1, 1).expand(3, 4, 4)])
    assert hue_concentration(batch).tolist() == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize("value, words", [(0, "not colourful"), (15, "slightly colourful"),
                                          (33, "moderately colourful"), (109, "extremely colourful")])
def test_colourfulness_in_the_words_of_hasler_and_suesstrunk(value, words):
    assert colorfulness_words(value) == words


def test_the_render_note_says_colour_was_computed_smaller_and_enlarged():
    assert render_note((200, 100), (200, 100)) == ""
    note = render_note((1024, 768), (128, 96))
    assert note.startswith("Colour was computed at 128×96 px and enlarged 8.0× onto the photo's 1024×768 px")
    assert "raise the render size" in note
    mild = render_note((300, 200), (256, 171))
    assert "enlarged 1.2×" in mild and "raise the render size" not in mild
