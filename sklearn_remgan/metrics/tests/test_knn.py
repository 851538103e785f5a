"""Tests of the blocked exact k-NN kernels against brute force and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

from sklearn_remgan.metrics import _knn
from sklearn_remgan.metrics._knn import (
    ball_memberships,
    exact_sq_distances,
    kth_neighbour_sq_radii,
    make_operands,
    tile_size,
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
    # at least the k-th pair of each row, far fewer than all k + 1 nearest
    assert X.shape[0] <= n_rechecked < X.shape[0] * (k + 1)


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
    np.testing.assert_array_equal(covered, (D < ra[:, None]).any(axis=1))
    np.testing.assert_array_equal(recalled, (D < rb[None, :]).any(axis=1))
    assert 0 < count.sum() < D.size


def test_far_data_centred_per_tile_without_copy(shared_data_dir):
    # Raw log-expression far from the origin: centred tile by tile (no second
    # full copy held), with results equal to brute force in float64.
    X = np.load(shared_data_dir / "tissues7_dslabs.npz")["X"]
    A, B = X[:100], X[100:]
    opa, opb = make_operands(A, B)
    assert opa.shift is not None and opa.copies_rows and opb.copies_rows
    ra, _ = kth_neighbour_sq_radii(opa, 3, working_memory=0.02)
    rb, _ = kth_neighbour_sq_radii(opb, 3, working_memory=0.02)
    count, covered, recalled, _ = ball_memberships(
        opa, opb, ra, rb, working_memory=0.02
    )
    A64, B64 = A.astype(np.float64), B.astype(np.float64)
    dist, _ = NearestNeighbors(n_neighbors=3).fit(A64).kneighbors()
    np.testing.assert_allclose(np.sqrt(ra), dist[:, -1], rtol=1e-9)
    D = pairwise_distances(A64, B64) ** 2
    np.testing.assert_array_equal(count, (D < ra[:, None]).sum(axis=0))
    np.testing.assert_array_equal(covered, (D < ra[:, None]).any(axis=1))
    np.testing.assert_array_equal(recalled, (D < rb[None, :]).any(axis=1))
    assert 0 < count.sum()


def test_standardized_float32_used_in_place(halves):
    A, B = halves
    A = np.ascontiguousarray(A, dtype=np.float32)
    B = np.ascontiguousarray(B, dtype=np.float32)
    A, B = A - A.mean(axis=0), B - A.mean(axis=0)
    opa, _ = make_operands(A, B)
    assert opa.shift is None and not opa.copies_rows
    assert np.shares_memory(opa.rows(0, 10).numpy(), A)


@pytest.mark.parametrize("working_memory", [0.01, 0.2, None])
def test_symmetric_tiles_match_full_rows(halves, working_memory):
    # Radii from the upper-triangular tiles equal those of a full distance
    # matrix, whatever the tiling.
    A = np.vstack(halves)
    (op,) = make_operands(A)
    r2, _ = kth_neighbour_sq_radii(op, 5, working_memory=working_memory)
    D = pairwise_distances(A.astype(np.float64)) ** 2
    np.testing.assert_allclose(r2, np.partition(D, 5, axis=1)[:, 5], rtol=1e-9)


def test_tile_size():
    assert tile_size(10_000, 2000, working_memory=1) == 256
    assert tile_size(100, 2000, working_memory=1) == 100
    assert tile_size(10_000, 32_043, working_memory=1, copies=True) == 4


def test_feature_chunked_products_stay_exact(halves, monkeypatch):
    # Products in feature chunks (as for wide data) with the narrower error
    # band that chunking allows: results still equal brute force in float64.
    monkeypatch.setattr(_knn, "_FEATURE_CHUNK", 48)  # 200 genes: 5 chunks
    A, B = halves
    assert _knn._summation_length(A.shape[1]) == 48 + 5 - 1
    opa, opb = make_operands(A, B)
    ra, _ = kth_neighbour_sq_radii(opa, 3, working_memory=0.05)
    rb, _ = kth_neighbour_sq_radii(opb, 3, working_memory=0.05)
    count, covered, recalled, _ = ball_memberships(
        opa, opb, ra, rb, working_memory=0.05
    )
    A64, B64 = A.astype(np.float64), B.astype(np.float64)
    np.testing.assert_allclose(
        ra, np.partition(pairwise_distances(A64) ** 2, 3, axis=1)[:, 3], rtol=1e-9
    )
    D = pairwise_distances(A64, B64) ** 2
    np.testing.assert_array_equal(count, (D < ra[:, None]).sum(axis=0))
    np.testing.assert_array_equal(covered, (D < ra[:, None]).any(axis=1))
    np.testing.assert_array_equal(recalled, (D < rb[None, :]).any(axis=1))


def test_chunked_products_narrow_the_error_band():
    # At 32,043 genes the worst-case band of one long product is ~16x wider
    # than that of products in 2,048-feature chunks.
    wide = 32_043
    assert _knn._summation_length(wide) == 2048 + 16 - 1
    assert _knn._summation_length(500) == 500
    ratio = (wide + 64) / (_knn._summation_length(wide) + 64)
    assert _knn._error_factor(wide, "cpu") * ratio == pytest.approx(
        (wide + 64) * 2.0**-24, rel=1e-2
    )


@pytest.mark.parametrize("k", [1, 4])
def test_radii_with_many_tied_distances(k):
    # Integer points: most distances tie, so the k-th value must be found
    # among candidates whose bounds overlap.
    X = np.random.RandomState(0).randint(0, 3, size=(80, 6)).astype(np.float32)
    (op,) = make_operands(X)
    r2, _ = kth_neighbour_sq_radii(op, k, working_memory=0.001)
    X64 = X.astype(np.float64)
    D = ((X64[:, None, :] - X64[None, :, :]) ** 2).sum(axis=-1)
    np.testing.assert_array_equal(r2, np.partition(D, k, axis=1)[:, k])


@pytest.mark.parametrize("chunk", [2048, 48])
def test_self_product_tile_bounds_the_exact_distances(halves, monkeypatch, chunk):
    # The split product of a tile against itself keeps the contract of the
    # general product: Q + (1 + g) n_i bounds the exact squared distance from
    # above and, less 2 g (n_i + n_j), from below. 426 rows split down to 50:
    # 213, then 106 / 107, then 53 / 54 (odd halves); also with 48-feature
    # chunks (5 chunks) as for wide data.
    import torch

    monkeypatch.setattr(_knn, "_FEATURE_CHUNK", chunk)
    monkeypatch.setattr(_knn, "_MIN_SPLIT", 50)
    A = np.ascontiguousarray(np.vstack(halves), dtype=np.float32)
    n = _knn._squared_norms(A)
    norms = torch.from_numpy(n.astype(np.float32))
    g = _knn._error_factor(A.shape[1], "cpu")
    Q = _knn._self_product_tile(torch.from_numpy(A), g, norms).numpy()
    upper = Q.astype(np.float64) + (1.0 + g) * n[:, None]
    lower = upper - 2.0 * g * (n[:, None] + n[None, :])
    D = pairwise_distances(A.astype(np.float64)) ** 2
    assert np.all(lower <= D) and np.all(D <= upper)
    # every block is filled: the bounds of (i, j) and (j, i) agree
    np.testing.assert_allclose(upper, upper.T, rtol=0, atol=1e-6 * n.max())
    radii, _ = kth_neighbour_sq_radii(make_operands(A)[0], 3)
    np.testing.assert_allclose(radii, np.partition(D, 3, axis=1)[:, 3], rtol=1e-9)
