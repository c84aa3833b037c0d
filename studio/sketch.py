"""The Translate page's sketch pad and its "this upload does not look like the model's input" warning.

The pad is the ``streamlit-drawable-canvas`` component (Fabric.js, built into the wheel: it asks no other host for
anything): free drawing with a black pen on white; the component sends the drawing (its strokes and a PNG) when a
stroke ends, and its toolbar (on hover, top right) has Undo, Redo and Reset. Buttons under it start afresh from
an example outline (``gans.tasks.sketch.EXAMPLES``) or a blank pad: each start mounts a new pad (its key holds a version
number, ``STATE``), whose drawing is the example's own until the first stroke, rendered by ``gans.tasks.sketch`` as the
pad draws it. The conversion to the model's input is ``gans.tasks.sketch``'s, never the page's.
"""

from __future__ import annotations

import streamlit as st

from gans.io.images import png_bytes
from gans.tasks import sketch

STATE = "translate_sketch"  # {"start": the example the pad started from ("" for blank), "version": its key's number}
PAD_KEY = "translate_sketch_pad"  # the pad's key is PAD_KEY + "_" + version
INPUT_KEY = "translate_input"  # Draw or Upload, for models that take edge drawings
DRAW, UPLOAD = "Draw", "Upload"


def _state() -> dict:
    state = st.session_state.get(STATE)
    if not isinstance(state, dict) or state.get("start") not in ("", *sketch.EXAMPLES):
        state = st.session_state[STATE] = {"start": next(iter(sketch.EXAMPLES)), "version": 0}
    return state


def _start(name: str) -> None:
    """Start the pad afresh from example ``name`` ("" for a blank pad): a new key mounts a new pad."""
    state = _state()
    state["start"], state["version"] = name, state["version"] + 1


def fabric_drawing(strokes) -> dict:
    """``strokes`` (lists of (x, y) pad pixels) as a Fabric.js drawing the pad opens with: one path per stroke,
    drawn with the pad's pen."""
    return {"objects": [{"type": "Path", "path": [["M", *stroke[0]], *(["L", x, y] for x, y in stroke[1:])],
                         "fill": None, "stroke": sketch.INK, "strokeWidth": sketch.PEN_WIDTH,
                         "strokeLineCap": "round", "strokeLineJoin": "round"} for stroke in strokes if stroke]}


def input_choice() -> str:
    """Draw on the pad or upload a picture (for a model that takes edge drawings); Draw comes first."""
    st.session_state.setdefault(INPUT_KEY, DRAW)
    return st.segmented_control("Input", [DRAW, UPLOAD], key=INPUT_KEY, required=True, persist_state="session",
                                format_func=lambda choice: f"{choice} "
                                f"{'on the sketch pad' if choice == DRAW else 'a picture'}")


def sketch_pad() -> bytes | None:
    """The pad, and buttons to start from an example or a blank pad. Returns the drawing as PNG bytes (the pad's
    own picture once it has sent one, else the example it started from), or None while it is blank."""
    from streamlit_drawable_canvas import st_canvas

    state = _state()
    strokes = sketch.example_strokes(state["start"]) if state["start"] else []
    st.space("medium")  # room for the pad's toolbar, which shows above it on hover
    drawn = st_canvas(stroke_width=sketch.PEN_WIDTH, stroke_color=sketch.INK, background_color="#ffffff",
                      height=sketch.CANVAS_SIZE, width=sketch.CANVAS_SIZE, drawing_mode="freedraw",
                      initial_drawing=fabric_drawing(strokes), return_image_data=True,
                      key=f"{PAD_KEY}_{state['version']}")
    st.caption("Draw with the mouse; the result follows each stroke. Undo, redo and reset are in the pad's toolbar "
               "(top right, on hover). Or start again from:")
    with st.container(horizontal=True, gap="small"):
        for name in sketch.EXAMPLES:
            st.button(name, key=f"translate_sketch_{name}", on_click=_start, args=(name,))
        st.button("Blank", icon=":material/delete:", key="translate_sketch_clear", on_click=_start, args=("",))
    if not (drawn.json_data or {}).get("objects"):
        return None
    try:
        sent = drawn.image_bytes  # None until the pad sends a drawing
    except (ValueError, TypeError, AttributeError):  # not a base64 data URL: the decoder will say "not an image"
        sent = b""
    return png_bytes(sketch.draw_strokes(strokes)) if sent is None else sent


def fit_warning(fit) -> bool:
    """Say that an upload does not look like the model's input (``gans.tasks.describe_input.InputFit``) and offer what
    fits: the sketch pad, shrinking a line drawing as the pad does, other models. Returns whether to shrink."""
    if fit.fits:
        return False
    st.warning(fit.message, icon=":material/warning:")
    with st.container(horizontal=True, gap="small"):
        if fit.sketch_pad:
            st.button("Draw it on the sketch pad", icon=":material/draw:", key="translate_fit_draw",
                      on_click=st.session_state.__setitem__, args=(INPUT_KEY, DRAW))
        for offer in fit.offers:
            st.button(f"Use {offer.label}", key=f"translate_fit_{offer.path}_{offer.direction}", on_click=_use,
                      args=(offer.path, offer.direction))
    return fit.shrink and st.toggle("Shrink it to the model's size as the sketch pad does", key="translate_shrink")


def _use(path: str, direction: str) -> None:
    st.session_state["translate_checkpoint"] = path
    st.session_state["translate_direction"] = direction
