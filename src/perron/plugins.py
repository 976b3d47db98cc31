"""Extension points: named registries filled from Python entry points.

Every seam of Perron (event-source adapters, correlation-rule kinds, exporters, forecast models,
effect outcomes, military path rules, joint measures) is a :class:`Registry` bound to one entry
point group. Perron's own built-ins are declared in its ``pyproject.toml`` under the same groups
as a third-party package would use, so they are found the same way::

    [project.entry-points."perron.exporters"]
    csv = "perron.registry.exports:CSV"

A registry loads its group on first use. A plugin that cannot be imported, or whose object is not
what the group expects, stops the load with a :class:`PluginError` naming the group, the plugin
and its target; asking for a name nobody registered raises :class:`UnknownPlugin` with the names
that are known. Nothing here imports the rest of Perron: the registries live in the packages that
own the seam, and this module sits below them all.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: The entry point groups of Perron, each with what a plugin in it provides.
GROUPS: dict[str, str] = {
    "perron.sources": "event-source adapters (perron.live.sources.Source)",
    "perron.rules": "correlation-rule kinds (perron.live.rules.RuleKind)",
    "perron.exporters": "export formats (perron.interop.exporters.Exporter)",
    "perron.models": "forecast models (a perron.forecast.models.Forecaster factory)",
    "perron.effect.outcomes": "effect outcomes (perron.effect.outcomes.Outcome)",
    "perron.military.rules": "military path rules (perron.military.rules.PathRule)",
    "perron.joint.measures": "joint measures (perron.joint.measures.MeasureSpec)",
    "perron.programme.evidence": "evidence sources for the measure catalogue (a function)",
}

#: The distribution whose entry points are the built-ins.
BUILTIN_DIST = "perron"


class PluginError(RuntimeError):
    """A plugin that cannot be used; the message names the group, the plugin and its target."""


class UnknownPlugin(PluginError, LookupError):
    """A name that no plugin of the group registered."""

    def __init__(self, group: str, name: str, known: list[str]) -> None:
        self.group, self.name, self.known = group, name, known
        super().__init__(
            f"{group}: no plugin named {name!r}; known: {', '.join(known) or '(none)'}"
        )


def _dist_name(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return getattr(dist, "name", None) if dist is not None else None


class Registry(Generic[T]):
    """Named plugins of one entry point group.

    ``check`` receives the loaded object and returns the registered value (raising ``TypeError``
    or ``ValueError`` when the object is not fit); ``name_of`` gives the name a value is
    registered under when it is added in code (see :meth:`add`).
    """

    def __init__(
        self,
        group: str,
        check: Callable[[str, Any], T],
        *,
        builtin: tuple[str, ...] = (),
    ) -> None:
        self.group = group
        self._check = check
        self._builtin = builtin
        self._items: dict[str, T] = {}
        self._origin: dict[str, str] = {}
        self._added: dict[str, T] = {}  # added in code; kept across reset()
        self._loaded = False
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []

    # -- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        """Load every entry point of the group (once); raises PluginError for a broken one."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            found: dict[str, T] = {}
            origin: dict[str, str] = {}
            for ep in sorted(entry_points(group=self.group), key=lambda e: e.name):
                where = f"{ep.value} from {_dist_name(ep) or 'an unknown distribution'}"
                if ep.name in found:
                    raise PluginError(
                        f"{self.group}: plugin {ep.name!r} is registered twice "
                        f"({origin[ep.name]} and {where})"
                    )
                try:
                    obj = ep.load()
                except Exception as exc:  # any failure of a plugin's import is its own
                    raise PluginError(
                        f"{self.group}: plugin {ep.name!r} ({where}) cannot be loaded: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                try:
                    found[ep.name] = self._check(ep.name, obj)
                except (TypeError, ValueError) as exc:
                    raise PluginError(
                        f"{self.group}: plugin {ep.name!r} ({where}) is not usable: {exc}"
                    ) from exc
                origin[ep.name] = where
            missing = [n for n in self._builtin if n not in found]
            if missing:
                raise PluginError(
                    f"{self.group}: built-in plugin(s) {', '.join(missing)} not found among the "
                    "installed entry points; the installed metadata of perron is out of date "
                    "(run 'make setup' or 'pip install -e .' again)"
                )
            found.update(self._added)
            origin.update({n: "code" for n in self._added})
            self._items, self._origin, self._loaded = found, origin, True
        self._changed()

    # -- use ---------------------------------------------------------------------------------

    def add(self, name: str, obj: Any, origin: str = "code") -> T:
        """Register ``obj`` under ``name`` in code (for a package that is not installed)."""
        value = self._check(name, obj)
        with self._lock:
            self._added[name] = value
            self._items[name] = value
            self._origin[name] = origin
        self._changed()
        return value

    def remove(self, name: str) -> None:
        with self._lock:
            self._added.pop(name, None)
            self._items.pop(name, None)
            self._origin.pop(name, None)
        self._changed()

    def reset(self) -> None:
        """Forget what was loaded: the next use reads the entry points again (after a package
        was installed or removed while the process runs)."""
        with self._lock:
            self._items = dict(self._added)
            self._origin = {n: "code" for n in self._added}
            self._loaded = False
        self._changed()

    def get(self, name: str) -> T:
        self.load()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownPlugin(self.group, name, self.names()) from None

    def names(self) -> list[str]:
        self.load()
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        self.load()
        return list(self._items.items())

    def origin(self, name: str) -> str:
        self.get(name)
        return self._origin[name]

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        self.load()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def on_change(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` whenever the registry changes (to drop caches built on it)."""
        self._listeners.append(fn)

    def _changed(self) -> None:
        for fn in self._listeners:
            fn()


def check_installed(groups: Iterable[str] = GROUPS) -> int:
    """Check, without importing them, that every plugin of ``groups`` names a module that is
    installed and that Perron's own entry points are there; returns how many were checked.

    Run when the app starts, so that a plugin whose package is gone stops ``perron serve``
    with its name instead of failing the first request that needs it."""
    n = 0
    own: set[str] = set()
    for group in groups:
        for ep in entry_points(group=group):
            module = ep.value.split(":", 1)[0].strip()
            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError) as exc:
                spec, why = None, f"{type(exc).__name__}: {exc}"
            else:
                why = "no such module"
            if spec is None:
                raise PluginError(
                    f"{group}: plugin {ep.name!r} ({ep.value} from "
                    f"{_dist_name(ep) or 'an unknown distribution'}) cannot be found: {why}"
                )
            if _dist_name(ep) == BUILTIN_DIST:
                own.add(group)
            n += 1
    missing = [g for g in groups if g not in own]
    if missing:
        raise PluginError(
            f"{', '.join(missing)}: Perron's own entry points are not installed; the installed "
            "metadata of perron is out of date (run 'make setup' or 'pip install -e .' again)"
        )
    return n


def instance_of(kind: type[T]) -> Callable[[str, Any], T]:
    """A ``check`` for registries whose plugins are instances of ``kind``."""

    def check(name: str, obj: Any) -> T:
        if not isinstance(obj, kind):
            raise TypeError(f"{obj!r} is not a {kind.__module__}.{kind.__qualname__}")
        return obj

    return check


def callable_plugin(name: str, obj: Any) -> Any:
    """A ``check`` for registries whose plugins are functions or factories."""
    if not callable(obj):
        raise TypeError(f"{obj!r} is not callable")
    return obj


_MODULE_GROUPS: dict[str, list[str]] = {}
_MODULE_LOCK = threading.Lock()


def load_modules(group: str) -> list[str]:
    """Import every entry point of ``group`` once; for seams whose plugins register themselves
    when imported (the decorators of effect outcomes, military path rules and joint measures).

    Returns the names of the entry points; raises PluginError naming a plugin that fails."""
    done = _MODULE_GROUPS.get(group)
    if done is not None:
        return done
    with _MODULE_LOCK:
        done = _MODULE_GROUPS.get(group)
        if done is not None:
            return done
        names = []
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            try:
                ep.load()
            except Exception as exc:  # any failure of a plugin's import is its own
                raise PluginError(
                    f"{group}: plugin {ep.name!r} ({ep.value} from "
                    f"{_dist_name(ep) or 'an unknown distribution'}) cannot be loaded: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            names.append(ep.name)
        _MODULE_GROUPS[group] = names
        return names
