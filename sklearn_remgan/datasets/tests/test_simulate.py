"""Tests of make_expression: structure, proportions, reproducibility, errors."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from sklearn_remgan.datasets import make_expression
from sklearn_remgan.datasets._simulate import _default_weights, _split_counts


@pytest.fixture(scope="module")
def default_set():
    """The embedded default (1,200 x 2,000), generated once."""
    return make_expression(return_covariates=True, random_state=0)


@pytest.fixture(scope="module")
def standardized_pca(default_set):
    """Standardized default set, its 30-component PCA and the reconstruction error."""
    Z = StandardScaler().fit_transform(default_set[0])
    pca = PCA(30, svd_solver="randomized", random_state=0).fit(Z)
    scores = pca.transform(Z)
    rem = np.linalg.norm(Z - pca.inverse_transform(scores), axis=1)
    return Z, scores, rem


def test_output_types_and_covariates(default_set):
    X, y, cov = default_set
    assert X.shape == (1200, 2000) and X.dtype == np.float32
    assert isinstance(y, np.ndarray) and y.dtype == object
    assert all(isinstance(v, str) for v in y)
    assert {"tissue", "cancer", "status", "subtype", "mode"} <= set(cov.columns)
    assert cov.shape[0] == 1200 and cov.index.is_unique
    np.testing.assert_array_equal(cov["tissue"].to_numpy(), y)
    assert set(cov["cancer"]) == {0, 1}
    np.testing.assert_array_equal(
        cov["status"] == "cancer", cov["cancer"].to_numpy() == 1
    )
    healthy = cov["cancer"] == 0
    assert (cov.loc[healthy, "subtype"] == "healthy").all()
    assert set(cov.loc[~healthy, "subtype"]) == {"S1", "S2", "S3"}
    assert (cov["mode"] == cov["tissue"] + "/healthy").where(healthy, True).all()


def test_class_proportions_as_asked(default_set):
    _, y, cov = default_set
    names = ["breast", "lung", "kidney", "colon", "liver", "thyroid"]
    counts = pd.Series(y).value_counts().reindex(names).to_numpy()
    np.testing.assert_array_equal(counts, _split_counts(1200, _default_weights(6)))
    assert counts[0] == 300  # the big tissue: 25 %
    assert counts[-1] == 36  # the rare one: 3 %
    # Half of every tissue is cancer; subtypes shrink (3:2:1).
    per_tissue = cov.groupby("tissue")["cancer"].agg(["sum", "size"])
    assert (per_tissue["sum"] == (per_tissue["size"] * 0.5).round()).all()
    sub = cov.loc[cov["tissue"] == "breast", "subtype"].value_counts()
    assert sub["S1"] == 75 and sub["S2"] == 50 and sub["S3"] == 25


def test_custom_weights_and_cancer_fraction():
    _, y, cov = make_expression(
        200,
        30,
        n_tissues=3,
        weights=[0.5, 0.3, 0.2],
        cancer_fraction=0.25,
        return_covariates=True,
        random_state=1,
    )
    assert pd.Series(y).value_counts().to_dict() == {
        "breast": 100,
        "lung": 60,
        "kidney": 40,
    }
    assert cov.groupby("tissue")["cancer"].sum().to_dict() == {
        "breast": 25,
        "kidney": 10,
        "lung": 15,
    }


def test_every_tissue_gets_a_sample_and_generic_names():
    _, y = make_expression(20, 10, n_tissues=20, random_state=0)
    assert sorted(set(y)) == [f"tissue_{k:02d}" for k in range(20)]
    _, y = make_expression(12, 10, n_tissues=6, random_state=0)
    assert len(set(y)) == 6


def test_cancer_fraction_extremes():
    _, _, cov = make_expression(50, 20, cancer_fraction=0.0, return_covariates=True)
    assert (cov["status"] == "healthy").all()
    _, _, cov = make_expression(50, 20, cancer_fraction=1.0, return_covariates=True)
    assert (cov["status"] == "cancer").all()


def test_same_seed_same_data_independent_of_block_size():
    a = make_expression(150, 300, return_covariates=True, random_state=3)
    b = make_expression(150, 300, return_covariates=True, random_state=3, block_size=7)
    c = make_expression(150, 300, random_state=3, block_size=1000)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[0], c[0])
    np.testing.assert_array_equal(a[1], c[1])
    pd.testing.assert_frame_equal(a[2], b[2])
    d = make_expression(150, 300, random_state=4)
    assert not np.array_equal(a[0], d[0])


def test_global_random_states_untouched():
    np_state, torch_state = np.random.get_state(), torch.get_rng_state()
    X1, _ = make_expression(40, 50, random_state=np.random.RandomState(0))
    X2, _ = make_expression(40, 50, random_state=np.random.RandomState(0))
    make_expression(40, 50, random_state=None)
    make_expression(40, 50, random_state=np.random.default_rng(0))
    np.testing.assert_array_equal(X1, X2)
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_as_frame_matches_arrays():
    X, y = make_expression(60, 40, random_state=0)
    Xf, yf, cov = make_expression(
        60, 40, as_frame=True, return_covariates=True, random_state=0
    )
    assert isinstance(Xf, pd.DataFrame) and isinstance(yf, pd.Series)
    assert yf.name == "tissue" and Xf.index.name == "sample_id"
    assert (Xf.dtypes == np.float32).all() and Xf.columns[0] == "gene_00000"
    assert Xf.index.equals(yf.index) and Xf.index.equals(cov.index)
    np.testing.assert_array_equal(Xf.to_numpy(), X)
    np.testing.assert_array_equal(yf.to_numpy(), y)


def test_log_scale_with_floor_not_standardized(default_set):
    X, _, _ = default_set
    assert X.min() == 0.0
    at_floor = (X == 0.0).mean()
    assert 0.02 < at_floor < 0.4
    # Not standardized: gene means spread over several log2 units.
    assert X.mean(axis=0).std() > 1.0
    X5, _ = make_expression(30, 50, floor=-2.0, random_state=0)
    assert X5.min() == -2.0


def test_tissues_separable_by_a_classifier(default_set, standardized_pca):
    _, y, cov = default_set
    # PCA is unsupervised, so fitting it once on all rows leaks no label.
    scores = standardized_pca[1][:, :20]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    clf = LinearDiscriminantAnalysis()
    assert cross_val_score(clf, scores, y, cv=cv).mean() > 0.95
    # The finer tissue x status x subtype modes are learnable too.
    assert cross_val_score(clf, scores, cov["mode"], cv=cv).mean() > 0.9


def test_cancer_spread_and_rem_larger_than_healthy(default_set, standardized_pca):
    _, _, cov = default_set
    Z, _, rem = standardized_pca
    # Mean distance to the centroid of the sample's tissue x status group.
    groups = (cov["tissue"] + "/" + cov["status"]).to_numpy()
    centroids = pd.DataFrame(Z).groupby(groups).transform("mean")
    dist = np.linalg.norm(Z - centroids.to_numpy(), axis=1)
    cancer = cov["cancer"].to_numpy() == 1
    assert dist[cancer].mean() > 1.2 * dist[~cancer].mean()
    # REM: error of the reconstruction from the first principal components.
    assert rem[cancer].mean() > 1.2 * rem[~cancer].mean()


def test_gene_modules_are_co_expressed(default_set):
    X, _, cov = default_set
    # Documented layout: the first 60 % of genes, 40 contiguous modules of 30.
    modules = np.array_split(np.arange(1200), 40)
    keep = ((cov["tissue"] == "breast") & (cov["cancer"] == 0)).to_numpy()
    genes = np.concatenate([m[:10] for m in modules[:10]])
    corr = np.corrcoef(X[keep][:, genes], rowvar=False)
    block = np.kron(np.eye(10), np.ones((10, 10))).astype(bool)
    off_diag = ~np.eye(genes.size, dtype=bool)
    within = corr[block & off_diag].mean()
    between = np.abs(corr[~block]).mean()
    assert within > 0.2
    assert within > 4 * between


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"n_samples": 0}, ValueError, "'n_samples' .* int >= 1; got 0"),
        ({"n_samples": 2.5}, TypeError, "'n_samples' .* must be an int"),
        ({"n_genes": True}, TypeError, "'n_genes' .* must be an int"),
        ({"n_samples": 3, "n_tissues": 5}, ValueError, "n_samples=3 < n_tissues=5"),
        ({"cancer_fraction": 1.5}, ValueError, r"'cancer_fraction' .* \[0.0, 1.0\]"),
        ({"cancer_fraction": "half"}, TypeError, "'cancer_fraction' .* real number"),
        ({"noise": -1}, ValueError, "'noise' .* got -1.0"),
        ({"cancer_spread": 0}, ValueError, r"'cancer_spread' .* \(0.0, inf\)"),
        ({"weights": [0.5, 0.5]}, ValueError, r"one entry per tissue \(n_tissues=6"),
        ({"weights": [0.5, 0.1, 0.1, 0.1, 0.1, 0.2]}, ValueError, "sum to 1; got"),
        ({"weights": [1.0, 0, 0, 0, 0, 0]}, ValueError, "positive finite"),
        ({"n_modules": 2000}, ValueError, "'n_modules' .* at most .*=60; got 2000"),
        ({"block_size": 0}, ValueError, "'block_size'"),
        ({"random_state": -1}, ValueError, "non-negative int; got -1"),
        ({"random_state": "seed"}, TypeError, "'random_state'"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_invalid_parameters(params, error, match):
    kwargs = {"n_samples": 50, "n_genes": 100, **params}
    with pytest.raises(error, match=match):
        make_expression(**kwargs)
