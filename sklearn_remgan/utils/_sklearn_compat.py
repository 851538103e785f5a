"""Private helpers of scikit-learn and imbalanced-learn, imported in one place.

scikit-learn's are reached through the ``sklearn-compat`` package where it
offers them. One place for them, so a release that moves a private name
breaks one import here rather than every module.
"""

from imblearn.utils._docstring import _random_state_docstring
from imblearn.utils._validation import ArraysTransformer
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn_compat.base import _fit_context
from sklearn_compat.utils.validation import validate_data

__all__ = [
    "ArraysTransformer",
    "HasMethods",
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_fit_context",
    "_random_state_docstring",
    "validate_data",
]
