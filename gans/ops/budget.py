"""How much work one request may ask of this process, and how many heavy requests run at once.

A 47 KB PNG of zeros can be a 7000×7000 image: 225 network passes to translate, seconds and gigabytes to colour;
``sample -n 100000`` asks for 22 GB. So every heavy entry point (``gans.tasks.translate``, ``gans.tasks.colorize``, the
``sample`` / ``interpolate`` commands, the Explore page's walks and grids) checks its request against these
limits *before* the work starts, and refuses an oversized one with a ``BudgetError`` that names the limit and
the environment variable that sets it:

- ``GANS_MAX_PIXELS`` (default 25,000,000): pixels of one picture a request reads or makes (a decoded upload,
  a translated or coloured result, a sample grid or walk strip);
- ``GANS_MAX_TILES`` (512): network passes (tiles) of one translation;
- ``GANS_MAX_SAMPLES`` (1024): images one request generates (samples, walk frames, a training job's preview grid);
- ``GANS_MAX_PARAMETERS`` (50,000,000): parameters of a model a job trains or ``gans.load`` rebuilds;
- ``GANS_MAX_TRAIN_MEMORY_MB`` (4096): memory one training step is estimated to need
  (``gans.models.footprint``: weights, gradients and Adam's moments, plus the activations of a step);
- ``GANS_MAX_DETECT_IMAGES`` (32, in ``gans.tasks.detect``): files one anomaly request scores;
- ``GANS_MAX_TRANSLATE_WORK`` (500 billion multiply-adds, in ``gans.tasks.translate``): one translation of an upload (a
  larger one is translated at the largest size that fits, and says so);
- ``GANS_MAX_HEAVY_CALLS`` (2): heavy requests running at once in this process, all threads together;
- ``GANS_BUSY_WAIT_SECONDS`` (10): how long a request beyond those waits before it is told the server is busy.

The defaults let every ordinary use through (a 24-megapixel camera's photo, a 4000×3000 phone photo in 256 px
tiles, 64-image grids, every shipped model and every model the Train page offers at its default settings) and
refuse the probe cases above (and pix2pix at width 256: 143 M parameters; CycleGAN at 128 px, batch 16: ~10 GB).
Operators raise or lower them in the environment; a value that is not a positive number is one clear
``ConfigError`` naming the variable. Limits are read at each call, so a test (or an operator's restart) changes
them without re-importing anything.

``heavy_call()`` is the server-wide gate: a counting semaphore shared by every thread of the process. A request
that finds ``GANS_MAX_HEAVY_CALLS`` others running waits up to ``GANS_BUSY_WAIT_SECONDS``, then gets
``ServerBusyError`` ("the server is busy with N other requests; try again in a moment") instead of stalling the
server. The gate is re-entrant within a thread, so ``translate_file`` → ``translate_picture`` counts once.
"""

from __future__ import annotations

import math
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from ..errors import ConfigError, GansError


class BudgetError(GansError, ValueError):
    """A request that asks for more work than this server allows (an image, a tile count, a sample count)."""


class ServerBusyError(GansError, RuntimeError):
    """Too many heavy requests are running in this process; the caller should try again in a moment."""


@dataclass(frozen=True)
class Limit:
    """One limit: the environment variable that sets it, its default, and how to parse it."""

    variable: str
    default: float
    kind: type = int

    def value(self) -> int | float:
        """The limit now: the variable's value when set (a positive ``kind``), else the default."""
        raw = os.environ.get(self.variable, "").strip()
        if not raw:
            return self.default
        try:
            value = self.kind(raw)
        except ValueError:
            value = None
        if value is None or not value > 0 or (isinstance(value, float) and not math.isfinite(value)):
            noun = "a whole number" if self.kind is int else "a number"
            raise ConfigError(f"{self.variable}={raw!r} is not valid: set it to {noun} greater than 0 "
                              f"(the default is {self.default:g}), or unset it")
        return value


MAX_PIXELS = Limit("GANS_MAX_PIXELS", 25_000_000)  # a 24-MP camera (6000×4000) passes, 7000×7000 does not
MAX_TILES = Limit("GANS_MAX_TILES", 512)  # 6000×4000 in 256 px tiles is 486; 7000×7000 auto-tiled is 225
MAX_SAMPLES = Limit("GANS_MAX_SAMPLES", 1024)  # 16 times the usual 64-image grid
#: the largest shipped model (CycleGAN, 21 M) and Pix2Pix at width 128 (36 M) pass; pix2pix at width 256 does not
MAX_PARAMETERS = Limit("GANS_MAX_PARAMETERS", 50_000_000)
#: CycleGAN's defaults (64 px, batch 16: ~2.9 GB estimated, 2.7 GB measured on a CPU) pass
MAX_TRAIN_MEMORY_MB = Limit("GANS_MAX_TRAIN_MEMORY_MB", 4096)
MAX_HEAVY_CALLS = Limit("GANS_MAX_HEAVY_CALLS", 2)
BUSY_WAIT_SECONDS = Limit("GANS_BUSY_WAIT_SECONDS", 10.0, float)


def max_pixels() -> int:
    return MAX_PIXELS.value()


def max_tiles() -> int:
    return MAX_TILES.value()


def max_samples() -> int:
    return MAX_SAMPLES.value()


def max_parameters() -> int:
    return MAX_PARAMETERS.value()


def max_train_memory_mb() -> int:
    return MAX_TRAIN_MEMORY_MB.value()


def max_heavy_calls() -> int:
    return MAX_HEAVY_CALLS.value()


def busy_wait_seconds() -> float:
    return BUSY_WAIT_SECONDS.value()


# ---- checks ---------------------------------------------------------------------------------------------------
def _rounded(count: float, units: tuple[tuple[float, str], ...], exact: str) -> str:
    """``count`` in the largest of ``units`` ((size, name), largest first) it reaches, to one decimal ("1.5
    megapixels", "132,255.3 GB"); ``exact`` (a format of the whole count) below the smallest."""
    for size, name in units:
        if count >= size:
            return f"{count / size:,.1f}".removesuffix(".0") + f" {name}"
    return exact.format(count)


def _pair(amount: int, limit: int, rounded) -> tuple[str, str]:
    """``amount`` and ``limit`` in words, rounded unless the rounding would make them read the same (25,000,001
    pixels is not "25 megapixels … at most 25 megapixels"): then both exact, with thousands separators."""
    said, allowed = rounded(amount), rounded(limit)
    if said == allowed:
        return rounded(amount, exact=True), rounded(limit, exact=True)
    return said, allowed


def _pixels(count: int, exact: bool = False) -> str:
    """"49 megapixels", "1.5 megapixels", "1,200 pixels" (``exact``: always "25,000,001 pixels")."""
    if exact:
        return f"{count:,} pixels"
    return _rounded(count, ((1e6, "megapixels"),), "{:,} pixels")


def _parameters(count: int, exact: bool = False) -> str:
    """"9.1 G parameters", "143 M parameters", "900,000 parameters"."""
    if exact:
        return f"{count:,} parameters"
    return _rounded(count, ((1e9, "G parameters"), (1e6, "M parameters")), "{:,} parameters")


def _bytes(count: float, exact: bool = False) -> str:
    """"4.2 GB", "512 MB" (MB = 2**20 bytes, as GANS_MAX_TRAIN_MEMORY_MB counts them; ``exact``: "4,294,967,297
    bytes")."""
    if exact:
        return f"{count:,.0f} bytes"
    return _rounded(count, ((2**30, "GB"), (2**20, "MB")), "{:,.0f} bytes")


def check_pixels(width: int, height: int, what: str = "The image", advice: str = "use a smaller image") -> None:
    """Refuse a picture of ``width``×``height`` over ``GANS_MAX_PIXELS`` (``what``: how messages name it)."""
    limit = max_pixels()
    if width * height > limit:
        said, allowed = _pair(width * height, limit, _pixels)
        raise BudgetError(f"{what} is {width}×{height} = {said}; this server allows at most {allowed} per request "
                          f"(GANS_MAX_PIXELS); {advice}")


def check_tiles(tiles: int, width: int, height: int, tile: int, verb: str = "translating") -> None:
    """Refuse a tiled run that would take more than ``GANS_MAX_TILES`` network passes. ``verb`` names the work
    ("translating", "upscaling", "colouring")."""
    limit = max_tiles()
    if tiles > limit:
        raise BudgetError(f"{verb} this {width}×{height} image in {tile} px tiles takes {tiles:,} tiles; this "
                          f"server allows at most {limit:,} per request (GANS_MAX_TILES); use larger tiles or a "
                          "smaller image")


def check_model_size(what: str, parameters: int, memory_bytes: float | None = None,
                     advice: str = "choose a smaller width, fewer layers or a smaller image size") -> None:
    """Refuse a model of more than ``GANS_MAX_PARAMETERS`` parameters, or a training step estimated to need more
    than ``GANS_MAX_TRAIN_MEMORY_MB`` (``memory_bytes``: None when no training is asked for). ``what`` names the
    model ("pix2pix with these settings"); ``advice`` says what to change."""
    limit = max_parameters()
    if parameters > limit:
        said, allowed = _pair(parameters, limit, _parameters)
        raise BudgetError(f"{what} has {said}; this server allows at most {allowed} (GANS_MAX_PARAMETERS); "
                          f"{advice}")
    if memory_bytes is None:
        return
    memory_limit = max_train_memory_mb() * 2**20
    if memory_bytes > memory_limit:
        said, allowed = _pair(memory_bytes, memory_limit, _bytes)
        raise BudgetError(f"training {what} needs about {said} of memory per step; this server allows at most "
                          f"{allowed} (GANS_MAX_TRAIN_MEMORY_MB); {advice}, or a smaller batch size")


def check_samples(count: int, what: str = "images") -> None:
    """Refuse a request for more than ``GANS_MAX_SAMPLES`` generated images (``what``: "images", "frames")."""
    limit = max_samples()
    if count > limit:
        raise BudgetError(f"{count:,} {what} were asked for; this server allows at most {limit:,} per request "
                          f"(GANS_MAX_SAMPLES); ask for fewer")


def grid_size(count: int, height: int, width: int, nrow: int | None = None, scale: int = 1,
              padding: int = 2) -> tuple[int, int]:
    """(width, height) of ``gans.io.images.grid_image``'s grid of ``count`` height×width images, ``nrow`` a row
    (default: as square as possible), ``padding`` px apart, enlarged ``scale`` times."""
    nrow = nrow or math.ceil(math.sqrt(count))
    rows = math.ceil(count / nrow)
    return (nrow * (width + padding) + padding) * scale, (rows * (height + padding) + padding) * scale


def check_grid(count: int, height: int, width: int, nrow: int | None = None, scale: int = 1,
               what: str = "images") -> None:
    """Refuse a grid (or strip) of ``count`` images over ``GANS_MAX_SAMPLES`` images or ``GANS_MAX_PIXELS``."""
    check_samples(count, what)
    grid_width, grid_height = grid_size(count, height, width, nrow, scale)
    advice = f"fewer {what}, a squarer grid (--nrow)" if nrow and nrow != count else f"fewer {what}"
    check_pixels(grid_width, grid_height, "The picture", f"ask for {advice} or a smaller --scale")


# ---- the server-wide gate -------------------------------------------------------------------------------------
_condition = threading.Condition()
_running = 0  # heavy calls running now, in every thread of this process
_held = threading.local()  # .depth: how deeply the current thread is inside heavy_call()


def running_heavy_calls() -> int:
    """How many heavy calls are running now in this process."""
    return _running


@contextmanager
def heavy_call() -> Iterator[None]:
    """Run the ``with`` block as one of at most ``GANS_MAX_HEAVY_CALLS`` heavy calls of this process.

    Waits up to ``GANS_BUSY_WAIT_SECONDS`` for a free place, then raises ``ServerBusyError``. Nested use in one
    thread counts once (an entry point that calls another)."""
    global _running
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth = depth
        return
    limit, wait = max_heavy_calls(), busy_wait_seconds()
    deadline = time.monotonic() + wait
    with _condition:
        while _running >= limit:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                others = _running
                noun = "request" if others == 1 else "requests"
                raise ServerBusyError(f"the server is busy with {others} other {noun}; try again in a moment "
                                      f"(it runs at most {limit} at once: GANS_MAX_HEAVY_CALLS)")
            _condition.wait(remaining)
        _running += 1
    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        with _condition:
            _running -= 1
            _condition.notify()
