"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("perron.api")


class Problem(Exception):
    """Raise to answer with a problem document; ``detail`` says what went wrong and what to do."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.type = status, title, detail, type_
        self.headers = headers or {}
        self.extra = extra

    def document(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            doc["detail"] = self.detail
        if instance:
            doc["instance"] = instance
        doc.update(self.extra)
        return doc


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


PROBLEM_SCHEMA: dict[str, Any] = {
    "description": "Problem details (RFC 9457)",
    "content": {
        MEDIA_TYPE: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                },
                "required": ["type", "title", "status"],
            }
        }
    },
}


def install(app: FastAPI) -> None:
    """Answer every error of the API with a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> ProblemResponse:
        return ProblemResponse(
            exc.document(str(request.url.path)), status_code=exc.status, headers=exc.headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        if exc.status_code == 404 and detail in (None, "Not Found"):
            detail = f"no resource at {request.url.path}"
        problem = Problem(exc.status_code, title, detail, headers=getattr(exc, "headers", None))
        return ProblemResponse(
            problem.document(str(request.url.path)),
            status_code=exc.status_code,
            headers=problem.headers,
        )

    @app.exception_handler(RecursionError)
    async def _nested(request: Request, exc: RecursionError) -> ProblemResponse:
        problem = Problem(422, "Invalid request", "the request is nested too deeply")
        return ProblemResponse(problem.document(str(request.url.path)), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        """The safety net: an error nobody foresaw is a problem document without a trace
        (the trace goes to the server log only)."""
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        problem = Problem(500, "Internal Server Error", "the server could not answer this request")
        return ProblemResponse(problem.document(str(request.url.path)), status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg"),
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        problem = Problem(422, "Invalid request", detail, errors=errors)
        return ProblemResponse(problem.document(str(request.url.path)), status_code=422)
