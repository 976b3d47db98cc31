"""The API describes itself: every operation in ``/openapi.json`` says what it returns (a
schema with named fields, or the media type of the file or stream it sends) and documents the
problem documents (RFC 9457) it can answer with — 401 where it needs a login, 422 where it
takes input, 404 where it names a resource in its path."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from perron.api.app import CAPABILITY_ROUTERS
from perron.api.deps import current_user
from perron.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from perron.config import Settings

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    from perron.api.app import create_app

    tmp = tmp_path_factory.mktemp("openapi")
    return create_app(
        Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'perron.db'}"), web=False
    )


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _described(spec: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """Whether a JSON schema says more than "some object" or "anything"."""
    if not schema:
        return False
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return all(_described(spec, s) for s in schema[key] if s.get("type") != "null")
    kind = schema.get("type")
    if kind == "array":
        return _described(spec, schema.get("items"))
    if kind == "object" or "properties" in schema:
        if schema.get("properties"):
            return True
        extra = schema.get("additionalProperties")
        return isinstance(extra, dict) and _described(spec, extra)
    return kind in ("string", "integer", "number", "boolean")


def _login_required() -> set[tuple[str, str]]:
    """(method, path) of every route whose dependencies include the logged-in user."""

    def calls(dependant) -> set[Any]:
        out = {dependant.call}
        for dep in dependant.dependencies:
            out |= calls(dep)
        return out

    needed = set()
    for name in (
        "perron.api.health",
        "perron.api.auth",
        "perron.api.stations",
        *CAPABILITY_ROUTERS,
    ):
        router = importlib.import_module(name).router
        for route in router.routes:
            if current_user in calls(route.dependant):
                needed |= {(m, route.path) for m in route.methods}
    return needed


def test_the_document_covers_every_capability(spec):
    tags = {t for _, _, op in _operations(spec) for t in op.get("tags", [])}
    for capability in (
        "registry",
        "monitor",
        "live",
        "alerts",
        "forecast",
        "programme",
        "effect",
        "inspections",
        "network",
        "military",
        "joint",
    ):
        assert capability in tags, capability
    assert len(_operations(spec)) > 100


def test_every_operation_says_what_it_returns(spec):
    vague = []
    for method, path, op in _operations(spec):
        ok = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        if not ok:
            vague.append(f"{method} {path}: no 2xx response")
            continue
        for code, response in ok.items():
            content = response.get("content")
            if code == "204":
                assert not content, f"{method} {path}: 204 with a body"
                continue
            if not content:
                vague.append(f"{method} {path} {code}: no content")
                continue
            for media_type, body in content.items():
                schema = body.get("schema")
                if media_type == "application/json" and not _described(spec, schema):
                    vague.append(f"{method} {path} {code}: {schema}")
                elif media_type != "application/json" and not schema:
                    vague.append(f"{method} {path} {code} {media_type}: no schema")
    assert not vague, "\n".join(vague)


def test_every_operation_documents_its_problems(spec):
    login = _login_required()
    assert ("GET", "/api/incidents") in login and ("GET", "/api/health") not in login
    missing = []
    for method, path, op in _operations(spec):
        codes = set(op["responses"])
        needed = set()
        if (method, path) in login:
            needed.add("401")
        if op.get("parameters") or op.get("requestBody"):
            needed.add("422")
        if re.search(r"\{[a-z_]*(id|code|ref|station)\}", path):
            needed.add("404")
        for code in sorted(needed - codes):
            missing.append(f"{method} {path}: {code}")
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                content = response.get("content", {})
                if PROBLEM_MEDIA_TYPE not in content or "application/json" in content:
                    missing.append(f"{method} {path}: {code} is not a problem document")
    assert not missing, "\n".join(missing)


def test_a_problem_document_is_described_once_for_all_routes(spec):
    """Problems have one schema: type, title, status required; detail, instance and, for
    invalid input, the fields that failed."""
    schemas = [
        r["content"][PROBLEM_MEDIA_TYPE]["schema"]
        for _, _, op in _operations(spec)
        for code, r in op["responses"].items()
        if code.startswith("4")
    ]
    assert len(schemas) > 100
    one = schemas[0]
    assert all(s == one for s in schemas)
    assert set(one["required"]) == {"type", "title", "status"}
    assert {"detail", "instance", "errors"} <= set(one["properties"])


def test_files_and_streams_name_their_media_types(spec):
    def media(path: str, method: str = "get") -> set[str]:
        return set(spec["paths"][path][method]["responses"]["200"]["content"])

    assert media("/api/incidents/export.{fmt}") == {
        "text/csv",
        "application/geo+json",
        "application/vnd.apache.parquet",
    }
    assert media("/api/alerts/stream") == {"text/event-stream"}
    assert media("/api/alerts/{alert_id}/export") == {"application/cap+xml", "application/ld+json"}
    assert media("/api/military/plans/{request_id}/pdf") == {"application/pdf"}
    assert media("/api/inspections/photos/{photo_id}") == {"image/jpeg"}
    assert media("/api/programme/report/progress.{fmt}") == {"application/pdf", "text/html"}


def test_contract_keys_are_named_in_the_document(spec):
    """The keys clients rely on are fields of the documented answers."""

    def fields(path: str, method: str = "get", code: str = "200") -> set[str]:
        schema = spec["paths"][path][method]["responses"][code]["content"]["application/json"]
        schema = _resolve(spec, schema["schema"])
        if schema.get("type") == "array":
            schema = _resolve(spec, schema["items"])
        return set(schema["properties"])

    assert {"method", "att", "ci_low", "ci_high", "credible", "checks", "event"} <= fields(
        "/api/effect/evaluate", "post"
    )
    assert {"items", "page", "has_more", "columns", "purpose", "scope"} <= fields("/api/incidents")
    assert {"alerts"} <= fields("/api/alerts")
    assert {"transitions", "may_act", "proposals", "state"} <= fields("/api/alerts/{alert_id}")
    assert {"edges", "stations", "estimate", "label"} <= fields("/api/network/criticality")
    assert {"reference_label", "requests"} <= fields("/api/military/plans")
    assert {"status", "spec_hash", "parties"} <= fields("/api/joint/agreements")
    assert {"choices", "greedy", "objective"} <= fields("/api/programme/optimise")
    assert {"stations", "expected_total", "model"} <= fields("/api/forecast/tonight")


def test_docs_describe_the_helper():
    """docs/api.md tells how a route documents its answer and its problems."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    assert "problem_responses" in text and "media_responses" in text
