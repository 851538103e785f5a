"""Lazy imports of optional dependencies, with an install hint when missing."""

import importlib

# import name -> (distribution name, extra that installs it)
_OPTIONAL = {
    "matplotlib": ("matplotlib", "plot"),
    "umap": ("umap-learn", "plot"),
    "ot": ("POT", "ot"),
    "anndata": ("anndata", "h5ad"),
    "pyarrow": ("pyarrow", "parquet"),
    "optuna": ("optuna", "tune"),
    "dask": ("dask[distributed]", "distributed"),
}


def import_optional(module, caller):
    """Import an optional dependency or raise an ImportError saying how to get it.

    Parameters
    ----------
    module : str
        Import name, e.g. ``"ot"`` or ``"matplotlib.pyplot"``.
    caller : str
        What needs it, named in the error message.

    Returns
    -------
    module : module
        The imported module.
    """
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        dist, extra = _OPTIONAL.get(top, (top, "all"))
        raise ImportError(
            f"{caller} requires {dist}, which is not installed. Install it with "
            f"`pip install {dist}` or `pip install sklearn-remgan[{extra}]`."
        ) from exc


def check_matplotlib_support(caller):
    """Return ``matplotlib.pyplot`` or raise an ImportError naming the extra.

    Parameters
    ----------
    caller : str
        What needs matplotlib, named in the error message.

    Returns
    -------
    pyplot : module
        ``matplotlib.pyplot``.
    """
    import_optional("matplotlib", caller)
    return import_optional("matplotlib.pyplot", caller)


def check_pot_support(caller):
    """Return the POT module ``ot`` or raise an ImportError naming the extra.

    Parameters
    ----------
    caller : str
        What needs POT, named in the error message.

    Returns
    -------
    ot : module
        The POT package.
    """
    return import_optional("ot", caller)
