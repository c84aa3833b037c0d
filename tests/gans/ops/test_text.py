"""Prompts and synthetic captions for the text-to-image model (issue 19, parts 3 and 4): the word tokenizer, the
everyday forms of Fashion-MNIST's classes, unknown words, the vocabulary, the attributes measured relative to each
class and the several phrasings of the captions."""

import pytest
import torch

from gans.data.mnist import FASHION_MNIST_CLASSES
from gans.errors import ConfigError
from gans.ops import captions
from gans.ops.text import Vocabulary, build_vocabulary, class_words, words_of

CLASS_WORDS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


@pytest.fixture(scope="module")
def vocabulary():
    words = build_vocabulary(captions.every_caption(FASHION_MNIST_CLASSES), FASHION_MNIST_CLASSES)
    return Vocabulary(words, FASHION_MNIST_CLASSES)


def test_words_are_lower_case_runs_with_hyphenated_words_kept_whole():
    assert words_of("A T-shirt/top, DARK!") == ["a", "t-shirt", "top", "dark"]
    assert class_words("T-shirt/top") == ["t-shirt", "top"] and class_words("Ankle boot") == ["ankle-boot"]


def test_the_vocabulary_is_one_word_per_class_then_the_captions_words(vocabulary):
    assert vocabulary.known_words[:10] == CLASS_WORDS
    assert {"dark", "light", "small", "large", "plain", "patterned"} <= set(vocabulary.known_words)
    assert not {"a", "an", "the", "ankle", "boot", "top"} & set(vocabulary.known_words)
    assert vocabulary.words[:2] == ["<pad>", "<unk>"]


@pytest.mark.parametrize("prompt, words", [
    ("a dark ankle boot", ("dark", "ankle-boot")),
    ("An ankle boot", ("ankle-boot",)),
    ("boots", ("ankle-boot",)),
    ("Ankle-Boots, light", ("ankle-boot", "light")),
    ("the T-shirt/top", ("t-shirt",)),
    ("a tee", ("t-shirt",)), ("tshirt", ("t-shirt",)), ("t shirt", ("t-shirt",)), ("a top", ("t-shirt",)),
    ("trousers", ("trouser",)), ("a pair of pants", None),
    ("pullovers", ("pullover",)), ("dresses", ("dress",)), ("coats", ("coat",)), ("sandals", ("sandal",)),
    ("shirts", ("shirt",)), ("sneakers", ("sneaker",)), ("a bag", ("bag",)),
    ("large dark plain sandal", ("large", "dark", "plain", "sandal")),
    ("sandal large dark plain", ("sandal", "large", "dark", "plain")),
    ("dark dark coat", ("dark", "coat")),
])
def test_everyday_forms_articles_and_attribute_words_anywhere(vocabulary, prompt, words):
    parsed = vocabulary.parse(prompt)
    if words is None:  # "a pair of pants": "pair" is unknown, "of" a caption word, pants → trouser
        assert parsed.words == ("of", "trouser") and parsed.unknown == ("pair",)
        return
    assert parsed.words == words and parsed.unknown == ()


def test_unknown_words_are_reported_and_encoded_as_unk(vocabulary):
    parsed = vocabulary.parse("a shiny dark boot with laces")
    assert parsed.words == ("dark", "ankle-boot") and parsed.unknown == ("shiny", "with", "laces")
    assert parsed.ids[-3:] == (1, 1, 1) and parsed.ids[:2] == (vocabulary.ids["dark"], vocabulary.ids["ankle-boot"])
    ids = vocabulary.encode(["a coat", parsed])
    assert ids.shape == (2, 5) and ids[0].tolist() == [vocabulary.ids["coat"], 0, 0, 0, 0]


@pytest.mark.parametrize("prompt", ["", "   ", None, "a the an", "qwerty zzz", "!!!"])
def test_an_empty_or_all_unknown_prompt_is_one_clear_error(vocabulary, prompt):
    with pytest.raises(ConfigError) as error:
        vocabulary.require(prompt)
    message = str(error.value)
    assert "\n" not in message
    assert "empty" in message or ("vocabulary" in message and "ankle-boot" in message)


def garments(brightness: float, side: int, stripes: bool = False) -> torch.Tensor:
    """One 32 px image in [-1, 1]: a centred square of ``side`` px at ``brightness`` (in [0, 1]) on black."""
    image = torch.zeros(1, 32, 32)
    start = (32 - side) // 2
    image[:, start:start + side, start:start + side] = brightness
    if stripes:
        image[:, start:start + side:2, start:start + side] *= 0.5
    return image * 2 - 1


def test_attributes_are_measured_from_the_pixels():
    images = torch.stack([garments(0.4, 10), garments(0.9, 10), garments(0.9, 20), garments(0.9, 20, stripes=True)])
    brightness, area, texture = captions.measure_attributes(images).T
    assert brightness[0] == pytest.approx(0.4, abs=1e-3) and brightness[1] == pytest.approx(0.9, abs=1e-3)
    assert area[0] == pytest.approx(100 / 1024) and area[2] == pytest.approx(400 / 1024)
    assert texture[2] == pytest.approx(0.0, abs=1e-6) and texture[3] > 0.1


def test_attribute_levels_are_relative_to_the_class():
    """A bright image of a dark class is "light" and a dim image of a bright class "dark": terciles per class."""
    dim_class = [garments(b, 12) for b in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45)]
    bright_class = [garments(b, 12) for b in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85)]
    images, labels = torch.stack(dim_class + bright_class), torch.tensor([0] * 6 + [1] * 6)
    measures = captions.measure_attributes(images)
    thresholds = torch.tensor(captions.class_thresholds(measures, labels, 2))
    levels = captions.attribute_levels(measures, labels, thresholds)[:, 0]
    assert levels.tolist() == [-1, -1, 0, 0, 1, 1] * 2  # each class has dark and light examples
    overall = captions.attribute_levels(measures, labels, None)[:, 0]  # without class terciles: all dim are dark
    assert overall[:4].tolist() == [-1] * 4 and overall[-3:].tolist() == [1] * 3


def test_captions_use_several_phrasings_shuffle_and_sometimes_drop_attributes(vocabulary):
    levels, labels = torch.tensor([[-1, 1, 1]] * 400), torch.full((400,), 9)
    texts = captions.captions(levels, labels, FASHION_MNIST_CLASSES, generator=torch.Generator().manual_seed(0))
    assert len({text.replace("dark", "X").replace("large", "X").replace("patterned", "X") for text in texts}) >= 6
    parsed = [vocabulary.parse(text) for text in texts]
    assert all("ankle-boot" in p.words and not p.unknown and "light" not in p.words for p in parsed)
    orders = {tuple(word for word in p.words if word in ("dark", "large", "patterned")) for p in parsed}
    assert ("dark", "large", "patterned") in orders and ("patterned", "large", "dark") in orders
    assert 0.1 < sum("dark" not in p.words for p in parsed) / len(parsed) < 0.4  # left out about a quarter of the time
    assert "ankle boot, dark, large and patterned" in texts or "ankle boot, large, dark and patterned" in texts
    same = captions.captions(levels, labels, FASHION_MNIST_CLASSES, generator=torch.Generator().manual_seed(0))
    assert same == texts, "a function of the images, labels and random generator"


def test_a_middle_attribute_gets_no_word():
    texts = captions.captions(torch.zeros(50, 3, dtype=torch.long), torch.zeros(50, dtype=torch.long),
                              FASHION_MNIST_CLASSES, generator=torch.Generator().manual_seed(1))
    assert all(not set(text.split()) & {"dark", "light", "small", "large", "plain", "patterned"} for text in texts)
    assert all(text.rstrip().endswith("t-shirt/top") for text in texts)


def test_mismatched_captions_name_another_class_or_flip_every_attribute():
    levels = torch.tensor([[-1, 0, 1]] * 200 + [[0, 0, 0]] * 200)
    labels = torch.arange(400) % 10
    wrong_levels, wrong_labels = captions.mismatched(levels, labels, 10, generator=torch.Generator().manual_seed(0))
    same_class = wrong_labels == labels
    assert torch.equal(wrong_levels[same_class], -levels[same_class])  # hard negatives: attributes flipped
    assert not same_class[200:].any(), "an image without attribute words gets another class"
    assert 0.35 < same_class[:200].float().mean() < 0.65
    assert torch.equal(wrong_levels[~same_class], levels[~same_class])
