"""Memory a visitor's uploads can take, measured: each case runs a page in a fresh Python process under an
address-space cap (``resource.setrlimit(RLIMIT_AS)``), so a regression fails here instead of taking the machine
down, and reports the growth of its peak resident memory (``ru_maxrss``) or of its resident memory after each
upload. The large pictures are PNGs of one colour: a few kilobytes each, decoded to tens of megabytes."""

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import ROOT, random_photos, train_tiny_upscaler

#: the cap on each child's address space: torch and Streamlit reserve about 1.5 GB of it before any work
ADDRESS_SPACE_CAP = 4 * 2**30

CHILD_PREAMBLE = """
import gc, io, json, os, resource
from PIL import Image
from streamlit.testing.v1 import AppTest

def png(size, level):
    buffer = io.BytesIO()
    Image.new("RGB", size, (level, level, level)).save(buffer, "PNG")
    return buffer.getvalue()

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def resident_mb():
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
"""


def run_capped(code: str, **env: str) -> dict:
    """Run ``code`` (after ``CHILD_PREAMBLE``) in a child Python capped at ``ADDRESS_SPACE_CAP``; its last output
    line, JSON, as a dict. A child that runs out of its cap fails the test with its error."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))

    child_env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run([sys.executable, "-c", CHILD_PREAMBLE + textwrap.dedent(code)], cwd=ROOT, env=child_env,
                          capture_output=True, text=True, timeout=300, preexec_fn=cap)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_thirty_large_uploads_to_detect_hold_one_decoded_picture_at_a_time():
    """The probe: 30 PNGs of 73 KB, each 5000×5000 (25 megapixels, the pixel budget), scored at once on the Detect
    page. Before, every upload was decoded and held at once (+3.7 GB); now one at a time, so the peak grows by at
    most the budget's figure for one request (``gans.tasks.detect.request_bytes``, 200 MB at the default)."""
    from gans.tasks import detect

    measured = run_capped("""
        app = AppTest.from_file("pages/detect.py", default_timeout=120).run()
        before = peak_mb()
        data = png((5000, 5000), 0)
        app.get("file_uploader")[0].set_value([(f"{index}.png", data, "image/png") for index in range(30)])
        app.run()
        print(json.dumps({"growth_mb": peak_mb() - before, "errors": [e.value for e in app.error],
                          "exception": bool(app.exception), "rows": len(app.dataframe[0].value)}))
    """, GANS_CHECKPOINTS_DIR=str(ROOT / "checkpoints"))
    assert not measured["exception"] and measured["errors"] == [] and measured["rows"] == 30
    assert measured["growth_mb"] < detect.request_bytes() / 2**20, measured


@pytest.fixture(scope="module")
def upscalers(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shipped")
    train_tiny_upscaler(folder / "tiny-srgan", random_photos(tmp_path_factory.mktemp("photos")))
    return folder


def test_upscale_keeps_only_the_last_two_results(upscalers, monkeypatch):
    """Each kept result is a full upscale's PNG (a 25-megapixel result: tens of MB); before, four results were
    kept as pictures (about 8 bytes a result pixel each). Now only the last ``KEPT_RESULTS`` (2) uploads of all
    visitors stay: a third upload pushes the oldest out, so showing it again upscales it again. (Counted, not
    read from the process's resident memory, which the allocator moves by ±100 MB between runs.)"""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from gans.tasks import upscale as task
    from tests.helpers import encoded

    calls, real = [], task.upscale_file
    monkeypatch.setattr(task, "upscale_file", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    monkeypatch.setenv("GANS_CHECKPOINTS_DIR", str(upscalers))
    st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "pages" / "upscale.py"), default_timeout=120).run()

    def show(level: int) -> None:
        picture = encoded(Image.new("RGB", (40, 40), (level,) * 3))
        app.get("file_uploader")[0].set_value((f"flat-{level}.png", picture, "image/png"))
        app.run()
        assert not app.exception and not app.error, app.error

    seen, first = [], len(calls)  # the page opens on a held-out example, upscaled (and kept) too
    for level in (10, 80, 150, 80, 10):
        show(level)
        seen.append(len(calls) - first)
    assert seen == [1, 2, 3, 3, 4], seen  # 80 is one of the last two: kept; 10 was pushed out: upscaled again
    st.cache_resource.clear()
