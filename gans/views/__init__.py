"""Page-facing helpers (torch-free where they can be): the catalog of checkpoints and wording, the Train form,
run views, comparisons, colorizer reports, input fit checks, walk variety. The top layer: nothing in ``gans``
below imports it."""
