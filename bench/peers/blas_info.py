"""Which BLAS (and which OpenBLAS kernel) a peer's process really ran: issue 6 asks
the peers to run OpenBLAS's best kernel and to say which one ran."""

import ctypes
import os


def _corename_by_ctypes():
    # Fallback when threadpoolctl is missing: ask every loaded OpenBLAS directly.
    names = []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return names
    for path in sorted(paths):
        if not os.path.exists(path):
            continue
        lib = ctypes.CDLL(path)
        try:
            lib.openblas_get_corename.restype = ctypes.c_char_p
            names.append({"filepath": path, "architecture": lib.openblas_get_corename().decode(),
                          "num_threads": lib.openblas_get_num_threads()})
        except AttributeError:
            pass
    return names


def blas_libraries():
    """One dict per BLAS/OpenMP library loaded in this process: its API, file,
    version, kernel ('architecture' for OpenBLAS) and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return _corename_by_ctypes()
    keep = ("internal_api", "filepath", "version", "architecture", "num_threads",
            "threading_layer")
    return [{k: info[k] for k in keep if k in info} for info in threadpool_info()]


def environment():
    """The BLAS-related variables the peer ran with (OPENBLAS_CORETYPE should be unset)."""
    names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
             "OMP_NUM_THREADS")
    return {name: os.environ.get(name) for name in names}
