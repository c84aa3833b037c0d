"""Tests of gans.data on real files written to tmp_path, and a real local HTTP server for downloads."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gans.data import (
    DatasetInfo,
    ImageData,
    UnknownDatasetError,
    cifar,
    folder,
    list_datasets,
    load_dataset,
    mnist,
    to_model_range,
)
from gans.data.idx import read_idx, write_idx
from gans.errors import DatasetError, UnknownNameError
from tests.helpers import files_under, free_port

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


pytestmark = pytest.mark.usefixtures("isolated_locations")  # conftest.py: nothing outside tmp_path


# ---- fixtures and helpers ---------------------------------------------------------------------------------


def write_mnist(folder: Path, train: int = 12, test: int = 5, gz: bool = True, seed: int = 0) -> dict:
    """Official-format MNIST files with random content; returns {split: (images, labels)}."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for split, count in (("train", train), ("test", test)):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = (np.arange(count) % 10).astype(np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(folder / f"{MNIST_FILES[split][0]}{suffix}", images)
        write_idx(folder / f"{MNIST_FILES[split][1]}{suffix}", labels)
        written[split] = (images, labels)
    return written


def cifar_batches(records_per_batch: int = 2, seed: int = 0) -> dict[str, bytes]:
    """Official-format CIFAR-10 batch files: 1 label byte + 3072 pixel bytes per record."""
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{number}.bin" for number in range(1, 6)] + ["test_batch.bin"]
    return {name: rng.integers(0, 256, size=records_per_batch * 3073, dtype=np.uint8).tobytes() for name in names}


def fix_cifar_labels(batches: dict[str, bytes]) -> dict[str, bytes]:
    """Make every record's label byte a valid class (0..9)."""
    fixed = {}
    for name, raw in batches.items():
        records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3073).copy()
        records[:, 0] %= 10
        fixed[name] = records.tobytes()
    return fixed


def write_cifar_archive(path: Path, batches: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        members = {**batches, "batches.meta.txt": b"\n".join(name.encode() for name in cifar.CLASS_NAMES)}
        for name, data in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def expected_cifar(batches: dict[str, bytes], split: str) -> tuple[np.ndarray, np.ndarray]:
    names = cifar.SPLIT_BATCHES[split]
    records = np.concatenate([np.frombuffer(batches[name], dtype=np.uint8).reshape(-1, 3073) for name in names])
    return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64)


@pytest.fixture
def mirror(file_server, monkeypatch):
    """The file server as GANS_DATASET_MIRROR, holding small mnist and cifar10 files in the official formats."""
    mnist_arrays = write_mnist(file_server.root / "mnist")
    batches = fix_cifar_labels(cifar_batches())
    write_cifar_archive(file_server.root / "cifar10" / "cifar-10-binary.tar.gz", batches)
    monkeypatch.setenv("GANS_DATASET_MIRROR", file_server.url + "/")
    return file_server, mnist_arrays, batches


# ---- IDX --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_idx_round_trip(tmp_path, suffix):
    images = np.random.default_rng(1).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    path = tmp_path / f"images-idx3-ubyte{suffix}"
    write_idx(path, images)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    loaded = read_idx(path)
    assert loaded.dtype == np.uint8 and loaded.shape == (7, 28, 28)
    np.testing.assert_array_equal(loaded, images)


def test_idx_header_is_the_official_layout(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 3, 1, 4])


def test_idx_gzip_is_reproducible(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_idx_bad_magic_names_the_file(tmp_path):
    path = tmp_path / "not-idx.gz"
    path.write_bytes(gzip.compress(b"\x12\x34\x08\x01" + bytes(8)))
    with pytest.raises(DatasetError, match="not-idx.gz.*magic"):
        read_idx(path)


def test_idx_unsupported_dtype(tmp_path):
    path = tmp_path / "floats"
    path.write_bytes(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + bytes(4))
    with pytest.raises(DatasetError, match="0x0D"):
        read_idx(path)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_idx_truncated_file(tmp_path, suffix):
    full = tmp_path / f"full{suffix}"
    write_idx(full, np.zeros((4, 28, 28), dtype=np.uint8))
    truncated = tmp_path / f"truncated{suffix}"
    truncated.write_bytes(full.read_bytes()[:-10])
    with pytest.raises(DatasetError, match="truncated"):
        read_idx(truncated)


def test_idx_header_longer_than_file(tmp_path):
    path = tmp_path / "short-header"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(DatasetError, match="short-header.*truncated"):
        read_idx(path)


# ---- the embedded fashion-mnist-mini ----------------------------------------------------------------------


def test_mini_loads_offline():
    data = load_dataset("fashion-mnist-mini", download=False)
    assert isinstance(data, ImageData)
    assert len(data) == 6000
    assert data.images.shape == (6000, 1, 28, 28) and data.images.dtype == torch.uint8
    assert data.labels.dtype == torch.int64
    assert data.labels.bincount().tolist() == [600] * 10
    assert data.labels.min() == 0 and data.labels.max() == 9
    assert data.num_classes == 10
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"
    assert data.name == "fashion-mnist-mini" and data.skipped == 0


def test_mini_asset_is_small_and_licensed():
    files = files_under(mnist.MINI_DIR)
    assert sum(path.stat().st_size for path in files) <= 5 * 1024 * 1024
    assert "Copyright (c) 2017 Zalando SE" in (mnist.MINI_DIR / "LICENSE.txt").read_text()


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_mini_is_the_first_600_per_class_of_fashion_mnist():
    labels = read_idx(DEBIAN_FASHION_MNIST / "train-labels-idx1-ubyte.gz")
    images = read_idx(DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz")
    chosen = np.sort(np.concatenate([np.flatnonzero(labels == c)[:600] for c in range(10)]))
    data = load_dataset("fashion-mnist-mini")
    np.testing.assert_array_equal(data.images[:, 0].numpy(), images[chosen])
    np.testing.assert_array_equal(data.labels.numpy(), labels[chosen])


def test_mini_has_only_a_train_split():
    with pytest.raises(DatasetError, match="splits are: train"):
        load_dataset("fashion-mnist-mini", split="test")


def test_load_dataset_prepares_when_asked():
    data = load_dataset("fashion-mnist-mini", image_size=32, channels=3)
    assert data.images.shape == (6000, 3, 32, 32) and data.images.dtype == torch.uint8
    assert data.labels.bincount().tolist() == [600] * 10


# ---- prepare and to_model_range ---------------------------------------------------------------------------


def random_data(channels: int, size: int = 28, count: int = 6) -> ImageData:
    generator = torch.Generator().manual_seed(channels)
    images = torch.randint(0, 256, (count, channels, size, size), generator=generator, dtype=torch.uint8)
    return ImageData(images=images, labels=torch.arange(count), class_names=None, name="random")


@pytest.mark.parametrize("image_size", [28, 32, 64])
@pytest.mark.parametrize("source_channels", [1, 3])
@pytest.mark.parametrize("target_channels", [1, 3])
def test_prepare_sizes_and_channels(image_size, source_channels, target_channels):
    data = random_data(source_channels)
    prepared = data.prepare(image_size, target_channels)
    assert prepared.images.shape == (6, target_channels, image_size, image_size)
    assert prepared.images.dtype == torch.uint8
    assert torch.equal(prepared.labels, data.labels) and prepared.name == "random"
    if image_size == 28 and source_channels == target_channels:
        assert prepared is data  # nothing to do: no copy


def test_prepare_resize_keeps_constant_images_and_range():
    images = torch.full((3, 1, 28, 28), 200, dtype=torch.uint8)
    images[1] = 0
    images[2] = 255
    prepared = ImageData(images, None, None, "constant").prepare(64, 1)
    assert prepared.images[0].unique().tolist() == [200]
    assert prepared.images[1].unique().tolist() == [0]
    assert prepared.images[2].unique().tolist() == [255]


def test_prepare_downscale_averages():
    images = torch.zeros((1, 1, 4, 4), dtype=torch.uint8)
    images[..., :, :2] = 200  # left half 200, right half 0 -> antialiased 1x1 is the mean
    assert ImageData(images, None, None, "halves").prepare(1, 1).images.item() == 100


def test_prepare_channel_conversions():
    rgb = torch.tensor([10, 100, 250], dtype=torch.uint8).view(1, 3, 1, 1).expand(1, 3, 2, 2).contiguous()
    gray = ImageData(rgb, None, None, "rgb").prepare(2, 1).images
    assert gray.unique().item() == round(0.299 * 10 + 0.587 * 100 + 0.114 * 250)
    back = ImageData(gray, None, None, "gray").prepare(2, 3).images
    assert back.shape == (1, 3, 2, 2) and torch.equal(back[:, 0], back[:, 1]) and torch.equal(back[:, 0], back[:, 2])


def test_prepare_works_in_chunks(monkeypatch):
    monkeypatch.setattr("gans.data.image_data.RESIZE_CHUNK", 4)
    data = random_data(3, count=10)
    chunked = data.prepare(16, 1).images
    monkeypatch.setattr("gans.data.image_data.RESIZE_CHUNK", 2048)
    assert torch.equal(chunked, data.prepare(16, 1).images)


@pytest.mark.parametrize("image_size, channels", [(0, 1), (32, 2)])
def test_prepare_rejects_bad_arguments(image_size, channels):
    with pytest.raises(DatasetError):
        random_data(1).prepare(image_size, channels)


def test_to_model_range():
    images = torch.tensor([0, 127, 255], dtype=torch.uint8)
    values = to_model_range(images)
    assert values.dtype == torch.float32
    assert values[0] == -1 and values[2] == 1 and abs(values[1]) < 0.01
    mini = to_model_range(load_dataset("fashion-mnist-mini").images[:100])
    assert mini.min() >= -1 and mini.max() <= 1


# ---- folders and zips -------------------------------------------------------------------------------------


def save_image(path: Path, color, size=(12, 10), mode="RGB", **save_options) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, **save_options)


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """cats/ (2 PNG + 1 corrupt PNG) and dogs/ (1 JPEG, 1 BMP), plus a non-image file at the top."""
    root = tmp_path / "pets"
    save_image(root / "cats" / "a.png", (255, 0, 0))
    save_image(root / "cats" / "b.png", (0, 255, 0), size=(30, 20))
    (root / "cats" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    save_image(root / "dogs" / "c.jpg", (0, 0, 255), quality=95)
    save_image(root / "dogs" / "nested" / "d.bmp", (255, 255, 0))
    (root / "notes.txt").write_text("not an image")
    return root


def check_pets(data: ImageData, size: int) -> None:
    assert data.class_names == ["cats", "dogs"]
    assert data.labels.tolist() == [0, 0, 1, 1]  # a, b | c, nested/d; broken.png skipped
    assert data.skipped == 1
    assert data.images.shape == (4, 3, size, size) and data.images.dtype == torch.uint8
    assert data.num_classes == 2
    assert data.images[0, :, 0, 0].tolist() == [255, 0, 0]
    assert abs(int(data.images[2, 2, 5, 5]) - 255) <= 3 and int(data.images[2, 0, 5, 5]) <= 3  # JPEG blue


def test_folder_with_class_subfolders(image_folder):
    data = load_dataset("folder", path=str(image_folder), image_size=16)
    check_pets(data, 16)
    assert data.name == "folder"


def test_folder_default_image_size_is_64(image_folder):
    assert load_dataset("folder", path=str(image_folder)).images.shape[-1] == 64


def test_zip_of_the_same_folder(image_folder, tmp_path):
    archive = tmp_path / "pets.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in files_under(image_folder):
            zipped.write(path, f"pets/{path.relative_to(image_folder).as_posix()}")  # wrapped in pets/
        zipped.writestr("__MACOSX/pets/cats/._a.png", b"resource fork, not an image")
    data = load_dataset("folder", path=str(archive), image_size=16)
    check_pets(data, 16)
    assert torch.equal(data.images, load_dataset("folder", path=str(image_folder), image_size=16).images)


def test_zip_member_with_absurd_size_is_skipped(image_folder, tmp_path, monkeypatch):
    archive = tmp_path / "pets.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in files_under(image_folder):
            zipped.write(path, path.relative_to(image_folder).as_posix())
        zipped.writestr("dogs/bomb.png", bytes(50_000))  # declared 50 kB, far over the limit set below
    monkeypatch.setattr(folder, "MAX_FILE_BYTES", 20_000)
    data = load_dataset("folder", path=str(archive), image_size=8)
    assert data.skipped == 2 and len(data) == 4


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bombs_are_skipped(tmp_path, monkeypatch):
    save_image(tmp_path / "imgs" / "small.png", (1, 2, 3), size=(8, 8))
    save_image(tmp_path / "imgs" / "big.png", (1, 2, 3), size=(40, 40))  # over the limit: PIL only warns
    save_image(tmp_path / "imgs" / "huge.png", (1, 2, 3), size=(50, 50))  # over twice the limit: PIL raises
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = load_dataset("folder", path=str(tmp_path / "imgs"), image_size=8)
    assert len(data) == 1 and data.skipped == 2


def test_unlabelled_grayscale_folder(tmp_path):
    root = tmp_path / "gray"
    save_image(root / "one.png", 10, mode="L")
    save_image(root / "sub" / "two.png", 200, mode="L")  # not every image is in a sub-folder: unlabelled
    save_image(root / "three.tif", 90, mode="L")
    data = load_dataset("folder", path=str(root), image_size=8)
    assert data.labels is None and data.class_names is None and data.num_classes == 0
    assert data.images.shape == (3, 1, 8, 8)
    assert sorted(data.images[:, 0, 0, 0].tolist()) == [10, 90, 200]


def test_mixed_gray_and_color_gives_rgb(tmp_path):
    save_image(tmp_path / "mix" / "gray.png", 50, mode="L")
    save_image(tmp_path / "mix" / "color.png", (10, 20, 30))
    data = load_dataset("folder", path=str(tmp_path / "mix"), image_size=4)
    assert data.images.shape == (2, 3, 4, 4)
    assert data.images[1, :, 0, 0].tolist() == [50, 50, 50]  # sorted: color.png, gray.png


def test_transparency_is_composited_on_white(tmp_path):
    save_image(tmp_path / "alpha" / "clear.png", (0, 0, 0, 0), mode="RGBA")
    assert load_dataset("folder", path=str(tmp_path / "alpha"), image_size=4).images.unique().tolist() == [255]


def test_exif_orientation_is_honoured(tmp_path):
    # 40x20: left half red, right half blue. EXIF orientation 6 means "rotate 90 degrees clockwise to display",
    # which puts red on top; ignoring it would leave red on the left.
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "photos" / "rotated.jpg"
    path.parent.mkdir()
    image.save(path, exif=exif, quality=95)
    pixels = load_dataset("folder", path=str(path.parent), image_size=16).images[0]
    top_left, bottom_left = pixels[:, 1, 1].tolist(), pixels[:, 14, 1].tolist()
    assert top_left[0] > 200 and top_left[2] < 50  # red on top
    assert bottom_left[2] > 200 and bottom_left[0] < 50  # blue below


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(DatasetError, match="no images found"):
        load_dataset("folder", path=str(tmp_path / "empty"))


def test_all_corrupt_is_an_error(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.jpg").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="could be read"):
        load_dataset("folder", path=str(tmp_path / "bad"))


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("folder", path=str(tmp_path / "nowhere"))
    with pytest.raises(DatasetError, match="needs a path"):
        load_dataset("folder")


def test_corrupt_zip_is_an_error(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match="zip"):
        load_dataset("folder", path=str(tmp_path / "broken.zip"))


# ---- MNIST-style and CIFAR-10 files on disk ---------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_from_data_dir(isolated_locations, gz):
    data_dir, _ = isolated_locations
    written = write_mnist(data_dir / "mnist", gz=gz)
    for split in ("train", "test"):
        data = load_dataset("mnist", split=split, download=False)
        np.testing.assert_array_equal(data.images[:, 0].numpy(), written[split][0])
        np.testing.assert_array_equal(data.labels.numpy(), written[split][1])
        assert data.class_names == [str(digit) for digit in range(10)]


def test_mnist_from_explicit_path(tmp_path):
    written = write_mnist(tmp_path / "elsewhere", train=3)
    data = load_dataset("mnist", path=str(tmp_path / "elsewhere"), download=False)
    np.testing.assert_array_equal(data.images[:, 0].numpy(), written["train"][0])
    with pytest.raises(DatasetError, match="no mnist train files"):
        load_dataset("mnist", path=str(tmp_path), download=False)


def test_mnist_labels_must_match_images(isolated_locations):
    data_dir, _ = isolated_locations
    write_mnist(data_dir / "mnist")
    write_idx(data_dir / "mnist" / "train-labels-idx1-ubyte.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(DatasetError, match="labels"):
        load_dataset("mnist", download=False)


def test_cifar10_from_archive_in_data_dir(isolated_locations):
    data_dir, _ = isolated_locations
    batches = fix_cifar_labels(cifar_batches(records_per_batch=3))
    write_cifar_archive(data_dir / "cifar10" / "cifar-10-binary.tar.gz", batches)
    for split, count in (("train", 15), ("test", 3)):
        data = load_dataset("cifar10", split=split, download=False)
        images, labels = expected_cifar(batches, split)
        assert data.images.shape == (count, 3, 32, 32) and data.images.dtype == torch.uint8
        np.testing.assert_array_equal(data.images.numpy(), images)
        np.testing.assert_array_equal(data.labels.numpy(), labels)
        assert data.class_names[0] == "airplane" and data.num_classes == 10


def test_cifar10_from_extracted_folder(isolated_locations):
    data_dir, _ = isolated_locations
    batches = fix_cifar_labels(cifar_batches())
    extracted = data_dir / "cifar10" / "cifar-10-batches-bin"
    extracted.mkdir(parents=True)
    for name, raw in batches.items():
        (extracted / name).write_bytes(raw)
    data = load_dataset("cifar10", split="test", download=False)
    np.testing.assert_array_equal(data.images.numpy(), expected_cifar(batches, "test")[0])


def test_cifar10_record_layout(isolated_locations):
    """Record = label, then the red plane, green plane and blue plane, each 32 rows of 32."""
    data_dir, _ = isolated_locations
    record = np.zeros(3073, dtype=np.uint8)
    record[0] = 7
    record[1 + 0 * 1024 + 0] = 11  # red, row 0, column 0
    record[1 + 1 * 1024 + 32 * 2 + 5] = 22  # green, row 2, column 5
    record[1 + 2 * 1024 + 1023] = 33  # blue, last pixel
    batches = {name: record.tobytes() for name in cifar_batches(1)}
    write_cifar_archive(data_dir / "cifar10" / "cifar-10-binary.tar.gz", batches)
    data = load_dataset("cifar10", split="test")
    assert data.labels.tolist() == [7]
    assert data.images[0, 0, 0, 0] == 11 and data.images[0, 1, 2, 5] == 22 and data.images[0, 2, 31, 31] == 33


def test_cifar10_truncated_batch(isolated_locations):
    data_dir, _ = isolated_locations
    batches = fix_cifar_labels(cifar_batches())
    batches["test_batch.bin"] = batches["test_batch.bin"][:-100]
    write_cifar_archive(data_dir / "cifar10" / "cifar-10-binary.tar.gz", batches)
    with pytest.raises(DatasetError, match="test_batch.bin.*truncated"):
        load_dataset("cifar10", split="test")


def test_cifar10_archive_missing_a_batch(isolated_locations):
    data_dir, _ = isolated_locations
    batches = fix_cifar_labels(cifar_batches())
    del batches["data_batch_3.bin"]
    write_cifar_archive(data_dir / "cifar10" / "cifar-10-binary.tar.gz", batches)
    with pytest.raises(DatasetError, match="data_batch_3.bin"):
        load_dataset("cifar10")


# ---- downloads, against a real local HTTP server ----------------------------------------------------------


def test_download_from_mirror_then_use_the_cache(mirror, isolated_locations):
    server, mnist_arrays, batches = mirror
    _, cache = isolated_locations

    data = load_dataset("mnist")
    np.testing.assert_array_equal(data.images[:, 0].numpy(), mnist_arrays["train"][0])
    cifar_data = load_dataset("cifar10", split="test")
    np.testing.assert_array_equal(cifar_data.images.numpy(), expected_cifar(batches, "test")[0])
    assert sorted(server.requests) == [
        "/cifar10/cifar-10-binary.tar.gz",
        "/mnist/train-images-idx3-ubyte.gz",
        "/mnist/train-labels-idx1-ubyte.gz",
    ]
    assert [path.relative_to(cache).as_posix() for path in files_under(cache)] == [
        "datasets/cifar10/cifar-10-binary.tar.gz",
        "datasets/mnist/train-images-idx3-ubyte.gz",
        "datasets/mnist/train-labels-idx1-ubyte.gz",
    ]

    server.requests.clear()
    assert torch.equal(load_dataset("mnist").images, data.images)
    train_labels = load_dataset("cifar10", split="train").labels.numpy()
    np.testing.assert_array_equal(train_labels, expected_cifar(batches, "train")[1])
    assert server.requests == []  # both came from the cache
    available = {info.name: info for info in list_datasets()}
    assert available["mnist"].available and str(cache) in available["mnist"].reason


def check_download_failure(error: pytest.ExceptionInfo, dataset: str, cache: Path) -> None:
    message = str(error.value)
    assert "\n" not in message
    assert f"Could not download {dataset}" in message
    assert f"$GANS_DATA_DIR/{dataset}/" in message and "fashion-mnist-mini" in message
    assert files_under(cache) == []  # no partial or temporary file left behind


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
def test_download_404(file_server, monkeypatch, isolated_locations, dataset):
    monkeypatch.setenv("GANS_DATASET_MIRROR", file_server.url)  # serves an empty folder
    with pytest.raises(DatasetError) as error:
        load_dataset(dataset)
    check_download_failure(error, dataset, isolated_locations[1])
    assert "404" in str(error.value)
    assert len(file_server.requests) == 1


def test_download_dead_port(monkeypatch, isolated_locations):
    monkeypatch.setenv("GANS_DATASET_MIRROR", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DatasetError) as error:
        load_dataset("mnist")
    check_download_failure(error, "mnist", isolated_locations[1])


def test_download_cut_short(mirror, isolated_locations):
    server, _, _ = mirror
    server.truncate_bodies = True
    with pytest.raises(DatasetError) as error:
        load_dataset("cifar10")
    check_download_failure(error, "cifar10", isolated_locations[1])


def test_mirror_file_must_parse(mirror, isolated_locations):
    server, _, _ = mirror
    (server.root / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"<html>not found</html>")
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz.*magic") as error:
        load_dataset("mnist")
    cached = [path.name for path in files_under(isolated_locations[1])]
    assert cached == ["train-images-idx3-ubyte.gz"]  # the good file is kept, the bad one is not
    assert "Could not download mnist" in str(error.value)


def test_download_false_never_touches_the_network(mirror, isolated_locations, monkeypatch):
    server, _, _ = mirror
    with pytest.raises(DatasetError, match="download=False.*GANS_DATA_DIR/mnist/"):
        load_dataset("mnist", download=False)
    # Debian's folder may hold fashion-mnist on this machine: leave it out to reach the "not found" message.
    monkeypatch.setattr(mnist, "FASHION_MNIST", dataclasses.replace(mnist.FASHION_MNIST, system_dirs=()))
    with pytest.raises(DatasetError, match="apt install dataset-fashion-mnist"):
        load_dataset("fashion-mnist", download=False)
    assert server.requests == []
    assert files_under(isolated_locations[1]) == []


def official_md5s(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.md5(path.read_bytes()).hexdigest() for path in files_under(folder)}


def test_official_source_md5_and_fallback(file_server, monkeypatch, isolated_locations):
    """Without a mirror, official URLs are tried in order and each file is checked against its MD5."""
    write_mnist(file_server.root / "mnist")
    dead = f"http://127.0.0.1:{free_port()}/"
    good = dataclasses.replace(
        mnist.MNIST, base_urls=(dead, f"{file_server.url}/mnist/"), md5=official_md5s(file_server.root / "mnist")
    )
    monkeypatch.setattr(mnist, "MNIST", good)
    assert len(load_dataset("mnist", split="test")) == 5  # first URL dead, second one used

    wrong = dataclasses.replace(good, md5={name: "0" * 32 for name in good.md5})
    monkeypatch.setattr(mnist, "MNIST", wrong)
    with pytest.raises(DatasetError, match="MD5") as error:
        load_dataset("mnist", split="train")
    assert "Could not download mnist" in str(error.value)
    assert sorted(path.name for path in files_under(isolated_locations[1])) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]


# ---- list_datasets and the registry -----------------------------------------------------------------------


def test_list_datasets_offline(isolated_locations):
    infos = {info.name: info for info in list_datasets()}
    assert {"fashion-mnist-mini", "fashion-mnist", "mnist", "cifar10", "folder"} <= set(infos)
    assert all(isinstance(info, DatasetInfo) and info.reason and info.description for info in infos.values())
    assert infos["fashion-mnist-mini"].available and infos["fashion-mnist-mini"].num_classes == 10
    assert not infos["mnist"].available and "GANS_DATA_DIR" in infos["mnist"].reason
    assert not infos["cifar10"].available
    assert infos["folder"].available


def test_list_datasets_sees_data_dir(isolated_locations):
    data_dir, _ = isolated_locations
    write_mnist(data_dir / "mnist", train=2, test=1)
    info = next(info for info in list_datasets() if info.name == "mnist")
    assert info.available and str(data_dir / "mnist") in info.reason


def test_unknown_dataset_name():
    with pytest.raises(DatasetError, match="Did you mean 'mnist'"):
        load_dataset("minst")
    with pytest.raises(UnknownNameError):
        load_dataset("nope")
    assert issubclass(UnknownDatasetError, DatasetError)


def test_bad_channels_fail_before_loading(mirror):
    server, _, _ = mirror
    with pytest.raises(DatasetError, match="channels"):
        load_dataset("mnist", channels=2)
    assert server.requests == []


def test_datasets_are_listed_in_their_registration_order_with_the_embedded_default_first():
    """``gans/data/__init__.py`` imports the dataset modules in the order ``list_datasets`` shows (the Train page's
    Dataset list, ``python -m gans list``, Home's table); sorting those imports would put "aged-photos" first."""
    from gans.data import DEFAULT_DATASET

    names = [info.name for info in list_datasets()]
    assert names[:4] == [DEFAULT_DATASET, "fashion-mnist", "mnist", "cifar10"]
    assert names.index("folder") < names.index("offline-photos") < names.index("aged-photos") == len(names) - 1
