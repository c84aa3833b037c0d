"""Issue 29's probe cases of the memory a visitor can take through training jobs and weights files: each is one
clear message, refused before any data is read or any run folder written, and the memory ones run in a subprocess
under a cap (resource.setrlimit(RLIMIT_AS)) so that a regression fails instead of swapping the machine.

- a model's size is part of the work budget: argument ranges (the Train page's Advanced fields and every other
  number argument), GANS_MAX_PARAMETERS and the estimated memory of a training step (GANS_MAX_TRAIN_MEMORY_MB);
- a job spec's ``num_samples`` within GANS_MAX_SAMPLES, and one seed range (0 … 2**63 − 1);
- ``gans.load``: weights files that are not regular files or are far larger than their model, weights of the wrong
  dtype, and a config.json describing an oversized model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import gans
from gans.cli import main
from gans.errors import CheckpointError, ConfigError
from gans.io.checkpoints import RunDir, load
from gans.ops.budget import BudgetError
from gans.registry import model_info
from gans.training import DataConfig, JobSpec, TrainConfig, api, train
from gans.training.config import SEED_RANGE
from gans.views.catalog import runs_dir
from gans.views.train_form import SEED_RANGE as FORM_SEED_RANGE, train_form, train_request
from tests.helpers import ROOT, tiny_model

LIMITS = ("GANS_MAX_PARAMETERS", "GANS_MAX_TRAIN_MEMORY_MB", "GANS_MAX_SAMPLES")
#: address space for a capped subprocess: importing torch and gans takes ~0.7 GB of it
CAP_MB = 1500


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch):
    for variable in LIMITS:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def nothing_built_or_read(monkeypatch):
    """Fail a test whose refusal comes after a model is built for real or data is read."""
    def forbidden(*args, **kwargs):
        raise AssertionError("refused too late: the model was built or the data read")

    monkeypatch.setattr(api, "build_model", forbidden)
    monkeypatch.setattr(api, "load_training_data", forbidden)


def no_runs() -> bool:
    """True when nothing was written under the runs folder (no run folder, no kept upload)."""
    return not runs_dir().exists() or not any(runs_dir().rglob("*"))


def run_capped(code: str, cap_mb: int = CAP_MB) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python under an address-space cap of ``cap_mb`` MB."""
    capped = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({cap_mb} * 2**20,) * 2)\n" + code
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", capped], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


# ---- argument ranges: the Train page's Advanced fields and every other number argument --------------------------
def test_every_number_field_the_train_page_shows_has_a_maximum_its_default_is_within():
    for name in gans.list_models():
        for setting in model_info(name).settings:
            if setting.kind == "int":
                assert setting.max_value is not None, f"{name}: {setting.name} has no maximum"
                assert setting.default is None or setting.default <= setting.max_value


@pytest.mark.parametrize("architecture, arguments, fragment", [
    ("pix2pix", {"width": 256}, "pix2pix: width must be at most 128, got 256"),  # reached 2.56 GB in 25 s
    ("pix2pix", {"width": 2048}, "pix2pix: width must be at most 128, got 2,048"),  # 9.1 G parameters
    ("srgan", {"blocks": 20_000}, "srgan: blocks must be at most 32, got 20,000"),  # held Start for 16 s
    ("stylegan", {"mapping_layers": 1_000_000}, "stylegan: mapping_layers must be at most 16"),
    ("cyclegan", {"pool_size": 10**9}, "cyclegan: pool_size must be at most 500"),
    ("dcgan", {"width": 1024}, "dcgan: width must be at most 512, got 1,024"),
    ("srgan", {"width": 0}, "srgan: width must be at least 4, got 0"),
])
def test_a_number_beyond_its_range_is_refused_before_any_model_is_built(architecture, arguments, fragment,
                                                                        nothing_built_or_read, monkeypatch):
    def no_building(*args, **kwargs):
        raise AssertionError("the model was built to check its arguments")

    monkeypatch.setattr(api, "create", no_building)  # not even on the meta device
    for refuse in (lambda: train(architecture, model_kwargs=arguments),
                   lambda: JobSpec(architecture, arguments).validate(),
                   lambda: api.check_job(architecture, arguments)):
        with pytest.raises(ConfigError) as refused:
            refuse()
        assert fragment in str(refused.value) and "\n" not in str(refused.value)
    assert no_runs()


def test_the_train_form_refuses_an_advanced_field_beyond_its_maximum_before_keeping_the_upload():
    form = train_form("pix2pix")
    assert {s.name: s.max_value for s in form.info.settings}["width"] == 128
    values = dict(steps=10, batch_size=4, image_size=64, lr=2e-4, settings={"width": 256})
    with pytest.raises(ConfigError, match="width must be at most 128"):
        train_request(form, dataset=form.folder.name, upload=("photos.zip", b"PK\x05\x06" + bytes(18)), **values)
    assert no_runs()


# ---- the work budget: parameters and a training step's memory ---------------------------------------------------
@pytest.mark.parametrize("architecture, arguments, batch_size, fragment", [
    ("dcgan", {"width": 512}, 64, "dcgan with these settings has 132.5 M parameters; this server allows at most "
                                  "50 M parameters (GANS_MAX_PARAMETERS)"),
    ("dcgan", {}, 100_000, "training dcgan with these settings needs about 89.7 GB of memory per step"),
    ("cyclegan", {"image_size": 128}, 16, "(GANS_MAX_TRAIN_MEMORY_MB)"),  # ~10 GB: the Train page offered it
    ("pix2pix", {"image_size": 256}, 16, "or a smaller batch size"),
])
def test_an_oversized_model_or_step_is_refused_before_anything_is_built_or_written(
        architecture, arguments, batch_size, fragment, nothing_built_or_read):
    cfg = TrainConfig(steps=1, batch_size=batch_size, device="cpu")
    for refuse in (lambda: train(architecture, cfg=cfg, model_kwargs=arguments),
                   lambda: JobSpec(architecture, arguments, cfg).validate()):
        with pytest.raises(BudgetError) as refused:
            refuse()
        assert fragment in str(refused.value) and "\n" not in str(refused.value)
    assert no_runs()


def test_the_train_form_refuses_a_step_over_the_memory_budget_and_the_variable_raises_it(monkeypatch):
    form = train_form("cyclegan")
    values = dict(dataset=form.info.default_dataset, steps=10, batch_size=16, lr=2e-4)
    with pytest.raises(BudgetError, match="GANS_MAX_TRAIN_MEMORY_MB"):
        train_request(form, image_size=128, **values)
    train_request(form, image_size=64, **values)  # the page's default: through
    monkeypatch.setenv("GANS_MAX_TRAIN_MEMORY_MB", "100000")
    assert train_request(form, image_size=128, **values).model_kwargs["image_size"] == 128


def test_a_job_started_on_the_server_refuses_an_oversized_model_before_its_folder(monkeypatch):
    from gans.training.jobs import JobManager

    manager = JobManager()
    with pytest.raises(BudgetError, match="GANS_MAX_PARAMETERS"):
        manager.start("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1), {"width": 512})
    with pytest.raises(ConfigError, match="blocks must be at most 32"):
        manager.start("srgan", DataConfig("offline-photos"), TrainConfig(steps=1), {"blocks": 20_000})
    assert not manager.busy and no_runs()


@pytest.mark.parametrize("width, fragment", [(512, "GANS_MAX_PARAMETERS"), (1024, "width must be at most 512")])
def test_train_dcgan_wide_under_a_memory_cap_is_one_message_and_no_folder(width, fragment, tmp_path):
    """The probe: `train dcgan --width 1024` under a memory cap died in an allocator panic and left a folder with
    only job.json. Width 512 (132 M parameters, ~2 GB to train) would also break the cap if it were built."""
    out = tmp_path / "run"
    done = run_capped("from gans.cli import main\nimport sys\n"
                      f"sys.exit(main(['train', 'dcgan', '--width', '{width}', '--steps', '1', '--out', '{out}']))")
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in done.stderr
    assert not out.exists() and no_runs()


# ---- the job spec: num_samples and seeds ---------------------------------------------------------------------------
def test_a_spec_asking_ten_million_preview_samples_is_refused_before_its_folder(tmp_path, capsys):
    out = tmp_path / "run"
    spec = JobSpec("dcgan", {"width": 4}, TrainConfig(steps=1, batch_size=4, num_samples=10_000_000),
                   DataConfig("fashion-mnist-mini"), str(out))
    path = tmp_path / "job.json"
    path.write_text(spec.to_json())
    assert main(["train", "--spec", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("error: 10,000,000 preview images (num_samples) were asked for; this server allows at "
                           "most 1,024 per request (GANS_MAX_SAMPLES); ask for fewer")
    assert not out.exists()
    with pytest.raises(BudgetError, match="num_samples"):
        JobSpec.read(path).validate()


@pytest.mark.parametrize("seed", [-1, -(2**63), 2**63, 2**64 - 1])
def test_a_seed_outside_zero_to_two_to_the_63_is_refused_with_the_range(seed):
    assert SEED_RANGE == FORM_SEED_RANGE == (0, 2**63 - 1)
    with pytest.raises(ConfigError, match=r"seed must be between 0 and 9,223,372,036,854,775,807 \(2\*\*63 - 1\)"):
        TrainConfig(seed=seed).validate()


def test_a_streamlit_number_box_takes_the_seed_box_range_and_every_settings_range():
    """The Train page's boxes can carry the library's bounds (Streamlit refuses an int bound beyond 2**53 − 1)."""
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        import gans
        from gans.registry import model_info
        from gans.views.train_form import SEED_BOX_RANGE

        st.number_input("Seed", value=0, min_value=SEED_BOX_RANGE[0], max_value=SEED_BOX_RANGE[1], step=1)
        for name in gans.list_models():
            for setting in model_info(name).settings:
                if setting.kind == "int":
                    least = None if setting.min_value is None else int(setting.min_value)
                    st.number_input(f"{name} {setting.name}", value=setting.initial_value(), min_value=least,
                                    max_value=int(setting.max_value))

    app = AppTest.from_function(page).run()
    assert not app.exception
    seed = app.number_input[0]
    assert (seed.min, seed.max) == (0, 2**53 - 1) and seed.max <= SEED_RANGE[1]
    assert len(app.number_input) > 10


def test_the_ends_of_the_seed_range_train(tmp_path):
    for seed in SEED_RANGE:
        result = train("dcgan", DataConfig("fashion-mnist-mini"), TrainConfig(steps=1, batch_size=4, seed=seed,
                       device="cpu", num_samples=4), out=tmp_path / str(seed), model_kwargs={"width": 4})
        assert result["status"] == "finished" and result["step"] == 1


# ---- gans.load: weights files checked against the architecture before reading -----------------------------------
@pytest.fixture
def run_folder(tmp_path):
    """A saved tiny DCGAN run (batch norm in G and D) and a function that copies its config to a new folder."""
    source = tmp_path / "source"
    RunDir(source).save(tiny_model("dcgan"))

    def copy(name: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text((source / "config.json").read_text())
        return folder

    copy.weights = load_file(source / "model.safetensors")
    return copy


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder"])
def test_a_weights_file_that_is_not_a_regular_file_is_refused_without_reading(kind, run_folder):
    folder = run_folder(kind)
    weights = folder / "model.safetensors"
    {"dev-zero": lambda: weights.symlink_to("/dev/zero"), "fifo": lambda: os.mkfifo(weights),
     "folder": weights.mkdir}[kind]()
    with pytest.raises(CheckpointError, match="is not a regular file"):
        load(folder)


def test_a_weights_file_far_larger_than_its_model_is_refused_under_a_memory_cap(run_folder):
    folder = run_folder("huge")
    with open(folder / "model.safetensors", "wb") as handle:
        handle.truncate(8 * 2**30)  # 8 GB of zeros (sparse: no disk taken); reading it would break the cap
    done = run_capped(f"import gans\ntry:\n    gans.load({str(folder)!r})\nexcept gans.GansError as error:\n"
                      "    print(error)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "is larger than its model can be (8,589,934,592 bytes" in done.stdout
    assert "it is not this model's weights" in done.stdout


def test_a_weights_file_of_float64_copies_loads_as_float32(run_folder):
    folder = run_folder("float64")
    save_file({k: v.double() if v.is_floating_point() else v for k, v in run_folder.weights.items()},
              folder / "model.safetensors")
    model = load(folder)
    assert {t.dtype for t in (*model.parameters(), *model.buffers()) if t.is_floating_point()} == {torch.float32}


def test_int64_batch_norm_statistics_are_cast_and_sampling_works(run_folder):
    """The probe: right names and shapes, int64 running statistics → loaded, then "mixed dtype" on sampling."""
    folder = run_folder("int64")
    statistics = {k: v.round().long() if "running_" in k else v for k, v in run_folder.weights.items()}
    assert any(v.dtype == torch.int64 for k, v in statistics.items() if "running_mean" in k)
    save_file(statistics, folder / "model.safetensors")
    model = load(folder)
    assert all(b.dtype == torch.float32 for name, b in model.named_buffers() if "running_" in name)
    assert model.sample(2, seed=0).shape[0] == 2


def test_floats_where_the_model_keeps_whole_numbers_are_refused(run_folder):
    folder = run_folder("float-counts")
    save_file({k: v.float() if "num_batches_tracked" in k else v for k, v in run_folder.weights.items()},
              folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"num_batches_tracked as float32 numbers where the model keeps int64"):
        load(folder)


def test_a_config_describing_an_oversized_model_is_refused_before_its_weights_are_read(run_folder, monkeypatch):
    folder = run_folder("wide")
    config = json.loads((folder / "config.json").read_text())
    (folder / "model.safetensors").symlink_to("/dev/zero")  # never opened: the config is refused first
    for width, error, fragment in [(2048, CheckpointError, "width must be at most 512, got 2,048"),
                                   (400, BudgetError, r"has 77.3 M parameters; this server allows at most 50 M")]:
        config["model"]["width"] = width
        (folder / "config.json").write_text(json.dumps(config))
        with pytest.raises(error, match=fragment):
            load(folder)
    monkeypatch.setenv("GANS_MAX_PARAMETERS", "1000")
    config["model"]["width"] = 4
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(BudgetError, match="raise GANS_MAX_PARAMETERS to load it"):
        load(folder)


def test_every_shipped_run_still_loads():
    for run in sorted((ROOT / "checkpoints").iterdir()):
        if (run / "config.json").is_file():
            assert load(run).run_path == run
