import platform

from tests.services import ROOT


def test_platform_folder_is_not_a_python_package():
    assert not list((ROOT / "platform").rglob("__init__.py"))


def test_the_standard_library_platform_module_is_not_shadowed():
    assert platform.__file__.startswith(str(ROOT)) is False
    assert platform.python_version().startswith("3.")
