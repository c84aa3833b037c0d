"""What an image-to-image checkpoint expects as input, in words a newcomer can act on.

A translation model only knows its training data: an edges → garment model turns a photo into noise, with no
error to say why. The Translate page therefore says, above its uploader, what to give the model and what comes
back, from what the run's dataset declares about its two domains (``gans.data.domains``); the direction's caption
uses the domains' names ("sneaker → ankle boot", "edge drawing → garment") instead of "A → B".
"""

from __future__ import annotations

from .data.domains import Domain

#: What the two sides of a dataset that declares nothing are, by the dataset's kind (the user's own folders)
SIDES_BY_KIND = {"paired": ("the left half of each training pair", "the right half of each training pair"),
                 "unpaired": ("its trainA/ pictures", "its trainB/ pictures")}
NOISE_WARNING = ("It knows only pictures like those it was trained on: anything else comes out as noise, with "
                 "no error to say so.")


def _domains(info) -> tuple[Domain, Domain] | None:
    from . import data  # importing the package registers every dataset and its domains

    return data.domains.dataset_domains(getattr(info, "data", "") or "")


def domain_names(info) -> tuple[str, str] | None:
    """(name of A, name of B) of a translation run's ``CheckpointInfo``: those the run recorded, else those its
    dataset declares, else None."""
    recorded = list(getattr(info, "domains", None) or [])
    if len(recorded) >= 2:
        return str(recorded[0]), str(recorded[1])
    declared = _domains(info)
    return (declared[0].name, declared[1].name) if declared else None


def direction_label(info, direction: str) -> str:
    """"edge drawing → garment" for ``direction`` "a2b" of a run whose domains are known, else "A → B"."""
    from .translate import direction_label as label

    return label(direction, domain_names(info) or ())


def expected_input(info, direction: str = "a2b") -> str:
    """One paragraph (Markdown): what picture to give the translator of ``info`` in ``direction`` and what comes
    back, and that anything else comes out as noise."""
    declared = _domains(info)
    source, target = (0, 1) if direction == "a2b" else (1, 0)
    if declared:
        given, made = declared[source].looks, declared[target].looks
        return f"**Give it** {given}. **It returns** {made}. {NOISE_WARNING}"
    sides = SIDES_BY_KIND.get(_dataset_kind(getattr(info, "data", "")))
    data = getattr(info, "data", "") or "its training data"
    if sides:
        return (f"**Give it** a picture like {sides[source]} in **{data}**. **It returns** one like "
                f"{sides[target]}. {NOISE_WARNING}")
    return (f"**Give it** a picture like the {'A' if source == 0 else 'B'} side of **{data}**. **It returns** one "
            f"like the {'B' if source == 0 else 'A'} side. {NOISE_WARNING}")


def _dataset_kind(name: str) -> str:
    from .data.registry import registered_datasets

    return next((info.kind for info in registered_datasets() if info.name == name), "")
