"""Anomaly detection end to end (gans.tasks.detect, ``python -m gans detect``): a small detector trained here on one
class of the embedded subset gives held-out images of that class "normal" and other classes, flat and noise images
"anomalous"; its threshold is stored with the run; CLI errors are one line."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.cli import main
from gans.data.image_data import to_model_range
from gans.errors import ConfigError, ImageError
from gans.tasks import detect
from tests.helpers import ANOMALY_NORMAL_CLASS, ROOT, mini_images, train_tiny_anomaly

OTHER_CLASSES = (0, 5, 7, 8)  # T-shirt, sandal, sneaker, bag


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return train_tiny_anomaly(tmp_path_factory.mktemp("anomaly") / "run")


@pytest.fixture(scope="module")
def model(run):
    return gans.load(run)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """PNG files: a held-out normal image, an image of another class, a flat gray image, noise, and a text file."""
    folder = tmp_path_factory.mktemp("images")
    pictures = {"normal.png": mini_images(ANOMALY_NORMAL_CLASS, heldout_only=True)[0],
                "bag.png": mini_images(8)[0],
                "flat.png": Image.new("L", (28, 28), 128),
                "noise.png": Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8))}
    for name, picture in pictures.items():
        picture.save(folder / name)
    (folder / "notes.png").write_text("not an image")
    return folder


def test_held_out_normal_images_score_normal_and_other_classes_anomalous(model):
    normal = detect.detect_images(model, [(str(i), image) for i, image in
                                          enumerate(mini_images(ANOMALY_NORMAL_CLASS, heldout_only=True))])
    others = detect.detect_images(model, [(str(i), image) for label in OTHER_CLASSES
                                          for i, image in enumerate(mini_images(label)[:25])])
    normal_rate = np.mean([not d.anomalous for d in normal])
    caught = np.mean([d.anomalous for d in others])
    assert normal_rate >= 0.85, "about 95 % of held-out normal images fall under a 95 % quantile threshold"
    assert caught >= 0.9, caught
    assert np.median([d.score for d in normal]) < 1.5 < np.median([d.score for d in others])


def test_the_threshold_is_the_held_out_quantile_stored_with_the_run(run, model):
    heldout = torch.stack([torch.from_numpy(np.array(image))[None]
                           for image in mini_images(ANOMALY_NORMAL_CLASS, heldout_only=True)])
    scores = model.score(to_model_range(heldout))
    assert float(model.threshold) == pytest.approx(float(torch.quantile(scores, 0.95)), rel=1e-4)
    assert scores.log().mean().item() == pytest.approx(0.0, abs=1e-4), "each term is normalised on held-out images"
    reloaded = gans.load(run)
    assert torch.equal(reloaded.threshold, model.threshold) and torch.equal(reloaded.score_scale, model.score_scale)
    assert float(model.threshold) > 1.0


def test_a_detection_holds_the_pictures_at_the_models_size(model, files):
    (found,) = detect.detect_files(model, [str(files / "noise.png")], scale=2)
    assert found.image.size == found.reconstruction.size == found.heatmap.size == (56, 56)
    assert found.image.mode == "L" and found.heatmap.mode == "RGB"
    assert found.anomalous and found.verdict == "anomalous" and found.score > found.threshold


def test_uploads_that_are_not_images_are_named_and_the_others_scored(model, files):
    good = (files / "normal.png").read_bytes()
    found, problems = detect.detect_each(model, [("a.png", good), ("b.png", b"\x89PNG broken")])
    assert [d.name for d in found] == ["a.png"] and len(problems) == 1 and problems[0].startswith("b.png: ")
    with pytest.raises(ImageError, match="notes.png"):  # the command line: the first bad file stops it
        detect.detect_files(model, [str(files / "normal.png"), str(files / "notes.png")])


def test_a_model_of_another_task_is_refused():
    with pytest.raises(ConfigError, match="`detect` needs an anomaly run"):
        detect.detect_images(gans.create("dcgan", width=4, latent_dim=8), [("x", Image.new("L", (8, 8)))])


def test_cli_prints_one_verdict_per_image(run, files, capsys):
    names = [str(files / name) for name in ("normal.png", "bag.png", "flat.png", "noise.png")]
    assert main(["detect", str(run), *names]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("image") and "threshold" in lines[0]
    verdicts = {line.split()[0]: line.split()[-1] for line in lines[1:]}
    assert verdicts == {names[0]: "normal", names[1]: "anomalous", names[2]: "anomalous", names[3]: "anomalous"}


def test_cli_json_is_a_list_of_path_score_anomalous(run, files, capsys):
    names = [str(files / "normal.png"), str(files / "bag.png")]
    assert main(["anomaly", str(run), *names, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [set(item) for item in result] == [{"path", "score", "anomalous"}] * 2
    assert [item["path"] for item in result] == names
    assert [item["anomalous"] for item in result] == [False, True]
    assert all(isinstance(item["score"], float) for item in result) and result[0]["score"] < result[1]["score"]


@pytest.mark.parametrize("case, expected", [
    ("missing", "no such file"),
    ("notes.png", "is not an image"),
    ("other-task", "needs an anomaly run"),  # the one task check (gans.registry)
])
def test_cli_errors_are_one_line(run, files, capsys, case, expected):
    source, image = str(run), str(files / "normal.png")
    if case == "missing":
        image = str(files / "missing.png")
    elif case == "notes.png":
        image = str(files / case)
    else:
        source = str(ROOT / "checkpoints" / "dcgan-fashion-mnist-mini")
    assert main(["anomaly", source, image]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and expected in captured.err and captured.err.count("\n") == 1
