"""Explore: walk a trained generator's latent space from seed A to seed B, across classes, and at random.

Only noise → image models have a latent space; image-to-image ones (pix2pix, CycleGAN) are pointed to Translate,
colorizers to Colorize.

Widgets → ``gans.explore`` / ``model.sample`` → ``st.image``. The model is cached per checkpoint (path and weights
time, so a retrained run reloads); every picture is cached by its inputs, and only the t slider and its frame rerun
when t moves (an ``st.fragment``).
"""

import random
from pathlib import Path

import streamlit as st

import gans
from gans import explore
from gans.catalog import CheckpointInfo, describe, list_checkpoints
from gans.images import grid_image
from studio.common import hub_id_box, load_picked, open_in_colorize, open_in_translate
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

HUB_CHOICE = "<hub>"  # the picker's last option: a Hugging Face Hub repo id typed in a text box
MAX_SEED = 2**31 - 1  # seeds stay exact in the browser's number input
TRUNCATION_CHOICES = ["off"] + [round(0.1 * tenths, 1) for tenths in range(1, 21)]  # off, 0.1 ... 2.0
GRID_SIZE = 36
KEEP = "session"  # widget values survive a visit to another page


# ---- cached work: the model and every picture -----------------------------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def frame_picture(_model, model_key, seed_a, seed_b, t, mode, label, truncation):
    """The frame at ``t``, enlarged to about 256 px with crisp pixels."""
    image = explore.image_at(_model, seed_a, seed_b, t, mode, label, truncation)
    return explore.enlarge(image, explore.display_scale(image.shape[-1]))


@st.cache_data(max_entries=32, show_spinner=False)
def walk_pictures(_model, model_key, seed_a, seed_b, frames, mode, label, truncation):
    """The walk as enlarged frames (for a strip) and as GIF bytes (for the download)."""
    images = explore.walk_images(_model, seed_a, seed_b, frames, mode, label, truncation)
    scale = explore.display_scale(images.shape[-1], target_pixels=96)
    return [explore.enlarge(image, scale) for image in images], explore.walk_gif(images, scale=scale)


@st.cache_data(max_entries=32, show_spinner=False)
def class_walk_pictures(_model, model_key, seed, truncation):
    """Seed ``seed`` drawn as every class, one enlarged picture per class."""
    images = explore.class_walk(_model, seed, truncation)
    scale = explore.display_scale(images.shape[-1], target_pixels=96)
    return [explore.enlarge(image, scale) for image in images]


@st.cache_data(max_entries=32, show_spinner=False)
def grid_picture(_model, model_key, seed, truncation):
    """``GRID_SIZE`` random samples of ``seed`` as one grid."""
    images = _model.sample(GRID_SIZE, seed=seed, truncation=truncation)
    return grid_image(images, scale=explore.display_scale(images.shape[-1], target_pixels=64))


# ---- picking a checkpoint --------------------------------------------------------------------------------------
def same_folder(a: str, b: str) -> bool:
    """Whether two spellings of a folder path name the same folder."""
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def take_open_request() -> str | None:
    """Select the run the Train page asked to open (``st.session_state["explore_run"]``, a run folder path).

    The request is taken once, so the user's later picks stick and a new request, even for the same run, opens it
    again; the run is remembered as ``explore_opened_run`` so it stays in the picker when it lies outside the runs
    folder."""
    requested = st.session_state.pop("explore_run", None)
    if requested:
        info = describe(requested)
        if info is not None and info.task != "generate":  # no latent space: say where it goes instead
            st.session_state["explore_elsewhere_run"] = str(requested)
            return None
        st.session_state.pop("explore_elsewhere_run", None)
        st.session_state["explore_opened_run"] = str(requested)
        st.session_state["explore_checkpoint"] = str(requested)  # matched to the picker's spelling below
    return requested


def elsewhere_notice(name: str, architecture: str, task: str, run_dir: str | None = None) -> None:
    """Explore walks latent spaces; image-to-image models and colorizers have none, so point to their page."""
    if task == "colorize":
        st.info(f"**{name}** is a colorizer ({architecture}): it colours gray photos instead of drawing images from "
                "noise, so it has no latent space to explore. Open it on the **Colorize** page, or from a terminal: "
                f"`python -m gans colorize photo.jpg -o colour.png --checkpoint {run_dir or name}`.",
                icon=":material/palette:")
        if run_dir is not None and st.button("Open in Colorize", key="explore_open_colorize",
                                             icon=":material/palette:"):
            st.session_state.pop("explore_elsewhere_run", None)
            open_in_colorize(run_dir)
        return
    st.info(f"**{name}** is an image-to-image model ({architecture}): it translates images instead of drawing them "
            "from noise, so it has no latent space to explore. Open it on the **Translate** page, or from a terminal: "
            f"`python -m gans translate {run_dir or name} input.png -o output.png`.", icon=":material/compare:")
    if run_dir is not None and st.button("Open in Translate", key="explore_open_translate", icon=":material/compare:"):
        st.session_state.pop("explore_elsewhere_run", None)
        open_in_translate(run_dir)


def forget_elsewhere_request() -> None:
    """The user picked another checkpoint: the notice about the run they came with has done its job."""
    st.session_state.pop("explore_elsewhere_run", None)


def checkpoint_choices() -> dict[str, str]:
    """Picker options: run folder → label; shipped checkpoints first, then local runs newest first, then the run
    opened from the Train page when it lies elsewhere."""
    choices = {str(info.path): info.label for info in list_checkpoints(task="generate")}
    opened = st.session_state.get("explore_opened_run")
    if opened and not any(same_folder(opened, path) for path in choices):
        info = describe(opened)
        if info is not None and info.task == "generate":
            choices[str(info.path)] = info.label
    return choices


def keep_a_valid_pick(choices: dict[str, str]) -> None:
    """Keep the current pick when it is still there (under the picker's spelling of its path); else select the
    first shipped checkpoint, or the Hub box when there is no checkpoint at all."""
    picked = st.session_state.get("explore_checkpoint")
    if picked in [*choices, HUB_CHOICE]:
        return
    match = next((path for path in choices if picked and same_folder(picked, path)), None)
    st.session_state["explore_checkpoint"] = match or next(iter(choices), HUB_CHOICE)


def pick_checkpoint() -> tuple[str, bool]:
    """The picked run folder or Hub repo id, and whether it is a Hub id; stops the page while there is nothing to
    show. The Hub box takes repo ids only, never a path on the server."""
    requested = take_open_request()
    elsewhere_run = st.session_state.get("explore_elsewhere_run")
    info = describe(elsewhere_run) if elsewhere_run else None
    if info is not None:
        elsewhere_notice(info.path.name, info.architecture, info.task, str(info.path))
    choices = checkpoint_choices()
    if not choices:
        st.info("No checkpoints yet. Train one on the Train page, or from a terminal: "
                "`python -m gans train dcgan --steps 2000`. You can also load a model from the Hugging Face Hub.")
    keep_a_valid_pick(choices)
    if requested and not same_folder(requested, st.session_state["explore_checkpoint"]):
        st.warning(f"{requested} has no saved model yet (it needs config.json and model.safetensors); "
                   "showing another checkpoint instead.")
    choice = st.selectbox("Checkpoint", [*choices, HUB_CHOICE], key="explore_checkpoint", persist_state=KEEP,
                          format_func=lambda path: choices.get(path, "A Hugging Face Hub repo id…"),
                          help="Noise → image models; image-to-image ones (pix2pix, CycleGAN) are on the Translate "
                               "page, colorizers on the Colorize page", on_change=forget_elsewhere_request)
    if choice != HUB_CHOICE:
        return choice, False
    return hub_id_box("explore", "user/my-dcgan"), True


def model_facts(info: CheckpointInfo) -> str:
    """One line of model-card facts: architecture, data, steps, image size and colours, classes."""
    colours = "grayscale" if info.channels == 1 else "RGB"
    classes = f"{info.num_classes} classes" if info.num_classes else "unconditional"
    return (f"**{info.architecture}** · data **{info.data}** · **{info.step:,}** steps · "
            f"**{info.image_size}×{info.image_size}** px {colours} · {classes}")


# ---- the explorer ----------------------------------------------------------------------------------------------
def new_grid_seed() -> None:
    """Reseed button: a new random seed for the grid, never the one shown now."""
    old = st.session_state.get("explore_grid_seed")
    seed = old
    while seed == old:
        seed = random.randrange(MAX_SEED)
    st.session_state["explore_grid_seed"] = seed


@st.fragment
def frame_at_t(model, model_key, seed_a, seed_b, mode, label, truncation) -> None:
    """The t slider and the large frame: the only part that reruns while t moves (so it catches its own errors)."""
    t = st.slider("t: from seed A (0) to seed B (1)", 0.0, 1.0, 0.0, 0.01, key="explore_t", persist_state=KEEP)
    try:
        picture = frame_picture(model, model_key, seed_a, seed_b, t, mode, label, truncation)
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image(picture, caption=f"t = {t:.2f} between seed {seed_a} and seed {seed_b}", output_format="PNG")


def explorer(model, model_key: tuple, info: CheckpointInfo) -> None:
    """Seeds, mode, truncation and class on the left, the frame at t on the right; then the walk strip with its GIF,
    the class walk (conditional models) and a random grid. ``model_key`` names the model in the picture caches."""
    controls, view = st.columns([1, 2], gap="large")
    with controls:
        seed_a = int(st.number_input("Seed A", 0, MAX_SEED, 0, key="explore_seed_a", persist_state=KEEP))
        seed_b = int(st.number_input("Seed B", 0, MAX_SEED, 1, key="explore_seed_b", persist_state=KEEP))
        mode = st.radio("Interpolation", ["slerp", "lerp"], horizontal=True, key="explore_mode", persist_state=KEEP,
                        help="slerp follows the sphere where Gaussian latents live; lerp is a straight line")
        truncation_choice = st.select_slider(
            "Truncation", TRUNCATION_CHOICES, value="off", key="explore_truncation", persist_state=KEEP,
            help="Redraw latent values beyond ± this value: lower is more typical, less varied (BigGAN's trick)")
        truncation = None if truncation_choice == "off" else float(truncation_choice)
        label = None
        if model.conditional:
            if st.session_state.get("explore_class") not in range(model.num_classes):
                st.session_state.pop("explore_class", None)  # a class of the previously picked model
            label = st.selectbox("Class", range(model.num_classes), key="explore_class", persist_state=KEEP,
                                 format_func=lambda index: info.class_names[index])
    with view:
        frame_at_t(model, model_key, seed_a, seed_b, mode, label, truncation)

    st.subheader("The walk")
    frames = st.slider("Frames", 2, 16, 8, key="explore_frames", persist_state=KEEP)
    pictures, gif = walk_pictures(model, model_key, seed_a, seed_b, frames, mode, label, truncation)
    st.image(pictures, caption=[f"t = {index / (frames - 1):.2f}" for index in range(frames)], output_format="PNG")
    st.download_button("Download the walk (GIF)", gif, file_name=f"walk-seed{seed_a}-seed{seed_b}-{mode}.gif",
                       mime="image/gif", on_click="ignore", key="explore_gif", icon=":material/download:")

    if model.conditional:
        st.subheader("Class walk")
        st.caption(f"Seed {seed_a}'s latent drawn as every class: what changes is what the model learned per class.")
        pictures = class_walk_pictures(model, model_key, seed_a, truncation)
        st.image(pictures, caption=info.class_names, output_format="PNG")

    st.subheader("Random samples")
    st.session_state.setdefault("explore_grid_seed", 0)
    grid_seed = st.session_state["explore_grid_seed"]
    st.button("Reseed", key="explore_reseed", on_click=new_grid_seed, icon=":material/casino:")
    st.image(grid_picture(model, model_key, grid_seed, truncation), caption=f"{GRID_SIZE} samples · seed {grid_seed}",
             output_format="PNG")


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Explore")
st.caption("Walk a trained generator's latent space: from one seed to another, across classes, and at random.")

source, from_hub = pick_checkpoint()
try:
    model, checkpoint = load_picked(source, from_hub)
    task = getattr(model, "task", checkpoint.task)
    if task != "generate":  # e.g. a typed Hub id of a pix2pix model or a colorizer
        elsewhere_notice(source, checkpoint.architecture, task)
        st.stop()
    st.markdown(model_facts(checkpoint))
    explorer(model, (source, checkpoint.modified), checkpoint)
except gans.GansError as error:
    st.error(str(error))
