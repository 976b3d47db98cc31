"""The security middleware of the pages (defined in :mod:`perron.http.security`)."""

from perron.http.security import *  # noqa: F403
from perron.http.security import csrf_token_for  # noqa: F401
