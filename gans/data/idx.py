"""Reader and writer for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).

An IDX file is a 4-byte magic number ``00 00 <dtype> <ndim>``, then ``ndim`` big-endian uint32 sizes, then the
values in C order. The official files are gzip-compressed; both forms are read. Only the unsigned-byte data
type (0x08) is supported: it is the one every MNIST-style image and label file uses.
"""

from __future__ import annotations

import gzip
import io
import math
import zlib
from pathlib import Path

import numpy as np

from ..errors import DatasetError

UNSIGNED_BYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path, *, display_name: str | None = None) -> np.ndarray:
    """Read an IDX file (gzip-compressed or plain) into a uint8 array of its declared shape.

    ``display_name`` is the name used in error messages (for example a URL when the file is a download in
    progress). A malformed or truncated file raises ``DatasetError`` naming the file.
    """
    path = Path(path)
    name = display_name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"cannot read {name}: {error.strerror or error}") from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise DatasetError(
                f"{name} is not a valid gzip file ({error}); delete it and download it again"
            ) from None
    return parse_idx(raw, name)


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file. ``name`` is used in error messages."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DatasetError(
            f"{name} is not an IDX file (bad magic number); expected an MNIST-style file such as "
            "train-images-idx3-ubyte.gz"
        )
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code != UNSIGNED_BYTE:
        raise DatasetError(
            f"{name} stores IDX data type 0x{dtype_code:02X}; only unsigned bytes (0x08) are supported"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DatasetError(f"{name} is truncated (incomplete header); delete it and download it again")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(shape)
    actual = len(raw) - header_size
    if actual != expected:
        problem = "truncated" if actual < expected else "longer than its header says"
        raise DatasetError(
            f"{name} is {problem} ({actual} data bytes, header declares shape {shape} = {expected}); "
            "delete it and download it again"
        )
    # bytearray makes the array writable, so torch.from_numpy accepts it without a warning
    return np.frombuffer(bytearray(raw[header_size:]), dtype=np.uint8).reshape(shape)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file; gzip-compressed (reproducibly, mtime 0) when ``path`` ends in .gz."""
    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"IDX writer supports uint8 arrays only, got {array.dtype}")
    header = bytes([0, 0, UNSIGNED_BYTE, array.ndim]) + b"".join(
        int(size).to_bytes(4, "big") for size in array.shape
    )
    payload = header + array.tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        buffer = io.BytesIO()
        # No file name and mtime 0 in the gzip header: the same array always gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as compressed:
            compressed.write(payload)
        payload = buffer.getvalue()
    path.write_bytes(payload)
