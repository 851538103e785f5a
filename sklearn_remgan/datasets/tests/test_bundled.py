"""Tests of the bundled real data set (PBMC 68k reduced)."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_remgan.datasets import load_expression, load_pbmc68k_reduced

# Cell counts per type, as documented upstream and in the DESCR.
COUNTS = {
    "Dendritic": 240,
    "CD14+ Monocyte": 129,
    "CD19+ B": 95,
    "CD4+/CD25 T Reg": 68,
    "CD8+ Cytotoxic T": 54,
    "CD8+/CD45RA+ Naive Cytotoxic": 43,
    "CD56+ NK": 31,
    "CD4+/CD45RO+ Memory": 19,
    "CD34+": 13,
    "CD4+/CD45RA+/CD25- Naive T": 8,
}


@pytest.fixture(scope="module")
def pbmc():
    return load_pbmc68k_reduced()


def test_bunch_shapes_dtypes_and_labels(pbmc):
    assert pbmc.data.shape == (700, 765)
    assert pbmc.data.dtype == np.float32
    assert pbmc.data.flags.c_contiguous
    assert pbmc.target.shape == (700,) and pbmc.target.dtype == object
    assert pbmc.feature_names.shape == (765,)
    assert pbmc.feature_names[:3].tolist() == ["HES4", "TNFRSF4", "SSU72"]
    assert len(set(pbmc.feature_names)) == 765
    assert pbmc.sample_ids.shape == (700,) and len(set(pbmc.sample_ids)) == 700
    assert pbmc.frame is None
    labels, counts = np.unique(pbmc.target, return_counts=True)
    assert dict(zip(labels, counts)) == COUNTS
    assert pbmc.target_names.tolist() == sorted(COUNTS)
    # Every label is a plain str, usable by any estimator.
    assert {type(v) for v in pbmc.target} == {str}


def test_values_are_log_normalised_expression(pbmc):
    X = pbmc.data
    assert np.isfinite(X).all()
    assert X.min() == 0.0
    # 67 % zeros, log1p scale: no value near raw counts.
    assert 0.6 < (X == 0).mean() < 0.75
    assert X.max() < 12
    # Not standardized: genes have very different means.
    assert X.mean(axis=0).std() > 0.1


def test_obs_annotation(pbmc):
    obs = pbmc.obs
    assert obs.shape == (700, 8)
    assert obs.index.name == "sample_id"
    assert obs.index.tolist() == pbmc.sample_ids.tolist()
    assert (obs["bulk_labels"].to_numpy() == pbmc.target).all()
    assert obs["phase"].value_counts().to_dict() == {"G1": 501, "S": 182, "G2M": 17}
    assert obs["louvain"].nunique() == 11
    assert obs["louvain"].map(type).eq(str).all()
    assert obs["n_genes"].dtype == np.int64
    for col in ("percent_mito", "n_counts", "S_score", "G2M_score"):
        assert obs[col].dtype == np.float32
    assert not obs.isna().any().any()


def test_as_frame_and_return_X_y(pbmc):
    bunch = load_pbmc68k_reduced(as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert bunch.data.index.equals(bunch.obs.index)
    assert bunch.data.columns.tolist() == pbmc.feature_names.tolist()
    assert (bunch.data.dtypes == np.float32).all()
    np.testing.assert_array_equal(bunch.data.to_numpy(), pbmc.data)
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "bulk_labels"
    assert bunch.frame.shape == (700, 766)
    assert bunch.frame.columns[-1] == "bulk_labels"
    X, y = load_pbmc68k_reduced(return_X_y=True)
    np.testing.assert_array_equal(X, pbmc.data)
    np.testing.assert_array_equal(y, pbmc.target)
    X, y = load_pbmc68k_reduced(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)


def test_each_call_returns_fresh_arrays(pbmc):
    again = load_pbmc68k_reduced()
    again.data[0, 0] = -1.0
    again.obs.iloc[0, 0] = "changed"
    assert pbmc.data[0, 0] != -1.0
    assert load_pbmc68k_reduced().obs.iloc[0, 0] != "changed"


@pytest.mark.parametrize(
    "kwargs", [{"return_X_y": "yes"}, {"as_frame": 1.5}], ids=["return_X_y", "frame"]
)
def test_invalid_arguments_are_named(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        load_pbmc68k_reduced(**kwargs)


def test_descr_has_source_licence_and_citation(pbmc):
    text = pbmc.DESCR
    assert "scanpy 1.11.5" in text
    assert "BSD 3-Clause" in text
    assert "10.1038/ncomms14049" in text
    licence = resources.files("sklearn_remgan.datasets").joinpath(
        "data", "LICENSE_scanpy.txt"
    )
    assert "BSD 3-Clause License" in licence.read_text(encoding="utf-8")


def test_bundled_files_are_small():
    data = resources.files("sklearn_remgan.datasets").joinpath("data")
    sizes = {p.name: len(p.read_bytes()) for p in data.iterdir() if p.is_file()}
    assert sum(sizes.values()) < 2_000_000, sizes


def test_same_data_as_the_shared_copy(pbmc, shared_data_dir):
    # The shared set was converted independently from the same wheel.
    X, y, cov = load_expression(
        shared_data_dir / "pbmc68k_reduced.npz",
        label="bulk_labels",
        covariates="louvain",
    )
    np.testing.assert_array_equal(X.to_numpy(), pbmc.data)
    assert X.index.tolist() == pbmc.sample_ids.tolist()
    assert X.columns.tolist() == pbmc.feature_names.tolist()
    assert (y.to_numpy() == pbmc.target).all()
    assert (cov["louvain"].astype(str).to_numpy() == pbmc.obs["louvain"]).all()


def test_cell_types_are_learnable(pbmc):
    # Real labels carry signal: a linear model separates the cell types well
    # above the 34 % of always answering "Dendritic".
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300, C=0.1))
    scores = cross_val_score(
        model,
        pbmc.data,
        pbmc.target,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="balanced_accuracy",
    )
    assert scores.mean() > 0.5
