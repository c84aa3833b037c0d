"""Explore: walk a trained generator's latent space (seed A to seed B, across classes, at random); attention maps,
style mixing, projection on request (``studio.model_views``). Image-to-image models are pointed to their own page.
Widgets → ``gans.tasks.explore`` → ``st.image``; models come from the shared cache, pictures are cached by their inputs
(``studio.pickers.picture``); only the t slider and its frame rerun when t moves."""

import streamlit as st

import gans
from gans.tasks import explore
from gans.views import diversity
from gans.views.catalog import CheckpointInfo, describe, example_model, find_choice, train_command
from studio.common import KEEP, TASK_OPENERS as ELSEWHERE, load_picked, pick_task_checkpoint
from studio.model_views import model_views, prompt_first
from studio.pickers import GENERATE, MAX_SEED, generate_checkpoints, model_key, picture, seed_input
from studio.shell import ensure_shell

ensure_shell()  # a fresh server's first deep link runs this page outside the router

# ---- picking a checkpoint --------------------------------------------------------------------------------------
def take_open_request() -> str | None:
    """Select the run another page asked to open (``explore_run``), once, so later picks stick; it stays listed
    (``explore_opened_run``) even outside the runs folder. A run without a latent space gets the notice instead."""
    requested = st.session_state.pop("explore_run", None)
    if requested:
        info = describe(requested)
        if info is not None and info.task != GENERATE:
            st.session_state["explore_elsewhere_run"] = str(requested)
            return None
        st.session_state.pop("explore_elsewhere_run", None)
        st.session_state["explore_opened_run"] = st.session_state["explore_checkpoint"] = str(requested)
    return requested


def elsewhere_notice(name: str, architecture: str, task: str, run_dir: str | None = None) -> None:
    """Say where a model without a latent space goes, with a button to open a run folder there."""
    label, icon, open_there = ELSEWHERE.get(task, ELSEWHERE["translate"])
    st.info(explore.elsewhere_message(name, architecture, task, run_dir), icon=icon)
    if run_dir is not None and st.button(label, key=f"explore_open_{task}", icon=icon):
        forget_elsewhere_request()
        open_there(run_dir)


def forget_elsewhere_request() -> None:
    st.session_state.pop("explore_elsewhere_run", None)


def pick_generator() -> tuple[str, bool]:
    """The picked run folder or Hub repo id and whether it is a Hub id (``pick_task_checkpoint``). Not the tool
    pages' ``pick_checkpoint``: Explore also keeps a run opened from the Train page listed outside the runs folder,
    warns about run folders it cannot read, and sends a run without a latent space to its own page."""
    requested = take_open_request()
    if (elsewhere := st.session_state.get("explore_elsewhere_run")) and (info := describe(elsewhere)):
        elsewhere_notice(info.path.name, info.architecture, info.task, str(info.path))
    listed = generate_checkpoints(also=st.session_state.get("explore_opened_run"))
    choices = {path: checkpoint.label for path, checkpoint in listed.items()}
    if not choices:
        st.info(f"No checkpoints yet. Train one on the Train page, or from a terminal: `{train_command()}`. You can "
                "also load a model from the Hugging Face Hub.")
    if requested and find_choice(requested, choices) is None:
        st.warning(f"{requested} has no saved model yet (it needs config.json and model.safetensors); "
                   "showing another checkpoint instead.")
    return pick_task_checkpoint(choices, "explore", f"user/my-{example_model()}", on_change=forget_elsewhere_request,
                                help="Noise → image models; image-to-image ones are on the Translate page, "
                                     "colorizers on the Colorize page")


# ---- the explorer ----------------------------------------------------------------------------------------------
def new_grid_seed() -> None:
    st.session_state["explore_grid_seed"] = explore.other_seed(st.session_state.get("explore_grid_seed"), MAX_SEED)


@st.fragment
def frame_at_t(model, key, seed_a, seed_b, mode, label, truncation) -> None:
    """The t slider and the large frame: the only part that reruns while t moves (so it catches its own errors)."""
    t = st.slider("t: from seed A (0) to seed B (1)", 0.0, 1.0, 0.0, 0.01, key="explore_t", persist_state=KEEP)
    try:
        frame = picture(explore.frame_picture, model, key, seed_a, seed_b, t, mode, label, truncation)
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image(frame, caption=f"t = {t:.2f} between seed {seed_a} and seed {seed_b}", output_format="PNG")


def explorer(model, info: CheckpointInfo) -> None:
    """(A text model's prompt box,) seeds, mode, truncation and class beside the frame at t; the walk strip and its
    GIF, the class walk (conditional models), a random grid, then the model's own views (``studio.model_views``)."""
    key = model_key(info)
    prompt_first(model, key)  # a text-to-image model's prompt box, on the first screen
    controls, view = st.columns([1, 2], gap="large")
    with controls:
        seed_a, seed_b = seed_input("Seed A", "explore_seed_a", 0), seed_input("Seed B", "explore_seed_b", 1)
        mode = st.radio("Interpolation", explore.MODES, horizontal=True, key="explore_mode", persist_state=KEEP,
                        help="slerp follows the sphere where Gaussian latents live; lerp is a straight line")
        truncation = explore.truncation_value(st.select_slider(
            "Truncation", explore.TRUNCATION_CHOICES, value="off", key="explore_truncation", persist_state=KEEP,
            help="Redraw latent values beyond ± this value: lower is more typical, less varied (BigGAN's trick)"))
        label = None
        if model.conditional:
            if st.session_state.get("explore_class") not in range(model.num_classes):
                st.session_state.pop("explore_class", None)  # a class of the previously picked model
            label = st.selectbox("Class", range(model.num_classes), key="explore_class", persist_state=KEEP,
                                 format_func=lambda index: info.class_names[index])
    with view:
        frame_at_t(model, key, seed_a, seed_b, mode, label, truncation)

    st.subheader("The walk")
    frames = st.slider("Frames", 2, 16, 8, key="explore_frames", persist_state=KEEP)
    strip, gif = picture(explore.walk_strip, model, key, seed_a, seed_b, frames, mode, label, truncation)
    st.image(strip, caption=explore.walk_positions(frames), output_format="PNG")
    if note := picture(diversity.walk_variety_note, model, key, seed_a, seed_b, frames, mode, label, truncation):
        st.caption(note)  # e.g. a class-conditional model with little variety within the class: nearly one picture
    st.download_button("Download the walk (GIF)", gif, file_name=f"walk-seed{seed_a}-seed{seed_b}-{mode}.gif",
                       mime="image/gif", on_click="ignore", key="explore_gif", icon=":material/download:")
    if model.conditional:
        st.subheader("Class walk")
        st.caption(f"Seed {seed_a}'s latent drawn as every class: what changes is what the model learned per class.")
        st.image(picture(explore.class_walk_pictures, model, key, seed_a, truncation), caption=info.class_names,
                 output_format="PNG")
    st.subheader("Random samples")
    grid_seed = st.session_state.setdefault("explore_grid_seed", 0)
    st.button("Reseed", key="explore_reseed", on_click=new_grid_seed, icon=":material/casino:")
    st.image(picture(explore.sample_grid, model, key, grid_seed, explore.GRID_SIZE, truncation),
             caption=f"{explore.GRID_SIZE} samples · seed {grid_seed}", output_format="PNG")
    model_views(model, key, info, seed_a)  # attention, styles, labelled samples, projection


# ---- the page --------------------------------------------------------------------------------------------------
st.title("Explore")
st.caption("Walk a trained generator's latent space: from one seed to another, across classes, and at random.")

source, from_hub = pick_generator()
try:
    model, checkpoint = load_picked(source, from_hub)
    task = getattr(model, "task", checkpoint.task)
    if task != GENERATE:  # e.g. a typed Hub id of an image-to-image model or a colorizer
        elsewhere_notice(source, checkpoint.architecture, task)
        st.stop()
    st.markdown(explore.model_facts(checkpoint))
    explorer(model, checkpoint)
except gans.GansError as error:
    st.error(str(error))
