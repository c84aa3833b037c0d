"""Issue 29's probe cases for projection, through the real program (`python -m gans project`, its own process
under a 4 GB address-space cap): a 47 KB 7000×7000 PNG of zeros is one line naming GANS_MAX_PIXELS, never a
half-gigabyte resize; `-o x.txt` is one line and writes nothing; `-o` into a missing folder makes it. The page's
side is in tests/pages/test_explore_projection.py, the library's (decoding never starts) in
tests/gans/tasks/test_project.py.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import tiny_model
from tests.test_bad_input import assert_one_clear_error, real_program


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A tiny dcgan run, a 7000×7000 PNG of zeros and an ordinary small picture."""
    folder = tmp_path_factory.mktemp("project-probes")
    tiny_model("dcgan").save_pretrained(folder / "run")
    Image.new("L", (7000, 7000)).save(folder / "zeros.png", optimize=True)
    Image.new("L", (40, 40), 90).save(folder / "small.png")
    return folder


def project_args(inputs: Path, picture: str, output: Path) -> list[str]:
    return ["project", str(inputs / "run"), str(inputs / picture), "-o", str(output), "--steps", "3"]


def test_a_huge_png_of_zeros_is_one_line_naming_the_pixel_budget(inputs, tmp_path):
    assert (inputs / "zeros.png").stat().st_size < 100_000
    code, err = real_program(project_args(inputs, "zeros.png", tmp_path / "p.npz"), tmp_path)
    assert_one_clear_error(code, err, "is 7000×7000 = 49 megapixels; this server allows at most 25 megapixels per "
                                      "request (GANS_MAX_PIXELS)")
    assert not any(tmp_path.iterdir()), "nothing written"


def test_an_output_that_is_not_npz_is_one_line_and_writes_nothing(inputs, tmp_path):
    code, err = real_program(project_args(inputs, "small.png", tmp_path / "x.txt"), tmp_path)
    assert_one_clear_error(code, err, "cannot write x.txt: a projection is saved as an .npz file")
    assert not any(tmp_path.iterdir()), "no x.txt, no x.txt.npz"


def test_an_output_in_a_missing_folder_is_written_there(inputs, tmp_path):
    output = tmp_path / "new" / "deeper" / "p.npz"
    code, err = real_program(project_args(inputs, "small.png", output), tmp_path)
    assert code == 0, err
    assert set(np.load(output).files) == {"z", "image", "error"}
