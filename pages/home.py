"""Home: what the studio does, where to go next, and real sample grids from the shipped checkpoints and recent runs."""

import streamlit as st
from streamlit.errors import StreamlitAPIException

from gans.catalog import CheckpointInfo, list_checkpoints
from studio.common import COLORIZE_ROWS, dataset_table, model_table, translation_rows
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

GRID_WIDTH = 280  # every grid at one display width, so 28 px and 32 px models look alike
RECENT_RUNS = 2  # local runs shown beside the shipped checkpoints
GRIDS_PER_ROW = 3

st.title("GAN Studio")
st.write(
    "Every classic GAN in one clean package. Train one on real data right here in the browser and watch it learn, "
    "then explore what it made: walk its latent space from one seed to another, across classes, and at random. "
    "Image-to-image models (pix2pix on paired data, CycleGAN on unpaired data) learn to turn one kind of picture "
    "into another, and the colorizer brings gray photos to colour."
)

train_column, explore_column, translate_column, colorize_column = st.columns([1, 1, 1, 1])
with train_column:
    st.page_link("pages/train.py", label="Train a GAN", icon=":material/model_training:")
with explore_column:
    st.page_link("pages/explore.py", label="Explore a generator", icon=":material/explore:")
with translate_column:
    try:
        st.page_link("pages/translate.py", label="Translate an image", icon=":material/compare:")
    except StreamlitAPIException:  # a router without the Translate page
        pass
with colorize_column:
    try:
        st.page_link("pages/colorize.py", label="Colorize a photo", icon=":material/palette:")
    except StreamlitAPIException:  # a router without the Colorize page
        pass


def caption(info: CheckpointInfo) -> str:
    """The checkpoint's label; a translation or colorizer grid says what its rows are (one example per column)."""
    if info.task == "translate":
        return f"{info.label} · image → image, rows: {translation_rows(info.architecture, info.domains)}"
    if info.task == "colorize":
        return f"{info.label} · gray → colour, rows: {COLORIZE_ROWS}"
    return info.label


checkpoints = list_checkpoints()
# Noise-to-image samples first (the studio's front page picture), then translations, then colorizations; within a
# task, the catalog's order (lowest measured FD first) is kept (the sort is stable).
TASK_ORDER = {"generate": 0, "translate": 1, "colorize": 2}


shipped = sorted((info for info in checkpoints if info.source == "shipped"),
                 key=lambda info: TASK_ORDER.get(info.task, len(TASK_ORDER)))
recent_runs = [info for info in checkpoints if info.source != "shipped"][:RECENT_RUNS]  # newest first
with_grids = [info for info in shipped + recent_runs if info.latest_grid is not None]

if not checkpoints:
    st.info("No checkpoints yet: train your first GAN on the Train page, then explore it here.",
            icon=":material/model_training:")
elif with_grids:
    st.subheader("What the models draw")
    for start in range(0, len(with_grids), GRIDS_PER_ROW):
        row = with_grids[start:start + GRIDS_PER_ROW]
        for column, info in zip(st.columns(GRIDS_PER_ROW), row):
            column.image(str(info.latest_grid), caption=caption(info), width=GRID_WIDTH, output_format="PNG")

st.subheader("Models")
st.dataframe(model_table(), hide_index=True, width="stretch")
st.subheader("Datasets on this machine")
st.dataframe(dataset_table(), hide_index=True, width="stretch")

st.subheader("Command line")
st.code(
    "python -m gans list\n"
    "python -m gans train dcgan --data fashion-mnist-mini --steps 2000 --out runs/my-dcgan\n"
    "python -m gans sample runs/my-dcgan -n 64 -o grid.png\n"
    "python -m gans interpolate runs/my-dcgan --seeds 1 2 --frames 16 -o walk.gif\n"
    "python -m gans train pix2pix --data edges2fashion --steps 1000 --batch-size 16 --out runs/my-pix2pix\n"
    "python -m gans translate runs/my-pix2pix edges.png -o garment.png\n"
    "python -m gans train colorizer --data offline-photos --steps 1000 --batch-size 16 --out runs/my-colorizer",
    language="bash",
)
