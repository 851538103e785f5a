"""skorch callbacks of the generative samplers: progress, validation, time limit."""

import contextlib
import copy
import time

import numpy as np
import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from sklearn_remgan.metrics._precision_recall import precision_recall
from sklearn_remgan.utils._random import torch_seeded


class EpochProgressBar(Callback):
    """One progress bar over all epochs, showing the last epoch's losses.

    skorch's :class:`~skorch.callbacks.ProgressBar` draws one bar per epoch,
    which for hundreds of short epochs is a wall of bars; this callback draws
    a single bar whose postfix holds the epoch averages.

    Parameters
    ----------
    keys : sequence of str
        Keys of the epoch history shown in the bar's postfix, when present.
    desc : str, default="WGAN-GP"
        Text before the bar.
    """

    def __init__(self, keys, desc="WGAN-GP"):
        self.keys = keys
        self.desc = desc

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Open the bar, counting epochs already in the history (resume).

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X, y : array-like, default=None
            Training data (unused).
        **kwargs : dict
            Unused.
        """
        self.bar_ = tqdm(
            total=net.max_epochs,
            initial=len(net.history),
            unit="epoch",
            desc=self.desc,
            dynamic_ncols=True,
        )

    def on_epoch_end(self, net, **kwargs):
        """Advance the bar and show the epoch's averaged losses.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Unused.
        """
        # Callbacks that record after this one (the validation score) show
        # up at the next epoch, from the previous row.
        shown = {}
        for row in net.history[-2:]:
            shown.update({key: f"{row[key]:.3g}" for key in self.keys if key in row})
        self.bar_.set_postfix(shown, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Close the bar.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X, y : array-like, default=None
            Training data (unused).
        **kwargs : dict
            Unused.
        """
        self.bar_.close()
        del self.bar_

    def __getstate__(self):
        # A tqdm bar does not pickle; one is left behind by a failed fit.
        state = self.__dict__.copy()
        state.pop("bar_", None)
        return state


class ValidationScore(Callback):
    """Score generated rows against held-out real rows; keep the best weights.

    Every ``interval`` epochs (and at the last one), as many rows as there
    are validation rows are generated under the validation rows' conditions,
    always from the same noise seed so that successive scores differ by the
    weights only, and scored with :func:`~sklearn_remgan.metrics.precision_recall`:
    the score is the F1 of precision and recall, recorded in the history as
    ``valid_score``. The weights of ``module_`` at the best score are kept and
    restored at the end of training (with ``early_stopping``), and training
    stops once ``n_iter_no_change`` scores in a row failed to beat the best
    by more than ``tol``.

    The validation rows are passed with :meth:`set_data` (not as parameters)
    and dropped at the end of training, so a fitted net does not carry them.

    Parameters
    ----------
    interval : int
        Epochs between two scores.
    seed : int
        Seed of the noise of the generated validation rows.
    k : int
        Neighbour rank of the k-NN balls.
    early_stopping : bool, default=True
        Stop and restore the best weights; False only records the scores.
    n_iter_no_change : int, default=5
        Scores in a row without an improvement of more than ``tol`` that
        stop training.
    tol : float, default=1e-3
        Least improvement of the score that resets the count.

    Attributes
    ----------
    best_score_ : float
        Best validation score so far.
    best_epoch_ : int or None
        Epoch (1-based, as in the history) of the best score.
    """

    def __init__(
        self, interval, seed, k, early_stopping=True, n_iter_no_change=5, tol=1e-3
    ):
        self.interval = interval
        self.seed = seed
        self.k = k
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    def set_data(self, X, conditions):
        """Give the validation rows and their condition vectors.

        Parameters
        ----------
        X : ndarray of shape (n_valid, n_features)
            Held-out real rows.
        conditions : ndarray of shape (n_valid, n_conditions)
            Their condition vectors (float32).

        Returns
        -------
        self : ValidationScore
            The callback.
        """
        self._X = np.asarray(X)
        self._conditions = torch.as_tensor(conditions)
        return self

    def initialize(self):
        """Reset the best score and the count of scores without improvement.

        Returns
        -------
        self : ValidationScore
            The callback.
        """
        self.best_score_ = -np.inf
        self.best_epoch_ = None
        self._best_state = None
        self._no_change = 0
        return self

    def _score(self, module, net):
        device = next(module.parameters()).device
        was_training = module.training
        module.eval()
        try:
            with torch_seeded(self.seed, device), torch.no_grad():
                rows = net.generate(self._conditions.to(device))
        finally:
            module.train(was_training)
        rows = rows.float().cpu().numpy()
        if not np.isfinite(rows).all():
            return 0.0
        return float(precision_recall(self._X, rows, k=self.k).f1)

    def on_epoch_end(self, net, **kwargs):
        """Score every ``interval`` epochs; stop when the score stalls.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Unused.
        """
        epoch = len(net.history)
        if epoch % self.interval and epoch < net.max_epochs:
            return
        # A net that generates from other weights than it trains (a moving
        # average) shows them in module_ within generating_weights().
        generating = getattr(net, "generating_weights", None)
        context = generating() if generating else contextlib.nullcontext(net.module_)
        with context as module:
            score = self._score(module, net)
            if score > self.best_score_:
                self._best_state = copy.deepcopy(
                    {k: v.detach().cpu() for k, v in module.state_dict().items()}
                )
        net.history.record("valid_score", score)
        # As scikit-learn's MLP: any better score is kept, only a gain of
        # more than tol resets the count.
        if score <= self.best_score_ + self.tol:
            self._no_change += 1
        else:
            self._no_change = 0
        if score > self.best_score_:
            self.best_score_, self.best_epoch_ = score, epoch
        if self.early_stopping and self._no_change >= self.n_iter_no_change:
            raise KeyboardInterrupt  # skorch's way to end training early

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Restore the best weights (with ``early_stopping``); drop the data.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X, y : array-like, default=None
            Training data (unused).
        **kwargs : dict
            Unused.
        """
        if self.early_stopping and self._best_state is not None:
            net.module_.load_state_dict(self._best_state)
        self._best_state = self._X = self._conditions = None


class TimeLimit(Callback):
    """End training after the epoch during which ``max_time`` seconds elapsed.

    Parameters
    ----------
    max_time : float
        Wall-clock budget in seconds, counted from the start of training.

    Attributes
    ----------
    stopped_ : bool
        Whether the budget ended the last training.
    """

    def __init__(self, max_time):
        self.max_time = max_time

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Start the clock.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X, y : array-like, default=None
            Training data (unused).
        **kwargs : dict
            Unused.
        """
        self._start = time.perf_counter()
        self.stopped_ = False

    def on_epoch_end(self, net, **kwargs):
        """Stop when the budget is spent.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Unused.
        """
        if time.perf_counter() - self._start >= self.max_time:
            self.stopped_ = True
            raise KeyboardInterrupt  # skorch's way to end training early
