"""Compare: two to four noise → image runs side by side — same-seed samples, loss curves, metric curves and a table
of final and best metrics.

Widgets → ``gans.views.compare`` (grids, the runs' logs, figures, the table) → ``st.image``, ``st.plotly_chart``,
``st.dataframe``. Models come from the shared cache; a run that vanished or a log that cannot be read is a warning,
never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import gans
from gans.views import compare
from gans.views.catalog import CheckpointInfo, train_command
from studio.common import KEEP, load_picked
from studio.pickers import generate_checkpoints, model_key, picture, seed_input
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router


# ---- picking runs ----------------------------------------------------------------------------------------------
def use_preset(paths: list[str]) -> None:
    st.session_state["compare_runs"] = list(paths)


def pick_runs(infos: dict[str, CheckpointInfo]) -> list[str]:
    """The picked run folders: at most ``compare.MAX_RUNS`` (the picker takes no more), possibly fewer than two (the
    caller says so)."""
    preset, missing = compare.shipped_comparison(infos)
    picked = st.session_state.get("compare_runs")
    if picked is None:  # first visit
        st.session_state["compare_runs"] = compare.default_pick(infos)
    elif gone := [path for path in picked if path not in infos]:
        st.warning(f"No longer available (deleted or without a saved model): "
                   f"{', '.join(Path(path).name for path in gone)}. Comparing the other runs.")
        st.session_state["compare_runs"] = [path for path in picked if path in infos]
    if len(kept := st.session_state["compare_runs"]) > compare.MAX_RUNS:  # the picker below takes no more
        st.caption(f"Comparing the first {compare.MAX_RUNS} of the {len(kept)} runs picked.")
        st.session_state["compare_runs"] = kept[:compare.MAX_RUNS]
    label, wanted = compare.SHIPPED_COMPARISON_LABEL, compare.SHIPPED_COMPARISON
    if len(preset) >= 2:
        st.button(label, key="compare_preset", icon=":material/compare_arrows:", on_click=use_preset, args=(preset,),
                  help="Selects the shipped runs " + ", ".join(Path(path).name for path in preset))
        if missing:
            st.caption(f"Not shipped yet: {', '.join(missing)}.")
    else:
        st.caption(f"{label}: not available yet; it needs the shipped runs {', '.join(wanted)} in checkpoints/"
                   + (f" ({', '.join(missing)} missing)." if len(missing) < len(wanted) else "."))
    return st.multiselect("Runs", list(infos), key="compare_runs", persist_state=KEEP, max_selections=compare.MAX_RUNS,
                          format_func=lambda path: infos[path].label,
                          help=f"Two to {compare.MAX_RUNS} noise → image runs (shipped checkpoints, your local runs); "
                               f"with {compare.MAX_RUNS} picked, remove one to pick another")


def load_runs(paths: list[str], names: dict[str, str]) -> dict[str, tuple]:
    """name → (model, CheckpointInfo) for the runs that load; a warning for each that does not."""
    loaded = {}
    for path in paths:
        try:
            loaded[names[path]] = load_picked(path, False)
        except (gans.GansError, OSError, ValueError, TypeError) as error:  # e.g. deleted since it was listed
            st.warning(f"Could not load **{names[path]}**: {error}")
    return loaded


# ---- the sections ----------------------------------------------------------------------------------------------
def sample_grids(loaded: dict[str, tuple], seed: int) -> None:
    for column, (name, (model, info)) in zip(st.columns(len(loaded)), loaded.items()):
        try:
            column.image(picture(compare.comparison_grid, model, model_key(info), seed), caption=name,
                         output_format="PNG")
            column.caption(compare.grid_caption(info))
        except gans.GansError as error:
            column.error(f"{name}: {error}")


def loss_section(histories: dict[str, dict]) -> None:
    st.subheader("Losses")
    weight = st.slider("Smoothing", 0.0, 0.99, 0.6, 0.01, key="compare_smoothing", persist_state=KEEP)
    with_losses = {name: history["losses"] for name, history in histories.items() if history["losses"]["step"]}
    if with_losses:
        st.plotly_chart(compare.loss_figure(with_losses, weight), key="compare_loss_chart")
    if without := [name for name in histories if name not in with_losses]:
        st.caption(f"No loss curves logged: {', '.join(without)}.")
    st.caption(compare.LOSS_SCALES_NOTE)


def metric_section(loaded: dict[str, tuple], histories: dict[str, dict]) -> None:
    st.subheader("Metrics")
    with_metrics = {name: history["metrics"] for name, history in histories.items() if history["metrics"]}
    if without := [name for name in histories if name not in with_metrics]:
        st.caption(f"No metric events in the log of {', '.join(without)} (metrics are logged when training "
                   "evaluates them; older runs have none).")
    if note := compare.dataset_note({name: info for name, (_, info) in loaded.items()}):
        st.caption(note)
    names = compare.metric_names(histories.values())
    for tab, metric in zip(st.tabs([compare.metric_title(metric) for metric in names]) if names else [], names):
        with tab:
            st.plotly_chart(compare.metric_figure(metric, with_metrics), key=f"compare_metric_{metric}")


def summary_table(loaded: dict[str, tuple], histories: dict[str, dict]) -> None:
    st.subheader("Final and best metrics")
    rows, notes = compare.summary_rows({name: (info, histories[name]) for name, (_, info) in loaded.items()})
    for kind, text in notes:  # e.g. a warning that runs of different datasets have FDs on different footing
        (st.warning if kind == "warning" else st.caption)(text)
    st.dataframe(rows, hide_index=True, key="compare_table")
    st.caption("Final = the last metric event of the run; best FD = the lowest FD over its metric events.")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Compare")
st.caption("Two to four noise → image runs side by side: the same seed's samples, the loss and metric curves, and "
           "their final and best metrics.")

infos = generate_checkpoints()
names = compare.run_names(infos)
if len(infos) < 2:
    st.info(f"Comparing needs at least two noise → image runs. Train some on the Train page, or from a terminal: "
            f"`{train_command()}`.")
    st.stop()

picked = pick_runs(infos)
if problem := compare.pick_problem(len(picked)):
    (st.info if len(picked) < 2 else st.error)(problem)
    st.stop()
loaded = load_runs(picked, names)
if not loaded:
    st.stop()

st.subheader("Samples")
seed = seed_input("Seed", "compare_seed", help="Every run draws from the same noise of this seed")
sample_grids(loaded, seed)
histories, problems = compare.read_histories({name: info for name, (_, info) in loaded.items()})
for problem in problems:
    st.warning(problem)
loss_section(histories)
metric_section(loaded, histories)
summary_table(loaded, histories)
