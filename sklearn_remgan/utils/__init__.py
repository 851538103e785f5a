"""Validation, optional-dependency and random-state helpers shared by the package."""

from sklearn_remgan.utils._optional import (
    check_matplotlib_support,
    check_pot_support,
    import_optional,
)
from sklearn_remgan.utils._validation import check_finite_2d, check_same_width

__all__ = [
    "check_finite_2d",
    "check_matplotlib_support",
    "check_pot_support",
    "check_same_width",
    "import_optional",
]
