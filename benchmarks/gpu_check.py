"""GPU check: the CUDA tests and a paper-width training benchmark on one GPU.

Run on a machine with a CUDA GPU (CI has none)::

    python benchmarks/gpu_check.py              # tests + benchmark, < 8 minutes
    python benchmarks/gpu_check.py --no-tests   # benchmark only

1. **Tests.** ``pytest -m cuda tests/test_cuda.py`` (the tests marked ``cuda``,
   deselected in ordinary runs).
2. **Training.** ``WGANGPSampler`` and ``DDPMSampler`` on 10,643 x 32,043 simulated rows
   (``make_expression``, the paper's width), standardized, a few epochs in
   float32 and in bfloat16 (where the GPU supports it). Reported: seconds per
   epoch from skorch's per-epoch ``dur`` (the first epoch, which includes
   warm-up, apart), the whole fit's wall time, and the peak GPU memory torch
   allocated (``torch.cuda.max_memory_allocated``).

Results go to ``benchmarks/results/gpu_check.{json,md}``. Without a GPU the
script says so and exits with status 0, writing nothing.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def gpu_description(torch):
    props = torch.cuda.get_device_properties(0)
    return {
        "name": props.name,
        "memory_gib": round(props.total_memory / 2**30, 1),
        "capability": f"{props.major}.{props.minor}",
        "bf16_supported": bool(torch.cuda.is_bf16_supported()),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }


def run_cuda_tests(timeout):
    """Run the tests marked ``cuda`` (``tests/test_cuda.py``); return a summary.

    Only that file is collected: the GPU machine need not have every optional
    dependency that collecting the whole suite (doctests included) imports.
    """
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"]
    base.append(str(ROOT / "tests" / "test_cuda.py"))
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    for selector in (["-m", "cuda"],):
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [*base, *selector],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            print(f"pytest {' '.join(selector)} ran past {timeout} s: stopped")
            return {"selector": " ".join(selector), "status": "timeout"}
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        if proc.returncode == 5:
            print(f"pytest {' '.join(selector)}: no test selected")
            continue
        print(proc.stdout[-4000:])
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
        return {
            "selector": " ".join(selector),
            "returncode": proc.returncode,
            "summary": last,
            "seconds": round(time.perf_counter() - start, 1),
        }
    print("No test is marked `cuda`: nothing to run.")
    return {"selector": None, "summary": "no CUDA tests"}


def train_once(torch, X, y, precision, epochs, sampler_name="WGANGPSampler"):
    from sklearn_remgan import over_sampling

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    sampler = getattr(over_sampling, sampler_name)(
        max_epochs=epochs, device="cuda", precision=precision, random_state=0
    )
    torch.cuda.synchronize()
    start = time.perf_counter()
    sampler.fit(X, y)
    torch.cuda.synchronize()
    wall = time.perf_counter() - start
    durations = [float(d) for d in sampler.net_.history[:, "dur"]]
    steady = durations[1:] or durations
    X_gen, _ = sampler.sample(1000)
    return {
        "sampler": sampler_name,
        "precision": precision,
        "epochs": epochs,
        "first_epoch_s": round(durations[0], 2),
        "s_per_epoch": round(sum(steady) / len(steady), 2),
        "fit_wall_s": round(wall, 1),
        "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
        "generated_finite": bool(torch.isfinite(torch.as_tensor(X_gen)).all()),
    }


def write_results(results, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gpu_check.json").write_text(json.dumps(results, indent=2) + "\n")
    gpu = results["gpu"]
    lines = [
        "# GPU check",
        "",
        f"{gpu['name']} ({gpu['memory_gib']} GiB, compute capability "
        f"{gpu['capability']}), torch {gpu['torch']}, CUDA {gpu['cuda']}; "
        f"host {results['host']}.",
        "",
        f"CUDA tests (`pytest {results['tests'].get('selector')}`): "
        f"{results['tests'].get('summary')}",
        "",
        f"Training: sampler defaults, {results['n_samples']:,} x "
        f"{results['n_genes']:,} simulated rows, device cuda.",
        "",
        "| sampler | precision | epochs | first epoch s | s/epoch after "
        "| fit wall s | peak GPU memory GiB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["training"]:
        lines.append(
            f"| {row['sampler']} | {row['precision']} | {row['epochs']} "
            f"| {row['first_epoch_s']} "
            f"| {row['s_per_epoch']} | {row['fit_wall_s']} "
            f"| {row['peak_gpu_mem_gib']} |"
        )
    (out_dir / "gpu_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=10_643)
    parser.add_argument("--n-genes", type=int, default=32_043)
    parser.add_argument(
        "--samplers",
        nargs="+",
        default=["WGANGPSampler", "DDPMSampler"],
        help="sampler classes of sklearn_remgan.over_sampling to time",
    )
    parser.add_argument("--no-tests", action="store_true", help="skip the tests")
    parser.add_argument("--test-timeout", type=int, default=180)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print(
            "No CUDA GPU available (torch.cuda.is_available() is False, torch "
            f"{torch.__version__}): nothing to check. Run this script on a GPU "
            "machine with a CUDA build of torch."
        )
        return 0

    results = {
        "gpu": gpu_description(torch),
        "host": f"{platform.machine()}, {os.cpu_count()} CPU(s)",
        "n_samples": args.n_samples,
        "n_genes": args.n_genes,
    }
    print(f"GPU: {results['gpu']}")
    results["tests"] = (
        {"selector": None, "summary": "skipped (--no-tests)"}
        if args.no_tests
        else run_cuda_tests(args.test_timeout)
    )

    from sklearn.preprocessing import StandardScaler

    from sklearn_remgan.datasets import make_expression

    start = time.perf_counter()
    X, y = make_expression(
        n_samples=args.n_samples, n_genes=args.n_genes, random_state=0
    )
    X = StandardScaler(copy=False).fit_transform(X).astype("float32", copy=False)
    print(f"data {X.shape} ready in {time.perf_counter() - start:.1f} s")

    precisions = ["float32"]
    if results["gpu"]["bf16_supported"]:
        precisions.append("bfloat16")
    else:
        print("this GPU does not support bfloat16: float32 only")
    results["training"] = []
    from sklearn_remgan import over_sampling

    samplers = [s for s in args.samplers if hasattr(over_sampling, s)]
    for sampler_name in samplers:
        for precision in precisions:
            row = train_once(torch, X, y, precision, args.epochs, sampler_name)
            print(row)
            results["training"].append(row)
    write_results(results, Path(args.out))
    failed = results["tests"].get("returncode", 0) not in (0, None)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
