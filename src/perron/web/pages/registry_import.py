"""The import page of the registry: upload a party's file and see the result or the report of
every wrong row (in which case nothing was written)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from perron.domain.parties import Role
from perron.http.deps import DbSession
from perron.registry.importers import ImportRejected, import_file
from perron.registry.profiles import BUILT_IN, load_profile
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)

MAX_BYTES = 50 * 1024 * 1024
ROLES = (Role.ADMIN, Role.ANALYST, Role.OPERATOR)


def _page(request: Request, user, **context) -> Response:
    allowed = user.role in ROLES
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
    if user.role not in ROLES:
        return _page(request, user, error="import.not_allowed")
    data = await file.read(MAX_BYTES + 1)
    name = Path(file.filename or "upload.csv").name
    if len(data) > MAX_BYTES:
        return _page(request, user, error="import.too_large")
    try:
        # no profile chosen: the party's own, or generic for a file in the generic columns
        chosen = load_profile(profile, user.party_code) if profile else None
        result = import_file(
            db, Path(name), user.party_code, chosen, f"web:{user.username}", data=data
        )
    except ImportRejected as exc:
        db.rollback()
        return _page(request, user, rejected=exc.result)
    except ValueError as exc:
        db.rollback()
        return _page(request, user, error_text=str(exc))
    return _page(request, user, result=result)
