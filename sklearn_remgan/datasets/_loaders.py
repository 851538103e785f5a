"""Loaders for real expression matrices and sample annotations (incl. SDRF)."""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_remgan.utils import check_finite_2d, import_optional

_ORIENTATIONS = ("auto", "samples_as_rows", "genes_as_rows")
_JOINS = ("left", "inner")
_TEXT_SEPS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t", ".sdrf": "\t"}
_COMPRESSION = (".gz", ".bz2", ".xz", ".zip", ".zst")
_PARQUET = (".parquet", ".pq")
_MATRIX_FORMATS = "CSV (.csv), TSV (.tsv, .tab, .txt), Parquet (.parquet), .npz, .h5ad"
# "Characteristics[organism part]" -> ("Characteristics", "organism part")
_BRACKETED = re.compile(r"^\s*([^\[\]]*?)\s*\[\s*([^\[\]]+?)\s*\]\s*$")
_SDRF_ID_COLUMNS = ("Source Name", "Sample Name", "Assay Name", "Hybridization Name")
_N_SHOWN = 5  # ids or names shown in an error message


def _show(values, n=_N_SHOWN):
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:n])
    more = f", ... ({len(values) - n} more)" if len(values) > n else ""
    return f"[{shown}{more}]"


def _check_path(path, what):
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{what} must be a path (str or os.PathLike); got {path!r}.")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{what} file not found: '{path}'"
            + (" (it is a directory)" if path.is_dir() else "")
            + "."
        )
    return path


def _suffix(path):
    """The format suffix of ``path``, ignoring a compression suffix."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _check_orientation(orientation):
    if orientation not in _ORIENTATIONS:
        raise ValueError(
            f"orientation must be one of {_ORIENTATIONS}; got {orientation!r}."
        )


def _text_sep(path, sep):
    if sep is not None:
        return sep
    suffix = _suffix(path)
    if suffix not in _TEXT_SEPS:
        raise ValueError(
            f"Cannot tell the format of '{Path(path).name}' from its extension "
            f"{suffix!r}; supported: {_MATRIX_FORMATS}. Pass sep=... to read it as "
            "a delimited text file."
        )
    return _TEXT_SEPS[suffix]


def _ids(index):
    """Sample and gene ids are compared as stripped strings."""
    return pd.Index([str(v).strip() for v in index], dtype=object)


def _read_table(path, sep, source):
    """Read a delimited or Parquet table as raw (rows x columns), ids as strings."""
    suffix = _suffix(path)
    if suffix in _PARQUET and sep is None:
        import_optional("pyarrow", f"Reading the Parquet file '{path.name}'")
        df = pd.read_parquet(path)
        # A Parquet file written without its index keeps the ids as a column.
        if isinstance(df.index, pd.RangeIndex) and df.shape[1] and not (
            pd.api.types.is_numeric_dtype(df.iloc[:, 0])
        ):
            df = df.set_index(df.columns[0])
    else:
        sep = _text_sep(path, sep)
        # pandas renames repeated header names ("a", "a.1"): check the raw header.
        header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str)
        _check_unique(_ids(header.iloc[0, 1:]), "column", source)
        # Read the id column as str, so that "01" stays "01".
        df = pd.read_csv(path, sep=sep, dtype={0: str})
        df = df.set_index(df.columns[0])
    df.index = _ids(df.index)
    df.columns = _ids(df.columns)
    return df


def _read_npz(path):
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ("X", "obs_names", "var_names") if k not in z.files]
        if missing:
            raise ValueError(
                f"The .npz file '{path.name}' lacks the key(s) {missing}; expected "
                f"X (samples x genes), obs_names and var_names; found {z.files}."
            )
        X, obs_names, var_names = z["X"], z["obs_names"], z["var_names"]
    if X.ndim != 2 or X.shape != (obs_names.size, var_names.size):
        raise ValueError(
            f"In '{path.name}', X has shape {X.shape} but there are "
            f"{obs_names.size} obs_names and {var_names.size} var_names."
        )
    return pd.DataFrame(X, index=_ids(obs_names), columns=_ids(var_names), copy=False)


def _read_h5ad(path):
    anndata = import_optional("anndata", f"Reading the .h5ad file '{path.name}'")
    adata = anndata.read_h5ad(path)
    return _from_anndata(adata), adata.obs.copy()


def _from_anndata(adata):
    X = adata.X
    if hasattr(X, "toarray"):  # scipy sparse: the sampler needs dense rows
        X = X.toarray()
    return pd.DataFrame(
        np.asarray(X), index=_ids(adata.obs_names), columns=_ids(adata.var_names)
    )


def _orient(df, orientation, sample_ids=None):
    """Return ``df`` with samples as rows.

    ``auto`` puts on the rows the axis sharing more ids with ``sample_ids``;
    without ids (or with no overlap) the longer axis is taken to be the genes.
    """
    if orientation == "samples_as_rows":
        return df
    if orientation == "genes_as_rows":
        return df.T
    if sample_ids is not None:
        on_rows = df.index.isin(sample_ids).sum()
        on_cols = df.columns.isin(sample_ids).sum()
        if on_rows or on_cols:
            return df if on_rows >= on_cols else df.T
    return df.T if df.shape[0] > df.shape[1] else df


def _check_unique(index, what, source):
    dup = index[index.duplicated()]
    if dup.size:
        raise ValueError(
            f"The {source} has {dup.size} duplicate {what} name(s): "
            f"{_show(pd.unique(dup))}; {what} names must be unique."
        )


def _finalize_matrix(df, source, dtype):
    """Samples x genes DataFrame of ``dtype``: ids unique, all values finite."""
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise ValueError(
            f"The {source} is empty: {df.shape[0]} sample(s) x "
            f"{df.shape[1]} gene(s)."
        )
    _check_unique(df.index, "sample", source)
    _check_unique(df.columns, "gene", source)
    # Positions, not labels: one dtype check per distinct dtype, not per column.
    numeric = {d: pd.api.types.is_numeric_dtype(d) for d in set(df.dtypes)}
    non_numeric = np.flatnonzero([not numeric[d] for d in df.dtypes])
    if non_numeric.size:
        bad_cells, example = 0, None
        for j in non_numeric:
            col = df.iloc[:, j]
            bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
            bad_cells += int(bad.sum())
            if example is None and bad.any():
                i = int(np.argmax(bad.to_numpy()))
                example = (
                    f"{col.iloc[i]!r} at sample {df.index[i]!r}, gene "
                    f"{df.columns[j]!r}"
                )
        if bad_cells:
            raise ValueError(
                f"The {source} has {bad_cells} non-numeric value(s) in "
                f"{non_numeric.size} gene column(s), e.g. {example}. Every cell must "
                "be a number; the first column must hold the row ids (check sep= "
                "and orientation=)."
            )
    values = df.to_numpy(dtype=dtype, copy=False)
    values = check_finite_2d(values, name=f"The {source}", dtype=dtype)
    out = pd.DataFrame(values, index=df.index, columns=df.columns, copy=False)
    out.index.name = "sample_id"
    out.columns.name = None
    return out


def read_matrix(path, *, orientation="auto", sep=None, dtype=np.float32):
    """Read an expression matrix file as a samples x genes DataFrame.

    The format comes from the file extension; the values are checked (unique
    sample and gene ids, numbers only, no NaN or infinity) and returned as
    float32 with samples as rows, whatever the layout of the file.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its format comes from the extension (a trailing ``.gz``,
        ``.bz2``, ``.xz``, ``.zip`` or ``.zst`` is read transparently):

        - ``.csv`` (comma), ``.tsv``/``.tab``/``.txt`` (tab): a header line of
          column ids; the first column holds the row ids;
        - ``.parquet``/``.pq``: a table whose index (or, if it has a default
          range index, first non-numeric column) holds the row ids;
        - ``.npz``: the keys ``X`` (samples x genes), ``obs_names`` (sample ids)
          and ``var_names`` (gene ids), the layout of the shared data sets;
        - ``.h5ad``: an AnnData file (needs the ``h5ad`` extra); sparse
          matrices are made dense.
    orientation : {"auto", "samples_as_rows", "genes_as_rows"}, default="auto"
        How samples lie in the file. ``.npz`` and ``.h5ad`` files hold samples
        as rows, which "auto" keeps. For tables "auto" takes the longer axis to
        be the genes (expression tables usually have more genes than samples);
        :func:`load_expression` decides from the sample annotation instead.
    sep : str, default=None
        Field separator of a text file; None infers it from the extension.
    dtype : dtype, default=np.float32
        Dtype of the returned values.

    Returns
    -------
    DataFrame of shape (n_samples, n_genes)
        The matrix, indexed by sample id (``"sample_id"``, as str), with gene
        ids as columns.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    ValueError
        For an unknown extension, duplicate sample or gene ids, non-numeric,
        NaN or infinite values (with their counts), or an empty matrix.

    See Also
    --------
    load_expression : Read a matrix and its annotation, and pick labels.
    read_annotation : Read a sample annotation table (CSV, TSV, SDRF).

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import TemporaryDirectory
    >>> import pandas as pd
    >>> from sklearn_remgan.datasets import read_matrix
    >>> genes_by_samples = pd.DataFrame(
    ...     [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
    ...     index=["TP53", "EGFR", "MYC"], columns=["s1", "s2"],
    ... )
    >>> with TemporaryDirectory() as tmp:
    ...     genes_by_samples.to_csv(Path(tmp) / "expr.tsv", sep="\\t")
    ...     X = read_matrix(Path(tmp) / "expr.tsv", orientation="genes_as_rows")
    >>> X.shape, list(X.index), list(X.columns)
    ((2, 3), ['s1', 's2'], ['TP53', 'EGFR', 'MYC'])
    """
    _check_orientation(orientation)
    path = _check_path(path, "Expression matrix")
    source = f"expression matrix '{path.name}'"
    df, _, rows_are_samples = _read_matrix_raw(path, sep, source)
    if rows_are_samples and orientation == "auto":
        orientation = "samples_as_rows"
    return _finalize_matrix(_orient(df, orientation), source, dtype)


def _read_matrix_raw(path, sep, source):
    """Return (DataFrame, carried annotation or None, samples known to be rows)."""
    suffix = _suffix(path)
    if suffix == ".npz" and sep is None:
        return _read_npz(path), None, True
    if suffix == ".h5ad" and sep is None:
        return (*_read_h5ad(path), True)
    return _read_table(path, sep, source), None, False


def _is_sdrf(columns):
    return any(c in _SDRF_ID_COLUMNS or _BRACKETED.match(c) for c in columns)


def _norm(name):
    return " ".join(str(name).replace("_", " ").split()).casefold()


def _resolve_column(columns, name, param, source):
    """Find the column ``name`` refers to: full name first, then short name.

    Rule: an exact full name wins; else a full name equal up to case, spaces and
    underscores; else the short name inside the brackets of SDRF headers
    (``"organism part"`` for ``"Characteristics[organism part]"``), compared the
    same way. More than one match at the deciding step is refused.
    """
    if not isinstance(name, str):
        raise TypeError(f"{param} must be a column name (str); got {name!r}.")
    columns = [str(c) for c in columns]
    if name in columns:
        return name
    key = _norm(name)
    full = [c for c in columns if _norm(c) == key]
    short = [
        c for c in columns if (m := _BRACKETED.match(c)) and _norm(m.group(2)) == key
    ]
    for matches in (full, short):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValueError(
                f"{param}={name!r} is ambiguous in the {source}: it matches the "
                f"columns "
                f"{matches}; pass one of these full names."
            )
    raise ValueError(
        f"{param}={name!r} is not a column of the {source}; available columns: "
        f"{_show(columns, n=40)}."
    )


def _index_by(df, sample_column, source):
    """Index ``df`` by the sample id column, refusing empty or duplicate ids."""
    col = _resolve_column(df.columns, sample_column, "sample_column", source)
    ids = df[col]
    if ids.isna().any():
        raise ValueError(
            f"The sample column {col!r} of the {source} has "
            f"{int(ids.isna().sum())} "
            "empty id(s)."
        )
    df = df.drop(columns=col)
    df.index = _ids(ids)
    return df


def _dedupe(df, source):
    """Keep one of identical rows of a sample; refuse conflicting repeats."""
    if df.index.has_duplicates:
        # Rows repeated with the same values (e.g. one SDRF row per data file).
        same = df.assign(**{"\0sample_id": df.index}).duplicated(keep="first")
        df = df[~same.to_numpy()]
    dup = df.index[df.index.duplicated()]
    if dup.size:
        raise ValueError(
            f"The {source} has {dup.size} repeated sample id(s) with different "
            f"values: {_show(pd.unique(dup))}. Pass sample_column= a column with one "
            "id per sample (e.g. 'Assay Name' in an SDRF)."
        )
    df.index.name = "sample_id"
    return df


def read_annotation(path, *, sample_column=None, sep=None, dtype=None):
    """Read a sample annotation table (CSV, TSV or ArrayExpress SDRF).

    The table is indexed by its sample id column, so that it joins on the
    sample ids of an expression matrix; labels and covariates are then picked
    by column name (see the column rule in the Notes).

    Parameters
    ----------
    path : str or os.PathLike
        The table: ``.csv`` (comma), ``.tsv``/``.tab``/``.txt``/``.sdrf`` (tab,
        e.g. ``E-MTAB-3732.sdrf.txt``), or Parquet; a trailing ``.gz`` etc. is
        read transparently.
    sample_column : str, default=None
        The column of sample ids, selected by the column rule below. None takes
        ``Source Name`` in an SDRF (else ``Sample Name``, ``Assay Name``,
        ``Hybridization Name``), else ``sample_id`` if present, else the first
        column.
    sep : str, default=None
        Field separator; None infers it from the extension.
    dtype : dict, default=None
        Column dtypes passed to :func:`pandas.read_csv` (e.g. to keep leading
        zeros of codes). The sample ids are always read as str.

    Returns
    -------
    DataFrame
        The annotation: one row per sample, indexed by sample id
        (``"sample_id"``, str), with the other columns under their full names.
        Rows repeated identically (as in an SDRF listing several files of one
        sample) are kept once.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    ValueError
        For an unknown or ambiguous column, empty ids, or repeated sample ids
        with different values.

    See Also
    --------
    load_expression : Read a matrix and its annotation, and pick labels.

    Notes
    -----
    **Column rule** (for ``sample_column`` here, and ``label`` and
    ``covariates`` in :func:`load_expression`): a column is named by its full
    header (``"Characteristics[organism part]"``) or, in SDRF style headers, by
    the short name inside the brackets (``"organism part"``). Names are matched
    exactly first, then ignoring case and treating ``_`` as a space. A short
    name shared by several columns (``"Characteristics[disease]"`` and
    ``"Factor Value[disease]"``) is refused as ambiguous: use the full name.

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import TemporaryDirectory
    >>> from sklearn_remgan.datasets import read_annotation
    >>> sdrf = (
    ...     "Source Name\\tCharacteristics[organism part]\\tCharacteristics[disease]\\n"
    ...     "s1\\tlung\\tnormal\\n"
    ...     "s2\\tliver\\thepatocellular carcinoma\\n"
    ... )
    >>> with TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "E-MTAB-0.sdrf.txt").write_text(sdrf)
    ...     obs = read_annotation(Path(tmp) / "E-MTAB-0.sdrf.txt")
    >>> obs.index.tolist(), obs.columns.tolist()
    (['s1', 's2'], ['Characteristics[organism part]', 'Characteristics[disease]'])
    """
    path = _check_path(path, "Sample annotation")
    source = f"annotation '{path.name}'"
    if _suffix(path) in _PARQUET and sep is None:
        import_optional("pyarrow", f"Reading the Parquet file '{path.name}'")
        df = pd.read_parquet(path)
        if not isinstance(df.index, pd.RangeIndex) and sample_column is None:
            df = df.reset_index()
    else:
        sep = _text_sep(path, sep)
        header = pd.read_csv(path, sep=sep, nrows=0).columns
        col = _resolve_column(
            header, _default_sample_column(header, sample_column), "sample_column",
            source,
        )
        df = pd.read_csv(path, sep=sep, dtype={**(dtype or {}), col: str})
    if df.shape[0] == 0:
        raise ValueError(f"The {source} has no rows.")
    sample_column = _default_sample_column(df.columns, sample_column)
    return _dedupe(_index_by(df, sample_column, source), source)


def _default_sample_column(columns, sample_column):
    if sample_column is not None:
        return sample_column
    columns = [str(c) for c in columns]
    if _is_sdrf(columns):
        for name in _SDRF_ID_COLUMNS:
            if name in columns:
                return name
    if "sample_id" in columns:
        return "sample_id"
    return columns[0]


def _annotation_from_frame(obs, sample_column, source):
    if not isinstance(obs, pd.DataFrame):
        raise TypeError(
            f"obs must be a path, a pandas DataFrame or None; got {type(obs).__name__}."
        )
    if sample_column is not None:
        obs = _index_by(obs, sample_column, source)
    else:
        obs = obs.copy()
        obs.index = _ids(obs.index)
    return _dedupe(obs, source)


def _as_list(covariates):
    if covariates is None:
        return None
    if isinstance(covariates, str):
        return [covariates]
    try:
        covariates = list(covariates)
    except TypeError:
        raise TypeError(
            "covariates must be a column name, a list of column names or None; got "
            f"{covariates!r}."
        ) from None
    if not covariates:
        raise ValueError(
            "covariates is an empty selection; pass at least one column name or None."
        )
    return covariates


def load_expression(
    data,
    obs=None,
    *,
    label=None,
    covariates=None,
    orientation="auto",
    sample_column=None,
    join="left",
):
    """Load an expression matrix with its labels and covariates, joined on sample id.

    The one call for a real study: it reads the matrix (:func:`read_matrix`
    formats), reads or finds the sample annotation, puts samples as rows,
    joins both on sample id and picks the label and covariate columns, with
    errors that name what does not fit.

    Parameters
    ----------
    data : str, os.PathLike, DataFrame or AnnData
        The matrix: a file in any format of :func:`read_matrix`, a DataFrame
        (rows and columns as ``orientation`` says), or an AnnData object.
    obs : str, os.PathLike, DataFrame or None, default=None
        The sample annotation: a file read by :func:`read_annotation`, or a
        DataFrame indexed by sample id (or holding it in ``sample_column``).
        None uses the annotation carried by the data: the ``obs`` of an
        ``.h5ad`` file or AnnData object, or for ``NAME.npz`` the sibling file
        ``NAME.obs.csv`` when it exists (the layout of the shared data sets).
    label : str, default=None
        The annotation column returned as ``y`` (column rule of
        :func:`read_annotation`: full name or SDRF short name). It must have no
        missing values.
    covariates : str or list of str, default=None
        Annotation columns returned as the covariates DataFrame (same rule);
        missing values are kept.
    orientation : {"auto", "samples_as_rows", "genes_as_rows"}, default="auto"
        How samples lie in a table. "auto" puts on the rows the axis whose ids
        match more annotation sample ids (without annotation: the shorter axis).
    sample_column : str, default=None
        The annotation's sample id column (see :func:`read_annotation`).
    join : {"left", "inner"}, default="left"
        "left" requires every matrix sample to be annotated; "inner" keeps the
        annotated samples and warns how many were dropped. Annotated samples
        absent from the matrix are ignored either way.

    Returns
    -------
    X : DataFrame of shape (n_samples, n_genes), dtype float32
        Samples in the matrix order, indexed by sample id.
    y : Series of shape (n_samples,) or None
        The label, named by its full column name; None without ``label``.
    covariates : DataFrame of shape (n_samples, n_covariates) or None
        The selected columns (full names); None without ``covariates``.

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        For an unknown column (the available ones are listed), an ambiguous
        short name, sample ids that do not match between matrix and annotation
        (with counts and examples), duplicate sample or gene names, non-numeric
        or non-finite values (with counts), an empty selection, or a label with
        missing values.

    See Also
    --------
    read_matrix : Read only the matrix.
    read_annotation : Read only the annotation.
    make_expression : The embedded simulated data set.

    Examples
    --------
    >>> from pathlib import Path
    >>> from tempfile import TemporaryDirectory
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_remgan.datasets import load_expression
    >>> X = pd.DataFrame(
    ...     np.arange(8.0).reshape(4, 2), columns=["TP53", "EGFR"],
    ...     index=["s1", "s2", "s3", "s4"],
    ... )
    >>> obs = pd.DataFrame(
    ...     {"Characteristics[organism part]": ["lung", "lung", "liver", "liver"],
    ...      "Characteristics[disease]": ["normal", "cancer", "normal", "cancer"]},
    ...     index=pd.Index(["s4", "s3", "s2", "s1"], name="Source Name"),
    ... )
    >>> with TemporaryDirectory() as tmp:
    ...     X.to_csv(Path(tmp) / "expr.csv")
    ...     obs.to_csv(Path(tmp) / "study.sdrf.txt", sep="\\t")
    ...     X, y, cov = load_expression(
    ...         Path(tmp) / "expr.csv", Path(tmp) / "study.sdrf.txt",
    ...         label="organism part", covariates=["disease"],
    ...     )
    >>> X.shape, y.tolist(), cov.columns.tolist()
    ((4, 2), ['liver', 'liver', 'lung', 'lung'], ['Characteristics[disease]'])
    """
    _check_orientation(orientation)
    if join not in _JOINS:
        raise ValueError(f"join must be one of {_JOINS}; got {join!r}.")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a column name (str) or None; got {label!r}.")
    covariates = _as_list(covariates)

    # The matrix, raw, with the annotation it may carry.
    carried, carried_source, rows_are_samples = None, None, False
    if isinstance(data, pd.DataFrame):
        raw, source = data.copy(), "expression matrix (DataFrame)"
        raw.index, raw.columns = _ids(raw.index), _ids(raw.columns)
    elif all(hasattr(data, a) for a in ("X", "obs", "obs_names", "var_names")):
        raw, source = _from_anndata(data), "expression matrix (AnnData)"
        carried, carried_source = data.obs.copy(), "AnnData obs"
        rows_are_samples = True
    else:
        path = _check_path(data, "Expression matrix")
        source = f"expression matrix '{path.name}'"
        raw, carried, rows_are_samples = _read_matrix_raw(path, None, source)
        carried_source = f"obs of '{path.name}'"
        if carried is None and obs is None and _suffix(path) == ".npz":
            sibling = path.with_name(path.name[: -len(".npz")] + ".obs.csv")
            if sibling.is_file():
                obs = sibling

    # The annotation.
    if obs is not None:
        if isinstance(obs, str | os.PathLike):
            ann = read_annotation(obs, sample_column=sample_column)
            ann_source = f"annotation '{Path(obs).name}'"
        else:
            ann_source = "annotation (DataFrame)"
            ann = _annotation_from_frame(obs, sample_column, ann_source)
    elif carried is not None:
        ann_source = carried_source
        ann = _annotation_from_frame(carried, sample_column, ann_source)
    else:
        ann, ann_source = None, None
    if ann is None and (label is not None or covariates is not None):
        raise ValueError(
            f"label={label!r} and covariates={covariates!r} need a sample "
            "annotation, but none was given or found; pass obs=..."
        )

    if rows_are_samples and orientation == "auto":
        orientation = "samples_as_rows"
    raw = _orient(raw, orientation, None if ann is None else ann.index)
    X = _finalize_matrix(raw, source, np.float32)
    if ann is None:
        return X, None, None

    # Join on sample id, in the matrix order.
    found = X.index.isin(ann.index)
    if not found.any():
        raise ValueError(
            f"None of the {X.shape[0]} sample ids of the {source} are in the "
            f"{ann_source} ({ann.shape[0]} ids). Matrix ids: {_show(X.index, 3)}; "
            f"annotation ids: {_show(ann.index, 3)}. Check sample_column= and "
            "orientation=."
        )
    if not found.all():
        missing = X.index[~found]
        msg = (
            f"{missing.size} of the {X.shape[0]} sample ids of the {source} are not "
            f"in the {ann_source}: {_show(missing)}"
        )
        if join == "left":
            raise ValueError(
                msg + '. Pass join="inner" to keep only the annotated samples.'
            )
        warnings.warn(msg + "; they were dropped (join='inner').", UserWarning)
        X = X.loc[found]
    ann = ann.loc[X.index]

    y = None
    if label is not None:
        col = _resolve_column(ann.columns, label, "label", ann_source)
        y = ann[col].copy()
        if y.isna().any():
            bad = y.index[y.isna()]
            raise ValueError(
                f"The label column {col!r} of the {ann_source} has {bad.size} missing "
                f"value(s), at samples {_show(bad)}; drop these samples or fill "
                "the label."
            )
        if isinstance(y.dtype, pd.CategoricalDtype):
            # h5ad stores strings as categoricals; estimators expect plain labels.
            y = y.astype(y.cat.categories.dtype)
        y.name = col
    cov = None
    if covariates is not None:
        cols = [_resolve_column(ann.columns, c, "covariates", ann_source)
                for c in covariates]
        cov = ann[list(dict.fromkeys(cols))].copy()
    return X, y, cov
