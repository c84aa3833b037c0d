"""GAN Studio: `streamlit run app.py`. Declares the pages and draws the shared sidebar; nothing else."""

import streamlit as st

st.set_page_config(page_title="GAN Studio", page_icon="🎨", layout="wide")

from pathlib import Path  # noqa: E402

PAGES = [("pages/home.py", "Home", "🏠"), ("pages/train.py", "Train", "🏋️"), ("pages/explore.py", "Explore", "🧭")]
navigation = st.navigation([
    st.Page(path, title=title, icon=icon, default=index == 0)
    for index, (path, title, icon) in enumerate(PAGES)
    if Path(__file__).with_name("pages").joinpath(Path(path).name).exists()  # TEMP until explore.py lands
])

from pages.common import sidebar_status  # noqa: E402  (after set_page_config)

with st.sidebar:
    sidebar_status()

navigation.run()
