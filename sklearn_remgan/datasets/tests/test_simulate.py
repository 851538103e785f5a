"""Tests of make_expression: structure, proportions, reproducibility, errors."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import (
    StratifiedKFold,
    StratifiedShuffleSplit,
    cross_val_score,
)
from sklearn.preprocessing import StandardScaler

from sklearn_remgan.datasets import make_expression
from sklearn_remgan.datasets._simulate import _default_weights, _split_counts
from sklearn_remgan.metrics import precision_recall


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
    # Documented layout: the first 60 % of genes, 80 contiguous modules of 15.
    modules = np.array_split(np.arange(1200), 80)
    keep = ((cov["tissue"] == "breast") & (cov["cancer"] == 0)).to_numpy()
    Xk = X[keep]
    # Genes silenced in this tissue sit at the floor: not informative here.
    genes = np.concatenate(
        [m[(Xk[:, m] > 0).mean(axis=0) > 0.95][:5] for m in modules[:12]]
    )
    labels = np.repeat(np.arange(12), [np.isin(m, genes).sum() for m in modules[:12]])
    corr = np.corrcoef(Xk[:, genes], rowvar=False)
    block = labels[:, None] == labels[None, :]
    off_diag = ~np.eye(genes.size, dtype=bool)
    within = corr[block & off_diag].mean()
    between = np.abs(corr[~block]).mean()
    assert within > 0.5
    assert within > 4 * between


def _real_vs_real(X, cov, k=3, seed=0):
    """Precision/recall per status of held-out rows vs training rows."""
    Z = StandardScaler().fit_transform(X)
    mode = (cov["tissue"] + "/" + cov["status"]).to_numpy()
    train, test = next(
        StratifiedShuffleSplit(1, test_size=0.25, random_state=seed).split(Z, mode)
    )
    # An ideal generator: training rows with the held-out mode counts.
    rng = np.random.default_rng(seed)
    gen = np.concatenate(
        [
            rng.choice(train[mode[train] == m], size=n)
            for m, n in zip(*np.unique(mode[test], return_counts=True))
        ]
    )
    res = precision_recall(Z[test], Z[gen], k=k)
    status = cov["status"].to_numpy()
    return {
        s: (
            res.generated_precise[status[gen] == s].mean(),
            res.real_recalled[status[test] == s].mean(),
        )
        for s in ("healthy", "cancer")
    }


def test_a_perfect_generator_recalls_cancer_modes():
    # The study's quick size: with the previous defaults, held-out cancer rows
    # had recall 0.18 against training rows (healthy 0.95), so no generator
    # could recall them; TCGA gives 0.82 / 0.89 (bench_simulator_realism.py).
    X, _, cov = make_expression(1000, 500, return_covariates=True, random_state=0)
    pr = _real_vs_real(X, cov)
    (p_h, r_h), (p_c, r_c) = pr["healthy"], pr["cancer"]
    assert min(p_h, r_h, p_c, r_c) > 0.7, pr
    assert r_c > 0.8 * r_h, pr
    # Independent cancer noise is what breaks it: the check can fail.
    X, _, cov = make_expression(
        1000, 500, cancer_noise=3.0, return_covariates=True, random_state=0
    )
    assert _real_vs_real(X, cov)["cancer"][1] < 0.3


def test_modes_more_separated_than_their_spread(default_set, standardized_pca):
    _, _, cov = default_set
    Z = standardized_pca[0]
    mode = (cov["tissue"] + "/" + cov["status"]).to_numpy()
    names = np.unique(mode)
    cents = np.stack([Z[mode == m].mean(0) for m in names])
    within = np.array(
        [np.sqrt(((Z[mode == m] - c) ** 2).sum(1).mean()) for m, c in zip(names, cents)]
    )
    dist = np.linalg.norm(cents[:, None] - cents[None], axis=2)
    np.fill_diagonal(dist, np.inf)
    ratio = pd.Series(dist.min(1) / within, index=names)
    healthy = ratio[ratio.index.str.endswith("/healthy")]
    cancer = ratio[ratio.index.str.endswith("/cancer")]
    # TCGA (500 genes): 1.37 healthy, 0.87 cancer (medians).
    assert 1.0 < healthy.median() < 2.0
    assert 0.6 < cancer.median() < healthy.median()


def test_no_modules_and_no_floor():
    X, _ = make_expression(60, 40, module_fraction=0.0, random_state=0)
    assert X.shape == (60, 40) and np.isfinite(X).all()
    X, _ = make_expression(60, 40, floor=None, random_state=0)
    assert X.min() < 0.0
    with pytest.raises(ValueError, match=r"'n_modules' .* at most .*=0; got 2"):
        make_expression(60, 40, module_fraction=0.0, n_modules=2)


def test_extreme_valid_parameters_stay_finite():
    X, _ = make_expression(
        40,
        30,
        noise=100,
        cancer_spread=100,
        cancer_noise=100,
        floor=-1000,
        random_state=0,
    )
    assert np.isfinite(X).all() and X.dtype == np.float32
    X, _ = make_expression(40, 30, noise=0.0, floor=1000, random_state=0)
    assert (X == 1000).all()


@pytest.mark.parametrize("name", ["n_genes", "n_modules", "block_size"])
def test_bool_is_not_an_int(name):
    with pytest.raises(TypeError, match=f"'{name}' parameter .* not a bool"):
        make_expression(**{"n_samples": 50, "n_genes": 100, name: True})


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_samples": 0}, r"'n_samples' parameter .* range \[1, inf\)\. Got 0"),
        ({"n_samples": 2.5}, "'n_samples' parameter .* int"),
        ({"n_samples": 3, "n_tissues": 5}, "n_samples=3 < n_tissues=5"),
        ({"cancer_fraction": 1.5}, r"'cancer_fraction' .* \[0.0, 1.0\]"),
        ({"cancer_fraction": "half"}, "'cancer_fraction' parameter .* float"),
        ({"noise": -1}, r"'noise' parameter .* \[0.0, 100.0\]. Got -1"),
        ({"noise": 1e38}, r"'noise' parameter .* Got 1e\+38"),
        ({"noise": np.nan}, "'noise' parameter"),
        ({"cancer_spread": 0}, r"'cancer_spread' .* \(0.0, 100.0\]"),
        ({"cancer_noise": np.inf}, "'cancer_noise' parameter"),
        ({"floor": 1e39}, r"'floor' parameter .* \[-1000.0, 1000.0\] or None"),
        ({"floor": -np.inf}, r"'floor' parameter .* or None\. Got -inf"),
        ({"module_fraction": -0.1}, "'module_fraction' parameter"),
        ({"weights": [0.5, 0.5]}, r"one entry per tissue \(n_tissues=6"),
        ({"weights": [0.5, 0.1, 0.1, 0.1, 0.1, 0.2]}, "sum to 1; got"),
        ({"weights": [1.0, 0, 0, 0, 0, 0]}, "positive finite"),
        ({"weights": "abc"}, "'weights' parameter"),
        ({"weights": ["a"] * 6}, "'weights' parameter .* must hold numbers"),
        ({"n_modules": 2000}, "'n_modules' .* at most .*=60; got 2000"),
        ({"n_modules": 0}, "'n_modules' parameter"),
        ({"block_size": 0}, "'block_size' parameter"),
        ({"as_frame": "yes"}, "'as_frame' parameter"),
        ({"random_state": -1}, "'random_state' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_invalid_parameters(params, match):
    kwargs = {"n_samples": 50, "n_genes": 100, **params}
    # ValueError for values; scikit-learn's InvalidParameterError is both a
    # ValueError and a TypeError (wrong types).
    with pytest.raises(ValueError, match=match):
        make_expression(**kwargs)
