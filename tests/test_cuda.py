"""The CUDA path: training, sampling and the k-NN metrics on a GPU.

These tests need a CUDA device; CI has none, so there they are skipped with that
reason. ``benchmarks/gpu_check.py`` runs them (``pytest -m cuda``) on a GPU.
"""

import pickle

import numpy as np
import pytest
import torch

from sklearn_remgan.datasets import make_expression
from sklearn_remgan.metrics import precision_recall
from sklearn_remgan.over_sampling import WGANGPSampler
from sklearn_remgan.over_sampling._ddpm import DDPMSampler

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(
        not torch.cuda.is_available(), reason="needs a CUDA device (none here)"
    ),
]

SAMPLERS = {
    WGANGPSampler: {
        "max_epochs": 3,
        "generator_hidden": (32, 32),
        "critic_hidden": (32, 32),
        "latent_dim": 8,
        "batch_size": 32,
    },
    DDPMSampler: {
        "max_epochs": 3,
        "hidden_dim": 32,
        "n_blocks": 1,
        "n_timesteps": 50,
        "n_steps": 5,
        "batch_size": 32,
    },
}


@pytest.fixture(scope="module")
def data():
    X, y, cov = make_expression(
        n_samples=240, n_genes=60, return_covariates=True, random_state=0
    )
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return X, y, cov["status"].to_numpy()


@pytest.mark.parametrize("cls", list(SAMPLERS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("precision", ["float32", "auto"])
def test_fit_resample_on_cuda(cls, precision, data):
    X, y, status = data
    sampler = cls(device="cuda", precision=precision, random_state=0, **SAMPLERS[cls])
    X_res, y_res = sampler.fit_resample(X, y, covariates=status)
    assert sampler.device_ == "cuda"
    assert next(sampler.net_.module_.parameters()).is_cuda
    assert X_res.dtype == np.float32 and np.isfinite(X_res).all()
    assert len(X_res) == len(y_res) > len(X)
    # Sampling is reproducible on the GPU for a fixed random_state.
    a, _ = sampler.sample(50, y[:50], random_state=1)
    b, _ = sampler.sample(50, y[:50], random_state=1)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", list(SAMPLERS), ids=lambda c: c.__name__)
def test_cuda_sampler_pickles(cls, data):
    X, y, status = data
    sampler = cls(device="cuda", random_state=0, **SAMPLERS[cls]).fit(
        X, y, covariates=status
    )
    before, _ = sampler.sample(20, y[:20], random_state=3)
    clone = pickle.loads(pickle.dumps(sampler))
    after, _ = clone.sample(20, y[:20], random_state=3)
    np.testing.assert_array_equal(before, after)


def test_precision_recall_cuda_equals_cpu(data):
    X, _, _ = data
    rng = np.random.RandomState(0)
    gen = (X[rng.permutation(len(X))] + 0.3 * rng.randn(*X.shape)).astype(np.float32)
    cpu = precision_recall(X, gen, k=5)
    gpu = precision_recall(X, gen, k=5, device="cuda")
    for name in ("precision", "recall", "density", "coverage"):
        assert cpu[name] == gpu[name], name
    np.testing.assert_array_equal(cpu.real_recalled, gpu.real_recalled)
