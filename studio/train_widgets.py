"""Streamlit pieces of the Train page: a model's advanced settings drawn from its declaration, a run's charts and
the caption of its grid, and what a finished run offers (resume, open in another page, downloads)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import gans
from gans.io.checkpoints import zip_run
from gans.tasks.detect import TASK as ANOMALY_TASK
from gans.training.jobs import JobBusyError
from gans.views.catalog import ANOMALY_ROWS, UPSCALE_ROWS
from gans.views.run_view import grid_title, loss_figure, metric_figure, resume_target, run_task
from gans.views.train_form import TrainForm, train_request
from studio.common import COLORIZE_ROWS, TASK_OPENERS, translation_rows


def setting_widgets(settings, model: str, columns) -> dict:
    """One widget per ``gans.models.info.Setting``, alternating between ``columns``; returns name → value.
    Keys are ``train_{setting}_{model}``, so each model keeps its own values."""
    values = {}
    for index, setting in enumerate(settings):
        column, key = columns[index % len(columns)], f"train_{setting.name}_{model}"
        common = {"key": key, "help": setting.help or None}
        if setting.kind == "choice":
            values[setting.name] = column.selectbox(setting.label, setting.choices, index=setting.choice_index(),
                                                    **common)
        elif setting.kind == "multichoice":
            values[setting.name] = column.multiselect(setting.label, setting.choices,
                                                      default=setting.initial_value(), **common)
        elif setting.kind == "bool":
            values[setting.name] = column.checkbox(setting.label, value=setting.initial_value(), **common)
        else:  # int / float
            cast = int if setting.kind == "int" else float
            bounds = (("min_value", setting.min_value), ("max_value", setting.max_value), ("step", setting.step))
            numbers = {name: cast(value) for name, value in bounds if value is not None}
            values[setting.name] = column.number_input(setting.label, value=setting.initial_value(),
                                                       format=setting.format, **numbers, **common)
    return values


def start_job(manager, form: TrainForm, **values) -> None:
    """Start the job the form's ``values`` describe (``gans.views.train_form.train_request``): its notes first, then the
    session's ``train_run`` names the new run. A busy server is a warning, a setting it refuses an error."""
    try:
        request = train_request(form, **values)
        for level, note in request.notes:
            getattr(st, level)(note)
        run_dir = manager.start(request.model, request.data, request.train, request.model_kwargs)
    except JobBusyError as error:
        st.warning(str(error))
    except gans.GansError as error:
        st.error(str(error))
    else:
        st.session_state["train_run"] = str(run_dir)
        st.toast(f"Started {run_dir.name}")


def run_config(run_dir: Path) -> dict:
    """The run's config.json ({} until it is written), read again only when the file changes."""
    path = gans.RunDir(run_dir).config_path
    return _read_config(run_dir, path.stat().st_mtime if path.exists() else 0.0)


@st.cache_data(max_entries=32, show_spinner=False)
def _read_config(run_dir: Path, config_modified: float) -> dict:
    """``config_modified`` only keys the cache."""
    try:
        return gans.RunDir(run_dir).read_config()
    except gans.GansError:
        return {}


def grid_caption(config: dict, grid: Path, task: str) -> str:
    """Noise grids are fixed noise; translation grids hold one example per column, rows as the model draws them."""
    number = grid.stem.rpartition("_")[2]  # a periodic grid's file is named by its step; the preview is not
    when = f"grid of step {int(number):,}" if number.isdigit() else "live preview"
    if task == "translate":
        domains = (config.get("data") or {}).get("domains")
        return f"rows: {translation_rows(config.get('architecture', ''), domains)} · {when}"
    if task == "colorize":
        return f"rows: {COLORIZE_ROWS} · {when}"
    if task == "upscale":
        return f"rows: {UPSCALE_ROWS} · {when}"
    if task == ANOMALY_TASK:
        return f"rows: {ANOMALY_ROWS} · {when}"
    return f"fixed noise · {when}" if task == "generate" else when


def run_charts(progress, config: dict) -> None:
    """The loss curves (and the FD curve, when measured) beside the run's newest grid."""
    chart, samples = st.columns([3, 2])
    with chart:
        weight = st.slider("Smoothing", 0.0, 0.99, 0.6, 0.01, key="train_smoothing")
        if progress.curves.get("step"):
            st.plotly_chart(loss_figure(progress.curves, weight), key="train_loss_chart")
        else:
            st.caption("The loss curves appear after the first steps.")
        if progress.metrics.get("fd"):
            st.plotly_chart(metric_figure(progress.metrics), key="train_metric_chart")
        elif config.get("train", {}).get("metric_every"):
            st.caption(f"The FD curve appears at step {config['train']['metric_every']}.")
    if progress.latest_sample is not None:
        samples.image(str(progress.latest_sample), width="stretch", caption=f"{grid_title(progress)} · "
                      + grid_caption(config, progress.latest_sample, run_task(config)))


def finished_actions(manager, run_dir: Path, progress, task: str) -> None:
    """Resume, open the run on the page of its task, and downloads (checkpoint zip, progress GIF, the grid named
    by the run's state: final, or the last one of a stopped run)."""
    if progress.state not in ("finished", "stopped", "interrupted"):
        return
    # One row of controls, one of downloads: both on the first screen, above the charts.
    target_col, resume_col, open_col = st.columns([1, 1, 2], vertical_alignment="bottom")
    target = target_col.number_input("Continue to step", value=resume_target(progress), min_value=progress.step + 1,
                                     step=100, key=f"train_resume_steps_{run_dir.name}")
    if resume_col.button("Resume", key="train_resume", icon=":material/play_arrow:"):
        try:
            manager.resume(run_dir, int(target))
        except JobBusyError as error:
            st.warning(str(error))
        except gans.GansError as error:
            st.error(str(error))
        else:
            st.rerun()
    with open_col:
        if task in TASK_OPENERS:  # Explore walks latent spaces; the other tasks have none
            label, icon, open_run = TASK_OPENERS[task]  # key: train_open_translate, ..._detect (the page's name)
            if st.button(label, key=f"train_open_{label.rsplit(' ', 1)[-1].lower()}", icon=icon):
                open_run(run_dir)
        elif task == "generate" and st.button("Open in Explore", key="train_open_explore", icon=":material/explore:"):
            st.session_state["explore_run"] = str(run_dir)
            st.switch_page("pages/explore.py")
    grid, gif = progress.latest_sample, gans.RunDir(run_dir).gif_path
    a, b, c = st.columns([1, 1, 2])  # under the controls
    # Callables: the zip (tens of MB) is built only when the button is pressed, not on every rerun.
    a.download_button("Checkpoint (.zip)", lambda: zip_run(run_dir), f"{run_dir.name}.zip", "application/zip",
                      key="train_download_zip", icon=":material/download:")
    if gif.exists():
        b.download_button("Progress GIF", gif.read_bytes, f"{run_dir.name}.gif", "image/gif",
                          key="train_download_gif", icon=":material/download:")
    if grid is not None:
        c.download_button(f"{grid_title(progress)} · PNG", grid.read_bytes, f"{run_dir.name}.png", "image/png",
                          key="train_download_png", icon=":material/download:")
