"""Validation, optional-dependency and drawing helpers shared by the package."""

from sklearn_remgan.utils._draw import draw_like, find_sampler
from sklearn_remgan.utils._optional import (
    check_matplotlib_support,
    check_pot_support,
    import_optional,
)
from sklearn_remgan.utils._validation import (
    check_finite_2d,
    check_labels,
    check_same_width,
)

__all__ = [
    "check_finite_2d",
    "check_labels",
    "check_matplotlib_support",
    "check_pot_support",
    "check_same_width",
    "draw_like",
    "find_sampler",
    "import_optional",
]
