"""Tests of image-to-image data: PairedData / UnpairedData, pix2pix and CycleGAN folders and archives, the
offline demos, and official-dataset downloads from a real local HTTP server."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from gans.data import Batch, PairedData, UnpairedData, list_datasets, load_dataset, pair_folders
from gans.data.demo_pairs import edge_map
from gans.data.pairs import jitter_load_size
from gans.errors import DatasetError
from tests.helpers import files_under, free_port

LEFT = [(200, 20, 20), (180, 40, 0), (220, 0, 60)]  # reddish A halves, one per image
RIGHT = [(20, 20, 200), (0, 60, 170), (40, 0, 230)]  # bluish B halves


pytestmark = pytest.mark.usefixtures("isolated_locations")  # conftest.py: nothing outside tmp_path


# ---- fixtures and helpers ---------------------------------------------------------------------------------


def side_by_side(left, right, half: int = 8, mode: str = "RGB") -> Image.Image:
    """A pix2pix pair image: ``left`` colour in the left half (A), ``right`` in the right half (B)."""
    image = Image.new(mode, (2 * half, half), left)
    image.paste(right, (half, 0, 2 * half, half))
    return image


def save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def write_pix2pix(root: Path, splits=("train", "val"), broken: bool = True) -> None:
    """train/ with 3 pairs (+ a corrupt file), val/ with 1 pair, a non-image file."""
    for split in splits:
        count = 3 if split == "train" else 1
        for index in range(count):
            save(side_by_side(LEFT[index], RIGHT[index]), root / split / f"{index}.png")
    if broken:
        (root / "train" / "9-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    (root / "README.txt").write_text("not an image")


def write_cyclegan(root: Path, counts=None) -> None:
    """trainA/ (red-ish squares), trainB/ (blue-ish, 20x12 so they are center-cropped), testA/, testB/."""
    counts = counts or {"trainA": 3, "trainB": 5, "testA": 1, "testB": 2}
    for folder, count in counts.items():
        for index in range(count):
            color = (200, index * 10, 0) if folder.endswith("A") else (0, index * 10, 200)
            size = (10, 10) if folder.endswith("A") else (20, 12)
            save(Image.new("RGB", size, color), root / folder / f"{index:02d}.png")


def archive_folder(folder: Path, archive: Path, wrapper: str) -> None:
    """Zip or tar.gz every file under ``folder`` inside a ``wrapper/`` folder, as the official archives are."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in files_under(folder):
                zipped.write(path, f"{wrapper}/{path.relative_to(folder).as_posix()}")
        return
    with tarfile.open(archive, "w:gz") as tarred:
        for path in files_under(folder):
            tarred.add(path, f"{wrapper}/{path.relative_to(folder).as_posix()}")
        link = tarfile.TarInfo(f"{wrapper}/train/zz-link.png")  # a symlink member: must be ignored
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tarred.addfile(link)


def as_uint8(values: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats back to the uint8 values they came from."""
    return ((values + 1) * 127.5).round().to(torch.uint8)


# ---- pix2pix folders and archives -------------------------------------------------------------------------


def check_pairs(data: PairedData, size: int = 8) -> None:
    assert isinstance(data, PairedData) and data.kind == "paired"
    assert len(data) == 3 and data.skipped == 1
    assert data.a.shape == data.b.shape == (3, 3, size, size) and data.a.dtype == torch.uint8
    for index in range(3):  # left half -> a, right half -> b, in file-name order
        assert data.a[index].flatten(1).unique(dim=1).T.tolist() == [list(LEFT[index])]
        assert data.b[index].flatten(1).unique(dim=1).T.tolist() == [list(RIGHT[index])]
    assert data.class_names is None and data.labels is None and data.crop_size is None


def test_paired_folder_splits_left_and_right(tmp_path):
    write_pix2pix(tmp_path / "pairs")
    data = load_dataset("paired-folder", path=str(tmp_path / "pairs"), image_size=8)
    check_pairs(data)
    assert data.name == "paired-folder"
    val = load_dataset("paired-folder", path=str(tmp_path / "pairs"), split="val", image_size=8)
    assert len(val) == 1 and val.skipped == 0


def test_paired_folder_resizes_each_half_and_defaults_to_256(tmp_path):
    write_pix2pix(tmp_path / "pairs", broken=False)
    data = load_dataset("paired-folder", path=str(tmp_path / "pairs"), image_size=5)
    assert data.a.shape == (3, 3, 5, 5)
    assert data.a[0, :, 2, 4].tolist() == list(LEFT[0])  # no colour bleeds across the middle
    assert data.b[0, :, 2, 0].tolist() == list(RIGHT[0])
    assert load_dataset("paired-folder", path=str(tmp_path / "pairs"), split="val").a.shape[-1] == 256


@pytest.mark.parametrize("archive_name", ["pairs.zip", "pairs.tar.gz"])
def test_paired_archive_gives_the_same_tensors(tmp_path, archive_name):
    write_pix2pix(tmp_path / "pairs")
    archive_folder(tmp_path / "pairs", tmp_path / archive_name, wrapper="pairs")
    from_archive = load_dataset("paired-folder", path=str(tmp_path / archive_name), image_size=8)
    check_pairs(from_archive)
    from_folder = load_dataset("paired-folder", path=str(tmp_path / "pairs"), image_size=8)
    assert torch.equal(from_archive.a, from_folder.a) and torch.equal(from_archive.b, from_folder.b)


def test_tar_members_of_absurd_size_are_skipped_unread(tmp_path, monkeypatch):
    write_pix2pix(tmp_path / "pairs", broken=False)
    archive = tmp_path / "pairs.tar.gz"
    with tarfile.open(archive, "w:gz") as tarred:
        for path in files_under(tmp_path / "pairs"):
            tarred.add(path, path.relative_to(tmp_path / "pairs").as_posix())
        big = tarfile.TarInfo("train/big.png")
        big.size = 50_000  # compresses to nothing, far over the limit set below
        tarred.addfile(big, io.BytesIO(bytes(big.size)))
    monkeypatch.setattr(pair_folders, "MAX_FILE_BYTES", 20_000)
    data = load_dataset("paired-folder", path=str(archive), image_size=4)
    assert len(data) == 3 and data.skipped == 1


def test_paired_missing_split_lists_the_splits_found(tmp_path):
    write_pix2pix(tmp_path / "pairs")
    with pytest.raises(DatasetError, match=r"no test/ folder.*found: train/, val/.*train/, val/, test/"):
        load_dataset("paired-folder", path=str(tmp_path / "pairs"), split="test")
    with pytest.raises(DatasetError, match="needs a path"):
        load_dataset("paired-folder")
    with pytest.raises(DatasetError, match="splits are: train, val, test"):
        load_dataset("paired-folder", path=str(tmp_path / "pairs"), split="trainA")


def test_paired_folder_with_only_a_train_split_is_not_looked_through(tmp_path):
    write_pix2pix(tmp_path / "pairs", splits=("train",), broken=False)
    assert len(load_dataset("paired-folder", path=str(tmp_path / "pairs"), image_size=4)) == 3


def test_paired_gray_stays_one_channel(tmp_path):
    for index in range(2):
        save(side_by_side(30 + index, 220, mode="L"), tmp_path / "gray" / "train" / f"{index}.png")
    data = load_dataset("paired-folder", path=str(tmp_path / "gray"), image_size=4)
    assert data.a.shape == data.b.shape == (2, 1, 4, 4)
    assert data.a[:, 0, 0, 0].tolist() == [30, 31] and data.b.unique().tolist() == [220]


def test_paired_all_corrupt_is_an_error(tmp_path):
    (tmp_path / "bad" / "train").mkdir(parents=True)
    (tmp_path / "bad" / "train" / "x.jpg").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="could be read"):
        load_dataset("paired-folder", path=str(tmp_path / "bad"))


# ---- CycleGAN folders -------------------------------------------------------------------------------------


def test_unpaired_folder(tmp_path):
    write_cyclegan(tmp_path / "h2z")
    data = load_dataset("unpaired-folder", path=str(tmp_path / "h2z"), image_size=6)
    assert isinstance(data, UnpairedData) and data.kind == "unpaired"
    assert data.a.shape == (3, 3, 6, 6) and data.b.shape == (5, 3, 6, 6) and len(data) == 5
    assert data.a[:, 1, 0, 0].tolist() == [0, 10, 20] and data.b[:, 1, 3, 3].tolist() == [0, 10, 20, 30, 40]
    assert data.a[:, 0].unique().tolist() == [200] and data.b[:, 2].unique().tolist() == [200]
    test = load_dataset("unpaired-folder", path=str(tmp_path / "h2z"), split="test", image_size=6)
    assert (len(test.a), len(test.b)) == (1, 2)


def test_unpaired_missing_domain_is_an_error(tmp_path):
    write_cyclegan(tmp_path / "half", counts={"trainA": 2, "testA": 1})
    with pytest.raises(DatasetError, match=r"no trainB/ folder.*found: testA/, trainA/"):
        load_dataset("unpaired-folder", path=str(tmp_path / "half"))


# ---- PairedData / UnpairedData ----------------------------------------------------------------------------


def shifted_pairs(count: int = 6, size: int = 12, crop_size: int | None = None) -> PairedData:
    """Random A and B = A + 50 (mod 256) per pixel: any misalignment between A and B shows."""
    generator = torch.Generator().manual_seed(3)
    a = torch.randint(0, 256, (count, 3, size, size), generator=generator, dtype=torch.uint8)
    return PairedData(a=a, b=a + 50, name="shifted", crop_size=crop_size)  # uint8 addition wraps around


def find_window(source: torch.Tensor, window: torch.Tensor) -> tuple[int, int, bool] | None:
    """The (top, left, flipped) at which ``window`` was cut from ``source``, or None."""
    size, side = window.shape[-1], source.shape[-1]
    for top in range(side - size + 1):
        for left in range(side - size + 1):
            crop = source[:, top : top + size, left : left + size]
            for flipped in (False, True):
                if torch.equal(crop.flip(-1) if flipped else crop, window):
                    return top, left, flipped
    return None


def test_paired_batch_crops_and_flips_a_and_b_alike():
    data = shifted_pairs(crop_size=8)
    torch.manual_seed(0)
    seen_offsets, seen_flips = set(), set()
    for _ in range(6):
        indices = torch.randperm(6)[:4]
        batch = data.batch(indices)
        assert isinstance(batch, Batch) and batch.labels is None
        assert batch.images.shape == batch.targets.shape == (4, 3, 8, 8)
        assert batch.images.dtype == torch.float32 and batch.images.min() >= -1 and batch.images.max() <= 1
        a, b = as_uint8(batch.images), as_uint8(batch.targets)
        assert torch.equal(a + 50, b)  # the same crop and flip for A and B, pixel for pixel
        for row, index in enumerate(indices.tolist()):
            found = find_window(data.a[index], a[row])
            assert found is not None
            seen_offsets.add(found[:2])
            seen_flips.add(found[2])
    assert seen_flips == {False, True} and len(seen_offsets) > 3


def test_paired_batch_uses_the_torch_rng():
    data = shifted_pairs(crop_size=9)
    indices = torch.tensor([0, 2, 4, 5])
    torch.manual_seed(7)
    first = data.batch(indices)
    torch.manual_seed(7)
    again = data.batch(indices)
    assert torch.equal(first.images, again.images) and torch.equal(first.targets, again.targets)
    assert not torch.equal(data.batch(indices).images, first.images)  # the RNG moved on


def test_prepare_stores_at_the_jitter_load_size():
    assert [jitter_load_size(size) for size in (256, 128, 64, 32)] == [286, 143, 72, 36]
    data = shifted_pairs(count=3)
    jittered = data.prepare(16, 1, 3)
    assert jittered.a.shape == (3, 1, 18, 18) and jittered.b.shape == (3, 3, 18, 18)
    assert jittered.crop_size == 16 and jittered.image_size == 16
    assert jittered.batch([0, 1]).images.shape == (2, 1, 16, 16)
    plain = data.prepare(10, 3, 3, jitter=False)
    assert plain.a.shape == (3, 3, 10, 10) and plain.crop_size is None
    state = torch.get_rng_state()
    batch = plain.batch(torch.tensor([2, 0]))
    assert torch.equal(torch.get_rng_state(), state)  # no crop, no flip, no randomness
    assert torch.equal(as_uint8(batch.images), plain.a[[2, 0]])
    assert data.prepare(12, 3, 3, jitter=False).a is data.a  # nothing to change: no copy
    with pytest.raises(DatasetError, match="channels_b"):
        data.prepare(16, 1, 2)


def test_examples_are_center_crops_without_randomness():
    data = shifted_pairs(count=3, crop_size=8)
    state = torch.get_rng_state()
    examples = data.examples(5)  # capped at the 3 pairs there are
    assert torch.equal(torch.get_rng_state(), state)
    assert examples.images.shape == (3, 3, 8, 8)
    assert torch.equal(as_uint8(examples.images), data.a[:, :, 2:10, 2:10])
    assert torch.equal(as_uint8(examples.targets), data.b[:, :, 2:10, 2:10])


def test_shapes_are_validated():
    image = torch.zeros((2, 3, 8, 8), dtype=torch.uint8)
    with pytest.raises(ValueError, match="same number"):
        PairedData(a=image, b=image[:1], name="bad")
    with pytest.raises(ValueError, match="uint8"):
        PairedData(a=image.float(), b=image, name="bad")
    with pytest.raises(ValueError, match="crop_size"):
        PairedData(a=image, b=image, name="bad", crop_size=9)
    with pytest.raises(ValueError, match="height and width"):
        UnpairedData(a=image, b=torch.zeros((2, 3, 6, 6), dtype=torch.uint8), name="bad")
    with pytest.raises(ValueError, match="no images"):
        UnpairedData(a=image[:0], b=image, name="bad")


def test_unpaired_batch_and_examples():
    a = torch.arange(3, dtype=torch.uint8).view(3, 1, 1, 1).expand(3, 1, 4, 4).contiguous()
    b = (100 + torch.arange(5, dtype=torch.uint8)).view(5, 1, 1, 1).expand(5, 3, 4, 4).contiguous()
    data = UnpairedData(a=a, b=b, name="toy", a_name="low", b_name="high")
    assert len(data) == 5 and (data.channels_a, data.channels_b) == (1, 3)
    torch.manual_seed(1)
    batch = data.batch(torch.tensor([4, 0, 3, 1]))
    assert as_uint8(batch.images)[:, 0, 0, 0].tolist() == [1, 0, 0, 1]  # indices modulo the 3 A images
    torch.manual_seed(1)
    partners = torch.randint(0, 5, (4,))  # B's images: drawn from the global torch RNG
    assert as_uint8(batch.targets)[:, 0, 0, 0].tolist() == (100 + partners).tolist()

    cropped = data.prepare(3, 1, 3)  # stored at jitter_load_size(3) = 3: crops are whole images, flips only
    assert cropped.crop_size == 3 and cropped.batch([0, 1]).targets.shape == (2, 3, 3, 3)
    examples = data.examples(10)
    assert examples.images.shape == (3, 1, 4, 4) and examples.targets.shape == (3, 3, 4, 4)  # min(Na, Nb)


# ---- edge maps and the offline demos ----------------------------------------------------------------------


def test_edge_map_of_a_white_square():
    image = torch.zeros((1, 1, 24, 24), dtype=torch.uint8)
    image[..., 8:16, 8:16] = 255
    edges = edge_map(image)
    assert edges.shape == (1, 1, 24, 24) and edges.dtype == torch.uint8
    assert set(edges.unique().tolist()) == {0, 255}
    is_edge = edges[0, 0] == 0
    assert not is_edge[10:14, 10:14].any()  # inside
    ring = torch.ones(24, 24, dtype=torch.bool)
    ring[6:18, 6:18] = False
    assert not is_edge[ring].any()  # outside, two pixels or more away
    for line in (is_edge[7:9, 10:14], is_edge[15:17, 10:14], is_edge[10:14, 7:9], is_edge[10:14, 15:17]):
        assert line.any(dim=0 if line.shape[0] == 2 else 1).all()  # every side is a continuous line
    assert is_edge.sum() <= 4 * 8 * 2 + 8  # thin lines: at most 2 pixels wide


def test_edge_map_of_flat_and_rgb_images():
    flat = torch.full((2, 3, 10, 10), 90, dtype=torch.uint8)
    assert edge_map(flat).unique().tolist() == [255]  # image borders make no edges
    rgb = torch.zeros((1, 3, 16, 16), dtype=torch.uint8)
    rgb[:, 1, :, 8:] = 255  # green right half
    assert (edge_map(rgb)[0, 0, :, 7:9] == 0).all() and (edge_map(rgb)[0, 0, :, :6] == 255).all()
    with pytest.raises(ValueError, match="uint8"):
        edge_map(flat.float())


def test_edges2fashion():
    train = load_dataset("edges2fashion", download=False)
    test = load_dataset("edges2fashion", split="test", image_size=64, channels=3)  # hints: no prepare here
    garments = load_dataset("fashion-mnist-mini").images
    assert (len(train), len(test)) == (5400, 600)
    assert train.a.shape == (5400, 1, 28, 28) and test.b.shape == (600, 1, 28, 28)
    assert torch.equal(test.b, garments[::10]) and torch.equal(train.b[:9], garments[1:10])
    assert torch.equal(test.a, edge_map(test.b))
    assert 0.03 < (train.a == 0).float().mean() < 0.3  # lines, not blobs or nothing


def test_sneaker2boot():
    train = load_dataset("sneaker2boot")
    test = load_dataset("sneaker2boot", split="test")
    assert (len(train.a), len(train.b), len(test.a), len(test.b)) == (540, 540, 60, 60)
    assert (train.a_name, train.b_name) == ("sneaker", "ankle boot")
    mini = load_dataset("fashion-mnist-mini")
    sneakers = mini.images[mini.labels == 7]
    assert torch.equal(test.a, sneakers[::10]) and torch.equal(train.a[0], sneakers[1])


def test_list_datasets_shows_kinds(isolated_locations):
    infos = {info.name: info for info in list_datasets()}
    assert infos["fashion-mnist-mini"].kind == "images" and infos["folder"].kind == "images"
    for name in ("paired-folder", "facades", "maps", "edges2fashion"):
        assert infos[name].kind == "paired"
    for name in ("unpaired-folder", "horse2zebra", "apple2orange", "summer2winter", "sneaker2boot"):
        assert infos[name].kind == "unpaired"
    assert infos["facades"].splits == ("train", "val", "test") and infos["horse2zebra"].splits == ("train", "test")
    assert infos["edges2fashion"].available and infos["sneaker2boot"].available
    assert not infos["facades"].available and "GANS_DATA_DIR/facades/" in infos["facades"].reason


# ---- official datasets: on disk, downloaded, offline ------------------------------------------------------


def test_extracted_official_folder_in_data_dir(isolated_locations):
    data_dir, _ = isolated_locations
    write_cyclegan(data_dir / "summer2winter" / "summer2winter_yosemite")  # the folder the zip holds
    data = load_dataset("summer2winter", image_size=4, download=False)
    assert (len(data.a), len(data.b)) == (3, 5) and (data.a_name, data.b_name) == ("summer", "winter")
    assert "found in" in next(info for info in list_datasets() if info.name == "summer2winter").reason


def test_download_from_mirror_then_use_the_cache(file_server, monkeypatch, isolated_locations, tmp_path):
    server, root = file_server, file_server.root
    _, cache = isolated_locations
    write_pix2pix(tmp_path / "facades-src", splits=("train", "val", "test"), broken=False)
    archive_folder(tmp_path / "facades-src", root / "facades" / "facades.tar.gz", wrapper="facades")
    write_cyclegan(tmp_path / "h2z-src")
    archive_folder(tmp_path / "h2z-src", root / "horse2zebra" / "horse2zebra.zip", wrapper="horse2zebra")
    monkeypatch.setenv("GANS_DATASET_MIRROR", server.url + "/")

    facades = load_dataset("facades", image_size=8)
    assert facades.name == "facades" and len(facades) == 3 and facades.skipped == 0  # the symlink is ignored
    # facades files hold photo|labels: swapped so that a (the input) is the label map, the right half.
    assert facades.a[0, :, 0, 0].tolist() == list(RIGHT[0]) and facades.b[0, :, 0, 0].tolist() == list(LEFT[0])
    horses = load_dataset("horse2zebra", split="test", image_size=6)
    assert (len(horses.a), len(horses.b), horses.a_name, horses.b_name) == (1, 2, "horse", "zebra")
    assert sorted(server.requests) == ["/facades/facades.tar.gz", "/horse2zebra/horse2zebra.zip"]
    assert [path.relative_to(cache).as_posix() for path in files_under(cache)] == [
        "datasets/facades/facades.tar.gz",
        "datasets/horse2zebra/horse2zebra.zip",
    ]

    server.close()  # from now on only the cache can serve
    again = load_dataset("facades", image_size=8)
    assert torch.equal(again.a, facades.a) and torch.equal(again.b, facades.b)
    assert len(load_dataset("facades", split="val", image_size=8)) == 1
    assert len(load_dataset("horse2zebra", image_size=6).b) == 5
    infos = {info.name: info for info in list_datasets()}
    assert infos["facades"].available and str(cache) in infos["facades"].reason


def test_offline_download_says_what_to_do(monkeypatch, isolated_locations):
    monkeypatch.setenv("GANS_DATASET_MIRROR", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DatasetError) as error:
        load_dataset("facades")
    message = str(error.value)
    assert "Could not download facades" in message and "To fix" in message and "\n" not in message
    assert "facades.tar.gz" in message and "$GANS_DATA_DIR/facades/" in message and "'edges2fashion'" in message
    with pytest.raises(DatasetError, match="download=False.*'sneaker2boot'"):
        load_dataset("horse2zebra", download=False)
    assert files_under(isolated_locations[1]) == []


def test_mirror_file_that_is_not_the_archive_is_refused(file_server, monkeypatch, isolated_locations, tmp_path):
    server, root = file_server, file_server.root
    (root / "maps").mkdir()
    (root / "maps" / "maps.tar.gz").write_bytes(b"<html>not found</html>")
    write_cyclegan(tmp_path / "a2o", counts={"trainA": 1, "trainB": 1})  # no test split: not the archive
    archive_folder(tmp_path / "a2o", root / "apple2orange" / "apple2orange.zip", wrapper="apple2orange")
    monkeypatch.setenv("GANS_DATASET_MIRROR", server.url)
    with pytest.raises(DatasetError, match="Could not download maps.*maps.tar.gz"):
        load_dataset("maps")
    with pytest.raises(DatasetError, match="Could not download apple2orange.*no testA/ folder"):
        load_dataset("apple2orange")
    assert files_under(isolated_locations[1]) == []


def test_every_translation_dataset_says_what_its_two_domains_look_like():
    """The Translate page tells the user what to upload from this (gans.tasks.describe_input); a user's own folder says
    nothing, every named dataset does."""
    from gans.data.domains import dataset_domains

    for info in list_datasets():
        if info.kind not in ("paired", "unpaired"):
            continue
        domains = dataset_domains(info.name)
        if info.needs_folder:
            assert domains is None, info.name
            continue
        assert domains is not None, f"{info.name} does not say what its domains look like"
        for domain in domains:
            assert domain.name not in ("A", "B") and len(domain.looks.split()) >= 5, (info.name, domain)
    a, b = dataset_domains("edges2fashion")
    assert (a.name, b.name) == ("edge drawing", "garment") and "black" in a.looks and "white" in a.looks
    a, b = dataset_domains("facades")
    assert a.name == "label map", "facades is swapped: A is the label map, B the photo"
