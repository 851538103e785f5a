"""Blind-spot figures as scikit-learn style ``*Display`` objects.

Each Display stores the computed data in ``__init__``, draws with ``plot(ax=None)``
(which sets ``figure_`` and ``ax_``), and is built from raw numbers with
``from_predictions`` or from a fitted sampler with ``from_estimator``. matplotlib and
umap-learn are imported only when a figure is drawn or an embedding computed.
"""

import contextlib
import sys
from numbers import Integral

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from sklearn_remgan.diagnostics._tables import check_rem_values
from sklearn_remgan.metrics import precision_recall
from sklearn_remgan.metrics._cross_fit import honest_rem
from sklearn_remgan.utils import (
    check_finite_2d,
    check_labels,
    check_matplotlib_support,
    check_same_width,
    draw_like,
    find_sampler,
    import_optional,
)

__all__ = [
    "REMDistributionDisplay",
    "RecallREMDisplay",
    "TrainingCurvesDisplay",
    "UMAPDisplay",
    "ZeroRecallDisplay",
]

_REAL_COLOR = "#1f77b4"
_GENERATED_COLOR = "#d62728"


def _new_axes(ax, caller, figsize):
    plt = check_matplotlib_support(caller)
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def _as_1d(values, name, caller, *, n=None):
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(
            f"{caller}: {name} must be one-dimensional; got shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"{caller}: {name} is empty; at least one value is needed.")
    if n is not None and arr.shape[0] != n:
        raise ValueError(
            f"{caller}: {name} must have {n} entries (one per real sample); got "
            f"{arr.shape[0]}."
        )
    return arr


def _as_labels(values, name, caller, *, n):
    try:
        return check_labels(values, n, name=name)
    except ValueError as exc:
        raise ValueError(f"{caller}: {exc}") from exc


@contextlib.contextmanager
def _threads_restored():
    """Context that gives back the thread settings it found on exit.

    Fitting UMAP (numba's OpenMP layer) sets the process-wide OpenMP thread
    count to all cores, which torch shares: later draws of a sampler then
    oversubscribe the cores (measured: DDPM draws 7 times slower on 2 cores).
    torch's intra-op count (when torch is loaded) and the count of every
    native thread pool loaded before entry (threadpoolctl) are put back.
    """
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    before = {
        lib.filepath: lib.num_threads for lib in ThreadpoolController().lib_controllers
    }
    try:
        yield
    finally:
        for lib in ThreadpoolController().lib_controllers:
            n = before.get(lib.filepath)
            if n is not None and lib.num_threads != n:
                lib.set_num_threads(n)
        if torch is not None and torch.get_num_threads() != torch_threads:
            torch.set_num_threads(torch_threads)


def _as_flags(values, name, caller, *, n=None):
    """Recall flags as bool: bool arrays, or numbers that are all 0 or 1.

    Strings such as "False", NaN and other numbers are refused rather than
    read by truthiness.
    """
    arr = _as_1d(values, name, caller, n=n)
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
        return arr.astype(bool)
    raise ValueError(
        f"{caller}: {name} must hold booleans (or 0/1); got dtype {arr.dtype} with "
        f"values such as {arr[:3].tolist()}."
    )


def _as_rem(values, name, caller):
    return check_rem_values(values, name, caller, allow_empty=False)


def _check_bins(bins, caller):
    if isinstance(bins, bool) or not isinstance(bins, Integral) or bins < 1:
        raise (TypeError if not isinstance(bins, Integral | float) else ValueError)(
            f"{caller}: bins must be an int >= 1; got {bins!r}."
        )
    return int(bins)


def _bin_edges(lo, hi, bins):
    """``bins + 1`` edges over ``[lo, hi]`` (non-negative, finite), never empty."""
    if hi <= lo:
        half = max(0.5, 0.25 * lo)
        lo, hi = max(lo - half, 0.0), min(lo + half, np.finfo(np.float64).max)
    # lo + (hi - lo) * t: hi - lo is finite for non-negative values.
    return lo + (hi - lo) * np.linspace(0.0, 1.0, bins + 1)


def _draw_and_rem(cls, estimator, X, y, covariates, rem, n_components, random_state):
    """Draw like ``(X, y)`` and score both sets with out-of-sample REM.

    With ``rem=None`` the REM is cross-fitted on the real rows (each scored by a
    PCA fitted without its fold, generated rows by the same fold PCAs); a given
    REM must have been fitted on other rows than ``X`` (e.g. training rows).
    """
    caller = f"{cls.__name__}.from_estimator"
    draw = draw_like(
        estimator,
        X,
        check_labels(y, _num_rows(X), name="y"),
        covariates=covariates,
        random_state=random_state,
        caller=caller,
    )
    rem_real, rem_gen, _ = honest_rem(
        draw.X_real,
        draw.X_generated,
        rem=rem,
        y=draw.y_real,
        n_components=n_components,
        # at most 5 folds, fewer for tiny X (each fold's PCA needs 2 rows)
        cv=max(2, min(5, draw.X_real.shape[0] // 2)),
        random_state=random_state,
        caller=caller,
        name="X",
    )
    return draw, rem_real, rem_gen


def _num_rows(X):
    shape = getattr(X, "shape", None)
    return shape[0] if shape else len(X)


class REMDistributionDisplay:
    """Histogram of REM for real versus generated samples (the paper's figure A).

    REM is the reconstruction error of a sample from the first principal components of
    the real data: generated samples that pile up at low REM sit in the principal
    subspace and miss the rest of the real variation (mode collapse).

    Parameters
    ----------
    rem_real : array-like of shape (n_real,)
        REM of the real samples.
    rem_generated : array-like of shape (n_generated,)
        REM of the generated samples.
    real_label : str, default="real"
        Legend label of the real samples.
    generated_label : str, default="generated"
        Legend label of the generated samples.

    Attributes
    ----------
    figure_ : matplotlib Figure
        Figure holding the plot, set by :meth:`plot`.
    ax_ : matplotlib Axes
        Axes of the plot, set by :meth:`plot`.

    See Also
    --------
    UMAPDisplay : Real and generated samples in two dimensions.
    RecallREMDisplay : REM split by recall for the worst classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import REMDistributionDisplay
    >>> rng = np.random.RandomState(0)
    >>> disp = REMDistributionDisplay.from_predictions(
    ...     rng.gamma(4, size=200), rng.gamma(2, size=200))
    >>> disp.ax_.get_xlabel()
    'REM (reconstruction error from the real principal components)'
    """

    def __init__(
        self, *, rem_real, rem_generated, real_label="real", generated_label="generated"
    ):
        self.rem_real = rem_real
        self.rem_generated = rem_generated
        self.real_label = real_label
        self.generated_label = generated_label

    def plot(self, ax=None, *, bins=40):
        """Draw the two histograms.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made when None.
        bins : int, default=40
            Number of shared histogram bins.

        Returns
        -------
        display : REMDistributionDisplay
            The object, with ``figure_`` and ``ax_`` set.
        """
        name = type(self).__name__
        bins = _check_bins(bins, f"{name}.plot")
        real = _as_rem(self.rem_real, "rem_real", name)
        gen = _as_rem(self.rem_generated, "rem_generated", name)
        # At extreme magnitudes densities (1 / bin width) under- or overflow:
        # draw in units of a power of two and say so on the axis.
        top = max(real.max(), gen.max())
        extreme = top > 2.0**500 or 0 < top < 2.0**-500
        shift = int(np.frexp(top)[1]) if extreme else 0
        real, gen = np.ldexp(real, -shift), np.ldexp(gen, -shift)
        fig, ax = _new_axes(ax, f"{name}.plot", (6.4, 4.0))
        lo = min(real.min(), gen.min())
        hi = max(real.max(), gen.max())
        edges = _bin_edges(lo, hi, bins)
        for values, label, color in (
            (real, self.real_label, _REAL_COLOR),
            (gen, self.generated_label, _GENERATED_COLOR),
        ):
            ax.hist(
                values,
                bins=edges,
                density=True,
                alpha=0.45,
                color=color,
                label=f"{label} (n={values.size}, median {np.median(values):.3g})",
            )
            ax.axvline(np.median(values), color=color, linestyle="--", linewidth=1.2)
        unit = f" (x 2**{shift})" if shift else ""
        ax.set_xlabel(
            f"REM (reconstruction error from the real principal components){unit}"
        )
        ax.set_ylabel("density")
        ax.set_title(f"REM distribution: {self.real_label} vs {self.generated_label}")
        ax.legend(loc="best", fontsize="small")
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_predictions(
        cls,
        rem_real,
        rem_generated,
        *,
        real_label="real",
        generated_label="generated",
        ax=None,
        bins=40,
    ):
        """Plot REM values already computed.

        Parameters
        ----------
        rem_real : array-like of shape (n_real,)
            REM of the real samples.
        rem_generated : array-like of shape (n_generated,)
            REM of the generated samples.
        real_label : str, default="real"
            Legend label of the real samples.
        generated_label : str, default="generated"
            Legend label of the generated samples.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        bins : int, default=40
            Number of histogram bins.

        Returns
        -------
        display : REMDistributionDisplay
            The drawn display.
        """
        disp = cls(
            rem_real=rem_real,
            rem_generated=rem_generated,
            real_label=real_label,
            generated_label=generated_label,
        )
        return disp.plot(ax=ax, bins=bins)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        covariates=None,
        rem=None,
        n_components=None,
        random_state=0,
        ax=None,
        bins=40,
    ):
        """Draw generated samples for ``y`` from a fitted sampler and plot their REM.

        Parameters
        ----------
        estimator : fitted sampler or Pipeline
            A sampler with ``sample(n_samples, y=None, *, covariates=None)`` (such as
            ``WGANGPSampler``) or a pipeline containing one; ``X`` goes through the
            steps before it.
        X : array-like of shape (n_samples, n_features)
            Real samples.
        y : array-like of shape (n_samples,)
            Their labels; one generated sample is drawn per label.
        covariates : DataFrame, default=None
            Covariates (modes) of the real samples, passed to ``sample``.
        rem : fitted REM, default=None
            A REM fitted on other rows than ``X`` (e.g. the training rows, with
            ``X`` held out); None cross-fits the REM on ``X`` (each real row
            scored by a PCA fitted without its fold, generated rows by the same
            fold PCAs), so real REM is never in-sample.
        n_components : int or None, default=None
            Components of the cross-fitted REM (see
            :func:`~sklearn_remgan.metrics.choose_n_components`).
        random_state : int, RandomState instance or None, default=0
            Seeds the draw (see :func:`~sklearn_remgan.utils.draw_like`; the
            sampler's own random state is not advanced) and the folds.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        bins : int, default=40
            Number of histogram bins.

        Returns
        -------
        display : REMDistributionDisplay
            The drawn display.
        """
        _, rem_real, rem_gen = _draw_and_rem(
            cls, estimator, X, y, covariates, rem, n_components, random_state
        )
        return cls.from_predictions(rem_real, rem_gen, ax=ax, bins=bins)


class UMAPDisplay:
    """Real and generated samples in two dimensions (the paper's figure B).

    Real samples are coloured by their REM; generated samples are drawn as black
    crosses on top, so regions of the real data without crosses are blind spots.

    Parameters
    ----------
    embedding_real : array-like of shape (n_real, 2)
        Coordinates of the real samples.
    embedding_generated : array-like of shape (n_generated, 2)
        Coordinates of the generated samples.
    rem_real : array-like of shape (n_real,), default=None
        REM of the real samples, used as colour; one colour when None.
    method : str, default="UMAP"
        Name of the embedding, used in the axis labels.

    Attributes
    ----------
    figure_ : matplotlib Figure
        Figure holding the plot.
    ax_ : matplotlib Axes
        Axes of the plot.
    colorbar_ : matplotlib Colorbar or None
        The REM colour bar.

    See Also
    --------
    REMDistributionDisplay : REM histograms of real and generated samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn_remgan.diagnostics import UMAPDisplay
    >>> rng = np.random.RandomState(0)
    >>> real, generated = rng.normal(size=(60, 5)), rng.normal(size=(40, 5))
    >>> disp = UMAPDisplay.from_predictions(
    ...     real, generated, rem_real=rng.gamma(2, size=60), reducer=PCA(2))
    >>> disp.embedding_real.shape, disp.embedding_generated.shape, disp.method
    ((60, 2), (40, 2), 'PCA')
    """

    def __init__(
        self, *, embedding_real, embedding_generated, rem_real=None, method="UMAP"
    ):
        self.embedding_real = embedding_real
        self.embedding_generated = embedding_generated
        self.rem_real = rem_real
        self.method = method

    def plot(self, ax=None, *, cmap="viridis"):
        """Draw the scatter plot.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made when None.
        cmap : str, default="viridis"
            Colour map of the real samples' REM.

        Returns
        -------
        display : UMAPDisplay
            The object, with ``figure_``, ``ax_`` and ``colorbar_`` set.
        """
        name = type(self).__name__
        real = np.asarray(self.embedding_real, dtype=np.float64)
        gen = np.asarray(self.embedding_generated, dtype=np.float64)
        for arr, label in ((real, "embedding_real"), (gen, "embedding_generated")):
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError(
                    f"{name}: {label} must have shape (n_samples, 2); got {arr.shape}."
                )
        fig, ax = _new_axes(ax, f"{name}.plot", (6.4, 5.0))
        self.colorbar_ = None
        if self.rem_real is None:
            ax.scatter(real[:, 0], real[:, 1], s=10, c=_REAL_COLOR, label="real")
        else:
            rem = _as_rem(self.rem_real, "rem_real", name)
            if rem.shape[0] != real.shape[0]:
                raise ValueError(
                    f"{name}: rem_real has {rem.shape[0]} values but embedding_real "
                    f"has {real.shape[0]} rows."
                )
            points = ax.scatter(
                real[:, 0], real[:, 1], s=10, c=rem, cmap=cmap, label="real (REM)"
            )
            self.colorbar_ = fig.colorbar(points, ax=ax)
            self.colorbar_.set_label("REM of real sample")
        ax.scatter(
            gen[:, 0],
            gen[:, 1],
            s=14,
            marker="x",
            c="black",
            linewidths=0.8,
            alpha=0.6,
            label="generated",
        )
        ax.set_xlabel(f"{self.method} 1")
        ax.set_ylabel(f"{self.method} 2")
        ax.set_title(f"{self.method} of real and generated samples")
        ax.legend(loc="best", fontsize="small", markerscale=1.5)
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_predictions(
        cls,
        X_real,
        X_generated,
        *,
        rem_real=None,
        reducer=None,
        random_state=None,
        ax=None,
    ):
        """Embed real and generated samples together in 2D, then plot.

        Parameters
        ----------
        X_real : array-like of shape (n_real, n_features)
            Real samples.
        X_generated : array-like of shape (n_generated, n_features)
            Generated samples.
        rem_real : array-like of shape (n_real,), default=None
            REM of the real samples (colour).
        reducer : estimator with ``fit_transform``, default=None
            Two-dimensional embedding fitted on both sets stacked; when None,
            ``umap.UMAP(n_components=2, random_state=random_state)``. The
            thread counts of torch and of the native thread pools (OpenMP,
            BLAS) are restored after the fit: UMAP raises OpenMP's for the
            whole process.
        random_state : int, RandomState instance or None, default=None
            Seed of the default UMAP reducer.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : UMAPDisplay
            The drawn display.
        """
        X_real = check_finite_2d(X_real, name="X_real")
        X_generated = check_finite_2d(X_generated, name="X_generated")
        check_same_width(X_real, X_generated)
        if reducer is None:
            n_total = X_real.shape[0] + X_generated.shape[0]
            if n_total < 4:
                # UMAP's spectral start needs more rows than its 2 dimensions + 1.
                raise ValueError(
                    f"UMAPDisplay: the default UMAP reducer needs at least 4 rows in "
                    f"X_real and X_generated together; got {n_total}. Pass another "
                    "reducer (e.g. sklearn.decomposition.PCA(2)) for fewer rows."
                )
            umap = import_optional("umap", "UMAPDisplay")
            n_neighbors = int(min(15, n_total - 1))
            reducer = umap.UMAP(
                n_components=2,
                n_neighbors=n_neighbors,
                random_state=random_state,
                # A seed makes UMAP single-threaded anyway; saying so avoids a warning.
                n_jobs=1,
            )
            method = "UMAP"
        else:
            if not hasattr(reducer, "fit_transform"):
                raise TypeError(
                    "UMAPDisplay: reducer must have a fit_transform method (e.g. "
                    f"umap.UMAP or sklearn PCA); got {type(reducer).__name__}."
                )
            method = type(reducer).__name__
        with _threads_restored():
            emb = np.asarray(reducer.fit_transform(np.vstack([X_real, X_generated])))
        if emb.ndim != 2 or emb.shape != (X_real.shape[0] + X_generated.shape[0], 2):
            raise ValueError(
                f"UMAPDisplay: {method}.fit_transform must return one 2D point per "
                f"row; got shape {emb.shape}."
            )
        n = X_real.shape[0]
        disp = cls(
            embedding_real=emb[:n],
            embedding_generated=emb[n:],
            rem_real=rem_real,
            method=method,
        )
        return disp.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        covariates=None,
        rem=None,
        n_components=None,
        reducer=None,
        random_state=0,
        ax=None,
    ):
        """Draw generated samples for ``y`` from a fitted sampler, embed and plot.

        Parameters
        ----------
        estimator : fitted sampler or Pipeline
            A sampler with a ``sample`` method, or a pipeline containing one.
        X : array-like of shape (n_samples, n_features)
            Real samples.
        y : array-like of shape (n_samples,)
            Their labels; one generated sample is drawn per label.
        covariates : DataFrame, default=None
            Covariates (modes) of the real samples, passed to ``sample``.
        rem : fitted REM, default=None
            REM model for the colour, fitted on other rows than ``X``; None
            cross-fits it on ``X`` (see
            :meth:`REMDistributionDisplay.from_estimator`).
        n_components : int or None, default=None
            Components of the cross-fitted REM.
        reducer : estimator with ``fit_transform``, default=None
            The 2D embedding; UMAP when None.
        random_state : int, RandomState instance or None, default=0
            Seeds the draw, the folds and the default UMAP reducer.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : UMAPDisplay
            The drawn display.
        """
        draw, rem_real, _ = _draw_and_rem(
            cls, estimator, X, y, covariates, rem, n_components, random_state
        )
        return cls.from_predictions(
            draw.X_real,
            draw.X_generated,
            rem_real=rem_real,
            reducer=reducer,
            random_state=random_state,
            ax=ax,
        )


class RecallREMDisplay:
    """REM of the real samples of the worst classes, split by recall (figure C).

    For the ``n_worst`` classes with the lowest recall, real samples that no generated
    k-NN ball reaches (recall 0) are compared with those reached (recall 1). Higher REM
    among the missed ones means the generator fails away from the principal subspace.

    Parameters
    ----------
    rem_real : array-like of shape (n_real,)
        REM of the real samples.
    real_recalled : array-like of bool of shape (n_real,)
        Whether each real sample lies inside some generated k-NN ball.
    y_real : array-like of shape (n_real,)
        Class of each real sample.
    n_worst : int, default=3
        How many classes (lowest recall first) to show.

    Attributes
    ----------
    classes_ : ndarray
        The shown classes, worst first.
    recall_ : pandas Series
        Recall of every class, ascending.
    figure_ : matplotlib Figure
        Figure holding the plot.
    ax_ : matplotlib Axes
        Axes of the plot.

    See Also
    --------
    ZeroRecallDisplay : Share of real samples with recall 0 per class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import RecallREMDisplay
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat(["a", "b", "c", "d"], 25)
    >>> recalled = rng.rand(100) < np.repeat([0.9, 0.2, 0.5, 0.7], 25)
    >>> disp = RecallREMDisplay.from_predictions(
    ...     rng.gamma(2, size=100), recalled, y, n_worst=2)
    >>> disp.classes_.tolist()
    ['b', 'c']
    """

    def __init__(self, *, rem_real, real_recalled, y_real, n_worst=3):
        name = type(self).__name__
        if not isinstance(n_worst, Integral) or n_worst < 1:
            raise ValueError(f"{name}: n_worst must be an int >= 1; got {n_worst!r}.")
        self.rem_real = _as_rem(rem_real, "rem_real", name)
        n = self.rem_real.shape[0]
        self.real_recalled = _as_flags(real_recalled, "real_recalled", name, n=n)
        self.y_real = _as_labels(y_real, "y_real", name, n=n)
        self.n_worst = n_worst
        self.recall_ = (
            pd.Series(self.real_recalled, index=pd.Index(self.y_real, name="class"))
            .groupby(level=0)
            .mean()
            .sort_values(kind="stable")
            .rename("recall")
        )
        self.classes_ = self.recall_.index[:n_worst].to_numpy()

    def plot(self, ax=None):
        """Draw box plots with the samples on top.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made when None.

        Returns
        -------
        display : RecallREMDisplay
            The object, with ``figure_`` and ``ax_`` set.
        """
        fig, ax = _new_axes(
            ax, f"{type(self).__name__}.plot", (max(5.0, 2.2 * len(self.classes_)), 4.2)
        )
        # Seeded jitter so the same data always give the same picture.
        jitter = np.random.RandomState(0)
        ticks, ticklabels = [], []
        handles = {}
        for i, cls in enumerate(self.classes_):
            in_class = self.y_real == cls
            for j, (flag, color, label) in enumerate(
                (
                    (False, _GENERATED_COLOR, "recall 0 (missed)"),
                    (True, _REAL_COLOR, "recall 1 (covered)"),
                )
            ):
                values = self.rem_real[in_class & (self.real_recalled == flag)]
                pos = 3 * i + j
                if values.size:
                    ax.boxplot(
                        values,
                        positions=[pos],
                        widths=0.7,
                        showfliers=False,
                        medianprops={"color": "black"},
                    )
                    handles[label] = ax.scatter(
                        pos + jitter.uniform(-0.2, 0.2, values.size),
                        values,
                        s=9,
                        color=color,
                        alpha=0.7,
                        label=label,
                    )
                ax.text(
                    pos,
                    1.0,
                    f"n={values.size}",
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="bottom",
                    fontsize="x-small",
                )
            ticks.append(3 * i + 0.5)
            ticklabels.append(f"{cls}\nrecall {self.recall_[cls]:.2f}")
        ax.set_xticks(ticks, ticklabels)
        ax.set_xlim(-1, 3 * len(self.classes_) - 1)
        ax.set_ylabel("REM of real sample")
        ax.set_title("REM of the worst-recalled classes, by recall", pad=16)
        if handles:
            # Outside the axes so that no sample is hidden.
            ax.legend(
                handles.values(),
                handles.keys(),
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize="small",
            )
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_predictions(cls, rem_real, real_recalled, y_real, *, n_worst=3, ax=None):
        """Plot from per-sample REM and recall flags.

        Parameters
        ----------
        rem_real : array-like of shape (n_real,)
            REM of the real samples.
        real_recalled : array-like of bool of shape (n_real,)
            Recall flag of each real sample (``precision_recall(...).real_recalled``).
        y_real : array-like of shape (n_real,)
            Class of each real sample.
        n_worst : int, default=3
            How many of the lowest-recall classes to show.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : RecallREMDisplay
            The drawn display.
        """
        disp = cls(
            rem_real=rem_real,
            real_recalled=real_recalled,
            y_real=y_real,
            n_worst=n_worst,
        )
        return disp.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        covariates=None,
        k=3,
        rem=None,
        n_components=None,
        n_worst=3,
        random_state=0,
        ax=None,
    ):
        """Draw generated samples for ``y``, compute recall and REM, and plot.

        Parameters
        ----------
        estimator : fitted sampler or Pipeline
            A sampler with a ``sample`` method, or a pipeline containing one.
        X : array-like of shape (n_samples, n_features)
            Real samples.
        y : array-like of shape (n_samples,)
            Their labels; one generated sample is drawn per label.
        covariates : DataFrame, default=None
            Covariates (modes) of the real samples, passed to ``sample``.
        k : int, default=3
            Neighbours of the k-NN balls.
        rem : fitted REM, default=None
            REM model fitted on other rows than ``X``; None cross-fits it on
            ``X`` (see :meth:`REMDistributionDisplay.from_estimator`).
        n_components : int or None, default=None
            Components of the cross-fitted REM.
        n_worst : int, default=3
            How many of the lowest-recall classes to show.
        random_state : int, RandomState instance or None, default=0
            Seeds the draw and the folds.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : RecallREMDisplay
            The drawn display.
        """
        draw, rem_real, _ = _draw_and_rem(
            cls, estimator, X, y, covariates, rem, n_components, random_state
        )
        # Recall as per_class_report counts it: inside any generated k-NN ball.
        recalled = precision_recall(draw.X_real, draw.X_generated, k=k).real_recalled
        return cls.from_predictions(
            rem_real, recalled, draw.y_real, n_worst=n_worst, ax=ax
        )


# Losses the sampler records per epoch; the first found are drawn in this order.
_CURVE_KEYS = ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein")
# A held-out validation score (early stopping records it), on its own axis.
_VALID_KEY = "valid_score"
_CURVE_LABELS = {"wasserstein": "Wasserstein estimate", _VALID_KEY: "validation score"}


class TrainingCurvesDisplay:
    """Per-epoch training curves: losses, and the validation score when recorded.

    Losses (critic, generator, penalty) share the left axis; a validation score
    recorded as ``valid_score`` (by early stopping on held-out rows) is drawn on
    its own right axis, since its scale has nothing to do with the losses'.

    Parameters
    ----------
    curves : dict of str to array-like
        Curve name to its per-epoch values (epochs where a value was not
        recorded may hold NaN).

    Attributes
    ----------
    figure_ : matplotlib Figure
        Figure holding the plot.
    ax_ : matplotlib Axes
        Axes of the losses.
    ax_valid_ : matplotlib Axes or None
        Right-hand axes of ``valid_score``; None when it is not drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import TrainingCurvesDisplay
    >>> history = [{"epoch": e, "critic_loss": -1.0 / e, "generator_loss": 0.5,
    ...             "valid_score": 0.1 * e} for e in range(1, 6)]
    >>> disp = TrainingCurvesDisplay.from_history(history)
    >>> sorted(disp.curves), disp.ax_valid_.get_ylabel()
    (['critic_loss', 'generator_loss', 'valid_score'], 'validation score')
    """

    def __init__(self, *, curves):
        self.curves = curves

    def plot(self, ax=None):
        """Draw one line per curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made when None.

        Returns
        -------
        display : TrainingCurvesDisplay
            The object, with ``figure_``, ``ax_`` and ``ax_valid_`` set.
        """
        name = type(self).__name__
        if not isinstance(self.curves, dict) or not self.curves:
            raise ValueError(
                f"{name}: curves must be a non-empty dict of name -> per-epoch "
                f"values; got {self.curves!r:.80}."
            )
        curves = {}
        for key, values in self.curves.items():
            try:
                arr = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"{name}: curve {key!r} must hold numbers; got {exc}."
                ) from exc
            if arr.ndim != 1 or arr.size == 0 or np.isinf(arr).any():
                raise ValueError(
                    f"{name}: curve {key!r} must be a non-empty 1D array of finite "
                    "values (NaN marks unrecorded epochs); got shape "
                    f"{arr.shape} with {int(np.isinf(arr).sum())} infinite value(s)."
                )
            curves[key] = arr
        fig, ax = _new_axes(ax, f"{name}.plot", (6.4, 4.0))
        self.ax_valid_ = None
        lines = []
        for key, values in curves.items():
            epochs = np.arange(1, values.size + 1)
            label = _CURVE_LABELS.get(key, key.replace("_", " "))
            if key == _VALID_KEY:
                self.ax_valid_ = ax.twinx()
                lines += self.ax_valid_.plot(
                    epochs, values, label=label, color="black", linestyle="--"
                )
                self.ax_valid_.set_ylabel(label)
            else:
                lines += ax.plot(epochs, values, label=label, linewidth=1.4)
        ax.axhline(0.0, color="grey", linewidth=0.6)
        ax.set_xlabel("epoch")
        ax.set_ylabel("epoch mean")
        ax.set_title("Training curves")
        ax.legend(lines, [line.get_label() for line in lines], fontsize="small")
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_history(cls, history, *, keys=None, ax=None):
        """Plot from a skorch ``History`` (or a list of per-epoch dicts).

        Parameters
        ----------
        history : skorch History or list of dict
            One dict per epoch.
        keys : list of str, default=None
            Curves to draw; when None, those of ``critic_loss``,
            ``generator_loss``, ``gradient_penalty``, ``wasserstein`` and
            ``valid_score`` that were recorded.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : TrainingCurvesDisplay
            The drawn display.
        """
        name = cls.__name__
        if isinstance(history, dict | str | bytes) or not hasattr(history, "__iter__"):
            raise TypeError(
                f"{name}: history must be a skorch History or a list of per-epoch "
                f"dicts; got {type(history).__name__}."
            )
        epochs = list(history)
        if not epochs:
            raise ValueError(f"{name}: history has no epoch; fit first.")
        bad = [i for i, e in enumerate(epochs) if not isinstance(e, dict)]
        if bad:
            raise TypeError(
                f"{name}: history must hold one dict per epoch; entry {bad[0]} is "
                f"{type(epochs[bad[0]]).__name__}."
            )
        known = set().union(*(e.keys() for e in epochs))
        if keys is None:
            keys = [k for k in (*_CURVE_KEYS, _VALID_KEY) if k in known]
            if not keys:
                raise ValueError(
                    f"{name}: history records none of {[*_CURVE_KEYS, _VALID_KEY]}; "
                    f"recorded keys are {sorted(map(str, known))}. Pass keys=."
                )
        else:
            if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
                raise TypeError(f"{name}: keys must be a list of str; got {keys!r}.")
            missing = [k for k in keys if k not in known]
            if missing:
                raise ValueError(
                    f"{name}: keys {missing} were not recorded; recorded "
                    f"keys are {sorted(map(str, known))}."
                )
        curves = {}
        for k in keys:
            try:
                curves[k] = np.array(
                    [float(e.get(k, np.nan)) for e in epochs], dtype=np.float64
                )
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"{name}: history entry {k!r} must hold numbers; got {exc}."
                ) from exc
        return cls(curves=curves).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, *, keys=None, ax=None):
        """Plot the history of a fitted ``WGANGPSampler`` (``estimator.net_.history``).

        Parameters
        ----------
        estimator : fitted sampler or Pipeline
            A fitted sampler with a skorch net in ``net_``, or a pipeline holding one.
        keys : list of str, default=None
            Losses to draw (see :meth:`from_history`).
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : TrainingCurvesDisplay
            The drawn display.
        """
        sampler, _ = find_sampler(estimator, caller=f"{cls.__name__}.from_estimator")
        net = getattr(sampler, "net_", None)
        if net is None:
            raise ValueError(
                f"{cls.__name__}: {type(sampler).__name__} has no fitted net_; call "
                "fit or fit_resample first."
            )
        return cls.from_history(net.history, keys=keys, ax=ax)


class ZeroRecallDisplay:
    """Share of real samples with recall 0, per class (optionally per covariate).

    Parameters
    ----------
    zero_recall : DataFrame
        Index: classes; one column per covariate value (or a single column), values
        in [0, 1]. Rows are drawn in the given order.

    Attributes
    ----------
    figure_ : matplotlib Figure
        Figure holding the plot.
    ax_ : matplotlib Axes
        Axes of the plot.

    See Also
    --------
    RecallREMDisplay : REM of missed and covered samples of the worst classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.diagnostics import ZeroRecallDisplay
    >>> y = np.array(["a"] * 4 + ["b"] * 4)
    >>> import pandas as pd
    >>> status = pd.Series(["tumor", "normal"] * 4, name="status")
    >>> recalled = np.array([0, 1, 1, 1, 0, 0, 1, 1], dtype=bool)
    >>> disp = ZeroRecallDisplay.from_predictions(recalled, y, covariate=status)
    >>> disp.zero_recall
    status  normal  tumor
    class
    b          0.5    0.5
    a          0.0    0.5
    """

    def __init__(self, *, zero_recall):
        self.zero_recall = zero_recall

    def plot(self, ax=None):
        """Draw horizontal bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is made when None.

        Returns
        -------
        display : ZeroRecallDisplay
            The object, with ``figure_`` and ``ax_`` set.
        """
        table = pd.DataFrame(self.zero_recall)
        n_rows, n_cols = table.shape
        name = type(self).__name__
        if n_rows == 0 or n_cols == 0:
            raise ValueError(f"{name}: zero_recall is empty; nothing to plot.")
        values = table.to_numpy(dtype=float)
        if ((values < 0) | (values > 1)).any():
            raise ValueError(
                f"{name}: zero_recall holds shares, which must lie in [0, 1]; got "
                f"values from {np.nanmin(values)} to {np.nanmax(values)}."
            )
        size = (6.4, max(2.5, 0.3 * n_rows * max(1, n_cols) + 1.2))
        fig, ax = _new_axes(ax, f"{type(self).__name__}.plot", size)
        height = 0.8 / max(n_cols, 1)
        pos = np.arange(n_rows)[::-1]
        for j, column in enumerate(table.columns):
            ax.barh(
                pos + (n_cols - 1 - j - (n_cols - 1) / 2) * height,
                table[column].to_numpy(dtype=float),
                height=height,
                label=str(column),
            )
        ax.set_yticks(pos, [str(c) for c in table.index])
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of real samples with recall 0")
        ax.set_title("Blind spots per class")
        if n_cols > 1 or table.columns.name is not None:
            # Outside the axes: bars reach 1.0 and would hide an inner legend.
            ax.legend(
                title=table.columns.name,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize="small",
            )
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_predictions(cls, real_recalled, y_real, *, covariate=None, ax=None):
        """Compute the zero-recall share per class (and covariate value) and plot.

        Parameters
        ----------
        real_recalled : array-like of bool of shape (n_real,)
            Recall flag of each real sample.
        y_real : array-like of shape (n_real,)
            Class of each real sample.
        covariate : array-like or Series of shape (n_real,), default=None
            A covariate (e.g. cancer status) to split each class by; a Series' name
            titles the legend.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : ZeroRecallDisplay
            The drawn display; classes are sorted by overall zero-recall share,
            highest first.
        """
        name = cls.__name__
        recalled = _as_flags(real_recalled, "real_recalled", name)
        y = _as_labels(y_real, "y_real", name, n=recalled.size)
        missed = pd.Series(~recalled, index=pd.Index(y, name="class"), dtype=float)
        order = missed.groupby(level=0).mean()
        order = order.sort_values(ascending=False, kind="stable")
        if covariate is None:
            table = order.to_frame("all")
        else:
            cov_name = getattr(covariate, "name", None) or "covariate"
            cov = _as_labels(covariate, "covariate", name, n=recalled.size)
            frame = pd.DataFrame({"class": y, cov_name: cov, "missed": ~recalled})
            table = frame.pivot_table(
                index="class", columns=cov_name, values="missed", aggfunc="mean"
            ).reindex(order.index)
        return cls(zero_recall=table).plot(ax=ax)
