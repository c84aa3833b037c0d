"""What the two sides of an image-to-image dataset look like: a short name for captions ("sneaker") and a phrase
a newcomer can match a picture against ("a gray photo of a sneaker, light on black, seen from the side").

A translation model only knows its training data: an edges→garment model given a photo returns noise. So each
paired or unpaired dataset says, next to its registration, what its domains A and B are:

```python
describe_domains("edges2fashion",
                 a=Domain("edge drawing", "an edge drawing of a garment: thin black lines on white", kind="edges",
                          size=28),
                 b=Domain("garment", "a gray picture of a garment, light on black", kind="garment", size=28))
```

``gans.tasks.describe_input`` turns this into the sentence the Translate page shows above its uploader, and judges
whether an upload looks like the domain by its ``kind``; the Translate page offers a sketch pad for an "edges"
domain (``gans.tasks.sketch``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: What a domain's pictures are, as ``gans.tasks.describe_input.picture_kind`` measures an image: "edges" (dark lines on
#: a light background: an edge map or a line drawing), "garment" (a small gray object, light on a black background,
#: as in Fashion-MNIST), "photo" (any photograph, colour or gray, of any size), or "any" (not said: never judged).
DOMAIN_KINDS = ("any", "edges", "garment", "photo")


@dataclass(frozen=True)
class Domain:
    """One side of a translation dataset: ``name`` for captions ("A → B"), ``looks`` for "expects ..." sentences,
    ``kind`` (one of ``DOMAIN_KINDS``) for the check that an upload looks like it, and ``size``: the side in pixels
    of its pictures when they all have one size (28 for Fashion-MNIST), 0 when they come in any size."""

    name: str
    looks: str
    kind: str = "any"
    size: int = 0


_DOMAINS: dict[str, tuple[Domain, Domain]] = {}


def _key(dataset: str) -> str:
    return str(dataset).strip().lower().replace("_", "-")


def describe_domains(dataset: str, *, a: Domain, b: Domain) -> None:
    """Record what domains A and B of the image-to-image ``dataset`` look like (a later call replaces it)."""
    if not (a.name and a.looks and b.name and b.looks):
        raise ValueError(f"{dataset}: each domain needs a name and a description of how it looks")
    for domain in (a, b):
        if domain.kind not in DOMAIN_KINDS or domain.size < 0:
            raise ValueError(f"{dataset}: a domain's kind is one of {', '.join(DOMAIN_KINDS)} and its size is at "
                             f"least 0, got {domain.kind!r} and {domain.size}")
    _DOMAINS[_key(dataset)] = (a, b)


def dataset_domains(dataset: str) -> tuple[Domain, Domain] | None:
    """(domain A, domain B) of ``dataset``, or None when it says nothing (a user's own folder)."""
    return _DOMAINS.get(_key(dataset))
