"""Every public name has a numpydoc docstring whose parameters match its signature."""

import importlib
import inspect

import pytest
from numpydoc.validate import validate

PUBLIC_MODULES = [
    "sklearn_remgan",
    "sklearn_remgan.alignment",
    "sklearn_remgan.datasets",
    "sklearn_remgan.diagnostics",
    "sklearn_remgan.metrics",
    "sklearn_remgan.over_sampling",
    "sklearn_remgan.study",
    "sklearn_remgan.utils",
]

# numpydoc codes checked: parameters documented and in order (PR01-PR03), a
# summary (SS01, GL08 = no docstring), known sections (GL06, GL07).
CHECKED = {"GL08", "SS01", "PR01", "PR02", "PR03", "GL06", "GL07"}


def _public_objects():
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            qualname = f"{obj.__module__}.{obj.__qualname__}"
            if qualname in seen:
                continue
            seen.add(qualname)
            yield qualname, obj
            if inspect.isclass(obj):
                for meth_name, meth in vars(obj).items():
                    if meth_name.startswith("_") or not inspect.isfunction(meth):
                        continue
                    yield f"{qualname}.{meth_name}", meth


def _import_path(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


PUBLIC = sorted(_public_objects(), key=lambda item: item[0])


def test_public_api_is_not_empty():
    names = {name.rsplit(".", 1)[-1] for name, _ in PUBLIC}
    assert {"WGANGPSampler", "PRScorer", "REMScorer", "make_expression"} <= names


@pytest.mark.parametrize("obj", [obj for _, obj in PUBLIC], ids=[n for n, _ in PUBLIC])
def test_docstring_matches_signature(obj):
    result = validate(_import_path(obj))
    checked = CHECKED
    if inspect.isclass(obj) and "__init__" not in vars(obj):
        # The signature is inherited (e.g. torch's nn.Module(*args, **kwargs)).
        checked = CHECKED - {"PR01", "PR02", "PR03"}
    errors = [
        f"{code}: {message}" for code, message in result["errors"] if code in checked
    ]
    assert not errors, "\n".join(errors)
