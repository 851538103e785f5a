"""PRScorer / REMScorer: construction, pipelines, rankings on real data, searches."""

import pickle
import warnings

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_remgan.metrics import (
    PRScorer,
    REMScorer,
    get_scorer,
    get_scorer_names,
)
from sklearn_remgan.over_sampling import WGANGPSampler

# Reference generators: anything with ``sample(n_samples, y)`` can be scored. They
# live at module level so that they pickle.


class _Reference(BaseEstimator):
    """Fits by remembering its training rows (exposed as ``X_fit_``)."""

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        self.X_fit_ = np.asarray(X, dtype=np.float32)
        self.y_fit_ = np.asarray(y)
        return self

    def fit_resample(self, X, y):
        self.fit(X, y)
        return X, y

    def _draw(self, pool, pool_y, y, replace):
        rng = np.random.default_rng(self.random_state)
        out = np.empty((len(y), pool.shape[1]), dtype=np.float32)
        for label in np.unique(y):
            rows = np.flatnonzero(pool_y == label)
            mask = y == label
            again = replace or mask.sum() > rows.size
            out[mask] = pool[rng.choice(rows, mask.sum(), replace=again)]
        return out


class FreshSampler(_Reference):
    """Draws real rows of the same distribution that it was not trained on."""

    def __init__(self, pool=None, pool_y=None, random_state=0):
        self.pool, self.pool_y = pool, pool_y
        self.random_state = random_state

    def sample(self, n_samples, y=None, *, random_state=None):
        y = np.asarray(y)
        return self._draw(self.pool, self.pool_y, y, replace=False), y


class CopySampler(_Reference):
    """Returns copies of its own training rows (memorisation)."""

    def sample(self, n_samples, y=None, *, random_state=None):
        y = np.asarray(y)
        return self._draw(self.X_fit_, self.y_fit_, y, replace=True), y


class CollapsedSampler(_Reference):
    """Mode collapse: per label, three averages of training rows, repeated."""

    def sample(self, n_samples, y=None, *, random_state=None):
        y = np.asarray(y)
        rng = np.random.default_rng(self.random_state)
        out = np.empty((len(y), self.X_fit_.shape[1]), dtype=np.float32)
        for label in np.unique(y):
            rows = self.X_fit_[self.y_fit_ == label]
            modes = np.stack([part.mean(axis=0) for part in np.array_split(rows, 3)])
            mask = y == label
            noise = 1e-3 * rng.normal(size=(mask.sum(), rows.shape[1]))
            out[mask] = modes[np.arange(mask.sum()) % 3] + noise
        return out, y


class BrokenSampler(_Reference):
    """Returns what it is told to, to exercise the scorer's output checks."""

    def __init__(self, mode="ok", random_state=0):
        self.mode = mode
        self.random_state = random_state

    def sample(self, n_samples, y=None, *, random_state=None):
        y = np.asarray(y)
        X = self._draw(self.X_fit_, self.y_fit_, y, replace=True)
        if self.mode == "nan":
            X[0, 0] = np.nan
        elif self.mode == "short":
            X, y = X[:-1], y[:-1]
        elif self.mode == "labels":
            y = np.full_like(y, y[0])
        return X, y


@pytest.fixture(scope="module")
def splits(tcga_slice):
    """Disjoint train / held-out / pool rows of the TCGA slice, split by patient."""
    patients = np.unique(tcga_slice["patient"])
    order = np.random.default_rng(0).permutation(patients)
    part = dict(zip(order, np.arange(order.size) % 3))
    which = np.array([part[p] for p in tcga_slice["patient"]])
    X, y = tcga_slice["X"], tcga_slice["y"]
    return {
        name: (X[which == i], y[which == i])
        for i, name in enumerate(["train", "test", "pool"])
    }


@pytest.fixture(scope="module")
def generators(splits):
    X_tr, y_tr = splits["train"]
    X_po, y_po = splits["pool"]
    return {
        "fresh": FreshSampler(X_po, y_po).fit(X_tr, y_tr),
        "copy": CopySampler().fit(X_tr, y_tr),
        "collapsed": CollapsedSampler().fit(X_tr, y_tr),
    }


# -- construction ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PRScorer(k=0), r"'k' parameter of PRScorer must be an int .*Got 0"),
        (lambda: PRScorer(k=2.5), r"'k' parameter of PRScorer"),
        (lambda: PRScorer(metric="auc"), r"'metric' parameter of PRScorer .*'auc'"),
        (lambda: PRScorer(average="micro"), r"'average' parameter of PRScorer"),
        (lambda: REMScorer(n_components=0), r"'n_components' parameter of REMScorer"),
        (lambda: REMScorer(reference="test"), r"'reference' parameter of REMScorer"),
        (lambda: REMScorer(random_state="x"), r"'random_state' parameter"),
    ],
    ids=["k0", "k-float", "metric", "average", "n_components", "reference", "rs"],
)
def test_bad_parameters_fail_at_construction(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_scorers_take_keyword_arguments_only():
    with pytest.raises(TypeError):
        PRScorer("f1")


def test_repr_pickle_and_equality():
    for scorer in [PRScorer(metric="coverage", k=5), REMScorer(reference="holdout")]:
        clone = pickle.loads(pickle.dumps(scorer))
        assert clone == scorer and repr(clone) == repr(scorer)
        assert hash(clone) == hash(scorer)
    expected = "PRScorer(metric='f1', k=3, average='macro', random_state=0)"
    assert repr(PRScorer()) == expected
    assert PRScorer() != PRScorer(k=4)


def test_registry_returns_fresh_instances():
    assert get_scorer("pr_f1") == PRScorer()
    assert get_scorer("pr_density") == PRScorer(metric="density")
    assert get_scorer("neg_rem_wasserstein") == REMScorer()
    assert get_scorer("pr_f1") is not get_scorer("pr_f1")
    assert all(get_scorer(name) is not None for name in get_scorer_names())
    with pytest.raises(ValueError, match=r"'balanced_accuracy' is not .*get_scorer"):
        get_scorer("balanced_accuracy")


# -- rankings on real data -------------------------------------------------------


def test_pr_ranks_fresh_above_collapsed(generators, splits):
    X_te, y_te = splits["test"]
    for metric in ["f1", "recall", "coverage"]:
        scorer = PRScorer(metric=metric)
        fresh = scorer(generators["fresh"], X_te, y_te)
        collapsed = scorer(generators["collapsed"], X_te, y_te)
        assert fresh > 0.5, (metric, fresh)
        assert fresh > collapsed + 0.3, (metric, fresh, collapsed)


@pytest.mark.parametrize("average", ["macro", "pooled"])
def test_rem_train_reference_ranks_fresh_above_collapsed_and_copy(
    generators, splits, average
):
    X_te, y_te = splits["test"]
    scorer = REMScorer(average=average)  # 'auto' -> 'train': X_fit_ is exposed
    scores = {name: scorer(gen, X_te, y_te) for name, gen in generators.items()}
    assert -0.15 < scores["fresh"] <= 0, scores
    assert scores["fresh"] > scores["collapsed"] + 0.1, scores
    assert scores["fresh"] > scores["copy"] + 0.1, scores
    # The explicit mode gives the same numbers as 'auto' here.
    explicit = REMScorer(average=average, reference="train")
    assert explicit(generators["copy"], X_te, y_te) == pytest.approx(scores["copy"])


def test_rem_holdout_reference_ranks_fresh_above_collapsed(generators, splits):
    X_te, y_te = splits["test"]
    scorer = REMScorer(reference="holdout")
    fresh = scorer(generators["fresh"], X_te, y_te)
    collapsed = scorer(generators["collapsed"], X_te, y_te)
    assert fresh > collapsed + 0.1, (fresh, collapsed)


def test_rem_train_reference_needs_training_rows(splits):
    X_te, y_te = splits["test"]

    class NoRows:
        def sample(self, n_samples, y=None, *, random_state=None):
            return np.zeros((n_samples, X_te.shape[1])), np.asarray(y)

    with pytest.raises(ValueError, match=r"NoRows has no 'X_fit_' attribute"):
        REMScorer(reference="train")(NoRows(), X_te, y_te)


def test_scores_are_reproducible(generators, splits):
    X_te, y_te = splits["test"]
    for scorer in [PRScorer(), REMScorer(reference="holdout")]:
        first = scorer(generators["fresh"], X_te, y_te)
        assert scorer(generators["fresh"], X_te, y_te) == first
    # The scorer draws through the sampler: another sampler seed, another draw.
    X_po, y_po = splits["pool"]
    other = FreshSampler(X_po, y_po, random_state=1).fit(*splits["train"])
    assert PRScorer()(other, X_te, y_te) != PRScorer()(generators["fresh"], X_te, y_te)


def test_wgangp_scores_are_reproducible_and_side_effect_free(splits):
    X_tr, y_tr = splits["train"][0][:, :20], splits["train"][1]
    X_te, y_te = splits["test"][0][:, :20], splits["test"][1]

    def fitted():
        sampler = WGANGPSampler(
            max_epochs=2,
            generator_hidden=(16,),
            critic_hidden=(16,),
            latent_dim=8,
            random_state=0,
        )
        return sampler.fit(X_tr, y_tr)

    sampler = fitted()
    state = sampler.random_state_.get_state()[1].copy()
    scorers = [PRScorer(metric="precision"), REMScorer()]
    first = [scorer(sampler, X_te, y_te) for scorer in scorers]
    # Scoring seeds the draw itself: the sampler's random state is untouched,
    # so a second pass, in the other order, gives the same values.
    np.testing.assert_array_equal(sampler.random_state_.get_state()[1], state)
    assert [scorer(sampler, X_te, y_te) for scorer in scorers[::-1]] == first[::-1]
    # A refit with the same random_state scores the same.
    assert [scorer(fitted(), X_te, y_te) for scorer in scorers] == first
    # Another scorer seed draws other rows.
    assert REMScorer(random_state=1)(sampler, X_te, y_te) != first[1]


# -- pipelines ---------------------------------------------------------------------


def test_pipeline_transforms_held_out_rows_before_comparing(splits):
    X_tr, y_tr = splits["train"]
    X_te, y_te = splits["test"]
    shift = FunctionTransformer(lambda X: X + 100.0)
    pipe = make_pipeline(shift, CopySampler(), LogisticRegression(max_iter=500))
    pipe.fit(X_tr, y_tr)
    # Scoring the pipeline must equal scoring its sampler on transformed rows.
    sampler = pipe[1]
    for scorer in [PRScorer(), REMScorer()]:
        expected = scorer(sampler, X_te + 100.0, y_te)
        assert scorer(pipe, X_te, y_te) == pytest.approx(expected)
    # Without the transform the rows would be 100 units apart: nothing recalled.
    assert PRScorer(metric="recall")(sampler, X_te, y_te) == 0.0


def test_pipeline_without_sampler_is_refused(splits):
    X_tr, y_tr = splits["train"]
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=200))
    pipe.fit(X_tr, y_tr)
    with pytest.raises(ValueError, match=r"found no sampler in the pipeline.*"):
        PRScorer()(pipe, *splits["test"])
    with pytest.raises(TypeError, match=r"got an object of type LogisticRegression"):
        REMScorer()(pipe[-1], *splits["test"])


def test_k_too_large_for_a_label_is_refused(generators, splits):
    X_te, y_te = splits["test"]
    keep = np.r_[np.flatnonzero(y_te == "liver")[:3], np.flatnonzero(y_te != "liver")]
    match = r"more than k=3 held-out rows of label 'liver'.*got 3"
    with pytest.raises(ValueError, match=match):
        PRScorer()(generators["fresh"], X_te[keep], y_te[keep])


def test_labels_are_needed_unless_pooled(generators, splits):
    X_te, y_te = splits["test"]
    with pytest.raises(ValueError, match=r"y is required; got y=None"):
        PRScorer()(generators["copy"], X_te, None)
    with pytest.raises(ValueError, match=r"y must be 1D with one label per row"):
        PRScorer()(generators["copy"], X_te, y_te[:-1])
    # holdout reference: validated before the split (was an IndexError)
    with pytest.raises(ValueError, match=r"y must be 1D with one label per row"):
        REMScorer(reference="holdout")(generators["fresh"], X_te[:20], y_te[:19])


@pytest.mark.parametrize(
    "mode, match",
    [
        ("nan", r"generated by BrokenSampler.sample contains 1 NaN"),
        ("short", r"returned \d+ rows; .* needs exactly"),
        ("labels", r"labels whose counts differ from the requested ones"),
    ],
)
def test_bad_generator_output_is_refused(splits, mode, match):
    sampler = BrokenSampler(mode).fit(*splits["train"])
    with pytest.raises(ValueError, match=match):
        PRScorer()(sampler, *splits["test"])


# -- scikit-learn integration -----------------------------------------------------


def test_cross_validate_with_a_scoring_dict(tcga_slice):
    X, y = tcga_slice["X"][:, :40], tcga_slice["y"]
    pipe = make_pipeline(CopySampler(), LogisticRegression(max_iter=500))
    result = cross_validate(
        pipe,
        X,
        y,
        cv=StratifiedKFold(3),
        scoring={"accuracy": "balanced_accuracy", "pr": PRScorer(), "rem": REMScorer()},
        error_score="raise",
    )
    for key in ["test_accuracy", "test_pr", "test_rem"]:
        assert np.isfinite(result[key]).all(), key
    assert (result["test_pr"] > 0.3).all()


def test_search_fitted_with_sample_weight(splits):
    # scikit-learn 1.9 asks each scorer `_accept_sample_weight()` when a search is
    # fitted with sample_weight; ours decline, so sklearn warns and goes on.
    X_tr, y_tr = splits["train"]
    X_po, y_po = splits["pool"]
    search = GridSearchCV(
        FreshSampler(X_po, y_po),
        {"random_state": [0, 1]},
        scoring={"pr": PRScorer(), "rem": REMScorer()},
        refit="pr",
        cv=StratifiedKFold(2),
        error_score="raise",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X_tr, y_tr, sample_weight=np.ones(len(y_tr)))
    messages = [str(w.message) for w in caught]
    assert any("pr=PRScorer(" in m and "sample_weight" in m for m in messages)
    assert np.isfinite(search.cv_results_["mean_test_rem"]).all()


def test_a_display_drawn_first_does_not_change_the_score(tcga_slice):
    # issue 13: the Displays advanced the sampler's random_state_, so a figure
    # changed what the next scorer call saw. Both now draw through draw_like.
    from sklearn_remgan.diagnostics import REMDistributionDisplay

    rows = np.r_[0:75, -75:0]
    X, y = tcga_slice["X"][rows], tcga_slice["y"][rows]
    sampler = WGANGPSampler(
        latent_dim=4, generator_hidden=(16,), critic_hidden=(16,), max_epochs=1,
        batch_size=32, random_state=0,
    ).fit(X, y)
    twin = pickle.loads(pickle.dumps(sampler))
    scorer = PRScorer(metric="recall", average="pooled")
    before = scorer(sampler, X, y)
    REMDistributionDisplay.from_estimator(sampler, X, y, n_components=10)
    assert scorer(sampler, X, y) == before
    # the sampler's own random state did not move: unseeded draws still match
    # those of an untouched copy
    np.testing.assert_array_equal(sampler.sample(8, y[:8])[0], twin.sample(8, y[:8])[0])
