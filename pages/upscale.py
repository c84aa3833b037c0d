"""Upscale: make an uploaded photo 2 or 4 times larger with a super-resolution checkpoint.

Widgets → ``gans.upscale.upscale_file`` → side-by-side crops (bicubic vs the model at the same zoom) / download.
The model is cached per checkpoint; each upscale is cached by (model, upload digest), so moving the zoom does
not recompute it.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans import upscale as task
from gans.catalog import grid_rows
from gans.images import png_bytes
from studio.common import KEEP, image_uploader, load_checkpoint_of, pick_checkpoint, upload_or_example
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

TASK = task.TASK
PREVIEW_SIDE = 1024  # the whole result is shown at most this large; the zoom and the download are full size


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner="Upscaling…")
def upscaling(_model, model_key, upload_digest: str, _data: bytes) -> dict:
    """One upload upscaled: the results as PIL images (bicubic and model, full size), a preview, the full-size PNG
    to download, the sizes and the tiling message. A shared resource, not copied on every rerun (a ×4 result is
    tens of megabytes) and never changed by a reader. Errors propagate to the page."""
    result = task.upscale_file(_model, _data)
    preview = result.output.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    # The download is encoded fast: a ×4 result is often 12 megapixels, 2.9 s at PNG's default level, 0.7 s at 1.
    return {"result": result, "preview": png_bytes(preview), "download": png_bytes(result.output, compress_level=1),
            "input_size": result.input.size, "size": result.output.size, "message": result.report.message}


@st.cache_data(max_entries=4, show_spinner=False)
def held_out_examples(scale: int) -> list[tuple[str, bytes]]:
    """(file name, PNG) of the held-out photos made ``scale`` times smaller (``gans.upscale``)."""
    return [(f"{name}-small.png", png_bytes(picture)) for name, picture in task.held_out_examples(scale)]


# ---- the upscaler ----------------------------------------------------------------------------------------------
def side_by_side(result, name: str) -> None:
    """The same square of the bicubic and the model upscale, at the same zoom; a zoom and position control."""
    st.subheader("Bicubic vs the model, pixel for pixel")
    side_col, x_col, y_col = st.columns(3)
    side = side_col.select_slider("Zoom: square side (output px)", task.ZOOM_SIDES, value=task.ZOOM_SIDES[1],
                                  key="upscale_zoom", persist_state=KEEP,
                                  help="A smaller square is shown larger: fewer output pixels on the same screen.")
    x = x_col.slider("Left ↔ right (%)", 0, 100, 50, key="upscale_x", persist_state=KEEP)
    y = y_col.slider("Top ↕ bottom (%)", 0, 100, 50, key="upscale_y", persist_state=KEEP)
    bicubic, upscaled = task.zoomed(result, (x / 100, y / 100), side)
    left, right = st.columns(2)
    left.image(png_bytes(bicubic), caption=f"Bicubic interpolation ({bicubic.width}×{bicubic.height} px crop)",
               width="stretch")
    right.image(png_bytes(upscaled), caption=f"The model ({upscaled.width}×{upscaled.height} px crop of {name})",
                width="stretch")


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
    try:
        view = upscaling(model, model_key, hashlib.sha256(data).hexdigest(), data)
    except gans.GansError as error:  # not an image, truncated, too large, the server is busy...
        st.error(str(error))
        return
    if view["message"]:
        st.info(view["message"])
    (in_width, in_height), (width, height) = view["input_size"], view["size"]
    side_by_side(view["result"], name)
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

source, from_hub = pick_checkpoint(TASK, task.MODEL_NOUN)
try:
    model, checkpoint = load_checkpoint_of(TASK, source, from_hub)
    st.markdown(task.upscaler_facts(model, checkpoint))
    latest = checkpoint.latest_grid
    if latest is not None:
        with st.expander("What it learned: upscales of training crops"):
            st.image(str(latest), caption=f"rows: {grid_rows(checkpoint)}")
    upscaler(model, (source, checkpoint.modified))
except gans.GansError as error:
    st.error(str(error))
