"""Every registered model: shapes, one train step, save → load, and its configuration checks."""

import pytest
import torch

import gans
from gans.errors import ConfigError
from gans.models.base import Batch
from gans.models.nn import losses
from gans.training import TrainConfig
from tests.helpers import tiny_model

MODELS = gans.list_models(task="generate")  # image-to-image models: tests/gans/models/test_translation.py


def real_batch(model, n=8, seed=0):
    cfg = model.config()
    generator = torch.Generator().manual_seed(seed)
    shape = (n * model.batches_per_step, cfg["channels"], cfg["image_size"], cfg["image_size"])
    images = torch.rand(shape, generator=generator) * 2 - 1
    labels = torch.randint(0, model.num_classes, (shape[0],), generator=generator) if model.conditional else None
    return Batch(images, labels)


def test_registry_lists_the_six_families():
    assert {"vanilla", "dcgan", "wgan", "wgan-gp", "lsgan", "cgan"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_sample_shapes_and_range(name):
    model = tiny_model(name)
    cfg = model.config()
    images = model.sample(5, seed=1)
    assert images.shape == (5, cfg["channels"], cfg["image_size"], cfg["image_size"])
    assert images.min() >= -1 and images.max() <= 1
    assert torch.equal(images, model.sample(5, seed=1)), "same seed, same samples"
    assert not torch.equal(images, model.sample(5, seed=2))


@pytest.mark.parametrize("name", MODELS)
def test_one_train_step_changes_both_networks_and_returns_finite_losses(name):
    model = tiny_model(name)
    optimizers = model.configure_optimizers(TrainConfig())
    before_g = [p.detach().clone() for p in model.generator.parameters()]
    before_d = [p.detach().clone() for p in model.discriminator.parameters()]
    stats = model.train_step(real_batch(model), optimizers, step=0)
    assert {"loss_d", "loss_g"} <= stats.keys()
    assert all(torch.isfinite(torch.tensor(v)) for v in stats.values())
    assert any(not torch.equal(a, b) for a, b in zip(before_g, model.generator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(before_d, model.discriminator.parameters()))


@pytest.mark.parametrize("name", MODELS)
def test_save_then_load_gives_identical_outputs(name, tmp_path):
    model = tiny_model(name, ema_decay=0.9)
    model.train_step(real_batch(model), model.configure_optimizers(TrainConfig()), step=0)
    model.update_ema()
    model.save_pretrained(tmp_path / "run")
    loaded = gans.load(tmp_path / "run")
    assert type(loaded) is type(model) and loaded.architecture == name
    assert loaded.config() == model.config()
    assert torch.equal(loaded.sample(4, seed=3), model.sample(4, seed=3))
    for (key, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), key


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_sizes_and_channels(size, channels):
    model = tiny_model("dcgan", image_size=size, channels=channels)
    assert model.sample(2).shape == (2, channels, size, size)
    assert model.discriminator(torch.zeros(3, channels, size, size)).shape == (3,)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_vanilla_sizes(size):
    assert tiny_model("vanilla", image_size=size, channels=3).sample(2).shape == (2, 3, size, size)


def test_vanilla_batchnorm_variant_uses_batchnorm_and_leaky_relu():
    model = tiny_model("vanilla", batchnorm=True)
    kinds = {type(m) for m in model.generator.modules()}
    assert torch.nn.BatchNorm1d in kinds and torch.nn.LeakyReLU in kinds


def test_presets_carry_the_papers_settings():
    wgan, wgan_gp = gans.create("wgan").config(), gans.create("wgan-gp").config()
    assert (wgan["loss"], wgan["clip_value"], wgan["n_critic"], wgan["optimizer"], wgan["lr"]) == (
        "wasserstein", 0.01, 5, "rmsprop", 5e-5)
    assert (wgan_gp["gp_weight"], wgan_gp["n_critic"], wgan_gp["betas"], wgan_gp["lr"]) == (10.0, 5, [0.0, 0.9], 1e-4)
    assert gans.create("lsgan").config()["loss"] == "ls"
    assert isinstance(gans.create("wgan").configure_optimizers(TrainConfig())["discriminator"], torch.optim.RMSprop)
    # preset defaults can still be overridden
    assert gans.create("wgan", n_critic=2).config()["n_critic"] == 2


def test_wgan_clips_critic_weights():
    model = tiny_model("wgan")
    model.train_step(real_batch(model), model.configure_optimizers(TrainConfig(lr=1.0)), step=0)
    assert max(p.abs().max().item() for p in model.discriminator.parameters()) <= 0.01 + 1e-7


def critic_gradients_at_step(model, seed=0):
    """The critic's gradients at the moment its optimizer steps (before the generator update adds to them)."""
    optimizers = model.configure_optimizers(TrainConfig())
    captured = []
    optimizers["discriminator"].register_step_pre_hook(
        lambda opt, args, kwargs: captured.append(
            torch.cat([p.grad.flatten() for p in model.discriminator.parameters()]))
    )
    torch.manual_seed(seed)
    stats = model.train_step(real_batch(model), optimizers, step=0)
    return captured, stats


def test_wgan_gp_penalty_reaches_the_critic_gradients():
    """Two reference implementations computed the penalty and silently dropped it: the gradient must equal
    that of the Wasserstein loss plus λ·∇(penalty)."""
    model = tiny_model("wgan-gp", n_critic=1, augment="none")  # DiffAugment would draw from the same RNG
    (with_gp,), stats = critic_gradients_at_step(model)
    assert stats["gp"] > 0
    without = tiny_model("wgan-gp", n_critic=1, gp_weight=0.0, augment="none")
    torch.manual_seed(0)
    (no_gp,), _ = critic_gradients_at_step(without)
    # same weights, same noise: the difference is the penalty's gradient alone, and it is not negligible
    assert (with_gp - no_gp).norm() > 1e-3 * no_gp.norm()
    # and it is the gradient of exactly λ·penalty on the same interpolates (same seed → same z, then same ε)
    reference = tiny_model("wgan-gp", n_critic=1, augment="none")
    torch.manual_seed(0)
    fake = reference.generator(torch.randn(8, 8)).detach()
    penalty = losses.gradient_penalty(reference.discriminator, real_batch(reference).images, fake)
    params = list(reference.discriminator.parameters())
    grads = torch.autograd.grad(10.0 * penalty, params, allow_unused=True)
    expected = torch.cat([(g if g is not None else torch.zeros_like(p)).flatten() for g, p in zip(grads, params)])
    assert torch.allclose(with_gp - no_gp, expected, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("augment", ["cutout", "none"])
def test_the_penalty_is_taken_where_the_critic_is_scored(monkeypatch, augment):
    """With DiffAugment the critic is scored on augmented images, so the penalty interpolates augmented real and
    fake images (penalised on plain ones only, the critic grew without bound on the augmented ones)."""
    seen = []
    original = losses.gradient_penalty

    def recording(critic, real, fake, *args, **kwargs):
        seen.append((real.detach().clone(), fake.detach().clone()))
        return original(critic, real, fake, *args, **kwargs)

    monkeypatch.setattr(losses, "gradient_penalty", recording)
    model = tiny_model("wgan-gp", n_critic=1, augment=augment)
    batch = real_batch(model)
    model.train_step(batch, model.configure_optimizers(TrainConfig()), step=0)
    (real, fake), = seen
    # cutout sets a square of half the side (up to a quarter of the pixels; less where it leaves the image) to 0
    zero_share = (real == 0).float().mean().item()
    if augment == "cutout":
        assert not torch.equal(real, batch.images) and zero_share >= 0.1
        assert (fake == 0).float().mean().item() >= 0.1
    else:
        assert torch.equal(real, batch.images)


@pytest.mark.parametrize("name, n_critic", [("wgan", 5), ("wgan-gp", 5), ("dcgan", 1), ("wgan", 2)])
def test_n_critic_critic_updates_per_generator_update(name, n_critic):
    model = tiny_model(name, n_critic=n_critic) if name != "dcgan" else tiny_model(name)
    assert model.batches_per_step == n_critic
    captured, _ = critic_gradients_at_step(model)
    assert len(captured) == n_critic
    assert all(not torch.equal(captured[0], later) for later in captured[1:]), "each critic step sees new data"


def test_conditional_samples_follow_the_requested_class():
    model = tiny_model("cgan")
    one_class = model.sample(3, seed=0, labels=[2, 2, 2])
    assert not torch.equal(one_class, model.sample(3, seed=0, labels=[5, 5, 5]))
    assert torch.equal(model.sample(3, seed=0, labels=2), one_class)
    with pytest.raises(ConfigError, match="0..9"):
        model.sample(2, labels=[0, 10])


@pytest.mark.parametrize("conditioning", ["projection", "concat"])
def test_cgan_discriminator_scores_depend_on_the_label_and_start_small(conditioning):
    model = gans.create("cgan", conditioning=conditioning)  # full size: the initial scale is what matters
    images = torch.rand(32, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        as_class_0 = model.discriminator(images, torch.zeros(32, dtype=torch.long))
        as_class_1 = model.discriminator(images, torch.ones(32, dtype=torch.long))
    assert not torch.allclose(as_class_0, as_class_1)
    assert as_class_0.abs().max() < 10, "a fresh discriminator's scores are of order 1"
    stats = model.train_step(real_batch(model, n=4), model.configure_optimizers(TrainConfig()), step=0)
    assert stats["loss_d"] < 5


def test_ac_gan_discriminator_predicts_the_class_without_seeing_it():
    """conditioning="auxiliary" (AC-GAN): D's score ignores the label; its class head learns it on real images
    and G is pushed towards the class asked for."""
    model = tiny_model("cgan", image_size=28, conditioning="auxiliary", class_weight=1.0)
    images = torch.rand(8, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        scores_0, classes = model.discriminator.scores_and_classes(images, torch.zeros(8, dtype=torch.long))
        scores_1, _ = model.discriminator.scores_and_classes(images, torch.ones(8, dtype=torch.long))
    assert torch.equal(scores_0, scores_1) and classes.shape == (8, 10)
    batch = real_batch(model)
    optimizers = model.configure_optimizers(TrainConfig())
    first = model.train_step(batch, optimizers, step=0)
    assert {"class_loss_real", "class_loss_fake"} <= first.keys()
    for step in range(1, 30):  # the class head learns the (random) real images' labels
        last = model.train_step(batch, optimizers, step=step)
    assert last["class_loss_real"] < first["class_loss_real"]
    assert tiny_model("cgan", image_size=28).class_weight == 0  # other conditionings have no class loss


@pytest.mark.parametrize("weight", [0.5, 0.1])
def test_a_matching_aware_discriminator_also_scores_real_images_under_wrong_labels_as_fake(weight):
    """mismatch_weight (Reed et al. 2016's GAN-CLS): D's loss is (1 - w)·loss(real, fake) + w·loss(real, real images
    shown with a label that is never their own)."""
    model = tiny_model("cgan", image_size=28, mismatch_weight=weight, augment="none")
    assert model.mismatch_weight == weight and not tiny_model("cgan", image_size=28).mismatch_weight
    assert not tiny_model("cgan", image_size=28, mismatch_weight=weight, conditioning="auxiliary").mismatch_weight
    calls = []
    discriminate = model._discriminate

    def recorded(images, labels):
        scores, classes = discriminate(images, labels)
        calls.append((images, labels, scores))
        return scores, classes

    model._discriminate = recorded
    batch = real_batch(model, n=64)
    stats = model.train_step(batch, model.configure_optimizers(TrainConfig()), step=0)
    (real, real_labels, real_scores), (_, fake_labels, fake_scores), (shown, wrong, mismatched) = calls[:3]
    assert torch.equal(shown, real) and torch.equal(fake_labels, real_labels)
    assert (wrong != real_labels).all() and wrong.min() >= 0 and wrong.max() < 10
    expected = ((1 - weight) * losses.discriminator_loss("bce", real_scores, fake_scores)
                + weight * losses.discriminator_loss("bce", real_scores, mismatched))
    assert stats["loss_d"] == pytest.approx(expected.item(), rel=1e-5)
    assert stats["d_mismatched"] == pytest.approx(mismatched.mean().item(), rel=1e-5)
    with pytest.raises(ConfigError, match="mismatch_weight"):
        gans.create("cgan", width=4, mismatch_weight=1.0)


def test_hard_negatives_come_from_the_classes_d_confuses_and_the_running_scores_follow_d():
    """mismatch_hard: half the wrong labels are drawn by softmax of D's running score of (true class, wrong label);
    ``confusion`` moves 5 % of the way to each batch's mean score of a pair, and is saved with the weights."""
    model = tiny_model("cgan", image_size=28, mismatch_weight=0.1, mismatch_hard=True, augment="none")
    assert model.confusion.shape == (10, 10) and not model.confusion.any()
    assert not hasattr(tiny_model("cgan", image_size=28, mismatch_weight=0.1), "confusion")
    assert not tiny_model("cgan", image_size=28, mismatch_hard=True).mismatch_hard, "needs a mismatch_weight"
    with torch.no_grad():
        model.confusion[3, 7] = 20.0  # D scores dresses shown as sneakers as real: the hard negative of class 3
    torch.manual_seed(0)
    wrong = model._wrong_labels(torch.full((4000,), 3))
    assert (wrong != 3).all()
    share = (wrong == 7).float().mean().item()
    assert 0.5 + 0.5 / 9 - 0.03 < share < 0.5 + 0.5 / 9 + 0.03, share  # half hard (all 7), half uniform (1/9)
    labels, wrong = torch.tensor([0, 0, 1]), torch.tensor([2, 2, 5])
    model._track_confusion(labels, wrong, torch.tensor([1.0, 3.0, -4.0]))
    assert model.confusion[0, 2].item() == pytest.approx(0.05 * 2.0)
    assert model.confusion[1, 5].item() == pytest.approx(0.05 * -4.0)
    assert model.confusion[3, 7].item() == 20.0, "pairs not in the batch keep their score"
    before = model.confusion.clone()
    model.train_step(real_batch(model, n=32), model.configure_optimizers(TrainConfig()), step=0)
    assert not torch.equal(before, model.confusion)


def test_the_mode_seeking_term_is_latent_distance_over_image_distance_in_g_s_loss():
    """mode_seeking (Mao et al. 2019): G's loss gains weight × mean(|z1 - z2| / |G(z1, y) - G(z2, y)|), over half the
    batch drawn again with fresh noise and the same labels."""
    plain = tiny_model("cgan", image_size=28, augment="none")
    seeking = tiny_model("cgan", image_size=28, augment="none", mode_seeking=0.5)
    calls = []
    generate = seeking.generator.forward

    def recorded(noise, labels=None):
        images = generate(noise, labels)
        calls.append((noise, labels, images))
        return images

    seeking.generator.forward = recorded
    batch = real_batch(seeking, n=8)
    torch.manual_seed(0)
    with_term = seeking.train_step(batch, seeking.configure_optimizers(TrainConfig()), step=0)
    (noise, labels, fake), (other_noise, other_labels, other) = calls
    assert torch.equal(other_labels, labels[:4]) and other_noise.shape == (4, noise.size(1))
    expected = ((noise[:4] - other_noise).abs().mean(1) / ((fake[:4] - other).abs().mean((1, 2, 3)) + 1e-5)).mean()
    assert float(with_term["mode_seeking"]) == pytest.approx(expected.item(), rel=1e-4)
    torch.manual_seed(0)
    without = plain.train_step(batch, plain.configure_optimizers(TrainConfig()), step=0)
    assert "mode_seeking" not in without
    assert float(with_term["loss_g"]) == pytest.approx(float(without["loss_g"] + 0.5 * with_term["mode_seeking"]),
                                                       rel=1e-4)
    with pytest.raises(ConfigError, match="mode_seeking"):
        gans.create("cgan", width=4, mode_seeking=-1)


def test_the_r1_penalty_adds_gamma_half_of_d_s_squared_gradient_norm_on_real_images():
    """r1_gamma (Mescheder et al. 2018): D's loss gains γ/2 · mean ‖∇ₓD(x)‖² over the real images; G's is untouched."""
    plain = tiny_model("vanilla", augment="none")
    penalised = tiny_model("vanilla", augment="none", r1_gamma=4.0)
    batch = real_batch(plain, n=8)
    torch.manual_seed(0)
    without = plain.train_step(batch, plain.configure_optimizers(TrainConfig()), step=0)
    torch.manual_seed(0)  # the same draws (noise, dropout) up to the penalty, which comes last in D's update
    with_term = penalised.train_step(batch, penalised.configure_optimizers(TrainConfig()), step=0)
    assert "r1" not in without and float(with_term["r1"]) > 0
    assert float(with_term["loss_d"]) == pytest.approx(float(without["loss_d"] + 2.0 * with_term["r1"]), rel=1e-4)
    discriminator = penalised.discriminator.eval()  # no dropout: the penalty's value itself, against autograd
    real = batch.images.detach().requires_grad_(True)
    (gradients,) = torch.autograd.grad(discriminator(real).sum(), real)
    assert float(losses.r1_penalty(discriminator, batch.images)) == pytest.approx(
        float(gradients.flatten(1).pow(2).sum(1).mean()), rel=1e-5)
    with pytest.raises(ConfigError, match="r1_gamma must be >= 0"):
        gans.create("vanilla", r1_gamma=-1)


def test_minibatch_std_lets_the_mlp_discriminator_score_an_image_by_its_batch_s_spread():
    """minibatch_std: D sees how much the batch varies, so one image scores differently among copies of itself
    (a collapsed batch) than among varied images; without it an image's score ignores its batch."""
    torch.manual_seed(0)
    varied = torch.rand(8, 1, 28, 28) * 2 - 1
    collapsed = varied[:1].expand(8, -1, -1, -1)
    for flag in (True, False):
        discriminator = tiny_model("vanilla", minibatch_std=flag).discriminator.eval()  # eval: no dropout
        with torch.no_grad():
            among_varied, among_copies = discriminator(varied)[0], discriminator(collapsed)[0]
        assert (not torch.allclose(among_varied, among_copies, atol=1e-6)) == flag, flag
    model = tiny_model("vanilla", minibatch_std=True, r1_gamma=1.0)
    for n in (8, 1):  # a batch of one image does not vary: still finite, R1's second derivative included
        stats = model.train_step(real_batch(model, n=n), model.configure_optimizers(TrainConfig()), step=0)
        assert all(torch.isfinite(value) for value in stats.values()), n
        assert all(torch.isfinite(p).all() for p in model.parameters()), n


def test_pack_makes_the_mlp_discriminator_score_m_images_at_a_time():
    """pack=m (PacGAN): D gives one score per m images in a row, and the score of a set depends on all of them; an
    uneven batch is filled up with its own first images; the shared step trains with it."""
    torch.manual_seed(0)
    images = torch.rand(6, 1, 28, 28) * 2 - 1
    discriminator = tiny_model("vanilla", pack=2).discriminator.eval()
    with torch.no_grad():
        scores = discriminator(images)
        assert scores.shape == (3,)
        changed = images.clone()
        changed[1] = -changed[1]  # the second image of the first pair
        moved = discriminator(changed)
        assert not torch.allclose(moved[0], scores[0]) and torch.equal(moved[1:], scores[1:])
        uneven = discriminator(images[:5])  # pairs (0, 1), (2, 3), (4, 0)
        assert torch.equal(uneven[:2], scores[:2])
        assert torch.allclose(uneven[2], discriminator(images[[4, 0]])[0])
        assert discriminator(images[:1]).shape == (1,)
    model = tiny_model("vanilla", pack=2)
    stats = model.train_step(real_batch(model, n=8), model.configure_optimizers(TrainConfig()), step=0)
    assert all(torch.isfinite(value) for value in stats.values())
    for bad in (0, 9, 1.5, True):
        with pytest.raises(ConfigError, match="pack must be"):
            gans.create("vanilla", pack=bad)


def test_spectral_norm_and_hinge_options():
    model = tiny_model("dcgan", spectral_norm=True, loss="hinge")
    assert any(hasattr(m, "parametrizations") for m in model.discriminator.modules())
    stats = model.train_step(real_batch(model), model.configure_optimizers(TrainConfig()), step=0)
    assert torch.isfinite(torch.tensor(stats["loss_d"]))


@pytest.mark.parametrize("kwargs, message", [
    ({"image_size": 48}, "image size 48 is not supported"),
    ({"channels": 2}, "channels must be 1"),
    ({"lr": -1e-4}, "learning rate must be > 0"),
    ({"loss": "kl"}, "unknown loss"),
    ({"n_critic": 0}, "n_critic"),
    ({"gp_weight": 10.0, "d_norm": "batch"}, "without batch norm"),
    ({"ema_decay": 1.5}, "ema_decay"),
    ({"d_norm": "weird"}, "unknown norm"),
])
def test_invalid_hyper_parameters_are_clear_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        gans.create("dcgan", width=4, **kwargs)


def test_unknown_model_name_suggests_a_close_one():
    with pytest.raises(gans.UnknownNameError, match="Did you mean 'dcgan'"):
        gans.create("dcgna")


def test_losses_module_names_every_objective_a_model_accepts():
    for loss in losses.LOSSES:
        assert tiny_model("dcgan", loss=loss).loss == loss


def test_ema_generator_follows_the_trained_one():
    model = tiny_model("dcgan", ema_decay=0.5)
    ema_before = [p.clone() for p in model.generator_ema.parameters()]
    model.train_step(real_batch(model), model.configure_optimizers(TrainConfig()), step=0)
    model.update_ema()
    for before, ema, live in zip(ema_before, model.generator_ema.parameters(), model.generator.parameters()):
        assert torch.allclose(ema, 0.5 * before + 0.5 * live)
    assert model.inference_generator() is model.generator_ema


def test_ema_generator_gets_batch_norm_statistics_of_its_own():
    """After training moved it, the EMA generator's running statistics are the mean and variance of its own
    activations on the calibration noise (not the trained generator's), measured without touching the global
    random generator; once measured, using the model changes nothing."""
    model = tiny_model("dcgan", ema_decay=0.5)
    optimizers = model.configure_optimizers(TrainConfig())
    for step in range(3):
        model.train_step(real_batch(model), optimizers, step=step)
        model.update_ema(step)
    norm = next(m for m in model.generator_ema.modules() if isinstance(m, torch.nn.BatchNorm2d))
    live_norm = next(m for m in model.generator.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert torch.equal(norm.running_mean, live_norm.running_mean)  # copied by update_ema
    seen = []
    hook = norm.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].detach().clone()))
    rng_state, mode = torch.get_rng_state(), model.generator_ema.training
    model.sample(4, seed=1)
    hook.remove()
    assert torch.equal(torch.get_rng_state(), rng_state)
    calibration = torch.cat(seen[:-1])  # the last call is the sample itself, in eval mode
    assert len(seen) == model.EMA_CALIBRATION_BATCHES + 1
    assert torch.allclose(norm.running_mean, calibration.mean(dim=(0, 2, 3)), atol=1e-5)
    assert not torch.allclose(norm.running_mean, live_norm.running_mean)
    assert model.generator_ema.training == mode  # its mode is restored
    state = {k: v.clone() for k, v in model.state_dict().items()}
    first = model.sample(4, seed=1)
    assert torch.equal(model.sample(4, seed=1), first)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())


def test_ema_decay_warms_up_over_the_first_steps():
    """At step t the decay is min(decay, (1 + t) / (10 + t)): step 0 keeps a tenth of the initial weights."""
    model = tiny_model("dcgan", ema_decay=0.999)
    for step, expected in ((0, 0.1), (90, 91 / 100), (100000, 0.999)):
        before = [p.clone() for p in model.generator_ema.parameters()]
        with torch.no_grad():
            for p in model.generator.parameters():
                p.add_(0.01)
        model.update_ema(step)
        for old, ema, live in zip(before, model.generator_ema.parameters(), model.generator.parameters()):
            assert torch.allclose(ema, expected * old + (1 - expected) * live, atol=1e-6), step


def test_the_template_model_is_complete(tmp_path):
    """The newcomer's template trains, samples and round-trips like every registered model."""
    from gans.models._template import TemplateGAN
    from gans.registry import _MODELS, register

    register("template-under-test")(TemplateGAN)
    try:
        model = gans.create("template-under-test", hidden=8)
        stats = model.train_step(real_batch(model), model.configure_optimizers(TrainConfig()), step=0)
        assert torch.isfinite(torch.tensor(stats["loss_g"]))
        model.save_pretrained(tmp_path)
        assert torch.equal(gans.load(tmp_path).sample(2, seed=1), model.sample(2, seed=1))
    finally:
        del _MODELS["template-under-test"]
