"""scikit-learn's and imbalanced-learn's estimator checks on fast instances."""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

from sklearn_remgan.over_sampling import DDPMSampler, WGANGPSampler
from sklearn_remgan.over_sampling._base import BaseGenerativeSampler

# Tiny networks, one epoch: the checks test the API contract, not the model.
# Every public estimator has an entry here (a list of parameter sets).
FAST_WGAN = {
    "latent_dim": 4,
    "generator_hidden": (8,),
    "critic_hidden": (8,),
    "max_epochs": 1,
    "batch_size": 32,
    "n_critic": 1,
    "random_state": 0,
}
FAST_DDPM = {
    "hidden_dim": 8,
    "n_blocks": 1,
    "n_timesteps": 20,
    "n_steps": 3,
    "max_epochs": 1,
    "batch_size": 32,
    "random_state": 0,
}
INIT_PARAMS = {
    WGANGPSampler: [
        FAST_WGAN,
        # Early stopping holds out rows and scores them: the contract holds too.
        {**FAST_WGAN, "max_epochs": 2, "early_stopping": True, "max_time": 60},
        {**FAST_WGAN, "pac": 2, "ema_decay": 0.9},
        {**FAST_WGAN, "residual_noise": True, "residual_components": 1},
    ],
    DDPMSampler: [
        FAST_DDPM,
        {**FAST_DDPM, "max_epochs": 2, "early_stopping": True, "max_time": 60},
        {**FAST_DDPM, "sampling": "ddim", "guidance_scale": 2.0},
        {**FAST_DDPM, "residual_noise": "cross-fitted"},
    ],
}

ESTIMATORS = [cls(**p) for cls, params in INIT_PARAMS.items() for p in params]


def expected_failed_checks(estimator):
    """Checks expected to fail, each with the reason."""
    if isinstance(estimator, BaseGenerativeSampler):
        return {
            "check_samplers_pandas_sparse": (
                "The networks need dense input: sparse matrices, including "
                "pandas sparse columns, are refused with a TypeError (the "
                "sampler's sparse tag is False, which this check ignores). "
                "Expression data are dense once standardized."
            ),
        }
    return {}


def _listed(mark):
    """The same parametrize mark with its checks in a list.

    imbalanced-learn's decorator passes a generator, which pytest deprecates.
    """
    names, values = mark.args
    return pytest.mark.parametrize(names, list(values), **mark.kwargs)


@sklearn_parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@_listed(
    imblearn_parametrize_with_checks(
        ESTIMATORS, expected_failed_checks=expected_failed_checks
    )
)
def test_imblearn_compatible_estimator(estimator, check):
    check(estimator)
