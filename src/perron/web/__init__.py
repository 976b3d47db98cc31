"""The web application: server-rendered pages, Dutch first with English on request."""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

# One page module per capability; each exposes ``router``.
PAGE_MODULES = (
    "perron.web.pages.home",
    "perron.web.pages.registry_import",  # before registry: /incidents/import is no incident id
    "perron.web.pages.registry",
    "perron.web.pages.monitor",
    "perron.web.pages.live",
    "perron.web.pages.forecast",
    "perron.web.pages.programme",
    "perron.web.pages.effect",
    "perron.web.pages.inspections",
    "perron.web.pages.network",
    "perron.web.pages.military",
    "perron.web.pages.joint",
)


def mount(app: FastAPI) -> None:
    """Add the static files and every page router to ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
