"""The studio's frame: the page list, ``st.navigation`` and the sidebar. ``app.py`` runs it; so does a page that
finds itself started outside it.

Why a page can start outside it: a ``pages/`` folder beside ``app.py`` makes a fresh Streamlit server (1.67) run
its legacy multipage mode until the first ``st.navigation`` call, so the very first request of a deep link such
as ``/train`` runs ``pages/train.py`` alone, without this shell. Every page therefore starts with
``ensure_shell()``: outside the router it runs the router (which runs the page again, inside the frame) and stops.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

FAVICON = Path(__file__).with_name("favicon.png")  # the tab's icon, served by the app itself

# (file, title, icon). Material icons ship with Streamlit's own font, so they render everywhere.
PAGES = [
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/explore.py", "Explore", ":material/explore:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/translate.py", "Translate", ":material/compare:"),
    ("pages/restore.py", "Restore", ":material/auto_fix_high:"),
    ("pages/colorize.py", "Colorize", ":material/palette:"),
    ("pages/upscale.py", "Upscale", ":material/zoom_in:"),
    ("pages/detect.py", "Detect", ":material/troubleshoot:"),
]


_IMPORT_LOCK = threading.Lock()


def import_heavy_modules() -> None:
    """Import the big libraries the pages use lazily (pandas for tables, plotly for charts, torch and gans)
    one thread at a time. Streamlit runs every session in its own thread: ten sessions opening at once made two
    threads import pandas together, and Python's import deadlock avoidance handed one of them a partially
    initialised module ("AttributeError: partially initialized module 'pandas'")."""
    with _IMPORT_LOCK:
        import pandas  # noqa: F401
        import plotly.graph_objects  # noqa: F401
        import torch  # noqa: F401

        import gans  # noqa: F401


def run_shell() -> None:
    """Page config, the router over ``PAGES``, the shared sidebar, then the page the URL asks for."""
    from studio.common import sidebar_status

    import_heavy_modules()

    # A local file: a ":material/...:" page icon makes the browser fetch the favicon from Google's font host.
    st.set_page_config(page_title="GAN Studio", page_icon=str(FAVICON), layout="wide")
    navigation = st.navigation([st.Page(path, title=title, icon=icon, default=index == 0)
                                for index, (path, title, icon) in enumerate(PAGES)])
    with st.sidebar:
        sidebar_status()
    navigation.run()


def ensure_shell() -> None:
    """Call first in every page: when Streamlit runs the page in legacy mode (outside ``st.navigation``), run the
    shell instead and stop this run. Inside the router (and in AppTest runs of a page file) it does nothing."""
    if PagesManager.uses_pages_directory:  # legacy mode: set until the first st.navigation call of the process
        run_shell()
        st.stop()
