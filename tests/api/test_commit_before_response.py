"""A write is committed before its answer leaves the server.

A client that receives "logged in" or "accepted" must find the change there on its very next
request (a browser follows the login redirect at once), and a commit that fails must not have
been answered with success.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event

from conftest import WEB_USER, create_web_user, set_csrf_header


def _recording(app, order: list[str]):
    """``app`` wrapped so that the moment each answer starts is appended to ``order``."""

    async def wrapped(scope, receive, send):
        async def recording_send(message):
            if message["type"] == "http.response.start":
                order.append(f"answer {scope['method']} {scope['path']}")
            await send(message)

        await app(scope, receive, recording_send)

    return wrapped


def test_login_and_token_are_committed_before_the_answer(app, db_url) -> None:
    create_web_user(db_url)
    order: list[str] = []
    event.listen(app.state.sessions, "after_commit", lambda session: order.append("commit"))
    with TestClient(_recording(app, order)) as client:
        order.clear()
        r = client.post(
            "/login",
            data={"username": WEB_USER[0], "password": WEB_USER[1], "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert order[:2] == ["commit", "answer POST /login"], order
        set_csrf_header(client)

        order.clear()
        r = client.post("/api/auth/tokens", json={"name": "script"})
        assert r.status_code in (200, 201), r.text
        assert order.index("commit") < order.index("answer POST /api/auth/tokens"), order
