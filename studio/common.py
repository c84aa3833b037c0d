"""Small helpers shared by the pages: cached library objects and the sidebar."""

from __future__ import annotations

import streamlit as st

# gans.registry.model_task → words
TASK_LABELS = {"generate": "noise → image", "translate": "image → image", "colorize": "gray → colour"}
COLORIZE_ROWS = "gray input · colorized · original"  # the rows of a colorizer run's progress grid, top to bottom


@st.cache_resource
def device_label() -> str:
    from gans.devices import describe_device, resolve_device
    from gans.precision import resolve_precision

    device = resolve_device("auto")
    return f"{describe_device(device)}, {resolve_precision('auto', device)}"


@st.cache_resource
def job_manager():
    """The server's one training job manager, shared by every browser session."""
    from gans.training.jobs import JobManager

    return JobManager()


@st.cache_data(ttl=30)
def dataset_table() -> list[dict]:
    import gans

    return [
        {"dataset": d.name, "kind": d.kind, "available": "yes" if d.available else "no",
         "classes": str(d.num_classes or "-"), "where / how": d.reason}
        for d in gans.list_datasets()
    ]


@st.cache_data
def model_table() -> list[dict]:
    import gans
    from gans.registry import model_factory, model_task

    return [{"model": name, "task": TASK_LABELS.get(model_task(name), model_task(name)),
             "what": (model_factory(name).__doc__ or "").strip().splitlines()[0]}
            for name in gans.list_models()]


def translation_rows(architecture: str, domains: list[str] | None = None) -> str:
    """What the rows of an image-to-image run's progress grid show, top to bottom (one column per example):
    input · output · target for one-way models (pix2pix), A · A → B · B · B → A for two-way ones (CycleGAN)."""
    from gans.registry import model_class

    try:
        two_way = len(getattr(model_class(architecture), "directions", ("a2b",))) > 1
    except Exception:  # noqa: BLE001  an architecture this version does not know: the one-way wording
        two_way = False
    if not two_way:
        return "input · output · target"
    a, b = (domains or [])[:2] if len(domains or []) >= 2 else ("A", "B")
    return f"{a} · {a} → {b} · {b} · {b} → {a}"


def open_run_on(page: str, session_key: str, run_dir, unavailable: str) -> None:
    """Hand ``run_dir`` to ``page`` (which reads ``st.session_state[session_key]``) and go there; on a server whose
    router lacks that page, show ``unavailable`` instead."""
    from streamlit.errors import StreamlitAPIException

    st.session_state[session_key] = str(run_dir)
    try:
        st.switch_page(page)
    except StreamlitAPIException:
        st.error(unavailable)


def open_in_translate(run_dir) -> None:
    """Hand ``run_dir`` to the Translate page and go there (as "Open in Explore" does with ``explore_run``)."""
    open_run_on("pages/translate.py", "translate_run", run_dir,
                "The Translate page is not available on this server; translate with "
                f"`python -m gans translate {run_dir} input.png -o output.png`.")


def open_in_colorize(run_dir) -> None:
    """Hand ``run_dir`` to the Colorize page and go there."""
    open_run_on("pages/colorize.py", "colorize_run", run_dir,
                "The Colorize page is not available on this server; colour a photo with "
                f"`python -m gans colorize photo.jpg -o colour.png --checkpoint {run_dir}`.")


def sidebar_status() -> None:
    """Device in use and the server's running job, if any (polled, so a job started elsewhere shows up)."""
    st.caption(f"Device: {device_label()}")
    st.fragment(run_every=3.0)(_job_status)()


def _job_status() -> None:
    from gans.errors import GansError

    try:
        status = job_manager().status()
    except GansError as error:  # a bad GANS_MAX_* setting: say so on every page instead of a traceback
        st.error(str(error))
        return
    if status["busy"]:
        from gans.training.progress import read_progress

        progress = read_progress(status["run_dir"])
        st.caption(f"Training **{progress.run_dir.name}**: step {progress.step} of {progress.steps or '…'}")
        st.progress(progress.fraction)


# ---- checkpoint pickers (Translate, Colorize; Explore keeps its own for the Train page's requests) ----------------
HUB_CHOICE = "<hub>"  # a picker's last option: a Hugging Face Hub repo id typed in a text box


def task_checkpoint_choices(task: str, prefix: str, what: str) -> dict[str, str]:
    """Run folder → label for checkpoints of ``task``: shipped first, then local runs newest first, then a run the
    Train page asked to open (``st.session_state[f"{prefix}_run"]``), which becomes the pick."""
    from gans.catalog import describe, list_checkpoints

    choices = {str(info.path): info.label for info in list_checkpoints(task=task)}
    requested = st.session_state.pop(f"{prefix}_run", None)
    if requested:
        info = describe(requested)
        if info is not None and info.task == task:
            choices.setdefault(str(info.path), info.label)
            st.session_state[f"{prefix}_checkpoint"] = str(info.path)
        else:
            st.warning(f"{requested} holds no {what} yet; showing another checkpoint.")
    return choices


def pick_task_checkpoint(choices: dict[str, str], prefix: str, placeholder: str) -> tuple[str, bool]:
    """The picked run folder or Hub repo id and whether it is a Hub id; stops the page while the Hub box is
    empty or holds something that is not a repo id (typed ids never name a path on the server)."""
    key = f"{prefix}_checkpoint"
    if st.session_state.get(key) not in [*choices, HUB_CHOICE]:
        st.session_state[key] = next(iter(choices), HUB_CHOICE)
    choice = st.selectbox("Checkpoint", [*choices, HUB_CHOICE], key=key, persist_state="session",
                          format_func=lambda path: choices.get(path, "A Hugging Face Hub repo id…"))
    if choice != HUB_CHOICE:
        return choice, False
    return hub_id_box(prefix, placeholder), True


def hub_id_box(prefix: str, placeholder: str) -> str:
    """A typed Hugging Face Hub repo id; stops the page while the box is empty or holds something else."""
    from gans.checkpoints import is_hub_id

    hub_id = st.text_input("Hugging Face Hub repo id", key=f"{prefix}_hub_id", persist_state="session",
                           placeholder=placeholder, help="A repo saved by gans (config.json + model.safetensors)")
    if not hub_id.strip():
        st.stop()
    if not is_hub_id(hub_id):
        st.error("Enter a Hugging Face Hub repo id such as owner/name")
        st.stop()
    return hub_id.strip()


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def load_model(source: str, weights_modified: float, from_hub: bool = False):
    """The model at ``source`` (a run folder or a Hub repo id), shared by every page. ``weights_modified`` is only
    part of the cache key: a run that saved new weights since gets loaded again. Typed Hub ids never resolve to a
    local folder."""
    import gans

    return gans.load(source, device="cpu", hub_only=from_hub)


def load_picked(source: str, from_hub: bool):
    """(model, CheckpointInfo) of a picked run folder or Hub id; a Hub id is described once downloaded. Raises
    ``CheckpointError`` when there is no loadable model."""
    from gans.catalog import describe
    from gans.errors import CheckpointError

    checkpoint = None if from_hub else describe(source)
    model = load_model(source, checkpoint.modified if checkpoint else 0.0, from_hub)
    checkpoint = describe(model.run_path, source="hub" if checkpoint is None else checkpoint.source)
    if checkpoint is None:
        raise CheckpointError(f"{source} holds no loadable model")
    return model, checkpoint
