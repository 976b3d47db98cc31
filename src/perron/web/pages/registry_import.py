"""The import page of the registry: upload a party's file and see the result or the report of
every wrong row (in which case nothing was written)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from perron.domain.errors import ServiceError
from perron.http.deps import DbSession
from perron.registry import service
from perron.registry.importers import ImportRejected
from perron.registry.profiles import BUILT_IN
from perron.web.render import PageUser, render
from perron.web.service_errors import service_message

router = APIRouter(include_in_schema=False)

MAX_BYTES = 50 * 1024 * 1024


def _page(request: Request, user, **context) -> Response:
    allowed = service.may_write(user)
    return render(
        request,
        "registry/import.html",
        {
            "profiles": list(BUILT_IN),
            "party": user.party_code,
            "allowed": allowed,
            **context,
        },
    )


@router.get("/incidents/import", response_class=HTMLResponse)
def import_form(request: Request, user: PageUser) -> Response:
    return _page(request, user)


@router.post("/incidents/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    db: DbSession,
    user: PageUser,
    file: Annotated[UploadFile, File()],
    profile: Annotated[str, Form()] = "",
) -> Response:
    """Import the uploaded file for the user's own party (a party imports only its own data)."""
    data = await file.read(MAX_BYTES + 1)
    name = Path(file.filename or "upload.csv").name
    if len(data) > MAX_BYTES:
        return _page(request, user, error="import.too_large")
    try:
        # no profile chosen: the party's own, or generic for a file in the generic columns
        result = service.import_incidents(db, user, Path(name), profile=profile, data=data)
    except ImportRejected as exc:
        db.rollback()
        return _page(request, user, rejected=exc.result)
    except ServiceError as exc:
        db.rollback()
        return _page(request, user, error_text=service_message(exc))
    return _page(request, user, result=result)
