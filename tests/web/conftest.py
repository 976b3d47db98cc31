"""The web pages run on SQLite only: the queries behind them are the API's, which are tested
on SQLite and PostgreSQL in tests/api."""

from __future__ import annotations

import pytest


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url
