"""The foot of a one-task tool page (Colorize, Translate, Upscale): pick a checkpoint of the task, load it, say
what it is and what it learned, then run the page's tool on it. Every ``gans`` error on the way is one
``st.error``."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from gans.errors import GansError
from gans.views.catalog import grid_rows
from studio.common import load_checkpoint_of, pick_checkpoint


def tool_page(task: str, noun: str, learned: str, facts: Callable, tool: Callable, train_hint: str = "",
              icon: str | None = None) -> None:
    """The checkpoint picker of ``task`` (``noun``, ``train_hint`` and ``icon`` as for ``pick_checkpoint``), the
    model's ``facts(model, checkpoint)`` (Markdown), its latest progress grid under "What it learned: ``learned``",
    then ``tool(model, model_key, checkpoint)``, where ``model_key`` (the folder or Hub id and the weights' time)
    names the model in the page's result caches."""
    source, from_hub = pick_checkpoint(task, noun, train_hint, icon=icon)
    try:
        model, checkpoint = load_checkpoint_of(task, source, from_hub)
        st.markdown(facts(model, checkpoint))
        latest = checkpoint.latest_grid
        if latest is not None:
            with st.expander(f"What it learned: {learned}"):
                st.image(str(latest), caption=f"rows: {grid_rows(checkpoint)}")
        tool(model, (source, checkpoint.modified), checkpoint)
    except GansError as error:
        st.error(str(error))
