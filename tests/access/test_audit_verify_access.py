"""Recomputing the whole audit chain is for admins and the inspectorate only, and is audited."""

from __future__ import annotations

import pytest

from live.alertkit import login as _login
from perron.access import audit
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.store.db import make_engine


@pytest.mark.parametrize(
    ("party", "role", "allowed"),
    [
        ("ienw", "viewer", False),
        ("prorail", "operator", False),
        ("ns", "analyst", False),
        ("prorail", "admin", True),
        ("ilt", "viewer", True),
        ("ilt", "analyst", True),
    ],
)
def test_only_admins_and_the_inspectorate_verify_the_chain(client, db_url, party, role, allowed):
    _login(db_url, client, f"{party}-{role}", party, role)
    r = client.get("/api/audit/verify")
    if not allowed:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        return
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
    engine = make_engine(db_url)
    with engine.connect() as c:
        from sqlalchemy import select

        from perron.store.tables.access import AuditEntry

        last = c.execute(
            select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(1)
        ).one()
    engine.dispose()
    assert tuple(last) == (f"{party}-{role}", "audit.verify")


def test_the_service_refuses_other_roles(session):
    viewer = Principal(1, "v", "v", "ienw", Role.VIEWER)
    with pytest.raises(audit.AuditForbidden):
        audit.verify_as(session, viewer)
