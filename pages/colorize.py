"""Colorize: colour a gray (or colour) photo of any size with a colorizer checkpoint.

Widgets → ``gans.colorize.colorize_file`` → ``st.image`` / download / metrics table. The model is cached per
checkpoint; each colorization is cached by (model, upload digest, render size), so other widgets' reruns do not
recompute it. The network runs at the render size; the colour goes back onto the photo's full-resolution lightness,
so the download has the upload's own size.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.catalog import CheckpointInfo
from gans.colorize import DEFAULT_RENDER_SIZE
from gans.images import png_bytes
from studio.common import COLORIZE_ROWS, load_picked, pick_task_checkpoint, task_checkpoint_choices
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

KEEP = "session"  # widget values survive a visit to another page
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"]
RENDER_SIZES = (128, 512, 32)  # slider min, max, step
PREVIEW_SIDE = 1024  # pictures on the page are at most this large; the download keeps the full size
EXAMPLE_DATA = "offline-photos"
METRIC_ROWS = {"colorizer": "colorizer", "zero chroma (gray)": "baseline: zero chroma (gray)",
               "mean training chroma": "baseline: mean training chroma", "original": "original photo"}
TRAIN_COMMAND = "python -m gans train colorizer --data offline-photos"


# ---- cached work -----------------------------------------------------------------------------------------------
def preview(picture) -> bytes:
    """A PNG of ``picture`` no larger than ``PREVIEW_SIDE`` (a 40 MP photo is not sent to the browser three times)."""
    if max(picture.size) > PREVIEW_SIDE:
        picture = picture.copy()
        picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return png_bytes(picture)


@st.cache_data(max_entries=8, show_spinner="Colouring…")
def colorization(_model, model_key, upload_digest: str, _data: bytes, render_size: int) -> dict:
    """One upload coloured at ``render_size``: previews (PNGs at most ``PREVIEW_SIDE``: gray, output, and original
    for a colour upload, else None), the full-size PNG to download, the output size and the render size, and the
    metrics rows of ``gans.colorize`` (empty for a gray upload). A plain dict: st.cache_data pickles it, and a class
    defined in a page script cannot be pickled. The upload is keyed by its digest (not hashed again on every rerun);
    errors (not an image, truncated, too large...) propagate to the page."""
    from gans.colorize import colorize_file

    result = colorize_file(_model, _data, render_size=render_size)
    return {"gray": preview(result.gray), "output": preview(result.output),
            "original": preview(result.original) if result.was_colour else None,
            "download": png_bytes(result.output), "size": tuple(result.output.size),
            "render_size": tuple(result.render_size), "metrics": result.metrics}


@st.cache_data(max_entries=1, show_spinner=False)
def held_out_photos() -> list[tuple[str, bytes]]:
    """(name, PNG) of the offline-photos test split, photos no colorizer trained on offline-photos has seen: something
    to try when you have no photo at hand. Empty when those photos are not on this machine."""
    from PIL import Image

    from gans.data import load_dataset

    try:
        data = load_dataset(EXAMPLE_DATA, split="test", download=False)
    except (gans.GansError, OSError):
        return []
    return [(name.rsplit("/", 1)[-1].rsplit(".", 1)[0], png_bytes(Image.fromarray(photo.permute(1, 2, 0).numpy())))
            for name, photo in zip(data.names, data.photos)]


# ---- picking a checkpoint --------------------------------------------------------------------------------------
def pick_checkpoint() -> tuple[str, bool]:
    """The picked run folder or Hub repo id, and whether it is a Hub id; stops the page while there is none."""
    choices = task_checkpoint_choices("colorize", "colorize", "colorizer model")
    if not choices:
        st.info("No colorizer checkpoints yet. Train one on the Train page (model colorizer), or from a terminal: "
                f"`{TRAIN_COMMAND}` (or `--data photo-folder --data-path my-photos/` for your own colour "
                "photos). You can also load one from the Hugging Face Hub.", icon=":material/palette:")
    return pick_task_checkpoint(choices, "colorize", "user/my-colorizer")


def wrong_task_message(source: str, info: CheckpointInfo) -> str:
    """Where a checkpoint that is not a colorizer belongs instead."""
    if info.task == "translate":
        where = "an image-to-image model: open it on the Translate page"
    else:
        where = "a model that generates images from noise: open it on the Explore page"
    return f"{source} holds a {info.architecture} model, {where}. Colorize needs a colorizer checkpoint."


def model_facts(info: CheckpointInfo) -> str:
    return (f"**{info.architecture}** · data **{info.data}** · **{info.step:,}** steps · trained on "
            f"**{info.image_size}×{info.image_size}** px crops · gray → colour")


# ---- the colorizer ---------------------------------------------------------------------------------------------
def metrics_table(metrics: dict[str, dict[str, float]]) -> None:
    import pandas as pd

    table = pd.DataFrame([{"result": METRIC_ROWS.get(name, name), "PSNR (dB)": values.get("psnr"),
                           "SSIM": values.get("ssim"), "colourfulness": values.get("colorfulness")}
                          for name, values in metrics.items()])  # the original's missing PSNR, SSIM: NaN
    st.subheader("How close to the original?")
    # st.table, not st.dataframe: it shows the original's missing PSNR and SSIM as "–" (st.dataframe says "None").
    st.table(table.style.format({"PSNR (dB)": "{:.2f}", "SSIM": "{:.3f}", "colourfulness": "{:.1f}"}, na_rep="–")
             .hide(axis="index"))
    st.caption("Higher PSNR and SSIM mean closer to your original; the colorizer helps where it beats both "
               "baselines (the same lightness with no colour, or with the training photos' average colour), and a "
               "colourfulness near the original's means its colours are neither washed out nor overdone.")


def colorizer(model, model_key: tuple) -> None:
    controls, _ = st.columns([2, 1])
    with controls:
        upload = st.file_uploader("Photo, gray or colour (any size: PNG, JPEG, BMP, GIF, WebP or TIFF)",
                                  type=UPLOAD_TYPES, key="colorize_upload")
        low, high, step = RENDER_SIZES
        render_size = st.slider(
            "Render size (px)", low, high, DEFAULT_RENDER_SIZE, step, key="colorize_render_size", persist_state=KEEP,
            help="The network colours a copy of the photo whose longer side is this many pixels (never more than "
                 "the photo's own). Its colour is then enlarged and put back onto the photo's full-resolution "
                 "lightness, so the result keeps every detail at the original size. Larger sizes see finer "
                 "structure but take longer; the network's work does not grow with the photo's size.")
    data = upload.getvalue() if upload is not None else None
    name = upload.name if upload is not None else None
    if data is None:
        examples = held_out_photos()
        if not examples:
            st.info("Upload a photo to colour it: a gray one to bring it to colour, or a colour one to see how close "
                    "the colorizer gets to the original.")
            return
        st.caption(f"No photo at hand? Try one of {EXAMPLE_DATA}' held-out test photos (never used for training), "
                   "or upload your own.")
        names = [example_name for example_name, _ in examples]
        index = st.radio("Held-out photo", range(len(examples)), horizontal=True, key="colorize_example",
                         format_func=lambda i: names[i])
        name, data = f"{names[index]}.png", examples[index][1]

    digest = hashlib.sha256(data).hexdigest()
    try:
        result = colorization(model, model_key, digest, data, int(render_size))
    except gans.GansError as error:  # not an image, truncated, too large, empty...
        st.error(str(error))
        return
    (width, height), (render_width, render_height) = result["size"], result["render_size"]
    sizes = f"{width}×{height} px · network at {render_width}×{render_height} px"
    pictures = [(result["gray"], f"Gray input ({name})"), (result["output"], f"Colorized · {sizes}")]
    if result["original"] is not None:
        pictures.append((result["original"], "Original"))
    for column, (picture, caption) in zip(st.columns(len(pictures)), pictures):
        column.image(picture, caption=caption, width="stretch")
    stem = (name or "photo").rsplit(".", 1)[0]
    st.download_button(f"Download the result ({width}×{height} PNG)", result["download"],
                       file_name=f"{stem}-colorized.png", mime="image/png", on_click="ignore",
                       key="colorize_download", icon=":material/download:")
    if result["metrics"]:
        metrics_table(result["metrics"])
    else:
        st.caption("A gray photo has no original colour to compare with; upload a colour photo to see PSNR, SSIM "
                   "and colourfulness against it.")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Colorize")
st.caption("Bring gray photos to colour with a colorizer model, at the photo's own resolution.")

source, from_hub = pick_checkpoint()
try:
    model, checkpoint = load_picked(source, from_hub)
    if getattr(model, "task", checkpoint.task) != "colorize":
        st.error(wrong_task_message(source, checkpoint))
        st.stop()
    st.markdown(model_facts(checkpoint))
    latest = checkpoint.latest_grid
    if latest is not None:
        with st.expander("What it learned: colorizations of training crops"):
            st.image(str(latest), caption=f"rows: {COLORIZE_ROWS}")
    colorizer(model, (source, checkpoint.modified))
except gans.GansError as error:
    st.error(str(error))
