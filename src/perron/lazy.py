"""Import a module on first use, so that the web app starts fast: pandas, SciPy and friends are
loaded when the first page that needs them is asked for, not when the server starts."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any


def lazy_module(name: str) -> ModuleType:
    """Return module ``name``; when it is not imported yet, it is executed at its first use."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def exported(package: str, exports: Mapping[str, str], name: str) -> Any:
    """What a package's ``__getattr__`` answers for ``name``: the public name imported from its
    module in ``exports`` (name → module) on first use, then kept in the package."""
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    setattr(sys.modules[package], name, value)
    return value
