"""Synthetic captions for labelled image datasets: the class name plus attributes measured from the image.

Fashion-MNIST has no captions, so the text-to-image model trains on captions written from what each image shows:
its class and three attributes measured from its pixels,

- brightness: the mean intensity of the garment's pixels (those above ``GARMENT_LEVEL``): "dark" / "light";
- area: the share of the image the garment covers: "small" / "large";
- texture: the mean absolute difference between neighbouring garment pixels: "plain" / "patterned".

Each attribute is measured relative to the image's class: the terciles of its class (``class_thresholds``, measured
once from the training data and saved with the model) cut it into low (-1), middle (0, no word) and high (+1), so
every class has dark and light, small and large examples. ``captions`` then writes one caption per image in one of
several phrasings ("a dark large ankle boot", "ankle boot, dark and large", "a photo of a dark ankle boot", ...),
attributes in random order, each left out now and then (so a prompt that names no brightness asks for any).
"""

from __future__ import annotations

import torch

#: (name, word for the low tercile, word for the high tercile) of each measured attribute
ATTRIBUTES = (("brightness", "dark", "light"), ("area", "small", "large"), ("texture", "plain", "patterned"))
#: the phrasings a caption is drawn from: {name} is the class, {attributes} the words before it ("dark large"),
#: {attributes_and} the same words joined by "and" after it
PHRASINGS = (
    "{article} {attributes} {name}",
    "{name}, {attributes_and}",
    "a photo of {article} {attributes} {name}",
    "{article} {name} that is {attributes_and}",
    "{attributes} {name}",
    "an image of {article} {attributes} {name}",
)
#: pixels brighter than this (in [0, 1]) belong to the garment; Fashion-MNIST's background is black
GARMENT_LEVEL = 0.15
#: chance that a caption leaves out one of the image's attribute words
DROP_CHANCE = 0.25
MEASURE_CHUNK = 4096  # images measured at a time (bounds the float copy)


def measure_attributes(images: torch.Tensor) -> torch.Tensor:
    """(N, 3) float: brightness, area and texture of ``images`` (N, C, H, W) in [-1, 1] (colour: their mean)."""
    rows = []
    for chunk in images.split(MEASURE_CHUNK):
        pixels = (chunk.float().mean(dim=1) + 1) / 2  # (n, H, W) in [0, 1]
        garment = (pixels > GARMENT_LEVEL).float()
        count = garment.sum(dim=(1, 2))
        brightness = (pixels * garment).sum(dim=(1, 2)) / count.clamp(min=1)
        area = count / garment[0].numel()
        across = (pixels[:, :, 1:] - pixels[:, :, :-1]).abs() * garment[:, :, 1:] * garment[:, :, :-1]
        down = (pixels[:, 1:] - pixels[:, :-1]).abs() * garment[:, 1:] * garment[:, :-1]
        pairs = garment[:, :, 1:] * garment[:, :, :-1]
        pairs = pairs.sum(dim=(1, 2)) + (garment[:, 1:] * garment[:, :-1]).sum(dim=(1, 2))
        texture = (across.sum(dim=(1, 2)) + down.sum(dim=(1, 2))) / pairs.clamp(min=1)
        rows.append(torch.stack([brightness, area, texture], dim=1))
    return torch.cat(rows) if rows else torch.zeros(0, len(ATTRIBUTES))


def class_thresholds(measures: torch.Tensor, labels: torch.Tensor, num_classes: int) -> list:
    """The terciles of each attribute within each class: a nested list [class][attribute] = [low, high] (plain
    floats, saved in the model's config). A class without images gets the terciles of all images."""
    overall = torch.quantile(measures, torch.tensor([1 / 3, 2 / 3]), dim=0).T  # (3, 2)
    thresholds = []
    for label in range(num_classes):
        chosen = measures[labels == label]
        cuts = torch.quantile(chosen, torch.tensor([1 / 3, 2 / 3]), dim=0).T if len(chosen) else overall
        thresholds.append([[round(float(low), 6), round(float(high), 6)] for low, high in cuts])
    return thresholds


def attribute_levels(measures: torch.Tensor, labels: torch.Tensor, thresholds: torch.Tensor | None) -> torch.Tensor:
    """(N, 3) int64 in {-1, 0, 1}: each attribute below its class's lower tercile, between, or above the upper one.
    ``thresholds`` is (classes, 3, 2); None: the terciles of this batch itself (a model built without data)."""
    if thresholds is None:
        cuts = torch.quantile(measures.float(), torch.tensor([1 / 3, 2 / 3], device=measures.device), dim=0).T
        cuts = cuts.expand(len(measures), -1, -1)
    else:
        cuts = thresholds.to(measures.device)[labels]  # (N, 3, 2)
    return (measures > cuts[..., 1]).long() - (measures < cuts[..., 0]).long()


def caption_name(class_name: str) -> str:
    """How captions write a class: the dataset's name in lower case ("t-shirt/top", "ankle boot")."""
    return str(class_name).strip().lower()


def _caption(name: str, words: list[str], phrasing: str) -> str:
    if not words and "{attributes_and}" in phrasing:
        phrasing = PHRASINGS[0]  # "ankle boot, " with nothing after it reads badly
    first = (words[0] if words else name)[:1]
    text = phrasing.format(article="an" if first in "aeiou" else "a", name=name, attributes=" ".join(words),
                           attributes_and=" and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words))
    return " ".join(text.split())


def captions(levels: torch.Tensor, labels: torch.Tensor, class_names, generator: torch.Generator | None = None,
             drop_chance: float = DROP_CHANCE) -> list[str]:
    """One caption per image from its attribute ``levels`` (N, 3) and ``labels`` (N,): a random phrasing, the
    attribute words in random order, each left out with ``drop_chance``. Random draws come from ``generator``
    (the global torch generator when None, so a training run resumes exactly)."""
    n = len(labels)
    phrasing = torch.randint(len(PHRASINGS), (n,), generator=generator).tolist()
    kept = (torch.rand(n, len(ATTRIBUTES), generator=generator) >= drop_chance).tolist()
    order = torch.rand(n, len(ATTRIBUTES), generator=generator).argsort(dim=1).tolist()
    levels, labels = levels.tolist(), labels.tolist()
    texts = []
    for row in range(n):
        words = [ATTRIBUTES[a][1] if levels[row][a] < 0 else ATTRIBUTES[a][2]
                 for a in order[row] if levels[row][a] and kept[row][a]]
        texts.append(_caption(caption_name(class_names[labels[row]]), words, PHRASINGS[phrasing[row]]))
    return texts


def mismatched(levels: torch.Tensor, labels: torch.Tensor, num_classes: int,
               generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(levels, labels) of captions that do not match the images, for the matching-aware discriminator: for a
    random half of the images whose attributes have a word, the same class with every attribute word flipped
    ("dark" ↔ "light", ...: hard negatives, which only an image's attributes tell apart); for the others, another
    class (uniformly) with the image's own attributes."""
    other = (labels + torch.randint(1, num_classes, labels.shape, generator=generator).to(labels.device)) % num_classes
    flip = (torch.rand(labels.shape, generator=generator).to(labels.device) < 0.5) & (levels != 0).any(dim=1)
    return torch.where(flip[:, None], -levels, levels), torch.where(flip, labels, other)


def every_caption(class_names) -> list[str]:
    """One caption of each phrasing for each class, with every attribute word (low and high): together they hold
    every word a training caption can contain (what the vocabulary is built from,
    ``gans.ops.text.build_vocabulary``)."""
    return [_caption(caption_name(name), [attribute[side] for attribute in ATTRIBUTES], phrasing)
            for name in class_names for phrasing in PHRASINGS for side in (1, 2)]
