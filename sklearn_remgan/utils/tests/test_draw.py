"""draw_like / find_sampler: one rule and one seeding policy (issue 13, item 1)."""

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_remgan.utils import draw_like, find_sampler


class Sampler:
    """Draws around zero; ``random_state_`` would advance if it were used."""

    def __init__(self, n_features=3):
        self.n_features = n_features
        self.random_state_ = np.random.RandomState(0)
        self.calls = []

    def fit_resample(self, X, y):
        return X, y

    def sample(self, n_samples, y=None, *, random_state=None, covariates=None):
        self.calls.append((random_state, covariates))
        rng = np.random.default_rng(random_state)
        return rng.normal(size=(n_samples, self.n_features)), np.asarray(y)


class NoSeed(Sampler):
    def sample(self, n_samples, y=None):
        return np.zeros((n_samples, self.n_features)), np.asarray(y)


def test_find_sampler_rule():
    sampler = Sampler()
    assert find_sampler(sampler) == (sampler, None)
    pipe = make_pipeline(StandardScaler(), sampler, LogisticRegression())
    found, head = find_sampler(pipe)
    assert found is sampler and [n for n, _ in head.steps] == ["standardscaler"]
    with pytest.raises(ValueError, match="found no sampler"):
        find_sampler(make_pipeline(StandardScaler(), LogisticRegression()))
    # RandomOverSampler has fit_resample but no sample: not a generator
    with pytest.raises(ValueError, match="found no sampler"):
        find_sampler(make_pipeline(RandomOverSampler(), LogisticRegression()))
    with pytest.raises(ValueError, match="found 2 samplers"):
        find_sampler(make_pipeline(Sampler(), Sampler(), LogisticRegression()))
    with pytest.raises(TypeError, match="neither a 'sample' method"):
        find_sampler(LogisticRegression())


def test_draw_like_transforms_seeds_and_leaves_the_sampler_state_alone():
    sampler = Sampler()
    state = sampler.random_state_.get_state()[1].copy()
    pipe = make_pipeline(FunctionTransformer(lambda X: X * 2), sampler)
    X, y = np.ones((4, 3)), np.array(["a", "a", "b", "b"])
    a = draw_like(pipe, X, y, random_state=3)
    b = draw_like(pipe, X, y, random_state=3)
    np.testing.assert_array_equal(a.X_real, 2 * X)
    np.testing.assert_array_equal(a.X_generated, b.X_generated)
    assert a.y_generated.tolist() == y.tolist()
    np.testing.assert_array_equal(sampler.random_state_.get_state()[1], state)
    # None: fresh entropy, still not the sampler's nor numpy's global state
    global_state = np.random.get_state()[1].copy()
    draw_like(sampler, X, y, random_state=None)
    assert sampler.calls[-1][0] is not None
    np.testing.assert_array_equal(np.random.get_state()[1], global_state)


def test_draw_like_passes_covariates_only_when_given():
    sampler = Sampler()
    X, y = np.ones((2, 3)), np.array([0, 1])
    draw_like(sampler, X, y)
    assert sampler.calls[-1][1] is None
    draw_like(sampler, X, y, covariates=np.array([["t"], ["n"]]))
    assert sampler.calls[-1][1].tolist() == [["t"], ["n"]]
    with pytest.raises(ValueError, match="covariates must have one row per row"):
        draw_like(sampler, X, y, covariates=np.array([["t"]]))


def test_draw_like_errors():
    X, y = np.ones((4, 3)), np.array([0, 0, 1, 1])
    with pytest.raises(TypeError, match="does not take the keyword 'random_state'"):
        draw_like(NoSeed(), X, y)
    with pytest.raises(ValueError, match="y must be 1D with one label per row"):
        draw_like(Sampler(), X, y[:3])
    with pytest.raises(ValueError, match="y holds 1 missing label"):
        draw_like(Sampler(), X, np.array([0, None, 1, 1], dtype=object))
    with pytest.raises(ValueError, match="same number of features"):
        draw_like(Sampler(n_features=2), X, y)
