"""Test helpers: tiny models so the whole suite stays fast on 2 CPU cores, page openers, downloads."""

import contextlib
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
import streamlit.testing.v1.app_test as app_test
import torch
from PIL import Image
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

import gans
from gans.training import DataConfig, TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]  # the repository

# Shrinking arguments understood by the model families; any registered model that takes one of them is tiny.
SHRINK = {"width": 4, "hidden": 8, "latent_dim": 8, "embed_dim": 4}


def tiny_cfg(**overrides) -> TrainConfig:
    """A short CPU run of a tiny model: 20 steps of 8, a log line every 5 steps, grids and checkpoints every 10."""
    values = dict(steps=20, batch_size=8, seed=3, device="cpu", log_every=5, sample_every=10, checkpoint_every=10,
                  num_samples=16)
    values.update(overrides)
    return TrainConfig(**values)


def tiny_kwargs(name: str, **overrides) -> dict:
    """Arguments that make the registered model ``name`` tiny (reads the model's own config keys)."""
    keys = gans.create(name).config().keys()
    kwargs = {key: value for key, value in SHRINK.items() if key in keys}
    kwargs.update(overrides)
    return kwargs


def tiny_model(name: str, seed: int = 0, **overrides):
    torch.manual_seed(seed)
    return gans.create(name, **tiny_kwargs(name, **overrides))


def random_photos(folder: Path, count: int = 4) -> Path:
    """``count`` small random-colour PNGs (at least 32 px, as photo-folder needs) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        pixels = rng.integers(0, 256, (40 + 8 * index, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"photo-{index}.png")
    return folder


def train_tiny_colorizer(out: Path, photos: Path, **settings) -> Path:
    """A 2-step colorizer (width 4, 32 px crops; colour hints unless ``hints=False``) on the photos in
    ``photos``, with a sample grid."""
    train("colorizer", DataConfig("photo-folder", str(photos)),
          TrainConfig(steps=2, batch_size=2, device="cpu", sample_every=2, num_samples=2), out,
          {"width": 4, "image_size": 32, **settings})
    return out


def train_tiny_upscaler(out: Path, photos: Path, **settings) -> Path:
    """A 2-step ×4 srgan (width 4, one residual block, 32 px crops) on the photos in ``photos``, with a sample grid
    and an output convolution made non-zero, so that its upscale differs from bicubic interpolation."""
    train("srgan", DataConfig("photo-folder", str(photos)),
          TrainConfig(steps=2, batch_size=2, device="cpu", sample_every=2, num_samples=2), out,
          {"width": 4, "blocks": 1, "d_width": 4, "image_size": 32, "pretrain_steps": 1, **settings})
    model = gans.load(out)
    torch.manual_seed(0)
    torch.nn.init.normal_(model.generator.tail.weight, std=0.1)
    model.save_pretrained(out)
    return out


# ---- the work budget on an upload page (Translate, Colorize) --------------------------------------------------
@contextlib.contextmanager
def the_only_heavy_call_held_elsewhere(monkeypatch):
    """Inside: the server allows one heavy call (``GANS_MAX_HEAVY_CALLS=1``, a 0.2 s wait) and another thread
    holds it, so a heavy request here is told the server is busy."""
    from gans.ops import budget

    monkeypatch.setenv("GANS_MAX_HEAVY_CALLS", "1")
    monkeypatch.setenv("GANS_BUSY_WAIT_SECONDS", "0.2")
    inside, leave = threading.Event(), threading.Event()

    def other_request():
        with budget.heavy_call():
            inside.set()
            leave.wait(60)

    other = threading.Thread(target=other_request)
    other.start()
    try:
        assert inside.wait(60)
        yield
    finally:
        leave.set()
        other.join(60)


def check_budget_and_busy_messages(open_page, upload, picture, caption_of, noun: str, monkeypatch) -> None:
    """An upload page (``open_page()``; ``upload(app, name, bytes)``; ``picture(w, h)`` PNG bytes;
    ``caption_of(app)`` the output's caption) shows an over-budget image and a busy server as one clear line each,
    and the next try works: nothing refused is cached."""
    monkeypatch.setenv("GANS_MAX_PIXELS", "2000")
    app = upload(open_page(), "big.png", picture(50, 50))
    assert not app.exception and len(app.error) == 1
    message = app.error[0].value
    assert message.startswith(f"The {noun} is 50×50 = 2,500 pixels; this server allows at most 2,000 pixels "
                              "per request (GANS_MAX_PIXELS)")
    assert "\n" not in message and "Traceback" not in message
    app = upload(app, "small.png", picture(40, 40))
    assert not app.exception and not app.error and "40×40 px" in caption_of(app)
    monkeypatch.delenv("GANS_MAX_PIXELS")

    with the_only_heavy_call_held_elsewhere(monkeypatch):
        app = upload(open_page(), "busy.png", picture(41, 37))
        assert not app.exception and len(app.error) == 1
        assert app.error[0].value == ("the server is busy with 1 other request; try again in a moment (it runs at "
                                      "most 1 at once: GANS_MAX_HEAVY_CALLS)")
    app.run()  # the refusal was not cached: trying again works
    assert not app.exception and not app.error and "41×37 px" in caption_of(app)


# ---- pages --------------------------------------------------------------------------------------------------
def page_opener(path):
    """``open_page(**session)``: the page at ``path`` run once in AppTest, with these session-state values."""
    from streamlit.testing.v1 import AppTest

    def open_page(**session):
        app = AppTest.from_file(str(path), default_timeout=120)
        for key, value in session.items():
            app.session_state[key] = value
        return app.run()

    return open_page


def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    """``image`` saved in ``fmt`` (with PIL's save ``options``), as bytes (an upload)."""
    import io

    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.fixture
def media(monkeypatch) -> list:
    """Every media store AppTest makes, so that a download's bytes can be read back by its URL."""
    stores = []

    class Recorded(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recorded)
    return stores


def downloaded_bytes(page, key: str, stores: list) -> bytes:
    """The bytes of the download button whose key contains ``key``, read from the media stores of ``media``."""
    button = next(element for element in page.get("download_button") if key in element.proto.id)
    name = button.proto.url.rsplit("/", 1)[-1]
    for store in reversed(stores):
        try:
            return bytes(store.get_file(name).content)
        except Exception:  # noqa: BLE001  not in this run's store
            continue
    raise AssertionError(f"no media file {name}")


# ---- anomaly detection (gans.tasks.detect) ---------------------------------------------------------------------------
ANOMALY_NORMAL_CLASS = 1  # trousers: the normal class of the tiny detector the tests train


def train_tiny_anomaly(out: Path, steps: int = 150) -> Path:
    """A small anomaly detector (width 8, latent 8) trained ``steps`` steps on the embedded subset's trousers (540
    training images; the last 60 are held out for its threshold), with a sample grid: about 3 s on one CPU thread.
    One thread: these small convolutions gain nothing from two, and two threads on a busy 2-core machine wait on
    each other (100 s instead of 3 s when measured beside another job)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train("anomaly", DataConfig("fashion-mnist-mini"),
              TrainConfig(steps=steps, batch_size=32, device="cpu", sample_every=steps, checkpoint_every=steps,
                          precision="fp32"),
              out, {"width": 8, "latent_dim": 8, "normal_class": ANOMALY_NORMAL_CLASS})
    finally:
        torch.set_num_threads(threads)
    return out


def mini_images(label: int, heldout_only: bool = False) -> list[Image.Image]:
    """The embedded subset's images of class ``label`` as PIL images (``heldout_only``: the last tenth, which an
    anomaly detector of that class never trained on)."""
    from gans.data import load_dataset

    data = load_dataset("fashion-mnist-mini")
    images = data.images[data.labels == label]
    if heldout_only:
        images = images[-round(len(images) * 0.1):]
    return [Image.fromarray(image[0].numpy()) for image in images]


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder``, sorted; none when it does not exist."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def wait_until(condition, timeout: float = 120) -> bool:
    """Poll ``condition()`` every 50 ms until it holds or ``timeout`` seconds pass; its last value."""
    import time

    deadline = time.time() + timeout
    while time.time() < deadline and not condition():
        time.sleep(0.05)
    return condition()
