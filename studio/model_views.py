"""Explore's views of a model's own structure: a text-to-image model's prompt box, where SAGAN's generator attends,
StyleGAN's style mixing, ψ and noise inputs, projection, and a class-conditional model's samples as a labelled
dataset (a zip). Widgets → ``gans.tasks.explore`` / ``gans.tasks.project`` / ``gans.tasks.synth`` → ``st.image`` /
downloads; every picture is cached by its inputs. Projection runs only when asked, in the background
(``gans.tasks.project_job``)."""

from __future__ import annotations

import streamlit as st

import gans
from gans.ops.text import read_prompt, takes_text, unknown_note
from gans.tasks import explore, project, synth
from gans.tasks.project_job import ProjectionJob
from studio.common import KEEP, image_uploader, plain, upload_or_example
from studio.pickers import picture, seed_input


def model_views(model, key: tuple, info, seed_a: int) -> None:
    """The views this model has (``info``: its ``CheckpointInfo``), below the walk: attention (SAGAN), styles
    (StyleGAN), a labelled dataset of samples (class-conditional models); projection for every one. A text-to-image
    model's prompt box (``text_view``) comes before the walk, at the top of the page."""
    if explore.has_attention(model):
        attention_view(model, key)
    if explore.has_styles(model):
        style_view(model, key)
    if model.conditional:
        synth_view(model, key, info.class_names)
    projection_view(model, key, info.data, seed_a)


def prompt_first(model, key: tuple) -> None:
    """A text-to-image model's prompt box (``text_view``), then the heading of the seed walk below it; nothing for
    other models."""
    if takes_text(model):
        text_view(model, key)
        st.subheader("Between two seeds")


def text_view(model, key: tuple) -> None:
    """The prompt box, its message (an empty prompt, unknown words) directly under it, then the seed, the
    truncation, the vocabulary and the grid: the first view of a text-to-image model (``pages/explore.py``)."""
    st.subheader("From a text prompt")
    text = st.text_input("Prompt", explore.example_prompt(model), key="explore_prompt", persist_state=KEEP,
                         help="A class, in its own name or an everyday form, and any attributes, in any order")
    prompt = None
    if not text.strip():
        st.info("Type a prompt to draw it, e.g. " + repr(explore.example_prompt(model)) + ".")
    else:
        try:
            prompt = read_prompt(model, text)  # quick: no drawing, so its message shows under the box at once
        except gans.GansError as error:  # every word unknown
            st.error(str(error))
    if prompt is not None and (note := unknown_note(prompt)):
        st.warning(note[:1].upper() + note[1:] + ".")
    seed_column, truncation_column = st.columns(2)
    with seed_column:
        seed = seed_input("Prompt seed", "explore_prompt_seed", 0)
    with truncation_column:
        truncation = explore.truncation_value(st.select_slider(
            "Prompt truncation", explore.TRUNCATION_CHOICES, value=explore.PROMPT_TRUNCATION, persist_state=KEEP,
            key="explore_prompt_truncation", help="Redraw latent values beyond ± this value: lower keeps the samples "
            "closer to what the prompt names, with less variety (BigGAN's trick)"))
    with st.expander("The model's vocabulary"):
        st.caption("The model learned these words from synthetic captions: each training image's class plus "
                   "attributes measured from its pixels.")
        st.markdown(", ".join(f"`{word}`" for word in model.vocabulary.known_words))
    if prompt is None:
        return
    try:
        grid, prompt = picture(explore.prompt_grid, model, key, text, seed, explore.GRID_SIZE, truncation)
    except gans.GansError as error:  # over GANS_MAX_SAMPLES, a busy server
        st.error(str(error))
        return
    st.image(grid, caption=f"{explore.GRID_SIZE} samples of {' '.join(prompt.words)!r} · seed {seed} · truncation "
                         f"{truncation or 'off'}",
             output_format="PNG")


def synth_view(model, key: tuple, class_names: list[str]) -> None:
    st.subheader("A labelled dataset of samples")
    st.caption("One folder per class, named so that the folder dataset (`--data folder`) reads it back with these "
               "labels; the same as `python -m gans synth`.")
    per_class = st.number_input("Images per class", 1, 1000, 20, key="explore_synth_per_class", persist_state=KEEP)
    if st.button("Make the zip", key="explore_synth_make", icon=":material/folder_zip:"):
        try:
            with st.spinner("Drawing the samples…"):
                st.session_state["explore_synth_zip"] = (key, per_class, synth.synthesize_zip(model, per_class,
                                                                                               class_names))
        except gans.GansError as error:  # over GANS_MAX_SAMPLES, a busy server
            st.error(str(error))
    made = st.session_state.get("explore_synth_zip")
    if made and made[:2] == (key, per_class):
        st.download_button(f"Download {per_class * model.num_classes:,} labelled samples (.zip)", made[2],
                           file_name="synthetic.zip", mime="application/zip", on_click="ignore",
                           key="explore_synth_download", icon=":material/download:")


PROJECTION_JOB = "explore_projection_job"  # the session's ProjectionJob, with what it was asked for
UNWATCHED_AFTER = 20.0  # seconds without a look from its page (it polls every 0.5 s) before a projection stops


def projection_view(model, key: tuple, data_name: str, seed_a: int) -> None:
    """Pick an image (an upload or a test image) and the steps; the projection runs only when **Project** is
    pressed, in the background (``gans.tasks.project_job``), so nothing else on the page waits for it. Its progress,
    then its result, show in a fragment that polls the job while it runs."""
    st.subheader("Start from a real image")
    st.caption("Projection finds the latent from which the generator draws the image closest to yours (pixels plus "
               "our classifier's features), then walks from seed A to it. It fits what the model can draw: a "
               "Fashion-MNIST model draws light garments on black.")
    upload = image_uploader("An image to project (PNG, JPEG, BMP, GIF, WebP or TIFF)", "explore_project")
    examples = project.held_out_examples(data_name)
    chosen = upload_or_example(upload, "explore_project", examples, "Or a test image", [name for name, _ in examples],
                               "Images of the test split, never seen in training:",
                               "Upload an image to project it into this model's latent space.")
    held = st.session_state.get(PROJECTION_JOB)
    if held is not None and held[0][0] != key:  # another checkpoint was picked: its projection is of no use now
        held[1].stop()
        st.session_state.pop(PROJECTION_JOB)
    if chosen is None:
        return
    steps = st.select_slider("Optimisation steps", (50, 100, 200, 300, 500, 1000), value=project.DEFAULT_STEPS,
                             key="explore_project_steps", persist_state=KEEP)
    request = (key, chosen[0], chosen[1], steps)
    if st.button("Project", key="explore_project_run", icon=":material/play_arrow:", type="primary",
                 help="Runs in the background with a progress bar; the rest of the page stays usable"):
        if held is not None:
            held[1].stop()
        job = ProjectionJob(model, chosen[1], steps, data_name, name="The image", cache_key=key,
                            unwatched_after=UNWATCHED_AFTER).start()
        st.session_state[PROJECTION_JOB] = (request, job)
    held = st.session_state.get(PROJECTION_JOB)
    polling = held is not None and held[1].running
    st.fragment(run_every=0.5 if polling else None)(projection_status)(model, request, seed_a, polling)


def projection_status(model, request: tuple, seed_a: int, polling: bool) -> None:
    """The session's projection of ``request``: a progress bar with the time left and a Stop button while it
    runs, then its result (or its one-line error). ``polling``: this fragment reruns on a timer; once the job has
    ended, the page reruns once so the timer stops."""
    held = st.session_state.get(PROJECTION_JOB)
    job = held[1] if held is not None else None
    if polling and (job is None or not job.running):
        st.rerun()
    if job is not None and job.running:  # of this image, or of the one picked before: it runs until stopped
        job.watched()  # polled every half second while it runs: a closed tab stops polling, and the job stops
        st.progress(job.fraction, text=f"Projecting {plain(held[0][1])}: {job.status_line()}")
        if st.button("Stop", key="explore_project_stop", icon=":material/stop:"):
            job.stop()
        return
    name = plain(request[1])  # an uploaded file's name: plain text, never Markdown
    if job is None or held[0] != request:
        st.caption(f"Press **Project** to project {name} ({request[3]} steps).")
        return
    if job.state == "error":
        st.error(f"{name}: {job.error}")
        return
    if job.state == "stopped":
        st.info(f"The projection of {name} was stopped; press **Project** to start it again.")
        return
    view = job.view
    st.image([view.target, view.reconstruction, view.error_map], caption=["Target", "Reconstruction", "Error"],
             output_format="PNG")
    st.caption(f"{name}: {view.caption}")  # which image: an upload or a test image
    try:
        walk = project.walk_pictures(model, view.projection, seed_a)  # six frames: quick
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image(walk, caption=[f"seed {seed_a}"] + [""] * (len(walk) - 2) + ["projection"], output_format="PNG")
    st.download_button("Download the latent (.npz)", view.npz, file_name="projected.npz", mime="application/zip",
                       on_click="ignore", key="explore_project_npz", icon=":material/download:")


def attention_view(model, key: tuple) -> None:
    st.subheader("Where the generator attends")
    st.caption("SAGAN's self-attention lets each pixel draw on every other part of the image. Pick a pixel of a "
               "sample to see which places it draws from.")
    size = model.config()["image_size"]
    columns = st.columns(3)
    with columns[0]:
        seed = seed_input("Sample seed", "explore_attention_seed", 0)
    with columns[1]:
        x = st.slider("Pixel x (from the left)", 0, size - 1, size // 2, key="explore_attention_x", persist_state=KEEP)
    with columns[2]:
        y = st.slider("Pixel y (from the top)", 0, size - 1, size // 2, key="explore_attention_y", persist_state=KEEP)
    try:
        marked, heat, caption = picture(explore.attention_pictures, model, key, seed, x, y)
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image([marked, heat], caption=[f"Seed {seed}, pixel ({x}, {y})", "Its attention"], output_format="PNG")
    st.caption(caption)


def style_view(model, key: tuple) -> None:
    st.subheader("Styles")
    st.caption("StyleGAN draws each layer from its own copy of w. Mixing takes some layers' styles from another "
               "seed: coarse ones set pose and shape, middle ones features, fine ones texture and shading.")
    controls = st.columns(3)
    with controls[0]:
        group = st.radio("Styles taken from seeds B", ("coarse", "middle", "fine"), horizontal=True,
                         key="explore_style_group", persist_state=KEEP)
    with controls[1]:
        psi = st.slider("ψ (truncation toward the mean w)", 0.0, 1.0, 1.0, 0.05, key="explore_psi", persist_state=KEEP,
                        help="1: as trained; lower: more typical, less varied; 0: the average image for every seed")
    with controls[2]:
        first = seed_input("First seed A (B follows the As)", "explore_mix_seed", 0)
    seeds_a = list(range(first, first + explore.MIX_SEEDS))
    seeds_b = list(range(first + explore.MIX_SEEDS, first + 2 * explore.MIX_SEEDS))
    try:
        grid = picture(explore.style_mix_picture, model, key, seeds_a, seeds_b, group, psi)
        variations = picture(explore.noise_pictures, model, key, first, psi)
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image(grid, caption=f"Rows: seeds {seeds_a} · columns: seeds {seeds_b} · {group} styles from the column · "
                           f"ψ = {psi:.2f}", output_format="PNG")
    st.markdown("**Noise inputs only**")
    st.image(variations, caption=["fixed noise"] + [f"noise {n}" for n in range(1, len(variations))],
             output_format="PNG")
    st.caption(f"Seed {first}'s styles with its noise inputs redrawn: what changes is what the noise draws.")
