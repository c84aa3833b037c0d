"""Faults and hostile input that must end in one clear message, or be cleaned up (issue 15's probe findings)."""

import io
import tarfile

import pytest

from gans.errors import DatasetError
from gans.io.checkpoints import RunDir
from gans.training import DataConfig, TrainConfig
from gans.training.api import resume, train


def test_resume_removes_the_partial_files_a_kill_left_and_keeps_the_real_ones(tmp_path):
    out = tmp_path / "run"
    train("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=2, batch_size=4, device="cpu",
                                                                 metric_every=2, metric_samples=10),
          out=out, model_kwargs={"width": 4})
    run = RunDir(out)
    # what atomic_write leaves when the process dies between mkstemp and the rename
    partial = [out / ".model.safetensors.x1.tmp", run.samples_dir / ".step_0000004.png.x2.tmp",
               run.best.path / ".metric.json.x3.tmp"]
    for path in partial:
        path.write_bytes(b"half a file")
    resume(out, steps=4)
    assert not [path for path in partial if path.exists()]
    assert not list(out.rglob("*.tmp"))
    assert run.weights_path.is_file() and run.best.metric_path.is_file()
    assert max(e["step"] for e in run.read_events() if "step" in e) == 4


def test_a_small_tar_gz_that_inflates_past_the_memory_budget_stops_with_one_clear_message(tmp_path, monkeypatch):
    """A .tar.gz of highly compressible members: reading stops once the kept bytes pass the budget, before the
    whole archive is held in memory."""
    from gans.data import pair_folders

    monkeypatch.setattr(pair_folders, "MAX_ARCHIVE_BYTES", 3 * 1024 * 1024)
    archive = tmp_path / "bomb.tar.gz"
    with tarfile.open(archive, "w:gz") as tarred:
        for index in range(8):  # 8 × 1 MiB of zeros: ~8 KB compressed
            member = tarfile.TarInfo(f"train/{index:02d}.png")
            member.size = 1024 * 1024
            tarred.addfile(member, io.BytesIO(bytes(member.size)))
    assert archive.stat().st_size < 100_000
    with pytest.raises(DatasetError, match="more than 3 MB") as error:
        pair_folders.load_paired_folder(archive, split="train", image_size=32)
    assert "Traceback" not in str(error.value) and str(tmp_path) not in str(error.value).replace(str(archive), "")


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1, 10**30])
def test_a_seed_beyond_64_bits_is_one_clear_message(seed, capsys):
    from gans.cli import main

    assert main(["train", "dcgan", "--steps", "1", "--seed", str(seed)]) != 0
    err = capsys.readouterr().err
    assert "seed must be between" in err and "Traceback" not in err


def test_resuming_a_run_whose_config_json_is_a_list_is_one_clear_message(tmp_path, capsys):
    from gans.cli import main

    out = tmp_path / "run"
    train("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, device="cpu"), out=out,
          model_kwargs={"width": 4})
    RunDir(out).config_path.write_text("[1, 2, 3]")
    assert main(["train", "--resume", str(out), "--steps", "2"]) != 0
    err = capsys.readouterr().err
    assert "not the run's settings" in err and "Traceback" not in err


def test_a_run_whose_losses_explode_but_stay_finite_is_flagged_once(tmp_path):
    from gans.training.progress import read_progress

    out = tmp_path / "run"
    train("lsgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=30, batch_size=8, lr=1e6, device="cpu"),
          out=out, model_kwargs={"width": 4})
    warnings = [e for e in RunDir(out).read_events() if e["type"] == "warning"]
    assert len(warnings) == 1 and "diverged" in warnings[0]["message"] and "learning rate" in warnings[0]["message"]
    assert read_progress(out).warnings == [warnings[0]["message"]]


def test_lsgan_at_learning_rate_half_is_warned_long_before_a_million(tmp_path):
    """The probe's case: lsgan at lr 0.5 reached 1.8e4 without a word while the threshold was 1e6."""
    out = tmp_path / "run"
    train("lsgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=20, batch_size=8, lr=0.5, device="cpu"),
          out=out, model_kwargs={"width": 8})
    warnings = [e["message"] for e in RunDir(out).read_events() if e["type"] == "warning"]
    assert len(warnings) == 1 and "probably diverged" in warnings[0], warnings


def test_a_healthy_run_gets_no_divergence_warning(tmp_path):
    out = tmp_path / "run"
    train("lsgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=30, batch_size=8, device="cpu"), out=out,
          model_kwargs={"width": 4})
    assert not [e for e in RunDir(out).read_events() if e["type"] == "warning"]


# ---- where the server may read (gans.training.jobs.readable_roots) ----------------------------------------------
def image_folder(folder):
    from PIL import Image

    folder.mkdir(parents=True)
    for index in range(4):
        Image.new("RGB", (8, 8), (index * 60, 0, 0)).save(folder / f"{index}.png")
    return folder


def test_a_public_server_reads_only_uploads_and_never_says_what_exists(tmp_path, monkeypatch):
    from gans.training.jobs import JobManager, check_data
    from gans.views.train_form import save_upload

    monkeypatch.setenv("SPACE_ID", "someone/gan-studio")  # what a Hugging Face Space sets
    secret = image_folder(tmp_path / "server" / "wallpapers")
    messages = []
    for path in (secret, tmp_path / "server" / "nothing-here", "/etc", "~/.ssh"):
        with pytest.raises(DatasetError) as error:
            check_data(DataConfig("folder", str(path)))
        messages.append(str(error.value))
    assert len(set(messages)) == 1, "refusals differ, so they tell which paths exist"
    assert "upload" in messages[0] and "server" not in messages[0].replace("server reads", "").replace(
        "server path", "") and str(tmp_path) not in messages[0]
    with pytest.raises(DatasetError, match="upload"):
        JobManager().start("dcgan", DataConfig("folder", str(secret)), TrainConfig(steps=1, batch_size=2))
    uploaded = save_upload("mine.zip", b"PK\x05\x06" + bytes(18))  # an (empty) zip a visitor uploaded
    check_data(DataConfig("folder", str(uploaded)))  # uploads are readable


def test_with_a_data_root_only_paths_under_it_are_read_links_included(tmp_path, monkeypatch):
    from gans.training.jobs import check_data

    root = tmp_path / "data-root"
    inside = image_folder(root / "shoes")
    outside = image_folder(tmp_path / "private")
    (root / "escape").symlink_to(outside)
    monkeypatch.setenv("GANS_DATA_ROOT", str(root))
    check_data(DataConfig("folder", str(inside)))
    for path in (outside, root / "escape", root / ".." / "private"):
        with pytest.raises(DatasetError, match="GANS_DATA_ROOT"):
            check_data(DataConfig("folder", str(path)))


def test_on_a_person_s_own_machine_any_existing_folder_is_read(tmp_path, monkeypatch):
    from gans.training.jobs import check_data

    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.delenv("GANS_PUBLIC", raising=False)
    monkeypatch.delenv("GANS_DATA_ROOT", raising=False)
    check_data(DataConfig("folder", str(image_folder(tmp_path / "anywhere"))))
    with pytest.raises(DatasetError, match="does not exist"):
        check_data(DataConfig("folder", str(tmp_path / "missing")))


# ---- settings the job refuses before it makes a run folder (tests/test_bad_input.py has the whole list) ----------
@pytest.mark.parametrize("settings, message", [
    ({"lr": float("inf")}, "learning rate must be > 0 and finite"),
    ({"lr_d": float("inf")}, "discriminator learning rate must be > 0 and finite"),
    ({"device": "tpu9"}, "unknown device 'tpu9'"),
])
def test_the_studio_refuses_an_infinite_learning_rate_or_an_unknown_device_at_once(settings, message, tmp_path,
                                                                                   monkeypatch):
    """Both used to be found inside the job (a NaN after one step; a failed process), after its run folder."""
    from gans.errors import ConfigError
    from gans.training.jobs import JobManager

    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))
    with pytest.raises(ConfigError, match=message):
        JobManager().start("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=2, batch_size=4, **settings))
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_a_path_given_to_a_built_in_dataset_is_refused_not_ignored(tmp_path, capsys):
    """`--data-path` with the embedded subset was silently ignored (and recorded in config.json as if used)."""
    from gans.cli import main

    out = tmp_path / "run"
    code = main(["train", "dcgan", "--data", "fashion-mnist-mini", "--data-path", str(tmp_path), "--steps", "1",
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "reads no path" in err and "folder" in err and "Traceback" not in err
    assert not out.exists()


def test_the_command_line_says_when_a_run_diverges(tmp_path, capsys):
    from gans.cli import main

    out = tmp_path / "run"
    assert main(["train", "lsgan", "--steps", "30", "--batch-size", "8", "--lr", "1e6", "--width", "4",
                 "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: ") == 1 and "probably diverged" in err and "learning rate" in err
