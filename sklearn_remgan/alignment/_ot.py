"""Optimal-Transport alignment of collapsed (low-REM) generated samples."""

import math
import numbers
import warnings
from typing import ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from sklearn_remgan.metrics import REM, choose_n_components
from sklearn_remgan.utils import check_finite_2d, check_pot_support, check_same_width
from sklearn_remgan.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)

# Iteration caps used when ``max_iter=None`` (POT's own defaults).
_DEFAULT_MAX_ITER = {
    "emd": 100_000,
    "minibatch": 100_000,
    "sinkhorn": 1000,
    "sinkhorn_log": 1000,
}


class OTAligner(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Move collapsed generated samples toward a diversified target with OT.

    A post-hoc transformer of generated rows. At ``fit`` it scores every
    generated row with the REM (reconstruction error from the first principal
    components of the real data), selects per class (and per mode when
    covariates are given) the collapsed rows, i.e. the share ``quantile`` of
    the group's rows with the lowest REM, and computes an optimal transport
    plan with POT from them to a target: the real rows of the group
    (``target="real"``) or the group's remaining, higher-REM generated rows
    (``target="generated"``). ``transform`` moves each selected row by
    ``fraction`` of its barycentric displacement (0 leaves it unchanged, 1
    applies the full barycentric map); rows above the REM threshold pass
    through untouched.

    Parameters
    ----------
    fraction : float, default=0.5
        Share of the barycentric displacement applied to the selected rows,
        in [0, 1]. 0 is the identity; 1 puts each selected row on the
        barycentre of the target rows it is coupled with.
    selection : {'rem', 'all'}, default='rem'
        Which generated rows are moved. ``'rem'``: the lowest-REM share
        ``quantile`` of each group (the collapsed rows). ``'all'``: every
        generated row (plain OT alignment of the whole group to the real rows;
        needs ``target='real'``).
    quantile : float, default=0.25
        Share of each group's generated rows, ranked by increasing REM, that is
        selected (at least one row). New rows in ``transform`` are selected
        when their REM is at most the group's fitted threshold
        (``thresholds_``).
    target : {'real', 'generated'}, default='real'
        Where the selected rows are transported. ``'real'`` (default): the real
        rows of the same group. They are the distribution that recall and
        coverage measure, and they exist for every group, whereas the
        high-REM generated rows may themselves be off the real manifold
        (high REM also means noise), so moving toward them can cost
        precision. ``'generated'``: the group's generated rows above the REM
        threshold (the paper's "collapsed toward diversified samples"); no
        real row is approached, which avoids near-copies of training rows at
        ``fraction=1``.
    method : {'auto', 'emd', 'sinkhorn', 'sinkhorn_log', 'minibatch'}, \
            default='auto'
        OT solver, all from POT. ``'emd'``: exact (``ot.emd``, network
        simplex). ``'sinkhorn'`` / ``'sinkhorn_log'``: entropic
        (``ot.sinkhorn``, the log-domain variant is slower but stable for
        small ``reg``). ``'minibatch'``: exact EMD on random disjoint batches
        of at most ``max_exact`` rows per side (bounded memory). ``'auto'``:
        ``'emd'`` when both sides of a group have at most ``max_exact`` rows,
        ``'minibatch'`` above.
    reg : float, default=0.05
        Entropic regularisation of the Sinkhorn solvers, relative to the mean
        of the group's squared-Euclidean cost matrix (the cost is divided by
        its mean, so ``reg`` does not depend on the number of genes).
    max_exact : int, default=2000
        Largest number of rows on either side solved exactly by
        ``method='auto'``, and the batch size of ``'minibatch'``. EMD on
        2000 x 2000 rows takes about a second and 32 MB.
    max_iter : int or None, default=None
        Iteration cap of the solver; None uses POT's defaults (100000 for
        EMD, 1000 for Sinkhorn).
    tol : float, default=1e-9
        Stopping threshold of the Sinkhorn solvers (marginal violation).
    n_components : int, default=50
        Principal components of the real data used by the REM, capped at
        ``min(n_real_samples, n_features) - 1`` so a residual remains. The REM
        is fitted once on all real rows (not per class): one subspace for every
        class, as in the paper, and stable for small classes where a per-class
        PCA would span the class's own rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the random batches of ``method='minibatch'`` (and of ``'auto'``
        above ``max_exact``). EMD and Sinkhorn are deterministic. None uses
        fresh OS entropy; the global numpy random state is never used.

    Attributes
    ----------
    rem_ : REM
        The :class:`sklearn_remgan.metrics.REM` fitted on all real rows.
    groups_ : list of tuple
        The fitted groups: ``(label,)`` or ``(label, *covariate values)``;
        ``(None,)`` when fitted without ``y``.
    thresholds_ : dict
        Group -> REM threshold: rows with REM at most this are moved.
    couplings_ : dict
        Group -> coupling of shape (n_selected, n_target); dense ndarray, or a
        ``scipy.sparse`` CSR matrix for ``'minibatch'``. Row sums are
        ``1 / n_selected``, column sums ``1 / n_target``.
    methods_ : dict
        Group -> the solver actually used.
    n_selected_ : dict
        Group -> number of generated rows selected at fit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn_remgan.over_sampling.WGANGPSampler : Takes an aligner instance as
        its ``aligner`` parameter and applies it to every generated batch.
    sklearn_remgan.metrics.REM : The reconstruction error used for selection.

    Notes
    -----
    The displacement of a selected row ``x_i`` is ``T(x_i) - x_i`` with the
    barycentric map ``T(x_i) = sum_j G_ij z_j / sum_j G_ij`` (``G`` the
    coupling, ``z_j`` the target rows). A row that was not seen at fit takes
    the displacement of its nearest selected fit row of the same group, as
    POT's ``ot.da`` transport classes do for out-of-sample points.

    With covariates at fit but none at ``transform``, each row goes to the
    group of its label that holds its nearest selected fit row (with no
    labels either, to the nearest of all groups).

    **Where to use it.** Like POT's ``BaseTransport.fit(Xs, ys, Xt, yt)``, every
    argument but ``X`` is optional: ``fit(X, y)`` alone aligns ``X`` to itself,
    so the aligner is a plain scikit-learn transformer (it passes the estimator
    checks as is). In a classification pipeline, though, use it through the
    sampler's option, ``WGANGPSampler(aligner=OTAligner(...))``, which fits it
    on the generated rows with the real training rows as ``X_real`` and
    applies it to generated rows only. As a pipeline step of its own it would
    be fitted on the resampled training set (real and generated rows mixed)
    and would also move the rows of every ``predict`` call, which is not what
    alignment means.

    References
    ----------
    .. [1] R. Flamary et al., "POT: Python Optimal Transport", JMLR 22(78),
       2021.
    .. [2] K. Fatras et al., "Learning with minibatch Wasserstein", AISTATS
       2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.alignment import OTAligner
    >>> rng = np.random.default_rng(0)
    >>> X_real = rng.normal(size=(60, 5))
    >>> y_real = np.repeat([0, 1], 30)
    >>> # a collapsed generator: three real rows per class plus small noise
    >>> idx = np.r_[0, 1, 2, 30, 31, 32].repeat(10)
    >>> X_gen = X_real[idx] + 0.01 * rng.normal(size=(60, 5))
    >>> y_gen = y_real[idx]
    >>> aligner = OTAligner(fraction=1.0, quantile=0.5, n_components=2)
    >>> X_new = aligner.fit(X_gen, y_gen, X_real=X_real, y_real=y_real).transform(
    ...     X_gen, y_gen
    ... )
    >>> X_new.shape
    (60, 5)
    >>> int((X_new != X_gen).any(axis=1).sum())  # rows moved: 15 per class
    30
    >>> aligner.methods_[(0,)]
    'emd'
    """

    _parameter_constraints: ClassVar[dict] = {
        "fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "selection": [StrOptions({"rem", "all"})],
        "quantile": [Interval(numbers.Real, 0, 1, closed="right")],
        "target": [StrOptions({"real", "generated"})],
        "method": [
            StrOptions({"auto", "emd", "sinkhorn", "sinkhorn_log", "minibatch"})
        ],
        "reg": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_exact": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        fraction=0.5,
        selection="rem",
        quantile=0.25,
        target="real",
        method="auto",
        reg=0.05,
        max_exact=2000,
        max_iter=None,
        tol=1e-9,
        n_components=50,
        random_state=None,
    ):
        self.fraction = fraction
        self.selection = selection
        self.quantile = quantile
        self.target = target
        self.method = method
        self.reg = reg
        self.max_exact = max_exact
        self.max_iter = max_iter
        self.tol = tol
        self.n_components = n_components
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y=None,
        *,
        X_real=None,
        y_real=None,
        covariates=None,
        covariates_real=None,
    ):
        """Select the collapsed generated rows and fit one OT plan per group.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Generated rows.
        y : array-like of shape (n_samples,), default=None
            Labels of the generated rows; None fits a single group.
        X_real : array-like of shape (n_real_samples, n_features), default=None
            Real (training) rows: they define the REM subspace and, with
            ``target='real'``, the transport target. None aligns ``X`` to
            itself (``X``, ``y`` and ``covariates`` stand for the real rows
            too): the REM subspace is that of ``X``, and its low-REM rows move
            toward all of its rows (or, with ``target='generated'``, toward
            its higher-REM rows). This is the contract a plain ``fit(X, y)``
            gets, e.g. in scikit-learn's estimator checks.
        y_real : array-like of shape (n_real_samples,), default=None
            Labels of the real rows; required when ``y`` is given.
        covariates : array-like of shape (n_samples,) or (n_samples, \
                n_covariates), default=None
            Mode of each generated row (e.g. cancer status); groups become
            (label, covariates).
        covariates_real : array-like, default=None
            Modes of the real rows; required with ``covariates``.

        Returns
        -------
        self : OTAligner
            The fitted aligner.
        """
        ot = check_pot_support("OTAligner")
        X, X_real, keys, keys_real = self._check_fit_inputs(
            X, y, X_real, y_real, covariates, covariates_real
        )

        # None draws fresh entropy rather than sklearn's global RandomState, so
        # the user's np.random stream is never advanced.
        rng = (
            np.random.RandomState()
            if self.random_state is None
            else check_random_state(self.random_state)
        )
        n_comp = choose_n_components(self.n_components, *X_real.shape)
        self.rem_ = REM(n_components=n_comp).fit(X_real)
        rem = np.asarray(self.rem_.score_samples(X), dtype=np.float64)

        groups = _unique_keys(keys)
        missing = sorted(set(groups) - set(keys_real), key=repr)
        if missing:
            raise ValueError(
                f"OTAligner: no real rows for group(s) {_fmt(missing)} of the "
                "generated rows; every generated class (and mode) needs real rows of "
                "the same class to align to."
            )
        keys_arr = _key_index(keys, groups)
        keys_real_arr = _key_index(keys_real, groups)

        self.groups_ = groups
        self.thresholds_, self.couplings_, self.methods_ = {}, {}, {}
        self.n_selected_ = {}
        self._sources, self._displacements = {}, {}
        for g, key in enumerate(groups):
            rows = np.flatnonzero(keys_arr == g)
            sel, threshold = self._select_rows(rows, rem)
            Z = self._target_rows(
                X, X_real[keys_real_arr == g], rows, rem, threshold, key
            )
            S = X[sel].astype(np.float64)
            Z = Z.astype(np.float64)
            method, n_iter = self._resolve_method(S, Z)
            # The solvers are called here (not in a helper) so that their
            # warnings' stacklevel keeps pointing at the same frame.
            if method == "minibatch":
                G = self._solve_minibatch(ot, S, Z, key, n_iter, rng)
            else:
                G = self._solve(ot, S, Z, key, method, n_iter)
            self.thresholds_[key] = float(threshold)
            self.couplings_[key] = G
            self.methods_[key] = method
            self.n_selected_[key] = int(sel.size)
            self._sources[key] = S
            self._displacements[key] = _barycentre(G, S, Z) - S
        self.classes_ = (
            np.asarray(_unique_keys([k[0] for k in groups]), dtype=object)
            if y is not None
            else None
        )
        self._with_y = y is not None
        self._with_covariates = covariates is not None
        return self

    def _check_fit_inputs(self, X, y, X_real, y_real, covariates, covariates_real):
        """Validate the arrays of ``fit``; return them with one group key per row.

        Without ``X_real``, ``X``, ``y`` and ``covariates`` stand for the real
        rows too. Returns ``X, X_real, keys, keys_real``.
        """
        if X_real is None:
            if y_real is not None or covariates_real is not None:
                raise ValueError(
                    "y_real or covariates_real was given without X_real; pass "
                    "X_real too, or none of them to align X to itself."
                )
            X_real, y_real, covariates_real = X, y, covariates

        X = validate_data(
            self,
            X,
            reset=True,
            dtype=[np.float64, np.float32],
            ensure_all_finite=False,
        )
        X = check_finite_2d(X, name="X")
        X_real = check_finite_2d(X_real, name="X_real")
        check_same_width(X_real, X, names=("X_real", "X (generated)"))
        if X_real.shape[0] < 2:
            raise ValueError(
                f"X_real has {X_real.shape[0]} sample; OTAligner needs at least 2 "
                "real samples to fit the REM subspace."
            )
        if X.shape[1] < 2:
            raise ValueError(
                f"OTAligner needs at least 2 features for a REM residual; got "
                f"X with {X.shape[1]} feature(s)."
            )
        if y is None and y_real is not None:
            raise ValueError(
                "y_real was given but y is None: pass the labels of the generated "
                "rows too, or drop y_real to align all rows as one group."
            )
        if y is not None and y_real is None:
            raise ValueError(
                "y is given but y_real is None: OTAligner aligns each class to the "
                "real rows of the same class, so it needs y_real."
            )
        if (covariates is None) != (covariates_real is None):
            raise ValueError(
                "covariates and covariates_real must be given together (modes of the "
                "generated and of the real rows); got only "
                f"{'covariates' if covariates is not None else 'covariates_real'}."
            )
        keys = _group_keys(y, covariates, X.shape[0], "y", "covariates")
        keys_real = _group_keys(
            y_real, covariates_real, X_real.shape[0], "y_real", "covariates_real"
        )
        if y is None:
            keys_real = [(None,)] * X_real.shape[0]
        if self.selection == "all" and self.target == "generated":
            raise ValueError(
                "selection='all' moves every generated row, so target='generated' "
                "has nothing left to transport them to; use target='real' or "
                "selection='rem'."
            )
        return X, X_real, keys, keys_real

    def _select_rows(self, rows, rem):
        """The group's selected (lowest-REM) rows and its REM threshold."""
        order = rows[np.argsort(rem[rows], kind="stable")]
        if self.selection == "all":
            n_sel = rows.size
        else:
            n_sel = min(rows.size, max(1, math.ceil(self.quantile * rows.size)))
        sel = order[:n_sel]
        threshold = np.inf if self.selection == "all" else rem[sel[-1]]
        return sel, threshold

    def _target_rows(self, X, X_real_group, rows, rem, threshold, key):
        """Transport target of a group: its real rows or its higher-REM rows."""
        if self.target == "real":
            return X_real_group
        Z = X[rows[rem[rows] > threshold]]
        if Z.shape[0] == 0:
            raise ValueError(
                f"OTAligner: group {_fmt([key])} has {rows.size} generated "
                f"row(s) and quantile={self.quantile} selects all of them, "
                "so target='generated' has no higher-REM rows to transport "
                "to; lower quantile or use target='real'."
            )
        return Z

    def _resolve_method(self, S, Z):
        """The solver for a group (``'auto'`` resolved) and its iteration cap."""
        method = self.method
        if method == "auto":
            big = max(S.shape[0], Z.shape[0]) > self.max_exact
            method = "minibatch" if big else "emd"
        n_iter = (
            self.max_iter if self.max_iter is not None else _DEFAULT_MAX_ITER[method]
        )
        return method, n_iter

    def _solve(self, ot, S, Z, key, method, n_iter):
        """Dense coupling from ``ot.emd`` or ``ot.sinkhorn``, with our warnings."""
        a = np.full(S.shape[0], 1.0 / S.shape[0])
        b = np.full(Z.shape[0], 1.0 / Z.shape[0])
        # Squared distances of rows far from 1 in magnitude over- or underflow;
        # the plan does not change when both sides are scaled by one factor
        # (a power of two: exact).
        top = max(np.abs(S).max(initial=0.0), np.abs(Z).max(initial=0.0))
        shift = -int(np.frexp(top)[1]) if top > 0 else 0
        M = ot.dist(np.ldexp(S, shift), np.ldexp(Z, shift))
        if method == "emd":
            # POT warns with its own UserWarning; we re-issue it as ours.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                G, log = ot.emd(a, b, M, numItermax=n_iter, log=True)
            if log["result_code"] != 1:
                warnings.warn(
                    f"OTAligner: the exact OT solver (EMD) did not reach optimality "
                    f"for group {_fmt([key])} within max_iter={n_iter} iterations "
                    f"(POT: {log['warning']}); rows the partial plan leaves "
                    "unassigned are not moved. Increase max_iter, or use "
                    "method='sinkhorn'.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
            return G
        scale = M.mean()
        M = M / scale if scale > 0 else M
        inner = "sinkhorn_log" if method == "sinkhorn_log" else "sinkhorn"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with np.errstate(all="ignore"):
                G, log = ot.sinkhorn(
                    a,
                    b,
                    M,
                    self.reg,
                    method=inner,
                    numItermax=n_iter,
                    stopThr=self.tol,
                    log=True,
                    warn=False,
                )
        # Relative marginal errors: far off means the plan is not a transport plan.
        row_err = np.max(np.abs(G.sum(axis=1) * S.shape[0] - 1))
        col_err = np.max(np.abs(G.sum(axis=0) * Z.shape[0] - 1))
        if not (np.all(np.isfinite(G)) and row_err < 0.5 and col_err < 0.5):
            raise ValueError(
                f"OTAligner: Sinkhorn (method={method!r}) underflowed for group "
                f"{_fmt([key])} with reg={self.reg} (relative marginal error "
                f"{max(row_err, col_err):.2g}); increase reg, or use "
                "method='sinkhorn_log' or method='emd'."
            )
        err = log.get("err", [])
        if len(err) == 0 or not err[-1] < self.tol:
            warnings.warn(
                f"OTAligner: Sinkhorn did not converge for group {_fmt([key])} within "
                f"max_iter={n_iter} iterations (relative marginal error "
                f"{max(row_err, col_err):.2g}, tol={self.tol}). Increase max_iter, "
                f"increase reg (now {self.reg}), or raise tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return G

    def _solve_minibatch(self, ot, S, Z, key, n_iter, rng):
        """Block-diagonal coupling: exact EMD on random disjoint batch pairs."""
        ns, nt = S.shape[0], Z.shape[0]
        n_batches = math.ceil(max(ns, nt) / self.max_exact)
        n_batches = min(n_batches, ns, nt)
        src = np.array_split(rng.permutation(ns), n_batches)
        tgt = np.array_split(rng.permutation(nt), n_batches)
        rows, cols, vals = [], [], []
        for i, j in zip(src, tgt):
            # Each batch keeps its source mass len(i)/ns, so row sums stay 1/ns.
            G = self._solve(ot, S[i], Z[j], key, "emd", n_iter) * (len(i) / ns)
            r, c = np.nonzero(G)
            rows.append(i[r])
            cols.append(j[c])
            vals.append(G[r, c])
        return sparse.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(ns, nt),
        )

    def transform(self, X, y=None, *, covariates=None):
        """Move the collapsed rows of ``X`` by ``fraction`` of their displacement.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Generated rows (the fitted ones, or new rows of the same generator).
        y : array-like of shape (n_samples,), default=None
            Labels of the rows. When the aligner was fitted with ``y`` and none
            are given here, each row joins the fitted group that holds its
            nearest selected fit row (as for missing covariates).
        covariates : array-like, default=None
            Modes of the rows. When the aligner was fitted with covariates and
            none are given here, each row joins the group of its label holding
            its nearest selected fit row.

        Returns
        -------
        X_aligned : ndarray of shape (n_samples, n_features)
            Rows with REM at most their group's threshold moved, the others
            unchanged; same dtype as ``X``.
        """
        check_is_fitted(self, "couplings_")
        X = validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite=False,
        )
        X = check_finite_2d(X, name="X")
        if self._with_y and y is None and covariates is not None:
            raise ValueError(
                "OTAligner was fitted per class; covariates need the labels y of "
                "the rows too: transform(X, y, covariates=...)."
            )
        if not self._with_y and y is not None:
            raise ValueError(
                "OTAligner was fitted without y (one group); call transform(X) "
                "without y, or refit with labels."
            )
        if covariates is not None and not self._with_covariates:
            raise ValueError(
                "covariates were given to transform but OTAligner was fitted without "
                "covariates; refit with covariates and covariates_real."
            )
        X_out = X.copy()
        if self.fraction == 0 or X.shape[0] == 0:
            return X_out
        rem = np.asarray(self.rem_.score_samples(X), dtype=np.float64)
        if self._with_y and y is not None:
            y = np.asarray(y)
            if y.shape != (X.shape[0],):
                raise ValueError(
                    f"y must have shape ({X.shape[0]},) to match X; got {y.shape}."
                )
            unknown = sorted(set(y.tolist()) - set(self.classes_.tolist()), key=repr)
            if unknown:
                raise ValueError(
                    f"OTAligner: label(s) {unknown[:5]} were not seen at fit (fitted "
                    f"classes: {self.classes_.tolist()}); fit the aligner on "
                    "generated rows of every class it must transform."
                )
        if self._with_covariates and covariates is not None:
            keys = _group_keys(y, covariates, X.shape[0], "y", "covariates")
            unknown = sorted(set(keys) - set(self.groups_), key=repr)
            if unknown:
                raise ValueError(
                    f"OTAligner: group(s) {_fmt(unknown)} were not seen at fit; "
                    f"fitted groups: {_fmt(self.groups_)}."
                )
            keys = np.asarray(_key_index(keys, self.groups_))
            candidates = None
        else:
            keys = None
            if y is None:
                # No labels: every row may join any fitted group (its nearest).
                labels = np.full(X.shape[0], None, dtype=object)
                candidates = {None: list(self.groups_)}
            else:
                labels = y
                candidates = {
                    c: [k for k in self.groups_ if k[0] == c]
                    for c in _unique_keys(labels.tolist())
                }

        group_of = np.empty(X.shape[0], dtype=np.intp)
        nn_of = np.empty(X.shape[0], dtype=np.intp)
        if keys is not None:
            for g, key in enumerate(self.groups_):
                rows = np.flatnonzero(keys == g)
                if rows.size:
                    group_of[rows] = g
                    nn_of[rows] = self._nearest(key, X[rows])[1]
        else:
            for c, cand in candidates.items():
                rows = (
                    np.flatnonzero(labels == c)
                    if c is not None
                    else np.arange(X.shape[0])
                )
                best = np.full(rows.size, np.inf)
                for key in cand:
                    dist, idx = self._nearest(key, X[rows])
                    better = dist < best
                    best[better] = dist[better]
                    group_of[rows[better]] = self.groups_.index(key)
                    nn_of[rows[better]] = idx[better]
        for g, key in enumerate(self.groups_):
            rows = np.flatnonzero((group_of == g) & (rem <= self.thresholds_[key]))
            if rows.size:
                shift = self.fraction * self._displacements[key][nn_of[rows]]
                X_out[rows] = (X[rows] + shift).astype(X.dtype, copy=False)
        return X_out

    def _nearest(self, key, X):
        """Distance to, and index of, the nearest selected fit row of a group."""
        S, X = self._sources[key], X.astype(np.float64, copy=False)
        # One power-of-two scale for both (exact), so that squared distances
        # neither overflow nor underflow; distances are scaled back.
        top = max(np.abs(S).max(initial=0.0), np.abs(X).max(initial=0.0))
        shift = -int(np.frexp(top)[1]) if top > 0 else 0
        nn = NearestNeighbors(n_neighbors=1).fit(np.ldexp(S, shift))
        dist, idx = nn.kneighbors(np.ldexp(X, shift))
        with np.errstate(over="ignore"):
            return np.ldexp(dist[:, 0], -shift), idx[:, 0]

    def fit_transform(self, X, y=None, **fit_params):
        """Fit on the generated rows and return them aligned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Generated rows.
        y : array-like of shape (n_samples,), default=None
            Their labels (passed to both ``fit`` and ``transform``).
        **fit_params : dict
            ``X_real`` (required), ``y_real``, ``covariates``,
            ``covariates_real``, as for :meth:`fit`.

        Returns
        -------
        X_aligned : ndarray of shape (n_samples, n_features)
            The aligned rows.
        """
        self.fit(X, y, **fit_params)
        return self.transform(X, y, covariates=fit_params.get("covariates"))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.required = False
        return tags


def _group_keys(y, covariates, n, y_name, cov_name):
    """One hashable key per row: (label,) or (label, *covariate values)."""
    if y is None:
        labels = [None] * n
    else:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(
                f"{y_name} must be 1D with one label per row ({n}); got shape "
                f"{y.shape}."
            )
        labels = y.tolist()
    if covariates is None:
        return [(lab,) for lab in labels]
    cov = np.asarray(covariates, dtype=object)
    if cov.ndim == 1:
        cov = cov[:, None]
    if cov.ndim != 2 or cov.shape[0] != n:
        raise ValueError(
            f"{cov_name} must have one row per sample ({n}); got shape "
            f"{np.shape(covariates)}."
        )
    return [(lab, *row) for lab, row in zip(labels, cov.tolist())]


def _unique_keys(keys):
    """Unique keys in first-seen order, sorted when they are comparable."""
    uniq = list(dict.fromkeys(keys))
    try:
        return sorted(uniq)
    except TypeError:
        return uniq


def _key_index(keys, groups):
    """Index of each row's group in ``groups`` (-1 when absent)."""
    pos = {k: i for i, k in enumerate(groups)}
    return np.array([pos.get(k, -1) for k in keys], dtype=np.intp)


def _fmt(keys):
    """Group keys for messages: a bare label when there are no covariates."""
    return ", ".join(repr(k[0]) if len(k) == 1 else repr(k) for k in keys)


def _barycentre(G, S, Z):
    """Barycentric image ``sum_j G_ij z_j / sum_j G_ij`` of each source row."""
    mass = np.asarray(G.sum(axis=1)).ravel()
    # A partial (non-converged) EMD plan may leave rows without mass:
    # those rows keep a zero displacement instead of a NaN one.
    safe = np.where(mass > 0, mass, 1.0)[:, None]
    return np.where(mass[:, None] > 0, np.asarray(G @ Z) / safe, S)
