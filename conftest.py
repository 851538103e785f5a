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
# points elsewhere when the layout differs. A fresh clone has neither: the tests
# that need them are skipped with one reason, unless REMGAN_REQUIRE_SHARED_DATA is
# set (.ci/run sets it), which turns the skip into an error so CI never skips them.
_DEFAULT_SHARED = Path(__file__).resolve().parent.parent / "shared" / "data"
_MISSING_REASON = (
    "needs the shared real data sets (../shared/data beside the checkout, or "
    "REMGAN_SHARED_DATA); not found"
)


def _shared_data_dir():
    return Path(os.environ.get("REMGAN_SHARED_DATA", _DEFAULT_SHARED))


def require_shared_data_dir():
    """Return the shared data folder; skip the calling test where it is missing.

    The test fails instead where ``REMGAN_SHARED_DATA`` names a folder that does
    not exist (a typo must not skip silently) or where
    ``REMGAN_REQUIRE_SHARED_DATA`` is set to anything but ``""`` or ``"0"``.
    """
    root = _shared_data_dir()
    if root.is_dir():
        return root
    required = os.environ.get("REMGAN_REQUIRE_SHARED_DATA", "0") not in ("", "0")
    if required or "REMGAN_SHARED_DATA" in os.environ:
        pytest.fail(
            f"The shared real data sets were not found at {root}: set "
            "REMGAN_SHARED_DATA to the folder holding tcga_tumor_normal_11.npz.",
            pytrace=False,
        )
    pytest.skip(_MISSING_REASON)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # pytest reports a skip raised in a fixture at each test's own line, so a
    # fresh clone would list a hundred lines with one reason: fold them into one.
    report = yield
    longrepr = report.longrepr
    if (
        report.skipped
        and isinstance(longrepr, tuple)
        and longrepr[2].endswith(_MISSING_REASON)
    ):
        line = require_shared_data_dir.__code__.co_firstlineno
        report.longrepr = (__file__, line, longrepr[2])
    return report


def load_shared_set(name):
    """Load ``NAME.npz`` and ``NAME.obs.csv`` as (X float32, genes, obs DataFrame).

    Call it from a test or fixture: it skips (or fails, see
    ``require_shared_data_dir``) where the shared data are missing.
    """
    root = require_shared_data_dir()
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
    """The folder of the shared real data sets (skips the test where missing)."""
    return require_shared_data_dir()


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
