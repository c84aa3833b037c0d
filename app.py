"""GAN Studio: `streamlit run app.py`. Declares the pages and draws the shared sidebar; nothing else."""

import streamlit as st

st.set_page_config(page_title="GAN Studio", page_icon=":material/palette:", layout="wide")

# The pages live in views/, not pages/: a pages/ folder beside app.py switches Streamlit into its legacy
# multipage mode on a fresh server, where a deep link such as /train runs the page without this shell.
# Material icons ship with Streamlit's own font, so they render everywhere (emoji need a system emoji font).
PAGES = [("views/home.py", "Home", ":material/home:"), ("views/train.py", "Train", ":material/model_training:"),
         ("views/explore.py", "Explore", ":material/explore:"),
         ("views/compare.py", "Compare", ":material/compare_arrows:"),
         ("views/translate.py", "Translate", ":material/compare:"),
         ("views/colorize.py", "Colorize", ":material/palette:")]
navigation = st.navigation([
    st.Page(path, title=title, icon=icon, default=index == 0) for index, (path, title, icon) in enumerate(PAGES)
])

from views.common import sidebar_status  # noqa: E402  (after set_page_config)

with st.sidebar:
    sidebar_status()

navigation.run()
