"""Training-progress callback of the WGAN-GP net."""

from skorch.callbacks import Callback
from tqdm.auto import tqdm


class EpochProgressBar(Callback):
    """One progress bar over all epochs, showing the last epoch's losses.

    skorch's :class:`~skorch.callbacks.ProgressBar` draws one bar per epoch,
    which for hundreds of short GAN epochs is a wall of bars; this callback
    draws a single bar whose postfix holds the epoch averages.

    Parameters
    ----------
    keys : sequence of str
        Keys of the epoch history shown in the bar's postfix, when present.
    """

    def __init__(self, keys):
        self.keys = keys

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
            desc="WGAN-GP",
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
        last = net.history[-1]
        self.bar_.set_postfix(
            {key: f"{last[key]:.3g}" for key in self.keys if key in last},
            refresh=False,
        )
        self.bar_.update(1)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Close the bar (a tqdm object does not pickle).

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
