"""Training throughput of the WGAN-GP net against a FLOP-count lower bound.

For each width (32,043 genes as in the paper, and 2,000 genes) and precision
(float32, bfloat16 autocast), the script times the net's ``train_step`` on a
fixed number of batches after a warm-up and extrapolates to one epoch of
10,643 samples (166 batches of 64): full epochs at 32k genes would take
minutes each. Two implementations run in the same process, so their ratio is
meaningful on a noisy machine:

- ``fused``: :class:`WGANGPNet` (first-layer products of real and generated
  rows reused for the interpolates, input gradient chained through the
  first-layer weights once, critic weights frozen in the generator step);
- ``plain``: the textbook step (three critic forwards, generic double
  back-propagation for the penalty, generator step through a trainable critic).

The lower bound counts the matrix-product FLOPs of the fused step and divides
them by the matrix-product peak measured here (``torch.mm`` on the same
shapes). Run::

    python benchmarks/bench_training.py            # full table
    python benchmarks/bench_training.py --quick    # 2,000 genes only

Results go to ``benchmarks/results/bench_training.{json,md}``.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from sklearn_remgan.over_sampling import (
    Critic,
    Generator,
    WassersteinLoss,
    WGANGPNet,
    gradient_penalty,
)

N_SAMPLES = 10_643
BATCH = 64
N_COND = 12  # e.g. 9 tissues + 3 covariate categories
LATENT = 128
GEN_HIDDEN = (256, 512)
CRITIC_HIDDEN = (512, 256)
N_CRITIC = 5


def mm(m, k, n):
    return 2.0 * m * k * n


def flops_per_batch(genes, b=BATCH, c=N_COND):
    """Matrix-product FLOPs of one fused training batch (critic + 1/n_critic gen)."""
    g1, g2 = GEN_HIDDEN
    h1, h2 = CRITIC_HIDDEN
    gen_fwd = mm(b, LATENT + c, g1) + mm(b, g1, g2) + mm(b, g2, genes)
    head_fwd = mm(1, h1, h2) + mm(1, h2, 1)  # per row
    critic = (
        gen_fwd  # generated rows (no grad)
        + mm(2 * b, genes, h1) + mm(2 * b, c, h1)  # first layer, real + fake
        + 3 * b * head_fwd  # head on real, fake, interpolates
        + 2 * b * head_fwd  # d score / d pre-activation (interpolates)
        + mm(b, h1, genes)  # input gradient of the interpolates
        + mm(2 * b, genes, h1)  # first-layer weight gradient (real + fake)
        + 2 * mm(b, h1, genes)  # double back-propagation of the penalty
        + 3 * 3 * b * head_fwd  # head backward and its double backward
    )
    generator = (
        3 * gen_fwd  # forward, weight and input gradients
        + mm(b, genes, h1) + b * head_fwd  # critic forward
        + mm(b, h1, genes) + b * head_fwd  # critic input gradient (frozen weights)
    )
    return critic + generator / N_CRITIC


def matmul_peak(genes, dtype, reps=5):
    """Measured GFLOP/s of the step's widest products (forward and both grads)."""
    a = torch.randn(2 * BATCH, genes, dtype=dtype)
    w = torch.randn(CRITIC_HIDDEN[0], genes, dtype=dtype)
    g = torch.randn(2 * BATCH, CRITIC_HIDDEN[0], dtype=dtype)
    ops = [lambda: a @ w.T, lambda: g @ w, lambda: g.T @ a]
    for op in ops:
        op()
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        for op in ops:
            op()
        best = min(best, time.perf_counter() - t0)
    return 3 * mm(2 * BATCH, genes, CRITIC_HIDDEN[0]) / best / 1e9


def make_net(genes, precision):
    return WGANGPNet(
        Generator,
        critic=Critic,
        module__n_features=genes,
        module__n_conditions=N_COND,
        module__latent_dim=LATENT,
        module__hidden=GEN_HIDDEN,
        critic__n_features=genes,
        critic__n_conditions=N_COND,
        critic__hidden=CRITIC_HIDDEN,
        lr=1e-3,
        optimizer__betas=(0.5, 0.9),
        critic_optimizer__lr=5e-4,
        critic_optimizer__betas=(0.5, 0.9),
        n_critic=N_CRITIC,
        latent_dim=LATENT,
        precision=precision,
        batch_size=BATCH,
        verbose=0,
    ).initialize()


def plain_step(net, real, cond, batch_idx):
    """Textbook WGAN-GP step on the same modules, for comparison."""
    gen, critic = net.module_, net.critic_
    ctx = net._autocast()
    with ctx:
        with torch.no_grad():
            fake = gen(torch.randn(real.shape[0], LATENT), cond)
        alpha = torch.rand(real.shape[0], 1)
        gp = gradient_penalty(critic, real, fake, cond, alpha=alpha)
        loss = WassersteinLoss()(
            critic(fake, cond).float(), critic(real, cond).float()
        ) + 10.0 * gp
    net.critic_optimizer_.zero_grad()
    loss.backward()
    net.critic_optimizer_.step()
    if (batch_idx + 1) % N_CRITIC == 0:
        with ctx:
            fake = gen(torch.randn(real.shape[0], LATENT), cond)
            g_loss = WassersteinLoss()(critic(fake, cond).float())
        net.optimizer_.zero_grad()
        g_loss.backward()
        net.optimizer_.step()


def time_steps(genes, precision, method, n_warmup, n_timed):
    torch.manual_seed(0)
    net = make_net(genes, precision)
    net.history.new_epoch()
    real = torch.randn(BATCH, genes)
    cond = torch.eye(N_COND)[torch.arange(BATCH) % N_COND]
    times = []
    for i in range(n_warmup + n_timed):
        t0 = time.perf_counter()
        if method == "fused":
            net.history.new_batch()
            net.train_step((real, cond))
        else:
            plain_step(net, real, cond, i)
        if i >= n_warmup:
            times.append(time.perf_counter() - t0)
    return float(np.sum(times) / n_timed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 genes only")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    widths = [2_000] if args.quick else [32_043, 2_000]
    batches_per_epoch = N_SAMPLES // BATCH
    rows = []
    for genes in widths:
        # timed batches: a multiple of n_critic so generator steps are included
        n_warmup, n_timed = (5, 10) if genes > 10_000 else (10, 40)
        flops = flops_per_batch(genes)
        for precision in ("float32", "bfloat16"):
            dtype = torch.float32 if precision == "float32" else torch.bfloat16
            peak = matmul_peak(genes, dtype)
            bound = flops / (peak * 1e9)
            for method in ("plain", "fused"):
                sec = time_steps(genes, precision, method, n_warmup, n_timed)
                row = {
                    "genes": genes,
                    "precision": precision,
                    "method": method,
                    "timed_batches": n_timed,
                    "s_per_batch": sec,
                    "samples_per_s": BATCH / sec,
                    "s_per_epoch_extrapolated": sec * batches_per_epoch,
                    "matmul_peak_gflops": peak,
                    "bound_s_per_epoch": bound * batches_per_epoch,
                    "ratio_to_bound": sec / bound,
                }
                rows.append(row)
                print(
                    f"{genes:>6} {precision:>8} {method:>5}: "
                    f"{row['s_per_epoch_extrapolated']:8.2f} s/epoch, "
                    f"{row['samples_per_s']:8.1f} samples/s, "
                    f"bound {row['bound_s_per_epoch']:7.2f} s, "
                    f"ratio {row['ratio_to_bound']:.2f}",
                    flush=True,
                )

    header = (
        "| genes | precision | step | samples/s | s/epoch (extrapolated) | "
        "bound s/epoch | ratio to bound | matmul peak GFLOP/s |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
    )
    lines = [
        f"| {r['genes']} | {r['precision']} | {r['method']} | "
        f"{r['samples_per_s']:.1f} | {r['s_per_epoch_extrapolated']:.2f} | "
        f"{r['bound_s_per_epoch']:.2f} | {r['ratio_to_bound']:.2f} | "
        f"{r['matmul_peak_gflops']:.1f} |"
        for r in rows
    ]
    meta = {
        "samples": N_SAMPLES,
        "batch_size": BATCH,
        "batches_per_epoch": batches_per_epoch,
        "n_critic": N_CRITIC,
        "generator": f"{LATENT}+{N_COND}-{GEN_HIDDEN}-genes (batch norm)",
        "critic": f"genes+{N_COND}-{CRITIC_HIDDEN}-1",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
    }
    table = header + "\n".join(lines)
    print()
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_training.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2)
    )
    (out / "bench_training.md").write_text(
        "# WGAN-GP training throughput\n\n"
        f"Seconds per epoch are extrapolated from timed batches after warm-up "
        f"({N_SAMPLES} samples, batch {BATCH}, {batches_per_epoch} batches per "
        f"epoch, n_critic {N_CRITIC}); the bound is the fused step's matrix-"
        "product FLOPs at the measured `torch.mm` peak of the same shapes.\n\n"
        f"Settings: {json.dumps(meta)}\n\n" + table + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
