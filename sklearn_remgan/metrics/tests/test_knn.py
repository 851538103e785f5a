"""Tests of the blocked exact k-NN kernels against brute force and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

from sklearn_remgan.metrics._knn import (
    ball_memberships,
    exact_sq_distances,
    kth_neighbour_sq_radii,
    make_operands,
    rows_per_block,
)


@pytest.fixture(scope="module")
def halves(tcga_slice):
    X = tcga_slice["X"]
    rng = np.random.RandomState(0)
    idx = rng.permutation(X.shape[0])
    return X[idx[:200]], X[idx[200:]]


@pytest.mark.parametrize("k", [1, 3, 7])
@pytest.mark.parametrize("working_memory", [None, 0.05])
def test_radii_match_kneighbors(tcga_slice, k, working_memory):
    X = tcga_slice["X"]
    (op,) = make_operands(X)
    r2, n_rechecked = kth_neighbour_sq_radii(op, k, working_memory=working_memory)
    # kneighbors() without X excludes each point itself.
    dist, _ = NearestNeighbors(n_neighbors=k).fit(X).kneighbors()
    np.testing.assert_allclose(np.sqrt(r2), dist[:, -1], rtol=1e-5)
    assert n_rechecked >= X.shape[0] * (k + 1)


def test_radii_of_duplicates_are_zero(tcga_slice):
    X = tcga_slice["X"][:50]
    X = np.vstack([X, X[:3], X[:3]])  # rows 0-2 now have 2 copies each
    (op,) = make_operands(X)
    r2, _ = kth_neighbour_sq_radii(op, 2)
    assert np.all(r2[:3] == 0)
    assert np.all(r2[3:50] > 0)


def test_radii_far_from_origin(shared_data_dir):
    # Raw log-expression (not centred) goes through the centring path.
    z = np.load(shared_data_dir / "tissues7_dslabs.npz")
    X = z["X"]
    assert X.mean() > 3
    (op,) = make_operands(X)
    r2, _ = kth_neighbour_sq_radii(op, 3)
    dist, _ = NearestNeighbors(n_neighbors=3).fit(X.astype(np.float64)).kneighbors()
    np.testing.assert_allclose(np.sqrt(r2), dist[:, -1], rtol=1e-6)


def test_exact_sq_distances(halves):
    A, B = halves
    rows, cols = np.array([0, 5, 199]), np.array([3, 0, 10])
    expected = ((A[rows].astype(float) - B[cols].astype(float)) ** 2).sum(axis=1)
    np.testing.assert_allclose(exact_sq_distances(A, B, rows, cols), expected)


@pytest.mark.parametrize("working_memory", [None, 0.02])
def test_memberships_match_brute_force(halves, working_memory):
    A, B = halves
    opa, opb = make_operands(A, B)
    ra, _ = kth_neighbour_sq_radii(opa, 3)
    rb, _ = kth_neighbour_sq_radii(opb, 3)
    count, covered, recalled, _ = ball_memberships(
        opa, opb, ra, rb, working_memory=working_memory
    )
    D = pairwise_distances(A.astype(np.float64), B.astype(np.float64)) ** 2
    np.testing.assert_array_equal(count, (D < ra[:, None]).sum(axis=0))
    np.testing.assert_array_equal(covered, (D < ra[:, None]).any(axis=1))
    np.testing.assert_array_equal(recalled, (D < rb[None, :]).any(axis=1))
    assert 0 < count.sum() < D.size


def test_rows_per_block():
    assert rows_per_block(1000, working_memory=1) == 65
    assert rows_per_block(10**9, working_memory=1) == 1
