"""Each capability package states its public surface in ``__init__.__all__``: every name there
exists, is documented, and is defined in the package itself; nothing private is listed, and
nothing public is left out of the list."""

import importlib
import inspect
import pkgutil
import types
from pathlib import Path

import pytest

import perron

#: the capability packages (and the core ones with functions others call)
PACKAGES = (
    "access",
    "effect",
    "forecast",
    "inspections",
    "interop",
    "joint",
    "live",
    "military",
    "monitor",
    "network",
    "programme",
    "reference",
    "registry",
    "store",
)
#: packages that are front ends (and what two of them share of HTTP) or pure types, not
#: surfaces of functions
NOT_SURFACES = {"api", "cli", "domain", "http", "web"}


def test_every_package_is_either_a_surface_or_a_front_end():
    found = {m.name for m in pkgutil.iter_modules(perron.__path__) if m.ispkg}
    assert found == set(PACKAGES) | NOT_SURFACES, "a new package: list it in PACKAGES"


@pytest.mark.parametrize("name", PACKAGES)
def test_the_surface_is_all_and_each_name_is_documented(name):
    package = importlib.import_module(f"perron.{name}")
    assert isinstance(package.__all__, list | tuple), f"perron.{name} has no __all__ list"
    names = list(package.__all__)
    assert names, f"perron.{name}.__all__ is empty"
    assert len(set(names)) == len(names), f"perron.{name}.__all__ repeats a name"
    assert not [n for n in names if n.startswith("_")], f"perron.{name} lists a private name"
    # a name that is also a submodule would hide the module from ``from perron.x import y``
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert not set(names) & modules, f"perron.{name} exports names of its submodules"
    root = f"perron.{name}"
    for public in names:
        value = getattr(package, public)  # AttributeError: listed but missing
        if callable(value) or inspect.isclass(value):
            where = getattr(value, "__module__", "") or ""
            assert where == root or where.startswith(root + "."), (
                f"perron.{name}.{public} comes from {where}, not from the package"
            )
            assert inspect.getdoc(value), f"perron.{name}.{public} has no docstring"


@pytest.mark.parametrize("name", PACKAGES)
def test_nothing_public_is_left_out(name):
    package = importlib.import_module(f"perron.{name}")
    # what the package's own __init__ defines or imports (submodules are not the surface)
    source = Path(package.__file__).read_text()
    defined = {
        n
        for n, v in vars(package).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and n not in {"annotations", "importlib", "Any"}
        and n in source
    }
    assert defined <= set(package.__all__), (
        f"perron.{name} has public names outside __all__: {sorted(defined - set(package.__all__))}"
    )
