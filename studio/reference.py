"""The Colorize page's optional "Colour like this photo" upload: a colour photo whose colours
``gans.tasks.reference`` matches to the photo by content and gives the network as hints (a person's hints win)."""

from __future__ import annotations

import hashlib

import streamlit as st

import gans
from gans.tasks import reference as colour_reference
from studio.common import image_uploader


def reference_upload(model, key: str) -> tuple[str, bytes, str] | None:
    """The reference upload (keyed ``{key}_reference_upload``) for a colorizer that takes hints, as (file name,
    bytes, SHA-256 digest), else None. A file that is not a colour photo (not an image, gray, too large) gets one
    error line, and the photo is coloured without it."""
    if not getattr(model, "hints", False):
        return None
    upload = image_uploader("Colour like this photo (optional): its colours go to the parts of your photo that "
                            "look like its own", f"{key}_reference")
    if upload is None:
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    problem = reference_problem(digest, data)
    if problem:
        st.error(f"{problem} (the photo is coloured without it)")
        return None
    return upload.name, data, digest


@st.cache_data(max_entries=8, show_spinner=False)
def reference_problem(digest: str, _data: bytes) -> str | None:
    """Why the uploaded reference cannot be used (one line), or None; checked once per file (keyed by its digest),
    not again on every rerun (a large PNG takes a noticeable moment to decode)."""
    try:
        colour_reference.load_reference(_data)
    except gans.GansError as error:
        return str(error)
    return None
