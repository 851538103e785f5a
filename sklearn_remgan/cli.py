"""The ``remgan`` console script."""

import argparse
import sys

from sklearn_remgan._version import __version__


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
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv=None):
    """Run the ``remgan`` command; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
