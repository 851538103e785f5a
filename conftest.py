"""Shared pytest fixtures: where the real data sets live, and small real slices."""

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

# scikit-learn's estimator checks include an array-API check that skips itself
# unless this is set (it is read when the check runs).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# The real data sets sit beside the checkout (../shared/data); REMGAN_SHARED_DATA
# points elsewhere when the layout differs.
_DEFAULT_SHARED = Path(__file__).resolve().parent.parent / "shared" / "data"


def _shared_data_dir():
    return Path(os.environ.get("REMGAN_SHARED_DATA", _DEFAULT_SHARED))


def load_shared_set(name):
    """Load ``NAME.npz`` and ``NAME.obs.csv`` as (X float32, genes, obs DataFrame)."""
    root = _shared_data_dir()
    npz = np.load(root / f"{name}.npz")
    obs = pd.read_csv(
        root / f"{name}.obs.csv", index_col=0, dtype={"sample_type_code": str}
    )
    return npz["X"], npz["var_names"], obs


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    # The test networks are tiny: a second intra-op thread costs more than it
    # gives, and on a shared 2-core machine OpenMP spin-waiting makes it many
    # times slower.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(autouse=True)
def close_figures():
    # Display objects and doctests open pyplot figures; close them after each
    # test so they do not pile up.
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture(scope="session")
def shared_data_dir():
    root = _shared_data_dir()
    if not root.is_dir():
        raise FileNotFoundError(
            f"The shared real data sets were not found at {root}; set "
            "REMGAN_SHARED_DATA to the folder holding tcga_tumor_normal_11.npz."
        )
    return root


@pytest.fixture(scope="session")
def tcga_slice(shared_data_dir):
    """Three tissues of tcga_tumor_normal_11, 200 most variable genes, standardized.

    Returns a dict with ``X`` (float32), ``y`` (tissue), ``status``, ``patient``.
    """
    X, genes, obs = load_shared_set("tcga_tumor_normal_11")
    keep = obs["tissue"].isin(["kidney", "thyroid", "liver"]).to_numpy()
    # STAD/COAD come from another pipeline; these three tissues do not.
    X, obs = X[keep], obs.loc[keep]
    top = np.argsort(X.var(axis=0))[::-1][:200]
    X = X[:, np.sort(top)]
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    return {
        "X": X,
        "y": obs["tissue"].to_numpy(),
        "status": obs["status"].to_numpy(),
        "patient": obs["patient"].to_numpy(),
        "genes": genes[np.sort(top)],
    }
