"""The study's own figure: where the never-recalled real rows lie."""

import numpy as np
import pandas as pd

from sklearn_remgan.utils import check_matplotlib_support

__all__ = ["BlindSpotMap"]


class BlindSpotMap:
    """Real rows in 2D, recalled or missed, coloured by label and by each covariate.

    One panel per colouring. Real rows are filled dots in their group's colour
    when recalled and hollow circles when no generated row recalls them;
    generated rows are small grey crosses underneath.

    Parameters
    ----------
    embedding_real : ndarray of shape (n_real, 2)
        Coordinates of the real rows.
    embedding_generated : ndarray of shape (n_generated, 2)
        Coordinates of the generated rows.
    recalled : ndarray of bool of shape (n_real,)
        Whether each real row is recalled.
    colourings : dict
        Panel title -> one value per real row (label, a covariate).
    method : str, default="UMAP"
        Name of the embedding (axis labels).

    Attributes
    ----------
    figure_ : matplotlib Figure
        The drawn figure (after :meth:`plot`).
    axes_ : list of matplotlib Axes
        One per colouring.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_remgan.study._figures import BlindSpotMap
    >>> rng = np.random.RandomState(0)
    >>> fig = BlindSpotMap(rng.normal(size=(20, 2)), rng.normal(size=(10, 2)),
    ...                    np.arange(20) % 3 > 0, {"label": np.arange(20) % 2}).plot()
    >>> len(fig.axes_)
    1
    """

    def __init__(
        self, embedding_real, embedding_generated, recalled, colourings, method="UMAP"
    ):
        self.embedding_real = embedding_real
        self.embedding_generated = embedding_generated
        self.recalled = recalled
        self.colourings = colourings
        self.method = method

    def plot(self):
        """Draw one panel per colouring; return self."""
        plt = check_matplotlib_support("BlindSpotMap.plot")
        real = np.asarray(self.embedding_real, dtype=float)
        gen = np.asarray(self.embedding_generated, dtype=float)
        missed = ~np.asarray(self.recalled, dtype=bool)
        n = len(self.colourings)
        fig, axes = plt.subplots(1, n, figsize=(5.6 * n, 4.8), squeeze=False)
        for ax, (title, values) in zip(axes[0], self.colourings.items()):
            ax.scatter(gen[:, 0], gen[:, 1], s=8, marker="x", c="0.7", linewidths=0.6)
            codes, groups = pd.factorize(pd.Series(np.asarray(values)), sort=True)
            # tab10's colours are the most distinct; tab20 for more groups.
            cmap = plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")
            for j, group in enumerate(groups):
                colour = cmap(j % 20)
                hit, miss = (codes == j) & ~missed, (codes == j) & missed
                ax.scatter(real[hit, 0], real[hit, 1], s=12, color=colour)
                ax.scatter(
                    real[miss, 0],
                    real[miss, 1],
                    s=30,
                    facecolors="none",
                    edgecolors=[colour],
                    linewidths=1.0,
                )
                ax.scatter([], [], s=20, color=colour, label=str(group))
            ax.scatter([], [], s=12, color="0.3", label="recalled (filled)")
            ax.scatter(
                [],
                [],
                s=30,
                facecolors="none",
                edgecolors="0.3",
                label=f"never recalled (hollow, {int(missed.sum())})",
            )
            ax.scatter([], [], s=8, marker="x", c="0.7", label="generated")
            ax.set_title(f"coloured by {title}")
            ax.set_xlabel(f"{self.method} 1")
            ax.set_ylabel(f"{self.method} 2")
            ax.legend(loc="best", fontsize="x-small", markerscale=1.2)
        fig.tight_layout()
        self.figure_, self.axes_ = fig, list(axes[0])
        return self
