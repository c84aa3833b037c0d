"""Streamlit pieces the Explore and Compare pages share: the seed box, the listing of noise → image checkpoints
(with a warning for each run folder that cannot be read) and the key that names a loaded model in picture caches.

What to list, and everything computed from a pick, comes from ``gans`` (``gans.views.catalog``, ``gans.tasks.explore``,
``gans.views.compare``); this file only turns it into widgets.
"""

from __future__ import annotations

import streamlit as st

from gans.views.catalog import CheckpointInfo, checkpoint_choices
from studio.common import KEEP

MAX_SEED = 2**31 - 1  # seeds stay exact in the browser's number input
GENERATE = "generate"  # the task of noise → image models: the ones with a latent space to walk and compare


def seed_input(label: str, key: str, default: int = 0, help: str | None = None) -> int:
    """A seed box whose value survives a visit to another page."""
    return int(st.number_input(label, 0, MAX_SEED, default, key=key, persist_state=KEEP, help=help))


def generate_checkpoints(also: str | None = None) -> dict[str, CheckpointInfo]:
    """Path → facts of every noise → image checkpoint of any registered model (``gans.views.catalog`` order), then
    ``also`` (a run opened from another page) when it is one; a warning for each run folder left out because its
    files cannot be read."""
    problems: list[str] = []
    infos = checkpoint_choices(GENERATE, also=also, problems=problems)
    for problem in problems:
        st.warning(problem)
    return infos


def model_key(info: CheckpointInfo) -> tuple:
    """What names a loaded model in the picture caches: its folder and weights time (a retrained run redraws)."""
    return str(info.path), info.modified


def picture(draw, model, key: tuple, *args):
    """``draw(model, *args)`` (a ``gans`` function that draws from a model), cached by the function, the model's
    ``key`` (``model_key``) and the arguments, so a rerun with the same inputs draws nothing."""
    return _cached_picture(draw, f"{draw.__module__}.{draw.__qualname__}", model, key, *args)


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_picture(_draw, name: str, _model, key: tuple, *args):
    return _draw(_model, *args)
