import pytest

from sklearn_remgan.utils import import_optional


def test_import_optional_returns_module():
    np = import_optional("numpy", "test")
    assert hasattr(np, "ndarray")


def test_import_optional_names_extra_when_missing():
    with pytest.raises(ImportError, match=r"sklearn-remgan\[ot\]"):
        import_optional("ot._no_such_submodule_", "OTAligner")
