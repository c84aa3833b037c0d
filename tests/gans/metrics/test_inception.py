"""The Inception FID path: the network is Inception-v3 (parameter count of the published model), weights are
found where the documentation says, bad weight files get one clear sentence, and `evaluate` adds
``fid_inception`` only when weights are present. Real Inception weights cannot be downloaded here, so the files
are Inception-v3 state dicts with random weights, saved the way the published files are (torch.save of a dict)."""

import pytest
import torch

from gans.cli import main
from gans.data import load_dataset
from gans.data.image_data import to_model_range
from gans.metrics.evaluate import evaluate_model
from gans.metrics.features import MetricUnavailableError
from gans.metrics.inception import (
    InceptionV3,
    MixedA,
    MixedC,
    MixedE,
    _average_pool,
    find_inception_weights,
    inception_features,
    load_inception,
    to_inception_input,
)
from tests.gans.metrics.test_features import StandIn

FID_FILE = "pt_inception-2015-12-05-6726825d.pth"
TORCHVISION_FILE = "inception_v3_google-0cc3c7bd.pth"


def random_state(num_classes: int, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    network = InceptionV3(num_classes=num_classes, tf_fid=num_classes == 1008)
    with torch.no_grad():  # non-trivial batch-norm statistics, so loading them is visible in the features
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 2.0)
    return network.state_dict()


@pytest.fixture(scope="module")
def fid_weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / FID_FILE
    torch.save(random_state(1008), path)
    return path


@pytest.fixture(scope="module")
def images():
    data = load_dataset("fashion-mnist-mini", download=False)
    return to_model_range(data.images[-40:])


def test_the_network_is_inception_v3_by_its_published_parameter_count():
    # torchvision lists 27,161,264 parameters for Inception-v3 with its auxiliary classifier; that head is
    # 768·128 + 256 (1×1 conv + BN) + 128·768·25 + 1536 (5×5 conv + BN) + 768·1000 + 1000 (fc) = 3,326,696.
    count = sum(p.numel() for p in InceptionV3(num_classes=1000).parameters())
    assert count == 27_161_264 - 3_326_696
    # The FID graph has 1008 classes: 8 more rows of 2048 weights + 1 bias.
    assert sum(p.numel() for p in InceptionV3(num_classes=1008, tf_fid=True).parameters()) == count + 8 * 2049
    with torch.no_grad():
        assert InceptionV3().eval().features(torch.zeros(1, 3, 299, 299)).shape == (1, 2048)


# Output (channels, height, width) of each block for a 299 × 299 input: the stem 149 → 147 → 147 → (pool) 73 → 73 → 71
# → (pool) 35, then 35 × 35 × 288, 17 × 17 × 768, 8 × 8 × 1280 and 8 × 8 × 2048 (Szegedy et al. 2016, table 1).
BLOCK_SHAPES = {
    "Conv2d_1a_3x3": (32, 149, 149), "Conv2d_2a_3x3": (32, 147, 147), "Conv2d_2b_3x3": (64, 147, 147),
    "Conv2d_3b_1x1": (80, 73, 73), "Conv2d_4a_3x3": (192, 71, 71),
    "Mixed_5b": (256, 35, 35), "Mixed_5c": (288, 35, 35), "Mixed_5d": (288, 35, 35),
    "Mixed_6a": (768, 17, 17), "Mixed_6b": (768, 17, 17), "Mixed_6c": (768, 17, 17), "Mixed_6d": (768, 17, 17),
    "Mixed_6e": (768, 17, 17), "Mixed_7a": (1280, 8, 8), "Mixed_7b": (2048, 8, 8), "Mixed_7c": (2048, 8, 8),
}


def test_every_block_has_the_published_output_shape():
    network, shapes = InceptionV3().eval(), {}
    for name in BLOCK_SHAPES:
        getattr(network, name).register_forward_hook(
            lambda module, inputs, output, name=name: shapes.__setitem__(name, tuple(output.shape[1:])))
    with torch.no_grad():
        network.features(torch.zeros(1, 3, 299, 299))
    assert shapes == BLOCK_SHAPES


def test_batch_norm_and_pooling_follow_the_weights_they_are_built_for():
    for tf_fid in (False, True):
        network = InceptionV3(num_classes=1008 if tf_fid else 1000, tf_fid=tf_fid)
        norms = [m for m in network.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        convs = [m for m in network.modules() if isinstance(m, torch.nn.Conv2d)]
        assert len(norms) == len(convs) == 94 and {m.eps for m in norms} == {0.001}
        assert all(conv.bias is None for conv in convs)
        mixed = [m for m in network.modules() if isinstance(m, (MixedA, MixedC, MixedE))]
        assert len(mixed) == 9 and all(m.tf_pooling == tf_fid for m in mixed)
        assert network.Mixed_7b.pool == "average" and network.Mixed_7c.pool == ("max" if tf_fid else "average")
    # TensorFlow's average pool leaves the padding out: at a corner of an all-ones map it still averages to 1;
    # PyTorch's default counts the 5 padded zeros of the 3 × 3 window.
    ones = torch.ones(1, 1, 4, 4)
    assert _average_pool(ones, tf_pooling=True)[0, 0, 0, 0] == 1.0
    assert _average_pool(ones, tf_pooling=False)[0, 0, 0, 0] == pytest.approx(4 / 9)


def test_inputs_are_rgb_in_minus_one_to_one_at_299_pixels_resized_bilinearly():
    black = to_inception_input(-torch.ones(2, 1, 28, 28))
    # (bilinear weights sum to 1 up to rounding, which differs with the number of threads: close, not equal)
    assert black.shape == (2, 3, 299, 299) and torch.allclose(black, -torch.ones_like(black), atol=1e-6), "no rescaling"
    halves = torch.tensor([-1.0, 1.0]).view(1, 1, 1, 2).expand(1, 1, 2, 2)  # left black, right white
    resized = to_inception_input(halves)
    middle = resized[0, 0, 0, 140:160]
    assert ((middle > -0.99) & (middle < 0.99)).any(), "bilinear: values between black and white at the edge"
    assert torch.equal(resized[:, 0], resized[:, 2]), "gray repeated to the three channels"
    colour = torch.rand(1, 3, 32, 32) * 2 - 1
    assert not torch.equal(to_inception_input(colour)[:, 0], to_inception_input(colour)[:, 1])


def test_weights_are_found_in_the_hub_cache_or_named_by_the_environment(tmp_path, monkeypatch, fid_weights):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert find_inception_weights() is None
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    (cache / TORCHVISION_FILE).write_bytes(b"")
    assert find_inception_weights()[0] == cache / TORCHVISION_FILE
    (cache / FID_FILE).write_bytes(fid_weights.read_bytes())
    path, description = find_inception_weights()
    assert path == cache / FID_FILE and "FID" in description  # the FID graph wins over torchvision's
    monkeypatch.setenv("GANS_INCEPTION_WEIGHTS", str(fid_weights))
    assert find_inception_weights()[0] == fid_weights
    monkeypatch.setenv("GANS_INCEPTION_WEIGHTS", str(tmp_path / "typo.pth"))
    with pytest.raises(MetricUnavailableError, match="typo.pth, which is not a file"):
        find_inception_weights()


def test_loading_restores_the_saved_network_and_picks_the_variant_from_the_weights(tmp_path, fid_weights, images):
    network = load_inception(str(fid_weights))
    assert network.tf_fid and network.Mixed_7c.pool == "max"
    torch.manual_seed(0)
    saved = InceptionV3(num_classes=1008, tf_fid=True)
    saved.load_state_dict(torch.load(fid_weights))
    batch = images[:3]
    assert torch.equal(inception_features(network, batch), inception_features(saved.eval(), batch))
    # torchvision's files have the auxiliary classifier and no BN step counters: both are fine
    state = {key: value for key, value in random_state(1000).items() if not key.endswith("num_batches_tracked")}
    state["AuxLogits.fc.weight"] = torch.zeros(1000, 768)
    torchvision_like = tmp_path / TORCHVISION_FILE
    torch.save(state, torchvision_like)
    other = load_inception(str(torchvision_like))
    assert not other.tf_fid and other.Mixed_7c.pool == "average"
    # the two pooling variants give other features from the same weights
    assert not torch.allclose(inception_features(other, batch),
                              inception_features(load_inception(str(fid_weights)), batch)[:, :])


def test_bad_weight_files_get_one_clear_sentence(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("not weights")
    with pytest.raises(MetricUnavailableError, match="cannot read Inception weights"):
        load_inception(str(text))
    other = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(1)}, other)
    with pytest.raises(MetricUnavailableError, match="not an Inception-v3 state dict"):
        load_inception(str(other))
    state = random_state(1008)
    del state["Mixed_6b.branch7x7_2.conv.weight"]
    state["Mixed_6b.extra"] = torch.zeros(1)
    partial = tmp_path / "partial.pth"
    torch.save(state, partial)
    with pytest.raises(MetricUnavailableError, match="1 missing parameters \\(Mixed_6b.branch7x7_2.conv.weight"):
        load_inception(str(partial))
    state = random_state(1008)
    state["Mixed_5b.branch1x1.conv.weight"] = torch.zeros(64, 192, 3, 3)
    wrong_shape = tmp_path / "wrong_shape.pth"
    torch.save(state, wrong_shape)
    with pytest.raises(MetricUnavailableError, match="does not match Inception-v3"):
        load_inception(str(wrong_shape))


def test_evaluate_adds_the_inception_fid_only_when_weights_are_present(monkeypatch, fid_weights, images):
    without = evaluate_model(StandIn(images), "fashion-mnist-mini", n=12, seed=0, inception=True)
    assert "fid_inception" not in without and "no Inception-v3 weights found" in without["protocol"]["inception"]
    monkeypatch.setenv("GANS_INCEPTION_WEIGHTS", str(fid_weights))
    real_like = evaluate_model(StandIn(images), "fashion-mnist-mini", n=12, seed=0, inception=True)
    noise = evaluate_model(StandIn(torch.rand_like(images) * 2 - 1), "fashion-mnist-mini", n=12, seed=0,
                           inception=True)
    assert str(fid_weights) in real_like["protocol"]["inception"]
    assert 0 <= real_like["fid_inception"] < noise["fid_inception"]
    # the rest of the result is the same as without Inception, and the in-the-loop default never uses it
    assert {key: value for key, value in real_like.items() if key not in ("fid_inception", "protocol")} == \
        {key: value for key, value in without.items() if key != "protocol"}
    assert "fid_inception" not in evaluate_model(StandIn(images), "fashion-mnist-mini", n=12, seed=0)


def test_cli_evaluate_with_a_wrong_weights_path_says_so_and_can_skip_inception(monkeypatch, tmp_path, capsys):
    run = "checkpoints/dcgan-fashion-mnist-mini"
    monkeypatch.setenv("GANS_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    assert main(["evaluate", run, "--n", "20"]) == 2
    error = capsys.readouterr().err
    assert "GANS_INCEPTION_WEIGHTS" in error and "--no-inception" in error
    assert main(["evaluate", run, "--n", "20", "--no-inception"]) == 0
    assert '"fd"' in capsys.readouterr().out
    # a damaged file in the torch cache: the same, before any other work
    monkeypatch.delenv("GANS_INCEPTION_WEIGHTS")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    (tmp_path / "hub" / "checkpoints" / FID_FILE).write_bytes(b"cut short")
    assert main(["evaluate", run, "--n", "20"]) == 2
    error = capsys.readouterr().err
    assert "cannot read Inception weights" in error and "--no-inception" in error
