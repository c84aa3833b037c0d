"""Text-to-image GAN: DCGAN networks conditioned on a sentence, with a matching-aware discriminator
(Reed et al. 2016, "Generative Adversarial Text to Image Synthesis", GAN-CLS).

Text: a prompt is parsed into words by the model's vocabulary (``gans.ops.text``: lower case, articles dropped,
everyday forms normalised, unknown words encoded as ``<unk>``). A text encoder learned from scratch turns the word
ids into a sentence vector: word embeddings, their mean over the known words (word order does not matter for these
captions; ``<pad>`` and ``<unk>`` are left out of the mean), then a linear layer and LeakyReLU(0.2). G and D each
have their own encoder, trained with their own loss: G's learns what to draw, D's what to check; the EMA generator
averages G's encoder with the rest of G.

Generator: DCGAN's, from [z, sentence vector] (N, latent_dim + embed_dim). Discriminator: DCGAN's, with the
sentence vector mapped to one image-sized plane concatenated to the image (the label plane of the cGAN, which kept
the variety on Fashion-MNIST where a projection D collapsed).

Matching-aware D: real image + its caption → real; fake + its caption → fake; real image + a caption that does
not match → fake, with ``mismatch_weight`` of the fake term: (1 - w)·loss(real, fake) + w·loss(real, mismatched).
With ``mismatch_hard``, half the mismatched captions are hard negatives: the image's own class with its attribute
words flipped ("dark" ↔ "light"), so D has to read the attributes and not only the class; the rest name another
class. (On the cGAN, w = 1 collapsed within classes; 0.1 with hard negatives worked.) ``mode_seeking`` (0.1) adds
MSGAN's term (Mao et al. 2019) to G's loss, against drawing one picture per prompt whatever the noise: without it,
20 minutes of training on Fashion-MNIST gave recall 0.02 (FD 75.5), with it 0.51 (FD 24.8; README).

Training captions are synthetic (``gans.ops.captions``): each image's class name plus attributes measured from its
pixels relative to its class (dark / light, small / large, plain / patterned), in several phrasings, written anew
for every batch. The class names, the vocabulary and the per-class attribute terciles are init arguments measured
from the training data (``settings_for_data``), so ``gans.load`` rebuilds everything offline.

Without a prompt the model is class-conditional: class c is the prompt "a <class name>" (``class_prompt``), so
class labels work wherever they do for the cGAN (grids, interpolation, synthetic datasets, class accuracy).
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.mnist import FASHION_MNIST_CLASSES
from ..errors import ConfigError
from ..ops import captions
from ..ops.text import Vocabulary, build_vocabulary
from ..registry import register
from .adversarial import AdversarialGAN
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .info import Setting
from .nn.layers import dcgan_init
from .noise_to_image import check_common

#: images whose attributes are measured for the class terciles (a spread-out subset of a large dataset)
THRESHOLD_IMAGES = 20000


class TextEncoder(nn.Module):
    """Word ids (N, L) → sentence vector (N, dim): mean of the known words' embeddings, linear, LeakyReLU."""

    def __init__(self, vocabulary_size: int, dim: int):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, dim, padding_idx=0)
        self.project = nn.Sequential(nn.Linear(dim, dim), nn.LeakyReLU(0.2))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        known = (ids > 1).unsqueeze(2).to(self.embedding.weight.dtype)  # 0 = <pad>, 1 = <unk>: left out
        words = self.embedding(ids) * known  # (N, L, dim)
        mean = words.sum(dim=1) / known.sum(dim=1).clamp(min=1)  # (N, dim)
        return self.project(mean)


class TextGenerator(nn.Module):
    """G(z, word ids (N, L)); class labels (N,) stand for their class prompts (``class_ids``: the word ids of each
    class's prompt), so code written for class-conditional generators (projection) drives it too."""

    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int, vocabulary_size: int,
                 embed_dim: int, class_ids: torch.Tensor):
        super().__init__()
        self.text = TextEncoder(vocabulary_size, embed_dim)
        self.body = DCGANGenerator(latent_dim + embed_dim, image_size, channels, width, 0, 0)
        self.register_buffer("class_ids", class_ids, persistent=False)  # from the config, not the weights

    def forward(self, z: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        if ids.dim() == 1:  # class labels
            ids = self.class_ids[ids]
        return self.body(torch.cat([z, self.text(ids).to(z.dtype)], dim=1))  # (N, C, S, S)


class TextDiscriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, width: int, norm: str, use_spectral_norm: bool,
                 vocabulary_size: int, embed_dim: int):
        super().__init__()
        self.image_size = image_size
        self.text = TextEncoder(vocabulary_size, embed_dim)
        self.text_plane = nn.Linear(embed_dim, image_size * image_size)  # the sentence as one more input plane
        self.body = DCGANDiscriminator(image_size, channels + 1, width, norm, use_spectral_norm, 0, "concat")

    def forward(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        plane = self.text_plane(self.text(ids)).view(-1, 1, self.image_size, self.image_size)
        return self.body(torch.cat([images, plane.to(images.dtype)], dim=1))  # (N,)


@register("text2image")
class TextToImageGAN(AdversarialGAN):
    """Text-to-image GAN (Reed et al. 2016, GAN-CLS): DCGAN nets, a learned text encoder, matching-aware D

    Trained on synthetic captions (class + attributes measured from each image, ``gans.ops.captions``)."""

    default_dataset = "fashion-mnist-mini"
    default_steps = 3000
    advanced_settings = AdversarialGAN.advanced_settings + (
        Setting("mismatch_weight", "Mismatched-caption weight in D (GAN-CLS)", "float", format="%.2f",
                help="Reed et al. 2016: a real image under a caption that does not match counts as fake, with this "
                     "share of D's fake term (0 = off)"),
        Setting("mismatch_hard", "Hard negatives: same class, attributes flipped", "bool"),
        Setting("mode_seeking", "Mode-seeking weight (MSGAN; 0 = off)", "float", format="%.2f",
                help="Mao et al. 2019: G also keeps two latents under one caption apart in the image, against "
                     "drawing one picture per prompt"),
    )

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 32,
        channels: int = 1,
        width: int = 32,
        embed_dim: int = 64,
        num_classes: int = 10,
        class_names: list | None = None,
        vocabulary: list | None = None,
        thresholds: list | None = None,
        loss: str = "bce",
        d_norm: str = "batch",
        spectral_norm: bool = False,
        optimizer: str = "adam",
        lr: float = 1e-3,
        betas: tuple = (0.5, 0.999),
        ema_decay: float = 0.999,
        augment: str = "translation,cutout",
        mismatch_weight: float = 0.1,
        mismatch_hard: bool = True,
        mode_seeking: float = 0.1,
    ):
        super().__init__()
        check_common(latent_dim, image_size, channels, lr, optimizer, betas)
        if width < 1 or embed_dim < 1:
            raise ConfigError(f"width and embed_dim must be at least 1, got {width} and {embed_dim}")
        if num_classes < 2:
            raise ConfigError(f"text2image needs labelled data with at least 2 classes, got num_classes={num_classes}")
        class_names = list(class_names) if class_names else list(FASHION_MNIST_CLASSES)
        if len(class_names) != num_classes:
            raise ConfigError(f"{len(class_names)} class names for {num_classes} classes; give one name per class")
        self._setup_condition_terms(mismatch_weight, mismatch_hard, mode_seeking)
        self.class_names = class_names
        self.vocabulary = Vocabulary(vocabulary or build_vocabulary(captions.every_caption(class_names), class_names),
                                     class_names)
        unnamed = [name for name in class_names if not self.vocabulary.parse(captions.caption_name(name)).words]
        if unnamed:
            raise ConfigError(f"class names {unnamed} give no word in the vocabulary; name classes with letters")
        if thresholds is not None:
            thresholds = torch.tensor(thresholds, dtype=torch.float32, device="cpu")
            if thresholds.shape != (num_classes, len(captions.ATTRIBUTES), 2):
                raise ConfigError(f"thresholds must be [class][attribute] = [low, high] for {num_classes} classes")
        # Per-class attribute terciles (None: each batch's own); kept in the config, so not saved as weights.
        self.register_buffer("thresholds", thresholds, persistent=False)
        size = len(self.vocabulary)
        class_ids = self.vocabulary.encode([self.class_prompt(label) for label in range(num_classes)])
        self.generator = TextGenerator(latent_dim, image_size, channels, width, size, embed_dim, class_ids)
        self.discriminator = TextDiscriminator(image_size, channels, width, d_norm, spectral_norm, size, embed_dim)
        self.apply(dcgan_init)
        self._setup_objective(loss, 1, None, 0.0, d_norm, augment)
        self._setup_ema(ema_decay)

    # ---- prompts ----------------------------------------------------------------------------------------------
    def parse_prompt(self, text: str):
        """The prompt as the model reads it (``gans.ops.text.Prompt``: known ``words``, ``unknown`` words); raises
        ``ConfigError`` for an empty prompt or one whose words are all unknown."""
        return self.vocabulary.require(text)

    def class_prompt(self, label: int) -> str:
        """The prompt that stands for class ``label`` when a class is asked for: "a t-shirt/top", "an ankle boot"."""
        name = captions.caption_name(self.class_names[int(label)])
        return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"

    def _prompt_ids(self, n: int, labels=None, text: str | None = None) -> torch.Tensor:
        """Word ids (n, L): ``text`` for all n, or the class prompts of ``labels`` (0, 1, 2, ... when None)."""
        if text is not None:
            if labels is not None:
                raise ConfigError("give a text prompt or class labels, not both")
            return self.vocabulary.encode([self.parse_prompt(text)]).expand(n, -1)
        return self.generator.class_ids.cpu()[self.default_labels(n, labels)]

    # ---- generation -------------------------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels=None, text: str | None = None) -> torch.Tensor:
        """Images in [-1, 1] on the CPU for latents ``z``, following ``text`` (every image) or the class prompts of
        ``labels`` (classes 0, 1, 2, ... cycling when neither is given)."""
        ids = self._prompt_ids(z.size(0), labels, text)
        device = self.device
        with self.generating() as generator:
            out = generator(z.to(device), ids.to(device))
        return out.float().cpu()

    def sample(self, n: int, seed: int = 0, labels=None, truncation: float | None = None,
               text: str | None = None) -> torch.Tensor:
        """``n`` images in [-1, 1] from the fixed noise of ``seed``, all following the prompt ``text`` when given
        (``gans.load(RUN).sample(16, seed=0, text="a dark ankle boot")``), else one class prompt each."""
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        if text is not None:
            self.parse_prompt(text)  # a bad prompt fails before any work
        return self.generate(self.latent(seed, n, truncation), labels, text)

    def ema_calibration_inputs(self, rng: torch.Generator, n: int) -> tuple:
        """Noise and training-like captions (random classes and attribute words) for the EMA batch-norm statistics."""
        z = torch.randn(n, self._settings["latent_dim"], generator=rng, device=self.device)
        cpu = torch.Generator().manual_seed(int(torch.randint(2**31, (1,), generator=rng, device=self.device)))
        labels = torch.randint(self.num_classes, (n,), generator=cpu)
        levels = torch.randint(-1, 2, (n, len(captions.ATTRIBUTES)), generator=cpu)
        texts = captions.captions(levels, labels, self.class_names, generator=cpu)
        return z, self.vocabulary.encode(texts).to(self.device)

    # ---- training ---------------------------------------------------------------------------------------------
    def settings_for_data(self, data) -> dict:
        """The data's channels, classes and class names, the vocabulary of its captions and the per-class
        attribute terciles measured on (up to ``THRESHOLD_IMAGES`` of) its images at the model's size."""
        settings = {"channels": data.channels}
        if not data.num_classes:
            return settings
        names = list(data.class_names or [f"class {label}" for label in range(data.num_classes)])
        cfg = self._settings
        step = max(1, len(data) // THRESHOLD_IMAGES)
        from ..data import ImageData, to_model_range

        subset = ImageData(data.images[::step], data.labels[::step], data.class_names, data.name)
        images = to_model_range(subset.prepare(cfg["image_size"], data.channels).images)
        measures = captions.measure_attributes(images)
        settings.update(num_classes=data.num_classes, class_names=names,
                        vocabulary=build_vocabulary(captions.every_caption(names), names),
                        thresholds=captions.class_thresholds(measures, subset.labels, data.num_classes))
        return settings

    def _attribute_levels(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(N, 3) levels of each image's attributes within its class (``captions.attribute_levels``)."""
        return captions.attribute_levels(captions.measure_attributes(images), labels, self.thresholds)

    def training_captions(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[list[str], torch.Tensor]:
        """(captions, attribute levels (N, 3)) for real ``images`` of classes ``labels``, drawn with the global RNG."""
        levels = self._attribute_levels(images, labels)
        return captions.captions(levels.cpu(), labels.cpu(), self.class_names), levels

    def mismatched_captions(self, levels: torch.Tensor, labels: torch.Tensor) -> list[str]:
        """Captions that do not match the images (``captions.mismatched``; without ``mismatch_hard`` every one
        names another class), all attribute words kept."""
        levels, labels = levels.cpu(), labels.cpu()
        wrong_levels, wrong_labels = captions.mismatched(levels, labels, self.num_classes)
        if not self.mismatch_hard:
            wrong_levels = levels
            wrong_labels = (labels + torch.randint(1, self.num_classes, labels.shape)) % self.num_classes
        return captions.captions(wrong_levels, wrong_labels, self.class_names, drop_chance=0.0)

    # The training step is ``AdversarialGAN.train_step`` (one D update, matching-aware, then one G update); these
    # two hooks make it a text model's: G and D read fresh captions of the batch's images instead of their labels.
    def graph_unsafe_reason(self) -> str | None:
        return "each step writes new captions on the CPU"

    def _condition(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Word ids (N, L) of fresh captions of the real ``images`` (class + measured attributes)."""
        texts, _ = self.training_captions(images, labels)
        return self.vocabulary.encode(texts).to(images.device)

    def _mismatched_scores(self, images: torch.Tensor, labels: torch.Tensor, condition) -> torch.Tensor:
        """D's scores (N,) of the real ``images`` under captions that do not match them (``mismatched_captions``;
        the attribute levels are measured again from the images, as for their own captions)."""
        levels = self._attribute_levels(images, labels)
        wrong = self.vocabulary.encode(self.mismatched_captions(levels, labels)).to(images.device)
        return self._discriminate(images, wrong)[0]
