"""The interactive API documentation (``/docs``), served from the Swagger UI files installed by
npm (``swagger-ui-dist``, copied by ``tools/copy_assets.py``): it works offline and asks no
other host for anything."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: where the Swagger UI files are (the web app's vendored static folder) and their URL
ASSETS = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "swagger-ui"
ASSETS_URL = "/static/vendor/swagger-ui"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"


def install(app: FastAPI) -> None:
    """Add ``/docs`` (FastAPI's own docs and ReDoc pages are switched off in ``create_app``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS, check_dir=False), name="swagger-ui")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_URL}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon-32x32.png",
            # no validator badge: it would fetch an image from validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
