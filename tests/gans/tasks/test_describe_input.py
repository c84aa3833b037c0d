"""gans.tasks.describe_input: what an image-to-image checkpoint expects, and its directions in its domains' names."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gans.data import load_dataset
from gans.errors import GansError
from gans.io.uploads import decode_upload
from gans.ops.ageing import age, random_ageing
from gans.tasks.describe_input import direction_label, domain_names, expected_input, input_fit, upload_fit
from gans.tasks.sketch import draw_strokes, example_strokes
from gans.views.catalog import CheckpointInfo, describe, list_checkpoints
from tests.helpers import ROOT


def run_info(data: str, domains: list[str] | None = None) -> CheckpointInfo:
    return CheckpointInfo(path=Path("run"), source="run", architecture="pix2pix", data=data, step=0, image_size=32,
                          channels=1, num_classes=0, task="translate", domains=list(domains or []))


def test_the_shipped_edge_model_says_it_wants_an_edge_drawing_on_white_and_names_its_direction():
    info = describe(ROOT / "checkpoints" / "pix2pix-edges2fashion")
    assert direction_label(info, "a2b") == "edge drawing → garment"
    sentence = expected_input(info, "a2b")
    assert sentence.startswith("**Give it** an edge drawing") and "black outlines on a white background" in sentence
    assert "noise" in sentence and "**It returns** a small gray picture of a garment" in sentence


def test_the_run_s_recorded_domains_win_and_directions_swap_the_sentence():
    info = describe(ROOT / "checkpoints" / "cyclegan-sneaker2boot")
    assert domain_names(info) == ("sneaker", "ankle boot")
    assert direction_label(info, "b2a") == "ankle boot → sneaker"
    assert "picture of an ankle boot" in expected_input(info, "b2a").split("**It returns**")[0]
    assert domain_names(run_info("sneaker2boot", ["day", "night"])) == ("day", "night")


def test_a_user_folder_or_an_unknown_dataset_gets_a_plain_a_and_b_sentence():
    folder = run_info("paired-folder")
    assert domain_names(folder) is None and direction_label(folder, "a2b") == "A → B"
    assert "left half of each training pair" in expected_input(folder)
    assert "the B side of **somebody-else**" in expected_input(run_info("somebody-else"), "b2a")


# ---- does an upload look like the model's input? (gans.tasks.describe_input.input_fit) -------------------------------
EDGES, CYCLE = ROOT / "checkpoints" / "pix2pix-edges2fashion", ROOT / "checkpoints" / "cyclegan-sneaker2boot"
OPENCV = Path("/usr/share/doc/opencv-doc/examples/data")
PHOTOS = [  # colour photos of several kinds, a gray photo and a painting, from packages .ci/run installs
    Path("/usr/share/backgrounds/Dragonfly_by_Bolly.jpg"), Path("/usr/share/backgrounds/mate/nature/LadyBird.jpg"),
    OPENCV / "baboon.jpg", OPENCV / "fruits.jpg", OPENCV / "building.jpg", OPENCV / "left01.jpg",
    OPENCV / "starry_night.jpg",
]


def photo(path: Path):
    """A photo from a Debian package, decoded by the one decoder; skipped without the package (failed in CI)."""
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: .ci/run installs lomiri-wallpapers-16.04, mate-backgrounds, opencv-doc")
        pytest.skip(f"{path} is not installed")
    return decode_upload(path)


def held_out(dataset: str):
    """(domain A, domain B) pictures of ``dataset``'s whole test split, 28 px, and its A side resized to 32 px as
    the Translate page's held-out examples are."""
    data = load_dataset(dataset, split="test", download=False)
    a = [Image.fromarray(image[0].numpy()) for image in data.a]
    b = [Image.fromarray(image[0].numpy()) for image in data.b]
    return a, b, [picture.resize((32, 32), Image.Resampling.BICUBIC) for picture in a]


def test_the_models_own_held_out_inputs_never_get_a_warning():
    edges, garments, edges_32 = held_out("edges2fashion")
    sneakers, boots, _ = held_out("sneaker2boot")
    edge_model, cycle_model = describe(EDGES), describe(CYCLE)
    assert all(input_fit(edge_model, "a2b", picture, []).fits for picture in edges + edges_32)  # 1,200
    assert all(input_fit(cycle_model, "a2b", picture, []).fits for picture in sneakers + garments)  # 660
    assert all(input_fit(cycle_model, "b2a", picture, []).fits for picture in boots)


def test_the_other_domain_s_pictures_are_told_apart_and_the_fitting_model_or_the_pad_is_offered():
    edges, garments, _ = held_out("edges2fashion")
    edge_model, cycle_model = describe(EDGES), describe(CYCLE)
    shipped = list_checkpoints(include_runs=False, task="translate")
    garment_fit = input_fit(edge_model, "a2b", garments[0], shipped)
    assert not garment_fit.fits and garment_fit.kind == "garment" and garment_fit.sketch_pad
    assert "small gray picture of an object on black" in garment_fit.message
    assert "edge drawing of a garment" in garment_fit.message and "noise" in garment_fit.message
    assert [(offer.path, offer.direction) for offer in garment_fit.offers] == [(str(CYCLE), "a2b")]
    edge_fit = input_fit(cycle_model, "b2a", edges[0], shipped)
    assert not edge_fit.fits and edge_fit.kind == "edges" and not edge_fit.sketch_pad
    assert [(offer.path, offer.direction) for offer in edge_fit.offers] == [(str(EDGES), "a2b")]
    assert sum(not input_fit(edge_model, "a2b", picture, []).fits for picture in garments) == len(garments)
    assert sum(not input_fit(cycle_model, "a2b", picture, []).fits for picture in edges) == len(edges)


@pytest.mark.parametrize("path", PHOTOS, ids=[path.stem for path in PHOTOS])
def test_a_photo_is_not_an_edge_drawing_nor_a_fashion_mnist_garment(path):
    picture = photo(path)
    fit = input_fit(describe(EDGES), "a2b", picture, [])
    assert not fit.fits and fit.kind == "photo" and fit.sketch_pad and not fit.shrink
    colour = "gray photo" if path.stem == "left01" else "colour photo"
    assert fit.message.startswith(f"This looks like a {colour}, but the model takes an edge drawing")
    assert not input_fit(describe(CYCLE), "a2b", picture, []).fits


@pytest.mark.parametrize("path", PHOTOS, ids=[path.stem for path in PHOTOS])
def test_a_photo_model_takes_any_photo_aged_or_not(path):
    """aged-photos (the restoration model's data) declares photos: ordinary photos and aged ones fit."""
    restorer = run_info("aged-photos")
    picture = photo(path)
    assert input_fit(restorer, "a2b", picture, []).fits
    small = picture.convert("RGB").resize((384, 288))
    generator = torch.Generator().manual_seed(len(path.stem))
    aged = age(torch.from_numpy(np.asarray(small, dtype=np.float32) / 255).permute(2, 0, 1)[None],
               random_ageing(generator, presence=1.0), generator)
    aged = Image.fromarray((aged[0].permute(1, 2, 0).clamp(0, 1) * 255).round().to(torch.uint8).numpy())
    assert input_fit(restorer, "a2b", aged, []).fits and input_fit(restorer, "b2a", aged, []).fits


def test_a_line_drawing_goes_to_the_edge_model_at_any_size():
    drawing = draw_strokes(example_strokes("sneaker"))  # 280 px: far larger than the 28 px edge maps
    fit = input_fit(describe(EDGES), "a2b", drawing, [])
    assert not fit.fits and fit.kind == "edges" and fit.shrink and "280×280 px" in fit.message
    assert "learnt from 28×28 px ones" in fit.message
    restorer = input_fit(run_info("aged-photos"), "a2b", drawing, [describe(EDGES)])
    assert not restorer.fits and restorer.message.startswith("This looks like a line drawing, but the model takes")
    assert [offer.path for offer in restorer.offers] == [str(EDGES)], "the edge model shrinks any drawing"
    small = drawing.resize((56, 56))
    assert input_fit(describe(EDGES), "a2b", small, []).fits, "up to twice the model's size is fine"


def test_a_dataset_that_declares_nothing_is_never_judged_and_upload_fit_decodes_with_the_one_decoder():
    noise = Image.effect_noise((64, 64), 80).convert("RGB")
    assert input_fit(run_info("paired-folder"), "a2b", noise, []).fits
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert not upload_fit(describe(EDGES), "a2b", buffer.getvalue(), []).fits
    with pytest.raises(GansError, match="not an image"):
        upload_fit(describe(EDGES), "a2b", b"no pixels here", [])
