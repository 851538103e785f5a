"""Threads and precision that fit the machine: torch intra-op threads, bf16 units."""

import contextlib
import threading

import torch
from joblib import cpu_count


def effective_n_threads(n_jobs):
    """Number of torch intra-op threads a fit or a draw uses.

    Parameters
    ----------
    n_jobs : int or None
        A positive int is that many threads; ``-1`` all the cores available
        to the process, ``-2`` all but one, and so on (scikit-learn's
        convention). None decides from the context, so that parallel fits
        share the cores instead of each taking all of them:

        - in a thread other than the main one (joblib's threading backend,
          a dask worker with several threads), 1;
        - otherwise torch's current setting, which follows
          ``OMP_NUM_THREADS`` (joblib's process workers, as in
          ``GridSearchCV(n_jobs=k)``, set it to cores // k; dask's nanny sets
          it to 1), capped at the cores the process may use (CPU affinity and
          cgroup quotas, as :func:`joblib.cpu_count` counts them).

    Returns
    -------
    n_threads : int
        At least 1.

    Examples
    --------
    >>> from sklearn_remgan.utils._threads import effective_n_threads
    >>> effective_n_threads(1)
    1
    """
    available = cpu_count()
    if n_jobs is None:
        if threading.current_thread() is not threading.main_thread():
            return 1
        return max(1, min(torch.get_num_threads(), available))
    if n_jobs < 0:
        return max(1, available + 1 + n_jobs)
    return int(n_jobs)


# torch's thread count is global to the process: contexts open at the same
# time in several threads (parallel fits) share one saved value, restored
# when the last of them closes.
_LOCK = threading.Lock()
_OPEN = 0
_SAVED = None


@contextlib.contextmanager
def torch_threads(n_threads):
    """Context in which torch uses ``n_threads`` intra-op threads.

    torch's setting is global to the process: it is saved when the first of
    the contexts open at a time (across threads, e.g. parallel fits in
    joblib's threading backend) enters, and restored when the last one
    exits, so a fit that ends first does not hand all the cores back to a
    fit still running.

    Parameters
    ----------
    n_threads : int
        Threads for torch's intra-op parallelism.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.utils._threads import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    global _OPEN, _SAVED
    with _LOCK:
        if _OPEN == 0:
            _SAVED = torch.get_num_threads()
        _OPEN += 1
        if torch.get_num_threads() != n_threads:
            torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        with _LOCK:
            _OPEN -= 1
            if _OPEN == 0 and torch.get_num_threads() != _SAVED:
                torch.set_num_threads(_SAVED)


def _cpu_flags():
    """CPU feature flags from ``/proc/cpuinfo`` (empty where it does not exist)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


def cpu_has_bf16_units():
    """Whether this CPU multiplies bfloat16 matrices in hardware.

    True with AVX512-BF16 or AMX (x86) or the BF16 extension (Arm). torch's
    ``get_cpu_capability()`` names the vector width only ("AVX512" with or
    without bf16), so the instruction sets are checked one by one: through
    torch's own probes where this torch version has them, otherwise from
    ``/proc/cpuinfo``. Without such units bfloat16 is emulated and much
    slower than float32 (5.2 s vs 0.5 s per epoch at 962 x 2,000 on an AVX2
    CPU).

    Returns
    -------
    has_bf16 : bool
    """
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    found = [getattr(torch.cpu, name, None) for name in probes]
    if any(f is not None and f() for f in found):
        return True
    flags = _cpu_flags()
    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def cuda_has_bf16_units(device):
    """Whether the CUDA device has bfloat16 tensor cores (compute capability 8+).

    Parameters
    ----------
    device : str or torch.device
        A CUDA device.

    Returns
    -------
    has_bf16 : bool
    """
    device = torch.device(device)
    index = device.index if device.index is not None else torch.cuda.current_device()
    return torch.cuda.get_device_capability(index) >= (8, 0)


def resolve_precision(precision, device):
    """``'float32'`` or ``'bfloat16'`` for ``precision`` on ``device``.

    Parameters
    ----------
    precision : {'float32', 'bfloat16', 'auto'}
        ``'auto'`` is bfloat16 where the device has bf16 matrix units
        (:func:`cpu_has_bf16_units`, :func:`cuda_has_bf16_units`), float32
        elsewhere.
    device : str or torch.device
        The device that trains.

    Returns
    -------
    precision : str

    Examples
    --------
    >>> from sklearn_remgan.utils._threads import resolve_precision
    >>> resolve_precision("float32", "cpu")
    'float32'
    """
    if precision != "auto":
        return precision
    kind = torch.device(device).type
    if kind == "cuda":
        has_bf16 = cuda_has_bf16_units(device)
    elif kind == "cpu":
        has_bf16 = cpu_has_bf16_units()
    else:
        has_bf16 = False
    return "bfloat16" if has_bf16 else "float32"


__all__ = [
    "cpu_has_bf16_units",
    "cuda_has_bf16_units",
    "effective_n_threads",
    "resolve_precision",
    "torch_threads",
]
