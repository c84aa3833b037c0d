"""Small helpers shared by the pages (Streamlit caching around the gans library)."""

from __future__ import annotations

import streamlit as st


@st.cache_resource
def device_label() -> str:
    from gans.devices import describe_device, resolve_device

    return describe_device(resolve_device("auto"))


@st.cache_data(ttl=30)
def dataset_table() -> list[dict]:
    import gans

    return [
        {"dataset": d.name, "available": "yes" if d.available else "no", "classes": str(d.num_classes or "-"),
         "where / how": d.reason}
        for d in gans.list_datasets()
    ]


@st.cache_data
def model_table() -> list[dict]:
    import gans
    from gans.registry import model_factory

    return [{"model": name, "what": (model_factory(name).__doc__ or "").strip().splitlines()[0]}
            for name in gans.list_models()]
