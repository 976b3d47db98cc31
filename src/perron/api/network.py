"""API of the network capability: criticality, scenarios, worst case and the threat register.

Every route needs a logged-in user; criticality and scenarios are open to the rail parties,
police, inspectorate and ministry, the threat register to cleared users only (it is not in the
OpenAPI document: no public API). Who may do what is decided in :mod:`perron.network.service`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import network as schemas

router = APIRouter(prefix="/api/network", tags=["network"])

Window = Literal["day", "friday", "weekend", "evening"]


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from perron.network.model import NetworkDataError
    from perron.network.service import NetworkAccessDenied, NotFound

    try:
        return fn(*args, **kwargs)
    except NetworkAccessDenied as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    except NotFound as exc:
        raise Problem(404, "Not found", str(exc)) from exc
    except NetworkDataError as exc:
        raise Problem(422, "Invalid input", str(exc)) from exc


@router.get(
    "/criticality",
    response_model=schemas.Criticality,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def network_criticality(db: DbSession, user: CurrentUser, window: Window = "day") -> dict[str, Any]:
    """Criticality of every link and station (ESTIMATE of travellers; see docs/network.md)."""
    from perron.network.service import criticality_for

    result: dict[str, Any] = _call(criticality_for, db, user, window).as_json()
    return result


class ScenarioIn(BaseModel):
    links: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=60)
    stations: list[Annotated[str, Field(max_length=10)]] = Field(default=[], max_length=60)
    window: Window = "day"
    duration_hours: float = Field(default=1.0, gt=0, le=744)
    name: Annotated[str, Field(max_length=120)] | None = None


@router.post(
    "/scenarios",
    response_model=schemas.Scenario,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def network_scenario(body: ScenarioIn, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Remove links and stations; with ``name`` the scenario is saved for your party."""
    from perron.network.service import run_scenario

    result, saved = _call(
        run_scenario,
        db,
        user,
        body.links,
        body.stations,
        body.window,
        body.duration_hours,
        body.name,
    )
    return {**result.as_json(), "id": saved}


@router.get(
    "/scenarios",
    response_model=list[schemas.SavedScenario],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403),
)
def network_scenarios(db: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The scenarios saved by your party, newest first."""
    from perron.network.service import list_scenarios

    return [s.__dict__ for s in _call(list_scenarios, db, user)]


@router.get(
    "/worst",
    response_model=schemas.WorstCase,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def network_worst(
    db: DbSession,
    user: CurrentUser,
    k: Annotated[int, Query(ge=1, le=3)] = 2,
    window: Window = "day",
) -> dict[str, Any]:
    """The worst k-link combination found by search."""
    from perron.network.service import worst_case

    result: dict[str, Any] = _call(worst_case, db, user, k, window).as_json()
    return result


# -- threat register: cleared users only, not in the OpenAPI document ------------------------


@router.get("/register", include_in_schema=False)
def network_register(db: DbSession, user: CurrentUser, threat: str | None = None) -> dict[str, Any]:
    from perron.network.service import read_register

    result: dict[str, Any] = _call(read_register, db, user, threat).as_json()
    return result


@router.post("/register/compute", include_in_schema=False)
def network_register_compute(db: DbSession, user: CurrentUser) -> dict[str, int]:
    from perron.network.service import compute_register

    result: dict[str, int] = _call(compute_register, db, user)
    return result


class ThreatIn(BaseModel):
    asset_kind: Literal["link", "station", "level_crossing"]
    asset_ref: Annotated[str, Field(min_length=1, max_length=40)]
    threat: Annotated[str, Field(max_length=32)]
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    basis: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: Annotated[str, Field(max_length=20)] = "prorail"


@router.post("/register/threats", include_in_schema=False, status_code=201)
def network_register_add(body: ThreatIn, db: DbSession, user: CurrentUser) -> dict[str, int]:
    from perron.network.service import add_threat

    new_id = _call(
        add_threat,
        db,
        user,
        body.asset_kind,
        body.asset_ref,
        body.threat,
        body.likelihood,
        body.impact,
        body.basis,
        body.owner,
    )
    return {"id": new_id}


class MeasureIn(BaseModel):
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: Annotated[str, Field(max_length=20)] = "prorail"
    status: Literal["planned", "in_progress", "done"] = "planned"
    due: date | None = None


@router.post("/register/threats/{threat_id}/measures", include_in_schema=False, status_code=201)
def network_register_measure(
    threat_id: int, body: MeasureIn, db: DbSession, user: CurrentUser
) -> dict[str, int]:
    from perron.network.service import add_measure

    if not 0 < threat_id < 2**31:
        raise Problem(404, "Not found", f"threat #{threat_id} is not in the register")
    new_id = _call(
        add_measure, db, user, threat_id, body.description, body.owner, body.status, body.due
    )
    return {"id": new_id}
