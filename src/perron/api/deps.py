"""Typed dependencies shared by the routers (defined in :mod:`perron.http.deps`)."""

from perron.http.deps import (  # noqa: F401
    SESSION_COOKIE,
    AppSettings,
    CurrentUser,
    DbSession,
    OptionalUser,
    current_user,
    get_db,
    get_settings,
    optional_user,
    remote_of,
)
