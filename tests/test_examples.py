"""The example gallery and the API reference stay in step with the code.

The gallery examples themselves run during the documentation build (``.ci/run``
builds it with warnings as errors); these tests catch, without Sphinx, an example
the gallery would reject or silently not run, and a public name missing from the
API reference.
"""

import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def api_reference():
    return _load(ROOT / "docs" / "api_reference.py", "api_reference")


def _gallery_pattern():
    # The pattern lives in docs/conf.py, which imports Sphinx-only settings;
    # read it from the source instead of importing the file.
    conf = (ROOT / "docs" / "conf.py").read_text()
    return re.search(r'"filename_pattern": r"(.+?)"', conf).group(1)


def test_there_are_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_has_a_gallery_title(path):
    docstring = ast.get_docstring(ast.parse(path.read_text()), clean=False)
    assert docstring, f"{path.name} needs a module docstring"
    lines = docstring.strip("\n").splitlines()
    assert len(lines) >= 3, f"{path.name}: title, underline, text"
    title, underline = lines[0], lines[1]
    assert set(underline) == {"="} and len(underline) >= len(title), path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_in_the_build_or_says_why_not(path):
    if re.search(_gallery_pattern(), f"/{path.name}"):
        return
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert "not run by the documentation build" in docstring, (
        f"{path.name} does not match the gallery's filename_pattern: it must say "
        "why it is not run"
    )


def test_api_reference_lists_every_public_name(api_reference):
    text = api_reference.api_rst()
    for module_name, names in api_reference.public_names().items():
        assert f".. automodule:: {module_name}" in text
        for name in names:
            home = api_reference.home(module_name, name)
            if home == module_name:
                assert re.search(rf"^   {re.escape(name)}$", text, re.MULTILINE), (
                    f"{module_name}.{name} is missing from the API reference"
                )
            else:
                assert f":obj:`~{home}.{name}`" in text, (module_name, name)
                # Documented once, under the subpackage that defines it.
                assert name in importlib.import_module(home).__all__


def test_api_reference_covers_every_subpackage(api_reference):
    package = ROOT / "sklearn_remgan"
    subpackages = {
        f"sklearn_remgan.{p.parent.name}"
        for p in package.glob("*/__init__.py")
        if not p.parent.name.startswith("_") and p.parent.name != "tests"
    }
    assert subpackages <= set(api_reference.PUBLIC_MODULES)


def test_design_notes_list_the_public_api(api_reference):
    # docs/design.md lists each subpackage's __all__ in one bullet per module.
    design = (ROOT / "docs" / "design.md").read_text()
    section = design.split("## Public API", 1)[1].split("\n## ", 1)[0]
    bullets = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^- `([\w.]+)`: (.*?)(?=^- |\Z)", section, re.M | re.S)
    }
    for module_name, names in api_reference.public_names().items():
        assert module_name in bullets, f"{module_name} is missing from design.md"
        listed = set(re.findall(r"`(\w+)`", bullets[module_name]))
        missing = set(names) - listed
        assert not missing, f"design.md does not list {module_name}: {missing}"
