"""Train: pick a model and data, press Start, watch the curves and samples move.

The job runs in the library's background Runner (one per server, see gans.training.jobs); this page only reads
the run directory, so a refresh or a second browser attaches to the same run.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import gans
from gans.augment import AUGMENTATIONS, parse_policy
from gans.checkpoints import zip_run
from gans.metrics.features import FEATURE_NETWORKS
from gans.models.translation import TRANSLATION_IMAGE_SIZES
from gans.precision import PRECISIONS, auto_precision_note
from gans.registry import model_class, model_defaults, model_task
from gans.training import DataConfig, TrainConfig
from gans.training.jobs import JobBusyError
from gans.training.progress import read_progress, smooth, thin
from studio.common import COLORIZE_ROWS, TASK_LABELS, job_manager, open_in_colorize, open_in_translate, translation_rows
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

IMAGE_SIZES = {"generate": (28, 32, 64), "translate": TRANSLATION_IMAGE_SIZES, "colorize": TRANSLATION_IMAGE_SIZES}
ANY_IMAGE_SIZE = (28, 32, 64, 128, 256)  # a task this page does not know yet: the model checks its own size
LOSSES = ("bce", "ls", "wasserstein", "hinge")
PIX2PIX_LOSSES = ("bce", "ls", "hinge")  # pix2pix and the colorizer have no Wasserstein critic
# What each kind of data trains (gans.registry.model_class(name).data_kind): the demo preselected for it (when it
# is on this machine; else the folder dataset), the dataset that reads the user's own folder, and what that
# folder must hold.
DEFAULT_DATASET = {"images": "fashion-mnist-mini", "paired": "edges2fashion", "unpaired": "sneaker2boot",
                   "photos": "offline-photos"}
FOLDER_DATASET = {"images": "folder", "paired": "paired-folder", "unpaired": "unpaired-folder",
                  "photos": "photo-folder"}
FOLDER_LABEL = {
    "images": "Folder or .zip of images (for the folder dataset)",
    "paired": "Folder or .zip of A|B pairs with train/ (for paired-folder)",
    "unpaired": "Folder or .zip with trainA/ trainB/ (for unpaired-folder)",
    "photos": "Folder or .zip of colour photos (for photo-folder)",
}
# Image-to-image networks are larger per image (U-Net / ResNet generators at 64 px): smaller batches.
DEFAULT_STEPS = {"generate": 2000, "translate": 1000, "colorize": 1000}
DEFAULT_BATCH_SIZE = {"generate": 64, "translate": 16, "colorize": 16}
DEFAULT_METRIC_EVERY = 200  # ~0.5 s per measurement of 500 samples on a CPU: about 1 % of a run's time

st.title("Train")
try:
    manager = job_manager()
except gans.GansError as error:  # e.g. GANS_MAX_STEPS=abc on a deployment
    st.error(f"Training is not available on this server: {error}")
    st.stop()


# ---- the settings form ------------------------------------------------------------------------------------------
def dataset_choices(kind: str) -> tuple[list[str], dict]:
    """Datasets of ``kind`` ("images", "paired", "unpaired", "photos"), the one a model of that kind trains on."""
    infos = {info.name: info for info in gans.list_datasets() if info.kind == kind}
    return list(infos), infos


def default_dataset_index(kind: str, names: list[str], infos: dict) -> int:
    """The kind's demo when it is on this machine (offline-photos may not be), else its folder dataset, else the
    first."""
    for name in (DEFAULT_DATASET.get(kind), FOLDER_DATASET.get(kind)):
        if name in names and infos[name].available:
            return names.index(name)
    return 0


def noise_model_settings(model: str, defaults: dict, a, b) -> dict:
    """The advanced settings of a noise → image model that its defaults name (loss, critic, EMA...)."""
    kwargs = {}
    if "loss" in defaults:
        kwargs["loss"] = a.selectbox("Loss", LOSSES, index=LOSSES.index(defaults["loss"]), key=f"train_loss_{model}")
    if "n_critic" in defaults:
        kwargs["n_critic"] = int(a.number_input("Critic steps per G step (n_critic)", value=defaults["n_critic"],
                                                key=f"train_ncritic_{model}"))
    if "clip_value" in defaults:
        clip = a.number_input("Weight clipping (0 = off)", value=float(defaults["clip_value"] or 0.0),
                              format="%.4f", key=f"train_clip_{model}")
        kwargs["clip_value"] = float(clip) if clip else None
    if "gp_weight" in defaults:
        kwargs["gp_weight"] = float(b.number_input("Gradient penalty weight", value=float(defaults["gp_weight"]),
                                                   key=f"train_gp_{model}"))
    if "ema_decay" in defaults:
        kwargs["ema_decay"] = float(b.number_input("EMA of G (0 = off, e.g. 0.999)",
                                                   value=float(defaults["ema_decay"]), format="%.4f",
                                                   key=f"train_ema_{model}"))
    if "spectral_norm" in defaults:
        kwargs["spectral_norm"] = b.checkbox("Spectral norm in D", value=defaults["spectral_norm"],
                                             key=f"train_sn_{model}")
    if "augment" in defaults:
        chosen = a.multiselect("DiffAugment (empty: the model's default)", AUGMENTATIONS + ("none",),
                               default=list(parse_policy(defaults["augment"])), key=f"train_augment_{model}",
                               help="Zhao et al. 2020: the same random translation / cutout / colour change of "
                                    "real and fake images keeps D from memorising a small dataset; 'none' turns "
                                    "it off")
        if chosen:  # left empty, the model keeps its own default (README: Time to quality)
            kwargs["augment"] = "none" if "none" in chosen else ",".join(chosen)
    return kwargs


def translation_model_settings(model: str, defaults: dict, a, b) -> dict:
    """The advanced settings of an image → image model (and of the colorizer, a pix2pix in Lab): its loss weights
    (L1, CycleGAN's cycle and identity terms and image pool), the colorizer's L1-only pre-training and the
    networks' width. Values are checked by the model (ConfigError)."""
    kwargs = {}
    if "l1_weight" in defaults:
        kwargs["l1_weight"] = float(a.number_input("L1 weight λ (output vs target)",
                                                   value=float(defaults["l1_weight"]), key=f"train_l1_{model}"))
    if "pretrain_steps" in defaults:
        kwargs["pretrain_steps"] = int(a.number_input(
            "L1-only pre-training steps", value=int(defaults["pretrain_steps"]), min_value=0, step=100,
            key=f"train_pretrain_{model}", help="G learns from the L1 loss alone for this many steps before the "
                                                "discriminator joins in: plausible colour first, then sharper colour"))
    if "loss" in defaults:
        kwargs["loss"] = a.selectbox("Adversarial loss", PIX2PIX_LOSSES, index=PIX2PIX_LOSSES.index(defaults["loss"]),
                                     key=f"train_loss_{model}")
    if "cycle_weight" in defaults:
        kwargs["cycle_weight"] = float(a.number_input("Cycle weight λ (A → B → A and B → A → B)",
                                                      value=float(defaults["cycle_weight"]),
                                                      key=f"train_cycle_{model}"))
    if "identity_weight" in defaults:
        kwargs["identity_weight"] = float(a.number_input(
            "Identity weight (× cycle weight; 0 = off)", value=float(defaults["identity_weight"]),
            key=f"train_identity_{model}", help="Needs both domains to have the same colours (gray or RGB)"))
    if "pool_size" in defaults:
        kwargs["pool_size"] = int(b.number_input("History pool size (0 = off)", value=int(defaults["pool_size"]),
                                                 key=f"train_pool_{model}",
                                                 help="D also sees up to this many earlier fakes"))
    if "width" in defaults:
        kwargs["width"] = int(b.number_input("Width (base channels of G and D)", value=int(defaults["width"]),
                                             min_value=1, step=8, key=f"train_width_{model}"))
    return kwargs


def save_upload(name: str, data: bytes) -> Path:
    """Keep an uploaded dataset .zip under the runs folder (named by its content, so a re-upload is not stored
    twice) and return its path; the job process reads it from there."""
    import hashlib

    from gans.catalog import runs_dir
    from gans.checkpoints import atomic_write

    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(name).stem)[:40] or "upload"
    path = runs_dir() / "uploads" / f"{hashlib.sha256(data).hexdigest()[:16]}-{stem}.zip"
    if not path.exists():
        atomic_write(path, data)
    return path


def settings_form() -> None:
    models = gans.list_models()
    model = st.selectbox("Model", models, index=models.index("dcgan"), key="train_model",
                         format_func=lambda name: f"{name} ({TASK_LABELS.get(model_task(name), model_task(name))})",
                         help="Every registered GAN; the datasets and advanced settings below follow the model.")
    defaults, task, kind = model_defaults(model), model_task(model), model_class(model).data_kind
    names, infos = dataset_choices(kind)
    if not names:
        st.info(f"No dataset of {model}'s kind ({kind}) is registered, so it cannot be trained here.")
        return
    sizes = IMAGE_SIZES.get(task, ANY_IMAGE_SIZE)
    with st.form("train_form"):
        left, right = st.columns(2)
        dataset = left.selectbox(
            "Dataset", names, index=default_dataset_index(kind, names, infos),
            key=f"train_dataset_{kind}",
            format_func=lambda n: n if infos[n].available else f"{n} (not on this machine)",
        )
        folder = left.text_input(FOLDER_LABEL.get(kind, "Folder or .zip"), key=f"train_folder_{kind}")
        uploaded_zip = left.file_uploader("…or upload the .zip", type=["zip"], key=f"train_zip_{kind}",
                                          help="For the folder datasets: the .zip is kept on the server and read "
                                               "member by member (never extracted)")
        steps = left.number_input("Steps", value=DEFAULT_STEPS.get(task, 1000), step=100, key=f"train_steps_{task}")
        batch_size = left.number_input("Batch size", value=DEFAULT_BATCH_SIZE.get(task, 16), step=8,
                                       key=f"train_batch_size_{task}")
        default_size = defaults.get("image_size", 64)
        image_size = right.selectbox("Image size", sizes, index=sizes.index(default_size) if default_size in sizes
                                     else len(sizes) - 1, key=f"train_image_size_{model}")
        lr = right.number_input("Learning rate (G)", value=float(defaults.get("lr", 2e-4)), format="%.6f", step=1e-5,
                                key=f"train_lr_{model}")
        lr_d = right.number_input("Learning rate (D), 0 = same as G", value=0.0, format="%.6f", step=1e-5,
                                  key=f"train_lr_d_{model}")
        seed = right.number_input("Seed", value=0, step=1, key="train_seed")
        metric_every = 0
        if task == "generate":
            metric_every = right.number_input(
                "Measure FD every (steps, 0 = off)", value=DEFAULT_METRIC_EVERY, min_value=0, step=50,
                key="train_metric_every", help="Fréchet distance, KID and precision/recall of 500 samples in our "
                "feature space (datasets with a shipped feature network: "
                f"{', '.join(sorted(FEATURE_NETWORKS))}); the lowest-FD weights are kept in best/")
        model_kwargs = {"image_size": int(image_size)}
        with st.expander("Advanced (per-model settings)"):
            a, b = st.columns(2)
            settings = {"generate": noise_model_settings, "translate": translation_model_settings,
                        "colorize": translation_model_settings}.get(task)
            if settings is None:
                st.caption(f"{model} trains with its own defaults here.")
            else:
                model_kwargs.update(settings(model, defaults, a, b))
            precision = st.selectbox("Precision", PRECISIONS, key="train_precision",
                                     help=f"On this server auto means {auto_precision_note()}. bf16 autocast runs "
                                          "convolutions in bfloat16 where the hardware does that faster; weights, "
                                          "batch-norm statistics and losses stay fp32.")
        limits = manager.limits.describe()
        if limits:
            st.caption(f"This server allows {limits}.")
        submitted = st.form_submit_button("Start training", type="primary", icon=":material/play_arrow:")
    if not submitted:
        return
    if uploaded_zip is not None:
        if dataset != FOLDER_DATASET.get(kind):
            st.error(f"An uploaded .zip is read by the {FOLDER_DATASET.get(kind)} dataset: choose it, or remove "
                     "the upload.")
            return
        folder = str(save_upload(uploaded_zip.name, uploaded_zip.getvalue()))
    if dataset == FOLDER_DATASET.get(kind) and not folder.strip():
        st.error(f"The {dataset} dataset needs a path: fill in “{FOLDER_LABEL[kind]}”.")
        return
    if not infos[dataset].available and dataset != FOLDER_DATASET.get(kind):
        # Online servers download it on first use; offline the job fails with the library's one-line message.
        st.warning(infos[dataset].reason)
    if metric_every and dataset not in FEATURE_NETWORKS:
        st.info(f"FD is measured on {', '.join(sorted(FEATURE_NETWORKS))} only (no feature network for {dataset}): "
                "this run trains without it.")
        metric_every = 0
    # Curves need every step logged and the grid a fresh preview each second; the GIF keeps ~20 grids.
    cfg = TrainConfig(steps=int(steps), batch_size=int(batch_size), lr=float(lr), lr_d=float(lr_d) or None,
                      seed=int(seed), log_every=1, sample_every=max(int(steps) // 20, 1) if steps > 0 else 200,
                      preview_seconds=1.0, metric_every=int(metric_every), precision=precision)
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


def metric_chart(metrics: dict) -> dict:
    """FD over the steps (lower is better), the best point marked: what ``best/`` holds."""
    steps, values = metrics["step"], metrics["fd"]
    best = min(range(len(values)), key=lambda i: values[i])
    traces = [{"type": "scatter", "mode": "lines+markers", "name": "FD", "x": steps, "y": values},
              {"type": "scatter", "mode": "markers", "name": f"best (step {steps[best]:.0f}, kept in best/)",
               "x": [steps[best]], "y": [values[best]], "marker": {"size": 12, "symbol": "star"}}]
    layout = {"height": 260, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "xaxis": {"title": {"text": "step"}},
              "yaxis": {"title": {"text": "FD (our features)"}}, "legend": {"orientation": "h", "y": 1.18}}
    return {"data": traces, "layout": layout}


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


@st.cache_data(max_entries=32, show_spinner=False)
def run_config(run_dir: Path, config_modified: float) -> dict:
    """The run's config.json ({} until it is written); ``config_modified`` only keys the cache."""
    try:
        return gans.RunDir(run_dir).read_config()
    except gans.GansError:
        return {}


def run_task(config: dict) -> str:
    """The run's task: "translate" (image-to-image), "colorize" or "generate" (also for an architecture this
    version lacks)."""
    try:
        return model_task(config.get("architecture", ""))
    except gans.GansError:
        return "generate"


def run_settings(config: dict) -> str:
    """One line with the run's model and training settings (the form may show other values)."""
    if not config:
        return ""
    train, data = config.get("train", {}), config.get("data", {})
    precision = train.get("precision_used") or train.get("precision")
    return (f"{config.get('architecture')} on {data.get('name')} · {train.get('steps')} steps · batch "
            f"{train.get('batch_size')} · {config.get('model', {}).get('image_size')} px · seed {train.get('seed')}"
            + (f" · {precision}" if precision else ""))


def grid_caption(config: dict, grid: Path) -> str:
    """Noise grids are fixed noise; translation grids hold one example per column, rows as the model draws them."""
    when = grid.stem.replace("_", " ")
    task = run_task(config)
    if task == "translate":
        domains = (config.get("data") or {}).get("domains")
        return f"rows: {translation_rows(config.get('architecture', ''), domains)} · {when}"
    if task == "colorize":
        return f"rows: {COLORIZE_ROWS} · {when}"
    return f"fixed noise · {when}" if task == "generate" else when


def live_view() -> None:
    status = manager.status()
    run_dir = watched_run()
    if status.get("state") == "error" and (run_dir is None or str(run_dir) != status.get("run_dir")):
        st.error(f"The last job failed: {status['error']}")  # before it wrote a run directory
    if run_dir is None and status["busy"]:
        st.info("Starting the training job…")
        return
    if run_dir is None:
        st.info("No run yet: choose a model and press Start. The embedded Fashion-MNIST subset works offline, and "
                "so do the image-to-image demos made from it (edges2fashion, sneaker2boot); the colorizer trains on "
                "your own colour photos (photo-folder) or on offline-photos where it is installed.")
        return
    progress = read_progress(run_dir)
    running = manager.busy and manager.run_dir == run_dir
    if progress.state == "running" and not running:
        progress.state = "interrupted"  # the log never ended: the server stopped mid-run
    st.subheader(f"Run {run_dir.name}")
    config_path = gans.RunDir(run_dir).config_path
    config = run_config(run_dir, config_path.stat().st_mtime if config_path.exists() else 0.0)
    st.caption(run_settings(config))
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
        if progress.metrics.get("fd"):
            st.plotly_chart(metric_chart(progress.metrics), key="train_metric_chart")
        elif config.get("train", {}).get("metric_every"):
            st.caption(f"The FD curve appears at step {config['train']['metric_every']}.")
    with samples:
        if progress.latest_sample is not None:
            st.image(str(progress.latest_sample), caption=grid_caption(config, progress.latest_sample),
                     width="stretch")

    if running and manager.stopping:
        st.info("Stopping: saving a checkpoint…")
    elif running:
        # Anyone on this server may stop the job (see the README on public deployments).
        if st.button("Stop (saves a checkpoint)", key="train_stop", icon=":material/stop:"):
            manager.stop(wait=False)  # the worker saves and ends; the next poll shows it stopped
            st.rerun()
    else:
        finished_actions(run_dir, progress, run_task(config))
    if running != st.session_state.get("train_was_running", False):
        st.session_state["train_was_running"] = running
        st.rerun()  # switch the whole page between its running and idle layouts


def finished_actions(run_dir: Path, progress, task: str) -> None:
    if progress.state not in ("finished", "stopped", "interrupted"):
        return
    resume_col, open_col = st.columns(2)
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
    with open_col:
        if task == "translate":  # Explore walks latent spaces; image-to-image models have none
            if st.button("Open in Translate", key="train_open_translate", icon=":material/compare:"):
                open_in_translate(run_dir)
        elif task == "colorize":
            if st.button("Open in Colorize", key="train_open_colorize", icon=":material/palette:"):
                open_in_colorize(run_dir)
        elif task == "generate" and st.button("Open in Explore", key="train_open_explore", icon=":material/explore:"):
            st.session_state["explore_run"] = str(run_dir)
            st.switch_page("pages/explore.py")
    grid = progress.latest_sample
    gif = gans.RunDir(run_dir).gif_path
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
