"""Seeding helpers: torch randomness derived from a numpy ``random_state``.

Everything here leaves the caller's global numpy and torch generators as they
were: seeds are drawn from a :class:`numpy.random.RandomState` and torch is
seeded inside :func:`torch.random.fork_rng`.
"""

import contextlib

import numpy as np
from sklearn.utils import check_random_state

_MAX_SEED = np.iinfo(np.int32).max


def draw_seed(random_state):
    """Draw an integer seed in [0, 2**31 - 1) from ``random_state``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        Anything :func:`sklearn.utils.check_random_state` accepts. A
        RandomState instance is advanced by one draw.

    Returns
    -------
    seed : int

    Examples
    --------
    >>> from sklearn_remgan.utils._random import draw_seed
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(_MAX_SEED))


@contextlib.contextmanager
def torch_seeded(seed, device="cpu"):
    """Context in which torch's global generator is seeded with ``seed``.

    The generator state (and that of the CUDA device in use) is saved on
    entry and restored on exit, so the caller's torch randomness is untouched.

    Parameters
    ----------
    seed : int
        Seed for ``torch.manual_seed``.
    device : str or torch.device, default="cpu"
        Device whose generator is also forked when it is a CUDA device.

    Examples
    --------
    >>> import torch
    >>> from sklearn_remgan.utils._random import torch_seeded
    >>> with torch_seeded(3):
    ...     a = torch.rand(2)
    >>> with torch_seeded(3):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    import torch

    device = torch.device(device)
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else 0]
    with torch.random.fork_rng(devices=devices, device_type="cuda"):
        torch.manual_seed(int(seed))
        yield
