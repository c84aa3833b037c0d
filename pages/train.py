"""Train: pick a model and data, press Start, watch the curves and samples move.

The form draws what the model declares (``gans.views.train_form``); the job runs in the server's one background job
(``gans.training.jobs``). The live view only reads the run folder, so a refresh or a second browser reattaches.
"""

from __future__ import annotations

import streamlit as st

import gans
from gans.ops.precision import PRECISIONS, auto_precision_note
from gans.registry import default_model, model_task
from gans.training.progress import read_progress
from gans.views.run_view import progress_line, run_summary, run_task, shown_run
from gans.views.train_form import SEED_BOX_RANGE, train_form
from studio.common import TASK_LABELS, job_manager
from studio.shell import ensure_shell
from studio.train_widgets import finished_actions, run_charts, run_config, setting_widgets, start_job

ensure_shell()  # a fresh server's first deep link runs this page outside the router

st.title("Train")
try:
    manager = job_manager()
except gans.GansError as error:  # e.g. GANS_MAX_STEPS=abc on a deployment
    st.error(f"Training is not available on this server: {error}")
    st.stop()


def settings_form() -> None:
    models, (pick_model, pick_data) = gans.list_models(), st.columns(2)
    model = pick_model.selectbox("Model", models, index=models.index(default_model()), key="train_model",
                         format_func=lambda name: f"{name} ({TASK_LABELS.get(model_task(name), model_task(name))})",
                         help="Every registered GAN; the datasets and advanced settings below follow the model.")
    form = train_form(model)
    info, kind = form.info, form.info.data_kind
    if not form.datasets:
        st.info(f"No dataset of {model}'s kind ({kind}) is registered, so it cannot be trained here.")
        return
    dataset = pick_data.selectbox("Dataset", form.dataset_names, index=form.default_dataset_index(),
                                  key=f"train_dataset_{model}", format_func=form.dataset_label)
    folder, uploaded = "", None
    with st.form("train_form"):  # compact: Start on the first screen of a 1366×768 browser
        if form.dataset(dataset).needs_folder:  # only the dataset that reads the user's own folder or .zip
            left, right = st.columns(2)
            folder = left.text_input(form.folder_label, key=f"train_folder_{kind}")
            uploaded = right.file_uploader("…or upload the .zip", type=["zip"], key=f"train_zip_{kind}",
                                           help="Kept on the server and read member by member (never extracted)")
        row, second = st.columns(4), st.columns(4)
        steps = row[0].number_input("Steps", value=info.steps, step=100, key=f"train_steps_{model}")
        batch_size = row[1].number_input("Batch size", value=info.batch_size, step=8, key=f"train_batch_size_{model}")
        image_size = row[2].selectbox("Image size", info.image_sizes, index=form.default_image_size_index(),
                                      key=f"train_image_size_{model}")
        seed = row[3].number_input("Seed", value=0, step=1, min_value=SEED_BOX_RANGE[0], max_value=SEED_BOX_RANGE[1],
                                   key="train_seed")
        lr = second[0].number_input("Learning rate (G)", value=info.lr, format="%.6f", step=1e-5,
                                    key=f"train_lr_{model}")
        lr_d = second[1].number_input("Learning rate (D)", value=info.lr_d, format="%.6f", step=1e-5,
                                      key=f"train_lr_d_{model}", help="0 = the same as G")
        precision = second[2].selectbox("Precision", PRECISIONS, key="train_precision",
                                        help=f"On this server auto means {auto_precision_note()}. bf16 autocast runs "
                                             "convolutions in bfloat16 where the hardware does that faster; weights, "
                                             "batch-norm statistics and losses stay fp32.")
        metric_every = info.metric_every and second[3].number_input(
            "Measure FD every (steps)", value=info.metric_every, min_value=0, step=50,
            key=f"train_metric_every_{model}", help=f"0 = off. {form.metric_help}")
        with st.expander("Advanced (per-model settings)"):
            settings = setting_widgets(info.settings, model, st.columns(2))
            if not info.settings:
                st.caption(f"{model} trains with its own defaults here.")
        if manager.limits.describe():
            st.caption(f"This server allows {manager.limits.describe()}.")
        submitted = st.form_submit_button("Start training", type="primary", icon=":material/play_arrow:")
    if submitted:
        start_job(manager, form, dataset=dataset, folder=folder, steps=steps, batch_size=batch_size,
                  upload=(uploaded.name, uploaded.getvalue()) if uploaded is not None else None,
                  image_size=image_size, lr=lr, lr_d=lr_d, seed=seed, metric_every=metric_every,
                  precision=precision, settings=settings)


def live_view() -> None:
    status, run_dir, running = shown_run(manager, st.session_state.get("train_run"))
    if (str(run_dir), running, status["state"]) != st.session_state.get("train_layout"):
        st.rerun()  # a job started, stopped or ended (here or in another tab): redraw the whole page's layout
    if status.get("state") == "error" and (run_dir is None or str(run_dir) != status.get("run_dir")):
        st.caption("The last job failed before it began training:")  # its empty run folder is gone
        st.error(status["error"])
    if run_dir is None:
        if status.get("note"):
            st.info(status["note"])
        st.info("Starting the training job…" if status["busy"] else
                "No run yet: choose a model and press Start. Each model preselects its demo dataset when it is on "
                "this machine (the embedded ones work offline), else the dataset that reads your own folder.")
        return
    progress = read_progress(run_dir)
    if progress.state == "running" and not running:
        progress.state = "interrupted"  # the log never ended: the server stopped mid-run
    st.subheader(f"Run {run_dir.name}")
    config = run_config(run_dir)
    st.caption(run_summary(config))
    st.progress(progress.fraction, text=progress_line(progress))
    for warning in progress.warnings:  # e.g. "the run has probably diverged; try a lower learning rate"
        st.warning(warning, icon=":material/warning:")
    if status.get("state") == "error" and status.get("error") and manager.run_dir == run_dir:
        st.error(status["error"])
    elif progress.error:
        st.error(progress.error)
    if running and manager.stopping:  # the controls before the charts: on the first screen
        st.info("Stopping: saving a checkpoint…")
    elif running:
        # Anyone on this server may stop the job (see the README on public deployments).
        if st.button("Stop (saves a checkpoint)", key="train_stop", icon=":material/stop:"):
            manager.stop(wait=False)  # the worker saves and ends; the next poll shows it stopped
            st.rerun()
    else:
        finished_actions(manager, run_dir, progress, run_task(config))

    run_charts(progress, config)


def live() -> None:
    # Every second while training; every 3 s when idle, so a job started from another tab shows up here too.
    st.fragment(run_every=1.0 if manager.busy else 3.0)(live_view)()


first_status, first_run, first_running = shown_run(manager, st.session_state.get("train_run"))
st.session_state["train_layout"] = (str(first_run), first_running, first_status["state"])  # live_view compares
# The server's job (running, ended, failed) or this session's run first, on the first screen, in every tab, until a
# new one starts; before the server's first job, the form first.
if first_run is not None or first_status["state"] != "idle":
    live()
    st.subheader("Next run" if manager.busy else "New run")
    if manager.busy:
        st.caption("One job at a time: Start works once this run has ended.")
    settings_form()
else:
    settings_form()
    st.divider()
    live()
