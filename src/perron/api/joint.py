"""API of joint computations: propose, approve, withdraw and run them; read runs and budget.

A run waits for every party, so it is started as a job (``202``) whose state is read back;
this party's records never leave it — only secret shares, and only the agreed cells come back.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints

from perron.access.accounts import Principal
from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import Out, Timestamp
from perron.joint import service
from perron.joint.spec import JointQuery

router = APIRouter(prefix="/api/joint", tags=["joint"])

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,20}$")]
Address = Annotated[str, StringConstraints(min_length=3, max_length=260)]


class Proposal(BaseModel):
    title: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    parties: list[Code] = Field(min_length=3, max_length=12)
    addresses: list[Address] = Field(min_length=3, max_length=12)
    since: date
    until: date
    purpose: Literal["analysis", "accountability"] = "analysis"
    privacy: Literal["suppress", "noisy"] = "suppress"
    epsilon: float | None = Field(default=None, gt=0, le=10)
    margins: bool = False
    measure: Literal["count", "harm", "response"] = "count"


class RunRequest(BaseModel):
    index: int = Field(ge=0, le=11)
    timeout: float = Field(default=120.0, ge=5, le=900)


class Agreement(BaseModel):
    id: int
    spec_hash: str
    title: str
    query: dict[str, Any]
    stations: int
    addresses: list[str]
    parties: list[str]
    local_party: str
    created_at: str
    created_by: str
    approved_at: str | None
    approved_by: str | None
    withdrawn: bool
    status: str


class Run(Out):
    """A joint computation this party took part in."""

    id: int
    agreement: int | None
    spec_hash: str
    result_hash: str
    query: dict[str, Any]
    parties: list[str]
    local_party: str
    index: int
    started_at: Timestamp
    finished_at: Timestamp
    by: str
    privacy: dict[str, Any]
    synthetic: bool
    cells_shown: int
    cells_suppressed: int


class RunDetail(Run):
    cells: list[dict[str, Any]] = Field(description="the agreed cells (suppressed ones empty)")
    margins: list[dict[str, Any]]


class BudgetLine(Out):
    dataset: str
    year: int
    budget: float
    spent: float
    left: float


class Job(BaseModel):
    job: str
    state: Literal["running", "done", "failed"]
    agreement: int
    run: int | None = None
    error: str | None = None


def _actor(user: Principal) -> service.Actor:
    return service.Actor(user.username, user.party_code, user.role)


def _call(fn, *args, **kwargs) -> Any:
    try:
        return fn(*args, **kwargs)
    except service.JointDenied as exc:
        raise Problem(403, "Not allowed", str(exc)) from exc
    except service.JointNotFound as exc:
        raise Problem(404, "Not found", str(exc)) from exc
    except service.JointError as exc:
        raise Problem(422, "Cannot do this joint computation", str(exc)) from exc


@router.get("/agreements", response_model=list[Agreement], responses=problem_responses(401, 403))
def agreements(db: DbSession, user: CurrentUser) -> list[Agreement]:
    """The joint computations that name the user's party, newest first."""
    return [Agreement(**a) for a in _call(service.list_agreements, db, _actor(user))]


@router.post(
    "/agreements",
    status_code=201,
    response_model=Agreement,
    responses=problem_responses(401, 403, 422),
)
def propose(body: Proposal, db: DbSession, user: CurrentUser) -> Agreement:
    """Record a joint computation for the admins of every party to approve in their own Perron."""
    query = _call(
        service.make_query,
        body.since,
        body.until,
        purpose=body.purpose,
        privacy=body.privacy,
        epsilon=body.epsilon,
        margins=body.margins,
    )
    addresses = _call(service.parse_parties, body.addresses)
    row = _call(
        service.propose,
        db,
        _actor(user),
        title=body.title,
        query=query,
        addresses=addresses,
        parties=list(body.parties),
    )
    return Agreement(**row)


@router.post(
    "/agreements/{agreement_id}/approve",
    response_model=Agreement,
    responses=problem_responses(401, 403, 404, 422),
)
def approve(agreement_id: int, db: DbSession, user: CurrentUser) -> Agreement:
    """This party's admin signs off the agreement."""
    return Agreement(**_call(service.approve, db, _actor(user), agreement_id))


@router.post(
    "/agreements/{agreement_id}/withdraw",
    response_model=Agreement,
    responses=problem_responses(401, 403, 404, 422),
)
def withdraw(agreement_id: int, db: DbSession, user: CurrentUser) -> Agreement:
    """Withdraw this party's approval."""
    return Agreement(**_call(service.withdraw, db, _actor(user), agreement_id))


_JOBS: dict[str, dict[str, Any]] = {}
_JOBS_LOCK = threading.Lock()


@router.post(
    "/agreements/{agreement_id}/run",
    status_code=202,
    response_model=Job,
    responses=problem_responses(401, 403, 404, 422),
)
def run(
    agreement_id: int, body: RunRequest, request: Request, db: DbSession, user: CurrentUser
) -> Job:
    """Take part in the agreed computation now, as party ``index``; read the job for its end."""
    actor = _actor(user)
    found = [a for a in _call(service.list_agreements, db, actor) if a["id"] == agreement_id]
    if not found:
        raise Problem(404, "Not found", f"no joint agreement {agreement_id}")
    a = found[0]
    if a["status"] != "approved":
        raise Problem(422, "Cannot do this joint computation", f"agreement is {a['status']}")
    if body.index >= len(a["addresses"]):
        raise Problem(422, "Cannot do this joint computation", "index: not a party position")
    if actor.role.value not in ("admin", "analyst"):
        raise Problem(403, "Not allowed", "only a party's admin or analyst may run it")
    query = JointQuery.from_dict({**a["query"], "stations": service.default_stations()})
    engine = request.app.state.engine
    job_id = uuid.uuid4().hex
    with _JOBS_LOCK:
        _JOBS[job_id] = {
            "job": job_id,
            "state": "running",
            "agreement": agreement_id,
            "party": actor.party,
        }

    def work() -> None:
        try:
            result = service.aggregate(
                engine,
                actor,
                query,
                list(a["addresses"]),
                body.index,
                agreement_id=agreement_id,
                timeout=body.timeout,
            )
            update = {"state": "done", "run": result.run_id}
        except (service.JointError, service.JointDenied) as exc:
            update = {"state": "failed", "error": str(exc)}
        with _JOBS_LOCK:
            _JOBS[job_id].update(update)

    threading.Thread(target=work, name=f"joint-{job_id[:8]}", daemon=True).start()
    return Job(**{k: v for k, v in _JOBS[job_id].items() if k != "party"})


@router.get("/jobs/{job_id}", response_model=Job, responses=problem_responses(401, 404, 422))
def job(job_id: str, user: CurrentUser) -> Job:
    """The state of a run started through the API."""
    with _JOBS_LOCK:
        found = _JOBS.get(job_id)
    if found is None or found["party"] != user.party_code:
        raise Problem(404, "Not found", "no such job")
    return Job(**{k: v for k, v in found.items() if k != "party"})


@router.get(
    "/runs",
    response_model=list[Run],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403),
)
def runs(db: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The joint computations this party took part in."""
    return _call(service.list_runs, db, _actor(user))  # type: ignore[no-any-return]


@router.get(
    "/runs/{run_id}",
    response_model=RunDetail,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def run_detail(run_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """One run's agreed output (read access is audited)."""
    return _call(service.get_run, db, _actor(user), run_id)  # type: ignore[no-any-return]


@router.get(
    "/budget",
    response_model=list[BudgetLine],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403),
)
def privacy_budget(db: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The privacy budget this party spent on its own data, per data set and year."""
    return _call(service.budget, db, _actor(user))  # type: ignore[no-any-return]
