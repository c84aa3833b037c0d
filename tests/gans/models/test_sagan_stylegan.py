"""SAGAN's self-attention and StyleGAN's modulated convs, styles, mixing, truncation, noise and R1."""

import pytest
import torch

import gans
from gans.errors import ConfigError
from gans.models.sagan import SelfAttention, attention_sizes
from gans.models.stylegan import ModulatedConv2d
from gans.training import TrainConfig, resume, train
from tests.gans.models.test_models import real_batch
from tests.gans.training.test_trainer import assert_same_weights, tiny_cfg, weights
from tests.helpers import tiny_model


# ---- SAGAN ----------------------------------------------------------------------------------------------------
def test_self_attention_keeps_the_shape_and_starts_as_identity():
    torch.manual_seed(0)
    block = SelfAttention(16)
    x = torch.randn(3, 16, 8, 8)
    y, attention = block(x, with_attention=True)
    assert y.shape == x.shape and torch.equal(y, x), "γ = 0 at init: y = x"
    assert attention.shape == (3, 64, 16), "64 queries, 16 keys (2×2 max-pooled)"
    assert torch.allclose(attention.sum(-1), torch.ones(3, 64), atol=1e-5), "each query's weights sum to 1"
    with torch.no_grad():
        block.gamma.fill_(0.5)
    assert not torch.allclose(block(x), x), "a learned γ mixes in the attended values"


def test_self_attention_attends_by_content():
    """A query attends most to the places whose keys match it: with identity-like 1×1 convs, a pixel of a map that
    is +1 in one half and -1 in the other attends to its own half."""
    block = SelfAttention(8, use_spectral_norm=False)
    with torch.no_grad():
        block.query.weight.zero_()
        block.key.weight.zero_()
        block.query.weight[0, 0] = 3.0
        block.key.weight[0, 0] = 3.0
    x = torch.zeros(1, 8, 8, 8)
    x[0, 0, :4], x[0, 0, 4:] = 1.0, -1.0
    _, attention = block(x, with_attention=True)
    from_top = attention[0, 0].view(4, 4)  # a pixel of the top half, over the 4×4 pooled keys
    assert from_top[:2].sum() > 0.99 and from_top[2:].sum() < 0.01


def test_sagan_attention_maps_are_the_samples_and_change_nothing():
    model = tiny_model("sagan")
    state = {key: value.clone() for key, value in model.state_dict().items()}
    images, attention = model.attention(seed=4, n=2)
    assert torch.equal(images, model.sample(2, seed=4))
    size = model.config()["attention_size"]
    assert attention.shape == (2, size * size, size * size // 4)
    assert torch.allclose(attention.sum(-1), torch.ones(2, size * size), atol=2e-2)  # bf16 inference on some CPUs
    assert all(torch.equal(value, model.state_dict()[key]) for key, value in state.items())


def test_sagan_has_the_papers_recipe_with_measured_rates():
    model = gans.create("sagan")
    cfg = model.config()
    assert (cfg["loss"], cfg["lr"], cfg["lr_d"], cfg["betas"], cfg["attention_size"]) == (
        "hinge", 4e-4, 1e-3, [0.0, 0.9], 16)  # two time scales, faster than the paper's 1e-4 / 4e-4 (README)
    optimizers = model.configure_optimizers(TrainConfig())
    assert optimizers["generator"].param_groups[0]["lr"] == 4e-4
    assert optimizers["discriminator"].param_groups[0]["lr"] == 1e-3
    paper = model.configure_optimizers(TrainConfig(lr=1e-4, lr_d=4e-4))
    assert [paper[net].param_groups[0]["lr"] for net in ("generator", "discriminator")] == [1e-4, 4e-4]
    spectral = [name for name, _ in model.named_parameters() if name.endswith("parametrizations.weight.original")]
    assert any(name.startswith("generator.") for name in spectral)
    assert any(name.startswith("discriminator.") for name in spectral)
    assert model.generator_ema is not None
    for network in (model.generator, model.discriminator):
        assert sum(isinstance(m, SelfAttention) for m in network.modules()) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"attention_size": 12}, "attention_size 12"),
    ({"image_size": 28}, "32 or 64 px"),
    ({"lr_d": 0}, "learning rate must be > 0"),
    ({"loss": "wasserstein"}, "gradient penalty"),
])
def test_sagan_refuses_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        gans.create("sagan", **kwargs)


def test_attention_sizes():
    assert attention_sizes(32) == (8, 16) and attention_sizes(28) == (14,) and attention_sizes(64) == (8, 16, 32)
    assert tiny_model("sagan", image_size=64, attention_size=32).sample(1).shape == (1, 1, 64, 64)


# ---- StyleGAN -------------------------------------------------------------------------------------------------
def test_demodulation_gives_unit_variance_per_output_channel():
    """A hand check of StyleGAN2's demodulation: for unit-variance input, every output channel has unit variance,
    whatever the style (away from the zero-padded border)."""
    torch.manual_seed(0)
    conv = ModulatedConv2d(32, 6, 3, w_dim=16)
    x = torch.randn(16, 32, 64, 64)
    with torch.no_grad():
        for _ in range(3):  # three large, uneven styles, each over 16 × 62 × 62 output pixels
            w = (torch.randn(1, 16) * 3).expand(16, -1)
            variance = conv(x, w)[:, :, 1:-1, 1:-1].var(dim=(0, 2, 3))  # per output channel
            assert torch.allclose(variance, torch.ones_like(variance), atol=0.05), variance
        # and by hand: the modulated, demodulated weight of a sample has unit norm per output channel
        styles = conv.affine(w)[0]
        weight = conv.weight * conv.scale * styles[None, :, None, None]
        weight = weight / weight.pow(2).sum(dim=(1, 2, 3), keepdim=True).sqrt()
        expected = torch.nn.functional.conv2d(x[:1], weight, padding=1)
        assert torch.allclose(conv(x[:1], w[:1]), expected, atol=1e-4)
    plain = ModulatedConv2d(32, 6, 3, w_dim=16, demodulate=False)
    with torch.no_grad():
        assert not torch.allclose(plain(x, w)[:, :, 1:-1, 1:-1].var(dim=(0, 2, 3)), torch.ones(6), atol=0.05)


def record_styles(model):
    """Hooks that record the w each layer's (and ToRGB's) affine map receives, in order of use."""
    seen, handles = [], []
    generator = model.inference_generator()
    for module in generator.modules():
        if isinstance(module, ModulatedConv2d):
            handles.append(module.affine.register_forward_hook(lambda m, args, out: seen.append(args[0].clone())))
    return seen, handles


@pytest.mark.parametrize("group", ["coarse", "middle", "fine"])
def test_style_mixing_switches_w_at_the_chosen_layers(group):
    model = tiny_model("stylegan")
    layers = model.style_layers(group)
    a, b = model.styles(model.latent(1, 1)), model.styles(model.latent(2, 1))
    seen, handles = record_styles(model)
    try:
        grid = model.mix_styles([1], [2], group)
    finally:
        for handle in handles:
            handle.remove()
    assert grid.shape == (1, 1, 1, 32, 32)
    # the generator reads layer 0, 1, ... in order; a ToRGB reads the w of the layer after it
    order = []
    generator = model.inference_generator()
    for index in range(len(generator.layers)):
        order.append(index)
        if index in generator.rgb_after:
            order.append(index + 1)
    assert len(seen) == len(order)
    for w, index in zip(seen, order):
        source = b if index in layers else a
        assert torch.allclose(w[0], source[0, index].to(w.dtype)), (index, group)
    assert any(index in layers for index in order) and any(index not in layers for index in order)


def test_style_groups_cover_every_layer_once():
    model = tiny_model("stylegan", image_size=64)
    groups = [set(model.style_layers(group)) for group in ("coarse", "middle", "fine")]
    assert set().union(*groups) == set(range(model.num_ws)) and sum(map(len, groups)) == model.num_ws
    with pytest.raises(ConfigError, match="unknown style group"):
        model.style_layers("medium")


def test_psi_zero_gives_the_mean_w_image_for_every_seed():
    model = tiny_model("stylegan")
    with torch.no_grad():
        model.generator_ema.w_avg.normal_()  # a tracked mean that is not zero
    mean = model.synthesize(model.generator_ema.w_avg[None, None].expand(1, model.num_ws, -1))
    for seed in (0, 1, 7):
        assert torch.allclose(model.sample(1, seed=seed, psi=0.0), mean, atol=1e-6)
    assert not torch.allclose(model.sample(1, seed=0, psi=1.0), model.sample(1, seed=1, psi=1.0))
    half = model.sample(1, seed=3, psi=0.5)
    assert not torch.allclose(half, mean) and not torch.allclose(half, model.sample(1, seed=3))


def test_noise_seed_changes_only_the_noise():
    model = tiny_model("stylegan")
    with torch.no_grad():
        for layer in model.generator_ema.layers:
            layer.noise.strength.fill_(0.5)
    fixed = model.sample(2, seed=5)
    assert torch.equal(fixed, model.sample(2, seed=5)), "an evaluated generator uses its fixed noise"
    one, again = model.sample(2, seed=5, noise_seed=1), model.sample(2, seed=5, noise_seed=1)
    assert torch.equal(one, again) and not torch.equal(one, fixed)
    assert not torch.equal(one, model.sample(2, seed=5, noise_seed=2))
    with torch.no_grad():
        for layer in model.generator_ema.layers:
            layer.noise.strength.zero_()
    assert torch.allclose(model.sample(2, seed=5, noise_seed=1), model.sample(2, seed=5), atol=1e-3)


def test_training_tracks_the_mean_w_and_runs_lazy_r1():
    model = tiny_model("stylegan", r1_every=4)
    optimizers = model.configure_optimizers(TrainConfig())
    before = model.generator.w_avg.clone()
    assert "r1" in model.train_step(real_batch(model), optimizers, step=0)
    assert "r1" not in model.train_step(real_batch(model), optimizers, step=1)
    assert "r1" in model.train_step(real_batch(model), optimizers, step=4)
    assert not torch.equal(before, model.generator.w_avg)
    plain = tiny_model("stylegan", r1_gamma=0.0)
    assert "r1" not in plain.train_step(real_batch(plain), plain.configure_optimizers(TrainConfig()), step=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"image_size": 28}, "32 or 64 px"),
    ({"mixing_prob": 1.5}, "mixing_prob"),
    ({"mapping_layers": 0}, "mapping_layers"),
    ({"r1_every": 0}, "r1_every"),
])
def test_stylegan_refuses_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        gans.create("stylegan", **kwargs)


@pytest.mark.parametrize("name, kwargs", [("sagan", {}), ("stylegan", {"r1_every": 4})])
def test_exact_resume(tmp_path, name, kwargs):
    from tests.helpers import tiny_kwargs

    kwargs = tiny_kwargs(name, **kwargs)
    train(name, cfg=tiny_cfg(steps=6, checkpoint_every=3), out=tmp_path / "a", model_kwargs=kwargs)
    resume(tmp_path / "a", steps=10)
    train(name, cfg=tiny_cfg(steps=10, checkpoint_every=3), out=tmp_path / "b", model_kwargs=kwargs)
    assert_same_weights(weights(tmp_path / "a"), weights(tmp_path / "b"))
