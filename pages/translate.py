"""Translate: run an image-to-image checkpoint on an uploaded image of any size, or on a drawing.

Widgets → ``gans.tasks.translate.translate_file`` → ``st.image`` / download. The model is cached per checkpoint; each
translation is cached by (model, upload, direction, tiling), so other widgets' reruns do not recompute it. An
upload that does not look like the model's input gets a warning first (``gans.tasks.describe_input.upload_fit``); a
model that takes edge drawings gets a sketch pad (``studio.sketch``, converted by ``gans.tasks.sketch``).
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.io.images import png_bytes
from gans.tasks import describe_input, sketch, translate as task
from studio.common import KEEP, image_uploader, plain, upload_or_example
from studio.shell import ensure_shell
from studio.sketch import DRAW, fit_warning, input_choice, sketch_pad
from studio.tool_page import tool_page

ensure_shell()  # a fresh server's first deep link runs this page outside the router

TASK = task.TASK
TILE_CHOICES = ["auto", 256, 512, 1024]


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=2, show_spinner="Translating…")
def translation(_model, model_key, _info, upload_digest: str, _data: bytes, direction: str, tile, shrink: bool):
    """(input PNG, output PNG, tiling or shrinking message, output size) for one upload, shrunk like a sketch when
    ``shrink``; errors propagate. The last 2 of all visitors, bytes shared by every rerun (not copied): at most
    2 × 2 × 3 bytes × GANS_MAX_PIXELS (≈ 300 MB at the default for noise-like pictures, kilobytes for flat ones)."""
    if shrink:
        drawn = sketch.translate_sketch(_model, _info, _data, direction)
        return png_bytes(drawn.input), png_bytes(drawn.output), "", drawn.output.size
    result = task.translate_file(_model, _data, direction, tile=None if tile == "auto" else int(tile))
    return png_bytes(result.input), png_bytes(result.output), result.report.message, result.output.size


@st.cache_data(max_entries=16, show_spinner=False)
def upload_fit(model_key, _info, upload_digest: str, data: bytes, direction: str):
    """Does the upload look like the model's input (``gans.tasks.describe_input.upload_fit``)?"""
    return describe_input.upload_fit(_info, direction, data)


@st.cache_data(max_entries=16, show_spinner="Translating…")
def sketched(_model, model_key, _info, drawing_digest: str, drawing: bytes, direction: str):
    """(output PNG enlarged, model input PNG enlarged, output size) of one drawing (``gans.tasks.sketch``)."""
    drawn = sketch.translate_sketch(_model, _info, drawing, direction)
    return png_bytes(sketch.enlarge(drawn.output)), png_bytes(sketch.enlarge(drawn.input, 96)), drawn.output.size


@st.cache_data(max_entries=8, show_spinner=False)
def held_out_examples(data_name: str, direction: str, image_size: int) -> list[tuple[str, bytes]]:
    """(file name, PNG) of a few held-out inputs from the run's own dataset (``gans.tasks.translate``)."""
    pictures = task.held_out_examples(data_name, direction, image_size)
    return [(f"{data_name}-test-{number}.png", png_bytes(picture)) for number, picture in enumerate(pictures, 1)]


# ---- the translator ---------------------------------------------------------------------------------------------
def expected_input(info, direction: str, examples: list[tuple[str, bytes]]) -> None:
    """What to give the model (``gans.tasks.describe_input``), beside a held-out input of that kind if there is one."""
    text, picture = st.columns([5, 1]) if examples else (st.container(), None)
    text.info(describe_input.expected_input(info, direction), icon=":material/lightbulb:")
    if picture is not None:
        picture.image(examples[0][1], caption="For example (held out)", width="stretch")


def translator(model, model_key: tuple, info) -> None:
    def label(direction: str) -> str:
        return describe_input.direction_label(info, direction)

    controls, _ = st.columns([2, 1])
    with controls:
        direction = model.directions[0]
        if len(model.directions) > 1:
            direction = st.radio("Direction", model.directions, horizontal=True, key="translate_direction",
                                 persist_state=KEEP, format_func=label)
        examples = held_out_examples(info.data, direction, info.image_size)
        expected_input(info, direction, examples)
        if sketch.takes_sketches(info, direction) and input_choice() == DRAW:
            return sketcher(model, model_key, info, direction, label(direction))
        upload = image_uploader("Image (any size: PNG, JPEG, BMP, GIF, WebP or TIFF)", TASK)
        tile = st.selectbox("Tiling", TILE_CHOICES, key="translate_tile", persist_state=KEEP,
                            format_func=lambda t: "automatic (large images only)" if t == "auto" else f"{t} px tiles",
                            help="Large images are processed in overlapping tiles so memory stays bounded; "
                                 "the result says when that happened.")
    picked = upload_or_example(
        upload, TASK, examples, "Held-out example", [f"#{number}" for number in range(1, len(examples) + 1)],
        f"No image at hand? Pick one of {info.data}'s held-out test images, or upload your own.",
        "Upload an image to translate it.")
    if picked is None:
        return
    name, data = picked
    digest = hashlib.sha256(data).hexdigest()
    try:
        shrink = fit_warning(upload_fit(model_key, info, digest, data, direction))
        input_png, output_png, message, (width, height) = translation(model, model_key, info, digest, data,
                                                                      direction, tile, shrink)
    except gans.GansError as error:  # not an image, truncated, too large, a bad tile size...
        st.error(str(error))
        return
    if message:
        st.info(message)
    left, right = st.columns(2)
    left.image(input_png, caption=f"Input ({plain(name)})", width="stretch")
    right.image(output_png, caption=f"Output: {label(direction)} · {width}×{height} px", width="stretch")
    stem = name.rsplit(".", 1)[0]
    st.download_button("Download the result (PNG)", output_png, file_name=f"{stem}-{info.architecture}-{direction}.png",
                       mime="image/png", on_click="ignore", key="translate_download", icon=":material/download:")


def sketcher(model, model_key: tuple, info, direction: str, label: str) -> None:
    """The sketch pad beside the model's output (its small output enlarged, crisp) and what the model saw."""
    pad, shown = st.columns(2)
    with pad:
        drawing = sketch_pad()
    if drawing is None:
        shown.info("The pad is blank: draw an outline with the mouse, or start from an example.")
        return
    try:
        output_png, input_png, (width, height) = sketched(model, model_key, info, hashlib.sha256(drawing).hexdigest(),
                                                          drawing, direction)
    except gans.GansError as error:  # a drawing with (almost) no ink
        shown.error(str(error))
        return
    shown.image(output_png, caption=f"{label} · the model's {width}×{height} px output, enlarged", output_format="PNG")
    shown.image(input_png, caption=f"What the model sees: your drawing as its training edges look ({width} px)",
                output_format="PNG")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Translate")
st.caption(f"Turn an image from one domain into another with an {task.MODEL_NOUN} model "
           f"({' or '.join(gans.list_models(task=TASK))}), at the image's own size.")

tool_page(TASK, task.MODEL_NOUN, "translations of training inputs", task.translator_facts, translator)
