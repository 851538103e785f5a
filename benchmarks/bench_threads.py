"""Wall time of a small search with n_jobs=1 and n_jobs=2, and torch's threads.

A ``GridSearchCV`` over ``StandardScaler -> WGANGPSampler -> LogisticRegression``
(2 candidates x 2 folds, plus the refit) on ``make_expression`` data, timed in a
fresh process per row so that no row inherits another's thread settings:

- ``n_jobs=1``, torch's default threads (one per core) in the single process;
- ``n_jobs=1``, one torch thread;
- ``n_jobs=2``, each joblib worker limited to one thread (joblib's default:
  its loky workers get ``cores // n_jobs`` threads);
- ``n_jobs=2``, each worker allowed one thread per core (``inner_max_num_threads``
  = cores): the oversubscribed case, two processes with all cores each;
- where ``WGANGPSampler`` has an ``n_jobs`` parameter (threads used by a fit),
  the same two ``n_jobs=2`` rows with ``WGANGPSampler(n_jobs=1)``, which must
  remove the oversubscription by itself.

Run::

    python benchmarks/bench_threads.py            # about a minute per row, 2 cores
    python benchmarks/bench_threads.py --repeats 3

Results (best of ``--repeats`` per row) go to
``benchmarks/results/bench_threads.{json,md}``; the Markdown names the CPU, the
core count and the load average, since all of these change the numbers.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One row: run in a fresh interpreter, print the wall time of search.fit as JSON.
CHILD = """
import json, sys, time
config = json.loads(sys.argv[1])
import torch
if config["torch_threads"]:
    torch.set_num_threads(config["torch_threads"])
from imblearn.pipeline import make_pipeline
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn_remgan import WGANGPSampler
from sklearn_remgan.datasets import make_expression

X, y = make_expression(
    n_samples=config["n_samples"], n_genes=config["n_genes"], random_state=0
)
sampler = WGANGPSampler(max_epochs=config["max_epochs"], random_state=0)
if config["sampler_n_jobs"] is not None:
    sampler.set_params(n_jobs=config["sampler_n_jobs"])
pipe = make_pipeline(StandardScaler(), sampler, LogisticRegression(max_iter=500))
search = GridSearchCV(
    pipe,
    {"wgangpsampler__n_critic": [3, 5]},
    cv=StratifiedKFold(2, shuffle=True, random_state=0),
    n_jobs=config["n_jobs"],
)
# loky is joblib's default backend; naming it lets the row set the threads
# each worker may use (None keeps joblib's default limit, cores // n_jobs).
with parallel_config(backend="loky", inner_max_num_threads=config["inner_threads"]):
    start = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - start
print("RESULT " + json.dumps({"wall_s": wall, "threads": torch.get_num_threads()}))
"""


def sampler_has_n_jobs():
    from sklearn_remgan import WGANGPSampler

    return "n_jobs" in WGANGPSampler().get_params()


def rows(cores, has_n_jobs):
    """(label, config overrides) for each row of the table."""
    table = [
        ("n_jobs=1, torch default threads", {"n_jobs": 1}),
        ("n_jobs=1, 1 torch thread", {"n_jobs": 1, "torch_threads": 1}),
        ("n_jobs=2, 1 thread per worker (joblib default)", {"n_jobs": 2}),
        (
            f"n_jobs=2, {cores} threads per worker (oversubscribed)",
            {"n_jobs": 2, "inner_threads": cores},
        ),
    ]
    if has_n_jobs:
        table += [
            (
                "n_jobs=2, WGANGPSampler(n_jobs=1), joblib default",
                {"n_jobs": 2, "sampler_n_jobs": 1},
            ),
            (
                f"n_jobs=2, WGANGPSampler(n_jobs=1), {cores} threads allowed",
                {"n_jobs": 2, "sampler_n_jobs": 1, "inner_threads": cores},
            ),
        ]
    return table


def run_row(config):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    # Let torch pick its default thread count unless the row sets one.
    env.pop("OMP_NUM_THREADS", None)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"row {config} failed:\n{proc.stderr[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=600)
    parser.add_argument("--n-genes", type=int, default=500)
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)

    cores = os.cpu_count() or 1
    has_n_jobs = sampler_has_n_jobs()
    base = {
        "n_samples": args.n_samples,
        "n_genes": args.n_genes,
        "max_epochs": args.max_epochs,
        "n_jobs": 1,
        "torch_threads": None,
        "inner_threads": None,
        "sampler_n_jobs": None,
    }
    load_before = os.getloadavg()
    results = []
    for label, overrides in rows(cores, has_n_jobs):
        config = {**base, **overrides}
        walls = [run_row(config)["wall_s"] for _ in range(args.repeats)]
        results.append({"row": label, **overrides, "wall_s": round(min(walls), 2)})
        print(f"{label:<60} {min(walls):8.2f} s")
    load_after = os.getloadavg()

    reference = results[0]["wall_s"]
    header = {
        "cpu": cpu_name(),
        "cores": cores,
        "torch_default_threads": cores,
        "sampler_has_n_jobs": has_n_jobs,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "search": "GridSearchCV, 2 candidates x 2 folds + refit",
        **{k: base[k] for k in ("n_samples", "n_genes", "max_epochs")},
        "repeats": args.repeats,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_threads.json").write_text(
        json.dumps({"settings": header, "rows": results}, indent=2) + "\n"
    )
    lines = [
        "# Threads and n_jobs in a search",
        "",
        f"{header['cpu']}, {cores} cores; load average before "
        f"{header['load_average_before']}, after {header['load_average_after']} "
        "(other processes share the cores when these are high). "
        f"{header['search']} of StandardScaler -> WGANGPSampler(max_epochs="
        f"{args.max_epochs}) -> LogisticRegression on make_expression "
        f"{args.n_samples} x {args.n_genes}; best of {args.repeats}, each row in a "
        "fresh process.",
        "",
        "| row | wall s | vs first row |",
        "| --- | --- | --- |",
    ]
    for row in results:
        lines.append(
            f"| {row['row']} | {row['wall_s']:.2f} | {row['wall_s'] / reference:.2f} |"
        )
    (out / "bench_threads.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
