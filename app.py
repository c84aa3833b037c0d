"""GAN Studio: `streamlit run app.py`. Declares the pages and draws the shared sidebar; nothing else."""

import streamlit as st

st.set_page_config(page_title="GAN Studio", page_icon=":material/palette:", layout="wide")

# Material icons ship with Streamlit's own font, so they render everywhere (emoji need a system emoji font).
PAGES = [("pages/home.py", "Home", ":material/home:"), ("pages/train.py", "Train", ":material/model_training:"),
         ("pages/explore.py", "Explore", ":material/explore:")]
navigation = st.navigation([
    st.Page(path, title=title, icon=icon, default=index == 0) for index, (path, title, icon) in enumerate(PAGES)
])

from pages.common import sidebar_status  # noqa: E402  (after set_page_config)

with st.sidebar:
    sidebar_status()

navigation.run()
