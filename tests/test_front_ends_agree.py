"""Every action taken through the command line, the API and the web gives the same result and
the same refusal: the front ends only parse, call one service function and render.

The command line acts with ``--user``, the API with an API token (as a script does), the web
with a browser's session cookie and CSRF token: the field page's forms for a field unit, the
console's requests for an operator. A refusal carries the same message everywhere.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from live.alertkit import change
from perron.access.accounts import Principal, create_api_token, start_session
from perron.api.deps import SESSION_COOKIE
from perron.cli import app as cli_app
from perron.domain.parties import Role
from perron.live.alerts import apply_changes, transition
from perron.live.units import create_unit, update_unit
from perron.registry.importers import import_file
from perron.registry.profiles import GENERIC
from perron.store.db import make_engine, transaction
from perron.store.tables.access import AuditEntry
from perron.store.tables.accounts import User
from perron.store.tables.registry import Incident, IncidentVersion

runner = CliRunner()

#: username → (party, role)
USERS = {
    "ns-op": ("ns", "operator"),
    "ns-view": ("ns", "viewer"),
    "gm-op": ("gm0344", "operator"),
    "ns-field": ("ns", "field_unit"),
    "ns-admin": ("ns", "admin"),
}


@dataclass
class Answer:
    """What a front end answered: ok with the alert or unit, or a refusal with its message."""

    ok: bool
    body: dict[str, Any] | list[Any] | None = None
    message: str | None = None
    status: int | None = None  # the API's status (the kind of refusal)
    field: str | None = None  # the field a refusal names

    def __post_init__(self) -> None:
        # the command line and the pages name the field after the message: "... (field x)"
        if self.message and self.message.endswith(")") and " (field " in self.message:
            self.message, _, rest = self.message.rpartition(" (field ")
            self.field = rest[:-1]


@dataclass
class World:
    db_url: str
    alert: int
    principals: dict[str, Principal] = field(default_factory=dict)


def _seed(db_url: str, state: str = "new") -> World:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    principals: dict[str, Principal] = {}
    with transaction(engine) as s:
        for name, (party, role) in USERS.items():
            user = User(
                username=name,
                display_name=name,
                party_code=party,
                role=role,
                password_hash="-",
                active=True,
                created_at=now,
            )
            s.add(user)
            s.flush()
            principals[name] = Principal(user.id, name, name, party, Role(role))
        field_user = principals["ns-field"].user_id
        create_unit(s, code="NS-UT-A", name="A", party="ns", kind="security", lat=52.09, lng=5.11)
        create_unit(s, code="NS-UT-B", name="B", party="ns", kind="security", lat=52.1, lng=5.1)
        create_unit(
            s,
            code="NS-UT-F",
            name="F",
            party="ns",
            kind="security",
            lat=52.3,
            lng=5.3,
            user_id=field_user,
        )
        update_unit(s, "NS-UT-B", status="off_duty")
        (aid,) = apply_changes(s, [change(zone="tunnel")], now=now)
        if state in ("acknowledged", "dispatched"):
            transition(s, aid, "acknowledged", actor="seed")
        if state == "dispatched":
            transition(s, aid, "dispatched", actor="seed", unit="NS-UT-F")
    engine.dispose()
    return World(db_url, aid, principals)


def _audit_actions(db_url: str) -> list[tuple[str, str]]:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        rows = [(e.action, e.actor) for e in s.query(AuditEntry).order_by(AuditEntry.seq)]
    engine.dispose()
    return rows


# --- the three front ends -------------------------------------------------------------------


class Cli:
    name = "cli"

    def __init__(self, world: World, client) -> None:
        self.world = world

    def _run(self, *args: str) -> Answer:
        result = runner.invoke(cli_app, [*args, "--json"])
        if result.exit_code == 0:
            return Answer(True, json.loads(result.stdout))
        text = " ".join((result.stderr or result.output).split())
        assert text.startswith("error: "), text
        return Answer(False, message=text.removeprefix("error: "))

    def move(self, user: str, action: str, **kw: str) -> Answer:
        command = {"acknowledge": "ack", "on-scene": "arrive"}.get(action, action)
        args = ["alerts", command, str(self.world.alert), "--user", user]
        for key, value in kw.items():
            args += [f"--{key}", value]
        return self._run(*args)

    def show(self, user: str) -> Answer:
        return self._run("alerts", "show", str(self.world.alert), "--user", user)

    def set_unit(self, user: str, code: str, status: str) -> Answer:
        return self._run("units", "set", code, "--status", status, "--user", user)

    def audit_log(self, user: str) -> Answer:
        return self._run("audit", "log", "--user", user)

    def correct(self, user: str, incident: int, changes: dict[str, str], reason: str) -> Answer:
        sets = [arg for k, v in changes.items() for arg in ("--set", f"{k}={v}")]
        args = ["incidents", "correct", str(incident), *sets, "--reason", reason]
        return self._run(*args, "--user", user)

    def import_file(self, user: str, path: Path) -> Answer:
        return self._run("incidents", "import", str(path), "--profile", "generic", "--user", user)


class Api:
    name = "api"

    def __init__(self, world: World, client) -> None:
        self.world, self.client = world, client
        engine = make_engine(world.db_url)
        with transaction(engine) as s:
            self.tokens = {
                name: create_api_token(s, p, "front-ends") for name, p in world.principals.items()
            }
        engine.dispose()

    def _answer(self, r) -> Answer:
        if r.status_code in (200, 201):
            return Answer(True, r.json(), status=r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        doc = r.json()
        return Answer(False, message=doc["detail"], status=r.status_code, field=doc.get("field"))

    def _h(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def move(self, user: str, action: str, **kw: str) -> Answer:
        url = f"/api/alerts/{self.world.alert}/{action}"
        return self._answer(self.client.post(url, json=kw, headers=self._h(user)))

    def show(self, user: str) -> Answer:
        url = f"/api/alerts/{self.world.alert}"
        return self._answer(self.client.get(url, headers=self._h(user)))

    def set_unit(self, user: str, code: str, status: str) -> Answer:
        r = self.client.patch(f"/api/units/{code}", json={"status": status}, headers=self._h(user))
        return self._answer(r)

    def audit_log(self, user: str) -> Answer:
        return self._answer(self.client.get("/api/audit/entries", headers=self._h(user)))

    def correct(self, user: str, incident: int, changes: dict[str, str], reason: str) -> Answer:
        r = self.client.post(
            f"/api/incidents/{incident}/corrections",
            json={"changes": changes, "reason": reason},
            headers=self._h(user),
        )
        return self._answer(r)


class Web:
    """A browser's session: the field page's forms for a field unit, and the console's
    requests (session cookie and CSRF header) for the others."""

    name = "web"

    def __init__(self, world: World, client) -> None:
        self.world, self.client = world, client

    def _login(self, user: str) -> None:
        from perron.web.security import csrf_token_for

        engine = make_engine(self.world.db_url)
        with transaction(engine) as s:
            token = start_session(s, self.world.principals[user])
        engine.dispose()
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, token)
        self.client.headers["X-CSRF-Token"] = csrf_token_for(token)

    def move(self, user: str, action: str, **kw: str) -> Answer:
        self._login(user)
        page = {"accept": "accept", "on-scene": "arrived", "resolve": "close"}
        if self.world.principals[user].role is Role.FIELD_UNIT and action in page:
            r = self.client.post(
                f"/field/{self.world.alert}/{page[action]}", data=kw, follow_redirects=False
            )
            assert r.status_code == 303, r.text
            msg = parse_qs(urlsplit(r.headers["location"]).query).get("msg")
            if msg:
                return Answer(False, message=msg[0])
            shown = self.client.get("/field")
            assert shown.status_code == 200
            return Answer(True, self._detail(user), message=None)
        r = self.client.post(f"/api/alerts/{self.world.alert}/{action}", json=kw)
        if r.status_code == 200:
            return Answer(True, r.json(), status=200)
        return Answer(False, message=r.json()["detail"], status=r.status_code)

    def _detail(self, user: str) -> dict[str, Any]:
        r = self.client.get(f"/api/alerts/{self.world.alert}")
        assert r.status_code == 200, r.text
        return r.json()

    def show(self, user: str) -> Answer:
        self._login(user)
        r = self.client.get(f"/api/alerts/{self.world.alert}")
        if r.status_code == 200:
            return Answer(True, r.json(), status=200)
        return Answer(False, message=r.json()["detail"], status=r.status_code)

    def import_file(self, user: str, path: Path) -> Answer:
        """The import page's form: the result block, or the page's message."""
        self._login(user)
        r = self.client.post(
            "/incidents/import",
            files={"file": (path.name, path.read_bytes(), "text/csv")},
            data={"profile": "generic"},
        )
        assert r.status_code == 200, r.text
        if 'data-testid="import-result"' in r.text:
            return Answer(True)
        found = re.search(r'data-testid="import-error">([^<]*)<', r.text)
        assert found, r.text
        return Answer(False, message=html.unescape(found.group(1)))


FRONT_ENDS = [Cli, Api, Web]


@pytest.fixture(params=FRONT_ENDS, ids=lambda f: f.name)
def front(request):
    return request.param


def _make(front, settings, client, db_url: str, state: str = "new"):
    world = _seed(db_url, state)
    return world, front(world, client)


# --- the actions ----------------------------------------------------------------------------


def test_an_operator_acknowledges_and_dispatches_the_nearest_unit(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    acked = fe.move("ns-op", "acknowledge")
    assert acked.ok, acked.message
    assert acked.body["state"] == "acknowledged"
    sent = fe.move("ns-op", "dispatch")
    assert sent.ok, sent.message
    assert sent.body["state"] == "dispatched"
    assert sent.body["transitions"][-1]["note"] == "unit NS-UT-A"  # the nearest available unit
    assert sent.body["accepted"] is False
    assert ("alert.dispatched", "ns-op") in _audit_actions(db_url)


def test_a_viewer_may_not_acknowledge(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    answer = fe.move("ns-view", "acknowledge")
    assert not answer.ok
    assert answer.message == f"ns-view (viewer at ns) may not act on alert {world.alert}"
    assert answer.status in (None, 403)
    shown = Api(world, client).show("ns-op")
    assert shown.body["state"] == "new"  # nothing was written


def test_an_operator_of_another_party_does_not_see_the_alert(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    answer = fe.move("gm-op", "acknowledge")
    assert not answer.ok
    assert answer.message == f"no alert {world.alert}"
    assert answer.status in (None, 404)
    shown = fe.show("gm-op")
    assert not shown.ok and shown.message == f"no alert {world.alert}"


def test_a_busy_unit_is_not_dispatched(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url, state="acknowledged")
    answer = fe.move("ns-op", "dispatch", unit="NS-UT-B")
    assert not answer.ok
    assert answer.message == "unit NS-UT-B is off_duty, not available"
    assert answer.status in (None, 409)


def test_a_lifecycle_move_out_of_order_is_refused(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    answer = fe.move("ns-op", "on-scene")
    assert not answer.ok
    assert answer.message == (
        "an alert in state 'new' cannot move to 'on_scene'; allowed: acknowledged, resolved"
    )
    assert answer.status in (None, 409)


def test_the_field_unit_accepts_arrives_and_closes(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url, state="dispatched")
    taken = fe.move("ns-field", "accept")
    assert taken.ok, taken.message
    assert taken.body["state"] == "dispatched" and taken.body["accepted"] is True
    again = fe.move("ns-field", "accept")
    assert not again.ok and again.message == f"alert {world.alert} is accepted already"
    there = fe.move("ns-field", "on-scene")
    assert there.ok, there.message
    assert there.body["state"] == "on_scene"
    done = fe.move("ns-field", "resolve", outcome="true_alarm", note="handled")
    assert done.ok, done.message
    assert done.body["state"] == "resolved" and done.body["outcome"] == "true_alarm"
    actions = _audit_actions(db_url)
    assert ("alert.accepted", "ns-field") in actions
    assert ("alert.resolved", "ns-field") in actions


def test_a_field_unit_may_not_acknowledge(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    answer = fe.move("ns-field", "acknowledge")
    assert not answer.ok
    assert answer.message == f"ns-field (field_unit at ns) may not act on alert {world.alert}"


# --- units and the audit trail: command line and API (the web has no page for them) ----------

SCRIPTED = [Cli, Api]


@pytest.mark.parametrize("front", SCRIPTED, ids=lambda f: f.name)
def test_a_dispatched_unit_is_moved_by_its_alert_only(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url, state="dispatched")
    answer = fe.set_unit("ns-op", "NS-UT-F", "off_duty")
    assert not answer.ok
    assert answer.message == "unit NS-UT-F is dispatched: its alert moves it"
    assert answer.field == "status"
    assert answer.status in (None, 409)
    other = fe.set_unit("gm-op", "NS-UT-A", "off_duty")
    assert not other.ok and other.message == "gm-op may not change unit NS-UT-A"
    assert other.status in (None, 403)
    fine = fe.set_unit("ns-op", "NS-UT-A", "off_duty")
    assert fine.ok and fine.body["status"] == "off_duty"


@pytest.mark.parametrize("front", SCRIPTED, ids=lambda f: f.name)
def test_reading_the_audit_trail_is_refused_and_recorded_alike(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    fe.move("ns-op", "acknowledge")
    refused = fe.audit_log("ns-view")
    assert not refused.ok
    assert refused.message == (
        "the audit trail is open to admins (their own party) and to the inspectorate"
    )
    assert refused.status in (None, 403)
    read = fe.audit_log("ns-admin")
    assert read.ok
    assert {e["party"] for e in read.body} == {"ns"}  # an admin reads their own party's entries
    assert _audit_actions(db_url)[-1] == ("audit.read", "ns-admin")


def test_an_unknown_incident_is_not_found_alike(settings, client, db_url):
    world = _seed(db_url)
    result = runner.invoke(
        cli_app, ["incidents", "show", "INC-NOPE", "--user", "ns-admin", "--purpose", "analysis"]
    )
    assert result.exit_code == 4  # the incident commands' code for "not found"
    message = " ".join(result.stderr.split()).removeprefix("error: ")
    api = Api(world, client)
    r = client.get(
        "/api/incidents/INC-NOPE", params={"purpose": "analysis"}, headers=api._h("ns-admin")
    )
    assert r.status_code == 404 and r.json()["detail"] == message


# --- the registry's writes --------------------------------------------------------------------

INCIDENTS = "ref,category,occurred_at,station,zone\n"


def _incident_of_ns(db_url: str) -> int:
    """One incident reported by NS (imported by the installation)."""
    engine = make_engine(db_url)
    with transaction(engine) as s:
        data = (INCIDENTS + "S1,nuisance,2024-05-01T22:10:00+02:00,UT,platform\n").encode()
        import_file(s, Path("ns.csv"), "ns", GENERIC, "seed", data=data)
        incident = s.query(Incident).one().id
    engine.dispose()
    return incident


def _versions(db_url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        rows = [
            (v.version, v.category, v.recorded_by)
            for v in s.query(IncidentVersion).order_by(IncidentVersion.version)
        ]
    engine.dispose()
    return rows


def _incidents(db_url: str) -> list[tuple[str, str]]:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        rows = sorted((i.party_code, i.party_ref) for i in s.query(Incident))
    engine.dispose()
    return rows


@pytest.mark.parametrize("front", SCRIPTED, ids=lambda f: f.name)
def test_an_incident_is_corrected_by_its_own_party_alike(front, settings, client, db_url):
    world, fe = _make(front, settings, client, db_url)
    incident = _incident_of_ns(db_url)
    viewer = fe.correct("ns-view", incident, {"category": "theft"}, "wrong category")
    assert not viewer.ok and viewer.message == "the role 'viewer' cannot correct incidents"
    assert viewer.status in (None, 403)
    other = fe.correct("gm-op", incident, {"category": "theft"}, "wrong category")
    assert not other.ok
    assert other.message == f"no incident {incident} of your party (gm0344) to correct"
    assert other.status in (None, 404)
    unknown = fe.correct("ns-op", incident, {"colour": "red"}, "wrong colour")
    assert not unknown.ok and unknown.message.startswith("cannot correct colour; correctable")
    assert unknown.field == "changes" and unknown.status in (None, 422)
    naive = fe.correct("ns-op", incident, {"occurred_at": "2024-05-01T23:00:00"}, "later")
    assert not naive.ok
    assert naive.message == "occurred_at: needs a timezone (e.g. +01:00 or Z)"
    short = fe.correct("ns-op", incident, {"category": "theft"}, "ok")
    assert not short.ok and short.status in (None, 422)  # a reason of 3 characters at least
    assert _versions(db_url) == [(1, "nuisance", "seed")]  # nothing was written
    done = fe.correct("ns-op", incident, {"category": "theft"}, "wrong category")
    assert done.ok, done.message
    assert (str(done.body["id"]), done.body["version"]) == (str(incident), 2)
    assert _versions(db_url) == [(1, "nuisance", "seed"), (2, "theft", "ns-op")]
    assert ("incident.correct", "ns-op") in _audit_actions(db_url)


IMPORTING = [Cli, Web]  # the API has no import (a party's file arrives as a file)


@pytest.mark.parametrize("front", IMPORTING, ids=lambda f: f.name)
def test_a_party_file_is_imported_for_the_users_party_alike(
    front, settings, client, db_url, tmp_path
):
    world, fe = _make(front, settings, client, db_url)
    path = tmp_path / "ns.csv"
    path.write_text(INCIDENTS + "W1,nuisance,2024-05-01T22:10:00+02:00,UT,platform\n")
    refused = fe.import_file("ns-view", path)
    assert not refused.ok
    assert refused.message == (
        "the role 'viewer' cannot import incidents; admins, analysts and operators can"
    )
    assert _incidents(db_url) == []
    done = fe.import_file("ns-op", path)
    assert done.ok, done.message
    assert _incidents(db_url) == [("ns", "W1")]  # the user's own party
    assert _versions(db_url) == [(1, "nuisance", "ns-op")]  # recorded under their name
    again = fe.import_file("gm-op", path)  # the same file from another party is theirs
    assert again.ok, again.message
    assert _incidents(db_url) == [("gm0344", "W1"), ("ns", "W1")]


# --- API tokens: the command line (the installation's operator) and the API (the owner) -------


def test_revoking_a_token_is_refused_and_recorded_alike(settings, client, db_url):
    world = _seed(db_url)
    api = Api(world, client)  # one token per user, named "front-ends"
    mine = api._answer(client.get("/api/auth/tokens", headers=api._h("ns-op")))
    [token] = mine.body["tokens"]
    # someone else's token is not found through the API, as an unknown one is on the command line
    theirs = api._answer(client.delete(f"/api/auth/tokens/{token['id']}", headers=api._h("gm-op")))
    assert not theirs.ok and theirs.status == 404
    unknown = runner.invoke(cli_app, ["tokens", "revoke", "999999"])
    assert unknown.exit_code == 1
    assert " ".join(unknown.stderr.split()) == "error: no token 999999"
    assert theirs.message == f"no token {token['id']}"
    # the owner revokes through the API, the installation through the command line
    done = api._answer(client.delete(f"/api/auth/tokens/{token['id']}", headers=api._h("ns-op")))
    assert done.ok and done.body["active"] is False
    [other] = api._answer(client.get("/api/auth/tokens", headers=api._h("gm-op"))).body["tokens"]
    cli = runner.invoke(cli_app, ["tokens", "revoke", str(other["id"])])
    assert cli.exit_code == 0, cli.output
    listed = json.loads(runner.invoke(cli_app, ["tokens", "list", "--json"]).stdout)
    revoked = {r["id"] for r in listed if r["revoked_at"]}
    assert revoked == {token["id"], other["id"]}
    actions = _audit_actions(db_url)
    assert ("token.revoke", "ns-op") in actions and ("token.revoke", "cli") in actions


# --- stations: the API and the station page -----------------------------------------------------


def test_a_station_and_an_unknown_code_are_shown_alike(settings, client, db_url):
    world = _seed(db_url)
    Web(world, client)._login("ns-view")
    shown = client.get("/api/stations/ut")
    assert shown.status_code == 200
    station = shown.json()
    page = client.get("/stations/ut")
    assert page.status_code == 200
    assert station["name"] in page.text
    for neighbour in station["neighbours"]:  # the page's map has the same neighbours
        assert neighbour["name"] in page.text
    missing = client.get("/api/stations/ZZZQ")
    assert missing.status_code == 404
    assert missing.json()["title"] == "Station not found"
    assert missing.json()["detail"] == (
        "there is no station with code 'ZZZQ'; see /api/stations for the codes"
    )
    assert client.get("/stations/ZZZQ").status_code == 404


# --- the perception monitor: command line, API and the monitor page ----------------------------


def _survey(db_url: str) -> None:
    from perron.access.actors import installation
    from perron.monitor.generator import Targets
    from perron.monitor.service import generate_into

    small = Targets(
        responses_per_year=6000,
        evening_national={2024: 6.9},
        below_threshold={2023: 3},
        overall_national={2023: 7.2},
        overall_range={},
    )
    engine = make_engine(db_url)
    with transaction(engine) as s:
        generate_into(s, installation("cli:test"), 5, [2023, 2024], targets=small)
    engine.dispose()


def test_the_stations_below_the_threshold_and_a_bad_item_are_answered_alike(
    settings, client, db_url
):
    world = _seed(db_url)
    _survey(db_url)
    cli, api, web = Cli(world, client), Api(world, client), Web(world, client)
    by_cli = cli._run("monitor", "below-threshold", "--year", "2024", "--user", "ns-view")
    url = "/api/monitor/below-threshold?year=2024"
    by_api = api._answer(client.get(url, headers=api._h("ns-view")))
    assert by_cli.ok and by_api.ok, (by_cli.message, by_api.message)
    codes = [e["code"] for e in by_api.body["stations"] + by_api.body["improved"]]
    assert codes and [e["code"] for e in by_cli.body["stations"] + by_cli.body["improved"]] == codes
    web._login("ns-view")
    page = client.get("/monitor?year=2024")
    assert page.status_code == 200
    listed = re.findall(r'<tr data-status="[a-z]+">\s*<td><a href="/stations/([A-Z]+)"', page.text)
    assert listed == codes
    # the same refusal, naming the same field
    bad_cli = cli._run("monitor", "scores", "--item", "happiness", "--user", "ns-view")
    r = client.get("/api/monitor/scores?item=happiness", headers=api._h("ns-view"))
    bad_api = api._answer(r)
    assert not bad_cli.ok and not bad_api.ok and bad_api.status == 422
    assert bad_cli.message == bad_api.message  # which names the item (the API's field)
    assert bad_api.field == "item" and "unknown item" in bad_api.message
    # every read is recorded under the reader's name, whichever front end it came through
    actions = _audit_actions(db_url)
    assert actions.count(("monitor.below_threshold", "ns-view")) == 2
    assert ("monitor.overview", "ns-view") in actions


# --- the forecast: command line, API and the forecast page --------------------------------------


def test_a_forecast_from_the_registry_is_refused_alike(settings, client, db_url):
    """The default source is the registry as the user sees it: a viewer (aggregates only) may
    not read incidents in detail, and is told so in the same words everywhere."""
    world = _seed(db_url)
    cli, api, web = Cli(world, client), Api(world, client), Web(world, client)
    by_cli = cli._run("forecast", "tonight", "--user", "ns-view")
    by_api = api._answer(client.get("/api/forecast/tonight", headers=api._h("ns-view")))
    assert not by_cli.ok and not by_api.ok and by_api.status == 403
    assert by_cli.message == by_api.message
    web._login("ns-view")
    page = client.get("/forecast")
    assert page.status_code == 200
    assert by_api.message in html.unescape(page.text)
