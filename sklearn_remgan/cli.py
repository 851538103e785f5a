"""The ``remgan`` console script."""

import argparse
import logging
import shlex
import sys
import time

from sklearn_remgan._version import __version__

# Covariate names read as cancer/healthy status when --status is not given.
_STATUS_NAMES = ("status", "cancer", "condition", "disease")


class _UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


def build_parser():
    """Return the argument parser of the ``remgan`` command."""
    parser = argparse.ArgumentParser(
        prog="remgan",
        description=(
            "Augment expression data with a conditional WGAN-GP and find where the "
            "generator fails (precision/recall, REM, zero-recall tables)."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_study(sub)
    return parser


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _add_study(sub):
    from sklearn_remgan.study._run import PRESETS

    quick = PRESETS["quick"]
    p = sub.add_parser(
        "study",
        help="run the whole blind-spot study and write a report folder",
        description=(
            "Run the blind-spot study: load (or simulate) data, split (grouped when "
            "--group is given), standardize on the training part, fit the "
            "WGAN-GP sampler, generate, compute precision/recall, REM and the "
            "diagnostics, compare downstream classifiers, and write a report "
            "folder (index.html, PNG/SVG figures, CSV tables, metrics.json, log)."
        ),
    )
    p.add_argument("--out", required=True, help="report folder to create")
    p.add_argument(
        "--force", action="store_true", help="replace an existing report folder"
    )
    data = p.add_argument_group("real data (default: the embedded simulator)")
    data.add_argument(
        "--data",
        help="expression matrix: CSV/TSV/Parquet, .h5ad, or .npz with X, obs_names, "
        "var_names",
    )
    data.add_argument("--obs", help="sample annotation table (CSV/TSV, SDRF)")
    data.add_argument("--label", help="annotation column holding the class labels")
    data.add_argument(
        "--covariate",
        action="append",
        default=[],
        metavar="COL",
        help="annotation column used as a mode (repeatable), e.g. cancer status",
    )
    data.add_argument(
        "--group",
        metavar="COL",
        help="annotation column to split by (e.g. patient): a group stays on one side",
    )
    data.add_argument(
        "--status",
        metavar="COL",
        help="covariate with cancer/healthy status for the REM difference table "
        f"(default: the first covariate named one of {', '.join(_STATUS_NAMES)})",
    )
    run = p.add_argument_group("settings")
    run.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="quick",
        help="quick: minutes on a CPU; paper: the published settings, for a GPU "
        "(default: quick)",
    )
    run.add_argument("--device", help='torch device: "cpu", "cuda" or "auto"')
    run.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    run.add_argument(
        "--n-components",
        type=_positive_int,
        help=f"principal components of REM (quick: {quick['n_components']})",
    )
    run.add_argument(
        "--k", type=_positive_int, help=f"k-NN neighbours (default: {quick['k']})"
    )
    run.add_argument(
        "--max-epochs",
        type=_positive_int,
        help=f"sampler training epochs (quick: {quick['max_epochs']})",
    )
    run.add_argument(
        "--n-samples",
        type=_positive_int,
        help=f"simulated samples (quick: {quick['n_samples']})",
    )
    run.add_argument(
        "--n-genes",
        type=_positive_int,
        help=f"simulated genes (quick: {quick['n_genes']})",
    )
    run.add_argument(
        "--embedding",
        choices=("umap", "pca"),
        help="2D embedding of figure B (default: umap)",
    )
    run.add_argument(
        "--test-size",
        type=float,
        help=f"share of samples held out (default: {quick['test_size']})",
    )
    run.add_argument(
        "--no-align",
        dest="align",
        action="store_false",
        default=None,
        help="skip the OT alignment stage (default: run it when POT is installed)",
    )
    run.add_argument(
        "--quiet", action="store_true", help="no progress bar, only stage lines"
    )
    p.set_defaults(func=_run_study_command)


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def _load_real(args):
    """Load --data/--obs into (X, y, covariates, groups, provenance)."""
    from pathlib import Path

    from sklearn_remgan.datasets import load_expression

    if args.label is None:
        raise _UsageError("--data needs --label COL (the class label column).")
    path = Path(args.data)
    if not path.is_file():
        raise _UsageError(f"--data: no such file: {args.data}")
    if args.obs is not None and not Path(args.obs).is_file():
        raise _UsageError(f"--obs: no such file: {args.obs}")
    wanted = list(dict.fromkeys(args.covariate))
    if args.status and args.status not in wanted:
        wanted.append(args.status)
    extra = [args.group] if args.group and args.group not in wanted else []
    X, y, cov = load_expression(
        args.data,
        args.obs,
        label=args.label,
        covariates=(wanted + extra) or None,
    )
    groups = None
    if args.group:
        groups = cov[args.group].to_numpy()
        if extra:
            cov = cov.drop(columns=extra)
    cov = cov[wanted] if wanted else None
    provenance = {
        "source": "files",
        "data": path.name,
        "obs": None if args.obs is None else Path(args.obs).name,
        "label": args.label,
        "covariates": wanted,
        "group": args.group,
    }
    return X, y, cov, groups, provenance


def _run_study_command(args):
    from sklearn_remgan.study import (
        StudyInputError,
        check_report_target,
        run_study,
        write_report,
    )

    logger = logging.getLogger("sklearn_remgan.study")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    fmt = logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S")
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(fmt)
    memory = _ListHandler()
    memory.setFormatter(fmt)
    logger.addHandler(console)
    logger.addHandler(memory)
    start = time.perf_counter()
    try:
        out = check_report_target(args.out, force=args.force)
        logger.info("remgan %s: remgan %s", __version__, shlex.join(args.argv))
        X = y = cov = groups = provenance = None
        if args.data is None:
            for flag in ("obs", "label", "group"):
                if getattr(args, flag) is not None:
                    raise _UsageError(f"--{flag} needs --data FILE.")
            if args.covariate:
                raise _UsageError("--covariate needs --data FILE.")
            status = args.status
        else:
            try:
                X, y, cov, groups, provenance = _load_real(args)
            except (ValueError, TypeError, KeyError) as exc:
                raise _UsageError(exc.args[0] if exc.args else str(exc)) from exc
            status = args.status
            if status is None and cov is not None:
                status = next((c for c in cov.columns if c in _STATUS_NAMES), None)
        result = run_study(
            X,
            y,
            covariates=cov,
            groups=groups,
            status=status,
            preset=args.preset,
            n_samples=args.n_samples,
            n_genes=args.n_genes,
            max_epochs=args.max_epochs,
            n_components=args.n_components,
            k=args.k,
            embedding=args.embedding,
            test_size=args.test_size,
            device=args.device,
            align=args.align,
            random_state=args.random_state,
            verbose=0 if args.quiet else 1,
            provenance=provenance,
        )
        logger.info("[stage 8/8] write the report to %s", out)
        logger.info("finished in %.1f s", time.perf_counter() - start)
        write_report(result, out, force=args.force, log_text="\n".join(memory.lines))
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:  # release the figures' memory
            for disp in result.displays.values():
                plt.close(disp.figure_)
    except (_UsageError, StudyInputError, FileExistsError, FileNotFoundError) as exc:
        # Input problems found before training: one line, no traceback.
        print(f"remgan study: error: {exc}", file=sys.stderr)
        return 2
    finally:
        logger.removeHandler(console)
        logger.removeHandler(memory)
    print(f"report written to {out / 'index.html'}")
    return 0


def main(argv=None):
    """Run the ``remgan`` command; return the process exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name, e.g.
        ``["study", "--out", "report"]``; None reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        Process exit status: 0 on success (or when only the help is
        printed), 2 for bad input found before training. Errors in the
        arguments themselves exit through argparse's ``SystemExit(2)``.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
