"""The Streamlit pieces the pages share: the server's job manager and the sidebar, a checkpoint picker for one
task, the upload-or-example input, and cached tables. What they say comes from ``gans`` (task wording, grid
rows, the model and dataset tables, example commands); the names pages import from here are re-exported.
"""

from __future__ import annotations

import streamlit as st

from gans.registry import TASKS
from gans.views.catalog import COLORIZE_ROWS, TASK_WORDS as TASK_LABELS, dataset_rows, model_rows

__all__ = ["COLORIZE_ROWS", "KEEP", "TASK_LABELS", "TASK_OPENERS", "TASK_PAGES", "UPLOAD_TYPES", "dataset_table",
           "device_label", "go_to", "hub_id_box", "image_uploader", "job_manager", "load_checkpoint_of", "load_model",
           "load_picked", "model_table", "open_in", "open_run_on", "pick_checkpoint", "pick_task_checkpoint", "plain",
           "sidebar_status", "task_checkpoint_choices", "translation_rows", "upload_or_example"]

KEEP = "session"  # widget values survive a visit to another page
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"]  # what gans.io.decode reads
# The page that uses a checkpoint of each task, for "open it on the ... page" messages.
TASK_PAGES = {task: facts.page for task, facts in TASKS.items()}


@st.cache_resource
def device_label() -> str:
    from gans.ops.devices import describe_device, resolve_device
    from gans.ops.precision import resolve_precision

    device = resolve_device("auto")
    return f"{describe_device(device)}, {resolve_precision('auto', device)}"


@st.cache_resource
def job_manager():
    """The server's one training job manager, shared by every browser session."""
    from gans.training.jobs import JobManager

    return JobManager()


@st.cache_data(ttl=30)
def dataset_table() -> list[dict]:
    """``gans.views.catalog.dataset_rows``: every dataset and whether it is on this machine (checked twice a minute)."""
    return dataset_rows()


@st.cache_data
def model_table() -> list[dict]:
    """``gans.views.catalog.model_rows``: every registered model, its task and what it is."""
    return model_rows()


def translation_rows(architecture: str, domains: list[str] | None = None) -> str:
    """What the rows of an image-to-image run's progress grid show (``gans.views.catalog.grid_rows``)."""
    from pathlib import Path

    from gans.views.catalog import CheckpointInfo, grid_rows

    info = CheckpointInfo(path=Path(architecture), source="run", architecture=architecture, data="", step=0,
                          image_size=0, channels=0, num_classes=0, task="translate", domains=list(domains or []))
    return grid_rows(info)


def go_to(page: str, unavailable: str) -> None:
    """Switch to ``page`` (a file in the router, "pages/train.py"); on a server whose router lacks it, show
    ``unavailable`` instead."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.switch_page(page)
    except StreamlitAPIException:
        st.error(unavailable)


def open_run_on(page: str, session_key: str, run_dir, unavailable: str) -> None:
    """Hand ``run_dir`` to ``page`` (which reads ``st.session_state[session_key]``) and go there; on a server whose
    router lacks that page, show ``unavailable`` instead."""
    st.session_state[session_key] = str(run_dir)
    go_to(page, unavailable)


OPEN_ICONS = {"translate": ":material/compare:", "colorize": ":material/palette:", "upscale": ":material/zoom_in:",
              "detect": ":material/troubleshoot:"}  # the icons of the pages (studio.shell.PAGES)


def open_in(task: str, run_dir) -> None:
    """Hand ``run_dir`` to the page of ``task`` (which reads ``st.session_state["<task>_run"]``) and go there (as
    "Open in Explore" does with ``explore_run``); on a server without that page, say how to use the run from a
    terminal instead."""
    from gans.registry import TASKS, Task
    from gans.views.catalog import USE_COMMANDS

    page = TASKS[Task(task)].page
    example = USE_COMMANDS[task][0].format(run=run_dir)
    open_run_on(f"pages/{page.lower()}.py", f"{task}_run", run_dir,
                f"The {page} page is not available on this server; from a terminal: `{example}`.")


# task → (button label, icon, open a run on its page): where a run that Explore cannot walk goes
TASK_OPENERS = {task: (f"Open in {TASK_PAGES[task]}", icon, lambda run_dir, task=task: open_in(task, run_dir))
                for task, icon in OPEN_ICONS.items()}


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


# ---- checkpoint pickers (every page that loads a model; Explore lists its runs with its own pick_generator) ----
HUB_CHOICE = "<hub>"  # a picker's last option: a Hugging Face Hub repo id typed in a text box


def task_checkpoint_choices(task: str, prefix: str, what: str) -> dict[str, str]:
    """Run folder → label for checkpoints of ``task``: shipped first, then local runs newest first, then a run the
    Train page asked to open (``st.session_state[f"{prefix}_run"]``), which becomes the pick."""
    from gans.views.catalog import describe, list_checkpoints

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


def pick_task_checkpoint(choices: dict[str, str], prefix: str, placeholder: str, help: str | None = None,
                         on_change=None) -> tuple[str, bool]:
    """The picked run folder or Hub repo id (``choices``: run folder → label; a selectbox keyed
    ``{prefix}_checkpoint``) and whether it is a Hub id; stops the page while the Hub box is empty or holds
    something that is not a repo id (typed ids never name a path on the server)."""
    from gans.views.catalog import find_choice

    key = f"{prefix}_checkpoint"
    picked = st.session_state.get(key)
    if picked not in [*choices, HUB_CHOICE]:  # under the picker's spelling of its path, else the first listed
        st.session_state[key] = find_choice(picked, choices) or next(iter(choices), HUB_CHOICE)
    choice = st.selectbox("Checkpoint", [*choices, HUB_CHOICE], key=key, persist_state=KEEP, help=help,
                          format_func=lambda path: choices.get(path, "A Hugging Face Hub repo id…"),
                          on_change=on_change)
    if choice != HUB_CHOICE:
        return choice, False
    return hub_id_box(prefix, placeholder), True


def hub_id_box(prefix: str, placeholder: str) -> str:
    """A typed Hugging Face Hub repo id; stops the page while the box is empty or holds something else."""
    from gans.io.checkpoints import MAX_HUB_NAME, is_hub_id

    hub_id = st.text_input("Hugging Face Hub repo id", key=f"{prefix}_hub_id", persist_state=KEEP,
                           placeholder=placeholder, help="A repo saved by gans (config.json + model.safetensors)")
    if not hub_id.strip():
        st.stop()
    if not is_hub_id(hub_id):
        longest = max(len(part) for part in hub_id.strip().split("/"))
        st.error("Enter a Hugging Face Hub repo id such as owner/name" if longest <= MAX_HUB_NAME else
                 f"A Hugging Face Hub repo id has at most {MAX_HUB_NAME} characters on each side of the slash; "
                 f"this one has {longest:,}")
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
    from gans.errors import CheckpointError
    from gans.views.catalog import describe

    checkpoint = None if from_hub else describe(source)
    model = load_model(source, checkpoint.modified if checkpoint else 0.0, from_hub)
    checkpoint = describe(model.run_path, source="hub" if checkpoint is None else checkpoint.source)
    if checkpoint is None:
        raise CheckpointError(f"{source} holds no loadable model")
    return model, checkpoint


# ---- one task's page: its checkpoint, and an input to run it on ------------------------------------------------
def pick_checkpoint(task: str, noun: str, train_hint: str = "", icon: str | None = None) -> tuple[str, bool]:
    """The picked checkpoint of ``task`` (run folder or Hub id) and whether it is a Hub id, with widget keys
    ``{task}_checkpoint`` / ``{task}_hub_id``; while there is none, says how to get one (``noun`` names a model of
    the task in messages: "No image-to-image checkpoints yet")."""
    from gans.registry import list_models
    from gans.views.catalog import example_model, train_command

    choices = task_checkpoint_choices(task, task, f"{noun} model")
    if not choices:
        st.info(f"No {noun} checkpoints yet. Train one on the Train page (model {' or '.join(list_models(task))}), "
                f"or from a terminal: `{train_command(task)}`{f' ({train_hint})' if train_hint else ''}. You can "
                "also load one from the Hugging Face Hub.", icon=icon)
    return pick_task_checkpoint(choices, task, f"user/my-{example_model(task)}")


def load_checkpoint_of(task: str, source: str, from_hub: bool):
    """``load_picked`` for a page of ``task``: a checkpoint of another task gets an error that names its page,
    and the page stops."""
    from gans.registry import list_models
    from gans.views.catalog import task_words

    model, info = load_picked(source, from_hub)
    found = getattr(model, "task", info.task)
    if found != task:
        where = f"the {TASK_PAGES[found]} page" if found in TASK_PAGES else "another page"
        st.error(f"{source} holds a {info.architecture} model ({task_words(found)}): open it on {where}. "
                 f"{TASK_PAGES[task]} needs a {' or '.join(list_models(task=task))} checkpoint.")
        st.stop()
    return model, info


def plain(text: str) -> str:
    """``text`` (an upload's file name, or a message that names one) for a Markdown element (``st.markdown``,
    ``st.error``, a caption), shown as typed: every ASCII punctuation character is backslash-escaped (CommonMark
    allows it for each) and line breaks become spaces, so a name such as ``![x](http://evil/x.png)`` is never an
    image, a link, HTML, a colour directive or a formula, and the browser fetches nothing for it."""
    import string

    return "".join("\\" + char if char in string.punctuation else char for char in " ".join(str(text).splitlines()))


MAX_IMAGE_UPLOAD_MB = 25  # a 24-megapixel camera JPEG is 5-15 MB; a file Streamlit holds in memory per session


def image_uploader(label: str, key: str):
    """A file uploader for any image ``gans.io.decode`` reads, keyed ``{key}_upload``."""
    return st.file_uploader(label, type=UPLOAD_TYPES, key=f"{key}_upload", max_upload_size=MAX_IMAGE_UPLOAD_MB)


def upload_or_example(upload, key: str, examples, example_label: str, labels: list[str], caption: str,
                      empty: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of ``upload`` (an ``image_uploader``'s value), else of the held-out example picked in a
    radio keyed ``{key}_example`` (``examples``: (file name, PNG bytes) pairs, shown as ``labels``, under
    ``caption``); None, after showing ``empty``, when there is neither."""
    if upload is not None:
        return upload.name, upload.getvalue()
    if not examples:
        st.info(empty)
        return None
    st.caption(caption)
    index = st.radio(example_label, range(len(examples)), horizontal=True, key=f"{key}_example",
                     format_func=lambda i: labels[i])
    return examples[index]
