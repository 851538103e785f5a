"""End-to-end searches with the generative scorers on a real TCGA slice.

A grouped grid search (tumour and adjacent normal of one patient stay in one
fold), the same search on a ``dask.distributed.LocalCluster`` with worker
processes (it must give the same scores), and a short Bayesian search as in the
paper. The README's own search and cluster blocks run in ``test_readme.py``.
"""

import numpy as np
import optuna
import pytest
import sklearn
from dask.distributed import Client, LocalCluster
from imblearn.pipeline import make_pipeline
from joblib import parallel_backend
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import PRScorer, REMScorer, WGANGPSampler

# Few genes and small networks keep each GAN fit (one per fold and candidate)
# well under a second on 2 CPU cores.
N_GENES = 40


@pytest.fixture(scope="module")
def tcga(tcga_slice):
    """Kidney, thyroid and liver samples (tumour and adjacent normal), by patient."""
    return (
        tcga_slice["X"][:, :N_GENES],
        tcga_slice["y"],
        tcga_slice["patient"],
    )


def _grouped_search():
    pipe = make_pipeline(
        StandardScaler(),
        WGANGPSampler(
            sampling_strategy="not majority",
            max_epochs=5,
            generator_hidden=(32, 32),
            critic_hidden=(32, 32),
            latent_dim=16,
            random_state=0,
        ),
        LogisticRegression(max_iter=2000),
    )
    search = GridSearchCV(
        pipe,
        {"wgangpsampler__n_critic": [3, 5]},
        scoring={
            "accuracy": "balanced_accuracy",
            "pr_f1": PRScorer(),
            "rem": REMScorer(),
        },
        refit="accuracy",
        # A tumour and its adjacent normal share a patient: keep them in one fold.
        cv=StratifiedGroupKFold(n_splits=3),
    )
    return search


def _check_fitted_search(search, X, y):
    results = search.cv_results_
    for name in ["accuracy", "pr_f1", "rem"]:
        scores = results[f"mean_test_{name}"]
        assert scores.shape == (2,) and np.isfinite(scores).all(), (name, scores)
    assert (results["mean_test_accuracy"] > 0.8).all()
    # A 5-epoch GAN is far from converged: the values only have to be valid.
    assert ((results["mean_test_pr_f1"] >= 0) & (results["mean_test_pr_f1"] <= 1)).all()
    assert (results["mean_test_rem"] <= 0).all()
    assert search.best_params_["wgangpsampler__n_critic"] in (3, 5)
    predicted = search.best_estimator_.predict(X)
    assert predicted.shape == y.shape
    assert set(predicted) <= set(y)
    assert np.mean(predicted == y) > 0.8


@pytest.fixture(scope="module")
def local_search(tcga):
    X, y, patient = tcga
    search = _grouped_search()
    search.fit(X, y, groups=patient)
    return search


def test_grouped_grid_search(tcga, local_search):
    X, y, _ = tcga
    _check_fitted_search(local_search, X, y)


def test_search_on_dask_gives_the_local_scores(tcga, local_search):
    X, y, patient = tcga
    search = _grouped_search()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster),
        parallel_backend("dask"),
    ):
        search.fit(X, y, groups=patient)
    _check_fitted_search(search, X, y)
    # Seeded fits give the same scores in worker processes as in this one.
    for name in ["accuracy", "pr_f1", "rem"]:
        np.testing.assert_allclose(
            search.cv_results_[f"mean_test_{name}"],
            local_search.cv_results_[f"mean_test_{name}"],
            rtol=1e-6,
        )


def test_optuna_maximizes_pr_f1(tcga):
    X, y, patient = tcga

    def objective(trial):
        sampler = WGANGPSampler(
            n_critic=trial.suggest_int("n_critic", 1, 5),
            latent_dim=trial.suggest_categorical("latent_dim", [8, 16]),
            generator_hidden=(32, 32),
            critic_hidden=(32, 32),
            max_epochs=3,
            random_state=0,
        )
        pipe = make_pipeline(StandardScaler(), sampler, LogisticRegression())
        scores = cross_val_score(
            pipe, X, y, groups=patient, cv=StratifiedGroupKFold(2), scoring=PRScorer()
        )
        return scores.mean()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=0)
    )
    study.optimize(objective, n_trials=3)
    values = [trial.value for trial in study.trials]
    assert len(values) == 3 and np.isfinite(values).all()
    # Three-epoch GANs rarely recall anything yet: valid values, not good ones.
    assert 0 <= study.best_value <= 1
    assert study.best_value == max(values)
    assert 1 <= study.best_params["n_critic"] <= 5


def test_search_with_covariates_routed_to_the_sampler(tcga, tcga_slice):
    # With metadata routing, the sampler is conditioned on tissue x status while
    # the classifier sees only y; the scorers need no routing of their own (the
    # sampler draws each row's status in the training proportions of its label).
    X, y, patient = tcga
    status = tcga_slice["status"]
    with sklearn.config_context(enable_metadata_routing=True):
        sampler = WGANGPSampler(
            max_epochs=1,
            generator_hidden=(16,),
            critic_hidden=(16,),
            latent_dim=8,
            random_state=0,
        ).set_fit_resample_request(covariates=True)
        pipe = make_pipeline(StandardScaler(), sampler, LogisticRegression())
        search = GridSearchCV(
            pipe,
            {"wgangpsampler__n_critic": [1]},
            scoring={"acc": "balanced_accuracy", "pr": PRScorer(), "rem": REMScorer()},
            refit="acc",
            cv=StratifiedGroupKFold(n_splits=2),
            error_score="raise",
        )
        search.fit(X, y, groups=patient, covariates=status)
    assert search.best_estimator_[1].covariate_names_ == ["covariate_0"]
    for name in ["acc", "pr", "rem"]:
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"]).all(), name
