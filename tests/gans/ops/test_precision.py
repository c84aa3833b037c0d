"""Precision: the auto rule (capability mocked), bf16 really reaching the convolutions, fp32 where it must stay,
and the choice recorded in config.json, events and the model card."""

import json

import pytest
import torch

import gans
from gans.errors import ConfigError
from gans.models.nn import losses
from gans.ops import precision
from gans.training import TrainConfig, train
from tests.helpers import tiny_kwargs, tiny_model

AVX2_ONLY = frozenset({"sse4_2", "avx", "avx2", "fma"})
AVX512_NO_BF16 = AVX2_ONLY | {"avx512f", "avx512bw", "avx512vl", "avx512dq"}
SAPPHIRE_RAPIDS = AVX512_NO_BF16 | {"avx512_bf16", "amx_bf16", "amx_tile"}
ZEN4 = AVX512_NO_BF16 | {"avx512_bf16"}


@pytest.fixture
def cpu_with(monkeypatch):
    """Pretend the CPU has the given feature flags (the cached decision is cleared before and after)."""
    def pretend(flags):
        monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset(flags))
        precision.bf16_is_fast.cache_clear()
    yield pretend
    precision.bf16_is_fast.cache_clear()


@pytest.mark.parametrize("flags, expected", [(AVX2_ONLY, "fp32"), (AVX512_NO_BF16, "fp32"),
                                             (SAPPHIRE_RAPIDS, "bf16"), (ZEN4, "bf16")])
def test_auto_uses_bf16_only_on_cpus_with_native_bf16(cpu_with, flags, expected):
    cpu_with(flags)
    assert precision.resolve_precision("auto", "cpu") == expected
    assert precision.explain_precision("auto", "cpu").startswith(f"{expected} (auto: ")
    # what the user asks for is what they get
    assert precision.resolve_precision("fp32", "cpu") == "fp32"
    assert precision.resolve_precision("bf16", "cpu") == "bf16"


def test_auto_on_cuda_follows_the_gpus_bf16_support(monkeypatch):
    for supported, expected in ((True, "bf16"), (False, "fp32")):
        precision.bf16_is_fast.cache_clear()
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda supported=supported: supported)
        assert precision.resolve_precision("auto", torch.device("cuda")) == expected
    precision.bf16_is_fast.cache_clear()


def test_auto_keeps_fp32_on_mps_and_rejects_unknown_names():
    assert precision.resolve_precision("auto", "mps") == "fp32"
    with pytest.raises(ConfigError, match="unknown precision 'half'"):
        precision.resolve_precision("half", "cpu")


def test_the_decision_is_made_once_per_process(monkeypatch):
    calls = []
    precision.bf16_is_fast.cache_clear()
    monkeypatch.setattr(precision, "cpu_flags", lambda: calls.append(1) or AVX2_ONLY)
    for _ in range(3):
        precision.resolve_precision("auto", "cpu")
    assert len(calls) == 1
    precision.bf16_is_fast.cache_clear()


def conv_output_dtypes(model, cfg, tmp_path, name):
    """The dtypes D's first convolution produced during a short training run."""
    seen = []
    first_conv = next(m for m in model.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    from gans.data import load_dataset
    from gans.training import DataConfig, Trainer

    data = model.prepare_data(load_dataset("fashion-mnist-mini", image_size=28))
    Trainer(cfg).fit(model, data, tmp_path / name, DataConfig())
    return set(seen)


def test_bf16_reaches_the_convolutions_and_fp32_does_not(tmp_path):
    cfg = dict(steps=2, batch_size=8, device="cpu", sample_every=100, checkpoint_every=100, num_samples=4)
    assert conv_output_dtypes(tiny_model("dcgan", image_size=28), TrainConfig(**cfg, precision="bf16"),
                              tmp_path, "bf16") == {torch.bfloat16}
    assert conv_output_dtypes(tiny_model("dcgan", image_size=28), TrainConfig(**cfg, precision="fp32"),
                              tmp_path, "fp32") == {torch.float32}


def test_weights_batch_norm_statistics_and_optimizer_state_stay_fp32_in_bf16(tmp_path):
    out = tmp_path / "run"
    cfg = TrainConfig(steps=3, batch_size=8, device="cpu", sample_every=100, checkpoint_every=100, num_samples=4,
                      precision="bf16")
    train("dcgan", cfg=cfg, out=out, model_kwargs=tiny_kwargs("dcgan", image_size=28))
    state = gans.RunDir(out).load_trainer_state()
    assert all(t.dtype in (torch.float32, torch.int64) for t in state["model"].values())
    bn_means = [k for k in state["model"] if k.endswith("running_mean")]
    assert bn_means and all(state["model"][k].dtype == torch.float32 for k in bn_means)
    moments = [v for opt in state["optimizers"].values() for s in opt["state"].values() for k, v in s.items()
               if k in ("exp_avg", "exp_avg_sq")]
    assert moments and all(m.dtype == torch.float32 for m in moments)


def test_gradient_penalty_is_fp32_inside_bf16_autocast():
    torch.manual_seed(0)
    critic = tiny_model("wgan-gp", image_size=28).discriminator
    real, fake = torch.rand(4, 1, 28, 28) * 2 - 1, torch.rand(4, 1, 28, 28) * 2 - 1
    torch.manual_seed(1)
    reference = losses.gradient_penalty(critic, real, fake)
    torch.manual_seed(1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside = losses.gradient_penalty(critic, real, fake)
    assert inside.dtype == torch.float32
    assert torch.equal(inside, reference)


def test_the_choice_is_recorded_in_config_events_and_model_card(tmp_path):
    out = tmp_path / "run"
    cfg = TrainConfig(steps=2, batch_size=8, device="cpu", sample_every=100, checkpoint_every=100, num_samples=4,
                      precision="fp32")
    train("dcgan", cfg=cfg, out=out, model_kwargs=tiny_kwargs("dcgan", image_size=28))
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["precision"] == "fp32" and config["train"]["precision_used"] == "fp32"
    start = next(e for e in gans.RunDir(out).read_events() if e["type"] == "start")
    assert start["precision"] == "fp32" and start["precision_note"] == "fp32 (asked for)"
    assert "- **Precision:** fp32 (asked for)" in (out / "README.md").read_text()


def test_old_runs_without_the_setting_load_their_precision():
    assert TrainConfig.from_dict({"amp": False}).precision == "fp32"
    assert TrainConfig.from_dict({"amp": True}).precision == "auto"
    assert TrainConfig.from_dict({}).precision == "auto"


def test_inference_follows_the_auto_rule(cpu_with):
    model = tiny_model("dcgan", image_size=28)
    seen = []
    first = next(m for m in model.inference_generator().modules() if isinstance(m, torch.nn.ConvTranspose2d))
    first.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    cpu_with(AVX2_ONLY)
    fp32_images = model.sample(4, seed=0)
    cpu_with(SAPPHIRE_RAPIDS)
    bf16_images = model.sample(4, seed=0)
    assert seen == [torch.float32, torch.bfloat16]
    assert fp32_images.dtype == bf16_images.dtype == torch.float32  # callers always get fp32 pixels
    assert (fp32_images - bf16_images).abs().max() < 0.1


def test_training_autocast_runs_each_forward_on_the_current_weights(monkeypatch, tmp_path):
    """autocast keeps the bf16 copy of a weight for the rest of its region by default, so a forward pass after an
    optimizer step would run on the weights from before it (G's update against the D of before D's update,
    n_critic > 1 critic updates all at the first one's weights). The Trainer's autocast keeps no such copy."""
    layer, x = torch.nn.Linear(4, 4), torch.randn(2, 4)

    def same_output_after_a_step(cache: bool) -> bool:
        with precision.autocast("cpu", "bf16", cache=cache):
            before = layer(x)
            with torch.no_grad():
                layer.weight.add_(1.0)
            return torch.equal(before, layer(x))

    assert same_output_after_a_step(cache=True), "the pitfall: a stale bf16 weight"
    assert not same_output_after_a_step(cache=False)

    from gans.training import graphs

    caches = []

    def recording(device, chosen, cache=True):
        caches.append(cache)
        return precision.autocast(device, chosen, cache=cache)

    monkeypatch.setattr(graphs, "autocast", recording)  # the Trainer's eager step (graphs.eager_step)
    train("dcgan", cfg=TrainConfig(steps=2, batch_size=4, device="cpu", precision="bf16", sample_every=2),
          out=tmp_path / "run", model_kwargs=tiny_kwargs("dcgan", image_size=28))
    assert caches == [False, False], "one autocast region per step, without the cache"
