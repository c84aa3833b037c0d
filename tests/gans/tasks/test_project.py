"""Projection (GAN inversion): the latent of an image, in z or StyleGAN's w / w+, from the library and the CLI."""

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gans import cli
from gans.errors import ConfigError
from gans.tasks.project import fit_target, npz_bytes, project, projected_images, random_baseline
from tests.helpers import tiny_model


def varied(name: str, **kwargs):
    """A tiny untrained model whose samples differ visibly between seeds (DCGAN-style weights are tiny at init)."""
    model = tiny_model(name, ema_decay=0.0, **kwargs)
    if name != "stylegan":
        with torch.no_grad():
            for parameter in model.generator.parameters():
                if parameter.dim() > 1:
                    parameter.mul_(10)
    return model


@pytest.mark.parametrize("name, space", [("dcgan", "z"), ("cgan", "z"), ("stylegan", "w_plus"), ("stylegan", "w")])
def test_projecting_a_sample_of_the_model_itself_brings_the_error_near_zero(name, space):
    model = varied(name)
    label = 3 if model.conditional else None
    target = model.sample(1, seed=6, labels=label)
    state = {key: value.clone() for key, value in model.state_dict().items()}
    result = project(model, target, steps=300, space=space, label=label)
    start = result.losses[0]
    assert start > 0.01, "the start (seed 0, or the mean w) is not the target already"
    assert result.error < 0.02 * start, "near zero"
    assert result.error < 0.5 * random_baseline(model, target, label=label), "far closer than any of 100 random draws"
    assert result.space == space and result.label == label
    assert torch.allclose(model.sample(1, seed=6, labels=label), target), "the model is unchanged"
    assert all(torch.equal(value, model.state_dict()[key]) for key, value in state.items())
    assert all(parameter.grad is None for parameter in model.parameters())
    expected_shape = {"z": (1, model.config()["latent_dim"]), "w": (1, model.config()["latent_dim"]),
                      "w_plus": (1, getattr(model, "num_ws", 0), model.config()["latent_dim"])}[space]
    assert tuple(result.latent.shape) == expected_shape
    walk = projected_images(model, result, seed=0, frames=5)
    assert walk.shape == (5, *target.shape[1:])
    assert torch.equal(walk[-1:], result.image), "the walk ends at the projection"


def test_the_npz_holds_the_latent_under_its_space_the_image_and_the_error():
    model = varied("stylegan")
    result = project(model, model.sample(1, seed=2), steps=5)
    arrays = np.load(io.BytesIO(npz_bytes(result)))
    assert set(arrays.files) == {"w_plus", "image", "error"}
    assert arrays["image"].shape == (1, 32, 32) and -1 <= arrays["image"].min() and arrays["image"].max() <= 1
    assert float(arrays["error"]) == pytest.approx(result.error)


def test_fit_target_crops_the_centre_square_and_matches_the_model():
    model = tiny_model("dcgan")  # 32 px, 1 channel
    picture = Image.new("RGB", (300, 100), "white")
    picture.paste((0, 0, 0), (100, 0, 200, 100))  # a black centre square between white sides
    target = fit_target(model, picture)
    assert target.shape == (1, 1, 32, 32) and target.max() <= -0.95, "only the black centre is kept"


def test_bad_requests_get_clear_messages():
    model = tiny_model("dcgan")
    target = model.sample(1)
    with pytest.raises(ConfigError, match="projected in z"):
        project(model, target, space="w_plus")
    with pytest.raises(ConfigError, match="steps must be between"):
        project(model, target, steps=0)
    with pytest.raises(ConfigError, match="must be a"):
        project(model, torch.zeros(1, 3, 32, 32))
    with pytest.raises(ConfigError, match="needs the class"):
        project(tiny_model("cgan"), tiny_model("cgan").sample(1))


def test_cli_project_writes_the_npz_and_says_how_it_compares(tmp_path, capsys):
    model = varied("dcgan")
    model.save_pretrained(tmp_path / "run")
    picture = tmp_path / "target.png"
    from gans.io.uploads import tensor_to_image

    tensor_to_image(model.sample(1, seed=9)).resize((64, 64)).save(picture)
    assert cli.main(["project", str(tmp_path / "run"), str(picture), "-o", str(tmp_path / "p.npz"),
                     "--steps", "50"]) == 0
    arrays = np.load(tmp_path / "p.npz")
    assert set(arrays.files) == {"z", "image", "error"} and arrays["z"].shape == (1, 8)
    out = capsys.readouterr().out
    assert "reconstruction error" in out and "best of 100 random latents" in out
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert cli.main(["project", str(tmp_path / "run"), str(tmp_path / "bad.png"), "-o", str(tmp_path / "q.npz")]) != 0
    assert "error" in capsys.readouterr().err.lower() and not (tmp_path / "q.npz").exists()


# ---- progress, the pixel budget, the output file (issue 29) -----------------------------------------------------
def test_progress_is_called_after_every_step_and_can_stop_the_projection():
    model = tiny_model("dcgan")
    target = model.sample(1, seed=3)
    seen = []
    project(model, target, steps=7, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(step, 7) for step in range(1, 8)]

    class Enough(Exception):
        pass

    def stop_at_3(done, total):
        if done == 3:
            raise Enough

    with pytest.raises(Enough):
        project(model, target, steps=50, progress=stop_at_3)


def huge_png(path) -> Path:
    """A real 7000×7000 PNG of zeros: 49 megapixels in about 47 KB."""
    Image.new("L", (7000, 7000)).save(path, optimize=True)
    return path


MEASURE = """
import resource, sys
from gans.ops.budget import BudgetError
from gans.tasks.project import read_target
from tests.helpers import tiny_model

model = tiny_model("dcgan")
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for source in (data, sys.argv[1]):  # the page's bytes, the command line's path
    try:
        read_target(model, source)
        print("decoded")
    except BudgetError as error:
        print(error)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, "MB")
"""


def test_a_huge_image_is_refused_from_its_header_before_any_pixel_is_decoded(tmp_path):
    """Under a 4 GB address-space cap, in its own process: the refusal names the limit and costs no memory (decoding
    it would take 49 MB, and the tensors and resizing after it about half a gigabyte)."""
    import os
    import resource
    import subprocess
    import sys

    from tests.helpers import ROOT

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    picture = huge_png(tmp_path / "zeros.png")
    assert picture.stat().st_size < 100_000
    result = subprocess.run([sys.executable, "-c", MEASURE, str(picture)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, preexec_fn=cap, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert result.returncode == 0, result.stderr
    *messages, grown = result.stdout.strip().splitlines()
    refusal = ("is 7000×7000 = 49 megapixels; this server allows at most 25 megapixels per request "
               "(GANS_MAX_PIXELS); projection shrinks every image to the model's size, so use a smaller copy")
    assert messages == [f"The image {refusal}", f"zeros.png {refusal}"]
    assert int(grown.split()[0]) < 20, f"resident memory grew by {grown}"


def test_the_pixel_budget_follows_gans_max_pixels(monkeypatch):
    from gans.ops.budget import BudgetError
    from gans.tasks.project import read_target
    from tests.helpers import encoded

    model = tiny_model("dcgan")
    monkeypatch.setenv("GANS_MAX_PIXELS", "2000")
    with pytest.raises(BudgetError, match="50×50 = 2,500 pixels; this server allows at most 2,000 pixels"):
        read_target(model, encoded(Image.new("RGB", (50, 50))))
    with pytest.raises(BudgetError, match="GANS_MAX_PIXELS"):
        fit_target(model, Image.new("RGB", (50, 50)))  # an image decoded elsewhere is checked too
    assert read_target(model, encoded(Image.new("RGB", (40, 40)))).shape == (1, 1, 32, 32)


def test_cli_project_refuses_a_huge_image_with_one_line(tmp_path, capsys):
    tiny_model("dcgan").save_pretrained(tmp_path / "run")
    code = cli.main(["project", str(tmp_path / "run"), str(huge_png(tmp_path / "zeros.png")), "-o",
                     str(tmp_path / "p.npz"), "--steps", "5"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "7000×7000 = 49 megapixels" in err and "GANS_MAX_PIXELS" in err
    assert not (tmp_path / "p.npz").exists()


def test_save_npz_makes_a_missing_folder_and_refuses_a_name_that_is_not_npz(tmp_path):
    from gans.tasks.project import check_output, save_npz

    model = tiny_model("dcgan")
    result = project(model, model.sample(1, seed=2), steps=2)
    written = save_npz(result, tmp_path / "new" / "deeper" / "p.npz")
    assert written == tmp_path / "new" / "deeper" / "p.npz" and set(np.load(written).files) == {"z", "image", "error"}
    assert [path.name for path in written.parent.iterdir()] == ["p.npz"], "no temporary file left"
    with pytest.raises(ConfigError, match=r"cannot write x\.txt: .* ends in \.npz, e\.g\. x\.npz"):
        save_npz(result, tmp_path / "x.txt")
    (tmp_path / "new.npz").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        check_output(tmp_path / "new.npz")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new", "new.npz"], "nothing else was written"


def test_cli_project_output_a_missing_folder_is_made_a_wrong_suffix_is_one_line(tmp_path, capsys):
    tiny_model("dcgan").save_pretrained(tmp_path / "run")
    picture = tmp_path / "target.png"
    Image.new("L", (40, 40), 90).save(picture)
    base = ["project", str(tmp_path / "run"), str(picture), "--steps", "3", "-o"]
    assert cli.main([*base, str(tmp_path / "out" / "p.npz")]) == 0
    assert set(np.load(tmp_path / "out" / "p.npz").files) == {"z", "image", "error"}
    capsys.readouterr()
    assert cli.main([*base, str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write x.txt: a projection is saved as an .npz file") and err.count("\n") == 1
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "x.txt.npz").exists()


def test_a_projection_job_runs_in_the_background_reports_its_progress_and_keeps_its_view():
    import threading

    from gans.tasks import project as projection
    from gans.tasks.project_job import ProjectionJob
    from tests.helpers import encoded

    model = tiny_model("dcgan")
    data = encoded(Image.new("RGB", (60, 40), (200, 10, 10)))
    gate, reached = threading.Event(), threading.Event()

    def slow(done, total):  # the test holds the job at step 5
        if done == 5:
            reached.set()
            gate.wait(30)

    real = projection.project

    def held(*args, progress=None, **kwargs):
        return real(*args, progress=lambda done, total: (progress(done, total), slow(done, total)), **kwargs)

    projection.project = held
    try:
        job = ProjectionJob(model, data, steps=20, cache_key=("kept", id(model))).start()
        assert reached.wait(30)
        assert job.running and job.state == "projecting" and job.fraction == 0.25
        assert job.status_line().startswith("step 5 / 20, ") and job.status_line().endswith(" left")
        gate.set()
        assert job.wait(60) and job.state == "finished" and job.error is None
    finally:
        projection.project = real
    assert job.view.caption.startswith("Projected in z with 20 steps")
    again = ProjectionJob(model, data, steps=20, cache_key=("kept", id(model))).start()
    assert not again.running and again.view is job.view, "the same request is shown at once"
    other = ProjectionJob(model, data, steps=20, cache_key=("other", id(model))).start()
    assert other.wait(60) and other.view is not job.view


@pytest.mark.parametrize("watched", [True, False])
def test_a_job_nobody_watches_stops_on_its_own_and_a_watched_one_finishes(watched, monkeypatch):
    """A page polls its projection while it runs; a closed tab stops polling, and after ``unwatched_after`` seconds
    the job stops at its next step, giving its heavy-call slot back."""
    import time

    from gans.tasks import project as projection
    from gans.tasks.project_job import ProjectionJob
    from tests.helpers import encoded

    real, holder = projection.project, {}

    def slow(*args, progress=None, **kwargs):  # every step takes 20 ms; a watching page looks at each one
        def step(done, total):
            time.sleep(0.02)
            if watched:
                holder["job"].watched()
            progress(done, total)
        return real(*args, progress=step, **kwargs)

    monkeypatch.setattr(projection, "project", slow)
    job = ProjectionJob(tiny_model("dcgan"), encoded(Image.new("L", (40, 40), 90)), steps=40, unwatched_after=0.3)
    holder["job"] = job
    job.start()
    assert job.wait(60)
    assert job.state == ("finished" if watched else "stopped"), (job.state, job.steps_done)
    if not watched:
        assert job.steps_done < 40


def test_a_stopped_job_ends_stopped_and_a_bad_image_ends_with_one_line():
    from gans.tasks.project_job import ProjectionJob

    model = tiny_model("dcgan")
    job = ProjectionJob(model, b"not an image", steps=5)
    job.stop()
    job.start()
    assert job.wait(30) and job.state == "stopped" and job.view is None
    bad = ProjectionJob(model, b"not an image", steps=5).start()
    assert bad.wait(30) and bad.state == "error" and bad.error.startswith("The upload is not an image")
    assert bad.status_line() == bad.error


def test_a_model_of_another_task_is_refused_by_the_one_task_check():
    translator = tiny_model("pix2pix")
    with pytest.raises(ConfigError, match=r"this checkpoint holds a pix2pix model, which .*`project` needs a"):
        project(translator, torch.zeros(1, 3, 32, 32))
