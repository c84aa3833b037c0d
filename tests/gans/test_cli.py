"""The command line: every command on a tiny model, and one clear line for every user error."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import gans
from gans.cli import main
from gans.io.decode import gif_frames
from gans.io.images import to_uint8
from tests.helpers import ROOT

TINY_ARGS = ["--width", "4", "--model-arg", "latent_dim=8", "--image-size", "28", "--batch-size", "8", "--quiet"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "dcgan", "--steps", "6", "--out", str(out), "--sample-every", "3", *TINY_ARGS]) == 0
    return out


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "cgan"
    assert main(["train", "cgan", "--steps", "2", "--out", str(out), *TINY_ARGS, "--model-arg", "embed_dim=4"]) == 0
    return out


def run_cli(*args, cwd=ROOT):
    """The real program in a subprocess: exit code, stdout, stderr."""
    result = subprocess.run([sys.executable, "-m", "gans", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def test_list_shows_models_and_datasets(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in gans.list_models():
        assert f"  {name} " in out
    assert "fashion-mnist-mini" in out and "available" in out and "cifar10" in out


def test_train_writes_a_run_directory(trained_run, capsys):
    assert (trained_run / "model.safetensors").exists() and (trained_run / "samples" / "progress.gif").exists()
    config = json.loads((trained_run / "config.json").read_text())
    assert config["model"]["width"] == 4 and config["model"]["latent_dim"] == 8 and config["train"]["steps"] == 6


def test_train_defaults_are_the_models_declared_ones():
    """Dataset, steps and batch size come from gans.registry.model_info (as on the Train page); flags win."""
    from gans.cli import build_parser, job_from_args

    def job(*args):
        return job_from_args(build_parser().parse_args(["train", *args]))

    dcgan, pix2pix, cyclegan = job("dcgan"), job("pix2pix"), job("cyclegan")
    assert (dcgan.data.name, dcgan.train.steps, dcgan.train.batch_size) == ("fashion-mnist-mini", 2000, 64)
    assert (pix2pix.data.name, pix2pix.train.steps, pix2pix.train.batch_size) == ("edges2fashion", 1000, 16)
    assert cyclegan.data.name == "sneaker2boot"
    given = job("pix2pix", "--data", "paired-folder", "--data-path", "pairs/", "--steps", "3", "--batch-size", "2")
    assert (given.data.name, given.data.path, given.train.steps, given.train.batch_size) == \
        ("paired-folder", "pairs/", 3, 2)


def test_an_image_to_image_model_trains_on_its_own_demo_without_data_flags(tmp_path, capsys):
    out = tmp_path / "p2p"
    assert main(["train", "pix2pix", "--steps", "1", "--batch-size", "2", "--image-size", "32", "--width", "4",
                 "--out", str(out), "--quiet"]) == 0
    assert gans.RunDir(out).read_config()["data"]["name"] == "edges2fashion"


def test_train_resume_continues_to_the_new_total(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "lsgan", "--steps", "3", "--out", str(out), *TINY_ARGS]) == 0
    assert main(["train", "--resume", str(out), "--steps", "5", "--quiet"]) == 0
    assert "finished at step 5" in capsys.readouterr().out
    assert gans.RunDir(out).load_trainer_state()["step"] == 5


def test_sample_twice_gives_byte_identical_pngs(trained_run, tmp_path):
    for name in ("a.png", "b.png"):
        assert main(["sample", str(trained_run), "-n", "9", "--seed", "4", "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert main(["sample", str(trained_run), "-n", "9", "--seed", "5", "-o", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "a.png").read_bytes() != (tmp_path / "c.png").read_bytes()
    grid = Image.open(tmp_path / "a.png")
    assert grid.size == (3 * 30 + 2, 3 * 30 + 2)  # 3×3 tiles of 28 px with 2 px padding


def _tiles(strip: np.ndarray, count: int, size: int = 28, pad: int = 2) -> list[np.ndarray]:
    return [strip[pad:pad + size, pad + i * (size + pad): pad + i * (size + pad) + size] for i in range(count)]


def test_interpolate_strip_ends_are_the_two_seeds_samples(trained_run, tmp_path):
    out = tmp_path / "strip.png"
    assert main(["interpolate", str(trained_run), "--seeds", "1", "2", "--frames", "5", "-o", str(out)]) == 0
    image = Image.open(out)
    tiles = _tiles(np.asarray(image)[..., None] if image.mode == "L" else np.asarray(image), 5)
    model = gans.load(trained_run)
    first, last = to_uint8(model.sample(1, seed=1))[0], to_uint8(model.sample(1, seed=2))[0]
    assert np.array_equal(tiles[0], first) and np.array_equal(tiles[-1], last)
    assert not np.array_equal(tiles[2], first)


def test_interpolate_gif_ends_are_the_two_seeds_samples(trained_run, tmp_path):
    out = tmp_path / "walk.gif"
    assert main(["interpolate", str(trained_run), "--seeds", "7", "8", "--frames", "4", "--mode", "lerp",
                 "-o", str(out)]) == 0
    frames = gif_frames(out)
    model = gans.load(trained_run)
    pad = 2
    first = frames[0][pad:-pad, pad:-pad, 0]
    last = frames[3][pad:-pad, pad:-pad, 0]
    assert np.array_equal(first, to_uint8(model.sample(1, seed=7))[0, ..., 0])
    assert np.array_equal(last, to_uint8(model.sample(1, seed=8))[0, ..., 0])


def test_sample_a_class_of_a_conditional_model(conditional_run, tmp_path):
    assert main(["sample", str(conditional_run), "-n", "4", "--class", "3", "-o", str(tmp_path / "c3.png")]) == 0
    assert main(["sample", str(conditional_run), "-n", "4", "--class", "5", "-o", str(tmp_path / "c5.png")]) == 0
    assert (tmp_path / "c3.png").read_bytes() != (tmp_path / "c5.png").read_bytes()
    assert main(["interpolate", str(conditional_run), "--seeds", "0", "1", "--class", "2", "-o",
                 str(tmp_path / "w.png")]) == 0


@pytest.mark.parametrize("args, message", [
    (["train", "dcgna", "--steps", "1"], "unknown model 'dcgna'. Did you mean 'dcgan'?"),
    (["train", "dcgan", "--data", "imagenet", "--steps", "1"], "unknown dataset 'imagenet'"),
    (["train", "dcgan", "--image-size", "48", "--steps", "1"], "image size 48 is not supported"),
    (["train", "dcgan", "--data", "folder", "--data-path", "/no/such/folder", "--steps", "1"], "/no/such/folder"),
    (["train", "dcgan", "--model-arg", "foo=1", "--steps", "1"], "valid arguments: latent_dim, image_size"),
    (["train", "dcgan", "--model-arg", "latent_dim=abc", "--steps", "1"], "invalid arguments for model 'dcgan'"),
    (["train", "dcgan", "--model-arg", "augment=flip", "--steps", "1"], "unknown augmentation 'flip'"),
])
def test_user_errors_are_one_clear_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_generation_mistakes_are_clear_errors(trained_run, tmp_path, capsys):
    cases = [
        (["sample", str(trained_run), "--class", "3", "-o", str(tmp_path / "x.png")], "not class-conditional"),
        (["sample", str(trained_run), "--device", "nosuch", "-o", str(tmp_path / "x.png")], "unknown device"),
        (["sample", str(trained_run), "--seed", str(2**70), "-o", str(tmp_path / "x.png")], "seed must be"),
        (["sample", str(trained_run), "--truncation", "0.00001", "-o", str(tmp_path / "x.png")], "at least 0.02"),
        (["sample", str(trained_run), "-o", str(tmp_path / "x.tiff")], "use a .png"),
        (["sample", str(trained_run), "-o", "/proc/no/such/dir/x.png"], "/proc/no/such/dir"),
        (["interpolate", str(trained_run), "--seeds", "1", "2", "--frames", "1", "-o", str(tmp_path / "x.png")],
         "at least 2 frames"),
    ]
    for args, message in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, (args, err)


def test_sample_and_interpolate_stay_within_the_work_budget(trained_run, tmp_path, capsys, monkeypatch):
    """-n, --frames, --scale and --nrow are bounded by gans.ops.budget: one error line, exit 2, nothing written."""
    for variable in ("GANS_MAX_PIXELS", "GANS_MAX_SAMPLES"):
        monkeypatch.delenv(variable, raising=False)
    grid, gif = str(tmp_path / "grid.png"), str(tmp_path / "walk.gif")
    cases = [
        (["sample", str(trained_run), "-n", "100000", "-o", grid], "100,000 images were asked for", "SAMPLES"),
        (["sample", str(trained_run), "--scale", "1000", "-o", grid], "at most 25 megapixels", "PIXELS"),
        (["sample", str(trained_run), "-n", "2", "--nrow", "1000000", "-o", grid], "a squarer grid (--nrow)",
         "PIXELS"),
        (["interpolate", str(trained_run), "--seeds", "1", "2", "--frames", "5000", "-o", gif], "5,000 frames",
         "SAMPLES"),
        (["interpolate", str(trained_run), "--seeds", "1", "2", "--scale", "2000", "-o", gif], "fewer frames",
         "PIXELS"),
    ]
    for args, message, limit in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and message in err and f"(GANS_MAX_{limit})" in err, (args, err)
        assert len(err.splitlines()) == 1
    assert not (tmp_path / "grid.png").exists() and not (tmp_path / "walk.gif").exists()

    # The operator's variable moves the limit both ways: 4 samples of 28 px at --scale 2 are a 124×124 grid.
    monkeypatch.setenv("GANS_MAX_PIXELS", str(124 * 124 - 1))
    assert main(["sample", str(trained_run), "-n", "4", "--scale", "2", "-o", grid]) == 2
    assert "124×124 = 15,376 pixels" in capsys.readouterr().err
    monkeypatch.setenv("GANS_MAX_PIXELS", str(124 * 124))
    assert main(["sample", str(trained_run), "-n", "4", "--scale", "2", "-o", grid]) == 0
    assert Image.open(grid).size == (124, 124)


def test_resume_refuses_flags_it_would_ignore(trained_run, capsys):
    assert main(["train", "--resume", str(trained_run), "--steps", "8", "--batch-size", "16"]) == 2
    assert "only --steps and --device may change (--batch-size given)" in capsys.readouterr().err


def test_argument_errors_from_the_real_program(tmp_path):
    code, out, err = run_cli("train", "dcgan", "--batch-size", "0")
    assert code == 2 and "--batch-size: must be at least 1, got 0" in err and "Traceback" not in err
    code, out, err = run_cli("train", "dcgan", "--lr", "-0.001")
    assert code == 2 and "--lr: must be > 0" in err and "Traceback" not in err


def test_missing_and_corrupt_checkpoints_from_the_real_program(trained_run, tmp_path):
    code, _, err = run_cli("sample", str(tmp_path / "nothing"), "-o", str(tmp_path / "x.png"))
    assert code == 2 and err.startswith("error: no run directory") and "Traceback" not in err

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((trained_run / "config.json").read_text())
    (broken / "model.safetensors").write_bytes((trained_run / "model.safetensors").read_bytes()[:500])
    code, _, err = run_cli("sample", str(broken), "-o", str(tmp_path / "x.png"))
    assert code == 2 and "corrupt" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1

    (broken / "config.json").write_text("{not json")
    code, _, err = run_cli("sample", str(broken), "-o", str(tmp_path / "x.png"))
    assert code == 2 and "not valid JSON" in err and "Traceback" not in err

    (broken / "config.json").unlink()
    code, _, err = run_cli("train", "--resume", str(broken), "--steps", "10")
    assert code == 2 and "config.json is missing" in err and "Traceback" not in err


def test_checkpoint_with_wrong_shapes_is_a_clear_error(trained_run, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(trained_run, other)
    config = json.loads((other / "config.json").read_text())
    config["model"]["width"] = 8
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(gans.CheckpointError, match="does not match"):
        gans.load(other)


def test_offline_hub_id_is_a_clear_error(tmp_path, capsys):
    assert main(["sample", "someone/some-gan", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "could not be fetched from the Hugging Face Hub" in err



def test_hub_only_loading_never_reads_a_local_folder(trained_run, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(trained_run, tmp_path / "owner" / "run")  # a local folder that looks like a Hub id
    monkeypatch.chdir(tmp_path)
    assert gans.load("owner/run") is not None  # by default a local folder wins
    with pytest.raises(gans.CheckpointError, match="could not be fetched from the Hugging Face Hub"):
        gans.load("owner/run", hub_only=True)  # offline in tests: the Hub is tried, the folder is not read
    with pytest.raises(gans.CheckpointError, match="not a Hugging Face Hub repo id"):
        gans.load("../run", hub_only=True)
