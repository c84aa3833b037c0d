"""gans.describe_input: what an image-to-image checkpoint expects, and its directions in its domains' names."""

from pathlib import Path

from gans.catalog import CheckpointInfo, describe
from gans.describe_input import direction_label, domain_names, expected_input
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
