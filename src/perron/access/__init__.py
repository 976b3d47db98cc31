"""Users, roles, parties, agreements, pseudonymisation, retention and the audit trail.

The public functions are named here; each is imported from its module on first use."""

from __future__ import annotations

from typing import Any

from perron.lazy import exported as _exported

#: every public name and the module it comes from
_EXPORTS = {
    "AccountError": "perron.access.accounts",
    "InvalidCredentials": "perron.access.accounts",
    "Principal": "perron.access.accounts",
    "TokenError": "perron.access.accounts",
    "authenticate": "perron.access.accounts",
    "create_api_token": "perron.access.accounts",
    "InvalidToken": "perron.access.service",
    "create_user": "perron.access.service",
    "list_tokens": "perron.access.service",
    "list_users": "perron.access.service",
    "mint_token": "perron.access.service",
    "revoke_token": "perron.access.service",
    "AuditError": "perron.access.audit",
    "AuditForbidden": "perron.access.audit",
    "VerifyResult": "perron.access.audit",
    "entries": "perron.access.audit",
    "record": "perron.access.audit",
    "verify": "perron.access.audit",
    "verify_as": "perron.access.audit",
    "Decision": "perron.access.policy",
    "Purpose": "perron.access.policy",
    "Viewer": "perron.access.policy",
    "decide": "perron.access.policy",
    "scope": "perron.access.policy",
    "is_pseudonym": "perron.access.pseudonym",
    "pseudonymise": "perron.access.pseudonym",
    "RetentionError": "perron.access.retention",
    "set_period": "perron.access.retention",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return _exported(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
