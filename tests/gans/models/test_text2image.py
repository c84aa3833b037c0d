"""The text-to-image GAN (issue 19, part 3): prompts drive every sample, the matching-aware D sees mismatched
captions, the vocabulary and the class terciles survive save → load, class labels are class prompts."""

import pytest
import torch

import gans
from gans.data import load_dataset
from gans.errors import ConfigError
from gans.models.base import Batch
from gans.models.nn import losses
from gans.ops import captions
from gans.training import TrainConfig
from tests.helpers import tiny_model


def text_model(**overrides):
    return tiny_model("text2image", **{"augment": "none", **overrides})


def garment_batch(n=16, seed=0) -> Batch:
    """Squares of random size and brightness on black (a garment-like batch), classes 0, 1, 2, ..."""
    generator = torch.Generator().manual_seed(seed)
    images = -torch.ones(n, 1, 32, 32)
    for index in range(n):
        side = int(torch.randint(6, 24, (1,), generator=generator))
        start = (32 - side) // 2
        images[index, :, start:start + side, start:start + side] = torch.rand(1, generator=generator).item() * 1.6 - 0.6
    return Batch(images, torch.arange(n) % 10)


def test_a_prompt_drives_all_samples_deterministically_per_seed():
    model = text_model()
    images = model.sample(6, seed=4, text="a dark ankle boot")
    assert images.shape == (6, 1, 32, 32)
    assert torch.equal(images, model.sample(6, seed=4, text="A dark ANKLE boot!"))
    assert torch.equal(images, model.sample(6, seed=4, text="boots, dark")), "everyday form, any order"
    assert torch.equal(images, model.sample(6, seed=4, text="a dark boot with laces")), "unknown words left out"
    assert not torch.equal(images, model.sample(6, seed=5, text="a dark ankle boot"))
    assert not torch.equal(images, model.sample(6, seed=4, text="a light ankle boot"))
    assert not torch.equal(images, model.sample(6, seed=4, text="a dark sneaker"))


def test_without_a_prompt_a_class_is_its_class_prompt():
    model = text_model()
    assert model.class_prompt(9) == "an ankle boot" and model.class_prompt(0) == "a t-shirt/top"
    by_label = model.sample(4, seed=1, labels=[9] * 4)
    assert torch.equal(by_label, model.sample(4, seed=1, text="an ankle boot"))
    # classes 0, 1, 2, ... cycling as for the cGAN (grids, evaluate, synth): sample 7 is a sneaker
    assert torch.equal(model._prompt_ids(12), model.vocabulary.encode([model.class_prompt(i % 10) for i in range(12)]))
    cycled, sneakers = model.sample(10, seed=2), model.sample(10, seed=2, text="a sneaker")
    assert torch.equal(cycled[7], sneakers[7]) and not torch.equal(cycled[6], sneakers[6])
    with pytest.raises(ConfigError, match="not both"):
        model.sample(2, labels=[1, 1], text="a coat")


@pytest.mark.parametrize("prompt", ["", "  ", "the a an", "qwerty"])
def test_an_empty_or_all_unknown_prompt_raises_a_config_error(prompt):
    with pytest.raises(ConfigError):
        text_model().sample(2, text=prompt)


def test_parse_prompt_reports_unknown_words():
    prompt = text_model().parse_prompt("a shiny light sneakers")
    assert prompt.words == ("light", "sneaker") and prompt.unknown == ("shiny",)


def test_the_matching_aware_d_scores_real_images_under_mismatched_captions_as_fake():
    """D sees the real images a second time under captions that do not match them, and that term is in its loss
    with the mismatch weight; with weight 0 it is not."""
    torch.manual_seed(0)
    model = text_model(mismatch_weight=0.5, ema_decay=0)
    calls = []
    model.discriminator.register_forward_hook(lambda module, inputs, output: calls.append(
        (inputs[0].detach().clone(), inputs[1].clone(), output.detach().float())))
    batch = garment_batch()
    stats = model.train_step(batch, model.configure_optimizers(TrainConfig()), step=0)
    assert len(calls) == 4  # D: real, fake, real under mismatched captions; then G's pass
    (real, ids, real_scores), (_, fake_ids, fake_scores), (again, wrong_ids, mismatched) = calls[:3]
    assert torch.equal(real, batch.images) and torch.equal(again, batch.images) and torch.equal(ids, fake_ids)
    vocabulary = model.vocabulary
    for row in range(len(ids)):
        matching = set(vocabulary.words[i] for i in ids[row].tolist() if i > 1)
        wrong = set(vocabulary.words[i] for i in wrong_ids[row].tolist() if i > 1)
        assert matching != wrong
    expected = (0.5 * losses.discriminator_loss("bce", real_scores, fake_scores)
                + 0.5 * losses.discriminator_loss("bce", real_scores, mismatched))
    assert stats["loss_d"] == pytest.approx(expected.item(), rel=1e-5)
    assert stats["loss_d"] != pytest.approx(losses.discriminator_loss("bce", real_scores, fake_scores).item(), rel=1e-3)
    assert stats["d_mismatched"] == pytest.approx(mismatched.mean().item(), rel=1e-5)

    calls.clear()
    model = text_model(mismatch_weight=0.0)
    model.discriminator.register_forward_hook(lambda module, inputs, output: calls.append(output))
    assert "d_mismatched" not in model.train_step(batch, model.configure_optimizers(TrainConfig()), step=0)
    assert len(calls) == 3


def test_hard_negatives_keep_the_class_and_flip_the_attributes():
    torch.manual_seed(0)
    model = text_model()
    levels = torch.tensor([[1, -1, 1]] * 64)
    labels = torch.full((64,), 7)
    parsed = [model.vocabulary.parse(text) for text in model.mismatched_captions(levels, labels)]
    flipped = [p for p in parsed if "sneaker" in p.words]
    assert 16 < len(flipped) < 48
    assert all({"dark", "large", "plain"} <= set(p.words) and not {"light", "small", "patterned"} & set(p.words)
               for p in flipped)  # light, small, patterned flipped, every word kept
    assert all({"light", "small", "patterned"} <= set(p.words) for p in parsed if "sneaker" not in p.words)
    model = text_model(mismatch_hard=False)
    assert not any("sneaker" in model.vocabulary.parse(text).words
                   for text in model.mismatched_captions(levels, labels))


def test_the_data_sets_class_names_vocabulary_and_class_terciles_and_load_keeps_them(tmp_path):
    data = load_dataset("fashion-mnist-mini")
    settings = tiny_model("text2image").settings_for_data(data)
    assert settings["class_names"] == data.class_names and settings["num_classes"] == 10
    assert settings["vocabulary"][:10] == ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                                           "sneaker", "bag", "ankle-boot"]
    thresholds = torch.tensor(settings["thresholds"])
    assert thresholds.shape == (10, 3, 2) and (thresholds[..., 0] <= thresholds[..., 1]).all()
    assert thresholds[1, 1, 1] < thresholds[2, 1, 0], "trousers cover less of the image than pullovers"
    model = tiny_model("text2image", **settings, ema_decay=0.9)
    model.train_step(garment_batch(), model.configure_optimizers(TrainConfig()), step=0)
    model.update_ema()
    model.save_pretrained(tmp_path / "run")
    loaded = gans.load(tmp_path / "run")
    assert loaded.vocabulary.words == model.vocabulary.words and loaded.class_names == data.class_names
    assert torch.equal(loaded.thresholds, model.thresholds)
    assert torch.equal(loaded.sample(3, seed=2, text="light trousers"), model.sample(3, seed=2, text="light trousers"))


def test_training_captions_follow_the_measured_attributes():
    """The captions of a batch name each image's class and, when they name its brightness, the right one."""
    model = text_model()
    batch = garment_batch(64)
    measures = captions.measure_attributes(batch.images)
    levels = captions.attribute_levels(measures, batch.labels, None)
    texts, used = model.training_captions(batch.images, batch.labels)
    assert torch.equal(used, levels)
    for text, level, label in zip(texts, levels[:, 0].tolist(), batch.labels.tolist()):
        words = model.vocabulary.parse(text).words
        assert model.vocabulary.known_words[label] in words
        assert ("dark" in words) <= (level == -1) and ("light" in words) <= (level == 1)


def test_configuration_errors_are_clear():
    with pytest.raises(ConfigError, match="class names"):
        gans.create("text2image", num_classes=3)
    with pytest.raises(ConfigError, match="at least 2 classes"):
        gans.create("text2image", num_classes=0)
    with pytest.raises(ConfigError, match="mismatch_weight"):
        gans.create("text2image", mismatch_weight=1.0)
    with pytest.raises(ConfigError, match="no word"):
        gans.create("text2image", num_classes=2, class_names=["!!", "cat"])


def test_the_mode_seeking_term_draws_a_second_latent_under_the_same_captions():
    torch.manual_seed(0)
    model = text_model(mode_seeking=0.5)
    calls = []
    model.generator.register_forward_hook(lambda module, inputs, output: calls.append(inputs[1].clone()))
    stats = model.train_step(garment_batch(), model.configure_optimizers(TrainConfig()), step=0)
    assert len(calls) == 2 and torch.equal(calls[1], calls[0][:8]) and stats["mode_seeking"] > 0
    calls.clear()
    model = text_model(mode_seeking=0.0)
    model.generator.register_forward_hook(lambda module, inputs, output: calls.append(inputs[1]))
    assert "mode_seeking" not in model.train_step(garment_batch(), model.configure_optimizers(TrainConfig()), step=0)
    assert len(calls) == 1
    with pytest.raises(ConfigError, match="mode_seeking"):
        gans.create("text2image", mode_seeking=-1)


def test_a_stopped_run_resumes_exactly_captions_included(tmp_path):
    """Captions are drawn from the global RNG, which the Trainer saves: 4 + 4 steps equal 8 straight."""
    from gans.training import DataConfig, resume, train

    kwargs = {"width": 4, "latent_dim": 8, "embed_dim": 4, "ema_decay": 0.9}
    cfg = dict(batch_size=8, seed=3, device="cpu", checkpoint_every=4, sample_every=4, num_samples=4)
    train("text2image", DataConfig("fashion-mnist-mini"), TrainConfig(steps=4, **cfg), tmp_path / "a", kwargs)
    resume(tmp_path / "a", steps=8)
    train("text2image", DataConfig("fashion-mnist-mini"), TrainConfig(steps=8, **cfg), tmp_path / "b", kwargs)
    a, b = gans.load(tmp_path / "a").state_dict(), gans.load(tmp_path / "b").state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)
    assert gans.load(tmp_path / "a").config()["thresholds"] is not None, "measured from the data"
