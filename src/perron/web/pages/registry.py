"""Pages of the incident registry: the incident browser (filters, map, paging), one incident
with its history and links, and the station fragment. Everything goes through
:mod:`perron.registry.queries`, so the access policy and the audit trail apply as in the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from perron.access.agreements import viewer_for
from perron.access.policy import ROLE_LEVEL, ROLE_PURPOSES, Level, Purpose
from perron.http.deps import DbSession
from perron.registry import queries
from perron.registry import read_model as m
from perron.web.i18n import language_of
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def _default_purpose(role) -> Purpose:
    allowed = ROLE_PURPOSES[role]
    for p in (Purpose.ANALYSIS, Purpose.OPERATIONAL, Purpose.ACCOUNTABILITY):
        if p in allowed:
            return p
    return next(iter(allowed))


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@router.get("/incidents", response_class=HTMLResponse)
def incident_browser(
    request: Request,
    db: DbSession,
    user: PageUser,
    purpose: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    station: str = "",
    party: str = "",
    since: str = "",
    until: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    viewer = viewer_for(db, user.party_code, user.role, user.username)
    allowed = sorted(ROLE_PURPOSES[user.role])
    chosen = Purpose(purpose) if purpose in allowed else _default_purpose(user.role)
    categories = [c for c in (category or []) if c]
    filters = queries.Filters(
        categories=tuple(categories),
        stations=(station.strip().upper(),) if station.strip() else (),
        owners=(party,) if party else (),
        since=_date(since),
        until=_date(until),
    )
    context: dict[str, Any] = {
        "purposes": allowed,
        "purpose": chosen.value,
        "filters": {
            "category": categories,
            "station": station,
            "party": party,
            "since": since,
            "until": until,
        },
        "category_options": m.category_options(db, language_of(request)),
        "clabel": lambda c: m.category_label(c, language_of(request)),
        "party_options": m.party_options(db),
        "detail_allowed": ROLE_LEVEL[user.role] is Level.DETAIL,
        "leaflet": True,
        "page": page,
        "error": None,
        "items": [],
        "cells": [],
    }
    try:
        if context["detail_allowed"]:
            result = queries.list_incidents(
                db, viewer, chosen, filters, page=page, page_size=PAGE_SIZE
            )
            context["items"] = result.items
            context["has_more"] = result.has_more
            context["scope"] = result.scope
        agg = queries.aggregate(db, viewer, chosen, ("station",), filters)
        context["cells"] = agg.cells
        context["suppressed"] = agg.suppressed
        context["scope"] = agg.scope
    except (queries.AccessDenied, queries.QueryError) as exc:
        context["error"] = str(exc)
    params = {
        k: v
        for k, v in {
            "purpose": chosen.value,
            "station": station,
            "party": party,
            "since": since,
            "until": until,
        }.items()
        if v
    }
    query = urlencode(params) + "".join(f"&category={c}" for c in categories)
    context["query"] = query
    context["export_query"] = query
    return render(request, "registry/browser.html", context)


@router.get("/incidents/stations/{code}/fragment", response_class=HTMLResponse)
def station_fragment(
    request: Request, code: str, db: DbSession, user: PageUser, purpose: str | None = None
) -> Response:
    viewer = viewer_for(db, user.party_code, user.role, user.username)
    chosen = (
        Purpose(purpose) if purpose in ROLE_PURPOSES[user.role] else _default_purpose(user.role)
    )
    code = code.upper()
    if not m.station_exists(db, code):
        return Response(status_code=404)
    try:
        agg = queries.station_counts(db, viewer, chosen, code)
        cells, error = agg.cells, None
    except (queries.AccessDenied, queries.QueryError) as exc:
        cells, error = [], str(exc)
    return render(
        request,
        "registry/station_fragment.html",
        {
            "code": code,
            "cells": cells,
            "error": error,
            "purpose": chosen.value,
            "clabel": lambda c: m.category_label(c, language_of(request)),
        },
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request, incident_id: str, db: DbSession, user: PageUser, purpose: str | None = None
) -> Response:
    viewer = viewer_for(db, user.party_code, user.role, user.username)
    allowed = sorted(ROLE_PURPOSES[user.role])
    chosen = Purpose(purpose) if purpose in allowed else _default_purpose(user.role)
    try:
        item = queries.get_incident(db, viewer, chosen, incident_id)
    except queries.NotFound:
        return render(
            request,
            "registry/incident.html",
            {
                "item": None,
                "error": None,
                "missing": True,
                "purpose": chosen.value,
                "purposes": allowed,
                "incident_id": incident_id,
                "clabel": lambda c: m.category_label(c, language_of(request)),
            },
            status_code=404,
        )
    except queries.AccessDenied as exc:
        return render(
            request,
            "registry/incident.html",
            {
                "item": None,
                "error": str(exc),
                "missing": False,
                "purpose": chosen.value,
                "purposes": allowed,
                "incident_id": incident_id,
                "clabel": lambda c: m.category_label(c, language_of(request)),
            },
            status_code=403,
        )
    return render(
        request,
        "registry/incident.html",
        {
            "item": item,
            "error": None,
            "missing": False,
            "purpose": chosen.value,
            "purposes": allowed,
            "incident_id": incident_id,
            "clabel": lambda c: m.category_label(c, language_of(request)),
            "leaflet": item.get("lat") is not None,
        },
    )
