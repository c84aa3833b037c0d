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

# (file, title, icon, what its button on Home and on the "no such page" page says). Material icons ship with
# Streamlit's own font, so they render everywhere.
PAGES = [
    ("pages/home.py", "Home", ":material/home:", "Home"),
    ("pages/train.py", "Train", ":material/model_training:", "Train a GAN"),
    ("pages/explore.py", "Explore", ":material/explore:", "Explore a generator"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:", "Compare runs"),
    ("pages/translate.py", "Translate", ":material/compare:", "Translate an image"),
    ("pages/restore.py", "Restore", ":material/auto_fix_high:", "Restore an old photo"),
    ("pages/colorize.py", "Colorize", ":material/palette:", "Colorize a photo"),
    ("pages/upscale.py", "Upscale", ":material/zoom_in:", "Upscale an image"),
    ("pages/detect.py", "Detect", ":material/troubleshoot:", "Detect anomalies"),
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
    pages = [st.Page(path, title=title, icon=icon, default=index == 0)
             for index, (path, title, icon, _) in enumerate(PAGES)]
    if (asked := unknown_page_asked(pages)) is not None:  # routed to a page of its own, so the sidebar stays
        pages.append(st.Page(no_such_page, title="No such page", icon=":material/help:", url_path=asked,
                             visibility="hidden"))
    navigation = st.navigation(pages)
    with st.sidebar:
        sidebar_status()
    navigation.run()


def unknown_page_asked(pages) -> str | None:
    """The URL path the browser asked for (``/nonexistent`` → "nonexistent") when no page has it, else None.
    Left alone, Streamlit would run Home under that address after a "page not found" notice the visitor may miss.
    A rerun of that page (a click on it) names no path, only the page, so the session remembers the last one."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    asked = getattr(getattr(ctx, "pages_manager", None), "intended_page_name", None) if ctx else None
    if asked and isinstance(asked, str) and any(page.url_path == asked for page in pages):
        st.session_state.pop("studio_missing_page", None)  # a real page's address: nothing to keep
    elif asked and isinstance(asked, str) and asked == asked.strip().strip("/") and "/" not in asked:
        st.session_state["studio_missing_page"] = asked
    return st.session_state.get("studio_missing_page")


def page_buttons(pages, key_prefix: str, per_row: int, first_stands_out: bool = False) -> None:
    """A button to each of ``pages`` (rows of ``PAGES``), ``per_row`` to a row, keyed ``{key_prefix}_{page}``.
    Buttons, not links: plain page links read as text."""
    from studio.common import go_to

    columns = [column for _ in range(0, len(pages), per_row) for column in st.columns(per_row)]
    for index, (column, (path, title, icon, label)) in enumerate(zip(columns, pages)):
        kind = "primary" if first_stands_out and index == 0 else "secondary"
        if column.button(label, icon=icon, type=kind, width="stretch", key=f"{key_prefix}_{Path(path).stem}"):
            go_to(path, f"The {title} page is not available on this server.")


def no_such_page() -> None:
    """The studio's own "no such page": what was asked for, and a button to every page."""
    st.title("No such page")
    st.write("There is no page at this address. These are the studio's pages:")
    page_buttons(PAGES, "missing_go", per_row=3)


def ensure_shell() -> None:
    """Call first in every page: when Streamlit runs the page in legacy mode (outside ``st.navigation``), run the
    shell instead and stop this run. Inside the router (and in AppTest runs of a page file) it does nothing."""
    if PagesManager.uses_pages_directory:  # legacy mode: set until the first st.navigation call of the process
        run_shell()
        st.stop()
