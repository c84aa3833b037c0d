"""Colorize: colour a gray (or colour) photo of any size with a colorization checkpoint.

Widgets → ``gans.tasks.colorize.colorize_file`` → ``st.image`` / download / metrics table. The model is cached per
checkpoint; each colorization is cached by (model, upload digest, render size, colour hints, reference photo's
digest), so other widgets' reruns do not recompute it. An optional reference photo ("Colour like this photo",
``gans.tasks.reference``, ``studio.reference``) gives its colours to the parts of the photo that look like its own.
The network runs at the render size; the colour goes back onto the photo's full-resolution lightness, so the
download has the upload's own size.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.io.images import png_bytes
from gans.tasks import colorize as task
from gans.views import colorize_report as report
from studio.common import KEEP, image_uploader, plain, upload_or_example
from studio.hints import hint_editor, hints_for
from studio.reference import reference_upload
from studio.shell import ensure_shell
from studio.tool_page import tool_page

ensure_shell()  # a fresh server's first deep link runs this page outside the router

TASK = task.TASK
PREVIEW_SIDE = 1024  # pictures on the page are at most this large; the download keeps the full size


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_data(max_entries=2, show_spinner="Colouring…")
def colorization(_model, model_key, upload_digest: str, _data: bytes, render_size: int, hints: tuple = (),
                 reference_digest: str = "", _reference: bytes | None = None) -> dict:
    """One upload coloured at ``render_size``: PNG previews (gray, output, and the original of a colour upload,
    else None), the full-size PNG to download, the output and render sizes, the metrics table's rows (empty
    for a gray upload), and ``gans.views.colorize_report``'s comparison and render note. A plain dict: st.cache_data
    pickles it, and a class defined in a page script cannot be
    pickled. The upload is keyed by its digest (not hashed again on every rerun); errors propagate to the page."""
    result = task.colorize_file(_model, _data, render_size=render_size, hints=[task.ColourHint(*h) for h in hints],
                                reference=_reference)
    return {"gray": png_bytes(task.preview(result.gray, PREVIEW_SIDE)), "preview": task.preview(result.output),
            "output": png_bytes(task.preview(result.output, PREVIEW_SIDE)),
            "original": png_bytes(task.preview(result.original, PREVIEW_SIDE)) if result.was_colour else None,
            "download": png_bytes(result.output), "size": tuple(result.output.size),
            "render_size": tuple(result.render_size), "metrics": task.metric_rows(result.metrics),
            "comparison": report.comparison(result.metrics, result.output,
                                            result.original if result.was_colour else None),
            "render_note": report.render_note(result.output.size, result.render_size)}


@st.cache_data(max_entries=1, show_spinner=False)
def held_out_photos() -> list[tuple[str, bytes]]:
    """(file name, PNG) of the held-out photos of ``gans.tasks.colorize``; empty when they are not on this machine."""
    return [(f"{name}.png", png_bytes(photo)) for name, photo in task.held_out_photos()]


# ---- the colorizer ---------------------------------------------------------------------------------------------
def metrics_table(rows: list[dict]) -> None:
    import pandas as pd

    st.subheader("How close to the original?")
    # st.table, not st.dataframe: it shows the original's missing PSNR and SSIM as "–" (st.dataframe says "None").
    st.table(pd.DataFrame(rows).style.format({"PSNR (dB)": "{:.2f}", "SSIM": "{:.3f}", "colourfulness": "{:.1f}"},
                                             na_rep="–").hide(axis="index"))
    st.caption("Higher PSNR and SSIM mean closer to your original; the model helps where it beats both baselines "
               "(the same lightness with no colour, or with the training photos' average colour), and a "
               "colourfulness near the original's means its colours are neither washed out nor overdone.")


def colorizer(model, model_key: tuple) -> None:
    controls, _ = st.columns([2, 1])
    with controls:
        upload = image_uploader("Photo, gray or colour (any size: PNG, JPEG, BMP, GIF, WebP or TIFF)", TASK)
        low, high, step = task.FORM_RENDER_SIZES
        render_size = st.slider(
            "Render size (px)", low, high, task.DEFAULT_RENDER_SIZE, step, key="colorize_render_size",
            persist_state=KEEP,
            help="The network colours a copy of the photo whose longer side is this many pixels (never more than "
                 "the photo's own). Its colour is then enlarged and put back onto the photo's full-resolution "
                 "lightness, so the result keeps every detail at the original size. Larger sizes see finer "
                 "structure but take longer; the network's work does not grow with the photo's size.")
        render_note = st.empty()  # filled once the photo's size is known: colour computed smaller is enlarged
        reference = reference_upload(model, TASK)
    examples = [] if upload is not None else held_out_photos()
    picked = upload_or_example(
        upload, TASK, examples, "Held-out photo", [name.rsplit(".", 1)[0] for name, _ in examples],
        f"No photo at hand? Try one of {task.EXAMPLE_DATASET}' held-out test photos (never used for training), "
        "or upload your own.",
        "Upload a photo to colour it: a gray one to bring it to colour, or a colour one to see how close the "
        "model gets to the original.")
    if picked is None:
        return
    name, data = picked
    digest = hashlib.sha256(data).hexdigest()
    hints = tuple((h.x, h.y, h.colour) for h in hints_for(digest)) if getattr(model, "hints", False) else ()
    reference_name, reference_data, reference_digest = reference or ("", None, "")
    try:
        result = colorization(model, model_key, digest, data, int(render_size), hints, reference_digest,
                              reference_data)
    except gans.GansError as error:  # not an image, truncated, too large, empty...
        st.error(str(error))
        return
    (width, height), (render_width, render_height) = result["size"], result["render_size"]
    if result["render_note"]:
        render_note.caption(result["render_note"])
    sizes = f"{width}×{height} px · network at {render_width}×{render_height} px"
    like = f" · colours like {plain(reference_name)}" if reference is not None else ""
    pictures = [(result["gray"], f"Gray input ({plain(name)})"), (result["output"], f"Colorized · {sizes}{like}")]
    if result["original"] is not None:
        pictures.append((result["original"], "Original"))
    for column, (picture, caption) in zip(st.columns(len(pictures)), pictures):
        column.image(picture, caption=caption, width="stretch")
    st.download_button(f"Download the result ({width}×{height} PNG)", result["download"],
                       file_name=f"{name.rsplit('.', 1)[0]}-colorized.png", mime="image/png", on_click="ignore",
                       key="colorize_download", icon=":material/download:")
    if getattr(model, "hints", False):
        hint_editor(result["preview"], result["size"])
    if result["comparison"]:
        st.info(result["comparison"], icon=":material/insights:")
    if result["metrics"]:
        metrics_table(result["metrics"])
    else:
        st.caption("A gray photo has no original colour to compare with; upload a colour photo to see PSNR, SSIM "
                   "and colourfulness against it.")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Colorize")
st.caption(f"Bring gray photos to colour with a {task.MODEL_NOUN} model, at the photo's own resolution.")

tool_page(TASK, task.MODEL_NOUN, "colorizations of training crops",
          lambda model, checkpoint: task.colorizer_facts(checkpoint, model),
          lambda model, model_key, _: colorizer(model, model_key), task.OWN_PHOTOS, icon=":material/palette:")
