"""GAN Studio: `streamlit run app.py`. The router and frame (studio/shell.py): pages are in pages/."""

from studio.shell import run_shell

run_shell()
