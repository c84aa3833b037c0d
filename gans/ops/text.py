"""Prompts → word ids for text-conditional models: a word tokenizer, everyday forms, a vocabulary.

A prompt is lower-cased and split into words (letters and digits; a hyphen inside a word keeps it whole, so
"t-shirt" is one word and "T-shirt/top" two). Articles (a, an, the) are dropped. Each word is then normalised
before it is looked up: two words that spell one vocabulary word ("ankle boot", "t shirt") are joined; everyday
forms become the dataset's word ("trousers" → "trouser", "tee" → "t-shirt", "boots" → "ankle-boot"), plurals
their singular; a class whose name offers alternatives ("T-shirt/top") answers to each of them. A word that is
still not in the vocabulary is unknown: it is reported and encoded as ``<unk>``, which the text encoders ignore,
so "a drak ankle boot" means "an ankle boot" plus the report that "drak" is unknown. Repeated words count once.

```python
vocabulary = Vocabulary(["ankle-boot", "dark", "light"], ["Ankle boot"])
prompt = vocabulary.parse("Two dark boots")
prompt.words, prompt.unknown                # ("dark", "ankle-boot"), ("two",)
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from ..errors import ConfigError

PAD, UNKNOWN = "<pad>", "<unk>"
ARTICLES = frozenset({"a", "an", "the"})
WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

#: everyday forms of Fashion-MNIST's class words (used only when the word they stand for is in the vocabulary)
EVERYDAY_FORMS = {
    "tshirt": "t-shirt", "tee": "t-shirt", "tees": "t-shirt", "tee-shirt": "t-shirt", "tops": "t-shirt",
    "trousers": "trouser", "pants": "trouser", "jeans": "trouser", "slacks": "trouser",
    "sweater": "pullover", "sweaters": "pullover", "jumper": "pullover", "jumpers": "pullover",
    "jacket": "coat", "jackets": "coat",
    "sneakers": "sneaker", "trainer": "sneaker", "trainers": "sneaker",
    "handbag": "bag", "handbags": "bag", "purse": "bag",
    "boot": "ankle-boot", "boots": "ankle-boot", "ankle-boots": "ankle-boot",
}


def words_of(text: str) -> list[str]:
    """The words of ``text``: lower-case runs of letters and digits, hyphenated words kept whole."""
    return WORD.findall(str(text).lower())


def class_words(class_name: str) -> list[str]:
    """The words a class name offers, the first being the one captions and the vocabulary use: "Ankle boot" →
    ["ankle-boot"], "T-shirt/top" → ["t-shirt", "top"] (the dataset's alternatives are split at "/")."""
    forms = ["-".join(words_of(part)) for part in str(class_name).split("/")]
    return [form for form in forms if form]


@dataclass(frozen=True)
class Prompt:
    """A parsed prompt: the normalised known ``words`` (in order, once each), the ``unknown`` words as written,
    and ``ids``, the word ids a text encoder reads (unknown words as ``<unk>``)."""

    text: str
    words: tuple[str, ...]
    unknown: tuple[str, ...]
    ids: tuple[int, ...]


class Vocabulary:
    """Word ↔ id for a text-conditional model: id 0 is ``<pad>``, 1 is ``<unk>``, then ``words`` in order.

    ``class_names`` (the dataset's, e.g. "T-shirt/top") add their alternative forms as aliases of the class word.
    """

    def __init__(self, words, class_names=()):
        words = [word for word in dict.fromkeys(words) if word not in (PAD, UNKNOWN)]
        self.words = [PAD, UNKNOWN, *words]
        self.ids = {word: index for index, word in enumerate(self.words)}
        self.aliases = {form: word for form, word in EVERYDAY_FORMS.items() if word in self.ids}
        for name in class_names:
            forms = class_words(name)
            for form in forms[1:]:
                if forms[0] in self.ids and form not in self.ids:
                    self.aliases[form] = forms[0]

    def __len__(self) -> int:
        return len(self.words)

    @property
    def known_words(self) -> list[str]:
        """The words a prompt may use (without ``<pad>`` / ``<unk>``)."""
        return self.words[2:]

    def normalise(self, word: str) -> str | None:
        """The vocabulary word ``word`` stands for, or None when unknown (everyday forms, plurals)."""
        for form in (word, word[:-1] if word.endswith("s") else None, word[:-2] if word.endswith("es") else None):
            if not form:
                continue
            form = self.aliases.get(form, form)
            if form in self.ids:
                return form
        return None

    def parse(self, text: str) -> Prompt:
        """``text`` as normalised known words plus the unknown ones (never raises; see ``require``)."""
        raw = [word for word in words_of(text) if word not in ARTICLES]
        known, unknown, index = [], [], 0
        while index < len(raw):
            pair = "-".join(raw[index:index + 2]) if index + 1 < len(raw) else None
            joined = self.normalise(pair) if pair else None
            if joined is not None and self.normalise(raw[index]) != joined:  # "ankle boot", "t shirt"
                word, index = joined, index + 2
            else:
                word, index = self.normalise(raw[index]), index + 1
                if word is None:
                    unknown.append(raw[index - 1])
                    continue
            if word not in known:
                known.append(word)
        unknown = list(dict.fromkeys(unknown))
        ids = tuple(self.ids[word] for word in known) + (self.ids[UNKNOWN],) * len(unknown)
        return Prompt(str(text), tuple(known), tuple(unknown), ids)

    def require(self, text: str) -> Prompt:
        """``parse``, raising ``ConfigError`` with a one-line message for an empty prompt or one whose words are
        all unknown."""
        if text is None or not str(text).strip():
            raise ConfigError("the prompt is empty; describe an image, e.g. 'a dark ankle boot'")
        prompt = self.parse(text)
        if not prompt.words:
            example = ", ".join(self.known_words[:12])
            raise ConfigError(f"no word of the prompt {str(text).strip()!r} is in the model's vocabulary; "
                              f"use words such as {example}")
        return prompt

    def encode(self, prompts) -> torch.Tensor:
        """Word ids (N, L) of ``prompts`` (texts or ``Prompt``s), padded with ``<pad>`` (0) to the longest."""
        parsed = [prompt if isinstance(prompt, Prompt) else self.parse(prompt) for prompt in prompts]
        length = max([1] + [len(prompt.ids) for prompt in parsed])
        ids = torch.zeros(len(parsed), length, dtype=torch.long, device="cpu")  # on the CPU even on a meta model
        for row, prompt in enumerate(parsed):
            ids[row, :len(prompt.ids)] = torch.tensor(prompt.ids, dtype=torch.long, device="cpu")
        return ids


def build_vocabulary(texts, class_names) -> list[str]:
    """The words of a vocabulary for captions ``texts`` of a dataset with ``class_names``: each class's word
    first ("ankle-boot", "t-shirt": one word per class), then every other word of the captions in the order first
    seen (articles left out)."""
    words = list(dict.fromkeys(form for form in (class_words(name)[0] for name in class_names if class_words(name))))
    classes = Vocabulary(words, class_names)
    for text in texts:
        words.extend(word for word in classes.parse(text).unknown if word not in words)
    return words


def takes_text(model) -> bool:
    """Whether ``model`` generates from a text prompt (a text-to-image model: it parses prompts)."""
    return callable(getattr(model, "parse_prompt", None))


def read_prompt(model, text: str) -> Prompt:
    """``text`` as ``model`` reads it (its known words and the unknown ones); ``ConfigError`` with a one-line message
    for a model that takes no text, an empty prompt, or a prompt whose words are all unknown."""
    if not takes_text(model):
        name = getattr(model, "architecture", None) or type(model).__name__
        raise ConfigError(f"{name} takes no text prompt; a text-to-image run (text2image) does")
    return model.parse_prompt(text)


def unknown_note(prompt: Prompt) -> str | None:
    """One line naming the words of ``prompt`` the model does not know (left out), or None when it knows all."""
    if not prompt.unknown:
        return None
    words = ", ".join(repr(word) for word in prompt.unknown)
    return (f"unknown word{'s' if len(prompt.unknown) > 1 else ''} left out: {words}; the prompt was read as "
            f"{' '.join(prompt.words)!r}")
