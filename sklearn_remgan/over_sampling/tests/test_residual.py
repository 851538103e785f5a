import warnings

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from sklearn_remgan.metrics import REM, precision_recall
from sklearn_remgan.over_sampling import DDPMSampler
from sklearn_remgan.over_sampling._residual import (
    ResidualNoise,
    _projected_variance,
    _residual_variance,
    _variance_before_projection,
)
from sklearn_remgan.over_sampling.tests.conftest import SLICE_DDPM, split_by_patient

#: Three orthonormal axes in 40 features.
BASIS = np.linalg.qr(np.random.default_rng(42).normal(size=(40, 3)))[0].T


def _low_rank_plus_noise(n, rng, noise_sd):
    """Rows on a 3-axis subspace of 40 features plus per-feature noise."""
    basis = BASIS
    signal = (rng.normal(size=(n, 3)) * [6.0, 4.0, 3.0]) @ basis
    return signal + rng.normal(size=(n, 40)) * noise_sd, signal


def test_noise_restores_the_residual_variance_of_real_rows():
    rng = np.random.default_rng(0)
    noise_sd = np.linspace(0.2, 1.0, 40)
    real, _ = _low_rank_plus_noise(2000, rng, noise_sd)
    # A generator that learnt the subspace but not the noise around it.
    _, smooth = _low_rank_plus_noise(2000, rng, noise_sd)
    model = ResidualNoise(3).fit(real, smooth)
    assert model.components_.shape == (3, 40) and model.components_.dtype == np.float32
    np.testing.assert_allclose(
        model.components_ @ model.components_.T, np.eye(3), atol=1e-5
    )
    restored = smooth + model.draw(len(smooth), np.random.default_rng(1))
    rem = REM(3).fit(real)
    real_rem, smooth_rem = rem.score_samples(real), rem.score_samples(smooth)
    restored_rem = rem.score_samples(restored)
    assert smooth_rem.mean() < 0.1 * real_rem.mean()
    assert wasserstein_distance(restored_rem, real_rem) < 0.05 * real_rem.mean()
    # Feature by feature too, not only in the row norms: the noisier features
    # (noise_sd grows along the columns) get the more noise.
    real_var = _residual_variance(real, rem.mean_, rem.components_)
    restored_var = _residual_variance(restored, rem.mean_, rem.components_)
    np.testing.assert_allclose(restored_var.sum(), real_var.sum(), rtol=0.03)
    assert np.corrcoef(restored_var, real_var)[0, 1] > 0.95


def test_no_noise_where_generated_rows_already_vary_enough():
    rng = np.random.default_rng(0)
    real, _ = _low_rank_plus_noise(500, rng, 0.3)
    noisy, _ = _low_rank_plus_noise(500, rng, 0.6)
    model = ResidualNoise(3).fit(real, noisy)
    assert (model.scale_ == 0).all()
    assert (model.draw(10, rng) == 0).all()


def test_features_that_need_no_noise_get_almost_none():
    # Half the features lack variance, the other half lack none.
    odd = np.arange(40) % 2 == 1
    target = np.where(odd, 0.0, np.linspace(0.5, 1.5, 40))
    variance = _variance_before_projection(target, BASIS)
    added = _projected_variance(variance, BASIS)
    assert (variance >= 0).all() and (variance[odd] == 0).all()
    # What the others' noise leaks into them through the projection (3 axes
    # for 40 features: at most 0.11 here) ...
    assert added[odd].max() < 0.15 * target[~odd].mean()
    np.testing.assert_allclose(added[~odd], target[~odd], rtol=0.02)
    # ... and the correction's gain over drawing the target variances as they
    # are (L1 error 0.13 of the total without it).
    error = np.abs(added - target).sum() / target.sum()
    uncorrected = np.abs(_projected_variance(target, BASIS) - target).sum()
    assert error < 0.05 < uncorrected / target.sum()
    # A model whose generated rows already vary more adds nothing anywhere.
    rng = np.random.default_rng(0)
    real, _ = _low_rank_plus_noise(500, rng, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ResidualNoise(3).fit(real, real * 1.5)
    assert (model.scale_ == 0).all() and model.match_error_ == 0


def test_few_features_per_axis_are_reported():
    # 4 axes in 6 features; the generated rows vary more than the real ones on
    # three features and lack all noise on the other three.
    rng = np.random.default_rng(0)
    axes = np.linalg.qr(rng.normal(size=(6, 6)))[0][:4]
    signal = (rng.normal(size=(2000, 4)) * [6.0, 5.0, 4.0, 3.0]) @ axes
    real = signal + rng.normal(size=signal.shape)
    generated = signal + rng.normal(size=signal.shape) * [1.5, 1.5, 1.5, 0, 0, 0]
    with pytest.warns(UserWarning, match=r"With 4 residual components for 6 features"):
        model = ResidualNoise(4).fit(real, generated)
    assert model.match_error_ > 0.05


def test_cross_fitted_residual_is_that_of_new_rows():
    rng = np.random.default_rng(0)
    noise_sd = np.linspace(0.5, 1.5, 40)
    real, _ = _low_rank_plus_noise(60, rng, noise_sd)  # few rows for 40 features
    new, _ = _low_rank_plus_noise(5000, rng, noise_sd)
    _, smooth = _low_rank_plus_noise(60, rng, noise_sd)
    training = ResidualNoise(3).fit(real, smooth)
    honest = ResidualNoise(3, method="cross-fitted").fit(real, smooth)
    P = training.components_.astype(np.float64)
    mean = real.mean(axis=0)
    truth = _residual_variance(new, mean, P).sum()
    assert training.real_residual_variance_.sum() < 0.95 * truth  # in-sample: low
    np.testing.assert_allclose(honest.real_residual_variance_.sum(), truth, rtol=0.08)
    assert honest.scale_.sum() > training.scale_.sum()
    np.testing.assert_array_equal(honest.components_, training.components_)


@pytest.mark.parametrize("n_samples", [1, 7])
def test_draw_shapes_and_reproducibility(n_samples):
    rng = np.random.default_rng(0)
    real, smooth = _low_rank_plus_noise(100, rng, 0.5)
    model = ResidualNoise(2).fit(real, smooth)
    a = model.draw(n_samples, np.random.default_rng(5))
    b = model.draw(n_samples, np.random.default_rng(5))
    assert a.shape == (n_samples, 40) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)


def test_real_data_noise_brings_generated_rem_to_the_held_out_rows(tcga_slice):
    X, y, status = tcga_slice["X"], tcga_slice["y"], tcga_slice["status"]
    train, test = split_by_patient(tcga_slice)
    sampler = DDPMSampler(
        **SLICE_DDPM,
        residual_noise=True,
        residual_components=20,
        random_state=0,
    ).fit(X[train], y[train], covariates=status[train])
    kwargs = {"y": y[test], "covariates": status[test], "random_state": 0}
    with_noise, _ = sampler.sample(len(test), **kwargs)
    del sampler.residual_model_
    without, _ = sampler.sample(len(test), **kwargs)

    rem = REM(20).fit(X[train])
    held_out = rem.score_samples(X[test])
    w1_with = wasserstein_distance(rem.score_samples(with_noise), held_out)
    w1_without = wasserstein_distance(rem.score_samples(without), held_out)
    pr_with = precision_recall(X[test], with_noise, k=5)
    pr_without = precision_recall(X[test], without, k=5)
    # Measured: W1 3.7 -> 1.2, recall 0.54 -> 0.85, precision 0.96 -> 0.77.
    assert w1_with < 0.5 * w1_without
    assert pr_with.recall > pr_without.recall + 0.15
    assert pr_with.precision > 0.7
