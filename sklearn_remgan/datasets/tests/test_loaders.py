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
        (
            "s4",
            "liver",
            "hepatocellular carcinoma",
            "hepatocellular carcinoma",
            "d.CEL",
            "P2",
        ),
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
        X,
        expected,
        check_names=False,
        check_column_type=False,
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
    # Tables need the orientation; .npz and .h5ad hold samples as rows.
    orientation = (
        "samples_as_rows" if fmt in ("csv", "tsv", "csv.gz", "parquet") else "auto"
    )
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
            path,
            X=expr.to_numpy(),
            obs_names=expr.index.to_numpy(str),
            var_names=expr.columns.to_numpy(str),
        )
    else:
        anndata.AnnData(
            X=expr.to_numpy(),
            obs=pd.DataFrame(index=expr.index),
            var=pd.DataFrame(index=expr.columns),
        ).write_h5ad(path)
    X = read_matrix(path, orientation=orientation)
    _assert_same(X, expr)
    assert X.index.name == "sample_id" and X.index[0] == "01"


def test_auto_orientation_decides_from_ids_never_from_shape(tmp_path, expr):
    # A tall table (more samples than genes) is read right when the annotation
    # names the samples, whatever the shape says.
    tall = pd.DataFrame(
        np.arange(100.0).reshape(20, 5),
        index=[f"s{i}" for i in range(20)],
        columns=[f"G{j}" for j in range(5)],
    )
    obs = pd.DataFrame({"tissue": list("ab") * 10}, index=tall.index)
    for name, table in (("tall.csv", tall), ("tall_t.csv", tall.T)):
        table.to_csv(tmp_path / name)
        X, y, _ = load_expression(tmp_path / name, obs, label="tissue")
        _assert_same(X, tall.astype(np.float32))
        assert y.tolist() == list("ab") * 10
    # A DataFrame input follows the same rule.
    X, _, _ = load_expression(tall.T, obs, label="tissue")
    _assert_same(X, tall.astype(np.float32))
    # Without sample ids, "auto" asks instead of guessing from the shape.
    for name in ("tall.csv", "tall_t.csv"):
        with pytest.raises(
            ValueError,
            match=rf"rows of the expression matrix '{name}' are samples or genes "
            r"\(\d+ rows x \d+ columns\): pass orientation=",
        ):
            read_matrix(tmp_path / name)
    with pytest.raises(ValueError, match="pass orientation="):
        load_expression(tall)
    X = read_matrix(tmp_path / "tall.csv", orientation="samples_as_rows")
    _assert_same(X, tall.astype(np.float32))
    X = read_matrix(tmp_path / "tall_t.csv", orientation="genes_as_rows")
    _assert_same(X, tall.astype(np.float32))
    # Ids on neither axis (or equally many on both): ask as well.
    other = pd.DataFrame({"tissue": list("ab")}, index=["x1", "x2"])
    with pytest.raises(
        ValueError, match=r"none of its row ids .* annotation ids.*orientation="
    ):
        load_expression(tmp_path / "tall.csv", other, label="tissue")
    both = pd.DataFrame({"tissue": list("ab")}, index=["s1", "G1"])
    with pytest.raises(ValueError, match="1 of its row ids and 1 of its column ids"):
        load_expression(tmp_path / "tall.csv", both, label="tissue")


def test_no_id_column_is_refused(tmp_path, expr):
    # Written without the index: the first column is the first gene.
    expr.to_csv(tmp_path / "noids.csv", index=False)
    for orientation in ("samples_as_rows", "genes_as_rows"):
        with pytest.raises(
            ValueError,
            match=r"'noids.csv' has no id column: its first column 'G0' holds "
            "numbers",
        ):
            read_matrix(tmp_path / "noids.csv", orientation=orientation)
    expr.to_parquet(tmp_path / "noids.parquet", index=False)
    with pytest.raises(ValueError, match=r"'noids\.parquet' has no id column"):
        read_matrix(tmp_path / "noids.parquet", orientation="samples_as_rows")
    # Integer ids are ids.
    ints = expr.set_axis([str(i) for i in range(1, 6)], axis=0)
    ints.to_csv(tmp_path / "ints.csv")
    X = read_matrix(tmp_path / "ints.csv", orientation="samples_as_rows")
    assert X.index.tolist() == ["1", "2", "3", "4", "5"]


def test_header_without_corner_cell(tmp_path, expr):
    # R's write.table: the header lists only the columns.
    lines = ["\t".join(expr.columns)]
    lines += [
        "\t".join([i, *map(repr, row)])
        for i, row in zip(expr.index, expr.to_numpy().tolist())
    ]
    (tmp_path / "r.tsv").write_text("\n".join(lines) + "\n")
    X = read_matrix(tmp_path / "r.tsv", orientation="samples_as_rows")
    _assert_same(X, expr)


def test_sdrf_columns_by_full_or_short_name(tmp_path, expr, sdrf):
    obs = read_annotation(sdrf)
    assert obs.index.tolist() == ["01", "02", "s3", "s4", "s5"]  # s3 kept once
    assert "Characteristics[organism part]" in obs.columns
    expr.to_csv(tmp_path / "expr.csv")
    _, y, cov = load_expression(
        tmp_path / "expr.csv",
        sdrf,
        label="organism part",
        covariates=["Characteristics[disease]", "Array_Data_File"],
    )
    assert y.name == "Characteristics[organism part]"
    assert y.tolist() == ["lung", "lung", "liver", "liver", "kidney"]
    assert cov.columns.tolist() == ["Characteristics[disease]", "Array Data File"]
    assert cov.loc["s4", "Characteristics[disease]"] == "hepatocellular carcinoma"
    # Case and underscores do not matter for short names.
    _, y2, _ = load_expression(tmp_path / "expr.csv", sdrf, label="Organism_Part")
    assert y2.equals(y)
    with pytest.raises(
        ValueError,
        match=r"label='disease' is ambiguous.*"
        r"Characteristics\[disease\].*Factor Value\[disease\]",
    ):
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
        tmp_path / "set.npz",
        X=expr.to_numpy(),
        obs_names=expr.index.to_numpy(str),
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
    with pytest.raises(
        ValueError,
        match=r"none of its row ids \['01', '02', 's3', \.\.\. \(2 more\)\] or column "
        r"ids .* among the 2 annotation ids \['x1', 'x2'\]",
    ):
        load_expression(tmp_path / "expr.csv", other, label="g")
    with pytest.raises(ValueError, match=r"None of the 5 sample ids.*\(2 ids\)"):
        load_expression(
            tmp_path / "expr.csv", other, label="g", orientation="samples_as_rows"
        )


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
        read_matrix(tmp_path / "dup_gene.csv", orientation="samples_as_rows")
    dup_sample = expr.rename(index={"02": "01"})
    dup_sample.to_csv(tmp_path / "dup_sample.csv")
    with pytest.raises(ValueError, match=r"1 duplicate sample name\(s\): \['01'\]"):
        read_matrix(tmp_path / "dup_sample.csv", orientation="samples_as_rows")
    with pytest.raises(ValueError, match=r"duplicate gene name\(s\): \['G0'\]"):
        load_expression(dup_gene, orientation="samples_as_rows")


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
        read_matrix(tmp_path / "text.csv", orientation="samples_as_rows")
    bad = expr.copy()
    bad.iloc[2, 1] = np.inf
    bad.iloc[2, 3] = -np.inf
    bad.to_csv(tmp_path / "bad.csv")
    with pytest.raises(ValueError, match=r"0 NaN and 2 infinite value\(s\) in 1 row"):
        read_matrix(tmp_path / "bad.csv", orientation="samples_as_rows")
    bad.iloc[0, 0] = np.nan
    bad.iloc[1, 4] = np.nan
    bad.to_csv(tmp_path / "bad.csv")
    with pytest.raises(
        ValueError,
        match=r"'bad.csv' has 2 missing or NaN value\(s\) in 2 sample\(s\), e.g. at "
        "sample '01', gene 'G0'",
    ):
        read_matrix(tmp_path / "bad.csv", orientation="samples_as_rows")


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
        (
            lambda p: read_matrix(p / "e.csv", orientation="cols"),
            ValueError,
            "'orientation' parameter of read_matrix must be a str among",
        ),
        (
            lambda p: read_matrix(p / "keys.npz"),
            ValueError,
            r"lacks the key\(s\) \['obs_names', 'var_names'\]",
        ),
        (
            lambda p: load_expression(p / "e.csv", join="outer"),
            ValueError,
            "'join' parameter of load_expression must be a str among",
        ),
        (
            lambda p: load_expression(p / "e.csv", label=3),
            TypeError,
            "'label' parameter of load_expression must be an instance of 'str'",
        ),
        (
            lambda p: load_expression(p / "e.csv", obs=[1, 2]),
            TypeError,
            "'obs' parameter of load_expression must be an instance of 'str'",
        ),
        (lambda p: read_matrix(42), TypeError, "'path' parameter of read_matrix"),
        (lambda p: load_expression(42), TypeError, "Expression matrix must be a path"),
    ],
    ids=[
        "extension",
        "orientation",
        "npz-keys",
        "join",
        "label-type",
        "obs-type",
        "path-type",
        "data-type",
    ],
)
def test_argument_errors(tmp_path, expr, call, error, match):
    expr.to_csv(tmp_path / "e.csv")
    (tmp_path / "x.xlsx").write_bytes(b"")
    np.savez(tmp_path / "keys.npz", X=expr.to_numpy())
    with pytest.raises(error, match=match):
        call(tmp_path)


def _write_bad_files(root, expr):
    """One broken file per failure family: name -> (file, read_matrix kwargs)."""
    good = expr.to_csv()
    files = {
        "empty": ("empty.csv", b"", {}),
        "blank-lines": ("blank.csv", b"\n\n\n", {}),
        "ragged": ("ragged.csv", (good + "s9,1,2,3,4,5,6,7,8,9\n").encode(), {}),
        "quote": ("quote.csv", (good + 's9,"1,2\n').encode(), {}),
        "wrong-sep": ("wrongsep.csv", expr.to_csv(sep="\t").encode(), {}),
        "binary": ("binary.csv", bytes(range(256)) * 4, {}),
        "truncated-gz": ("trunc.csv.gz", b"\x1f\x8b\x08\x00garbage", {}),
        "parquet-corrupt": ("corrupt.parquet", b"PAR1 not really parquet", {}),
        "parquet-empty": ("empty.parquet", b"", {}),
        "npz-not-zip": ("notzip.npz", b"just some text, not a zip archive", {}),
        "npz-npy": ("single.npz", None, {}),
        "npz-object": ("objects.npz", None, {}),
        "npz-strings": ("strings.npz", None, {}),
        "h5ad-corrupt": ("corrupt.h5ad", b"\x89HDF\r\n\x1a\n broken", {}),
        "h5ad-empty": ("empty.h5ad", b"", {}),
    }
    for name, content, _ in files.values():
        if content is not None:
            (root / name).write_bytes(content)
    with open(root / "single.npz", "wb") as f:
        np.save(f, expr.to_numpy())
    np.savez(
        root / "objects.npz",
        X=expr.to_numpy(),
        obs_names=np.array(list(expr.index), dtype=object),
        var_names=expr.columns.to_numpy(str),
    )
    np.savez(
        root / "strings.npz",
        X=expr.to_numpy().astype(str),
        obs_names=expr.index.to_numpy(str),
        var_names=expr.columns.to_numpy(str),
    )
    return files


BAD_FILE_MESSAGES = {
    "empty": "is empty: it has no header line",
    "blank-lines": "is empty: it has no header line",
    "ragged": r"Cannot parse .* separated by ',': .*Expected 8 fields in line 7, "
    "saw 10",
    "quote": r"Cannot parse .* separated by ','.*EOF inside string",
    "wrong-sep": r"has a single column with sep=',', but its header line contains "
    r"'\\t': pass the right sep=",
    "binary": "is not UTF-8 text",
    "truncated-gz": "Cannot read the expression matrix",
    "parquet-corrupt": "Cannot read the expression matrix .* as Parquet",
    "parquet-empty": "Cannot read the expression matrix .* as Parquet",
    "npz-not-zip": r"is not a valid \.npz archive: it is not a zip file",
    "npz-npy": r"holds a single array \(\.npy format\)",
    "npz-object": "obs_names is an object array, which needs pickle",
    "npz-strings": "X has dtype <U",
    "h5ad-corrupt": r"Cannot read the \.h5ad file",
    "h5ad-empty": r"Cannot read the \.h5ad file",
}


@pytest.mark.parametrize("family", sorted(BAD_FILE_MESSAGES))
def test_every_loader_failure_names_the_file_in_one_line(tmp_path, expr, family):
    name, _, kwargs = _write_bad_files(tmp_path, expr)[family]
    with pytest.raises(ValueError, match=BAD_FILE_MESSAGES[family]) as info:
        read_matrix(tmp_path / name, orientation="samples_as_rows", **kwargs)
    message = str(info.value)
    assert f"'{name}'" in message
    assert "\n" not in message
    # Raised by the loader itself, not from inside pandas, numpy, pyarrow, h5py.
    assert info.value.__cause__ is None
    assert info.traceback[-1].path.name == "_loaders.py"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dtype": "float33"}, TypeError, "dtype must be a numpy floating dtype"),
        ({"dtype": np.int64}, ValueError, "floating dtype .* got 'int64'"),
        ({"dtype": object}, ValueError, "floating dtype .* got 'object'"),
        ({"sep": ""}, ValueError, "sep must be a non-empty str"),
        ({"sep": 5}, TypeError, "'sep' parameter of read_matrix"),
        ({"orientation": ["auto"]}, ValueError, "'orientation' parameter"),
    ],
    ids=["dtype-name", "dtype-int", "dtype-object", "sep-empty", "sep-int", "orient"],
)
def test_bad_reader_arguments(tmp_path, expr, kwargs, error, match):
    expr.to_csv(tmp_path / "e.csv")
    kwargs = {"orientation": "samples_as_rows", **kwargs}
    with pytest.raises(error, match=match):
        read_matrix(tmp_path / "e.csv", **kwargs)


def test_dtype_float64_and_annotation_failures(tmp_path, expr):
    expr.to_csv(tmp_path / "e.csv")
    X = read_matrix(tmp_path / "e.csv", orientation="samples_as_rows", dtype="f8")
    assert (X.dtypes == np.float64).all()
    (tmp_path / "o.csv").write_text("sample_id,n\n01,1\n02,n/a\n")
    with pytest.raises(ValueError, match=r"Cannot read the annotation 'o.csv': "):
        read_annotation(tmp_path / "o.csv", dtype={"n": "int64"})
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(ValueError, match=r"annotation 'empty\.tsv' is empty"):
        read_annotation(tmp_path / "empty.tsv")
    (tmp_path / "bad.parquet").write_bytes(b"nope")
    with pytest.raises(ValueError, match=r"annotation 'bad\.parquet' as Parquet"):
        read_annotation(tmp_path / "bad.parquet")
    with pytest.raises(TypeError, match="'dtype' parameter of read_annotation"):
        read_annotation(tmp_path / "o.csv", dtype="int")
