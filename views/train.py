"""Train: pick a model and data, press Start, watch the curves and samples move.

The job runs in the library's background Runner (one per server, see gans.training.jobs); this page only reads
the run directory, so a refresh or a second browser attaches to the same run.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import gans
from gans.checkpoints import zip_run
from gans.registry import model_defaults
from gans.training import DataConfig, TrainConfig
from gans.training.jobs import JobBusyError
from gans.training.progress import read_progress, smooth, thin
from views.common import job_manager

IMAGE_SIZES = (28, 32, 64)
LOSSES = ("bce", "ls", "wasserstein", "hinge")

st.title("Train")
try:
    manager = job_manager()
except gans.GansError as error:  # e.g. GANS_MAX_STEPS=abc on a deployment
    st.error(f"Training is not available on this server: {error}")
    st.stop()


# ---- the settings form ------------------------------------------------------------------------------------------
def dataset_choices() -> tuple[list[str], dict]:
    infos = {info.name: info for info in gans.list_datasets()}
    return list(infos), infos


def settings_form() -> None:
    models = gans.list_models()
    model = st.selectbox("Model", models, index=models.index("dcgan"), key="train_model",
                         help="Every registered GAN; the advanced settings below follow the model's defaults.")
    defaults = model_defaults(model)
    names, infos = dataset_choices()
    with st.form("train_form"):
        left, right = st.columns(2)
        dataset = left.selectbox(
            "Dataset", names, index=names.index("fashion-mnist-mini"), key="train_dataset",
            format_func=lambda n: n if infos[n].available else f"{n} (not on this machine)",
        )
        folder = left.text_input("Folder or .zip of images (for the folder dataset)", key="train_folder")
        steps = left.number_input("Steps", value=2000, step=100, key="train_steps")
        batch_size = left.number_input("Batch size", value=64, step=8, key="train_batch_size")
        image_size = right.selectbox("Image size", IMAGE_SIZES, index=IMAGE_SIZES.index(defaults["image_size"]),
                                     key=f"train_image_size_{model}")
        lr = right.number_input("Learning rate (G)", value=float(defaults["lr"]), format="%.6f", step=1e-5,
                                key=f"train_lr_{model}")
        lr_d = right.number_input("Learning rate (D), 0 = same as G", value=0.0, format="%.6f", step=1e-5,
                                  key=f"train_lr_d_{model}")
        seed = right.number_input("Seed", value=0, step=1, key="train_seed")
        model_kwargs = {"image_size": int(image_size)}
        with st.expander("Advanced (per-model settings)"):
            a, b = st.columns(2)
            if "loss" in defaults:
                model_kwargs["loss"] = a.selectbox("Loss", LOSSES, index=LOSSES.index(defaults["loss"]),
                                                   key=f"train_loss_{model}")
            if "n_critic" in defaults:
                model_kwargs["n_critic"] = int(a.number_input("Critic steps per G step (n_critic)",
                                                              value=defaults["n_critic"], key=f"train_ncritic_{model}"))
            if "clip_value" in defaults:
                clip = a.number_input("Weight clipping (0 = off)", value=float(defaults["clip_value"] or 0.0),
                                      format="%.4f", key=f"train_clip_{model}")
                model_kwargs["clip_value"] = float(clip) if clip else None
            if "gp_weight" in defaults:
                model_kwargs["gp_weight"] = float(b.number_input("Gradient penalty weight", value=float(defaults["gp_weight"]),
                                                                 key=f"train_gp_{model}"))
            model_kwargs["ema_decay"] = float(b.number_input("EMA of G (0 = off, e.g. 0.999)",
                                                             value=float(defaults["ema_decay"]), format="%.4f",
                                                             key=f"train_ema_{model}"))
            if "spectral_norm" in defaults:
                model_kwargs["spectral_norm"] = b.checkbox("Spectral norm in D", value=defaults["spectral_norm"],
                                                           key=f"train_sn_{model}")
        limits = manager.limits.describe()
        if limits:
            st.caption(f"This server allows {limits}.")
        submitted = st.form_submit_button("Start training", type="primary", icon=":material/play_arrow:")
    if not submitted:
        return
    if not infos[dataset].available and dataset != "folder":
        # Online servers download it on first use; offline the job fails with the library's one-line message.
        st.warning(infos[dataset].reason)
    # Curves need every step logged and the grid a fresh preview each second; the GIF keeps ~20 grids.
    cfg = TrainConfig(steps=int(steps), batch_size=int(batch_size), lr=float(lr), lr_d=float(lr_d) or None,
                      seed=int(seed), log_every=1, sample_every=max(int(steps) // 20, 1) if steps > 0 else 200,
                      preview_seconds=1.0)
    try:
        run_dir = manager.start(model, DataConfig(dataset, folder.strip() or None), cfg, model_kwargs)
    except JobBusyError as error:
        st.warning(str(error))
        return
    except gans.GansError as error:
        st.error(str(error))
        return
    st.session_state["train_run"] = str(run_dir)
    st.toast(f"Started {run_dir.name}")


# ---- the live view ----------------------------------------------------------------------------------------------
def watched_run() -> Path | None:
    """The server's running job wins (that is how a refresh or a second browser reattaches); else this
    session's last run, else the server's last run. Only folders that exist: a job that failed before
    writing anything leaves no run to show."""
    status = manager.status()
    candidates = [status["run_dir"]] if status["busy"] else [st.session_state.get("train_run"), status["run_dir"]]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def loss_chart(curves: dict, weight: float) -> dict:
    """The D and G loss curves as a plain plotly figure dict (building graph_objects each second costs ~20 ms of
    server CPU that the training job would otherwise have)."""
    curves = thin({key: smooth(values, weight) if key != "step" else values for key, values in curves.items()
                   if key in ("step", "loss_d", "loss_g")})
    traces = [{"type": "scatter", "mode": "lines", "name": label, "x": curves["step"], "y": curves[name]}
              for name, label in (("loss_d", "D loss"), ("loss_g", "G loss")) if name in curves]
    layout = {"height": 320, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "xaxis": {"title": {"text": "step"}},
              "yaxis": {"title": {"text": "loss"}}, "legend": {"orientation": "h", "y": 1.12}}
    return {"data": traces, "layout": layout}


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


@st.cache_data(max_entries=32, show_spinner=False)
def run_settings(run_dir: Path, config_modified: float) -> str:
    """One line with the run's model and training settings (the form may show other values)."""
    try:
        config = gans.RunDir(run_dir).read_config()
    except gans.GansError:
        return ""
    train, data = config.get("train", {}), config.get("data", {})
    return (f"{config.get('architecture')} on {data.get('name')} · {train.get('steps')} steps · batch "
            f"{train.get('batch_size')} · {config.get('model', {}).get('image_size')} px · seed {train.get('seed')}")


def live_view() -> None:
    status = manager.status()
    run_dir = watched_run()
    if status.get("state") == "error" and (run_dir is None or str(run_dir) != status.get("run_dir")):
        st.error(f"The last job failed: {status['error']}")  # before it wrote a run directory
    if run_dir is None and status["busy"]:
        st.info("Starting the training job…")
        return
    if run_dir is None:
        st.info("No run yet: choose a model and press Start. The embedded Fashion-MNIST subset works offline.")
        return
    progress = read_progress(run_dir)
    running = manager.busy and manager.run_dir == run_dir
    if progress.state == "running" and not running:
        progress.state = "interrupted"  # the log never ended: the server stopped mid-run
    st.subheader(f"Run {run_dir.name}")
    config_path = gans.RunDir(run_dir).config_path
    st.caption(run_settings(run_dir, config_path.stat().st_mtime if config_path.exists() else 0.0))
    speed = f"{progress.images_per_sec:.0f} images/s" if progress.images_per_sec else "starting…"
    st.progress(progress.fraction, text=f"step {progress.step} of {progress.steps} · {speed} · "
                                        f"ETA {format_seconds(progress.eta_seconds)} · {progress.state}")
    if status.get("state") == "error" and status.get("error") and manager.run_dir == run_dir:
        st.error(status["error"])
    elif progress.error:
        st.error(progress.error)

    chart, samples = st.columns([3, 2])
    with chart:
        weight = st.slider("Smoothing", 0.0, 0.99, 0.6, 0.01, key="train_smoothing")
        if progress.curves.get("step"):
            st.plotly_chart(loss_chart(progress.curves, weight), key="train_loss_chart")
        else:
            st.caption("The loss curves appear after the first steps.")
    with samples:
        if progress.latest_sample is not None:
            st.image(str(progress.latest_sample), caption=f"fixed noise · {progress.latest_sample.stem.replace('_', ' ')}",
                     width="stretch")

    if running and manager.stopping:
        st.info("Stopping: saving a checkpoint…")
    elif running:
        # Anyone on this server may stop the job (see the README on public deployments).
        if st.button("Stop (saves a checkpoint)", key="train_stop", icon=":material/stop:"):
            manager.stop(wait=False)  # the worker saves and ends; the next poll shows it stopped
            st.rerun()
    else:
        finished_actions(run_dir, progress)
    if running != st.session_state.get("train_was_running", False):
        st.session_state["train_was_running"] = running
        st.rerun()  # switch the whole page between its running and idle layouts


def finished_actions(run_dir: Path, progress) -> None:
    if progress.state not in ("finished", "stopped", "interrupted"):
        return
    resume_col, explore_col = st.columns(2)
    with resume_col:
        default = progress.steps if progress.steps > progress.step else progress.step + 1000
        target = st.number_input("Continue to step", value=default, min_value=progress.step + 1, step=100,
                                 key=f"train_resume_steps_{run_dir.name}")
        if st.button("Resume", key="train_resume", icon=":material/play_arrow:"):
            try:
                manager.resume(run_dir, int(target))
            except JobBusyError as error:
                st.warning(str(error))
            except gans.GansError as error:
                st.error(str(error))
            else:
                st.rerun()
    with explore_col:
        if st.button("Open in Explore", key="train_open_explore", icon=":material/explore:"):
            st.session_state["explore_run"] = str(run_dir)
            st.switch_page("views/explore.py")
    grid = progress.latest_sample
    gif = run_dir / "samples" / "progress.gif"
    a, b, c = st.columns(3)
    # Callables: the zip (tens of MB) is built only when the button is pressed, not on every rerun.
    a.download_button("Checkpoint (.zip)", lambda: zip_run(run_dir), f"{run_dir.name}.zip", "application/zip",
                      key="train_download_zip", icon=":material/download:")
    if gif.exists():
        b.download_button("Progress GIF", gif.read_bytes, f"{run_dir.name}.gif", "image/gif",
                          key="train_download_gif", icon=":material/download:")
    if grid is not None:
        c.download_button("Final grid (PNG)", grid.read_bytes, f"{run_dir.name}.png", "image/png",
                          key="train_download_png", icon=":material/download:")


settings_form()
st.divider()
# Every second while training; every 3 s when idle, so a job started from another tab shows up here too.
st.fragment(run_every=1.0 if manager.busy else 3.0)(live_view)()
