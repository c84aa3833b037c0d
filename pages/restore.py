"""Restore: one flow for an old photo: restore → colour (when it is gray) → upscale, each step optional.

Widgets → ``gans.tasks.restore.restore_file`` → one picture per step and one download. The shipped models are cached
(``studio.common.load_model``); each result is cached by (upload digest, settings, hints, reference digest).
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.io.images import png_bytes
from gans.tasks import restore as flow
from gans.tasks.colorize import preview
from studio.common import KEEP, image_uploader, load_picked, plain, upload_or_example
from studio.hints import hint_editor, hints_for
from studio.reference import reference_upload
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

KEY = "restore"
PREVIEW_SIDE = 1024  # pictures on the page are at most this large; the download keeps the full size
COLOUR_LABELS = {"auto": "when it is gray or one tint (sepia)", "yes": "always (anew from its gray)", "no": "off"}
UPSCALE_LABELS = {1: "off", 2: "×2", 4: "×4"}


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_data(max_entries=2, show_spinner="Restoring…")
def restoration(_models: dict, models_key: tuple, upload_digest: str, _data: bytes, settings_key: tuple,
                _settings) -> dict:
    """Every step's preview PNG, the coloured step's picture (for hints), the download and its size, and notes."""
    result = flow.restore_file(_data, _settings, **_models)  # keyword per role: restorer, colour and upscale models
    coloured = dict(result.steps).get("coloured")
    return {"input": png_bytes(preview(result.input)), "download": png_bytes(result.output),
            "steps": [(name, png_bytes(preview(picture))) for name, picture in result.steps],
            "coloured": coloured, "size": tuple(result.output.size), "input_size": tuple(result.input.size),
            "notes": result.notes}


def models(settings) -> tuple[dict, tuple]:
    """The shipped models the steps that are on need, loaded once per server (``load_picked``), and a key that
    changes when one of them does (its folder and weights' time)."""
    paths = flow.shipped_models(settings)
    loaded = {role: load_picked(path, False) if path else (None, None) for role, path in paths.items()}
    key = tuple((path, info.modified if info else None) for path, (_, info) in zip(paths.values(), loaded.values()))
    return {role: model for role, (model, _) in loaded.items()}, key


@st.cache_data(max_entries=1, show_spinner=False)
def examples() -> list[tuple[str, bytes]]:
    """(label, PNG) of held-out test photos aged with mixes training never drew (``gans.tasks.restore``)."""
    return [(label, png_bytes(picture)) for label, picture in flow.example_photos()]


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Restore")
st.caption("An old photo, one flow: restore it (fading, colour casts, blur, grain, JPEG blocks, scratches, dust and "
           "creases undone), colour it when it is gray, make it larger. Each step is optional; one download.")

controls, _ = st.columns([2, 1])
with controls:
    upload = image_uploader("Old photo (any size: PNG, JPEG, BMP, GIF, WebP or TIFF)", KEY)
    explain = flow.step_help()
    restore = st.toggle("Restore", True, key="restore_restore", persist_state=KEEP, help=explain["restore"])
    colorize = st.radio("Colour", list(COLOUR_LABELS), horizontal=True, key="restore_colorize", persist_state=KEEP,
                        format_func=COLOUR_LABELS.get, help=explain["colour"])
    upscale = st.radio("Upscale", list(UPSCALE_LABELS), horizontal=True, key="restore_upscale", persist_state=KEEP,
                       format_func=UPSCALE_LABELS.get, help=explain["upscale"])
    reference = None
    if colorize != "no":
        try:
            reference = reference_upload(load_picked(flow.default_colorizer(), False)[0], KEY)
        except gans.GansError as error:  # no shipped colour model
            st.error(str(error))
shown = [] if upload is not None else examples()
picked = upload_or_example(upload, KEY, shown, "Aged held-out photo", [label for label, _ in shown],
                           "No old photo at hand? Try a held-out photo aged with a mix the model never trained on, "
                           "or upload your own.", "Upload an old photo to restore it.")
if picked is not None:
    name, data = picked
    digest = hashlib.sha256(data).hexdigest()
    hints = tuple((h.x, h.y, h.colour) for h in hints_for(digest)) if colorize != "no" else ()
    reference_name, reference_data, reference_digest = reference or ("", None, "")
    try:
        settings = flow.RestoreSettings(restore=restore, colorize=colorize, upscale=upscale, reference=reference_data,
                                        hints=tuple(gans.tasks.colorize.ColourHint(*hint) for hint in hints))
        loaded, models_key = models(settings)
        result = restoration(loaded, models_key, digest, data, (restore, colorize, upscale, hints, reference_digest),
                             settings)
    except gans.GansError as error:  # not an image, too large, a missing model...
        st.error(str(error))
        st.stop()
    for note in result["notes"]:
        st.info(note, icon=":material/info:")
    pictures = [(result["input"], f"Input ({plain(name)}) · {result['input_size'][0]}×{result['input_size'][1]} px")]
    pictures += [(picture, step.capitalize()) for step, picture in result["steps"]]
    for column, (picture, caption) in zip(st.columns(len(pictures)), pictures):
        column.image(picture, caption=caption, width="stretch")
    if not result["steps"]:
        st.warning("Every step is off: turn one on.")
    width, height = result["size"]
    stem = name.rsplit(".", 1)[0].split(",")[0]
    st.download_button(f"Download the result ({width}×{height} PNG)", result["download"],
                       file_name=f"{stem}-restored.png", mime="image/png", on_click="ignore", key="restore_download",
                       icon=":material/download:")
    if result["coloured"] is not None and getattr(load_picked(flow.default_colorizer(), False)[0], "hints", False):
        hint_editor(preview(result["coloured"]), result["input_size"])
