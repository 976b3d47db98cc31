"""The FastAPI application: API routers of every capability plus the web app."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from perron import __version__, plugins
from perron.api import auth, docs, health, problems, stations
from perron.config import Settings, get_settings
from perron.store.db import engine_for, session_factory

# One router module per capability; each exposes ``router``.
CAPABILITY_ROUTERS = (
    "perron.api.registry",
    "perron.api.monitor",
    "perron.api.live",
    "perron.api.alerts",
    "perron.api.forecast",
    "perron.api.programme",
    "perron.api.effect",
    "perron.api.inspections",
    "perron.api.network",
    "perron.api.military",
    "perron.api.joint",
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the app runs: the alerts' periodic work (escalation, webhook delivery), started
    once here and stopped when the app shuts down."""
    from perron.live.tasks import AlertTasks

    tasks = AlertTasks(app.state.sessions, app.state.settings.alert_tasks_interval)
    app.state.alert_tasks = tasks
    tasks.start()
    try:
        yield
    finally:
        await tasks.stop()


def create_app(settings: Settings | None = None, *, web: bool = True) -> FastAPI:
    """Build the app for ``settings`` (from the environment by default)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Perron",
        version=__version__,
        description="Social safety of Dutch railway stations and resilience of the rail network.",
        openapi_tags=[{"name": "reference", "description": "Stations, network, municipalities"}],
        docs_url=None,  # served by perron.api.docs from local files
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    problems.install(app)
    plugins.check_installed()  # a plugin whose package is gone stops the start, by its name

    @app.exception_handler(plugins.PluginError)
    async def _plugin(request: Request, exc: plugins.PluginError) -> problems.ProblemResponse:
        """A plugin that fails to load: the operator's problem, named in the answer."""
        problems.log.error("plugin error on %s %s: %s", request.method, request.url.path, exc)
        problem = problems.Problem(500, "Plugin error", str(exc))
        return problems.ProblemResponse(problem.document(str(request.url.path)), status_code=500)

    docs.install(app)
    from perron.http.security import SecurityMiddleware

    app.add_middleware(SecurityMiddleware, secure_cookies=settings.secure_cookies)
    for module in (health, auth, stations):
        app.include_router(module.router)
    for name in CAPABILITY_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a capability not installed in this build
            if exc.name != name:
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    if web:
        from perron.web import mount

        mount(app)
    return app
