"""Explore's views of a model's own structure: where SAGAN's generator attends, StyleGAN's style mixing, ψ and
noise inputs. Widgets → ``gans.explore`` → ``st.image``; every picture is cached by its inputs."""

from __future__ import annotations

import streamlit as st

import gans
from gans import explore
from studio.pickers import KEEP, picture, seed_input


def model_views(model, key: tuple) -> None:
    """The views this model has (none for most models)."""
    if explore.has_attention(model):
        attention_view(model, key)
    if explore.has_styles(model):
        style_view(model, key)


def attention_view(model, key: tuple) -> None:
    st.subheader("Where the generator attends")
    st.caption("SAGAN's self-attention lets each pixel draw on every other part of the image. Pick a pixel of a "
               "sample to see which places it draws from.")
    size = model.config()["image_size"]
    columns = st.columns(3)
    with columns[0]:
        seed = seed_input("Sample seed", "explore_attention_seed", 0)
    with columns[1]:
        x = st.slider("Pixel x (from the left)", 0, size - 1, size // 2, key="explore_attention_x", persist_state=KEEP)
    with columns[2]:
        y = st.slider("Pixel y (from the top)", 0, size - 1, size // 2, key="explore_attention_y", persist_state=KEEP)
    try:
        marked, heat, caption = picture(explore.attention_pictures, model, key, seed, x, y)
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image([marked, heat], caption=[f"Seed {seed}, pixel ({x}, {y})", "Its attention"], output_format="PNG")
    st.caption(caption)


def style_view(model, key: tuple) -> None:
    st.subheader("Styles")
    st.caption("StyleGAN draws each layer from its own copy of w. Mixing takes some layers' styles from another "
               "seed: coarse ones set pose and shape, middle ones features, fine ones texture and shading.")
    controls = st.columns(3)
    with controls[0]:
        group = st.radio("Styles taken from seeds B", ("coarse", "middle", "fine"), horizontal=True,
                         key="explore_style_group", persist_state=KEEP)
    with controls[1]:
        psi = st.slider("ψ (truncation toward the mean w)", 0.0, 1.0, 1.0, 0.05, key="explore_psi", persist_state=KEEP,
                        help="1: as trained; lower: more typical, less varied; 0: the average image for every seed")
    with controls[2]:
        first = seed_input("First seed A (B follows the As)", "explore_mix_seed", 0)
    seeds_a = list(range(first, first + explore.MIX_SEEDS))
    seeds_b = list(range(first + explore.MIX_SEEDS, first + 2 * explore.MIX_SEEDS))
    try:
        grid = picture(explore.style_mix_picture, model, key, seeds_a, seeds_b, group, psi)
        variations = picture(explore.noise_pictures, model, key, first, psi)
    except gans.GansError as error:
        st.error(str(error))
        return
    st.image(grid, caption=f"Rows: seeds {seeds_a} · columns: seeds {seeds_b} · {group} styles from the column · "
                           f"ψ = {psi:.2f}", output_format="PNG")
    st.markdown("**Noise inputs only**")
    st.image(variations, caption=["fixed noise"] + [f"noise {n}" for n in range(1, len(variations))],
             output_format="PNG")
    st.caption(f"Seed {first}'s styles with its noise inputs redrawn: what changes is what the noise draws.")
