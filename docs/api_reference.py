"""The API reference page, written from each public subpackage's ``__all__``.

``conf.py`` writes ``api.rst`` from :func:`api_rst` at each build, so a name added
to or removed from an ``__all__`` appears in or leaves the reference without an
edit in ``docs/``; ``tests/test_examples.py`` checks that every public name is
listed.
"""

import importlib

PUBLIC_MODULES = {
    "sklearn_remgan": "Top-level estimators and scorers",
    "sklearn_remgan.over_sampling": "Over-samplers",
    "sklearn_remgan.metrics": "Metrics and scorers",
    "sklearn_remgan.diagnostics": "Diagnostics: tables and figures",
    "sklearn_remgan.alignment": "Optimal-transport alignment",
    "sklearn_remgan.datasets": "Data sets: simulator and loaders",
    "sklearn_remgan.study": "The study",
    "sklearn_remgan.utils": "Utilities",
}


def public_names():
    """Map each public module to the public names of its ``__all__``."""
    names = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        names[module_name] = [n for n in module.__all__ if not n.startswith("__")]
    return names


def home(module_name, name):
    """The public module under which ``name`` gets its page.

    A name re-exported by a parent package (the top level re-exports the main
    estimators) is documented once, under the subpackage that defines it.
    """
    obj = getattr(importlib.import_module(module_name), name)
    defined_in = getattr(obj, "__module__", None) or module_name
    for candidate in PUBLIC_MODULES:
        if candidate != "sklearn_remgan" and defined_in.startswith(candidate + "."):
            if name in importlib.import_module(candidate).__all__:
                return candidate
    return module_name


def api_rst():
    """The text of ``api.rst``."""
    lines = [
        ".. This file is written by conf.py at each build; do not edit it.",
        "",
        "=============",
        "API reference",
        "=============",
        "",
        "Every public name, as listed in the ``__all__`` of each subpackage.",
        "",
    ]
    for module_name, names in public_names().items():
        title = f"``{module_name}``: {PUBLIC_MODULES[module_name]}"
        lines += [title, "=" * len(title), "", f".. automodule:: {module_name}"]
        lines += ["   :no-members:", "   :no-index:", ""]
        own = [n for n in names if home(module_name, n) == module_name]
        linked = [n for n in names if n not in own]
        if own:
            lines += [".. currentmodule:: " + module_name, ""]
            lines += [".. autosummary::", "   :toctree: generated/", ""]
            lines += [f"   {name}" for name in sorted(own)] + [""]
        if linked:
            refs = ", ".join(
                f":obj:`~{home(module_name, n)}.{n}`" for n in sorted(linked)
            )
            lines += [f"Also available here: {refs}.", ""]
    return "\n".join(lines)
