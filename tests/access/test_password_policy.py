"""A password policy: long enough, not blank, not a common password, not the user name."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from perron.access import accounts


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 10, "blank"),
        (" " * 14, "blank"),
        ("\t\n  \t\n  \t\n  ", "blank"),
        ("short-pw-1", "at least 12"),
        ("password1234", "too common"),
        ("Qwerty123456", "too common"),
        ("welkom123456", "too common"),
        ("  password1234  ", "too common"),
        ("operator-x-operator-x", "user name"),
    ],
)
def test_weak_passwords_are_refused(session, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(session, "operator-x", password, "ns", "analyst")


def test_a_good_password_is_accepted(session):
    accounts.create_user(session, "an", "lang genoeg en eigen", "ns", "analyst")
    assert accounts.check_password("lang genoeg en eigen", "an") is None


def test_the_deny_list_is_shipped_and_sizeable():
    words = accounts.common_passwords()
    assert len(words) >= 200
    assert "password" in words and "123456" in words and "wachtwoord" in words


def test_cli_user_add_refuses_a_blank_password(settings):
    from perron.cli import app
    from perron.store.db import upgrade

    upgrade(settings.database_url)
    res = CliRunner().invoke(
        app, ["user", "add", "x1", "--party", "ns", "--role", "viewer", "--password", " " * 10]
    )
    assert res.exit_code != 0
    assert "blank" in res.output
