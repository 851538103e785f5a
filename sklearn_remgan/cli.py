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
    from sklearn_remgan.study._presets import PRESETS, SAMPLER_PRESETS, SAMPLERS

    p = sub.add_parser(
        "study",
        help="run the whole blind-spot study and write a report folder",
        description=(
            "Run the blind-spot study: load (or simulate) data, split (grouped when "
            "--group is given), standardize on the training part, fit the sampler, "
            "generate, measure precision/recall and REM (never in-sample), compare "
            "with real-vs-real and SMOTE baselines, test the paper's findings, "
            "compare downstream classifiers, and write a report folder (index.html "
            "with the verdict on top, PNG/SVG figures, CSV tables including "
            "blind_spots.csv, metrics.json, log). Every option is checked against "
            "the data before training."
        ),
    )
    p.add_argument("--out", required=True, help="report folder to create")
    p.add_argument(
        "--force", action="store_true", help="replace an existing report folder"
    )
    _add_data_options(p)
    _add_settings(p, PRESETS, SAMPLERS, SAMPLER_PRESETS)
    p.set_defaults(func=_run_study_command)


def _add_data_options(p):
    """The options naming real files and their annotation columns."""
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
    data.add_argument(
        "--case",
        metavar="VALUE",
        help="value of --status marking the case (cancer) rows; needed when the "
        "status has other values than tumor/normal, cancer/healthy or 1/0",
    )


def _add_settings(p, presets, samplers, sampler_presets):
    """The options of the run itself (sampler, sizes, seeds)."""
    quick = presets["quick"]
    epochs = {
        name: sampler_presets["quick"][name].get("max_epochs", quick["max_epochs"])
        for name in samplers
    }
    run = p.add_argument_group("settings")
    run.add_argument(
        "--sampler",
        choices=samplers,
        default=None,
        help="generator to judge: the conditional WGAN-GP or the conditional "
        "diffusion model (DDPMSampler) (default: the preset's: "
        + ", ".join(f"{name}: {presets[name]['sampler']}" for name in sorted(presets))
        + ")",
    )
    run.add_argument(
        "--seeds",
        type=_positive_int,
        default=1,
        help="sampler runs behind the verdict; with more than one, each finding's "
        "confidence is its spread over the seeds (the paper averages 5) instead of "
        "a bootstrap over rows (default: 1)",
    )
    run.add_argument(
        "--preset",
        choices=sorted(presets),
        default="quick",
        help="quick: minutes on a CPU; paper: the paper's exact settings (500 "
        "epochs, batch 64, Adam 1e-3/5e-4, gradient penalty 10, n_critic 5, REM "
        "with 2,000 components, k=3), for a GPU (default: quick)",
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
        help="sampler training epochs (quick: "
        + ", ".join(f"{epochs[name]} for {name}" for name in samplers)
        + ")",
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


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def _close_matches(name, columns):
    import difflib

    by_key = {c.casefold(): c for c in columns}
    keys = difflib.get_close_matches(name.casefold(), list(by_key), n=3, cutoff=0.6)
    return [by_key[k] for k in keys]


def _annotation_columns(args):
    """Columns of the sample annotation (--obs, or the .npz's sibling .obs.csv)."""
    from pathlib import Path

    from sklearn_remgan.datasets import read_annotation

    obs = args.obs
    data = Path(args.data)
    if obs is None and data.name.endswith(".npz"):
        sibling = data.with_name(data.name[: -len(".npz")] + ".obs.csv")
        obs = sibling if sibling.is_file() else None
    if obs is None:
        return None, None
    try:
        columns = [str(c) for c in read_annotation(obs).columns]
    except Exception as exc:
        raise _UsageError(f"--obs {Path(obs).name}: {_message(exc)}") from None
    return columns, Path(obs).name


def _message(exc):
    text = str(exc.args[0]) if exc.args else ""
    return text or type(exc).__name__


def _check_columns(args):
    """Resolve every column option against the annotation, before any loading.

    Returns the option -> full column name mapping (the loader's rule: exact,
    then ignoring case and ``_``, then the SDRF short name); an unknown name
    fails naming the option the user typed and the closest columns.
    """
    from sklearn_remgan.datasets._loaders import _resolve_column

    columns, source = _annotation_columns(args)
    options = [("--label", args.label)]
    options += [("--covariate", c) for c in args.covariate]
    options += [("--group", args.group), ("--status", args.status)]
    resolved = {}
    for option, name in options:
        if name is None:
            continue
        if columns is None:
            resolved[(option, name)] = name
            continue
        try:
            resolved[(option, name)] = _resolve_column(columns, name, option, source)
        except ValueError:
            close = _close_matches(name, columns)
            hint = (
                f"did you mean {' or '.join(repr(c) for c in close)}?"
                if close
                else f"the columns are {columns[:20]}"
            )
            raise _UsageError(
                f"{option} {name!r} is not a column of {source}; {hint}"
            ) from None
    return resolved


def _load_real(args):
    """Load --data/--obs into (X, y, covariates, groups, status, provenance)."""
    from pathlib import Path

    from sklearn_remgan.datasets import load_expression

    if args.label is None:
        raise _UsageError("--data needs --label COL (the class label column).")
    path = Path(args.data)
    if not path.is_file():
        raise _UsageError(f"--data: no such file: {args.data}")
    if path.stat().st_size == 0:
        raise _UsageError(f"--data {path.name}: the file is empty.")
    if args.obs is not None and not Path(args.obs).is_file():
        raise _UsageError(f"--obs: no such file: {args.obs}")
    names = _check_columns(args)
    label = names[("--label", args.label)]
    wanted = list(dict.fromkeys(names[("--covariate", c)] for c in args.covariate))
    status = None if args.status is None else names[("--status", args.status)]
    if status is not None and status not in wanted:
        wanted.append(status)
    group = None if args.group is None else names[("--group", args.group)]
    extra = [group] if group is not None and group not in wanted else []
    try:
        X, y, cov = load_expression(
            args.data, args.obs, label=label, covariates=(wanted + extra) or None
        )
    except Exception as exc:
        # A file that cannot be read is an input problem: name the file.
        raise _UsageError(f"--data {path.name}: {_message(exc)}") from None
    groups = None
    if group is not None:
        # The group column comes after the covariates unless it is one of them.
        at = wanted.index(group) if group in wanted else len(wanted)
        groups = cov.iloc[:, at].to_numpy()
    cov = cov.iloc[:, : len(wanted)] if wanted else None
    if status is not None:
        status = str(cov.columns[wanted.index(status)])
    provenance = {
        "source": "files",
        "data": path.name,
        "obs": None if args.obs is None else Path(args.obs).name,
        "label": label,
        "covariates": wanted,
        "group": group,
    }
    return X, y, cov, groups, status, provenance


class _Terminated(SystemExit):
    """SIGTERM, raised as an exception so that cleanup code runs as for Ctrl-C."""


def _on_sigterm(signum, frame):
    raise _Terminated(128 + signum)


class _LogCapture:
    """Attach console and in-memory handlers; restore the logger on exit."""

    def __init__(self, name):
        self.logger = logging.getLogger(name)
        fmt = logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S")
        self.console = logging.StreamHandler(sys.stderr)
        self.memory = _ListHandler()
        for handler in (self.console, self.memory):
            handler.setFormatter(fmt)

    def __enter__(self):
        self.saved = (self.logger.level, self.logger.propagate)
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        self.logger.addHandler(self.console)
        self.logger.addHandler(self.memory)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.console)
        self.logger.removeHandler(self.memory)
        self.logger.setLevel(self.saved[0])
        self.logger.propagate = self.saved[1]
        return False


def _study_inputs(args):
    """The data options, checked; (X, y, covariates, groups, status, provenance)."""
    if args.data is None:
        for flag in ("obs", "label", "group", "case"):
            if getattr(args, flag) is not None:
                raise _UsageError(f"--{flag} needs --data FILE.")
        if args.covariate:
            raise _UsageError("--covariate needs --data FILE.")
        return None, None, None, None, args.status, None
    for flag in ("n_samples", "n_genes"):
        if getattr(args, flag) is not None:
            raise _UsageError(
                f"--{flag.replace('_', '-')} sizes the simulated data; it has no "
                "meaning with --data FILE."
            )
    X, y, cov, groups, status, provenance = _load_real(args)
    if status is None and cov is not None:
        status = next((c for c in cov.columns if c in _STATUS_NAMES), None)
    return X, y, cov, groups, status, provenance


def _run_study_command(args):
    import signal
    import threading

    from sklearn_remgan.study import (
        StudyInputError,
        check_report_target,
        run_study,
        write_report,
    )
    from sklearn_remgan.study._stages import log_stage

    start = time.perf_counter()
    # Signal handlers can only be set from the main thread (not from a worker
    # thread that calls main()).
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        with _LogCapture("sklearn_remgan.study") as log:
            out = check_report_target(args.out, force=args.force)
            log.logger.info("remgan %s: remgan %s", __version__, shlex.join(args.argv))
            X, y, cov, groups, status, provenance = _study_inputs(args)
            result = run_study(
                X,
                y,
                covariates=cov,
                groups=groups,
                status=status,
                case=args.case,
                preset=args.preset,
                sampler=args.sampler,
                n_samples=args.n_samples,
                n_genes=args.n_genes,
                max_epochs=args.max_epochs,
                n_components=args.n_components,
                k=args.k,
                embedding=args.embedding,
                test_size=args.test_size,
                device=args.device,
                align=args.align,
                seeds=args.seeds,
                random_state=args.random_state,
                verbose=0 if args.quiet else 1,
                provenance=provenance,
            )
            log_stage("write", str(out))
            log.logger.info("finished in %.1f s", time.perf_counter() - start)
            write_report(
                result, out, force=args.force, log_text="\n".join(log.memory.lines)
            )
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is not None:  # release the figures' memory
                for disp in result.displays.values():
                    plt.close(disp.figure_)
    except (_UsageError, StudyInputError, OSError) as exc:
        # Input problems found before training: one line, no traceback.
        print(f"remgan study: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
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
