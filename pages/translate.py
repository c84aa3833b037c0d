"""Translate: run a Pix2Pix or CycleGAN checkpoint on an uploaded image of any size.

Widgets → ``gans.translate.translate_file`` → ``st.image`` / download. The model is cached per checkpoint; each
translation is cached by (model, upload, direction, tiling), so other widgets' reruns do not recompute it.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.catalog import CheckpointInfo
from gans.images import png_bytes
from gans.models.translation import DIRECTIONS
from studio.common import load_picked, pick_task_checkpoint, task_checkpoint_choices
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

KEEP = "session"  # widget values survive a visit to another page
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"]
TILE_CHOICES = ["auto", 256, 512, 1024]
EXAMPLES = 8  # held-out examples offered for a checkpoint whose dataset is on this machine


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_data(max_entries=16, show_spinner="Translating…")
def translation(_model, model_key, upload_digest: str, data: bytes, direction: str, tile):
    """(input PNG, output PNG, tiling message, output size) for one upload; errors propagate to the page."""
    from gans.translate import translate_file

    result = translate_file(_model, data, direction, tile=None if tile == "auto" else int(tile))
    return png_bytes(result.input), png_bytes(result.output), result.report.message, result.output.size


@st.cache_data(max_entries=8, show_spinner=False)
def held_out_examples(data_name: str, direction: str, image_size: int) -> list[bytes]:
    """A few held-out inputs from the run's own dataset (its test split), as PNGs at the model's size: something
    to try when you have no image of that domain at hand. Empty when the data is not on this machine."""
    from PIL import Image

    from gans.data import load_dataset
    from gans.images import to_pil

    try:
        data = load_dataset(data_name, split="test", download=False)
    except (gans.GansError, OSError):
        return []
    images = data.a if direction == "a2b" else data.b
    pictures = []
    for image in images[:EXAMPLES]:
        picture = to_pil(image.permute(1, 2, 0).numpy())
        pictures.append(png_bytes(picture.resize((image_size, image_size), Image.Resampling.BICUBIC)))
    return pictures


# ---- picking a checkpoint --------------------------------------------------------------------------------------
def pick_checkpoint() -> tuple[str, bool]:
    """The picked run folder or Hub repo id, and whether it is a Hub id; stops the page while there is none."""
    choices = task_checkpoint_choices("translate", "translate", "image-to-image model")
    if not choices:
        st.info("No image-to-image checkpoints yet. Train a pix2pix or cyclegan model on the Train page, or from a "
                "terminal: `python -m gans train pix2pix --data edges2fashion --image-size 32`. You can also "
                "load one from the Hugging Face Hub.")
    return pick_task_checkpoint(choices, "translate", "user/my-pix2pix")


def direction_label(direction: str, info: CheckpointInfo) -> str:
    """"A → B", or with the domains' names when the run recorded them ("sneaker → ankle boot")."""
    if len(info.domains) == 2:
        a, b = info.domains
        return f"{a} → {b}" if direction == "a2b" else f"{b} → {a}"
    return DIRECTIONS[direction]


def model_facts(model, info: CheckpointInfo) -> str:
    a_channels, b_channels = model.channels("a2b")
    colours = {1: "gray", 3: "RGB"}
    return (f"**{info.architecture}** · data **{info.data}** · **{info.step:,}** steps · trained on "
            f"**{info.image_size}×{info.image_size}** px crops · {colours[a_channels]} → {colours[b_channels]}")


# ---- the translator --------------------------------------------------------------------------------------------
def translator(model, model_key: tuple, info: CheckpointInfo) -> None:
    controls, _ = st.columns([2, 1])
    with controls:
        direction = "a2b"
        if len(model.directions) > 1:
            direction = st.radio("Direction", model.directions, horizontal=True, key="translate_direction",
                                 persist_state=KEEP, format_func=lambda d: direction_label(d, info))
        upload = st.file_uploader("Image (any size: PNG, JPEG, BMP, GIF, WebP or TIFF)", type=UPLOAD_TYPES,
                                  key="translate_upload")
        tile = st.selectbox("Tiling", TILE_CHOICES, key="translate_tile", persist_state=KEEP,
                            format_func=lambda t: "automatic (large images only)" if t == "auto" else f"{t} px tiles",
                            help="Large images are processed in overlapping tiles so memory stays bounded; "
                                 "the result says when that happened.")
    data = upload.getvalue() if upload is not None else None
    name = upload.name if upload is not None else None
    if data is None:
        examples = held_out_examples(info.data, direction, info.image_size)
        if not examples:
            st.info("Upload an image to translate it.")
            return
        st.caption(f"No image at hand? Pick one of {info.data}'s held-out test images, or upload your own.")
        index = st.radio("Held-out example", range(len(examples)), horizontal=True, key="translate_example",
                         format_func=lambda i: f"#{i + 1}")
        data, name = examples[index], f"{info.data}-test-{index + 1}.png"

    digest = hashlib.sha256(data).hexdigest()
    try:
        input_png, output_png, message, (width, height) = translation(model, model_key, digest, data, direction, tile)
    except gans.GansError as error:  # not an image, truncated, too large, a bad tile size...
        st.error(str(error))
        return
    if message:
        st.info(message)
    left, right = st.columns(2)
    left.image(input_png, caption=f"Input ({name})", width="stretch")
    right.image(output_png, caption=f"Output: {direction_label(direction, info)} · {width}×{height} px",
                width="stretch")
    stem = (name or "image").rsplit(".", 1)[0]
    st.download_button("Download the result (PNG)", output_png, file_name=f"{stem}-{info.architecture}-{direction}.png",
                       mime="image/png", on_click="ignore", key="translate_download", icon=":material/download:")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Translate")
st.caption("Turn an image from one domain into another with a Pix2Pix or CycleGAN model, at the image's own size.")

source, from_hub = pick_checkpoint()
try:
    model, checkpoint = load_picked(source, from_hub)
    if checkpoint.task != "translate":
        where = "the Colorize page" if checkpoint.task == "colorize" else "the Explore page (it generates from noise)"
        st.error(f"{source} holds a {checkpoint.architecture} model: open it on {where}. "
                 "Translate needs a pix2pix or cyclegan checkpoint.")
        st.stop()
    st.markdown(model_facts(model, checkpoint))
    latest = checkpoint.latest_grid
    if latest is not None:
        with st.expander("What it learned: translations of training inputs"):
            st.image(str(latest), caption=("rows: input, output, target" if len(model.directions) == 1
                                           else "rows: A, A → B, B, B → A"))
    translator(model, (source, checkpoint.modified), checkpoint)
except gans.GansError as error:
    st.error(str(error))
