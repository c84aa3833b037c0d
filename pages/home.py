"""Home: what the studio does, where to go next, and real sample grids from the shipped checkpoints and recent runs.

What to show comes from ``gans.views.catalog`` (the grids and their captions, the model and dataset tables, example
commands); this page lays it out.
"""

import streamlit as st

from gans.views import catalog
from studio.shell import PAGES, ensure_shell, page_buttons

ensure_shell()  # a fresh server's first deep link runs this page outside the router

GRID_WIDTH = 280  # every grid at one display width, so 28 px and 32 px models look alike
RECENT_RUNS = 2  # local runs shown beside the shipped checkpoints (one of each task)
GRIDS_PER_ROW = 3

st.title("GAN Studio")
st.write(
    "Every classic GAN in one clean package. Train one on real data right here in the browser and watch it learn, "
    "then explore what it made: walk its latent space from one seed to another, across classes, and at random. "
    "Image-to-image models learn to turn one kind of picture into another (from paired or unpaired examples), "
    "and colorizers bring gray photos to colour."
)

page_buttons(PAGES[1:], "home_go", per_row=4, first_stands_out=True)  # every other page; Train, the way in, first


@st.cache_data(ttl=30)
def dataset_rows() -> list[dict]:
    return catalog.dataset_rows()


checkpoints = catalog.list_checkpoints()
with_grids = catalog.showcase(checkpoints, recent_runs=RECENT_RUNS)
if not checkpoints:
    st.info("No checkpoints yet: train your first GAN on the Train page, then explore it here.",
            icon=":material/model_training:")
elif with_grids:
    st.subheader("What the models draw")
    for start in range(0, len(with_grids), GRIDS_PER_ROW):
        row = with_grids[start:start + GRIDS_PER_ROW]
        for column, info in zip(st.columns(GRIDS_PER_ROW), row):
            column.image(str(info.latest_grid), caption=catalog.grid_caption(info), width=GRID_WIDTH,
                         output_format="PNG")

st.subheader("Models")
st.dataframe(catalog.model_rows(), hide_index=True, width="stretch")
st.subheader("Datasets on this machine")
st.dataframe(dataset_rows(), hide_index=True, width="stretch")
st.subheader("Command line")
st.code(catalog.command_examples(), language="bash")
