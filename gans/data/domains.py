"""What the two sides of an image-to-image dataset look like: a short name for captions ("sneaker") and a phrase
a newcomer can match a picture against ("a gray photo of a sneaker, light on black, seen from the side").

A translation model only knows its training data: an edges→garment model given a photo returns noise. So each
paired or unpaired dataset says, next to its registration, what its domains A and B are:

```python
describe_domains("edges2fashion",
                 a=Domain("edge drawing", "an edge drawing of a garment: thin black lines on white"),
                 b=Domain("garment", "a gray picture of a garment, light on black"))
```

``gans.describe_input`` turns this into the sentence the Translate page shows above its uploader.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    """One side of a translation dataset: ``name`` for captions ("A → B"), ``looks`` for "expects ..." sentences."""

    name: str
    looks: str


_DOMAINS: dict[str, tuple[Domain, Domain]] = {}


def _key(dataset: str) -> str:
    return str(dataset).strip().lower().replace("_", "-")


def describe_domains(dataset: str, *, a: Domain, b: Domain) -> None:
    """Record what domains A and B of the image-to-image ``dataset`` look like (a later call replaces it)."""
    if not (a.name and a.looks and b.name and b.looks):
        raise ValueError(f"{dataset}: each domain needs a name and a description of how it looks")
    _DOMAINS[_key(dataset)] = (a, b)


def dataset_domains(dataset: str) -> tuple[Domain, Domain] | None:
    """(domain A, domain B) of ``dataset``, or None when it says nothing (a user's own folder)."""
    return _DOMAINS.get(_key(dataset))
