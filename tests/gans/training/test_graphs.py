"""CUDA graphs for the training step (gans.training.graphs): when a run records its step, and that a recorded step
trains exactly as the eager one. On a CPU a stand-in recorder replays by running the recorded function again, which
checks the static buffers, the in-place learning rates and the fallback; the real graph is checked on CUDA only."""

import pytest
import torch

import gans
from gans.data.batch import Batch
from gans.errors import ConfigError
from gans.io.checkpoints import RunDir
from gans.models.base import GAN
from gans.ops.precision import autocast
from gans.training import TrainConfig, graphs, resume, train
from gans.training.graphs import GraphedStep, graph_plan, set_learning_rate
from tests.helpers import tiny_cfg, tiny_kwargs

TINY = tiny_kwargs("dcgan", image_size=28)
CUDA = torch.device("cuda")  # a device name only: nothing here allocates on it without a GPU


class Rerun:
    """The CPU stand-in for ``graphs.CudaGraph``: capture keeps the function and runs nothing, as a graph's capture
    records without running; each replay runs it again and writes its results into the outputs capture returned,
    as a graph writes its static outputs."""

    def capture(self, fn):
        self.fn, self.outputs = fn, {}
        return self.outputs

    def replay(self):
        for name, value in self.fn().items():
            if name in self.outputs:
                self.outputs[name].copy_(value)
            else:
                self.outputs[name] = value.clone()

    @staticmethod
    def warm_up(fn, check_syncs=False):
        return fn()


class Refuses(Rerun):
    def capture(self, fn):
        raise RuntimeError("operation not permitted when stream is capturing")


class FindsASync(Rerun):
    """The last warm-up step (the one run with CUDA's sync check) finds an op that waits for the GPU."""

    @staticmethod
    def warm_up(fn, check_syncs=False):
        if check_syncs:
            raise RuntimeError("called a synchronizing CUDA operation")
        return fn()


def fused_adam(self, parameters, lr):
    """The optimizer a CUDA run gets (fused Adam), here on the CPU, with the float32 tensor learning rate a graphed
    run gives it (so an eager run rounds its learning rates alike)."""
    return torch.optim.Adam(list(parameters), lr=torch.tensor(float(lr)), betas=tuple(self._settings["betas"]),
                            fused=True)


def optimizers_of(model, fused=True):
    return {"generator": torch.optim.Adam(model.generator.parameters(), lr=1e-3, fused=fused or None),
            "discriminator": torch.optim.Adam(model.discriminator.parameters(), lr=1e-3, fused=fused or None)}


@pytest.mark.parametrize("setting, device, world_size, model, why", [
    ("off", CUDA, 1, "dcgan", "cuda_graphs=off"),
    ("auto", torch.device("cpu"), 1, "dcgan", "need a CUDA device"),
    ("auto", CUDA, 2, "dcgan", "several processes"),
    ("auto", CUDA, 1, "stylegan", "R1"),
    ("auto", CUDA, 1, "cgan-hard", "hard negatives"),
])
def test_the_plan_says_why_a_run_records_no_graph(setting, device, world_size, model, why):
    if model == "cgan-hard":
        model = gans.create("cgan", **tiny_kwargs("cgan", mismatch_weight=0.2, mismatch_hard=True))
    else:
        model = gans.create(model, **tiny_kwargs(model))
    use, note = graph_plan(setting, device, world_size, model, optimizers_of(model))
    assert not use and note.startswith("off (") and why in note


def test_a_subclass_that_changes_the_step_is_not_graphed_until_it_is_read():
    """Only classes read for CUDA graphs say so (``graph_safe_step``); a subclass of one that overrides a method of
    the step (a plugin copied from the template) is not, nor is a new AdversarialGAN."""
    from gans.models.adversarial import AdversarialGAN
    from gans.models.dcgan import DCGAN

    class Branchy(DCGAN):
        def train_step(self, batch, optimizers, step):
            return super().train_step(batch, optimizers, step) if step % 2 else {}

    class Fresh(AdversarialGAN):
        pass

    assert gans.create("dcgan", **TINY).graph_unsafe_reason() is None
    assert Branchy(**TINY).graph_unsafe_reason() == (
        "Branchy overrides train_step, which has not been checked for CUDA graphs")
    assert Fresh.graph_unsafe_reason(Fresh.__new__(Fresh)) == (
        "Fresh's training step has not been checked for CUDA graphs")


def test_the_plan_records_a_plain_step_with_fused_adam_only():
    model = gans.create("dcgan", **TINY)
    assert graph_plan("auto", CUDA, 1, model, optimizers_of(model)) == (
        True, "on (one CUDA graph replays each whole step)")
    use, note = graph_plan("auto", CUDA, 1, model, optimizers_of(model, fused=False))
    assert not use and "not the fused Adam" in note


def test_on_is_refused_where_it_cannot_hold():
    with pytest.raises(ConfigError, match="needs a CUDA device"):
        TrainConfig(cuda_graphs="on", device="cpu").validate()
    with pytest.raises(ConfigError, match="unknown cuda_graphs"):
        TrainConfig(cuda_graphs="yes").validate()
    model = gans.create("stylegan", **tiny_kwargs("stylegan"))
    with pytest.raises(ConfigError, match="cuda_graphs=on cannot hold for this run: the lazy R1"):
        graph_plan("on", CUDA, 1, model, optimizers_of(model))


def run_steps(step_fn, model, optimizers, steps=6):
    """``steps`` steps of fresh batches, the learning rates falling each step (in place where they are tensors);
    the losses of each step as floats."""
    losses = []
    for step in range(steps):
        for optimizer in optimizers.values():
            for group in optimizer.param_groups:
                set_learning_rate(group, 1e-3 * (steps - step) / steps)
        images = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(step)) * 2 - 1
        stats = step_fn(Batch(images), step)
        losses.append({name: float(value) for name, value in stats.items()})
    return losses


def twin_models():
    torch.manual_seed(0)
    first = gans.create("dcgan", **TINY)
    second = gans.create("dcgan", **TINY)
    second.load_state_dict(first.state_dict())
    return first, second


def test_a_replayed_step_trains_exactly_as_the_eager_step():
    """Warm-up steps, then a recording and replays on static copies of each batch: the same losses and weights as
    eager steps, which only holds when every batch reaches the static inputs and every lr change the tensor."""
    eager_model, graphed_model = twin_models()
    eager_opts, graphed_opts = optimizers_of(eager_model), optimizers_of(graphed_model)
    graphs.make_capturable(eager_opts, torch.device("cpu"))  # tensor learning rates (rounded as float32) alike
    torch.manual_seed(1)
    eager = run_steps(lambda batch, step: eager_model.train_step(batch, eager_opts, step), eager_model, eager_opts)
    graphed = GraphedStep(graphed_model, graphed_opts, torch.device("cpu"), "fp32", recorder=Rerun, warmup=2)
    torch.manual_seed(1)
    replayed = run_steps(graphed.step, graphed_model, graphed_opts)
    assert graphed.graph is not None and graphed.failure is None, "steps 3-6 were replays"
    assert all(torch.is_tensor(g["lr"]) and g["capturable"] for o in graphed_opts.values() for g in o.param_groups)
    assert replayed == eager
    for a, b in zip(eager_model.state_dict().values(), graphed_model.state_dict().values()):
        assert torch.equal(a, b)


def test_a_step_that_cannot_be_recorded_trains_eagerly():
    eager_model, graphed_model = twin_models()
    eager_opts, graphed_opts = optimizers_of(eager_model), optimizers_of(graphed_model)
    graphs.make_capturable(eager_opts, torch.device("cpu"))
    torch.manual_seed(1)
    eager = run_steps(lambda batch, step: eager_model.train_step(batch, eager_opts, step), eager_model, eager_opts)
    graphed = GraphedStep(graphed_model, graphed_opts, torch.device("cpu"), "fp32", recorder=Refuses, warmup=2)
    torch.manual_seed(1)
    assert run_steps(graphed.step, graphed_model, graphed_opts) == eager
    assert graphed.graph is None and graphed.failure == (
        "RuntimeError: operation not permitted when stream is capturing")


def test_a_step_that_waits_for_the_gpu_is_never_recorded():
    """The last warm-up step runs under CUDA's sync check; when it finds one, that step runs again eagerly and so
    does every later one, with no recording tried."""
    model = gans.create("dcgan", **TINY)
    opts = optimizers_of(model)
    graphed = GraphedStep(model, opts, torch.device("cpu"), "fp32", recorder=FindsASync, warmup=2)
    losses = run_steps(graphed.step, model, opts, steps=4)
    assert len(losses) == 4 and graphed.graph is None
    assert graphed.failure == "RuntimeError: called a synchronizing CUDA operation"


def test_a_graphed_run_matches_an_eager_run_and_its_checkpoint_resumes_anywhere(tmp_path, monkeypatch):
    """Through the Trainer (the plan forced on, the stand-in recorder): the weights of an eager run with the same
    fused Adam, learning-rate decay included; the checkpoint keeps plain float learning rates and no
    ``capturable``, so it resumes eagerly."""
    monkeypatch.setattr(GAN, "make_optimizer", fused_adam)
    cfg = tiny_cfg(steps=8, lr_decay=0.5, sample_every=8, checkpoint_every=4)
    eager = train("dcgan", cfg=cfg, out=tmp_path / "eager", model_kwargs=TINY)
    monkeypatch.setattr("gans.training.trainer.graph_plan", lambda *args: (True, "on (test)"))
    monkeypatch.setattr(graphs, "CudaGraph", Rerun)
    graphed = train("dcgan", cfg=cfg, out=tmp_path / "graphed", model_kwargs=TINY)
    assert graphed["weights_sha256"] == eager["weights_sha256"]
    events = RunDir(tmp_path / "graphed").read_events()
    assert events[0]["cuda_graphs"] == "on (test)"
    assert not [e for e in events if e["type"] == "warning"]
    state = RunDir(tmp_path / "graphed").load_trainer_state()
    for group in state["optimizers"]["generator"]["param_groups"]:
        assert type(group["lr"]) is float and group["capturable"] is False
    monkeypatch.undo()
    assert resume(tmp_path / "graphed", steps=10)["step"] == 10


def test_the_trainer_says_when_it_falls_back_to_eager(tmp_path, monkeypatch):
    monkeypatch.setattr(GAN, "make_optimizer", fused_adam)
    monkeypatch.setattr("gans.training.trainer.graph_plan", lambda *args: (True, "on (test)"))
    monkeypatch.setattr(graphs, "CudaGraph", Refuses)
    result = train("dcgan", cfg=tiny_cfg(steps=6), out=tmp_path / "run", model_kwargs=TINY)
    assert result["status"] == "finished"
    warnings = [e for e in RunDir(tmp_path / "run").read_events() if e["type"] == "warning"]
    assert [w["step"] for w in warnings] == [3], "recorded after 3 warm-up steps, reported once"
    assert "could not be recorded as a CUDA graph" in warnings[0]["message"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="a CUDA graph needs a CUDA GPU")
@pytest.mark.parametrize("name, settings, precision", [
    ("dcgan", {}, "bf16"),  # what `auto` runs on a GPU: bf16 autocast, channels_last
    ("dcgan", {}, "fp32"),
    ("wgan-gp", {}, "fp32"),  # n_critic = 5 and the gradient penalty's double backward
    ("sagan", {"image_size": 32}, "fp32"),  # spectral norm and attention
    ("vanilla", {}, "fp32"),
    ("vanilla", {"pack": 3, "r1_gamma": 1.0}, "fp32"),  # packed sets, an uneven batch filled up, R1's double backward
])
def test_on_cuda_the_recorded_step_trains_as_the_eager_step(name, settings, precision):
    """The real CUDA graph against eager steps on one GPU: the noise is read from one buffer the test fills (both
    paths draw the same noise) and augmentation is off; the learning rates fall in place between steps. The graph
    must really be recorded and replayed, and the losses and weights agree to the precision's tolerance. The other
    random numbers (vanilla's dropout, the penalty's mixing weights) come from the same seeded CUDA generator, which
    PyTorch's graph-safe RNG advances at each replay as the eager step advances it."""
    kwargs = {**tiny_kwargs(name), **settings, "augment": "none"}
    results = []
    for use_graph in (False, True):
        torch.manual_seed(0)
        model = gans.create(name, **kwargs).cuda()
        channels_last = precision == "bf16" and model.channels_last
        if channels_last:
            model.to(memory_format=torch.channels_last)
        size = model.config()["image_size"]
        noise = torch.zeros(8, model.config()["latent_dim"], device="cuda")
        model._noise = lambda n, device: noise[:n]
        opts = {"generator": model.make_optimizer(model.generator.parameters(), 1e-3),
                "discriminator": model.make_optimizer(model.discriminator.parameters(), 1e-3)}
        graphed = GraphedStep(model, opts, CUDA, precision) if use_graph else None
        graphs.make_capturable(opts, CUDA)  # tensor learning rates in both, rounded alike

        def eager(batch, step, model=model, opts=opts):
            with autocast(CUDA, precision, cache=False):
                return model.train_step(batch, opts, step)

        losses = []
        for step in range(8):
            for optimizer in opts.values():
                for group in optimizer.param_groups:
                    set_learning_rate(group, 1e-3 * (8 - step) / 8)
            noise.copy_(torch.randn(noise.shape, generator=torch.Generator().manual_seed(step)))
            images = torch.rand(8 * model.batches_per_step, 1, size, size,
                                generator=torch.Generator().manual_seed(100 + step)) * 2 - 1
            images = images.cuda().contiguous(memory_format=torch.channels_last) if channels_last else images.cuda()
            stats = (graphed.step if graphed else eager)(Batch(images), step)
            losses.append({key: float(value) for key, value in stats.items()})
        if graphed:
            assert graphed.failure is None and graphed.graph is not None, graphed.failure
        results.append((losses, {key: value.float().cpu() for key, value in model.state_dict().items()}))
    (eager_losses, eager_weights), (graph_losses, graph_weights) = results
    tolerance = 2e-2 if precision == "bf16" else 1e-3
    for eager_step, graph_step in zip(eager_losses, graph_losses):
        assert graph_step == pytest.approx(eager_step, rel=tolerance, abs=tolerance)
    for key, value in graph_weights.items():
        torch.testing.assert_close(value, eager_weights[key], rtol=tolerance, atol=tolerance)


def test_a_run_started_with_graphs_on_resumes_on_a_cpu(tmp_path):
    """``cuda_graphs=on`` is refused for a new CPU run, but a GPU run moved to a CPU (``resume(device="cpu")``) goes
    on there, eagerly."""
    import json

    train("dcgan", cfg=tiny_cfg(steps=2, sample_every=2), out=tmp_path / "run", model_kwargs=TINY)
    config_path = tmp_path / "run" / "config.json"
    config = json.loads(config_path.read_text())
    config["train"].update(cuda_graphs="on", device="cuda")  # as a GPU run writes it
    config_path.write_text(json.dumps(config))
    assert resume(tmp_path / "run", steps=4, device="cpu")["step"] == 4
    start = [e for e in RunDir(tmp_path / "run").read_events() if e["type"] == "start"][-1]
    assert start["cuda_graphs"].startswith("off (CUDA graphs need a CUDA device")
