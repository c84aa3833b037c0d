"""gans.tasks.synth and ``python -m gans synth``: a labelled folder of generated images that the ``folder`` dataset
reads back with the generator's own labels; deterministic, never overwriting, nothing left behind on failure."""


import numpy as np
import pytest
import torch
from PIL import Image

from gans.cli import main
from gans.data import load_dataset
from gans.errors import ConfigError
from gans.io.images import to_uint8
from gans.tasks.synth import class_folders, synthesize_folder
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import ROOT, tiny_model

NAMES = ["T-shirt/top", "Trouser", "Ankle boot"]


@pytest.fixture(scope="module")
def model():
    return tiny_model("cgan", num_classes=3, image_size=28).eval()


def test_the_folder_dataset_reads_back_every_image_with_the_generator_s_label(model, tmp_path):
    report = synthesize_folder(model, per_class=5, out=tmp_path / "synthetic", class_names=NAMES)
    assert report.classes == ["0-t-shirt-top", "1-trouser", "2-ankle-boot"] and report.total == 15
    data = load_dataset("folder", path=str(tmp_path / "synthetic"))
    assert len(data) == 15 and data.class_names == report.classes
    assert torch.bincount(torch.as_tensor(data.labels)).tolist() == [5, 5, 5]
    # each file is the model's sample of its class, from the documented seed
    expected = to_uint8(model.sample(5, seed=10_000 * 1, labels=[1] * 5))[2][..., 0]
    assert np.array_equal(np.asarray(Image.open(tmp_path / "synthetic" / "1-trouser" / "00002.png")), expected)


def test_folders_sort_in_class_order_with_many_classes():
    folders = class_folders([], 12)
    assert folders[0] == "00-class" and folders[11] == "11-class" and sorted(folders) == folders


def test_it_never_overwrites_and_leaves_nothing_behind_when_it_fails(model, tmp_path, monkeypatch):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="already exists and is not an empty folder"):
        synthesize_folder(model, per_class=2, out=taken)
    assert (taken / "mine.txt").read_text() == "keep me"

    calls = []

    def failing_sample(n, **kwargs):
        calls.append(n)
        if len(calls) == 2:
            raise RuntimeError("out of memory")
        return torch.zeros(n, 1, 28, 28)

    monkeypatch.setattr(model, "sample", failing_sample)
    with pytest.raises(RuntimeError):
        synthesize_folder(model, per_class=2, out=tmp_path / "half")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken"]  # no half-written folder


def test_unconditional_models_and_bad_counts_are_refused(model, tmp_path):
    with pytest.raises(ConfigError, match="does not draw images of a given class"):
        synthesize_folder(tiny_model("dcgan"), per_class=2, out=tmp_path / "x")
    with pytest.raises(ConfigError, match="--per-class must be a whole number"):
        synthesize_folder(model, per_class=0, out=tmp_path / "x")


def test_the_command_names_folders_after_the_run_s_classes_and_errors_are_one_line(tmp_path, capsys):
    run = tmp_path / "cgan"
    train("cgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"), run,
          {"width": 4, "latent_dim": 8, "embed_dim": 4})
    out = tmp_path / "synthetic"
    assert main(["synth", str(run), "--per-class", "2", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 20 images (2 per class, 10 classes: 0-t-shirt-top … 9-ankle-boot)" in printed
    assert sorted(path.name for path in out.iterdir())[1] == "1-trouser"
    for args, message in [(["synth", str(ROOT / "checkpoints" / "dcgan-fashion-mnist"), "--per-class", "2", "-o",
                            str(tmp_path / "y")], "does not draw images of a given class"),
                          (["synth", str(run), "--per-class", "2", "-o", str(out)], "already exists")]:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err
