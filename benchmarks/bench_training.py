"""Training throughput of the WGAN-GP net against a FLOP-count lower bound.

For each width (32,043 genes as in the paper, and 2,000 genes) and precision
(float32, bfloat16 autocast), the script times the net's ``train_step`` in
blocks of ``n_critic`` batches (one generator step each) after a warm-up and
extrapolates to one epoch of 10,643 samples (166 batches of 64): full epochs
at 32k genes take minutes each. Three implementations run interleaved in the
same process, so their ratios are meaningful on a shared machine; each gets
the median of its blocks:

- ``plain``: the textbook step (three critic forwards, generic double
  back-propagation for the penalty, generator step through a trainable
  critic) with torch's default (per-tensor loop) Adam;
- ``fused loss, loop Adam``: :func:`fused_critic_loss` (first-layer
  products of real and generated rows reused for the interpolates, input
  gradient chained through the first-layer weights once, critic weights
  frozen in the generator step), autograd's backward, the loop Adam;
- ``fused loss``: the same with fused Adam kernels (the first release);
- ``fused``: :class:`WGANGPNet` as shipped: :func:`fused_critic_backward`
  computes the first-layer weight gradient as one product into the gradient
  tensor of the previous step, where autograd runs two narrower products into
  fresh 64 MB buffers and adds them.

The lower bound counts the FLOPs of the matrix products the fused algorithm
needs (critic forward, penalty input gradient and its double backward, weight
gradients, plus the generator step every ``n_critic`` batches) and divides
them by the matmul peak: the best ``torch.mm`` rate measured in the same run
on the step's own wide products (e.g. 64 x 32,043 x 512, in their memory
layouts, output preallocated). The "GEMM" column instead times each of those
products at its own measured rate: what the step would cost if it did nothing
but its matrix products. Run::

    python benchmarks/bench_training.py            # full table
    python benchmarks/bench_training.py --quick    # 2,000 genes only
    THP_MEM_ALLOC_ENABLE=1 python benchmarks/bench_training.py

The last form lets torch back its large buffers (64 MB weight gradients at
32k genes) with transparent huge pages, which removes most of the page-fault
cost of allocating them (the shipped step no longer allocates the critic's);
results then go to ``bench_training_thp.*``.
Results go to ``benchmarks/results/bench_training.{json,md}`` (``--threads N``
adds ``_Nthread`` to the name: one thread is steadier on a shared machine).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from sklearn_remgan.over_sampling._losses import (
    WassersteinLoss,
    fused_critic_loss,
    gradient_penalty,
)
from sklearn_remgan.over_sampling._modules import Critic, Generator
from sklearn_remgan.over_sampling._net import WGANGPNet

N_SAMPLES = 10_643
BATCH = 64
N_COND = 12  # e.g. 9 tissues + 3 covariate categories
LATENT = 128
GEN_HIDDEN = (256, 512)
CRITIC_HIDDEN = (512, 256)
N_CRITIC = 5


def mm(m, k, n):
    return 2.0 * m * k * n


def wide_products(genes, b=BATCH):
    """The gene-wide matrix products of one fused batch, with their layouts.

    Each entry is ``(name, m, k, n, a_transposed, b_transposed, per_batch)``:
    ``A (m x k) @ B (k x n)`` where a transposed operand is a ``.t()`` view of
    a contiguous tensor, as in the training step, and ``per_batch`` counts the
    product per batch (generator-step products count ``1 / n_critic``).
    """
    h = CRITIC_HIDDEN[0]
    o = GEN_HIDDEN[-1]
    g = 1.0 / N_CRITIC
    return [
        # critic step
        ("gen output fwd (z @ Wo.T)", b, o, genes, False, True, 1.0 + g),
        ("critic layer-1 fwd, real+fake", 2 * b, genes, h, False, True, 1.0),
        ("penalty input grad (g @ W)", b, h, genes, False, False, 1.0 + g),
        ("penalty d/dg (D @ W.T)", b, genes, h, False, True, 1.0),
        # [d pre; g].T @ [d penalty/dD; real; fake]: penalty and layer-1 d/dW
        ("layer-1 d/dW, one product", h, 3 * b, genes, True, False, 1.0),
        # generator step only
        ("critic layer-1 fwd, fake", b, genes, h, False, True, g),
        ("gen output d/dh (dY @ Wo)", b, genes, o, False, False, g),
        ("gen output d/dWo (dY.T @ h)", genes, b, o, True, False, g),
    ]


def small_flops(b=BATCH, c=N_COND):
    """FLOPs of the narrow products (hidden layers, conditions) of one batch."""
    g1, g2 = GEN_HIDDEN
    h1, h2 = CRITIC_HIDDEN
    gen_hidden = mm(b, LATENT + c, g1) + mm(b, g1, g2)
    head = mm(b, h1, h2) + mm(b, h2, 1)  # head forward on b rows
    critic = (
        gen_hidden  # generated rows (no grad)
        + mm(2 * b, c, h1)  # condition part of layer 1, real + fake
        + 3 * head  # head on real, generated and interpolated rows
        + head  # d score / d pre-activation of the interpolates
        + 3 * 2 * head  # weight and input gradients of the head, 3b rows
        + 2 * head  # double back-propagation through the head's input grad
        + mm(c, 2 * b, h1)  # condition weights' gradient
    )
    generator = (
        3 * gen_hidden  # forward, input and weight gradients
        + mm(b, c, h1)
        + 2 * head  # critic forward and input gradient (frozen weights)
    )
    return critic + generator / N_CRITIC


def flops_per_batch(genes, b=BATCH):
    """FLOPs the fused algorithm needs per batch (critic + 1/n_critic gen)."""
    wide = sum(mm(m, k, n) * c for _, m, k, n, _, _, c in wide_products(genes, b))
    return wide + small_flops(b)


def _operand(rows, cols, transposed, dtype):
    if transposed:
        return torch.randn(cols, rows, dtype=dtype).t()
    return torch.randn(rows, cols, dtype=dtype)


def matmul_rates(genes, dtype, reps=10):
    """GFLOP/s of ``torch.mm`` on each wide product of the step (best of reps).

    Operands have the step's shapes and memory layouts; the output is
    preallocated so the rate is the GEMM's alone (no allocation).
    """
    rates = []
    for name, m, k, n, at, bt, count in wide_products(genes):
        a, b = _operand(m, k, at, dtype), _operand(k, n, bt, dtype)
        out = torch.empty(m, n, dtype=dtype)
        torch.mm(a, b, out=out)
        best = np.inf
        for _ in range(reps):
            t0 = time.perf_counter()
            torch.mm(a, b, out=out)
            best = min(best, time.perf_counter() - t0)
        rates.append((name, count, mm(m, k, n), mm(m, k, n) / best / 1e9))
    return rates


def make_net(genes, precision, adam="fused"):
    # adam="loop": torch's per-tensor Adam (the default before the fused one)
    extra = {}
    if adam == "loop":
        extra = {"optimizer__foreach": False, "critic_optimizer__foreach": False}
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
        **extra,
    ).initialize()


def generator_step(net, cond, ctx, freeze_critic):
    """One generator update, as in the net's step (``freeze_critic``) or not."""
    gen, critic = net.module_, net.critic_
    if freeze_critic:
        critic.requires_grad_(False)
    with ctx:
        fake = gen(torch.randn(cond.shape[0], LATENT), cond)
        g_loss = WassersteinLoss()(critic(fake, cond).float())
    net.optimizer_.zero_grad()
    g_loss.backward()
    net.optimizer_.step()
    critic.requires_grad_(True)


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
        generator_step(net, cond, ctx, freeze_critic=False)


def fused_loss_step(net, real, cond, batch_idx):
    """The first release's step: fused loss, then autograd's backward."""
    ctx = net._autocast()
    with ctx:
        with torch.no_grad():
            fake = net.module_(torch.randn(real.shape[0], LATENT), cond)
        alpha = torch.rand(real.shape[0], 1)
        loss, _, _ = fused_critic_loss(net.critic_, real, fake, cond, alpha, 10.0)
    net.critic_optimizer_.zero_grad()
    loss.backward()
    net.critic_optimizer_.step()
    if (batch_idx + 1) % N_CRITIC == 0:
        generator_step(net, cond, ctx, freeze_critic=True)


#: Step implementations timed: (label, step, Adam implementation).
METHODS = [
    ("plain", plain_step, "loop"),  # textbook WGAN-GP step, torch's default Adam
    ("fused loss, loop Adam", fused_loss_step, "loop"),
    ("fused loss", fused_loss_step, "fused"),  # the first release
    ("fused", None, "fused"),  # WGANGPNet.train_step as shipped
]


def time_methods(genes, precision, n_warmup_blocks, n_blocks):
    """Seconds per batch of each method: median over blocks of n_critic batches.

    The methods run interleaved, one block each in turn, so that the bursts
    of a shared machine hit them alike; each block holds one generator step,
    and the median ignores blocks slowed down by other processes.
    """
    real = torch.randn(BATCH, genes)
    cond = torch.eye(N_COND)[torch.arange(BATCH) % N_COND]
    nets, times = {}, {}
    for label, step, adam in METHODS:
        torch.manual_seed(0)
        net = make_net(genes, precision, adam)
        net.history.new_epoch()
        nets[label], times[label] = (net, step), []
    for block in range(n_warmup_blocks + n_blocks):
        for label, (net, step) in nets.items():
            t0 = time.perf_counter()
            for i in range(N_CRITIC):
                if step is None:
                    net.history.new_batch()
                    net.train_step((real, cond))
                else:
                    step(net, real, cond, i)
            if block >= n_warmup_blocks:
                times[label].append((time.perf_counter() - t0) / N_CRITIC)
    return {label: float(np.median(t)) for label, t in times.items()}


def _cpu_pressure():
    # share of the last 60 s some task waited for a CPU (Linux PSI), to tell
    # a quiet run from one that shared the cores with other work
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return None
    return float(dict(f.split("=") for f in line.split()[1:])["avg60"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 genes only")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    # torch reads THP_MEM_ALLOC_ENABLE at start-up: huge pages for its large
    # buffers (see the module docstring); results go to a separate file.
    thp = os.environ.get("THP_MEM_ALLOC_ENABLE", "0") == "1"
    stem = "bench_training_thp" if thp else "bench_training"
    if args.threads:
        stem += f"_{args.threads}thread"

    widths = [2_000] if args.quick else [32_043, 2_000]
    batches_per_epoch = N_SAMPLES // BATCH
    rows, breakdown = [], {}
    for genes in widths:
        # timed batches: a multiple of n_critic so generator steps are included
        # blocks of n_critic batches: warm-up, then timed
        n_warmup, n_timed = (1, 4) if genes > 10_000 else (2, 10)
        flops = flops_per_batch(genes)
        for precision in ("float32", "bfloat16"):
            dtype = torch.float32 if precision == "float32" else torch.bfloat16
            rates = matmul_rates(genes, dtype)
            seconds = time_methods(genes, precision, n_warmup, n_timed)
            # rates measured again after the steps; keep each product's best
            rates = [
                (*r[:3], max(r[3], again[3]))
                for r, again in zip(rates, matmul_rates(genes, dtype))
            ]
            peak = max(r for *_, r in rates)
            bound = flops / (peak * 1e9)
            # the same products, each at its own measured rate
            gemm = sum(c * f / (r * 1e9) for _, c, f, r in rates)
            gemm += small_flops() / (peak * 1e9)
            breakdown[f"{genes} {precision}"] = [
                {"product": n, "per_batch": c, "gflop": f / 1e9, "gflops": r}
                for n, c, f, r in rates
            ]
            for label, sec in seconds.items():
                row = {
                    "genes": genes,
                    "precision": precision,
                    "method": label,
                    "timed_batches": n_timed * N_CRITIC,
                    "s_per_batch": sec,
                    "samples_per_s": BATCH / sec,
                    "s_per_epoch_extrapolated": sec * batches_per_epoch,
                    "gflop_per_batch": flops / 1e9,
                    "matmul_peak_gflops": peak,
                    "bound_s_per_epoch": bound * batches_per_epoch,
                    "ratio_to_bound": sec / bound,
                    "gemm_s_per_epoch": gemm * batches_per_epoch,
                    "ratio_to_gemm": sec / gemm,
                }
                rows.append(row)
                print(
                    f"{genes:>6} {precision:>8} {label:>22}: "
                    f"{row['s_per_epoch_extrapolated']:8.2f} s/epoch, "
                    f"{row['samples_per_s']:8.1f} samples/s, "
                    f"bound {row['bound_s_per_epoch']:7.2f} s "
                    f"(peak {peak:.0f} GFLOP/s), "
                    f"ratio {row['ratio_to_bound']:.2f}, "
                    f"to GEMM time {row['ratio_to_gemm']:.2f}",
                    flush=True,
                )

    header = (
        "| genes | precision | step | samples/s | s/epoch (extrapolated) | "
        "bound s/epoch | ratio to bound | GEMM s/epoch | ratio to GEMM | "
        "matmul peak GFLOP/s |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    )
    lines = [
        f"| {r['genes']} | {r['precision']} | {r['method']} | "
        f"{r['samples_per_s']:.1f} | {r['s_per_epoch_extrapolated']:.2f} | "
        f"{r['bound_s_per_epoch']:.2f} | {r['ratio_to_bound']:.2f} | "
        f"{r['gemm_s_per_epoch']:.2f} | {r['ratio_to_gemm']:.2f} | "
        f"{r['matmul_peak_gflops']:.1f} |"
        for r in rows
    ]
    products = "\n".join(
        f"| {key} | {p['product']} | {p['per_batch']:.1f} | {p['gflop']:.2f} | "
        f"{p['gflops']:.1f} |"
        for key, items in breakdown.items()
        for p in items
    )
    meta = {
        "samples": N_SAMPLES,
        "batch_size": BATCH,
        "batches_per_epoch": batches_per_epoch,
        "n_critic": N_CRITIC,
        "generator": f"{LATENT}+{N_COND}-{GEN_HIDDEN}-genes (batch norm)",
        "critic": f"genes+{N_COND}-{CRITIC_HIDDEN}-1",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "THP_MEM_ALLOC_ENABLE": int(thp),
        "machine": platform.processor() or platform.machine(),
        "cpu_pressure_at_end": _cpu_pressure(),
    }
    table = header + "\n".join(lines)
    print()
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(
        json.dumps({"meta": meta, "rows": rows, "products": breakdown}, indent=2)
    )
    (out / f"{stem}.md").write_text(
        "# WGAN-GP training throughput\n\n"
        f"Seconds per epoch are extrapolated from timed batches after warm-up "
        f"({N_SAMPLES} samples, batch {BATCH}, {batches_per_epoch} batches per "
        f"epoch, n_critic {N_CRITIC}). *Bound*: the FLOPs the fused algorithm "
        "needs per batch at the matmul peak, the best `torch.mm` rate measured "
        "in the same run on the step's own wide products (shapes and layouts, "
        "preallocated output). *GEMM*: the same products each at its own "
        "measured rate, i.e. the step's time if it did nothing but its matrix "
        "products.\n\n"
        f"Settings: {json.dumps(meta)}\n\n" + table + "\n\n"
        "## Wide products per batch\n\n"
        "| width, precision | product | per batch | GFLOP | GFLOP/s |\n"
        "| --- | --- | --- | --- | --- |\n" + products + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
