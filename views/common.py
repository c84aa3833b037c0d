"""Small helpers shared by the pages: cached library objects and the sidebar."""

from __future__ import annotations

import streamlit as st


@st.cache_resource
def device_label() -> str:
    from gans.devices import describe_device, resolve_device

    return describe_device(resolve_device("auto"))


@st.cache_resource
def job_manager():
    """The server's one training job manager, shared by every browser session."""
    from gans.training.jobs import JobManager

    return JobManager()


@st.cache_data(ttl=30)
def dataset_table() -> list[dict]:
    import gans

    return [
        {"dataset": d.name, "available": "yes" if d.available else "no", "classes": str(d.num_classes or "-"),
         "where / how": d.reason}
        for d in gans.list_datasets()
    ]


@st.cache_data
def model_table() -> list[dict]:
    import gans
    from gans.registry import model_factory

    return [{"model": name, "what": (model_factory(name).__doc__ or "").strip().splitlines()[0]}
            for name in gans.list_models()]


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
