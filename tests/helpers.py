"""Tiny models so the whole suite stays fast on 2 CPU cores."""

import torch

import gans

# Shrinking arguments understood by the model families; any registered model that takes one of them is tiny.
SHRINK = {"width": 4, "hidden": 8, "latent_dim": 8, "embed_dim": 4}


def tiny_kwargs(name: str, **overrides) -> dict:
    """Arguments that make the registered model ``name`` tiny (reads the model's own config keys)."""
    keys = gans.create(name).config().keys()
    kwargs = {key: value for key, value in SHRINK.items() if key in keys}
    kwargs.update(overrides)
    return kwargs


def tiny_model(name: str, seed: int = 0, **overrides):
    torch.manual_seed(seed)
    return gans.create(name, **tiny_kwargs(name, **overrides))
