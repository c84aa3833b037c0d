"""gans.ops.budget: over-budget requests are refused before the heavy work starts, with a message that names the limit
and its environment variable; the server-wide gate lets at most GANS_MAX_HEAVY_CALLS heavy calls run at once and
tells the next caller the server is busy after a bounded wait."""

import io
import threading

import numpy as np
import pytest
from PIL import Image

from gans.cli import main
from gans.errors import ConfigError
from gans.io.uploads import decode_upload
from gans.ops import budget
from gans.ops.budget import BudgetError, ServerBusyError
from gans.ops.tiling import tile_plan
from gans.tasks import explore
from gans.tasks.colorize import colorize_file, colorize_picture
from gans.tasks.translate import translate_file, translate_picture
from tests.helpers import encoded, tiny_model

VARIABLES = ("GANS_MAX_PIXELS", "GANS_MAX_TILES", "GANS_MAX_SAMPLES", "GANS_MAX_HEAVY_CALLS", "GANS_BUSY_WAIT_SECONDS",
             "GANS_MAX_PARAMETERS", "GANS_MAX_TRAIN_MEMORY_MB")


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch):
    """Every test starts from the defaults, whatever the machine's environment says."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def noise(width: int, height: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8))


def counted(model, method: str, monkeypatch) -> list:
    """Count the calls of ``model.method`` (the network's work) until the test ends."""
    calls, original = [], getattr(model, method)

    def wrapper(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(model, method, wrapper)
    return calls


@pytest.fixture(scope="module")
def translator():
    return tiny_model("pix2pix", image_size=32).eval()


@pytest.fixture(scope="module")
def colorizer():
    return tiny_model("colorizer", image_size=32).eval()


@pytest.fixture(scope="module")
def generator():
    return tiny_model("dcgan", image_size=28).eval()


@pytest.fixture(scope="module")
def probe_png() -> bytes:
    """The probe's upload: a 7000×7000 PNG of zeros, about 47 KB, under the 50-megapixel upload limit."""
    data = encoded(Image.new("L", (7000, 7000)))
    assert len(data) < 100_000
    return data


# ---- the defaults ----------------------------------------------------------------------------------------------
def test_defaults_let_every_normal_use_through():
    assert (budget.max_pixels(), budget.max_tiles(), budget.max_samples()) == (25_000_000, 512, 1024)
    assert budget.max_heavy_calls() == 2 and budget.busy_wait_seconds() == 10
    for width, height in [(4000, 3000), (3000, 4000), (6000, 4000), (1024, 1024)]:  # phone, camera, big scan
        budget.check_pixels(width, height)
        for tile in (None, 256, 512, 1024):  # the Translate page's choices, for a network of multiple 8
            budget.check_tiles(tile_plan(height, width, 8, tile=tile).tiles, width, height, tile or 0)
    budget.check_grid(64, 64, 64)  # the 64-image grid of `sample` and of training
    budget.check_grid(64, 32, 32, scale=8)
    budget.check_grid(16, 64, 64, nrow=16, scale=4, what="frames")  # a walk strip
    budget.check_samples(explore.GRID_SIZE)


def test_the_probe_cases_are_refused():
    with pytest.raises(BudgetError, match=r"7000×7000 = 49 megapixels.*at most 25 megapixels.*GANS_MAX_PIXELS"):
        budget.check_pixels(7000, 7000)
    with pytest.raises(BudgetError, match=r"100,000 images.*at most 1,024.*GANS_MAX_SAMPLES"):
        budget.check_samples(100_000)
    with pytest.raises(BudgetError, match="GANS_MAX_PIXELS"):  # --scale 1000 on a 64-image grid
        budget.check_grid(64, 32, 32, scale=1000)
    with pytest.raises(BudgetError, match="GANS_MAX_PIXELS"):  # `-n 2 --nrow 1000000`: a row of empty places
        budget.check_grid(2, 64, 64, nrow=1_000_000)
    with pytest.raises(BudgetError, match=r"1000×1000 image in 8 px tiles takes 15,625 tiles.*at most 512.*TILES"):
        budget.check_tiles(tile_plan(1000, 1000, 8, tile=8, overlap=0).tiles, 1000, 1000, 8)


def test_a_count_just_over_a_limit_is_said_exactly_where_rounding_would_hide_the_reason(monkeypatch):
    with pytest.raises(BudgetError) as over:
        budget.check_pixels(5000, 5001)  # 25,005,000: "25 megapixels" rounded, like the limit
    assert "= 25,005,000 pixels; this server allows at most 25,000,000 pixels per request" in str(over.value)
    monkeypatch.setenv("GANS_MAX_PIXELS", "25000001")
    budget.check_pixels(5000, 5000)
    with pytest.raises(BudgetError, match=r"50,000,001 parameters; this server allows at most 50,000,000 param"):
        budget.check_model_size("this model", 50_000_001)
    with pytest.raises(BudgetError, match=r"about 4,294,967,297 bytes .* at most 4,294,967,296 bytes"):
        budget.check_model_size("this model", 1, 4 * 2**30 + 1)
    with pytest.raises(BudgetError, match=r"has 9.1 G parameters; this server allows at most 50 M parameters"):
        budget.check_model_size("pix2pix at width 2048", 9_127_690_244)


def test_the_tile_refusal_names_the_work_it_refuses():
    plan = tile_plan(1000, 1000, 8, tile=8, overlap=0)
    with pytest.raises(BudgetError, match=r"^upscaling this 1000×1000 image in 8 px tiles takes 15,625 tiles"):
        budget.check_tiles(plan.tiles, 1000, 1000, 8, verb="upscaling")


def test_model_size_limits_follow_their_variables(monkeypatch):
    assert (budget.max_parameters(), budget.max_train_memory_mb()) == (50_000_000, 4096)
    budget.check_model_size("cyclegan", 21_214_088, 2.9 * 2**30)  # the largest shipped model at its defaults
    with pytest.raises(BudgetError, match=r"training pix2pix needs about 5 GB of memory per step; this server allows "
                                          r"at most 4 GB \(GANS_MAX_TRAIN_MEMORY_MB\).*or a smaller batch size"):
        budget.check_model_size("pix2pix", 32_000_000, 5 * 2**30)
    with pytest.raises(BudgetError, match=r"needs about 132,255.3 GB of memory per step"):  # a batch of 10**9
        budget.check_model_size("dcgan", 906_019, 132_255.3 * 2**30)
    monkeypatch.setenv("GANS_MAX_TRAIN_MEMORY_MB", "6000")
    monkeypatch.setenv("GANS_MAX_PARAMETERS", "100")
    budget.check_model_size("pix2pix", 100, 5 * 2**30)
    with pytest.raises(BudgetError, match="GANS_MAX_PARAMETERS"):
        budget.check_model_size("pix2pix", 101)
    monkeypatch.setenv("GANS_MAX_PARAMETERS", "a lot")
    with pytest.raises(ConfigError, match="GANS_MAX_PARAMETERS='a lot' is not valid"):
        budget.check_model_size("pix2pix", 1)


# ---- refused before the work starts ------------------------------------------------------------------------------
def test_translate_refuses_the_probe_upload_before_the_network_runs(translator, probe_png, monkeypatch):
    calls = counted(translator, "translate", monkeypatch)
    with pytest.raises(BudgetError) as refused:
        translate_file(translator, probe_png)
    message = str(refused.value)
    assert "7000×7000" in message and "25 megapixels" in message and "GANS_MAX_PIXELS" in message
    assert "\n" not in message
    assert calls == []


def test_colorize_refuses_the_probe_upload_before_the_network_runs(colorizer, probe_png, monkeypatch):
    calls = counted(colorizer, "predict_ab", monkeypatch)
    with pytest.raises(BudgetError, match=r"The photo is 7000×7000.*GANS_MAX_PIXELS"):
        colorize_file(colorizer, probe_png)
    assert calls == []


def test_an_upload_is_refused_from_its_header_before_any_pixel_is_decoded(translator, colorizer, probe_png):
    header_only = probe_png[:1000]  # decoding this would fail as truncated: the refusal must come first
    with pytest.raises(BudgetError, match="GANS_MAX_PIXELS"):
        translate_file(translator, header_only)
    with pytest.raises(BudgetError, match="GANS_MAX_PIXELS"):
        colorize_file(colorizer, header_only)


def test_the_header_check_decodes_a_jpeg_at_full_size_unchanged():
    buffer = io.BytesIO()
    noise(333, 217).save(buffer, "JPEG", quality=90)
    seen = []
    checked = decode_upload(buffer.getvalue(), check_size=lambda width, height: seen.append((width, height)))
    assert seen == [(333, 217)]
    assert np.array_equal(np.asarray(checked), np.asarray(decode_upload(buffer.getvalue())))


def test_too_many_tiles_are_refused_before_the_first_one_runs_and_the_variable_raises_the_limit(translator,
                                                                                              monkeypatch):
    image = noise(100, 100)
    calls = counted(translator, "translate", monkeypatch)
    tiles = tile_plan(100, 100, translator.input_multiple, tile=32, overlap=8).tiles
    assert tiles > 4
    monkeypatch.setenv("GANS_MAX_TILES", str(tiles - 1))
    with pytest.raises(BudgetError, match=rf"100×100 image in 32 px tiles takes {tiles} tiles; this server allows at "
                                          rf"most {tiles - 1} per request \(GANS_MAX_TILES\)"):
        translate_picture(translator, image, tile=32, overlap=8)
    assert calls == []
    monkeypatch.setenv("GANS_MAX_TILES", str(tiles))
    result = translate_picture(translator, image, tile=32, overlap=8)
    assert result.report.tiles == tiles and len(calls) == tiles and result.output.size == (100, 100)


def test_the_pixel_limit_follows_its_variable(translator, colorizer, monkeypatch):
    image = noise(40, 30)
    monkeypatch.setenv("GANS_MAX_PIXELS", "1000")
    with pytest.raises(BudgetError, match=r"40×30 = 1,200 pixels; this server allows at most 1,000 pixels per request "
                                          r"\(GANS_MAX_PIXELS\)") as no:
        translate_picture(translator, image)
    assert "\n" not in str(no.value)
    with pytest.raises(BudgetError, match="GANS_MAX_PIXELS"):
        colorize_picture(colorizer, image)
    monkeypatch.setenv("GANS_MAX_PIXELS", "1200")
    assert translate_picture(translator, image).output.size == (40, 30)
    assert colorize_picture(colorizer, image).output.size == (40, 30)


def test_explore_refuses_too_many_samples_or_frames_before_drawing_and_the_variable_raises_the_limit(generator,
                                                                                                     monkeypatch):
    samples, frames = counted(generator, "sample", monkeypatch), counted(generator, "interpolate", monkeypatch)
    with pytest.raises(BudgetError, match=r"100,000 images.*GANS_MAX_SAMPLES"):
        explore.sample_grid(generator, 0, count=100_000)
    with pytest.raises(BudgetError, match=r"5,000 frames.*GANS_MAX_SAMPLES"):
        explore.walk_strip(generator, 0, 1, frames=5000)
    assert samples == [] and frames == []
    monkeypatch.setenv("GANS_MAX_SAMPLES", "3")
    with pytest.raises(BudgetError, match="at most 3 per request"):
        explore.sample_grid(generator, 0, count=4)
    assert explore.sample_grid(generator, 0, count=3).size[0] > 0
    assert len(explore.walk_images(generator, 0, 1, frames=3)) == 3
    assert samples == [1] and frames == [1]


@pytest.mark.parametrize("value", ["lots", "0", "-3", "2.5", "1e9"])
def test_a_bad_value_is_one_clear_error_naming_the_variable(value, translator, monkeypatch):
    monkeypatch.setenv("GANS_MAX_PIXELS", value)
    with pytest.raises(ConfigError) as bad:
        translate_picture(translator, noise(8, 8))
    message = str(bad.value)
    assert message.startswith(f"GANS_MAX_PIXELS={value!r} is not valid") and "whole number greater than 0" in message
    assert not isinstance(bad.value, BudgetError)


@pytest.mark.parametrize("variable, value", [("GANS_BUSY_WAIT_SECONDS", "soon"), ("GANS_BUSY_WAIT_SECONDS", "nan"),
                                             ("GANS_BUSY_WAIT_SECONDS", "inf"), ("GANS_MAX_HEAVY_CALLS", "0"),
                                             ("GANS_MAX_TILES", "many"), ("GANS_MAX_SAMPLES", "-1")])
def test_every_variable_checks_its_value(variable, value, monkeypatch):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"{variable}='{value}' is not valid"):
        {"GANS_BUSY_WAIT_SECONDS": budget.busy_wait_seconds, "GANS_MAX_HEAVY_CALLS": budget.max_heavy_calls,
         "GANS_MAX_TILES": budget.max_tiles, "GANS_MAX_SAMPLES": budget.max_samples}[variable]()
    monkeypatch.setenv(variable, " 7 ")
    assert {"GANS_BUSY_WAIT_SECONDS": budget.busy_wait_seconds, "GANS_MAX_HEAVY_CALLS": budget.max_heavy_calls,
            "GANS_MAX_TILES": budget.max_tiles, "GANS_MAX_SAMPLES": budget.max_samples}[variable]() == 7


# ---- at most N heavy calls at once -------------------------------------------------------------------------------
def test_the_call_after_the_limit_is_told_the_server_is_busy_and_succeeds_once_one_finishes(
        translator, colorizer, generator, monkeypatch):
    monkeypatch.setenv("GANS_MAX_HEAVY_CALLS", "2")
    monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "0.3")
    held, entered, release = 2, threading.Semaphore(0), threading.Semaphore(0)
    original, lock, to_block = translator.translate, threading.Lock(), [held]

    def blocking_translate(images, direction="a2b"):  # the first `held` calls stay inside until released
        with lock:
            block = to_block[0] > 0
            to_block[0] -= 1
        if block:
            entered.release()
            assert release.acquire(timeout=60)
        return original(images, direction)

    monkeypatch.setattr(translator, "translate", blocking_translate, raising=False)
    finished, errors = [], []

    def hold():
        try:
            finished.append(translate_file(translator, encoded(noise(24, 24))))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=hold) for _ in range(held)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(held):
            assert entered.acquire(timeout=60), "the holders never reached the network"
        assert budget.running_heavy_calls() == held
        # Every kind of heavy call waits its bounded time, then gets the busy message.
        for extra in (lambda: translate_picture(translator, noise(16, 16)),
                      lambda: colorize_picture(colorizer, noise(16, 16)),
                      lambda: explore.sample_grid(generator, 0, count=4)):
            with pytest.raises(ServerBusyError) as busy:
                extra()
            assert str(busy.value) == ("the server is busy with 2 other requests; try again in a moment (it runs at "
                                       "most 2 at once: GANS_MAX_HEAVY_CALLS)")
        release.release()  # one holder finishes...
        monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "60")
        result = colorize_picture(colorizer, noise(16, 16))  # ...so the next call gets its place
        assert result.output.size == (16, 16)
        assert len(finished) >= 1
    finally:
        for _ in range(held):
            release.release()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors and len(finished) == held
    assert budget.running_heavy_calls() == 0


def test_a_waiting_call_runs_as_soon_as_a_place_frees(monkeypatch):
    monkeypatch.setenv("GANS_MAX_HEAVY_CALLS", "1")
    monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "60")
    inside, leave, order = threading.Event(), threading.Event(), []

    def first():
        with budget.heavy_call():
            order.append("first in")
            inside.set()
            leave.wait(60)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(60)
    threading.Timer(0.2, leave.set).start()
    with budget.heavy_call():  # waits (less than its 60 s) for the first to leave, instead of failing
        order.append("second in")
    thread.join(60)
    assert order == ["first in", "first out", "second in"]


def test_an_entry_point_calling_another_counts_once(translator, colorizer, generator, monkeypatch):
    monkeypatch.setenv("GANS_MAX_HEAVY_CALLS", "1")
    monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "0.1")
    assert translate_file(translator, encoded(noise(20, 12))).output.size == (20, 12)
    assert colorize_file(colorizer, encoded(noise(20, 12))).output.size == (20, 12)
    with budget.heavy_call():
        assert len(explore.walk_strip(generator, 0, 1, frames=3)[0]) == 3
    assert budget.running_heavy_calls() == 0


def test_a_refused_or_failed_call_gives_its_place_back(translator, monkeypatch):
    monkeypatch.setenv("GANS_MAX_HEAVY_CALLS", "1")
    monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "0.1")
    monkeypatch.setenv("GANS_MAX_TILES", "4")
    with pytest.raises(Exception):
        translate_file(translator, b"not an image")
    with pytest.raises(BudgetError):
        translate_picture(translator, noise(100, 100), tile=16, overlap=0)  # 49 tiles > a limit of 4
    assert budget.running_heavy_calls() == 0
    assert translate_picture(translator, noise(8, 8)).output.size == (8, 8)


# ---- the command line --------------------------------------------------------------------------------------------
def test_sample_over_the_limit_is_one_error_line_and_exit_2_before_loading_anything(tmp_path, capsys):
    # The run does not exist: the budget is checked before the model is loaded.
    code = main(["sample", str(tmp_path / "no-such-run"), "-n", "100000", "-o", str(tmp_path / "grid.png")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == ("error: 100,000 images were asked for; this server allows at most 1,024 per request "
                   "(GANS_MAX_SAMPLES); ask for fewer")
    assert not (tmp_path / "grid.png").exists()


def test_interpolate_over_the_frame_limit_is_refused_and_the_variable_raises_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GANS_MAX_SAMPLES", "8")
    code = main(["interpolate", str(tmp_path / "no-such-run"), "--seeds", "0", "1", "--frames", "9",
                 "-o", str(tmp_path / "walk.gif")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: 9 frames were asked for") and "GANS_MAX_SAMPLES" in err
    monkeypatch.setenv("GANS_MAX_SAMPLES", "9")
    assert main(["interpolate", str(tmp_path / "no-such-run"), "--seeds", "0", "1", "--frames", "9",
                 "-o", str(tmp_path / "walk.gif")]) == 2
    assert "GANS_MAX_SAMPLES" not in capsys.readouterr().err  # past the budget: now the missing run is the error
