"""Upscale: make an uploaded photo 2 or 4 times larger with a super-resolution checkpoint.

Widgets → ``gans.tasks.upscale.upscale_file`` → side-by-side crops (bicubic vs the model at the same zoom) / download.
The model is cached per checkpoint; each upscale is cached by (model, upload digest), so moving the zoom does
not recompute it. Only PNG bytes are kept (never pictures), for the last ``KEPT_RESULTS`` uploads of all visitors
together: at most about 2 × 3 bytes × ``GANS_MAX_PIXELS`` (≈ 160 MB at the default), whatever the traffic.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.io.images import png_bytes
from gans.tasks import upscale as task
from studio.common import KEEP, image_uploader, plain, upload_or_example
from studio.shell import ensure_shell
from studio.tool_page import tool_page

ensure_shell()  # a fresh server's first deep link runs this page outside the router

TASK = task.TASK
PREVIEW_SIDE = 1024  # the whole result is shown at most this large; the zoom and the download are full size
KEPT_RESULTS = 2  # upscales kept for reruns (PNG bytes: up to 3 bytes a result pixel for a photo, often far less)


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=KEPT_RESULTS, show_spinner="Upscaling…")
def upscaling(_model, model_key, upload_digest: str, _data: bytes) -> dict:
    """One upload upscaled, as bytes only: the full-size PNG to download (also what the zoom cuts from), a
    preview, the sizes and the tiling message. A shared resource, not copied on every rerun, never changed by a
    reader; the pictures themselves (about 8 bytes a result pixel with bicubic) are freed. Errors propagate."""
    result = task.upscale_file(_model, _data)
    preview = result.output.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    # The download is encoded fast: a ×4 result is often 12 megapixels, 2.9 s at PNG's default level, 0.7 s at 1.
    return {"preview": png_bytes(preview), "download": png_bytes(result.output, compress_level=1),
            "input_size": result.input.size, "size": result.output.size, "message": result.report.message}


@st.cache_data(max_entries=8, show_spinner=False)
def zoom_squares(model_key, upload_digest: str, _data: bytes, _result_png: bytes, center: tuple, side: int):
    """(bicubic PNG, model PNG) of one zoomed square (``gans.tasks.upscale.zoomed_png``): at most 512² px each."""
    bicubic, upscaled = task.zoomed_png(_data, _result_png, center, side)
    return png_bytes(bicubic), png_bytes(upscaled), bicubic.size


@st.cache_data(max_entries=4, show_spinner=False)
def held_out_examples(scale: int) -> list[tuple[str, bytes]]:
    """(file name, PNG) of the held-out photos made ``scale`` times smaller (``gans.tasks.upscale``)."""
    return [(f"{name}-small.png", png_bytes(picture)) for name, picture in task.held_out_examples(scale)]


# ---- the upscaler ----------------------------------------------------------------------------------------------
def side_by_side(view: dict, model_key: tuple, digest: str, data: bytes, name: str) -> None:
    """The same square of the bicubic and the model upscale, at the same zoom; a zoom and position control."""
    st.subheader("Bicubic vs the model, pixel for pixel")
    side_col, x_col, y_col = st.columns(3)
    side = side_col.select_slider("Zoom: square side (output px)", task.ZOOM_SIDES, value=task.ZOOM_SIDES[1],
                                  key="upscale_zoom", persist_state=KEEP,
                                  help="A smaller square is shown larger: fewer output pixels on the same screen.")
    x = x_col.slider("Left ↔ right (%)", 0, 100, 50, key="upscale_x", persist_state=KEEP)
    y = y_col.slider("Top ↕ bottom (%)", 0, 100, 50, key="upscale_y", persist_state=KEEP)
    bicubic, upscaled, (width, height) = zoom_squares(model_key, digest, data, view["download"],
                                                      (x / 100, y / 100), side)
    left, right = st.columns(2)
    left.image(bicubic, caption=f"Bicubic interpolation ({width}×{height} px crop)", width="stretch")
    right.image(upscaled, caption=f"The model ({width}×{height} px crop of {plain(name)})", width="stretch")


def upscaler(model, model_key: tuple) -> None:
    scale = model.output_scale
    controls, _ = st.columns([2, 1])
    with controls:
        upload = image_uploader(f"Image to make {scale}× larger (any size: PNG, JPEG, BMP, GIF, WebP or TIFF)",
                                TASK)
    examples = [] if upload is not None else held_out_examples(scale)
    picked = upload_or_example(
        upload, TASK, examples, "Held-out photo", [name.removesuffix("-small.png") for name, _ in examples],
        f"No photo at hand? Pick a held-out photo made {scale}× smaller, and see how much of it the model brings "
        "back, or upload your own.", "Upload a photo to upscale it.")
    if picked is None:
        return
    name, data = picked
    digest = hashlib.sha256(data).hexdigest()
    try:
        view = upscaling(model, model_key, digest, data)
        if view["message"]:
            st.info(view["message"])
        side_by_side(view, model_key, digest, data, name)
    except gans.GansError as error:  # not an image, truncated, too large, the server is busy...
        st.error(str(error))
        return
    (in_width, in_height), (width, height) = view["input_size"], view["size"]
    st.image(view["preview"], caption=f"The whole result: {in_width}×{in_height} px → {width}×{height} px "
                                      "(shown smaller; the download is full size)")
    stem = name.rsplit(".", 1)[0]
    st.download_button(f"Download the ×{scale} result (PNG, {width}×{height})", view["download"],
                       file_name=f"{stem}-x{scale}.png", mime="image/png", on_click="ignore",
                       key="upscale_download", icon=":material/download:")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Upscale")
st.caption(f"Make a photo larger with a super-resolution {task.MODEL_NOUN} "
           f"({' or '.join(gans.list_models(task=TASK))}): output exactly ×2 or ×4 the input's size, compared with "
           "plain bicubic interpolation at the same zoom.")

tool_page(TASK, task.MODEL_NOUN, "upscales of training crops", task.upscaler_facts,
          lambda model, model_key, _: upscaler(model, model_key))
