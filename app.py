"""GAN Studio: `streamlit run app.py`. Declares the pages and draws the shared sidebar; nothing else."""

import streamlit as st

st.set_page_config(page_title="GAN Studio", page_icon="🎨", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
]
navigation = st.navigation(pages)

with st.sidebar:
    from pages.common import device_label

    st.caption(f"Device: {device_label()}")

navigation.run()
