"""Sphinx configuration of the sklearn-remgan documentation.

Build from the repository root with ``python -m sphinx -W --keep-going -b html docs
docs/_build/html`` (the ``docs`` extra installs what it needs). The API reference
is written at each build from the ``__all__`` of every public subpackage, so a
name added to or removed from ``__all__`` appears in or leaves the docs without an
edit here; the gallery runs the ``examples/`` scripts whose names match
``sphinx_gallery_conf["filename_pattern"]``.
"""

import re
import sys
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))

import api_reference  # noqa: E402

import sklearn_remgan  # noqa: E402

# The gallery examples run in this process and train small networks: one torch
# thread keeps the build fast on a busy or small machine.
torch.set_num_threads(1)

project = "sklearn-remgan"
author = "sklearn-remgan developers"
copyright = "sklearn-remgan developers"
release = sklearn_remgan.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Only what the docstring test does not check already; the build fails on the rest.
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False

myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-remgan {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

# No network in CI: cross-references to other projects are written as text.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Scripts whose names match run during the build; search_on_dask.py is shown
    # but not run (it starts a dask cluster of worker processes; the README's
    # cluster block, run by tests/test_readme.py, covers the same code).
    "filename_pattern": r"/(plot_|tune_)",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "plot_gallery": "True",
    "remove_config_comments": True,
    "reset_modules": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_remgan",),
    "backreferences_dir": "generated/backreferences",
    "inspect_global_variables": False,
}


# Written when the configuration is read, before Sphinx lists the source files
# (autosummary only scans the files found then).
(DOCS / "api.rst").write_text(api_reference.api_rst())


# Docstrings name fitted attributes as plain words (``n_features_in_``), which
# reStructuredText reads as hyperlink references. Before numpydoc parses the
# docstring, such words become literals, except the name on lines that define a
# parameter or attribute ("name : type"), which numpydoc reads.
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w*|<])([A-Za-z]\w*[A-Za-z0-9]_)(?![`\w])")
_DEFINITION = re.compile(r"^\s*\*{0,2}\w+(\s*,\s*\*{0,2}\w+)*\s*(:(\s.*)?)?$")


def literal_fitted_attributes(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        head, sep, tail = line.partition(" : ")
        if _DEFINITION.match(line) and sep:
            lines[i] = head + sep + _TRAILING_UNDERSCORE.sub(r"``\1``", tail)
        elif not _DEFINITION.match(line):
            lines[i] = _TRAILING_UNDERSCORE.sub(r"``\1``", line)


def setup(app):
    app.connect("autodoc-process-docstring", literal_fitted_attributes, priority=100)
