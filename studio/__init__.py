"""The Streamlit side of GAN Studio that is not a page: the shell (router + sidebar) and widgets the pages share.

Pages live in ``pages/``; everything that is not Streamlit (models, data, runs, grids, tables) lives in ``gans``.
"""
