"""Colour hints on the Colorize page: click the picture to place one, pick its colour, see them listed, remove them.

A session keeps the hints of the photo on screen in ``st.session_state[STATE]``: ``{"photo": digest, "hints":
[{"id", "x", "y", "colour"}], "next": id, "click": time of the last click used}``; another photo starts with
none. Every change happens in a widget callback, before the script reruns, so the result is coloured with the new
hints on that same rerun. The hint maths (photo pixels from a click, the result's colour there, the markers) is
``gans.tasks.colorize``'s.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from gans.tasks.colorize import MAX_HINTS, ColourHint, hint_from_click, mark_hints

STATE = "colorize_hints"
CLICK = "colorize_hint_click"


def _as_hints(stored: list[dict]) -> list[ColourHint]:
    return [ColourHint(hint["x"], hint["y"], hint["colour"]) for hint in stored]


def hints_for(photo: str) -> list[ColourHint]:
    """The hints placed on ``photo`` (an upload's digest) in this session; a new photo starts with none."""
    state = st.session_state.get(STATE)
    if not isinstance(state, dict) or state.get("photo") != photo:
        state = st.session_state[STATE] = {"photo": photo, "hints": [], "next": 1, "click": None}
    return _as_hints(state["hints"])


def _clicked(preview, size) -> None:
    """The picture was clicked: a new hint there, coloured as the result is there (unless that click was used)."""
    state, click = st.session_state[STATE], st.session_state.get(CLICK)
    if not isinstance(click, dict) or click.get("unix_time") == state["click"] or len(state["hints"]) >= MAX_HINTS:
        return
    state["click"] = click.get("unix_time")
    hint = hint_from_click(click, preview, size)
    if hint is not None:
        state["hints"].append({"id": state["next"], "x": hint.x, "y": hint.y, "colour": hint.colour})
        state["next"] += 1


def _recoloured(hint_id: int) -> None:
    for hint in st.session_state[STATE]["hints"]:
        if hint["id"] == hint_id:
            hint["colour"] = st.session_state[f"colorize_hint_{hint_id}"]


def _removed(hint_id: int) -> None:
    state = st.session_state[STATE]
    state["hints"] = [hint for hint in state["hints"] if hint["id"] != hint_id]


def _cleared() -> None:
    st.session_state[STATE]["hints"] = []


def hint_editor(preview, size: tuple[int, int]) -> None:
    """The clickable result (``preview``: the coloured photo, any scale, of a ``size`` photo) with its hints
    marked, and one colour picker and remove button per hint."""
    from streamlit_image_coordinates import streamlit_image_coordinates

    st.subheader("Colour hints")
    st.caption("Is a colour wrong? Click the picture there to place a hint, then pick the colour it should be. "
               "Each hint's colour spreads over the region it belongs to; the photo keeps its own lightness.")
    hints = st.session_state[STATE]["hints"]
    picture, listing = st.columns([3, 2])
    with picture:
        marked = mark_hints(preview, _as_hints(hints), size)
        streamlit_image_coordinates(marked, width="stretch", key=CLICK, cursor="crosshair",
                                    on_click=partial(_clicked, preview, size))
    with listing:
        if not hints:
            st.caption("No hints yet: the colours are the model's own guess.")
        for number, hint in enumerate(hints, 1):
            colour, remove = st.columns([3, 2], vertical_alignment="bottom")
            colour.color_picker(f"Hint {number} at ({hint['x']}, {hint['y']})", hint["colour"],
                                key=f"colorize_hint_{hint['id']}", on_change=_recoloured, args=(hint["id"],))
            remove.button("Remove", key=f"colorize_hint_remove_{hint['id']}", on_click=_removed,
                          args=(hint["id"],), icon=":material/close:")
        if len(hints) >= MAX_HINTS:
            st.caption(f"{MAX_HINTS} hints is the most a photo takes: remove one to place another.")
        if hints:
            st.button("Clear hints", key="colorize_hints_clear", on_click=_cleared, icon=":material/clear_all:")
