"""scikit-learn private helpers, reached through the ``sklearn-compat`` package.

One place for them, so a scikit-learn release that moves a private name
breaks one import here rather than every module.
"""

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn_compat.base import _fit_context
from sklearn_compat.utils.validation import validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_fit_context",
    "validate_data",
    "validate_parameter_constraints",
    "validate_params",
]
