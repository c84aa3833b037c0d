"""A model loaded for inference is shared by every Streamlit session (threads of one process): it is in eval mode
from the load on, and concurrent callers get exactly the single caller's pixels and leave the model unchanged."""

import io
import threading

import numpy as np
import pytest
import torch
from PIL import Image

import gans
from gans.tasks.colorize import colorize_file
from gans.tasks.translate import translate_file
from gans.views.catalog import shipped_dir

THREADS, CALLS = 4, 3


def photo_bytes(side: int = 192) -> bytes:
    """A colourful test picture (gradients and a disc), as PNG bytes."""
    y, x = np.mgrid[0:side, 0:side]
    rgb = np.stack([x * 255 // side, y * 255 // side, ((x - side / 2) ** 2 + (y - side / 2) ** 2 < (side / 3) ** 2)
                    * 200], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


CALLERS = {
    "pix2pix-edges2fashion": lambda model, data: np.asarray(translate_file(model, data).output),
    "colorizer-offline-photos": lambda model, data: np.asarray(colorize_file(model, data, 192, False).output),
    "dcgan-fashion-mnist": lambda model, data: model.sample(16, seed=3).numpy(),
}


def test_a_loaded_model_is_in_eval_mode_everywhere():
    model = gans.load(shipped_dir() / "pix2pix-edges2fashion")
    assert not model.training and not any(module.training for module in model.modules())


@pytest.mark.parametrize("name", CALLERS)
def test_four_concurrent_callers_get_the_single_caller_s_output_and_change_nothing(name):
    call, data = CALLERS[name], photo_bytes()
    expected = call(gans.load(shipped_dir() / name), data)  # a model of its own, one caller
    shared = gans.load(shipped_dir() / name)
    before = {key: value.clone() for key, value in shared.state_dict().items()}
    outputs, errors = [], []
    start = threading.Barrier(THREADS)

    def worker():
        try:
            start.wait()
            for _ in range(CALLS):
                outputs.append(call(shared, data))
        except Exception as error:  # noqa: BLE001  reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(outputs) == THREADS * CALLS
    assert all(np.array_equal(output, expected) for output in outputs), "a concurrent call gave other pixels"
    assert np.array_equal(call(shared, data), expected), "a later single call differs"
    after = shared.state_dict()
    assert all(torch.equal(before[key], after[key]) for key in before), "the calls changed the model's state"
