"""The forecast reads the registry in the store: the social-safety categories of the parties'
own incidents are forecast the same way as the disruption-based ones, through CLI and API, and
only what the asking party may see goes in."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from perron.access import accounts, audit
from perron.access.actors import installation
from perron.domain import taxonomy
from perron.forecast.service import Store, store_table, tonight
from perron.registry.synthetic import generate
from perron.store.db import make_engine, transaction

ACTOR = installation("cli:test")
SOCIAL = {c for c, v in taxonomy.CATEGORIES.items() if v.group == taxonomy.SOCIAL_SAFETY}


@pytest.fixture
def store(settings):
    """A store with one synthetic year of every party's incidents (labelled synthetic)."""
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        generate(session, 2024, seed=3, scale=0.25)
    engine.dispose()
    return settings


def test_the_registry_is_read_through_the_access_policy(store):
    table = store_table(Store("ns"), store)
    text = table.read_text(encoding="utf-8").splitlines()
    assert text[0] == "station_codes,category,start_time"
    categories = {line.rsplit(",", 2)[-2] for line in text[1:]}
    assert categories & SOCIAL, categories  # NS's own social-safety incidents
    assert categories <= set(taxonomy.CATEGORIES)
    # the same registry as the police sees it differs: each party its own (no agreements)
    police = store_table(Store("politie"), store)
    assert police != table and police.read_text(encoding="utf-8") != table.read_text("utf-8")
    # the same incidents give the same table: a write elsewhere in the registry does not
    # make a new file (nor a new data key and a retraining)
    assert store_table(Store("ns"), store) == table
    engine = make_engine(store.database_url)
    with transaction(engine) as session:
        reads = audit.entries(session, action="forecast.table")
    engine.dispose()
    assert [(e["detail"]["as_party"], e["purpose"]) for e in reads] == [
        ("ns", "analysis"),
        ("politie", "analysis"),
        ("ns", "analysis"),
    ]


def test_social_safety_is_forecast_like_the_disruption_categories(store):
    res = tonight(
        ACTOR, "analysis", Store("ns"), model="empirical_bayes", categories=["social_safety"], top=5
    )
    assert set(res["categories"]) == SOCIAL
    assert res["date"] == "2025-01-01" and res["data_until"] == "2024-12-31"
    assert len(res["stations"]) == 5
    assert all(s["expected"] > 0 for s in res["stations"])
    ranks = [s["expected"] for s in res["stations"]]
    assert ranks == sorted(ranks, reverse=True)

    one = tonight(
        ACTOR, "analysis", Store("ns"), model="empirical_bayes", categories=["nuisance"], top=5
    )
    assert one["categories"] == ["nuisance"]
    assert 0 < one["expected_total"] < res["expected_total"]


def test_cli_and_api_forecast_from_the_registry(store, client):
    res = CliRunner().invoke(
        __import__("perron.cli", fromlist=["app"]).app,
        [
            "forecast",
            "tonight",
            "--registry",
            "ns",
            "--categories",
            "nuisance,aggression_traveller_verbal",
            "--model",
            "empirical_bayes",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    assert cli["categories"] == ["nuisance", "aggression_traveller_verbal"]
    assert date.fromisoformat(cli["date"]) == date(2025, 1, 1)

    engine = make_engine(store.database_url)
    with transaction(engine) as session:
        user = accounts.create_user(session, "ana", "analyst-password-1", "ns", "analyst")
        token = accounts.create_api_token(session, user, "t")
    engine.dispose()
    r = client.get(
        "/api/forecast/tonight",
        params={
            "source": "registry",
            "categories": "nuisance,aggression_traveller_verbal",
            "model": "empirical_bayes",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    api = r.json()
    n = min(len(api["stations"]), len(cli["stations"]))  # the CLI shows 15, the API 25
    assert n >= 10
    assert [s["station"] for s in api["stations"][:n]] == [
        s["station"] for s in cli["stations"][:n]
    ]
    assert api["categories"] == cli["categories"]

    bad = CliRunner().invoke(
        __import__("perron.cli", fromlist=["app"]).app,
        ["forecast", "tonight", "--registry", "ns", "--categories", "shoplifting"],
    )
    assert bad.exit_code != 0 and "unknown categories ['shoplifting']" in bad.output


def test_a_forecast_from_the_registry_says_how_many_of_its_incidents_are_synthetic(store, client):
    """Synthetic incidents are labelled wherever they are shown: the forecast page names its
    source and how many of the incidents behind it are synthetic."""
    from perron.forecast.service import source_info

    table = store_table(Store("ns"), store)
    info = source_info(table)
    rows = len(table.read_text(encoding="utf-8").splitlines()) - 1
    assert info == {"kind": "registry", "incidents": rows, "synthetic": rows}  # all generated
    engine = make_engine(store.database_url)
    with transaction(engine) as session:
        accounts.create_user(session, "ana2", "analyst-password-2", "ns", "analyst")
    engine.dispose()
    client.post("/login", data={"username": "ana2", "password": "analyst-password-2"})
    page = client.get("/forecast", params={"model": "empirical_bayes"})
    assert page.status_code == 200, page.text
    assert 'data-testid="forecast-synthetic"' in page.text
    dutch = f"{rows:,}".replace(",", ".")  # the page's number format
    assert f"Daarvan zijn er {dutch} synthetisch" in page.text
    assert "Prognose uit de openbare storingsdata" in page.text
    # the API says the same of what it answers from; a file is named as such
    api = client.get("/api/forecast/tonight", params={"model": "empirical_bayes"}).json()
    assert api["source"] == info
    week = client.get("/api/forecast/week", params={"model": "empirical_bayes"}).json()
    assert week["source"] == info
