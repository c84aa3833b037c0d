"""Tests of colour-photo data for the colorizer: PhotoData, photo-folder and offline-photos, on tiny photos
written to tmp_path (one test also loads the real Debian-packaged photos when they are installed)."""

from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gans.data import Batch, PhotoData, list_datasets, load_dataset, photos as photos_module
from gans.data.photos import (
    OFFLINE_LICENCES,
    OFFLINE_SOURCES,
    OFFLINE_SPLITS,
    OFFLINE_TEST,
    OFFLINE_TRAIN,
    OFFLINE_VALIDATION,
    load_photo_folder,
)
from gans.errors import DatasetError
from tests.helpers import ROOT

MATE_NATURE = Path("/usr/share/backgrounds/mate/nature")
# Distinct solid colours (far apart in every channel pair, so none looks gray).
SOLID = [(220, 30, 30), (30, 200, 40), (40, 50, 230), (230, 200, 20)]


# ---- helpers ----------------------------------------------------------------------------------------------


def textured(width: int, height: int, seed: int = 0) -> Image.Image:
    """A colourful photo-like RGB image: smooth colour gradients plus noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    red = 255 * x / max(width - 1, 1)
    green = 255 * y / max(height - 1, 1)
    blue = 128 + 100 * np.sin(x / 3.0)
    array = np.stack([red, green, blue], axis=-1) + rng.normal(0, 8, (height, width, 3))
    return Image.fromarray(array.clip(0, 255).astype(np.uint8), "RGB")


def make_photo_folder(folder: Path) -> Path:
    """3 colour photos of different sizes and aspect ratios, 2 gray ones, 1 corrupt file, 1 non-image."""
    folder.mkdir(parents=True, exist_ok=True)
    textured(64, 40, seed=1).save(folder / "a_wide.png")
    textured(30, 90, seed=2).save(folder / "b_tall.jpg", quality=95)
    sub = folder / "sub"
    sub.mkdir()
    textured(48, 48, seed=3).save(sub / "c_square.webp", quality=95)
    gray = (np.add.outer(np.arange(40), np.arange(50)) * 2).astype(np.uint8)
    Image.fromarray(gray, "L").save(folder / "gray_mode.png")
    Image.fromarray(gray, "L").convert("RGB").save(folder / "gray_content.jpg", quality=90)  # RGB, but gray
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    (folder / "notes.txt").write_text("not an image")
    return folder


def zip_folder(folder: Path, archive: Path, wrapper: str = "photos") -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, f"{wrapper}/{path.relative_to(folder).as_posix()}")
    return archive


def solid_photos(sizes: list[tuple[int, int]]) -> PhotoData:
    """PhotoData of solid-colour photos, photo i in SOLID[i] at sizes[i] = (height, width)."""
    photos = [
        torch.tensor(SOLID[i], dtype=torch.uint8).view(3, 1, 1).expand(3, h, w).contiguous()
        for i, (h, w) in enumerate(sizes)
    ]
    return PhotoData(photos=photos, name="solid", names=[f"p{i}.png" for i in range(len(sizes))])


def gradient_photo(height: int, width: int) -> torch.Tensor:
    """A photo whose columns differ (a horizontal red ramp), so flips and crops are visible."""
    ramp = torch.linspace(0, 255, width).round().to(torch.uint8)
    photo = torch.zeros((3, height, width), dtype=torch.uint8)
    photo[0] = ramp.view(1, width)
    photo[1] = 60
    photo[2] = 200
    return photo


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return ((images + 1) * 127.5).round().to(torch.uint8)


# ---- loading a folder or zip ------------------------------------------------------------------------------


def test_photo_folder_counts_colour_gray_and_unreadable(tmp_path):
    data = load_photo_folder(make_photo_folder(tmp_path / "photos"), max_side=512)
    assert isinstance(data, PhotoData) and data.kind == "photos"
    assert data.names == ["a_wide.png", "b_tall.jpg", "sub/c_square.webp"]
    assert (data.skipped, data.gray_skipped) == (1, 2)
    assert [tuple(photo.shape) for photo in data.photos] == [(3, 40, 64), (3, 90, 30), (3, 48, 48)]
    assert all(photo.dtype == torch.uint8 for photo in data.photos)
    assert data.class_names is None and data.labels is None and data.num_classes == 0
    assert len(data) == 3 * data.crops_per_photo == 3 * 64
    assert data.crop_size is None


def test_photo_folder_from_zip_matches_folder(tmp_path):
    folder = make_photo_folder(tmp_path / "photos")
    from_folder = load_photo_folder(folder)
    from_zip = load_photo_folder(zip_folder(folder, tmp_path / "photos.zip"))  # wrapping folder looked through
    assert from_zip.names == from_folder.names
    assert (from_zip.skipped, from_zip.gray_skipped) == (1, 2)
    for a, b in zip(from_zip.photos, from_folder.photos):
        assert torch.equal(a, b)


def test_max_side_caps_the_longer_side_and_keeps_aspect(tmp_path):
    folder = make_photo_folder(tmp_path / "photos")
    data = load_photo_folder(folder, max_side=32)
    assert [tuple(photo.shape[1:]) for photo in data.photos] == [(20, 32), (32, 11), (32, 32)]
    assert (data.skipped, data.gray_skipped) == (1, 2)


def test_big_jpeg_is_drafted_and_downscaled_exif_transposed_and_alpha_on_white(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    image = textured(800, 300, seed=4)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    image.save(folder / "rotated.jpg", quality=90, exif=exif.tobytes())
    rgba = np.zeros((20, 30, 4), dtype=np.uint8)
    rgba[..., 0] = 200  # red, fully transparent on the left half
    rgba[:, 15:, 3] = 255
    Image.fromarray(rgba, "RGBA").save(folder / "transparent.png")
    data = load_photo_folder(folder, max_side=100)
    rotated = data.photos[data.names.index("rotated.jpg")]
    transparent = data.photos[data.names.index("transparent.png")]
    assert tuple(rotated.shape) == (3, 100, 38)  # 800x300 displayed as 300 wide x 800 high, longer side 100
    assert tuple(transparent.shape) == (3, 20, 30)
    assert transparent[:, :, :15].min() == 255  # transparent -> white
    assert transparent[:, :, 15:].tolist() == torch.tensor([200, 0, 0]).view(3, 1, 1).expand(3, 20, 15).tolist()


def test_only_gray_photos_is_a_clear_error(tmp_path):
    folder = tmp_path / "grays"
    folder.mkdir()
    gray = np.tile(np.arange(0, 200, 5, dtype=np.uint8), (30, 1))
    Image.fromarray(gray, "L").save(folder / "one.png")
    Image.fromarray(gray, "L").convert("RGB").save(folder / "two.jpg")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DatasetError, match="gray") as caught:
        load_photo_folder(folder)
    message = str(caught.value)
    assert "2 are grayscale" in message and "1 could not be read" in message


def test_photo_folder_errors(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_photo_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no images found"):
        load_photo_folder(tmp_path / "empty")
    with pytest.raises(DatasetError, match="needs a path"):
        load_dataset("photo-folder")


def test_photo_folder_registered_with_kind_photos(tmp_path):
    infos = {info.name: info for info in list_datasets()}
    assert infos["photo-folder"].kind == "photos" and infos["photo-folder"].splits == ("train",)
    assert infos["offline-photos"].kind == "photos"
    assert infos["offline-photos"].splits == ("train", "validation", "test")
    data = load_dataset("photo-folder", path=str(make_photo_folder(tmp_path / "photos")))
    assert isinstance(data, PhotoData) and len(data.photos) == 3 and data.name == "photo-folder"


# ---- prepare, batch, examples -----------------------------------------------------------------------------


def test_batch_shape_range_and_seeded_randomness():
    data = PhotoData(
        photos=[gradient_photo(40, 64), gradient_photo(90, 50), gradient_photo(48, 48)], name="g",
        names=["a", "b", "c"],
    ).prepare(32)
    assert data.crop_size == 32 and data.image_size == 32
    indices = torch.arange(24)
    torch.manual_seed(3)
    first = data.batch(indices)
    torch.manual_seed(3)
    again = data.batch(indices)
    torch.manual_seed(4)
    other = data.batch(indices)
    assert isinstance(first, Batch) and first.labels is None and first.targets is None
    assert first.images.shape == (24, 3, 32, 32) and first.images.dtype == torch.float32
    assert first.images.min() >= -1 and first.images.max() <= 1
    assert torch.equal(first.images, again.images)
    assert not torch.equal(first.images, other.images)


def test_batch_draws_only_from_torch_global_rng():
    data = solid_photos([(40, 60), (50, 50)]).prepare(16)
    torch.manual_seed(0)
    np.random.seed(0)
    data.batch(torch.arange(10))
    after_batch = torch.get_rng_state()
    torch.manual_seed(0)
    np.random.seed(123)  # numpy's state must not matter
    expected = data.batch(torch.arange(10)).images
    assert torch.equal(torch.get_rng_state(), after_batch)
    torch.manual_seed(0)
    torch.rand(4 * 10, dtype=torch.float64)  # the documented draws: 4 numbers per sample
    assert torch.equal(torch.get_rng_state(), after_batch)
    torch.manual_seed(0)
    assert torch.equal(data.batch(torch.arange(10)).images, expected)


def test_crops_come_from_photo_index_modulo_count():
    data = solid_photos([(40, 60), (70, 35), (33, 33), (50, 90)]).prepare(32, crops_per_photo=5)
    assert len(data) == 20
    indices = torch.tensor([0, 1, 2, 3, 7, 13, 18, 19, 4, 9])
    torch.manual_seed(0)
    images = to_uint8(data.batch(indices).images)
    for row, index in enumerate(indices.tolist()):
        colour = torch.tensor(SOLID[index % 4], dtype=torch.uint8).view(3, 1, 1)
        assert torch.equal(images[row], colour.expand(3, 32, 32)), (row, index)


def test_flips_and_random_windows_happen():
    photo = gradient_photo(64, 256)
    data = PhotoData(photos=[photo], name="g", names=["g"]).prepare(16)
    torch.manual_seed(0)
    images = to_uint8(data.batch(torch.zeros(200, dtype=torch.int64)).images)
    red = images[:, 0].float().mean(dim=1)  # (N, 16): red along x
    increasing = (red[:, -1] > red[:, 0]).sum().item()
    decreasing = (red[:, -1] < red[:, 0]).sum().item()
    assert increasing > 50 and decreasing > 50  # about half flipped
    spans = (red[:, -1] - red[:, 0]).abs()
    assert spans.min() < 30 < 50 < spans.max()  # small windows (crop-sized) and large ones (up to 64 px)
    assert len({round(value) for value in red.mean(dim=1).tolist()}) > 50  # many different positions


def test_small_photo_is_upscaled_by_prepare():
    small = gradient_photo(20, 30)
    data = PhotoData(photos=[small, gradient_photo(80, 80)], name="g", names=["small", "big"]).prepare(48)
    assert tuple(data.photos[0].shape) == (3, 48, 72)  # shorter side raised to the crop size, aspect kept
    assert data.photos[1] is not None and tuple(data.photos[1].shape) == (3, 80, 80)
    torch.manual_seed(1)
    batch = data.batch(torch.arange(6))
    assert batch.images.shape == (6, 3, 48, 48)
    assert data.examples(2).images.shape == (2, 3, 48, 48)
    with pytest.raises(ValueError, match="larger than the shorter side"):
        PhotoData(photos=[small], name="g", names=["small"], crop_size=48)


def test_prepare_keeps_large_photos_and_checks_arguments():
    data = solid_photos([(40, 60)])
    prepared = data.prepare(32)
    assert prepared.photos[0] is data.photos[0]  # not copied
    assert data.crop_size is None  # prepare returns a new PhotoData
    for bad in (0, -3, 2.5, "32", None):
        with pytest.raises(DatasetError, match="crop_size"):
            data.prepare(bad)
    with pytest.raises(DatasetError, match="prepare"):
        data.batch(torch.arange(2))
    with pytest.raises(DatasetError, match="prepare"):
        data.examples(1)


def test_examples_are_deterministic_center_crops():
    photo = gradient_photo(40, 100)  # largest centered square: columns 30..69
    data = PhotoData(
        photos=[photo, gradient_photo(50, 50), gradient_photo(60, 45)], name="g", names=["a", "b", "c"]
    ).prepare(40)
    torch.manual_seed(0)
    state = torch.get_rng_state()
    first = data.examples(2)
    assert torch.equal(torch.get_rng_state(), state)  # draws nothing
    torch.manual_seed(99)
    assert torch.equal(data.examples(2).images, first.images)
    assert first.images.shape == (2, 3, 40, 40) and first.labels is None and first.targets is None
    assert torch.equal(to_uint8(first.images[0]), photo[:, :, 30:70])  # the centre, not resized, not flipped
    assert data.examples(10).images.shape == (3, 3, 40, 40)  # capped at the number of photos
    assert data.examples(0).images.shape == (0, 3, 40, 40)


def test_photo_data_validation():
    with pytest.raises(ValueError, match="uint8 RGB"):
        PhotoData(photos=[torch.zeros((1, 8, 8), dtype=torch.uint8)], name="x", names=["x"])
    with pytest.raises(ValueError, match="names"):
        PhotoData(photos=[torch.zeros((3, 8, 8), dtype=torch.uint8)], name="x", names=[])
    with pytest.raises(ValueError, match="crops_per_photo"):
        PhotoData(photos=[torch.zeros((3, 8, 8), dtype=torch.uint8)], name="x", names=["x"], crops_per_photo=0)


# ---- offline-photos ---------------------------------------------------------------------------------------


def test_offline_train_validation_and_test_lists_are_disjoint():
    splits = (OFFLINE_TRAIN, OFFLINE_VALIDATION, OFFLINE_TEST)
    assert all(splits) and all(len(set(entries)) == len(entries) for entries in splits)
    file_names = lambda entries: {entry.split("/", 1)[1] for entry in entries}  # noqa: E731
    for number, first in enumerate(splits):
        for second in splits[number + 1:]:
            assert not set(first) & set(second) and not file_names(first) & file_names(second)
    assert {entry.split("/", 1)[0] for entry in sum(splits, ())} == set(OFFLINE_SOURCES)
    # Enough whole photos to see a failure on some kinds of scene, from several collections.
    assert len(OFFLINE_TEST) >= 24 and 12 <= len(OFFLINE_VALIDATION) <= 16 and len(OFFLINE_TRAIN) >= 40
    assert len({entry.split("/", 1)[0] for entry in OFFLINE_TEST}) >= 5
    assert len({entry.split("/", 1)[0] for entry in OFFLINE_VALIDATION}) >= 3


def test_test_and_validation_collections_give_no_training_photo():
    """A source marked for the test (or validation) split gives photos to that split only."""
    listed = json.loads(photos_module.PHOTO_LIST_FILE.read_text(encoding="utf-8"))
    source_of = lambda entries: {entry.split("/", 1)[0] for entry in entries}  # noqa: E731
    kept_apart = {name: source["split"] for name, source in listed["sources"].items() if source["split"] != "train"}
    assert set(kept_apart.values()) == {"test", "validation"}
    for name, split in kept_apart.items():
        assert all(name not in source_of(OFFLINE_SPLITS[other]) for other in OFFLINE_SPLITS if other != split)
    # Most of the test photos come from test-only collections (the rest: the first colorizer's six held-out ones).
    test_only = [entry for entry in OFFLINE_TEST if kept_apart.get(entry.split("/", 1)[0]) == "test"]
    assert len(test_only) >= 24 and len(OFFLINE_TEST) - len(test_only) == 6


def test_the_photo_list_is_a_packaged_data_file_with_a_source_and_licence_for_every_photo():
    listed = json.loads(photos_module.PHOTO_LIST_FILE.read_text(encoding="utf-8"))
    assert photos_module.PHOTO_LIST_FILE.parent == Path(photos_module.__file__).parent
    entries = listed["test"] + listed["validation"] + listed["train"]
    assert len(entries) == len(OFFLINE_TRAIN + OFFLINE_VALIDATION + OFFLINE_TEST) == len(OFFLINE_LICENCES)
    assert all(entry["licence"].strip() for entry in entries)
    assert all(entry["photo"].split("/", 1)[0] in listed["sources"] for entry in entries)
    for source in listed["sources"].values():
        assert source["licences"].strip() and source["package"].strip() and source["split"] in OFFLINE_SPLITS
        assert "debian_folder" in source or "python_folder" in source
    assert all(listed[key].strip() for key in ("split_notes", "selection_notes"))
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "data/*.json" in package_data["package-data"]["gans"]


#: the folders under /usr/share that photo sources may use (each its package's own): a new folder is a deliberate
#: choice, made only after checking that it is not the collection reserved for an outside check
ALLOWED_SHARE_FOLDERS = {"backgrounds", "doc", "tuxtype", "palapeli", "sddm", "matplotlib", "scribus", "lxqt",
                         "kphotoalbum", "scratch", "tuxpaint", "puzzle-jigsaw"}


def test_photo_sources_use_only_the_folders_of_their_own_packages():
    listed = json.loads(photos_module.PHOTO_LIST_FILE.read_text(encoding="utf-8"))
    folders = [Path(source["debian_folder"]) for source in listed["sources"].values() if "debian_folder" in source]
    folders += [folder for folder in OFFLINE_SOURCES.values() if folder is not None]
    assert folders
    for folder in folders:
        parts = folder.parts
        in_python_package = "site-packages" in parts or "dist-packages" in parts
        in_own_share_folder = parts[:3] == ("/", "usr", "share") and parts[3] in ALLOWED_SHARE_FOLDERS
        assert in_python_package or parts[:3] == ("/", "usr", "lib") or in_own_share_folder, folder
    for entry in OFFLINE_TRAIN + OFFLINE_VALIDATION + OFFLINE_TEST:
        assert ".." not in entry.split("/")


def test_the_first_colorizers_held_out_photos_stay_out_of_training():
    """Scores of the first shipped colorizers stay comparable: their six held-out photos are still test photos."""
    first = ("nature/Dune.jpg", "nature/LadyBird.jpg", "opencv/baboon.jpg", "opencv/building.jpg",
             "opencv/fruits.jpg", "opencv/squirrel_cls.jpg")
    assert set(first) <= set(OFFLINE_TEST) and not set(first) & set(OFFLINE_TRAIN + OFFLINE_VALIDATION)


def test_package_folders_are_found_without_importing_and_missing_packages_give_none():
    import gans

    assert photos_module._package_folder("gans", "data") == Path(gans.__file__).parent / "data"
    assert photos_module._package_folder("no_such_package_for_gans_tests", "data") is None


def test_a_source_whose_package_is_missing_is_left_out(tmp_path, monkeypatch):
    """A source of None (its Python package is not installed) contributes nothing and breaks nothing."""
    missing = OFFLINE_TRAIN[0].split("/", 1)[0]
    sources = {source: (None if source == missing else tmp_path / source) for source in OFFLINE_SOURCES}
    present = [entry for entry in OFFLINE_TRAIN if not entry.startswith(missing + "/")][:2]
    for number, entry in enumerate(present):
        source, file_name = entry.split("/", 1)
        (sources[source] / file_name).parent.mkdir(parents=True, exist_ok=True)
        textured(40, 30, seed=number).save(sources[source] / file_name)
    monkeypatch.setattr(photos_module, "OFFLINE_SOURCES", sources)
    assert load_dataset("offline-photos", split="train").names == present
    info = {info.name: info for info in list_datasets()}["offline-photos"]
    assert info.available and f"{len(present)} of {len(OFFLINE_TRAIN)} train" in info.reason
    with pytest.raises(DatasetError, match="no photo of the offline-photos validation split"):
        load_dataset("offline-photos", split="validation")


def test_offline_photos_from_fake_package_folders(tmp_path, monkeypatch):
    """The loader's logic without the packages: listed files in stand-in folders, some of them missing."""
    sources = {source: tmp_path / source for source in OFFLINE_SOURCES}
    for folder in sources.values():
        folder.mkdir()
    present_train = OFFLINE_TRAIN[::3]
    present_test = OFFLINE_TEST[:2]
    for number, entry in enumerate(present_train + present_test):
        source, file_name = entry.split("/", 1)
        (sources[source] / file_name).parent.mkdir(parents=True, exist_ok=True)
        textured(40 + number, 30, seed=number).save(sources[source] / file_name)
    textured(40, 30).save(sources["opencv"] / "not_listed.jpg")
    monkeypatch.setattr(photos_module, "OFFLINE_SOURCES", sources)

    train = load_dataset("offline-photos", split="train")
    test = load_dataset("offline-photos", split="test")
    assert train.names == list(present_train) and test.names == list(present_test)
    assert len(train) == len(present_train) * 64
    info = {info.name: info for info in list_datasets()}["offline-photos"]
    assert info.available and f"{len(present_train)} of {len(OFFLINE_TRAIN)} train" in info.reason

    for folder in sources.values():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
    with pytest.raises(DatasetError, match="apt install mate-backgrounds opencv-doc"):
        load_dataset("offline-photos", split="test")
    info = {info.name: info for info in list_datasets()}["offline-photos"]
    assert not info.available and "mate-backgrounds" in info.reason


@pytest.mark.skipif(not MATE_NATURE.is_dir(), reason="Debian package mate-backgrounds is not installed")
def test_offline_photos_from_the_debian_packages():
    train = load_dataset("offline-photos", split="train")
    validation = load_dataset("offline-photos", split="validation")
    test = load_dataset("offline-photos", split="test")
    assert len(train.photos) >= 10 and len(validation.photos) >= 2 and len(test.photos) >= 2
    assert not set(train.names) & set(test.names) and not set(validation.names) & set(train.names + test.names)
    assert set(train.names) <= set(OFFLINE_TRAIN) and set(test.names) <= set(OFFLINE_TEST)
    assert set(validation.names) <= set(OFFLINE_VALIDATION) and validation.gray_skipped == 0
    assert train.gray_skipped == 0 and train.skipped == 0 and test.gray_skipped == 0 and test.skipped == 0
    assert all(max(photo.shape[1:]) <= 512 for photo in train.photos + test.photos)
    torch.manual_seed(0)
    batch = train.prepare(64).batch(torch.randperm(len(train))[:8])
    assert batch.images.shape == (8, 3, 64, 64)
