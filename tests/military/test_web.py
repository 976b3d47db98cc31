"""The military page: form, plan with map, chart, impact and alternatives; refusals."""

from __future__ import annotations

import pytest

from perron.access import accounts
from perron.store.db import make_engine, transaction

FORM = {
    "origin": "VS",
    "destination": "ZV",
    "earliest": "2026-12-08T21:00",
    "length_m": "600",
    "mass_t": "2000",
    "max_speed_kmh": "100",
    "gauge": "G1",
}


def test_page_plans_a_request_and_shows_it(web_client):
    page = web_client.get("/military")
    assert page.status_code == 200
    assert 'data-testid="military-form"' in page.text
    assert "met de hand samengesteld uit openbare uitspraken" in page.text
    r = web_client.post("/military", data=FORM, follow_redirects=False)
    assert r.status_code == 303, r.text
    shown = web_client.get(r.headers["location"])
    assert shown.status_code == 200
    for testid in (
        "military-slot",
        "military-map",
        "military-chart",
        "military-impact",
        "military-alternatives",
        "military-pdf",
    ):
        assert f'data-testid="{testid}"' in shown.text
    rid = r.headers["location"].split("=")[1]
    pdf = web_client.get(f"/military/{rid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    en = web_client.get(f"/military?id={rid}&lang=en")
    assert "compiled by hand from public statements" in en.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"length_m": "900"}, "length_m"),
        ({"origin": "NOPE"}, "origin"),
        ({"avoid": "X-Y"}, "avoid"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(web_client, change, field):
    r = web_client.post("/military", data=FORM | change, follow_redirects=False)
    assert r.status_code == 422
    assert f"<strong>{field}</strong>" in r.text
    assert 'data-testid="military-requests"' not in r.text


def test_other_parties_see_a_refusal(client, db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        accounts.create_user(s, "nsuser", "nsuser-password-1", "ns", "admin")
    engine.dispose()
    r = client.post(
        "/login",
        data={"username": "nsuser", "password": "nsuser-password-1", "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/military")
    assert 'data-testid="military-denied"' in page.text
    assert 'data-testid="military-form"' not in page.text
    assert client.post("/military", data=FORM).status_code == 403
    assert client.get("/military/1/pdf").status_code in (403, 404)


def test_planner_approves_an_alternative_on_the_page(web_client):
    r = web_client.post("/military", data=FORM, follow_redirects=False)
    rid = r.headers["location"].split("=")[1]
    page = web_client.get(f"/military?id={rid}")
    assert 'data-testid="military-approve-1"' in page.text
    done = web_client.post(
        f"/military/{rid}/decision",
        data={"decision": "approved", "rank": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = web_client.get(f"/military?id={rid}")
    assert 'data-testid="military-decision"' in page.text and "(#1)" in page.text
    again = web_client.post(f"/military/{rid}/decision", data={"decision": "rejected"})
    assert again.status_code == 422
