"""MNIST training images for the peers, read straight from the IDX files that
scripts/fetch-data writes (the same bytes the engine trains on), scaled to [0, 1]."""

import gzip
import os

import numpy as np

# The two spellings scripts/fetch-data and the engine accept, raw or gzip.
_NAMES = ("train-images-idx3-ubyte", "train-images.idx3-ubyte")


def _open(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def load_train_images(data_dir, dtype=np.float32):
    """N x 784 array of the training images in `dtype`, pixels / 255."""
    folder = os.path.join(data_dir, "mnist")
    for name in _NAMES:
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                with _open(path) as f:
                    header = np.frombuffer(f.read(16), dtype=">u4")
                    if header[0] != 0x803:
                        raise SystemExit(f"{path}: not an IDX image file")
                    n, rows, cols = (int(x) for x in header[1:])
                    pixels = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
                if pixels.size != n * rows * cols:
                    raise SystemExit(f"{path}: truncated")
                return (pixels.reshape(n, rows * cols) / 255.0).astype(dtype)
    raise SystemExit(f"no MNIST training images in {folder} (run scripts/fetch-data mnist)")
