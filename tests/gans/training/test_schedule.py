"""The loop's timing: losses read in windows (no host sync per step), periodic work by steps or by wall time, and
the learning-rate decay."""

import pytest
import torch

import gans
from gans.data.batch import Batch
from gans.errors import ConfigError
from gans.io.checkpoints import RunDir
from gans.training import TrainConfig, resume, train
from gans.training.trainer import Schedule, StatsWindow, Trainer
from tests.helpers import tiny_cfg, tiny_kwargs

TINY = tiny_kwargs("dcgan", image_size=28)


def test_a_window_sums_tensors_and_floats_and_reads_their_means():
    window = StatsWindow()
    window.add({"loss_d": torch.tensor(1.0), "gp": 4.0}, images=8)
    window.add({"loss_d": torch.tensor(-3.0), "gp": 2.0}, images=8)
    assert window.images == 16
    assert window.read() == ({"loss_d": -1.0, "gp": 3.0}, {"loss_d": 3.0}), "means, and each loss's largest |value|"
    assert window.steps == 0 and window.read() == ({}, {}), "a read starts a new window"


def test_adversarial_steps_leave_their_stats_on_the_device():
    """No .item() in the step: every stat is a 0-d tensor the Trainer reads later."""
    model = gans.create("dcgan", **TINY)
    stats = model.train_step(Batch(torch.rand(8, 1, 28, 28) * 2 - 1),
                             model.configure_optimizers(TrainConfig()), step=0)
    assert stats and all(torch.is_tensor(v) and v.dim() == 0 and not v.requires_grad for v in stats.values())


def test_step_events_carry_the_windows_mean(tmp_path, monkeypatch):
    from gans.models.adversarial import AdversarialGAN

    original = AdversarialGAN.train_step

    def counting(self, batch, optimizers, step):
        return {**original(self, batch, optimizers, step), "step_index": torch.tensor(float(step))}

    monkeypatch.setattr(AdversarialGAN, "train_step", counting)
    train("dcgan", cfg=tiny_cfg(steps=10), out=tmp_path / "run", model_kwargs=TINY)
    events = [e for e in RunDir(tmp_path / "run").read_events() if e["type"] == "step"]
    # step 1 reads index 0; steps 2-5 read indices 1-4 (mean 2.5); steps 6-10 read 5-9 (mean 7)
    assert [(e["step"], e["step_index"]) for e in events] == [(1, 0.0), (5, 2.5), (10, 7.0)]


@pytest.mark.parametrize("timing, device, by_time", [("auto", "cpu", False), ("auto", "cuda", True),
                                                     ("steps", "cuda", False), ("seconds", "cpu", True)])
def test_auto_timing_goes_by_seconds_on_cuda_only(timing, device, by_time):
    assert Schedule(TrainConfig(timing=timing), torch.device(device)).by_time is by_time


def test_several_processes_always_go_by_steps():
    """Every rank must reach each read (an all-reduce) and checkpoint at the same step; their clocks differ."""
    assert not Schedule(TrainConfig(timing="seconds"), torch.device("cuda"), world_size=2).by_time


def test_a_stop_between_two_reads_still_reads_the_last_steps(tmp_path):
    events, calls = [], [0]

    def should_stop():  # asked before each step: 7 steps run, then a stop
        calls[0] += 1
        return calls[0] > 7

    result = train("dcgan", cfg=tiny_cfg(steps=50, log_every=5), out=tmp_path / "run", model_kwargs=TINY,
                   callbacks=[events.append], should_stop=should_stop)
    assert result["status"] == "stopped" and result["step"] == 7
    assert [e["step"] for e in events if e["type"] == "step"] == [1, 5, 7], "steps 6-7 are read at the stop"


def test_by_seconds_the_periodic_work_follows_the_clock(tmp_path, monkeypatch):
    """With timing by seconds, a sample is due when sample_seconds have passed, whatever the step count."""
    clock = [0.0]
    monkeypatch.setattr("gans.training.trainer.time.monotonic", lambda: clock[0])
    schedule = Schedule(TrainConfig(timing="seconds", sample_seconds=30, checkpoint_seconds=120), torch.device("cpu"))
    assert not schedule.due("sample", 200), "step 200 is not a reason by itself"
    clock[0] = 31.0
    assert schedule.due("sample", 7) and not schedule.due("sample", 8), "due once, then 30 s again"
    assert not schedule.due("checkpoint", 8) and not schedule.due("metric", 8), "metric_every 0: never"
    clock[0] = 121.0
    assert schedule.due("checkpoint", 9) and schedule.due("sample", 9)


def test_a_run_timed_by_seconds_still_ends_with_a_sample_and_a_checkpoint(tmp_path):
    cfg = tiny_cfg(steps=12, timing="seconds", sample_seconds=3600, checkpoint_seconds=3600, log_seconds=3600)
    train("dcgan", cfg=cfg, out=tmp_path / "run", model_kwargs=TINY)
    run = RunDir(tmp_path / "run")
    events = run.read_events()
    assert [e["step"] for e in events if e["type"] == "step"] == [1, 12], "the first and the last step are read"
    assert [p.name for p in run.sample_paths()] == ["step_0000012.png"]
    assert [e["step"] for e in events if e["type"] == "checkpoint"] == [0, 12]


def learning_rates(optimizers) -> list[float]:
    return [group["lr"] for optimizer in optimizers.values() for group in optimizer.param_groups]


def test_lr_decay_falls_linearly_over_the_last_share_of_the_steps():
    model = gans.create("dcgan", **TINY)
    cfg = TrainConfig(steps=10, lr=1e-3, lr_decay=0.5)
    optimizers = model.configure_optimizers(cfg)
    trainer = Trainer(cfg)
    seen = []
    for step in range(10):
        trainer._set_learning_rates(optimizers, step)
        seen.append(learning_rates(optimizers)[0])
    assert seen[:6] == [1e-3] * 6
    assert seen[6:] == pytest.approx([8e-4, 6e-4, 4e-4, 2e-4]), "step 9, the last, still learns a little"
    assert len(set(learning_rates(optimizers))) == 1, "G's and D's optimizers fall together"


def test_lr_decay_resumes_on_the_same_line(tmp_path):
    """Stopped at step 6 of 12 and resumed: the same weights as 12 straight steps (the decay is step-based)."""
    common = dict(steps=12, lr_decay=0.6, log_every=3, checkpoint_every=100, sample_every=100)
    seen = []
    stopped = train("dcgan", cfg=tiny_cfg(**common), out=tmp_path / "split", model_kwargs=TINY,
                    callbacks=[seen.append], should_stop=lambda: any(e.get("step") == 6 for e in seen
                                                                     if e["type"] == "step"))
    assert stopped["status"] == "stopped" and stopped["step"] == 6
    assert resume(tmp_path / "split", steps=12)["step"] == 12
    train("dcgan", cfg=tiny_cfg(**common), out=tmp_path / "straight", model_kwargs=TINY)
    split, straight = gans.load(tmp_path / "split").state_dict(), gans.load(tmp_path / "straight").state_dict()
    assert all(torch.equal(split[k], straight[k]) for k in split)
    # and the decay does change the run: without it the same 12 steps end elsewhere
    train("dcgan", cfg=tiny_cfg(**{**common, "lr_decay": 0.0}), out=tmp_path / "flat", model_kwargs=TINY)
    flat = gans.load(tmp_path / "flat").state_dict()
    assert any(not torch.equal(split[k], flat[k]) for k in split)


@pytest.mark.parametrize("field, value, message", [
    ("lr_decay", 1.5, "lr_decay must be between 0 and 1"), ("lr_decay", float("nan"), "lr_decay"),
    ("timing", "hourly", "unknown timing"), ("sample_seconds", 0.0, "sample_seconds must be > 0"),
    ("log_seconds", float("inf"), "log_seconds must be > 0")])
def test_bad_timing_settings_are_refused(field, value, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**{field: value}).validate()


def test_a_dataset_moves_to_a_device_whole():
    from gans.data import load_dataset

    data = load_dataset("fashion-mnist-mini")
    moved = data.to(torch.device("cpu"))
    assert torch.equal(moved.images, data.images) and torch.equal(moved.labels, data.labels)
    assert moved.class_names == data.class_names and len(moved) == len(data)


def test_adam_is_fused_only_where_the_parameters_are_on_cuda():
    model = gans.create("dcgan", **TINY)
    optimizer = model.configure_optimizers(TrainConfig())["generator"]
    assert not optimizer.defaults["fused"], "CPU parameters: torch's default Adam"
