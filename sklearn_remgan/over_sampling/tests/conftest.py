"""Fixtures of the over-sampling tests: fast samplers and toy data."""

import numpy as np
import pytest

from sklearn_remgan.over_sampling import DDPMSampler, WGANGPSampler

# Tiny networks and few epochs: the tests check behaviour, not sample quality
# (the real-data tests train a little longer).
FAST = {
    "latent_dim": 8,
    "generator_hidden": (16,),
    "critic_hidden": (16,),
    "max_epochs": 2,
    "batch_size": 16,
    "n_critic": 1,
}
FAST_DDPM = {
    "hidden_dim": 16,
    "n_blocks": 1,
    "n_timesteps": 50,
    "n_steps": 5,
    "max_epochs": 2,
    "batch_size": 16,
}


#: A DDPMSampler that learns the 200-gene TCGA slice in a few seconds (the
#: real-data tests).
SLICE_DDPM = {
    "hidden_dim": 256,
    "n_blocks": 2,
    "sampling": "ddpm",
    "n_steps": 200,
    "max_epochs": 150,
    "batch_size": 64,
    "lr": 2e-3,
    "ema_decay": 0.95,
}


def split_by_patient(data, test_size=0.25):
    """Training and held-out row indices of ``tcga_slice``, a patient's on one side."""
    from sklearn.model_selection import GroupShuffleSplit

    splitter = GroupShuffleSplit(1, test_size=test_size, random_state=0)
    return next(splitter.split(data["X"], groups=data["patient"]))


#: Every generative sampler with fast settings: the contract tests
#: (``test_base.py``) run on each. A new sampler adds its entry here.
SAMPLERS = {WGANGPSampler: FAST, DDPMSampler: FAST_DDPM}


@pytest.fixture(params=list(SAMPLERS), ids=lambda cls: cls.__name__)
def sampler_cls(request):
    return request.param


@pytest.fixture
def fast_params(sampler_cls):
    return dict(SAMPLERS[sampler_cls])


@pytest.fixture
def toy():
    """Three classes (40/25/15 rows) x 6 features, float32, with a covariate."""
    rng = np.random.RandomState(0)
    y = np.array(["a"] * 40 + ["b"] * 25 + ["c"] * 15)
    X = (rng.randn(y.size, 6) + (y == "b")[:, None] * 2.0).astype(np.float32)
    status = np.array(["tumor", "normal"] * 40)[: y.size]
    status[:30], status[30:40] = "tumor", "normal"  # class a: 30 tumor, 10 normal
    return X, y, status
