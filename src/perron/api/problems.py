"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from perron.domain.errors import ServiceError
from perron.http.problems import MEDIA_TYPE, Problem, ProblemResponse  # noqa: F401

log = logging.getLogger("perron.api")


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
                    "errors": {
                        "type": "array",
                        "description": "invalid fields (422)",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
                "required": ["type", "title", "status"],
            }
        }
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route: a problem document (RFC 9457) for each of ``statuses``,
    described by its HTTP reason (``problem_responses(401, 403, 404, 422)``)."""
    return {
        status: {**PROBLEM_SCHEMA, "description": f"{HTTPStatus(status).phrase} (problem details)"}
        for status in sorted(set(statuses))
    }


#: the JSON Schema of a GeoJSON FeatureCollection (RFC 7946), for answers sent as files
GEOJSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string"},
                    "geometry": {"type": ["object", "null"]},
                    "properties": {"type": ["object", "null"]},
                },
            },
        },
    },
}


def _file_schema(media_type: str) -> dict[str, Any]:
    if media_type == "application/geo+json":
        return GEOJSON_SCHEMA
    if media_type.endswith("json"):
        return {"type": "object"}
    textual = media_type.startswith("text/") or media_type.endswith("xml")
    return {"type": "string"} if textual else {"type": "string", "format": "binary"}


def media_responses(
    media_types: dict[str, str], status: int = 200, *problems: int
) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that answers with a file or a stream instead of a JSON
    document of its own model: each media type with what it holds, plus the problem
    documents of ``problems`` (``media_responses({"text/csv": "..."}, 200, 401, 422)``)."""
    return {
        status: {
            "description": "; ".join(f"{mt}: {what}" for mt, what in media_types.items()),
            "content": {mt: {"schema": _file_schema(mt)} for mt in media_types},
        },
        **problem_responses(*problems),
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

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> ProblemResponse:
        """The one mapping of the service functions' errors to problem documents: NotFound 404,
        Forbidden 403, Invalid 422, Conflict 409 (``field`` names the offending field)."""
        problem = Problem(exc.status, exc.title, str(exc), **exc.extra())
        return ProblemResponse(problem.document(str(request.url.path)), status_code=exc.status)

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
