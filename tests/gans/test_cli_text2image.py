"""``python -m gans sample RUN --text PROMPT`` (issue 19, part 4): a grid for the prompt, unknown words as a note,
every refusal one line."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import gans
from gans.cli import main
from gans.training import DataConfig, TrainConfig, train
from tests.helpers import ROOT

TINY = {"width": 4, "latent_dim": 8, "embed_dim": 4}


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-text") / "t2i"
    train("text2image", DataConfig("fashion-mnist-mini"), TrainConfig(steps=2, batch_size=4, device="cpu"), out, TINY)
    return out


def test_text_samples_the_prompt_into_a_grid(text_run, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    assert main(["sample", str(text_run), "--text", "a dark ankle boot", "-n", "4", "--nrow", "2",
                 "-o", str(grid)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"wrote 4 samples to {grid}" and captured.err == ""
    model = gans.load(text_run)
    expected = gans.io.images.grid_image(model.sample(4, seed=0, text="a dark ankle boot"), nrow=2)
    assert np.array_equal(np.asarray(Image.open(grid)), np.asarray(expected))
    other = tmp_path / "other.png"
    assert main(["sample", str(text_run), "--text", "a light sneaker", "-n", "4", "--nrow", "2", "-o", str(other)]) == 0
    assert not np.array_equal(np.asarray(Image.open(grid)), np.asarray(Image.open(other)))


def test_unknown_words_are_a_note_on_stderr(text_run, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    assert main(["sample", str(text_run), "--text", "a shiny dark boot", "-n", "2", "-o", str(grid)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("note: unknown word left out: 'shiny'") and "'dark ankle-boot'" in err and grid.exists()


@pytest.mark.parametrize("prompt, message", [
    ("", "error: the prompt is empty"),
    ("zzz qqq", "error: no word of the prompt 'zzz qqq' is in the model's vocabulary"),
])
def test_an_empty_or_all_unknown_prompt_is_one_line(text_run, tmp_path, capsys, prompt, message):
    assert main(["sample", str(text_run), "--text", prompt, "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and not (tmp_path / "g.png").exists()


def test_text_on_a_model_without_text_and_text_with_class_are_refused(text_run, tmp_path, capsys):
    assert main(["sample", str(ROOT / "checkpoints" / "cgan-fashion-mnist"), "--text", "a coat", "-n", "2",
                 "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err == "error: cgan takes no text prompt; a text-to-image run (text2image) does\n"
    assert main(["sample", str(text_run), "--text", "a coat", "--class", "4", "-o", str(tmp_path / "g.png")]) == 2
    assert capsys.readouterr().err == "error: give --text or --class, not both\n"


def test_the_real_program_prints_no_traceback(text_run, tmp_path):
    result = subprocess.run([sys.executable, "-m", "gans", "sample", str(text_run), "--text", "!!!", "-o",
                             str(tmp_path / "g.png")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_the_model_card_says_the_captions_are_synthetic_and_shows_a_prompt(text_run):
    card = (text_run / "README.md").read_text()
    assert "- **Captions:** synthetic, written for every batch from each training image's class" in card
    assert 'model.sample(16, seed=0, text="a dark ankle boot")' in card
    assert f'python -m gans sample {text_run.name} --text "a dark ankle boot" -n 16 -o grid.png' in card
