"""API of the programme: need index, measure catalogue, station deals, budget lines, the budget
optimiser and the progress report.

Any logged-in user may read (programme information holds no personal data); who may create or
change deals and budget lines is decided in :mod:`perron.programme.deals`. Every change needs a
``reason`` and lands in the deal's history and the audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from perron.api.deps import AppSettings, CurrentUser, DbSession
from perron.api.problems import PROBLEM_SCHEMA, Problem

router = APIRouter(prefix="/api/programme", tags=["programme"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: PROBLEM_SCHEMA,
    404: PROBLEM_SCHEMA,
    409: PROBLEM_SCHEMA,
    422: PROBLEM_SCHEMA,
}
Money = Annotated[int, Field(ge=0, le=100_000_000_000)]
Code = Annotated[str, Field(min_length=1, max_length=40)]
Reason = Annotated[str, Field(min_length=1, max_length=4000)]


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from perron.programme.catalogue import CatalogueError
    from perron.programme.errors import Conflict, Forbidden, NotFound, ProgrammeError
    from perron.programme.optimiser import InstanceError

    try:
        return fn(*args, **kwargs)
    except Forbidden as exc:
        raise Problem(403, "Not allowed", str(exc)) from exc
    except NotFound as exc:
        raise Problem(404, "Not found", str(exc)) from exc
    except Conflict as exc:
        raise Problem(409, "Conflict", str(exc)) from exc
    except (ProgrammeError, InstanceError, CatalogueError) as exc:
        raise Problem(422, "Cannot use the input", str(exc)) from exc


def _weights(values: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values or []:
        name, sep, num = v.partition(":")
        try:
            if not sep:
                raise ValueError
            out[name] = float(num)
        except ValueError as exc:
            raise Problem(422, "Bad weight", f"weight {v!r}: write NAME:NUMBER") from exc
    return out


@router.get("/need-index", responses=ERRORS)
def get_need_index(
    db: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    weight: Annotated[
        list[str] | None, Query(description="NAME:NUMBER, e.g. gender_gap:0.3")
    ] = None,
    top: Annotated[int | None, Query(ge=1, le=397)] = None,
    resamples: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> dict[str, Any]:
    """Every station's need score, rank, components (value, source, weight), why, stability."""
    from perron.programme.need import need_index

    return _call(need_index, db, user, _weights(weight), top, resamples, settings=settings)  # type: ignore[no-any-return]


@router.get("/measures")
def get_measures(_user: CurrentUser) -> list[dict[str, Any]]:
    """The measure catalogue: code, cost, effect {estimate, low, high}, source, ..."""
    from perron.programme.catalogue import load_catalogue

    return load_catalogue().as_list()


# ---------------------------------------------------------------- deals


class PartyIn(BaseModel):
    party: Code
    role: Literal["lead", "funder", "executor", "partner"] = "partner"
    budget_share_eur: Money = 0
    budget_line: Code | None = None


class MeasureIn(BaseModel):
    measure_code: Code
    station: Annotated[str, Field(min_length=1, max_length=8)]
    zone: Annotated[str, Field(min_length=1, max_length=20)]
    owner_party: Code
    cost_eur: Money
    status: Literal["planned", "in_progress", "completed", "cancelled"] = "planned"
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    spent_eur: Money = 0
    budget_line: Code | None = None
    note: Annotated[str, Field(max_length=4000)] = ""
    reason: Reason


class DealIn(BaseModel):
    code: Code
    title: Annotated[str, Field(min_length=1, max_length=200)]
    stations: Annotated[
        list[Annotated[str, Field(max_length=8)]], Field(min_length=1, max_length=50)
    ]
    parties: Annotated[list[PartyIn], Field(min_length=1, max_length=30)]
    budget_line: Code | None = None
    status: Literal["draft", "agreed", "running"] = "draft"
    signed_on: date | None = None
    description: Annotated[str, Field(max_length=4000)] = ""
    reason: Reason


class DealPatch(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    status: Literal["draft", "agreed", "running", "completed", "cancelled"] | None = None
    signed_on: date | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None
    budget_line: Code | None = None
    version: int | None = Field(None, description="the version the change is based on")
    reason: Reason


class MeasurePatch(BaseModel):
    status: Literal["planned", "in_progress", "completed", "cancelled"] | None = None
    cost_eur: Money | None = None
    spent_eur: Money | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None
    owner_party: Code | None = None
    budget_line: Code | None = None
    version: int | None = None
    reason: Reason


class MilestoneIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    due_on: date | None = None
    done_on: date | None = None
    reason: Reason


class DocumentIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(min_length=8, max_length=500)]
    reason: Reason


class BudgetLineIn(BaseModel):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=160)]
    funder_party: Code
    amount_eur: Money
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    source: Annotated[str, Field(max_length=4000)] = ""
    reason: Reason


@router.get("/deals")
def get_deals(
    db: DbSession,
    user: CurrentUser,
    station: Annotated[str | None, Query(max_length=8)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> list[dict[str, Any]]:
    """Every station deal (of one station or status), newest first."""
    from perron.programme.deals import list_deals

    return _call(list_deals, db, user, station, status)  # type: ignore[no-any-return]


@router.post("/deals", status_code=201, responses=ERRORS)
def post_deal(body: DealIn, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Create a station deal (programme managers, or the admin of a party in the deal)."""
    from perron.programme.deals import DealInput, PartyShare, create_deal

    deal = DealInput(
        code=body.code,
        title=body.title,
        stations=body.stations,
        parties=[PartyShare(**p.model_dump()) for p in body.parties],
        budget_line=body.budget_line,
        status=body.status,
        signed_on=body.signed_on,
        description=body.description,
    )
    return _call(create_deal, db, user, deal, body.reason)  # type: ignore[no-any-return]


@router.get("/deals/{code}", responses=ERRORS)
def get_deal(code: str, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """One deal with measures, milestones, documents and its full history."""
    from perron.programme.deals import get_deal as get

    return _call(get, db, user, code)  # type: ignore[no-any-return]


@router.patch("/deals/{code}", responses=ERRORS)
def patch_deal(code: str, body: DealPatch, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Change a deal; give ``version`` to refuse the change when someone changed it since."""
    from perron.programme.deals import update_deal

    changes = body.model_dump(exclude_unset=True, exclude={"reason", "version"})
    return _call(update_deal, db, user, code, changes, body.reason, body.version)  # type: ignore[no-any-return]


@router.post("/deals/{code}/measures", status_code=201, responses=ERRORS)
def post_measure(code: str, body: MeasureIn, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Add a catalogue measure to a deal, in one zone of one of its stations."""
    from perron.programme.deals import MeasureInput, add_measure

    data = body.model_dump(exclude={"reason"})
    return _call(add_measure, db, user, code, MeasureInput(**data), body.reason)  # type: ignore[no-any-return]


@router.post("/deals/{code}/milestones", status_code=201, responses=ERRORS)
def post_milestone(
    code: str, body: MilestoneIn, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    from perron.programme.deals import add_milestone

    return _call(add_milestone, db, user, code, body.title, body.due_on, body.reason, body.done_on)  # type: ignore[no-any-return]


@router.post("/deals/{code}/documents", status_code=201, responses=ERRORS)
def post_document(code: str, body: DocumentIn, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    from perron.programme.deals import add_document

    return _call(add_document, db, user, code, body.title, body.url, body.reason)  # type: ignore[no-any-return]


@router.get("/deal-measures/{measure_id}", responses=ERRORS)
def get_deal_measure(measure_id: int, db: DbSession, _user: CurrentUser) -> dict[str, Any]:
    """A deal measure by its stable id, with station(s) and actual start date."""
    from dataclasses import asdict

    from perron.programme.deals import get_deal_measure as get

    return asdict(_call(get, db, measure_id))


@router.patch("/deal-measures/{measure_id}", responses=ERRORS)
def patch_deal_measure(
    measure_id: int, body: MeasurePatch, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Change a deal measure (status, dates, cost, spending, owner); its id stays."""
    from perron.programme.deals import update_measure

    changes = body.model_dump(exclude_unset=True, exclude={"reason", "version"})
    return _call(update_measure, db, user, measure_id, changes, body.reason, body.version)  # type: ignore[no-any-return]


@router.get("/budget")
def get_budget(db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Committed, spent and remaining per budget line, per party and per deal."""
    from perron.programme.deals import budget_summary

    return _call(budget_summary, db, user)  # type: ignore[no-any-return]


@router.post("/budget-lines", status_code=201, responses=ERRORS)
def post_budget_line(body: BudgetLineIn, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Add a budget line (admins of IenW or ProRail)."""
    from perron.programme.deals import BudgetLineInput, create_budget_line

    line = BudgetLineInput(
        body.code, body.name, body.funder_party, body.amount_eur, body.year, body.source
    )
    return _call(create_budget_line, db, user, line, body.reason)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- optimiser


@router.post("/optimise", responses=ERRORS)
def post_optimise(
    _user: CurrentUser,
    instance: Annotated[dict[str, Any], Body(description="budget, stations, measures (see docs)")],
) -> dict[str, Any]:
    """Optimise a problem given as JSON: ``{"budget", "stations", "measures"}``."""
    from perron.programme.optimiser import optimise, parse_instance

    return _call(lambda: optimise(parse_instance(instance)))  # type: ignore[no-any-return]


@router.get("/optimise", responses=ERRORS)
def get_optimise(
    db: DbSession,
    user: CurrentUser,
    budget: Annotated[float, Query(ge=0, le=1e10)] = 20_000_000,
    max_measures: Annotated[int | None, Query(ge=1, le=20)] = None,
    frontier: bool = False,
) -> dict[str, Any]:
    """The best portfolio for the real stations and catalogue under ``budget``."""
    from perron.programme.portfolio import optimise_programme

    return _call(optimise_programme, db, user, budget, max_measures, frontier)  # type: ignore[no-any-return]


@router.get("/frontier", responses=ERRORS)
def get_frontier(db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Harm avoided against budget, € 0 to € 20 M (exact, greedy and robust)."""
    from perron.programme.portfolio import programme_frontier

    return _call(programme_frontier, db, user)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- reports


@router.get("/report/progress.{fmt}", responses=ERRORS)
def get_progress_report(
    fmt: Literal["pdf", "html"],
    db: DbSession,
    user: CurrentUser,
    lang: Literal["nl", "en"] = "nl",
) -> Response:
    """The half-yearly progress report as PDF or HTML."""
    from perron.programme.report import progress_report, render_html, render_pdf

    rep = _call(progress_report, db, user, lang)
    if fmt == "pdf":
        return Response(render_pdf(rep), media_type="application/pdf")
    return Response(render_html(rep), media_type="text/html; charset=utf-8")


@router.get("/report/factsheet/{station}.{fmt}", responses=ERRORS)
def get_factsheet(
    station: str,
    fmt: Literal["pdf", "html"],
    db: DbSession,
    user: CurrentUser,
    lang: Literal["nl", "en"] = "nl",
) -> Response:
    """A station's fact sheet as PDF or HTML."""
    from perron.programme.report import render_html, render_pdf, station_factsheet

    rep = _call(station_factsheet, db, user, station, lang)
    if fmt == "pdf":
        return Response(render_pdf(rep), media_type="application/pdf")
    return Response(render_html(rep), media_type="text/html; charset=utf-8")
