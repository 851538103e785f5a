"""Tests of the real-data loaders: shared sets, format round trips, errors."""

import anndata
import numpy as np
import pandas as pd
import pytest

from sklearn_remgan.datasets import load_expression, read_annotation, read_matrix

# Every shared set with a label column to pick (see the data README).
SHARED_SETS = {
    "tcga_tumor_normal_11": "tissue_status",
    "tcga_rnaseq_5cohorts": "cohort",
    "tissues7_dslabs": "tissue",
    "flu_gse30550": "condition",
    "hsmm_singlecell": "Hours",
    "pbmc68k_reduced": "bulk_labels",
}


@pytest.fixture
def expr():
    """5 samples x 7 genes, ids that look numeric to catch id parsing."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        rng.normal(5, 2, (5, 7)).astype(np.float32),
        index=pd.Index(["01", "02", "s3", "s4", "s5"], name="sample_id"),
        columns=[f"G{j}" for j in range(7)],
    )


@pytest.fixture
def sdrf(tmp_path):
    """An ArrayExpress-style SDRF; sample s3 is listed twice (two data files)."""
    rows = [
        ("01", "lung", "normal", "normal", "a.CEL", "P1"),
        ("02", "lung", "lung carcinoma", "lung carcinoma", "b.CEL", "P1"),
        ("s3", "liver", "normal", "normal", "c.CEL", "P2"),
        ("s3", "liver", "normal", "normal", "c.CEL", "P2"),
        ("s4", "liver", "hepatocellular carcinoma", "hepatocellular carcinoma",
         "d.CEL", "P2"),
        ("s5", "kidney", "normal", "normal", "e.CEL", "P3"),
    ]
    header = [
        "Source Name",
        "Characteristics[organism part]",
        "Characteristics[disease]",
        "Factor Value[disease]",
        "Array Data File",
        "Protocol REF",
    ]
    path = tmp_path / "E-MTAB-0000.sdrf.txt"
    pd.DataFrame(rows, columns=header).to_csv(path, sep="\t", index=False)
    return path


def _assert_same(X, expected):
    pd.testing.assert_frame_equal(
        X, expected, check_names=False, check_column_type=False,
        check_index_type=False,
    )


@pytest.mark.parametrize("name", sorted(SHARED_SETS))
def test_every_shared_set_loads(shared_data_dir, name):
    # No obs given: the sibling NAME.obs.csv is found and used.
    label = SHARED_SETS[name]
    X, y, cov = load_expression(shared_data_dir / f"{name}.npz", label=label)
    with np.load(shared_data_dir / f"{name}.npz") as z:
        X_ref, obs_names, var_names = z["X"], z["obs_names"], z["var_names"]
    obs = pd.read_csv(shared_data_dir / f"{name}.obs.csv", index_col=0)
    assert X.dtypes.eq(np.float32).all() and X.shape == X_ref.shape
    np.testing.assert_array_equal(X.to_numpy(), X_ref)
    assert X.index.tolist() == obs_names.tolist()
    assert X.columns.tolist() == var_names.tolist()
    assert y.name == label and y.index.equals(X.index)
    np.testing.assert_array_equal(y.to_numpy(), obs[label].to_numpy())
    assert cov is None


def test_shared_tcga_covariates_and_annotation(shared_data_dir):
    X, y, cov = load_expression(
        shared_data_dir / "tcga_tumor_normal_11.npz",
        shared_data_dir / "tcga_tumor_normal_11.obs.csv",
        label="tissue",
        covariates=["status", "cancer", "patient"],
    )
    assert cov.columns.tolist() == ["status", "cancer", "patient"]
    assert cov.index.equals(X.index)
    assert cov["status"].value_counts().to_dict() == {"tumor": 602, "normal": 602}
    assert y.value_counts()["breast"] == 226
    assert (cov["cancer"] == (cov["status"] == "tumor")).all()


@pytest.mark.parametrize(
    "fmt", ["csv", "tsv", "csv.gz", "genes_as_rows_tsv", "parquet", "npz", "h5ad"]
)
def test_round_trip_through_each_format(tmp_path, expr, fmt):
    path = tmp_path / f"expr.{fmt.replace('genes_as_rows_', '')}"
    orientation = "auto"
    if fmt in ("csv", "csv.gz"):
        expr.to_csv(path)
    elif fmt == "tsv":
        expr.to_csv(path, sep="\t")
    elif fmt == "genes_as_rows_tsv":
        expr.T.to_csv(path, sep="\t")
        orientation = "genes_as_rows"
    elif fmt == "parquet":
        expr.to_parquet(path)
    elif fmt == "npz":
        np.savez(
            path, X=expr.to_numpy(), obs_names=expr.index.to_numpy(str),
            var_names=expr.columns.to_numpy(str),
        )
    else:
        anndata.AnnData(
            X=expr.to_numpy(), obs=pd.DataFrame(index=expr.index),
            var=pd.DataFrame(index=expr.columns),
        ).write_h5ad(path)
    X = read_matrix(path, orientation=orientation)
    _assert_same(X, expr)
    assert X.index.name == "sample_id" and X.index[0] == "01"


def test_auto_orientation(tmp_path, expr):
    # More genes than samples in the file: "auto" reads rows as genes.
    wide = pd.concat([expr, expr.add_prefix("X")], axis=1)
    wide.T.to_csv(tmp_path / "genes_rows.csv")
    _assert_same(read_matrix(tmp_path / "genes_rows.csv"), wide)
    # Fewer genes than samples: the annotation decides, not the shape.
    small = expr.iloc[:, :3]
    small.T.to_csv(tmp_path / "few_genes.csv")
    obs = pd.DataFrame({"tissue": list("aabbc")}, index=expr.index)
    X, y, _ = load_expression(tmp_path / "few_genes.csv", obs, label="tissue")
    _assert_same(X, small)
    assert y.tolist() == list("aabbc")
    # A DataFrame input follows the same rule.
    X, _, _ = load_expression(small.T, obs, label="tissue")
    _assert_same(X, small)


def test_sdrf_columns_by_full_or_short_name(tmp_path, expr, sdrf):
    obs = read_annotation(sdrf)
    assert obs.index.tolist() == ["01", "02", "s3", "s4", "s5"]  # s3 kept once
    assert "Characteristics[organism part]" in obs.columns
    expr.to_csv(tmp_path / "expr.csv")
    _, y, cov = load_expression(
        tmp_path / "expr.csv", sdrf, label="organism part",
        covariates=["Characteristics[disease]", "Array_Data_File"],
    )
    assert y.name == "Characteristics[organism part]"
    assert y.tolist() == ["lung", "lung", "liver", "liver", "kidney"]
    assert cov.columns.tolist() == ["Characteristics[disease]", "Array Data File"]
    assert cov.loc["s4", "Characteristics[disease]"] == "hepatocellular carcinoma"
    # Case and underscores do not matter for short names.
    _, y2, _ = load_expression(tmp_path / "expr.csv", sdrf, label="Organism_Part")
    assert y2.equals(y)
    with pytest.raises(ValueError, match=r"label='disease' is ambiguous.*"
                       r"Characteristics\[disease\].*Factor Value\[disease\]"):
        load_expression(tmp_path / "expr.csv", sdrf, label="disease")


def test_annotation_sample_column_and_csv(tmp_path):
    pd.DataFrame(
        {"run": ["r1", "r2"], "id": ["007", "008"], "group": ["a", "b"]}
    ).to_csv(tmp_path / "obs.csv", index=False)
    obs = read_annotation(tmp_path / "obs.csv", sample_column="id")
    assert obs.index.tolist() == ["007", "008"]  # leading zeros kept
    assert obs.columns.tolist() == ["run", "group"]
    assert read_annotation(tmp_path / "obs.csv").index.tolist() == ["r1", "r2"]


def test_h5ad_and_anndata_carry_their_obs(tmp_path, expr):
    adata = anndata.AnnData(
        X=expr.to_numpy(),
        obs=pd.DataFrame({"cell_type": list("TTBBM")}, index=expr.index),
        var=pd.DataFrame(index=expr.columns),
    )
    adata.write_h5ad(tmp_path / "cells.h5ad")
    for data in (tmp_path / "cells.h5ad", adata):
        X, y, _ = load_expression(data, label="cell_type")
        _assert_same(X, expr)
        assert y.tolist() == list("TTBBM") and y.dtype == object


def test_npz_sibling_obs_and_no_annotation(tmp_path, expr):
    np.savez(
        tmp_path / "set.npz", X=expr.to_numpy(), obs_names=expr.index.to_numpy(str),
        var_names=expr.columns.to_numpy(str),
    )
    X, y, cov = load_expression(tmp_path / "set.npz")
    _assert_same(X, expr)
    assert y is None and cov is None
    with pytest.raises(ValueError, match=r"need a sample annotation.*pass obs="):
        load_expression(tmp_path / "set.npz", label="group")
    pd.DataFrame({"sample_id": expr.index, "group": list("xxyyz")}).to_csv(
        tmp_path / "set.obs.csv", index=False
    )
    _, y, _ = load_expression(tmp_path / "set.npz", label="group")
    assert y.tolist() == list("xxyyz")


def test_join_on_sample_id(tmp_path, expr):
    expr.to_csv(tmp_path / "expr.csv")
    obs = pd.DataFrame({"g": list("abcd")}, index=["s5", "s4", "02", "other"])
    with pytest.raises(
        ValueError, match=r"2 of the 5 sample ids .* not in .*\['01', 's3'\].*inner"
    ):
        load_expression(tmp_path / "expr.csv", obs, label="g")
    with pytest.warns(UserWarning, match="2 of the 5 sample ids"):
        X, y, _ = load_expression(tmp_path / "expr.csv", obs, label="g", join="inner")
    assert X.index.tolist() == ["02", "s4", "s5"] and y.tolist() == list("cba")
    other = pd.DataFrame({"g": list("ab")}, index=["x1", "x2"])
    with pytest.raises(ValueError, match=r"None of the 5 sample ids.*\(2 ids\)"):
        load_expression(tmp_path / "expr.csv", other, label="g")


def test_missing_files_and_unknown_columns(tmp_path, expr, sdrf):
    with pytest.raises(FileNotFoundError, match="Expression matrix file not found"):
        read_matrix(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError, match="Sample annotation file not found"):
        read_annotation(tmp_path / "nope.sdrf.txt")
    expr.to_csv(tmp_path / "expr.csv")
    with pytest.raises(
        ValueError,
        match=r"label='tissue' is not a column .*available columns: "
        r"\['Characteristics\[organism part\]'",
    ):
        load_expression(tmp_path / "expr.csv", sdrf, label="tissue")
    with pytest.raises(ValueError, match="sample_column='Assay Name' is not a column"):
        read_annotation(sdrf, sample_column="Assay Name")


def test_duplicate_names(tmp_path, expr):
    dup_gene = expr.rename(columns={"G1": "G0"})
    dup_gene.to_csv(tmp_path / "dup_gene.csv")
    with pytest.raises(ValueError, match=r"1 duplicate column name\(s\): \['G0'\]"):
        read_matrix(tmp_path / "dup_gene.csv")
    dup_sample = expr.rename(index={"02": "01"})
    dup_sample.to_csv(tmp_path / "dup_sample.csv")
    with pytest.raises(ValueError, match=r"1 duplicate sample name\(s\): \['01'\]"):
        read_matrix(tmp_path / "dup_sample.csv")
    with pytest.raises(ValueError, match=r"duplicate gene name\(s\): \['G0'\]"):
        load_expression(dup_gene)


def test_conflicting_repeated_annotation_rows(tmp_path):
    pd.DataFrame(
        {"Source Name": ["a", "a"], "Characteristics[sex]": ["male", "female"]}
    ).to_csv(tmp_path / "x.sdrf.txt", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"1 repeated sample id\(s\).*\['a'\]"):
        read_annotation(tmp_path / "x.sdrf.txt")


def test_bad_values_are_counted(tmp_path, expr):
    text = expr.astype(object)
    text.iloc[1, 2] = "high"
    text.iloc[3, 2] = "low"
    text.iloc[0, 5] = "n/a?"
    text.to_csv(tmp_path / "text.csv")
    with pytest.raises(
        ValueError,
        match=r"3 non-numeric value\(s\) in 2 gene column\(s\), e.g. 'high' at "
        r"sample '02', gene 'G2'",
    ):
        read_matrix(tmp_path / "text.csv")
    bad = expr.copy()
    bad.iloc[0, 0] = np.nan
    bad.iloc[2, 1] = np.inf
    bad.iloc[2, 3] = -np.inf
    bad.to_csv(tmp_path / "bad.csv")
    with pytest.raises(ValueError, match=r"1 NaN and 2 infinite value\(s\) in 2 row"):
        read_matrix(tmp_path / "bad.csv")


def test_empty_selections(tmp_path, expr):
    expr.iloc[:0].to_csv(tmp_path / "empty.csv")
    with pytest.raises(ValueError, match=r"is empty: 0 sample\(s\) x 7 gene"):
        read_matrix(tmp_path / "empty.csv", orientation="samples_as_rows")
    obs = pd.DataFrame({"g": list("abcde")}, index=expr.index)
    with pytest.raises(ValueError, match="covariates is an empty selection"):
        load_expression(expr, obs, covariates=[])
    pd.DataFrame(columns=["sample_id", "g"]).to_csv(tmp_path / "o.csv", index=False)
    with pytest.raises(ValueError, match=r"annotation 'o\.csv' has no rows"):
        read_annotation(tmp_path / "o.csv")


def test_label_with_missing_values(expr):
    obs = pd.DataFrame({"g": ["a", None, "b", np.nan, "c"]}, index=expr.index)
    with pytest.raises(
        ValueError, match=r"label column 'g' .* 2 missing value\(s\).*\['02', 's4'\]"
    ):
        load_expression(expr, obs, label="g")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: read_matrix(p / "x.xlsx"), ValueError, "extension '.xlsx'.*sep="),
        (lambda p: read_matrix(p / "e.csv", orientation="cols"), ValueError,
         "orientation must be one of"),
        (lambda p: read_matrix(p / "keys.npz"), ValueError,
         r"lacks the key\(s\) \['obs_names', 'var_names'\]"),
        (lambda p: load_expression(p / "e.csv", join="outer"), ValueError,
         "join must be one of"),
        (lambda p: load_expression(p / "e.csv", label=3), TypeError,
         "label must be a column name"),
        (lambda p: load_expression(p / "e.csv", obs=[1, 2]), TypeError,
         "obs must be a path, a pandas DataFrame or None"),
        (lambda p: read_matrix(42), TypeError, "must be a path"),
    ],
    ids=["extension", "orientation", "npz-keys", "join", "label-type", "obs-type",
         "path-type"],
)
def test_argument_errors(tmp_path, expr, call, error, match):
    expr.to_csv(tmp_path / "e.csv")
    (tmp_path / "x.xlsx").write_bytes(b"")
    np.savez(tmp_path / "keys.npz", X=expr.to_numpy())
    with pytest.raises(error, match=match):
        call(tmp_path)
