"""Readers for the standard on-disk dataset formats (no torchvision).

Every reader returns numpy arrays ``x`` (uint8, N x C x H x W) and ``y`` (int64, N) and raises
:class:`DataError` with one line naming the file for anything missing, truncated or malformed.
"""
from __future__ import annotations

import codecs
import gzip
import pickle
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

# idx type codes (http://yann.lecun.com/exdb/mnist/): code -> big-endian numpy dtype
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _need(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: missing file")
    return path


def _read_bytes(path: Path) -> bytearray:
    """Whole file as a writable buffer; ``.gz`` files are decompressed."""
    path = _need(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return bytearray(f.read())
        return bytearray(path.read_bytes())
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: corrupt gzip ({e})") from None


def read_idx(path) -> np.ndarray:
    """Parse an idx file (MNIST format; optionally gzipped): magic ``00 00 <type> <ndim>``, big-endian dims."""
    path = Path(path)
    buf = _read_bytes(path)
    if len(buf) < 4:
        raise DataError(f"{path}: truncated (expected at least 4 header bytes, got {len(buf)})")
    if buf[0] != 0 or buf[1] != 0 or buf[2] not in _IDX_DTYPES or not 1 <= buf[3] <= 4:
        raise DataError(f"{path}: bad idx magic number 0x{bytes(buf[:4]).hex()}")
    dtype, ndim = np.dtype(_IDX_DTYPES[buf[2]]), buf[3]
    head = 4 + 4 * ndim
    if len(buf) < head:
        raise DataError(f"{path}: truncated (expected at least {head} header bytes, got {len(buf)})")
    dims = tuple(int(d) for d in np.frombuffer(buf, ">u4", ndim, 4))
    expected = head + int(np.prod(dims)) * dtype.itemsize
    if len(buf) != expected:
        what = "truncated" if len(buf) < expected else "trailing bytes"
        raise DataError(f"{path}: {what} (expected {expected} bytes, got {len(buf)})")
    return np.frombuffer(buf, dtype, offset=head).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def read_idx_pair(images, labels, n_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-style image/label idx pair -> (N x 1 x H x W uint8, N int64)."""
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or x.dtype != np.uint8:
        raise DataError(f"{images}: expected a 3-d ubyte idx image file, got {x.ndim}-d {x.dtype}")
    if y.ndim != 1 or y.dtype != np.uint8:
        raise DataError(f"{labels}: expected a 1-d ubyte idx label file, got {y.ndim}-d {y.dtype}")
    if len(x) != len(y):
        raise DataError(f"{labels}: {len(y)} labels for {len(x)} images in {Path(images).name}")
    _check_labels(labels, y, n_classes)
    return x[:, None], y.astype(np.int64)


def _check_labels(path, y: np.ndarray, n_classes: int, lo: int = 0) -> None:
    if y.size and (y.min() < lo or y.max() >= lo + n_classes):
        raise DataError(f"{path}: labels outside {lo}..{lo + n_classes - 1} (found {y.min()}..{y.max()})")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """CIFAR batches are pickles; allow only the globals a numpy array needs (pickles can run code)."""

    _arr = np.zeros(1, np.uint8)
    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _arr.__reduce__()[0],
        ("numpy._core.multiarray", "_reconstruct"): _arr.__reduce__()[0],
        ("numpy.core.numeric", "_frombuffer"): _arr.__reduce_ex__(5)[0],
        ("numpy._core.numeric", "_frombuffer"): _arr.__reduce_ex__(5)[0],
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,  # bytes in protocol-2 pickles written by Python 3
    }

    def find_class(self, module, name):
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"disallowed global {module}.{name}") from None


def _unpickle(path: Path) -> dict:
    path = _need(path)
    try:
        with open(path, "rb") as f:
            obj = _NumpyOnlyUnpickler(f, encoding="bytes").load()
    except Exception as e:  # any unpickling failure is a corrupt file
        raise DataError(f"{path}: corrupt pickle ({type(e).__name__}: {str(e)[:80]})") from None
    if not isinstance(obj, dict):
        raise DataError(f"{path}: corrupt pickle (expected a dict, got {type(obj).__name__})")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def read_cifar_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: ``data`` (N x 3072 uint8, CHW row-major) and ``labels``."""
    d = _unpickle(path)
    if "data" not in d or "labels" not in d:
        raise DataError(f"{path}: not a CIFAR batch (keys {sorted(d)}; need data, labels)")
    x, y = np.asarray(d["data"]), np.asarray(d["labels"], dtype=np.int64)
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3072:
        raise DataError(f"{path}: field data has shape {x.shape} {x.dtype}, expected N x 3072 uint8")
    if y.shape != (len(x),):
        raise DataError(f"{path}: field labels has {y.size} entries for {len(x)} images")
    _check_labels(path, y, 10)
    return x.reshape(-1, 3, 32, 32), y


def read_cifar_meta(path) -> list[str] | None:
    """Class names from ``batches.meta`` (None when the file is absent)."""
    if not Path(path).is_file():
        return None
    names = _unpickle(path).get("label_names")
    if not isinstance(names, list) or len(names) != 10:
        raise DataError(f"{path}: field label_names must list 10 class names")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def read_svhn_mat(path) -> tuple[np.ndarray, np.ndarray]:
    """SVHN cropped-digit ``.mat``: X is 32 x 32 x 3 x N, y is N x 1 with 10 meaning digit 0."""
    from scipy.io import loadmat

    path = _need(path)
    try:
        m = loadmat(path)
    except Exception as e:
        raise DataError(f"{path}: corrupt .mat file ({type(e).__name__}: {str(e)[:80]})") from None
    if "X" not in m or "y" not in m:
        raise DataError(f"{path}: missing variable X or y")
    x, y = m["X"], np.asarray(m["y"]).reshape(-1).astype(np.int64)
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
        raise DataError(f"{path}: field X has shape {x.shape} {x.dtype}, expected 32 x 32 x 3 x N uint8")
    if len(y) != x.shape[3]:
        raise DataError(f"{path}: field y has {len(y)} labels for {x.shape[3]} images")
    _check_labels(path, y, 10, lo=1)
    return np.ascontiguousarray(x.transpose(3, 2, 0, 1)), y % 10


def read_stl10(x_path, y_path) -> tuple[np.ndarray, np.ndarray]:
    """STL-10 binary: each image 3 x 96 x 96 uint8 stored column-major per channel; labels 1..10."""
    x_path, y_path = Path(x_path), Path(y_path)
    raw = _read_bytes(x_path)
    per = 3 * 96 * 96
    if len(raw) == 0 or len(raw) % per:
        raise DataError(f"{x_path}: truncated (size {len(raw)} is not a positive multiple of {per} bytes)")
    # official reader: reshape (-1, 3, 96, 96) then transpose columns/rows
    x = np.frombuffer(raw, np.uint8).reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)
    y = np.frombuffer(_read_bytes(y_path), np.uint8).astype(np.int64)
    if len(y) != len(x):
        raise DataError(f"{y_path}: {len(y)} labels for {len(x)} images in {x_path.name}")
    _check_labels(y_path, y, 10, lo=1)
    return np.ascontiguousarray(x), y - 1


def read_image(path, channels: int | None = None) -> np.ndarray:
    """Image file -> H x W x C array (PIL; TIFF via tifffile). ``channels`` 1 or 3 converts."""
    path = _need(path)
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            a = np.asarray(tifffile.imread(path))
        else:
            from PIL import Image

            with Image.open(path) as im:  # keep gray/16-bit/float data as is; channels handled below
                if im.mode == "1":
                    im = im.convert("L")
                elif im.mode not in ("L", "RGB", "I;16", "I;16B", "I", "F"):
                    im = im.convert("RGB")
                a = np.asarray(im)
    except DataError:
        raise
    except Exception as e:
        raise DataError(f"{path}: unreadable image ({type(e).__name__}: {str(e)[:80]})") from None
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise DataError(f"{path}: expected a 2-d image, got shape {a.shape}")
    if channels == 3 and a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    elif channels == 3 and a.shape[2] == 4:
        a = a[:, :, :3]
    elif channels == 1 and a.shape[2] >= 3:
        a = (a[:, :, :3].astype(np.float64) @ [0.299, 0.587, 0.114]).astype(a.dtype)[:, :, None]
    return a
