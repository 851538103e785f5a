"""
Tune the sampler by Bayesian optimisation
=========================================

Maximize the PR F1 of :class:`~sklearn_remgan.WGANGPSampler`, as in the paper.
Each Optuna trial proposes sampler hyper-parameters, cross-validates the pipeline
StandardScaler -> WGANGPSampler -> LogisticRegression, and returns the mean
held-out F1 of improved precision and recall (``PRScorer()``): the scorer draws
generated rows for each held-out fold's labels and compares them with the real
held-out rows. Optuna's TPE sampler then picks the next trial.

The defaults are tiny so that the documentation build runs it in seconds. Run
from the repository root with a real budget (a few minutes on a laptop CPU)::

    python examples/tune_with_optuna.py --n-trials 10 --max-epochs 100

For real data, replace ``make_expression`` by your matrix and labels, and use a
grouped splitter (``StratifiedGroupKFold``, ``groups=patient``) when samples of one
patient are paired.
"""

import argparse

import numpy as np
import optuna
from imblearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import PRScorer, REMScorer, WGANGPSampler
from sklearn_remgan.datasets import make_expression


def make_objective(X, y, *, max_epochs, cv):
    def objective(trial):
        sampler = WGANGPSampler(
            sampling_strategy="not majority",
            n_critic=trial.suggest_int("n_critic", 1, 5),
            latent_dim=trial.suggest_categorical("latent_dim", [32, 64, 128]),
            lr_generator=trial.suggest_float("lr_generator", 1e-4, 1e-2, log=True),
            lr_critic=trial.suggest_float("lr_critic", 1e-4, 1e-2, log=True),
            max_epochs=max_epochs,
            random_state=0,
        )
        classifier = LogisticRegression(max_iter=2000)
        pipe = make_pipeline(StandardScaler(), sampler, classifier)
        scores = cross_val_score(
            pipe, X, y, cv=cv, scoring=PRScorer(metric="f1"), error_score="raise"
        )
        return float(np.mean(scores))

    return objective


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Tune WGANGPSampler by Bayesian optimisation."
    )
    parser.add_argument("--n-trials", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--n-samples", type=int, default=500)
    parser.add_argument("--n-genes", type=int, default=50)
    args = parser.parse_args(argv)

    X, y = make_expression(
        n_samples=args.n_samples, n_genes=args.n_genes, random_state=0
    )
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=0)
    )
    study.optimize(
        make_objective(X, y, max_epochs=args.max_epochs, cv=cv),
        n_trials=args.n_trials,
    )
    print(f"best PR F1 {study.best_value:.3f} with {study.best_params}")

    # Refit the best sampler and look at its REM distance too.
    best = make_pipeline(
        StandardScaler(),
        WGANGPSampler(
            sampling_strategy="not majority",
            max_epochs=args.max_epochs,
            random_state=0,
            **study.best_params,
        ),
        LogisticRegression(max_iter=2000),
    )
    rem = cross_val_score(best, X, y, cv=cv, scoring=REMScorer(), error_score="raise")
    print(f"best trial's REM score (0 is best): {rem.mean():.3f} +/- {rem.std():.3f}")
    return study


if __name__ == "__main__":
    main()
