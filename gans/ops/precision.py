"""Numeric precision: ``auto`` picks bf16 autocast where the device computes bf16 faster than fp32.

bf16 (bfloat16) keeps fp32's exponent range with an 8-bit mantissa, so GAN training needs no loss scaling. It
only pays where the hardware multiplies bf16 natively:

- a CUDA GPU that supports bf16 (Ampere and newer);
- a CPU with AVX512-BF16 or AMX-BF16 (Intel Cooper Lake / Sapphire Rapids and newer, AMD Zen 4 and newer),
  where oneDNN runs bf16 convolutions about twice as fast as fp32.

Elsewhere (AVX2-only CPUs, where bf16 is emulated and ~100× slower, Apple MPS) ``auto`` keeps fp32. Under
autocast only convolutions and matrix products run in bf16; parameters, batch-norm statistics, optimizer state,
losses and the gradient penalty stay fp32 (the models cast scores to fp32 before their losses).
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import torch

from ..errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16")
#: CPU feature flags (as /proc/cpuinfo spells them) that mean native bf16 arithmetic
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where that file does not exist, e.g. macOS)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_native_bf16(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU multiplies bf16 natively (AVX512-BF16 or AMX) and this torch can use it."""
    flags = cpu_flags() if flags is None else flags
    if not any(flag in flags for flag in CPU_BF16_FLAGS):
        return False
    mkldnn_check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    try:
        return bool(mkldnn_check()) if mkldnn_check is not None else True
    except RuntimeError:
        return False


@functools.lru_cache(maxsize=None)
def bf16_is_fast(device_type: str) -> bool:
    """Whether bf16 autocast computes faster than fp32 on this kind of device (decided once per process)."""
    if device_type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type == "cpu":
        return cpu_has_native_bf16()
    return False  # MPS and others: keep fp32


def resolve_precision(name: str, device: torch.device | str) -> str:
    """``fp32`` or ``bf16`` for the setting ``name`` (auto, fp32, bf16) on ``device``."""
    if name not in PRECISIONS:
        raise ConfigError(f"unknown precision {name!r}; choose one of {', '.join(PRECISIONS)}")
    if name != "auto":
        return name
    return "bf16" if bf16_is_fast(torch.device(device).type) else "fp32"


def explain_precision(name: str, device: torch.device | str) -> str:
    """One line for logs and model cards: what was chosen and why."""
    chosen = resolve_precision(name, device)
    device_type = torch.device(device).type
    if name != "auto":
        return f"{chosen} (asked for)"
    if chosen == "bf16":
        why = "this GPU supports bf16" if device_type == "cuda" else "this CPU has native bf16 (AVX512-BF16/AMX)"
    else:
        why = "this CPU has no native bf16" if device_type == "cpu" else f"bf16 is not faster on {device_type}"
    return f"{chosen} (auto: {why})"


def autocast(device: torch.device | str, precision: str, cache: bool = True):
    """The autocast context for a resolved ``precision`` (a no-op for fp32).

    ``cache=False`` for training: autocast keeps the bf16 copy of each weight for the rest of its region, so a
    forward pass after an optimizer step in the same region would run on the weights from before the step (G's
    update against the D of before D's update; n_critic > 1 critic updates all at the first one's weights). It is
    also what a CUDA graph's recording needs (a cache must not outlive the recording)."""
    device_type = torch.device(device).type
    if precision != "bf16":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device_type, dtype=torch.bfloat16, cache_enabled=cache)


def inference_autocast(device: torch.device | str):
    """Autocast for sampling, translating and colorizing: the same ``auto`` rule as training."""
    return autocast(device, resolve_precision("auto", device))


def auto_precision_note(device: str = "auto") -> str:
    """What ``auto`` picks for a job on ``device`` (default: the device a job would get), for forms and logs."""
    from .devices import resolve_device

    return explain_precision("auto", resolve_device(device))
