"""Datasets as in-memory uint8 tensors: the embedded default, Fashion-MNIST, MNIST, CIFAR-10, folders and zips,
and image-to-image data (``PairedData`` for Pix2Pix, ``UnpairedData`` for CycleGAN).

```python
from gans.data import list_datasets, load_dataset, to_model_range

data = load_dataset("fashion-mnist-mini", image_size=32)   # ImageData: images (N, 1, 32, 32) uint8, labels
batch = to_model_range(data.images[:64])                    # float32 in [-1, 1]
```

Adding a dataset is one ``@register_dataset`` loader function in a new module plus one import line below.
"""

# Import order is meaning here (pyproject.toml exempts this file from import sorting): see below.
from .batch import Batch
from .image_data import ImageData, to_model_range
from .pairs import PairedData, UnpairedData
from .registry import DatasetInfo, UnknownDatasetError, list_datasets, load_dataset, register_dataset

# Each import registers its datasets; the order here is the order of list_datasets().
from . import mnist  # noqa: E402,F401  fashion-mnist-mini (embedded default), fashion-mnist, mnist
from . import cifar  # noqa: E402,F401  cifar10
from . import folder  # noqa: E402,F401  folder (any folder or .zip of images)
from . import pair_folders  # noqa: E402,F401  paired-folder, unpaired-folder, facades, maps, horse2zebra...
from . import demo_pairs  # noqa: E402,F401  edges2fashion, sneaker2boot (offline, from the embedded data)
from .photos import PhotoData  # noqa: E402  photo-folder, offline-photos (colour photos for the colorizer)
from . import aged_photos  # noqa: E402,F401  aged-photos (photos and aged copies: pairs for restoration)

DEFAULT_DATASET = "fashion-mnist-mini"

__all__ = [
    "Batch",
    "DEFAULT_DATASET",
    "DatasetInfo",
    "ImageData",
    "PairedData",
    "PhotoData",
    "UnknownDatasetError",
    "UnpairedData",
    "list_datasets",
    "load_dataset",
    "register_dataset",
    "to_model_range",
]
