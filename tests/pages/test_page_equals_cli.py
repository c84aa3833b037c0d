"""What the Translate and Colorize pages offer for download is the command line's output file, byte for byte, for
the same input and settings (issue 15: the Colorize page once gave 19.66 dB where the CLI gave 20.91 dB, because
the cached model ran in training mode). Concurrent callers: tests/test_sessions.py and tests/test_concurrency.py."""

import pytest
from streamlit.testing.v1 import AppTest

from gans.cli import main
from tests.helpers import ROOT, downloaded_bytes, media  # noqa: F401  media is a fixture
from tests.test_concurrency import photo_bytes

PAGES = {  # page → (download key, the CLI's arguments for the page's checkpoint, upload and output)
    "translate": ("translate_download", lambda checkpoint, page, source, out: [
        "translate", checkpoint, str(source), "-o", str(out)]),
    "colorize": ("colorize_download", lambda checkpoint, page, source, out: [
        "colorize", str(source), "-o", str(out), "--checkpoint", checkpoint,
        "--render-size", str(page.slider(key="colorize_render_size").value)]),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_s_download_is_the_cli_s_output_file(name, media, tmp_path, capsys):
    key, cli_args = PAGES[name]
    source = tmp_path / "photo.png"
    source.write_bytes(photo_bytes(160))
    page = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=120).run()
    page.get("file_uploader")[0].set_value(("photo.png", source.read_bytes(), "image/png")).run()
    assert not page.exception and not page.error, [error.value for error in page.error]
    checkpoint = page.selectbox(key=f"{name}_checkpoint").value
    out = tmp_path / "cli.png"
    assert main(cli_args(checkpoint, page, source, out)) == 0, capsys.readouterr().err
    assert downloaded_bytes(page, key, media) == out.read_bytes(), f"the {name} page's file differs from the CLI's"


def test_explore_s_random_grid_is_the_cli_s_sample_grid(media, tmp_path, capsys):
    """Explore's random samples and `python -m gans sample` with the same checkpoint, seed and scale: same pixels
    (the page's PNG is Streamlit's encoding, so the pixels are compared, not the bytes)."""
    import io

    import numpy as np
    from PIL import Image

    import gans
    from gans.tasks.explore import GRID_SIZE, display_scale

    page = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=120).run()
    assert not page.exception and not page.error
    checkpoint = page.selectbox(key="explore_checkpoint").value
    grid = next(image for image in page.image if f"{GRID_SIZE} samples · seed 0" in image.captions[0])
    name = grid.value[0].rsplit("/", 1)[-1]
    shown = next(bytes(store.get_file(name).content) for store in reversed(media) if _has(store, name))
    scale = display_scale(gans.load(checkpoint).config()["image_size"], target_pixels=64)
    out = tmp_path / "grid.png"
    assert main(["sample", checkpoint, "-n", str(GRID_SIZE), "--seed", "0", "--scale", str(scale), "-o", str(out)]) \
        == 0, capsys.readouterr().err
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(shown)).convert("RGB")),
                          np.asarray(Image.open(out).convert("RGB")))


def _has(store, name: str) -> bool:
    try:
        store.get_file(name)
        return True
    except Exception:  # noqa: BLE001  another run's store
        return False
