"""Home: what the studio does, with real sample grids from recent runs."""

import streamlit as st

from views.common import dataset_table, model_table

st.title("GAN Studio")
st.write(
    "Every classic GAN in one clean package. Train them on real data, watch them learn, explore what they made. "
    "The in-browser trainer and the latent explorer are on their way; the library and its command line work today."
)

from gans.training import default_runs_dir  # noqa: E402

runs = sorted((p for p in default_runs_dir().glob("*") if (p / "samples").is_dir()),
              key=lambda p: p.stat().st_mtime, reverse=True)[:3]
if runs:
    st.subheader("Recent runs")
    for column, run in zip(st.columns(len(runs)), runs):
        grids = sorted((run / "samples").glob("step_*.png"))
        if grids:
            column.image(str(grids[-1]), caption=f"{run.name} · {grids[-1].stem.replace('_', ' ')}")
else:
    st.info("No runs yet. Train one from a terminal: `python -m gans train dcgan --steps 2000`.")

st.subheader("Models")
st.dataframe(model_table(), hide_index=True, width="stretch")
st.subheader("Datasets on this machine")
st.dataframe(dataset_table(), hide_index=True, width="stretch")

st.subheader("Command line")
st.code(
    "python -m gans list\n"
    "python -m gans train dcgan --data fashion-mnist-mini --steps 2000 --out runs/my-dcgan\n"
    "python -m gans sample runs/my-dcgan -n 64 -o grid.png\n"
    "python -m gans interpolate runs/my-dcgan --seeds 1 2 --frames 16 -o walk.gif",
    language="bash",
)
