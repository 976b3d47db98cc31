"""API of effect evaluation: evaluate a panel or a deal measure, and the stored evaluations.

A panel is sent as CSV (``unit,period,outcome,treated_from``) in the request body. Evaluations
are for analysis or accountability; storing one needs an admin or analyst, and a party sees
only its own stored evaluations.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import effect as schemas

router = APIRouter(prefix="/api/effect", tags=["effect"])

MAX_BODY = 20 * 1024 * 1024
Method = Literal["auto", "imputation", "imputation_linear", "synthetic_control"]
PurposeQ = Literal["analysis", "accountability"]
OutcomeQ = Literal["incidents", "disruptions", "alerts", "response_time", "evening_safety"]
StepQ = Literal["acknowledge", "dispatch", "arrive"]


def _options(seed: int, replicates: int, placebos: int) -> Any:
    from perron.effect import Options

    return Options(seed=seed, replicates=replicates, placebos=placebos)


def _problem(exc: Exception) -> Problem:
    from perron.effect import EffectError, Forbidden, NotFound, PanelError

    if isinstance(exc, Forbidden):
        return Problem(403, "Forbidden", str(exc))
    if isinstance(exc, NotFound):
        return Problem(404, "Not Found", str(exc))
    if isinstance(exc, EffectError | PanelError):
        return Problem(422, "Cannot evaluate", str(exc))
    raise exc


@router.post(
    "/evaluate",
    summary="Evaluate a panel sent as CSV",
    response_model=schemas.Evaluation,
    response_model_exclude_unset=True,
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def evaluate_panel(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    method: Method = "auto",
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
    replicates: Annotated[int, Query(ge=0, le=2000)] = 199,
    placebos: Annotated[int, Query(ge=0, le=1000)] = 49,
    purpose: PurposeQ = "analysis",
    save: bool = False,
    title: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The effect with its interval, the event study, the checks and the verdict."""
    from perron.effect import (
        evaluate_panel,
        panel_digest,
        parse_panel_csv,
        result_dict,
        save_evaluation,
    )

    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Problem(413, "Panel too large", f"at most {MAX_BODY // 2**20} MiB of CSV")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(400, "Not UTF-8", "send the panel as UTF-8 CSV") from None
    try:
        panel = parse_panel_csv(io.StringIO(text), "body")
        ev = await run_in_threadpool(
            evaluate_panel,
            user,
            panel,
            purpose=purpose,
            method=method,
            options=_options(seed, replicates, placebos),
        )
        out = result_dict(ev)
        if save:
            stored = save_evaluation(
                db,
                user,
                ev,
                title=title or "Panel (API)",
                source="panel",
                panel_sha256=panel_digest(panel),
                purpose=purpose,
            )
            out["evaluation_id"] = stored.id
    except Exception as exc:  # mapped to a problem document, or raised on
        raise _problem(exc) from None
    return out


@router.post(
    "/measures/{measure_id}/evaluate",
    summary="Evaluate a deal measure",
    response_model=schemas.Evaluation,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def evaluate_measure(
    measure_id: int,
    db: DbSession,
    user: CurrentUser,
    method: Method = "auto",
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
    months_before: Annotated[int, Query(ge=6, le=240)] = 48,
    purpose: PurposeQ = "analysis",
    outcome: OutcomeQ = "incidents",
    step: StepQ = "acknowledge",
    save: bool = False,
) -> dict[str, Any]:
    """The measure's station and actual start → a panel of the outcome (by default the
    incidents it targets; or safety-related disruptions, alerts opened, median response time
    to ``step``, the monitor's evening safety per quarter) → the evaluation."""
    from perron.effect import (
        evaluate_measure,
        measure_title,
        panel_digest,
        result_dict,
        save_evaluation,
    )

    if not 0 < measure_id < 2**31:
        raise Problem(404, "Not Found", f"no deal measure with id {measure_id}")
    try:
        ev, panel, info = evaluate_measure(
            db,
            user,
            measure_id,
            purpose=purpose,
            method=method,
            options=_options(seed, 199, 49),
            months_before=months_before,
            outcome=outcome,
            step=step,
        )
        out = result_dict(ev)
        out["measure"] = info
        if save:
            title = measure_title(info)
            stored = save_evaluation(
                db,
                user,
                ev,
                title=title,
                source="measure",
                panel_sha256=panel_digest(panel),
                measure_id=str(measure_id),
                measure=info,
                purpose=purpose,
            )
            out["evaluation_id"] = stored.id
    except Exception as exc:
        raise _problem(exc) from None
    return out


@router.get(
    "/measures/{measure_id}/power",
    summary="Before a deal measure starts: the minimum detectable effect",
    response_model=schemas.MeasurePower,
    responses=problem_responses(401, 403, 404, 413, 422),
)
def measure_power(
    measure_id: int,
    db: DbSession,
    user: CurrentUser,
    months_after: Annotated[int, Query(ge=1, le=120)] = 12,
    outcome: OutcomeQ = "incidents",
    step: StepQ = "acknowledge",
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
    purpose: PurposeQ = "analysis",
) -> dict[str, Any]:
    """The smallest effect (80 % power, 5 % two-sided) an evaluation of the measure could see
    ``months_after`` months after its start, rehearsed on the store's history of the outcome."""
    from perron.effect import Options, plan_measure_power

    if not 0 < measure_id < 2**31:
        raise Problem(404, "Not Found", f"no deal measure with id {measure_id}")
    try:
        return plan_measure_power(
            db,
            user,
            measure_id,
            months_after=months_after,
            outcome=outcome,
            step=step,
            purpose=purpose,
            options=Options(seed=seed, placebos=39),
        )
    except Exception as exc:
        raise _problem(exc) from None


@router.get(
    "/evaluations",
    summary="Your party's stored evaluations",
    response_model=list[schemas.EvaluationSummary],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def list_evaluations(
    db: DbSession, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    from perron.effect import list_evaluations

    try:
        return [e.summary() for e in list_evaluations(db, user, limit=limit)]
    except Exception as exc:
        raise _problem(exc) from None


@router.get(
    "/evaluations/{evaluation_id}",
    summary="One stored evaluation",
    response_model=schemas.StoredEvaluation,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def get_evaluation(evaluation_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    from perron.effect import get_evaluation

    try:
        return get_evaluation(db, user, evaluation_id).as_dict()
    except Exception as exc:
        raise _problem(exc) from None


@router.get(
    "/evidence",
    summary="Perron's own evidence per catalogue measure",
    response_model=list[schemas.Evidence],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def evidence(
    db: DbSession,
    user: CurrentUser,
    measure_code: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    """The stored evaluations of deal measures, per catalogue code, beside the literature."""
    from perron.effect import measure_evidence

    try:
        return measure_evidence(db, user, measure_code)
    except Exception as exc:
        raise _problem(exc) from None
