import pytest
from sqlalchemy import select

from perron.access import accounts
from perron.store.tables.accounts import User


def _user(session, name="analyst1", role="analyst", party="ns"):
    p = accounts.create_user(session, name, "correct horse battery", party, role, "An Analyst")
    session.commit()
    return p


def test_passwords_are_stored_as_argon2_hashes(session):
    _user(session)
    stored = session.scalar(select(User.password_hash).where(User.username == "analyst1"))
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


def test_authenticate_accepts_the_right_password_only(session):
    _user(session)
    principal = accounts.authenticate(session, "analyst1", "correct horse battery", "10.0.0.1")
    assert (principal.party_code, principal.role.value) == ("ns", "analyst")
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate(session, "analyst1", "wrong password!!", "10.0.0.1")
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate(session, "nobody", "correct horse battery", "10.0.0.1")


def test_repeated_failures_are_rate_limited_even_with_the_right_password(session):
    _user(session)
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        with pytest.raises(accounts.InvalidCredentials):
            accounts.authenticate(session, "analyst1", "guess", "10.0.0.2")
    session.commit()
    with pytest.raises(accounts.TooManyAttempts) as exc:
        accounts.authenticate(session, "analyst1", "correct horse battery", "10.0.0.2")
    assert 0 < exc.value.retry_after <= 15 * 60


@pytest.mark.parametrize(
    ("party", "role", "password", "message"),
    [
        ("nope", "analyst", "long enough pw", "unknown party"),
        ("ns", "boss", "long enough pw", "unknown role"),
        ("ns", "analyst", "short", "too short"),
    ],
)
def test_create_user_refuses_bad_input_with_a_clear_message(
    session, party, role, password, message
):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(session, "x", password, party, role)


def test_duplicate_usernames_are_refused(session):
    _user(session)
    with pytest.raises(accounts.AccountError, match="exists already"):
        accounts.create_user(session, "analyst1", "another long pw", "prorail", "viewer")


def test_sessions_and_tokens_identify_the_user_and_can_end(session):
    principal = _user(session)
    token = accounts.start_session(session, principal)
    assert accounts.principal_for_session(session, token).username == "analyst1"
    accounts.end_session(session, token)
    assert accounts.principal_for_session(session, token) is None
    api_token = accounts.create_api_token(session, principal, "script")
    assert accounts.principal_for_token(session, api_token).user_id == principal.user_id
    assert accounts.principal_for_token(session, api_token + "x") is None
