"""Loaders for real expression matrices and sample annotations (incl. SDRF)."""

import lzma
import os
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn_compat.utils._param_validation import validate_params

from sklearn_remgan.utils import check_finite_2d, import_optional
from sklearn_remgan.utils._sklearn_compat import StrOptions

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


def _first_line(exc):
    """The first line of an exception message, without a trailing period."""
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


# What a corrupt, truncated or mis-compressed file raises while being read.
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, KeyError)


def _read_csv(path, source, sep, **kwargs):
    """``pandas.read_csv`` whose failures name the file and say what is wrong."""
    try:
        return pd.read_csv(path, sep=sep, **kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"The {source} is empty: it has no header line.") from None
    except pd.errors.ParserError as exc:
        # Ragged rows and unterminated quotes land here; pandas says where.
        raise ValueError(
            f"Cannot parse the {source} as a table separated by {sep!r}: "
            f"{_first_line(exc)}. Check sep= and the quoting of that line."
        ) from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"The {source} is not UTF-8 text (byte {exc.start}: {exc.reason}); is "
            "it a binary file with a text extension?"
        ) from None
    except _READ_ERRORS as exc:
        raise ValueError(f"Cannot read the {source}: {_first_line(exc)}.") from None
    except (TypeError, ValueError) as exc:
        # E.g. a dtype= a column cannot take ("int" for "n/a"), a bad dtype name.
        raise ValueError(
            f"Cannot read the {source}: {_first_line(exc)}. Check sep= and dtype=."
        ) from None


def _check_sep(sep):
    if sep == "":
        raise ValueError("sep must be a non-empty str (the field separator) or None.")


def _check_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype must be a numpy floating dtype such as np.float32; got {dtype!r}."
        ) from None
    if dt.kind != "f":
        raise ValueError(
            f"dtype must be a floating dtype (float16, float32 or float64); got "
            f"{dt.name!r}."
        )
    return dt


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


def _looks_like_data(values):
    """True if a would-be id column holds measurements, not ids.

    Ids may be integers (1, 2, ...); decimals, exponents, NaN or repeated
    numbers mean the file has no id column and this is the first data column.
    """
    values = pd.Series(values, dtype=object).astype(str).str.strip()
    numbers = pd.to_numeric(values, errors="coerce")
    if values.empty or numbers.isna().any():
        return False
    integral = values.str.fullmatch(r"[+-]?\d+")
    return not integral.all() or values.duplicated().any()


def _no_id_column(source, first):
    return ValueError(
        f"The {source} has no id column: its first column {first!r} holds numbers. "
        "The first column must hold the row ids (sample or gene names); add one "
        "(pandas: DataFrame.to_csv keeps the index)."
    )


def _read_table(path, sep, source):
    """Read a delimited or Parquet table as raw (rows x columns), ids as strings."""
    suffix = _suffix(path)
    if suffix in _PARQUET and sep is None:
        import_optional("pyarrow", f"Reading the Parquet file '{path.name}'")
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors have no common public base
            raise ValueError(
                f"Cannot read the {source} as Parquet: {_first_line(exc)}."
            ) from None
        # A Parquet file written without its index keeps the ids as a column.
        if isinstance(df.index, pd.RangeIndex) and df.shape[1]:
            first = df.iloc[:, 0]
            if pd.api.types.is_numeric_dtype(first) or _looks_like_data(first):
                raise _no_id_column(source, str(df.columns[0]))
            df = df.set_index(df.columns[0])
    else:
        sep = _text_sep(path, sep)
        # pandas renames repeated header names ("a", "a.1"): check the raw header.
        header = _read_csv(path, source, sep, header=None, nrows=1, dtype=str)
        # Read the id column as str, so that "01" stays "01".
        df = _read_csv(path, source, sep, dtype={0: str})
        if isinstance(df.index, pd.MultiIndex):
            raise ValueError(
                f"The {source} has rows with {df.index.nlevels} more fields than "
                f"its header line ({header.shape[1]} fields); check sep= and the "
                "header."
            )
        if isinstance(df.index, pd.RangeIndex):
            _check_unique(_ids(header.iloc[0, 1:]), "column", source)
            if df.shape[1] == 1 and _other_sep(header.iloc[0, 0], sep):
                raise ValueError(
                    f"The {source} has a single column with sep={sep!r}, but its "
                    f"header line contains {_other_sep(header.iloc[0, 0], sep)!r}: "
                    "pass the right sep=."
                )
            if _looks_like_data(df.iloc[:, 0]):
                raise _no_id_column(source, str(header.iloc[0, 0]))
            df = df.set_index(df.columns[0])
        else:
            # R's write.table layout: the header has no corner cell, so pandas
            # already took the first field of every row as the index.
            _check_unique(_ids(header.iloc[0]), "column", source)
        if df.index.isna().any():
            # pandas read ids such as "NA" or "null" as missing: re-read them
            # verbatim (only then, as it costs a second pass over the file).
            raw = _read_csv(
                path,
                source,
                sep,
                header=None,
                usecols=[0],
                dtype=str,
                keep_default_na=False,
            )
            ids = raw.iloc[1:, 0].to_numpy()  # row 0: the header line
            if ids.size != df.shape[0]:
                raise ValueError(
                    f"The {source} has {ids.size} row ids for {df.shape[0]} rows; "
                    "check the quoting and empty lines."
                )
            df.index = ids
    df.index = _ids(df.index)
    df.columns = _ids(df.columns)
    return df


def _other_sep(text, sep):
    """A common separator found in ``text`` other than ``sep``, else None."""
    for other in ("\t", ",", ";", "|"):
        if other != sep and other in str(text):
            return other
    return None


def _read_npz(path):
    source = f".npz file '{path.name}'"
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        raise ValueError(
            f"The {source} holds a single array (.npy format), not an .npz "
            "archive with the keys X, obs_names and var_names."
        )
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"The {source} is not a valid .npz archive: it is not a zip file "
            f"({path.stat().st_size} bytes; np.savez writes a zip archive)."
        )
    try:
        z = np.load(path, allow_pickle=False)
    except (ValueError, *_READ_ERRORS) as exc:
        raise ValueError(
            f"The {source} is not a valid .npz archive: {_first_line(exc)}."
        ) from None
    with z:
        missing = [k for k in ("X", "obs_names", "var_names") if k not in z.files]
        if missing:
            raise ValueError(
                f"The {source} lacks the key(s) {missing}; expected "
                f"X (samples x genes), obs_names and var_names; found {z.files}."
            )
        arrays = {}
        for key in ("X", "obs_names", "var_names"):
            try:
                arrays[key] = z[key]
            except ValueError:
                raise ValueError(
                    f"In the {source}, {key} is an object array, which needs "
                    "pickle (refused: it can run code). Save X as a numeric array "
                    "and the names as str arrays, e.g. names.astype(str)."
                ) from None
            except _READ_ERRORS as exc:
                raise ValueError(
                    f"Cannot read {key} from the {source}: {_first_line(exc)}."
                ) from None
    X, obs_names, var_names = arrays["X"], arrays["obs_names"], arrays["var_names"]
    if obs_names.ndim != 1 or var_names.ndim != 1:
        raise ValueError(
            f"In the {source}, obs_names and var_names must be 1D; got shapes "
            f"{obs_names.shape} and {var_names.shape}."
        )
    if X.ndim != 2 or X.shape != (obs_names.size, var_names.size):
        raise ValueError(
            f"In the {source}, X has shape {X.shape} but there are "
            f"{obs_names.size} obs_names and {var_names.size} var_names."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"In the {source}, X has dtype {X.dtype}; it must be numeric (int or "
            "float)."
        )
    return pd.DataFrame(X, index=_ids(obs_names), columns=_ids(var_names), copy=False)


def _read_h5ad(path):
    anndata = import_optional("anndata", f"Reading the .h5ad file '{path.name}'")
    try:
        adata = anndata.read_h5ad(path)
        X = _from_anndata(adata)
    except Exception as exc:  # h5py and anndata raise many unrelated types
        raise ValueError(
            f"Cannot read the .h5ad file '{path.name}' (AnnData, HDF5): "
            f"{_first_line(exc)}."
        ) from None
    return X, adata.obs.copy()


def _from_anndata(adata):
    X = adata.X
    if hasattr(X, "toarray"):  # scipy sparse: the sampler needs dense rows
        X = X.toarray()
    return pd.DataFrame(
        np.asarray(X), index=_ids(adata.obs_names), columns=_ids(adata.var_names)
    )


def _orient(df, orientation, source, sample_ids=None):
    """Return ``df`` with samples as rows.

    ``auto`` puts on the rows the axis sharing more ids with ``sample_ids`` (the
    annotation). It never guesses from the shape: without annotation ids, or
    when they do not tell the axes apart, it asks for ``orientation``.
    """
    if orientation == "samples_as_rows":
        return df
    if orientation == "genes_as_rows":
        return df.T
    ask = "pass orientation='samples_as_rows' or orientation='genes_as_rows'"
    if sample_ids is None:
        raise ValueError(
            f"Cannot tell whether the rows of the {source} are samples or genes "
            f"({df.shape[0]} rows x {df.shape[1]} columns): {ask}, or give the "
            "sample annotation (load_expression decides from its sample ids)."
        )
    on_rows = int(df.index.isin(sample_ids).sum())
    on_cols = int(df.columns.isin(sample_ids).sum())
    if on_rows == on_cols:
        if on_rows:
            found = f"{on_rows} of its row ids and {on_cols} of its column ids are"
        else:
            found = (
                f"none of its row ids {_show(df.index, 3)} or column ids "
                f"{_show(df.columns, 3)} is among the {len(sample_ids)} annotation "
                f"ids {_show(sample_ids, 3)} (check sample_column=)"
            )
        raise ValueError(
            f"Cannot tell whether the rows of the {source} are samples or genes: "
            f"{found} sample ids of the annotation; {ask}."
        )
    return df if on_rows > on_cols else df.T


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
            f"The {source} is empty: {df.shape[0]} sample(s) x {df.shape[1]} gene(s)."
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
                    f"{col.iloc[i]!r} at sample {df.index[i]!r}, gene {df.columns[j]!r}"
                )
        if bad_cells:
            raise ValueError(
                f"The {source} has {bad_cells} non-numeric value(s) in "
                f"{non_numeric.size} gene column(s), e.g. {example}. Every cell must "
                "be a number; the first column must hold the row ids (check sep= "
                "and orientation=)."
            )
    if any(np.dtype(d).kind == "c" for d in set(df.dtypes)):
        raise ValueError(
            f"The {source} holds complex numbers; expression values must be real."
        )
    values = df.to_numpy(dtype=dtype, copy=False)
    missing = np.isnan(values)
    if missing.any():
        i, j = np.argwhere(missing)[0]
        raise ValueError(
            f"The {source} has {int(missing.sum())} missing or NaN value(s) in "
            f"{int(missing.any(axis=1).sum())} sample(s), e.g. at sample "
            f"{df.index[i]!r}, gene {df.columns[j]!r} (an empty cell, 'NA', "
            "or a row with fewer fields than the header)."
        )
    values = check_finite_2d(values, name=f"The {source}", dtype=dtype)
    out = pd.DataFrame(values, index=df.index, columns=df.columns, copy=False)
    out.index.name = "sample_id"
    out.columns.name = None
    return out


_PATH = [str, os.PathLike]
_ORIENTATION = [StrOptions(set(_ORIENTATIONS))]


@validate_params(
    {
        "path": _PATH,
        "orientation": _ORIENTATION,
        "sep": [str, None],
        "dtype": "no_validation",  # any numpy floating dtype: checked below
    },
    prefer_skip_nested_validation=True,
)
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
        as rows, which "auto" keeps. A table (CSV, TSV, Parquet) does not say
        which axis holds the samples, and its shape is no proof, so "auto"
        raises and asks for one of the two other values;
        :func:`load_expression` decides from the sample ids of the annotation
        instead.
    sep : str, default=None
        Field separator of a text file; None infers it from the extension.
    dtype : numpy floating dtype, default=np.float32
        Dtype of the returned values (float16, float32 or float64).

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
        In one line naming the file and what is wrong: an unknown extension, a
        table read with ``orientation="auto"``, a file that cannot be parsed
        (empty, a ragged row, an unterminated quote, a wrong ``sep``, not
        UTF-8, a corrupt or empty Parquet, ``.npz`` or ``.h5ad`` file, an
        ``.npz`` with object arrays), a first column that holds numbers rather
        than ids, duplicate sample or gene ids, non-numeric, missing, NaN or
        infinite values (with their counts and an example), or an empty
        matrix.
    TypeError
        For an argument of the wrong type (``path``, ``sep``, ``dtype``).

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
    _check_sep(sep)
    dtype = _check_dtype(dtype)
    path = _check_path(path, "Expression matrix")
    source = f"expression matrix '{path.name}'"
    df, _, rows_are_samples = _read_matrix_raw(path, sep, source)
    if rows_are_samples and orientation == "auto":
        orientation = "samples_as_rows"
    return _finalize_matrix(_orient(df, orientation, source), source, dtype)


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


@validate_params(
    {
        "path": _PATH,
        "sample_column": [str, None],
        "sep": [str, None],
        "dtype": [dict, None],
    },
    prefer_skip_nested_validation=True,
)
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
    _check_sep(sep)
    path = _check_path(path, "Sample annotation")
    source = f"annotation '{path.name}'"
    if _suffix(path) in _PARQUET and sep is None:
        import_optional("pyarrow", f"Reading the Parquet file '{path.name}'")
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors have no common public base
            raise ValueError(
                f"Cannot read the {source} as Parquet: {_first_line(exc)}."
            ) from None
        if not isinstance(df.index, pd.RangeIndex) and sample_column is None:
            df = df.reset_index()
    else:
        sep = _text_sep(path, sep)
        header = _read_csv(path, source, sep, nrows=0).columns
        col = _resolve_column(
            header,
            _default_sample_column(header, sample_column),
            "sample_column",
            source,
        )
        df = _read_csv(path, source, sep, dtype={**(dtype or {}), col: str})
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


@validate_params(
    {
        "data": "no_validation",  # a path, DataFrame or AnnData: checked below
        "obs": [*_PATH, pd.DataFrame, None],
        "label": [str, None],
        "covariates": "no_validation",  # a name or a list of names: checked below
        "orientation": _ORIENTATION,
        "sample_column": [str, None],
        "join": [StrOptions(set(_JOINS))],
    },
    prefer_skip_nested_validation=True,
)
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
        match more annotation sample ids. It never guesses from the shape:
        without an annotation, or when both axes match equally (e.g. none),
        it raises and asks for one of the two other values.
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
    raw = _orient(raw, orientation, source, None if ann is None else ann.index)
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
        cols = [
            _resolve_column(ann.columns, c, "covariates", ann_source)
            for c in covariates
        ]
        cov = ann[list(dict.fromkeys(cols))].copy()
    return X, y, cov
