"""The Trainer: exact resume, events, stop, NaN handling and atomic checkpoints (background jobs: test_jobs.py)."""

import json
import math

import pytest
import torch

import gans
from gans.errors import CheckpointError, ConfigError, TrainingError
from gans.io.checkpoints import RunDir
from gans.training import Trainer, resume, train
from gans.training.distributed import weights_fingerprint
from tests.helpers import ROOT, tiny_cfg, tiny_kwargs

TINY = tiny_kwargs("dcgan", image_size=28)


def weights(run_dir):
    return gans.load(run_dir).state_dict()


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_stop_and_resume_equals_a_straight_run(tmp_path, precision):
    """200 steps, stop, resume to 400 == 400 straight (the issue's acceptance test, on a tiny model), in both
    precisions."""
    common = dict(steps=200, checkpoint_every=100, sample_every=100, log_every=50, precision=precision)
    train("dcgan", cfg=tiny_cfg(**common), out=tmp_path / "split", model_kwargs=TINY)
    result = resume(tmp_path / "split", steps=400)
    assert result == {**result, "status": "finished", "step": 400}
    train("dcgan", cfg=tiny_cfg(**{**common, "steps": 400}), out=tmp_path / "straight", model_kwargs=TINY)
    assert_same_weights(weights(tmp_path / "split"), weights(tmp_path / "straight"))
    # and the samples of both runs at step 400 are the same picture
    split, straight = RunDir(tmp_path / "split"), RunDir(tmp_path / "straight")
    assert split.sample_path(400).read_bytes() == straight.sample_path(400).read_bytes()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_exact_resume_with_ema_a_critic_and_diffaugment(tmp_path, precision):
    kwargs = tiny_kwargs("wgan-gp", image_size=28, ema_decay=0.9, augment="color,translation,cutout")
    cfg = dict(checkpoint_every=3, precision=precision)
    train("wgan-gp", cfg=tiny_cfg(steps=6, **cfg), out=tmp_path / "a", model_kwargs=kwargs)
    resume(tmp_path / "a", steps=12)
    train("wgan-gp", cfg=tiny_cfg(steps=12, **cfg), out=tmp_path / "b", model_kwargs=kwargs)
    assert_same_weights(weights(tmp_path / "a"), weights(tmp_path / "b"))


def test_events_samples_gif_and_model_card(tmp_path):
    seen = []
    result = train("dcgan", cfg=tiny_cfg(), out=tmp_path / "run", model_kwargs=TINY, callbacks=[seen.append])
    run = RunDir(tmp_path / "run")
    events = run.read_events()
    assert [e["type"] for e in events] == [e["type"] for e in seen], "callbacks and events.jsonl agree"
    types = [e["type"] for e in events]
    assert types[0] == "start" and types[-1] == "end" and events[-1]["status"] == "finished"
    steps = [e["step"] for e in events if e["type"] == "step"]
    assert steps == [1, 5, 10, 15, 20]
    assert all(math.isfinite(e["loss_d"]) and e["images_per_sec"] > 0 for e in events if e["type"] == "step")
    assert [p.name for p in run.sample_paths()] == ["step_0000010.png", "step_0000020.png"]
    assert run.gif_path.exists() and len(gans.io.decode.gif_frames(run.gif_path)) == 2
    config = json.loads(run.config_path.read_text())
    assert config["architecture"] == "dcgan" and config["train"]["steps"] == 20
    assert config["data"]["name"] == "fashion-mnist-mini" and config["data"]["path"] is None
    assert config["data"]["class_names"][9] == "Ankle boot"
    card = (run.path / "README.md").read_text()
    assert "dcgan" in card and "fashion-mnist-mini" in card and "step_0000020.png" in card
    assert result["weights_sha256"] == weights_fingerprint(gans.load(run.path))


def test_should_stop_saves_a_checkpoint_that_resumes(tmp_path):
    seen = []
    result = train("dcgan", cfg=tiny_cfg(steps=50, checkpoint_every=1000), out=tmp_path / "run", model_kwargs=TINY,
                   callbacks=[seen.append], should_stop=lambda: len([e for e in seen if e["type"] == "step"]) >= 2)
    assert result["status"] == "stopped" and result["step"] == 5
    state = RunDir(tmp_path / "run").load_trainer_state()
    assert state["step"] == 5
    assert resume(tmp_path / "run", steps=8)["step"] == 8


def test_nan_loss_stops_with_an_error_event_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    from gans.models.adversarial import AdversarialGAN

    original = AdversarialGAN.train_step

    def poisoned(self, batch, optimizers, step):
        stats = original(self, batch, optimizers, step)
        if step == 12:  # step index 12 → the 13th step, after the checkpoint at step 10
            with torch.no_grad():
                for p in self.generator.parameters():
                    p.fill_(float("nan"))
            stats["loss_g"] = float("nan")
        return stats

    monkeypatch.setattr(AdversarialGAN, "train_step", poisoned)
    with pytest.raises(TrainingError, match="diverged"):
        train("dcgan", cfg=tiny_cfg(steps=30), out=tmp_path / "run", model_kwargs=TINY)
    run = RunDir(tmp_path / "run")
    events = run.read_events()
    # losses are read every log_every (5) steps, not after each one (no host sync per step): found at step 15
    assert events[-1]["type"] == "error" and events[-1]["step"] == 15 and "loss_g" in events[-1]["message"]
    assert "by step 15" in events[-1]["message"]
    assert run.load_trainer_state()["step"] == 10
    model = gans.load(run.path)
    assert all(torch.isfinite(p).all() for p in model.parameters()), "the saved weights are the good ones"


def test_a_crash_between_weights_and_state_still_resumes_exactly(tmp_path):
    """Killed after model.safetensors of a checkpoint was written but before trainer_state.pt: resume uses the
    state file's own weights, so the run still equals a straight one."""
    train("dcgan", cfg=tiny_cfg(steps=4), out=tmp_path / "run", model_kwargs=TINY)
    half_written = gans.load(tmp_path / "run")
    with torch.no_grad():
        next(half_written.parameters()).add_(1.0)  # the next checkpoint's weights, without its state
    RunDir(tmp_path / "run").save(half_written)
    resume(tmp_path / "run", steps=8)
    train("dcgan", cfg=tiny_cfg(steps=8), out=tmp_path / "straight", model_kwargs=TINY)
    assert_same_weights(weights(tmp_path / "run"), weights(tmp_path / "straight"))


def test_broken_weights_never_overwrite_the_last_good_checkpoint(tmp_path, monkeypatch):
    """Weights that turn infinite in the very step before a checkpoint (losses still finite) are not saved."""
    from gans.models.adversarial import AdversarialGAN

    original = AdversarialGAN.train_step

    def poisoned(self, batch, optimizers, step):
        stats = original(self, batch, optimizers, step)
        if step == 19:  # the 20th step, the one a checkpoint follows
            with torch.no_grad():
                next(self.discriminator.parameters()).fill_(float("inf"))
        return stats

    monkeypatch.setattr(AdversarialGAN, "train_step", poisoned)
    with pytest.raises(TrainingError, match="NaN/Inf"):
        train("dcgan", cfg=tiny_cfg(steps=30), out=tmp_path / "run", model_kwargs=TINY)
    run = RunDir(tmp_path / "run")
    assert run.load_trainer_state()["step"] == 10
    assert all(torch.isfinite(p).all() for p in gans.load(run.path).parameters())
    assert run.read_events()[-1]["type"] == "error"


def test_unexpected_failures_end_the_event_log_with_an_error(tmp_path, monkeypatch):
    from gans.models.adversarial import AdversarialGAN

    def out_of_memory(self, batch, optimizers, step):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(AdversarialGAN, "train_step", out_of_memory)
    with pytest.raises(RuntimeError):
        train("dcgan", cfg=tiny_cfg(), out=tmp_path / "run", model_kwargs=TINY)
    last = RunDir(tmp_path / "run").read_events()[-1]
    assert last["type"] == "error" and "out of memory" in last["message"]


def test_events_after_a_torn_line_stay_readable(tmp_path):
    run = RunDir(tmp_path / "run")
    run.append_event({"type": "step", "step": 1})
    with open(run.events_path, "a") as handle:
        handle.write('{"type": "step", "st')  # a crash in the middle of a line
    run.append_event({"type": "start", "step": 1})
    assert run.read_events() == [{"type": "step", "step": 1}, {"type": "start", "step": 1}]


def test_a_damaged_event_log_is_read_around_and_the_run_still_listed(tmp_path, monkeypatch):
    from gans.views.catalog import describe, list_checkpoints

    train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "runs" / "run", model_kwargs=TINY)
    run = RunDir(tmp_path / "runs" / "run")
    with open(run.events_path, "ab") as handle:
        handle.write(b'5\n"text"\n{"type": "step", "step": "two"}\n\xff\xfe not utf-8\n[1, 2]\n')
    events = run.read_events()
    assert events and all(isinstance(e, dict) and isinstance(e.get("step", 0), int) for e in events)
    assert describe(run.path).step == 2
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path / "runs"))
    assert [info.path.name for info in list_checkpoints() if info.source == "run"] == ["run"]
    run.events_path.unlink()
    run.events_path.mkdir()  # not even a file
    assert run.read_events() == [] and describe(run.path).step == 0


def test_damaged_trainer_state_is_a_clear_error(tmp_path):
    train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "run", model_kwargs=TINY)
    run = RunDir(tmp_path / "run")
    run.save_trainer_state({"step": 2})
    with pytest.raises(CheckpointError, match="lacks"):
        resume(run.path, steps=4)
    run.state_path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt"):
        resume(run.path, steps=4)


def test_resume_needs_more_steps(tmp_path):
    train("dcgan", cfg=tiny_cfg(steps=4), out=tmp_path / "run", model_kwargs=TINY)
    with pytest.raises(ConfigError, match="already at step 4; choose a total number of steps above 4"):
        resume(tmp_path / "run", steps=4)


def test_refuses_to_overwrite_a_run(tmp_path):
    train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "run", model_kwargs=TINY)
    with pytest.raises(ConfigError, match="already holds a run"):
        train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "run", model_kwargs=TINY)


def test_fine_tuning_starts_from_a_runs_weights_with_its_own_settings(tmp_path):
    """``init_from`` (``--init-from``): a new run whose first weights are another run's; its job.json says so."""
    train("dcgan", cfg=tiny_cfg(steps=6), out=tmp_path / "source", model_kwargs=TINY)
    source = weights(tmp_path / "source")
    for name, init_from in (("tuned", tmp_path / "source"), ("fresh", None)):
        train("dcgan", cfg=tiny_cfg(steps=1, lr=1e-9, seed=5), out=tmp_path / name, model_kwargs=TINY,
              init_from=init_from)
    tuned, fresh = weights(tmp_path / "tuned"), weights(tmp_path / "fresh")
    key = next(k for k in source if k.startswith("generator.") and k.endswith("weight") and source[k].dim() == 4)
    assert torch.allclose(tuned[key], source[key], atol=1e-6)  # one step at a rate of 1e-9 moves nothing visible
    assert not torch.allclose(fresh[key], source[key], atol=1e-3)
    # G's EMA goes on from the source's average at the full decay (0.999), not from a warm-up that would take 90 %
    # of the fine-tuned G at step 0
    ema = "generator_ema." + key.removeprefix("generator.")
    gap = (source[ema] - source[key]).abs().max()
    assert gap > 1e-4
    assert (tuned[ema] - source[ema]).abs().max() < 0.01 * gap
    assert (fresh[ema] - fresh[key]).abs().max() < (tuned[ema] - tuned[key]).abs().max()
    assert RunDir(tmp_path / "tuned").load_trainer_state()["ema_warmup"] is False  # a resume keeps it so
    job = json.loads(RunDir(tmp_path / "tuned").job_path.read_text())
    assert job["init_from"] == str(tmp_path / "source") and job["train"]["steps"] == 1
    assert json.loads(RunDir(tmp_path / "fresh").job_path.read_text())["init_from"] is None


def test_a_resumed_fine_tune_keeps_its_ema_at_the_full_decay(tmp_path):
    """A fine-tune stopped and resumed equals one run straight through: the resumed part must not fall back to the
    EMA warm-up ramp of a random start (at step 3 it would take 75 % of G into the average)."""
    train("dcgan", cfg=tiny_cfg(steps=6), out=tmp_path / "source", model_kwargs=TINY)
    cfg = dict(checkpoint_every=3)
    train("dcgan", cfg=tiny_cfg(steps=3, **cfg), out=tmp_path / "split", model_kwargs=TINY,
          init_from=tmp_path / "source")
    resume(tmp_path / "split", steps=6)
    train("dcgan", cfg=tiny_cfg(steps=6, **cfg), out=tmp_path / "straight", model_kwargs=TINY,
          init_from=tmp_path / "source")
    assert_same_weights(weights(tmp_path / "split"), weights(tmp_path / "straight"))


def test_fine_tuning_refuses_weights_of_another_model_or_shape(tmp_path, capsys):
    from gans.cli import main

    train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "source", model_kwargs=TINY)
    with pytest.raises(ConfigError, match="holds a dcgan, not a lsgan"):
        train("lsgan", cfg=tiny_cfg(steps=2), out=tmp_path / "a", model_kwargs=tiny_kwargs("lsgan", image_size=28),
              init_from=tmp_path / "source")
    with pytest.raises(ConfigError, match="do not fit this dcgan .*give the same model settings"):
        train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "b", model_kwargs={**TINY, "width": TINY["width"] * 2},
              init_from=tmp_path / "source")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # refused before a run folder is made
    assert main(["train", "--resume", str(tmp_path / "source"), "--init-from", str(tmp_path / "source")]) == 2
    assert "only --steps and --device may change (--init-from given)" in capsys.readouterr().err


@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, "batch size must be at least 1"),
    ("steps", 0, "steps must be at least 1"),
    ("lr", -0.1, "learning rate"),
    ("steps", "abc", "wrong type"),
    ("precision", "fp16", "unknown precision 'fp16'; choose one of auto, fp32, bf16"),
])
def test_invalid_train_config(field, value, message):
    with pytest.raises(ConfigError, match=message):
        tiny_cfg(**{field: value}).validate()


def test_conditional_model_takes_the_datasets_classes(tmp_path):
    result = train("cgan", cfg=tiny_cfg(steps=2), out=tmp_path / "run", model_kwargs=tiny_kwargs("cgan", image_size=28))
    assert gans.load(result["run_dir"]).num_classes == 10


def test_checkpoint_files_are_written_atomically(tmp_path, monkeypatch):
    """A crash in the middle of writing a checkpoint leaves the previous one intact and no temp files."""
    train("dcgan", cfg=tiny_cfg(steps=2), out=tmp_path / "run", model_kwargs=TINY)
    run = RunDir(tmp_path / "run")
    good = run.weights_path.read_bytes()
    import os

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        run.save(gans.load(run.path))
    assert run.weights_path.read_bytes() == good
    assert not [p for p in run.path.iterdir() if p.name.endswith(".tmp")]


def test_trainer_checks_data_shape(tmp_path):
    from gans.data import load_dataset

    data = load_dataset("fashion-mnist-mini", image_size=32, channels=1)
    model = gans.create("dcgan", **TINY)  # 28 px
    with pytest.raises(ConfigError, match="wants"):
        Trainer(tiny_cfg()).fit(model, data, tmp_path / "run")


def test_loading_models_while_training_does_not_change_the_run(tmp_path):
    """A program that trains in its own process (a notebook, a callback) may load checkpoints and check settings
    while the job runs: neither may draw from the random generator the training uses."""
    from gans.training.api import check_job

    def meddle(event):
        if event["type"] == "step" and event["step"] in (2, 4):
            gans.load(ROOT / "checkpoints" / "dcgan-fashion-mnist-mini")
            check_job("dcgan", {"width": 4})

    train("dcgan", cfg=tiny_cfg(steps=6, log_every=1), out=tmp_path / "meddled", model_kwargs=TINY, callbacks=[meddle])
    train("dcgan", cfg=tiny_cfg(steps=6, log_every=1), out=tmp_path / "quiet", model_kwargs=TINY)
    assert_same_weights(weights(tmp_path / "meddled"), weights(tmp_path / "quiet"))
