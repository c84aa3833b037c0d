"""Detect: score images with a detector checkpoint: score, verdict, reconstruction and a difference heat map.

Widgets → ``gans.tasks.detect.detect_each`` → a results table and, per image, the input, its reconstruction and the heat
map of |input − reconstruction|. The model is cached per checkpoint; the scores are cached by (model, uploads'
digest), so other widgets' reruns do not recompute them. A file that is not an image gets one error line; the others
are still scored. File names are shown as typed (``plain``), never as Markdown: a name is the visitor's text.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.io.images import png_bytes
from gans.tasks import detect as task
from studio.common import KEEP, MAX_IMAGE_UPLOAD_MB, UPLOAD_TYPES, load_checkpoint_of, pick_checkpoint, plain
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

TASK = task.TASK
SCALE = 4  # pictures are enlarged this many times (nearest neighbour): the model's images are small
PICTURE_WIDTH = 112


# ---- cached work -----------------------------------------------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner="Scoring…")
def detections(_model, model_key, uploads_digest: str, _uploads: list) -> tuple[list[dict], list[str]]:
    """The uploads scored: one plain dict per image (name, score, threshold, verdict, PNGs of the input, the
    reconstruction and the heat map), and one message per upload that is not an image. Keyed by the uploads'
    digest; errors other than bad files propagate to the page."""
    found, problems = task.detect_each(_model, _uploads, scale=SCALE)
    rows = [{"name": d.name, "score": d.score, "threshold": d.threshold, "verdict": d.verdict,
             "image": png_bytes(d.image), "reconstruction": png_bytes(d.reconstruction),
             "heatmap": png_bytes(d.heatmap)} for d in found]
    return rows, problems


@st.cache_data(max_entries=4, show_spinner=False)
def held_out_examples(_model, model_key, data_name: str) -> list[tuple[str, bytes]]:
    """(file name, PNG) of held-out test images of the run's dataset (``gans.tasks.detect``); empty when not here."""
    return task.held_out_examples(_model, data_name)


def digest(uploads: list[tuple[str, bytes]]) -> str:
    hasher = hashlib.sha256()
    for name, data in uploads:
        hasher.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return hasher.hexdigest()


# ---- rendering -------------------------------------------------------------------------------------------------
def results_table(rows: list[dict]) -> None:
    import pandas as pd

    table = pd.DataFrame([{"image": row["name"], "score": row["score"], "verdict": row["verdict"]} for row in rows])
    st.dataframe(table, hide_index=True, column_config={"score": st.column_config.NumberColumn(format="%.3f")})


def one_result(row: dict) -> None:
    anomalous = row["verdict"] == "anomalous"
    mark = ":red[**anomalous**]" if anomalous else ":green[**normal**]"
    st.markdown(f"**{plain(row['name'])}** — {mark}: score {row['score']:.3f} (threshold {row['threshold']:.3f})")
    columns = st.columns(3)
    for column, key, caption in zip(columns, ("image", "reconstruction", "heatmap"),
                                    ("input (as the model sees it)", "reconstruction", "difference heat map")):
        column.image(row[key], caption=caption, width=PICTURE_WIDTH)


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Detect")
st.caption("Upload images and see whether each looks like the normal images a detector was trained on: "
           "its score (about 1 for a typical normal image, higher = more anomalous), the verdict against the "
           "threshold stored with the checkpoint, the reconstruction and where it differs (brighter = larger "
           "difference).")
source, from_hub = pick_checkpoint(TASK, task.MODEL_NOUN, icon=":material/troubleshoot:")
try:
    model, info = load_checkpoint_of(TASK, source, from_hub)
except gans.GansError as error:
    st.error(str(error))
    st.stop()
st.caption(task.summary(model))

files = st.file_uploader("Images (PNG, JPEG, BMP, GIF, WebP or TIFF); each is centre-cropped and resized to the "
                         "model's size", type=UPLOAD_TYPES, accept_multiple_files=True, key="detect_upload",
                         max_upload_size=MAX_IMAGE_UPLOAD_MB)
try:
    task.check_count(len(files or []))  # before the uploads are copied or decoded
except gans.GansError as error:
    st.error(str(error))
    st.stop()
uploads = ([(file.name, file.getvalue()) for file in files or []]
           or held_out_examples(model, (source, info.modified), info.data))
if not uploads:
    st.info("Upload one or more images to score them.")
    st.stop()
if not files:
    st.caption(f"No images at hand? These are held-out test images of {info.data}, which no run trained on: "
               "the first of the normal class, then one of each of a few other classes. Upload your own to score "
               "them instead.")
try:
    rows, problems = detections(model, (source, info.modified), digest(uploads), uploads)
except gans.GansError as error:  # too many images, a busy server
    st.error(str(error))
    st.stop()
for problem in problems:
    st.error(plain(problem))  # it names the file
if rows:
    flagged = sum(row["verdict"] == "anomalous" for row in rows)
    st.subheader(f"{flagged} of {len(rows)} anomalous")
    results_table(rows)
    show = st.toggle("Show reconstructions and heat maps", value=True, key="detect_show_pictures",
                     persist_state=KEEP)
    if show:
        for row in rows:
            one_result(row)
