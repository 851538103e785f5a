"""Tests of REM against scikit-learn's PCA, and its estimator contract."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.utils import Bunch
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_remgan.metrics import REM


def _pca_rem(X, n_components):
    X = X.astype(np.float64)
    pca = PCA(n_components, svd_solver="full").fit(X)
    Z = X - pca.inverse_transform(pca.transform(X))
    return np.sqrt((Z**2).sum(axis=1)), pca


@pytest.fixture(scope="module")
def wide_set(shared_data_dir):
    # 1,204 x 3,341: wide, so the Gram route
    X = np.load(shared_data_dir / "tcga_tumor_normal_11.npz")["X"]
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-3)
    return X.astype(np.float32)


@pytest.fixture(scope="module")
def wide_reference(wide_set):
    """Float64 SVD of the first 1,100 rows, computed once for the module.

    It is scikit-learn's ``PCA(svd_solver='full')`` (centring, then LAPACK
    SVD); REM references for any number of components derive from it, so the
    three wide-data tests no longer recompute the same decomposition.
    """
    train = wide_set[:1100].astype(np.float64)
    mean = train.mean(axis=0)
    _, s, Vt = np.linalg.svd(train - mean, full_matrices=False)

    def rem(X, n_components):
        Z = X.astype(np.float64) - mean
        P = Vt[:n_components]
        Z -= (Z @ P.T) @ P
        return np.sqrt((Z**2).sum(axis=1))

    return Bunch(
        rem=rem,
        mean=mean,
        Vt=Vt,
        explained_variance=s**2 / (train.shape[0] - 1),
    )


@pytest.mark.parametrize("svd_solver", ["auto", "gram", "covariance", "full"])
def test_equals_pca_reconstruction_error(tcga_slice, svd_solver):
    X = tcga_slice["X"]
    expected, pca = _pca_rem(X, 30)
    rem = REM(30, svd_solver=svd_solver).fit(X)
    np.testing.assert_allclose(rem.score_samples(X), expected, rtol=1e-4)
    np.testing.assert_allclose(rem.explained_variance_, pca.explained_variance_)
    np.testing.assert_allclose(rem.mean_, pca.mean_, atol=1e-6)
    assert rem.components_.shape == (30, X.shape[1])
    assert rem.solver_ == ("covariance" if svd_solver == "auto" else svd_solver)


@pytest.mark.slow(reason="wide float64 REM fit on 1,100 x 3,341 real rows")
def test_wide_gram_route_equals_pca(wide_set, wide_reference):
    X = wide_set
    train, test = X[:1100], X[1100:]
    rem = REM(400).fit(train)
    assert rem.solver_ == "gram"
    expected = wide_reference.rem(test, 400)
    np.testing.assert_allclose(rem.score_samples(test), expected, rtol=1e-4)
    # Leading components are well separated; later ones may rotate among
    # near-equal eigenvalues without changing the subspace.
    projections = (test.astype(np.float64) - wide_reference.mean) @ wide_reference.Vt[
        :10
    ].T
    np.testing.assert_allclose(
        np.abs(rem.transform(test)[:, :10]), np.abs(projections), atol=1e-3
    )


def test_one_product_rem_equals_residual(wide_set):
    # score_samples uses ||x||^2 - ||Px||^2 (residual only near the subspace).
    X = wide_set
    rem = REM(200).fit(X[:800])
    test = np.vstack([X[800:], rem.mean_ + rem.transform(X[:3]) @ rem.components_])
    Z = test.astype(np.float64) - rem.mean_
    Z -= (Z @ rem.components_.T) @ rem.components_
    expected = np.sqrt((Z**2).sum(axis=1))
    got = rem.score_samples(test)
    np.testing.assert_allclose(got[:-3], expected[:-3], rtol=1e-6)
    assert np.all(got[-3:] < 1e-9 * got[:-3].mean())


def test_randomized_solver_is_close(tcga_slice):
    X = tcga_slice["X"]
    expected, _ = _pca_rem(X, 20)
    a = REM(20, svd_solver="randomized", random_state=0).fit(X).score_samples(X)
    b = REM(20, svd_solver="randomized", random_state=0).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)
    # scikit-learn's randomized SVD is approximate (a few % here).
    np.testing.assert_allclose(a, expected, rtol=0.1)


def test_caps_components_with_warning(tcga_slice):
    X = tcga_slice["X"][:50]
    with pytest.warns(UserWarning, match=r"n_components=2000 .* at most 49"):
        rem = REM().fit(X)
    assert rem.n_components_ == 49
    assert rem.n_components == 2000  # the parameter is left as given


def test_noise_raises_rem(tcga_slice):
    X = tcga_slice["X"]
    rem = REM(20).fit(X)
    rng = np.random.RandomState(0)
    noisy = X + rng.normal(scale=1.0, size=X.shape).astype(np.float32)
    clean_rem, noisy_rem = rem.score_samples(X), rem.score_samples(noisy)
    assert np.mean(noisy_rem > clean_rem) > 0.95
    assert np.median(noisy_rem) > 1.5 * np.median(clean_rem)


def test_subspace_points_have_zero_rem(tcga_slice):
    X = tcga_slice["X"]
    rem = REM(10).fit(X)
    inside = rem.mean_ + rem.transform(X[:5]) @ rem.components_
    assert np.all(rem.score_samples(inside) < 1e-6 * rem.score_samples(X[:5]))


def test_errors(tcga_slice):
    X = tcga_slice["X"]
    with pytest.raises(ValueError, match="n_components"):
        REM(0).fit(X)
    with pytest.raises(ValueError, match="svd_solver"):
        REM(svd_solver="arpack").fit(X)
    rem = REM(5).fit(X)
    with pytest.raises(ValueError, match="200 features"):
        rem.score_samples(X[:, :10])
    with pytest.raises(ValueError, match="NaN"):
        rem.score_samples(np.full((2, 200), np.nan))
    assert clone(rem).get_params() == rem.get_params()


@parametrize_with_checks(
    [REM(n_components=2)],
    expected_failed_checks=lambda est: {},
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.slow(reason="mixed-precision REM fit on 1,100 x 3,341 real rows")
def test_gram_mixed_equals_pca(wide_set, wide_reference):
    # Mixed precision route: float32 search subspace, float64 Rayleigh-Ritz.
    X = wide_set
    train, test = X[:1100], X[1100:]
    rem = REM(400, svd_solver="gram_mixed").fit(train)
    assert rem.solver_ == "gram_mixed"
    expected = wide_reference.rem(test, 400)
    expected_train = wide_reference.rem(train, 400)
    np.testing.assert_allclose(rem.score_samples(test), expected, rtol=1e-4)
    np.testing.assert_allclose(rem.score_samples(train), expected_train, rtol=1e-4)
    np.testing.assert_allclose(
        rem.explained_variance_, wide_reference.explained_variance[:400], rtol=1e-5
    )
    # deterministic: no random start
    again = REM(400, svd_solver="gram_mixed").fit(train)
    np.testing.assert_array_equal(again.components_, rem.components_)


@pytest.mark.slow(reason="float64 PCA reference of 300 x 800 rows")
def test_gram_mixed_near_equal_eigenvalues_at_cut():
    # Eigenvalues nearly equal around the cut (index 50): hard to separate, but
    # the oversampled search subspace and float64 Rayleigh-Ritz keep REM exact.
    rng = np.random.RandomState(0)
    n, d, k = 300, 800, 50
    spectrum = np.concatenate(
        [np.linspace(30, 5, 45), 2.0 + 1e-6 * np.arange(10), np.linspace(1.5, 0.5, 245)]
    )
    basis, _ = np.linalg.qr(rng.normal(size=(d, n)))
    X = (rng.normal(size=(n, n)) * spectrum) @ basis.T
    X = X.astype(np.float32)
    expected, _ = _pca_rem(X, k)
    rem = REM(k, svd_solver="gram_mixed").fit(X)
    np.testing.assert_allclose(rem.score_samples(X), expected, rtol=1e-4)


def test_auto_picks_mixed_for_large_wide_data(monkeypatch):
    import sklearn_remgan.metrics._rem as rem_module

    assert rem_module._MIXED_MIN_SAMPLES == 5000
    monkeypatch.setattr(rem_module, "_MIXED_MIN_SAMPLES", 60)
    X = np.random.RandomState(0).normal(size=(60, 80)).astype(np.float32)
    assert REM(5).fit(X).solver_ == "gram_mixed"
    assert REM(5).fit(X[:59]).solver_ == "gram"
    assert REM(5).fit(X[:, :50]).solver_ == "covariance"


@pytest.mark.parametrize("size", [40, 150])
def test_float32_top_eigvecs_subset_and_full_routes(size):
    # 40 of 200 eigenvectors: tridiagonalization + MRRR on the wanted ones +
    # reflectors; 150 of 200: the full divide-and-conquer solver. Both give
    # the top eigenvectors, largest first, orthonormal, to float32 accuracy.
    from sklearn_remgan.metrics._rem import _float32_top_eigvecs

    rng = np.random.RandomState(0)
    basis, _ = np.linalg.qr(rng.normal(size=(200, 200)))
    spectrum = np.geomspace(1e3, 1.0, 200)
    G = ((basis * spectrum) @ basis.T).astype(np.float32)
    _, U = np.linalg.eigh(G.astype(np.float64))
    Q = _float32_top_eigvecs(G.copy(), size)
    assert Q.shape == (200, size) and Q.dtype == np.float32
    Q = Q.astype(np.float64)
    cosines = np.abs(np.einsum("ij,ij->j", Q, U[:, ::-1][:, :size]))
    assert np.all(1.0 - cosines < 1e-6)
    np.testing.assert_allclose(Q.T @ Q, np.eye(size), atol=1e-5)


@pytest.mark.parametrize("svd_solver", ["gram", "gram_mixed"])
def test_rank_deficient_wide_data(svd_solver):
    # 120 samples of rank 30 in 400 features, 50 components asked: capped to
    # the numerical rank with a warning; orthonormal row-major components.
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(120, 30)) @ rng.normal(size=(30, 400))).astype(np.float32)
    X += 5.0
    with pytest.warns(UserWarning, match="numerical rank 3[01]"):
        rem = REM(50, svd_solver=svd_solver).fit(X)
    r = rem.n_components_
    assert rem.components_.shape == (r, 400) and rem.components_.flags.c_contiguous
    P = rem.components_
    np.testing.assert_allclose(P @ P.T, np.eye(r), atol=1e-6)
    # the data lie in the fitted subspace: REM is round-off
    norms = np.linalg.norm(X - X.mean(axis=0), axis=1)
    assert rem.score_samples(X).max() < 1e-3 * norms.min()


@pytest.mark.slow(reason="two mixed-precision REM fits on 1,100 x 3,341 real rows")
def test_gram_mixed_subset_eigensolver_equals_pca(
    wide_set, wide_reference, monkeypatch
):
    # 220 of 1,100 eigenvectors: the subset eigensolver; and when MRRR fails
    # to converge, the full solver on a fresh Gram matrix gives the same REM.
    import sklearn_remgan.metrics._rem as rem_module

    train, test = wide_set[:1100], wide_set[1100:]
    expected_train = wide_reference.rem(train, 200)
    expected = wide_reference.rem(test, 200)
    calls = []
    tridiagonal = rem_module.scipy.linalg.eigh_tridiagonal

    def spy(*args, **kwargs):
        calls.append(kwargs["select_range"])
        return tridiagonal(*args, **kwargs)

    monkeypatch.setattr(rem_module.scipy.linalg, "eigh_tridiagonal", spy)
    rem = REM(200, svd_solver="gram_mixed").fit(train)
    assert calls == [(1100 - 220, 1099)]
    np.testing.assert_allclose(rem.score_samples(test), expected, rtol=1e-4)
    np.testing.assert_allclose(rem.score_samples(train), expected_train, rtol=1e-4)

    def fails(*args, **kwargs):
        raise np.linalg.LinAlgError("stemr did not converge")

    monkeypatch.setattr(rem_module.scipy.linalg, "eigh_tridiagonal", fails)
    fallback = REM(200, svd_solver="gram_mixed").fit(train)
    np.testing.assert_allclose(fallback.score_samples(test), expected, rtol=1e-4)


def test_randomized_solver_caps_null_components_with_warning():
    # Rank-3 data, 5 components: the randomized solver used to keep two null
    # directions silently (REM ~1e-16 for rows off the data's span).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)) @ rng.normal(size=(3, 20))
    with pytest.warns(UserWarning, match="numerical rank 3"):
        rem = REM(5, svd_solver="randomized", random_state=0).fit(X)
    assert rem.n_components_ == 3
    off = rng.normal(size=(4, 20))
    exact = REM(3, svd_solver="full").fit(X).score_samples(off)
    np.testing.assert_allclose(rem.score_samples(off), exact, rtol=1e-8)


@pytest.mark.parametrize("svd_solver", ["gram", "covariance", "full", "randomized"])
@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
def test_extreme_magnitudes_scale_rem_exactly(svd_solver, scale):
    # REM is scale-equivariant; float64 squares of 1e200 overflow and of
    # 1e-200 underflow, so REM scales the rows by powers of two internally.
    rng = np.random.RandomState(0)
    X, T = rng.normal(size=(40, 30)), rng.normal(size=(6, 30))
    base = REM(5, svd_solver=svd_solver, random_state=0).fit(X)
    big = REM(5, svd_solver=svd_solver, random_state=0).fit(X * scale)
    np.testing.assert_allclose(
        big.score_samples(T * scale) / scale, base.score_samples(T), rtol=1e-10
    )
    np.testing.assert_allclose(big.mean_ / scale, base.mean_, rtol=1e-10, atol=0)
    np.testing.assert_allclose(
        big.transform(T * scale) / scale, base.transform(T), rtol=1e-8, atol=1e-12
    )
