"""
Run a search on a dask cluster
==============================

A ``GridSearchCV`` with the generative scorers, on dask workers. Nothing in the
estimator or the scorers changes: scikit-learn hands each (candidate, fold) fit
to joblib, and joblib's ``"dask"`` backend ships it to the
cluster's workers. The scorers are small picklable objects, so they travel with
the work.

Run from the repository root::

    python examples/search_on_dask.py                      # a local 2-worker cluster
    python examples/search_on_dask.py --scheduler tcp://host:8786   # your cluster

On a cluster every worker needs the same environment (sklearn-remgan, torch).
With ray instead of dask: ``from ray.util.joblib import register_ray;
register_ray()`` then ``parallel_backend("ray")``.

This script is shown but not run by the documentation build: it starts a cluster
of worker processes, which import the script again (hence the ``__main__``
guard). The README's cluster block, the same code, runs in ``tests/test_readme.py``.
"""

import argparse

import pandas as pd
from dask.distributed import Client, LocalCluster
from imblearn.pipeline import make_pipeline
from joblib import parallel_backend
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import PRScorer, REMScorer, WGANGPSampler
from sklearn_remgan.datasets import make_expression


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a search on a dask cluster.")
    parser.add_argument("--scheduler", default=None, help="address of a scheduler")
    parser.add_argument("--n-workers", type=int, default=2)
    parser.add_argument("--max-epochs", type=int, default=20)
    args = parser.parse_args(argv)

    X, y = make_expression(n_samples=600, n_genes=100, random_state=0)
    pipe = make_pipeline(
        StandardScaler(),
        WGANGPSampler(
            sampling_strategy="not majority", max_epochs=args.max_epochs, random_state=0
        ),
        LogisticRegression(max_iter=2000),
    )
    search = GridSearchCV(
        pipe,
        {"wgangpsampler__n_critic": [3, 5], "wgangpsampler__latent_dim": [32, 128]},
        scoring={
            "accuracy": "balanced_accuracy",
            "pr_f1": PRScorer(),
            "rem": REMScorer(),
        },
        refit="accuracy",
        cv=StratifiedKFold(3),
    )
    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        # One thread per worker process: torch would otherwise oversubscribe cores.
        cluster = LocalCluster(
            n_workers=args.n_workers, threads_per_worker=1, processes=True
        )
        client = Client(cluster)
    try:
        print(f"dashboard: {client.dashboard_link}")
        with parallel_backend("dask"):
            search.fit(X, y)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    columns = ["params", "mean_test_accuracy", "mean_test_pr_f1", "mean_test_rem"]
    print(pd.DataFrame(search.cv_results_)[columns].to_string(index=False))
    print(f"best (by balanced accuracy): {search.best_params_}")
    return search


if __name__ == "__main__":
    main()
