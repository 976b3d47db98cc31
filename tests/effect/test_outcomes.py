"""Outcome panels from real store rows: survey responses imported through the monitor's importer,
alerts raised and acknowledged through the live service. The panels' cells are checked against a
hand count, access follows the capabilities' own rules, and a planted effect is found."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.effect import (
    OUTCOMES,
    EffectError,
    PanelError,
    alert_panel,
    evaluate_measure,
    evaluate_panel,
    monitor_panel,
    response_time_panel,
)
from perron.effect.outcomes import disruption_panel
from perron.live.alerts import apply_changes, transition
from perron.live.rules import AlertChange
from perron.store.tables.access import AuditEntry
from perron.store.tables.reference import Station

ADMIN = Principal(0, "cli:prorail", "x", "prorail", Role.ADMIN)
POLICE = Principal(0, "cli:politie", "x", "politie", Role.ADMIN)


def test_every_outcome_kind_is_in_the_registry():
    assert {"incidents", "disruptions", "alerts", "response_time", "evening_safety"} <= set(
        OUTCOMES
    )
    assert OUTCOMES["evening_safety"].period_kind == "quarter"


def _codes(session, n):
    return list(session.scalars(select(Station.code).order_by(Station.code).limit(n)))


# --------------------------------------------------------------------------- monitor

QUARTERS = [(y, q) for y in (2022, 2023, 2024, 2025) for q in range(4)]  # 16 waves


def _survey_rows(codes, treated, start_wave, effect, seed=5):
    """Responses: per station and quarter 40 answers (men and women aged 25-34, in a ratio
    that differs per station so that the weighting matters), a station level, a quarter
    level and ``effect`` added at the treated stations from ``start_wave``."""
    rng = np.random.default_rng(seed)
    level = {c: 5.5 + rng.normal(0, 0.6) for c in codes}
    wave_level = rng.normal(0, 0.3, len(QUARTERS))
    rows = []
    for ci, c in enumerate(codes):
        women = 10 + (ci * 7) % 21  # 10 … 30 of 40
        for k, (y, q) in enumerate(QUARTERS):
            for r in range(40):
                gender = "vrouw" if r < women else "man"
                mu = level[c] + wave_level[k] - (0.8 if gender == "vrouw" else 0.0)
                if c in treated and k >= start_wave:
                    mu += effect
                score = int(np.clip(round(mu + rng.normal(0, 1.2)), 1, 10))
                day = date(y, 3 * q + 1, 1 + (r % 28))
                rows.append((c, day.isoformat(), gender, score))
    return rows


def _write_survey(path, rows, sparse=None):
    """Write ``rows`` (and, for ``sparse``, five answers a quarter) as the monitor's import
    file; returns every row written."""
    if sparse:  # a station with only a few answers a quarter
        rows = rows + [
            (sparse, date(y, 3 * q + 1, 2 + r).isoformat(), "man", 7)
            for y, q in QUARTERS
            for r in range(5)
        ]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["station", "date", "part_of_day", "gender", "age_band", "frequency", "safe_evening"]
        )
        for c, day, gender, score in rows:
            w.writerow([c, day, "evening", gender, "25-34", "weekly", score])
    return rows


def _hand_mean(rows, code, year, quarter):
    """The post-stratified mean by hand: weights per quarter over every response of it, the
    two observed cells (man, vrouw × 25-34) renormalised to the population shares 0.49/0.50."""
    wave = [
        r
        for r in rows
        if date.fromisoformat(r[1]).year == year
        and (date.fromisoformat(r[1]).month - 1) // 3 == quarter
    ]
    n = len(wave)
    n_cell = {g: sum(1 for r in wave if r[2] == g) for g in ("man", "vrouw")}
    share = {"man": 0.49 / 0.99, "vrouw": 0.50 / 0.99}
    weight = {g: share[g] * n / n_cell[g] for g in share}
    mine = [r for r in wave if r[0] == code]
    return sum(weight[r[2]] * r[3] for r in mine) / sum(weight[r[2]] for r in mine)


def test_monitor_panel_from_imported_responses(session, tmp_path):
    from perron.monitor.importer import import_file

    codes = _codes(session, 13)
    stations, sparse = codes[:12], codes[12]
    treated = set(stations[:4])
    rows = _survey_rows(stations, treated, start_wave=10, effect=1.5)
    path = tmp_path / "survey.csv"
    rows = _write_survey(path, rows, sparse=sparse)
    report = import_file(session, path, source="test survey")
    assert report.inserted == len(rows)

    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    start = "2024-07"  # the third quarter of 2024: wave index 10
    panel = monitor_panel(session, ADMIN, "analysis", treated={c: start for c in treated})
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
    assert panel.period_kind == "quarter"
    assert panel.periods[:3] == ["2022-01", "2022-04", "2022-07"] and len(panel.periods) == 16
    # only the stations with 30 answers in every quarter; the sparse one is left out
    assert panel.units == sorted(stations)
    assert sparse not in panel.units and panel.notes and "left out" in panel.notes[0]
    for code in (stations[0], stations[5], stations[11]):
        i = panel.units.index(code)
        for k, (y, q) in enumerate(QUARTERS):
            assert panel.y[i, k] == pytest.approx(_hand_mean(rows, code, y, q), abs=1e-9)
    for code in stations:
        want = 10 if code in treated else -1
        assert panel.start[panel.units.index(code)] == want
    # a start in the middle of a quarter counts from the next one
    mid = monitor_panel(session, ADMIN, "analysis", treated={stations[0]: "2024-08"})
    assert mid.start[mid.units.index(stations[0])] == 11
    # a treated station without a score in every quarter cannot be evaluated
    with pytest.raises(PanelError, match="fewer than 30 survey answers"):
        monitor_panel(session, ADMIN, "analysis", treated={sparse: start})

    # the planted +1.5 on the 1–10 scale is found, on the outcome's own (linear) scale
    ev = evaluate_panel(ADMIN, panel)
    assert ev.method == "imputation_linear"
    assert ev.ci_low > 0.5 and ev.ci_low < 1.5 < ev.ci_high
    assert not panel.counts and not panel.synthetic


# --------------------------------------------------------------------------- live

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)  # 13:00 in Amsterdam: NS handles station alerts


def _month_start(k):
    y, m = 2024 + k // 12, k % 12 + 1
    return datetime(y, m, 1, 12, 0, tzinfo=UTC)


def _raise_alerts(session, codes, treated, start_month, months=24, seed=11):
    """Alerts through the live service: per station and month 1 + Poisson(4) alerts (halved at
    the treated stations from ``start_month``), each acknowledged after a number of minutes
    (halved there too). Returns the hand count and the hand medians."""
    rng = np.random.default_rng(seed)
    count: dict[tuple[str, int], int] = {}
    minutes: dict[tuple[str, int], list[float]] = {}
    serial = 0
    for k in range(months):
        batch = []
        acks = []
        for c in codes:
            after = c in treated and k >= start_month
            lam = 2.0 if after else 4.0
            n = 1 + int(rng.poisson(lam))
            for j in range(n):
                serial += 1
                at = _month_start(k) + timedelta(days=j % 27, minutes=j)
                batch.append(
                    (
                        AlertChange(
                            action="open",
                            rule_id="aggression",
                            dedup_key=f"test:{serial}",
                            station_code=c,
                            zone="platform",
                            severity="medium",
                            subcategory="assault",
                            title_nl="Mogelijke agressie",
                            title_en="Possible aggression",
                            at=at,
                            event_ids=(str(serial),),
                            count=1,
                            detail={},
                        ),
                        at,
                    )
                )
                wait = float(rng.gamma(4.0, 1.0)) * (0.5 if after else 1.0) + 0.5
                acks.append((c, k, at, round(wait, 2)))
        for ch, at in batch:
            (aid,) = apply_changes(session, [ch], now=at)
            c, kk, at2, wait = acks.pop(0)
            transition(
                session, aid, "acknowledged", actor="operator", now=at2 + timedelta(minutes=wait)
            )
            count[(c, kk)] = count.get((c, kk), 0) + 1
            minutes.setdefault((c, kk), []).append(wait)
    return count, minutes


@pytest.mark.slow
def test_alert_panels_from_raised_alerts(session):
    codes = _codes(session, 20)
    treated = set(codes[:6])
    count, minutes = _raise_alerts(session, codes, treated, start_month=12)
    start = {c: "2025-01" for c in treated}
    audits = session.scalar(select(func.count()).select_from(AuditEntry))

    alerts = alert_panel(session, ADMIN, "analysis", treated=start)
    assert alerts.periods[0] == "2024-01" and alerts.periods[-1] == "2025-12"
    assert alerts.counts
    for c in codes:
        i = alerts.units.index(c)
        assert [int(v) for v in alerts.y[i]] == [count[(c, k)] for k in range(24)]
        assert alerts.start[i] == (12 if c in treated else -1)
    # stations without alerts are zeros, not left out
    assert len(alerts.units) > len(codes) and alerts.y.sum() == sum(count.values())

    resp = response_time_panel(session, ADMIN, "analysis", treated=start)
    assert resp.units == sorted(codes)  # only stations with an acknowledged alert every month
    for c in codes:
        i = resp.units.index(c)
        want = [float(np.median(minutes[(c, k)])) for k in range(24)]
        assert resp.y[i] == pytest.approx(want, abs=1e-6)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 2

    # the police sees no medium station alerts of NS, nor their response times
    with pytest.raises(PanelError, match="no alerts you may see"):
        alert_panel(session, POLICE, "analysis")
    with pytest.raises(PanelError, match="no alerts acknowledged"):
        response_time_panel(session, POLICE, "analysis")
    with pytest.raises(PanelError, match="unknown response step"):
        response_time_panel(session, ADMIN, "analysis", step="lunch")

    # the planted effects are found: 1 + Poisson(2) instead of 1 + Poisson(4) alerts (−40 %,
    # counts, multiplicatively) and half the gamma part of the minutes to acknowledge (about
    # −44 % on the medians)
    sub = alerts.subset(np.array([alerts.units.index(c) for c in sorted(codes)]))
    ev = evaluate_panel(ADMIN, sub)
    assert ev.method == "imputation_poisson"
    assert ev.relative_ci_low < -0.4 < ev.relative_ci_high < 0
    ev = evaluate_panel(ADMIN, resp)
    assert ev.method == "imputation_linear"
    assert ev.relative is not None and -0.7 < ev.relative < -0.3 and ev.ci_high < 0


def test_disruptions_are_the_public_disruptions_only(session, tmp_path):
    """Safety-related disruptions: the registry's incidents of the public disruption data,
    imported through its importer, and nothing of the other parties."""
    from perron.registry.disruptions import import_disruptions
    from perron.registry.synthetic import generate

    generate(session, 2023, seed=4, scale=0.3)  # other parties' incidents at the same stations
    a, b = _codes(session, 2)
    rows = [
        ("1", a, "aanrijding met een persoon", "2023-01-05 10:00:00"),
        ("2", a, "persoon op het spoor", "2023-01-20 23:30:00"),
        ("3", f"{b},{a}", "koperdiefstal", "2023-02-03 08:00:00"),
        ("4", a, "vandalisme", "2023-04-30 12:00:00"),
        ("5", b, "seinstoring", "2023-03-01 12:00:00"),  # not safety related: skipped
    ]
    path = tmp_path / "disruptions.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "rdt_id",
                "rdt_lines",
                "rdt_station_codes",
                "cause_nl",
                "statistical_cause_nl",
                "start_time",
                "duration_minutes",
                "ns_lines",
            ]
        )
        for rid, st, cause, at in rows:
            w.writerow([rid, "Test - Lijn", st, cause, cause, at, 45, ""])
    import_disruptions(session, path)
    panel = disruption_panel(session, ADMIN, "analysis")
    assert panel.periods == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert "safety-related disruptions" in panel.outcome
    ia, ib = panel.units.index(a), panel.units.index(b)
    assert panel.y[ia].tolist() == [2, 0, 0, 1]
    assert panel.y[ib].tolist() == [0, 1, 0, 0]
    assert panel.y.sum() == 4  # no incident of another party is counted
    assert not panel.synthetic  # the public data are real
    from perron.effect import incident_panel

    everything = incident_panel(session, ADMIN, "analysis")
    assert everything.synthetic and "generated" in everything.source  # the generated year


# --------------------------------------------------------------------------- a deal measure


def _monitor_measure(session, tmp_path):
    """Survey responses at 14 stations 2022–2025 and a synthetic deal measure (lighting) at
    the first from July 2024, +2 points of evening safety there from then on."""
    from perron.monitor.importer import import_file
    from perron.programme import DealInput, MeasureInput, PartyShare, add_measure, create_deal

    codes = _codes(session, 14)
    target = codes[0]
    rows = _survey_rows(codes, {target}, start_wave=10, effect=2.0, seed=8)
    path = tmp_path / "survey.csv"
    _write_survey(path, rows)
    import_file(session, path, source="test survey")
    create_deal(
        session,
        ADMIN,
        DealInput("T-2", "Test", [target], [PartyShare("prorail", "lead")], synthetic=True),
        "test",
    )
    m = add_measure(
        session,
        ADMIN,
        "T-2",
        MeasureInput(
            "lighting",
            target,
            "platform",
            "prorail",
            50_000,
            status="in_progress",
            actual_start=date(2024, 7, 1),
        ),
        "test",
    )
    return int(m["id"])


def test_measure_on_the_monitor_outcome(session, tmp_path):
    mid = _monitor_measure(session, tmp_path)
    ev, panel, info = evaluate_measure(
        session, ADMIN, mid, outcome="evening_safety", months_before=36
    )
    assert info["outcome_kind"] == "evening_safety" and info["period_kind"] == "quarter"
    assert panel.periods[0] == "2022-01" and panel.period_kind == "quarter"
    assert ev.method == "synthetic_control" and ev.synthetic
    assert ev.ci_low > 0 and ev.ci_low < 2.0 < ev.ci_high
    with pytest.raises(EffectError, match="unknown outcome"):
        evaluate_measure(session, ADMIN, mid, outcome="weather")


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_web_form_evaluates_a_measure_on_the_chosen_outcome(web_client, engine, tmp_path):
    from sqlalchemy.orm import Session

    with Session(engine, expire_on_commit=False) as s:
        mid = _monitor_measure(s, tmp_path)
        s.commit()
    page = web_client.get("/effect")
    assert page.status_code == 200 and 'data-testid="effect-measure-form"' in page.text
    assert "veiligheidsgevoel" in page.text  # Dutch first
    r = web_client.post(
        "/effect/measure",
        data={"measure_id": str(mid), "outcome": "evening_safety", "step": "acknowledge"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    shown = web_client.get(r.headers["location"])
    assert shown.status_code == 200
    for needle in ('data-testid="effect-outcome"', 'data-testid="effect-quarters"', "kwartalen"):
        assert needle in shown.text
    bad = web_client.post("/effect/measure", data={"measure_id": str(mid), "outcome": "weather"})
    assert bad.status_code == 400 and "unknown outcome" in bad.text
    none = web_client.post("/effect/measure", data={"measure_id": "x"})
    assert none.status_code == 400
    api = web_client.post(
        f"/api/effect/measures/{mid}/evaluate", params={"outcome": "evening_safety"}
    )
    assert api.status_code == 200 and api.json()["measure"]["period_kind"] == "quarter"
    assert (
        web_client.post(
            f"/api/effect/measures/{mid}/evaluate", params={"outcome": "weather"}
        ).status_code
        == 422
    )
    api_power = web_client.get(
        f"/api/effect/measures/{mid}/power", params={"outcome": "evening_safety"}
    )
    assert api_power.status_code == 200 and api_power.json()["measure"]["measure_id"] == mid
    # the command line: the same outcome by --outcome, the contract's keys
    import json

    from typer.testing import CliRunner

    from perron.cli import app

    runner = CliRunner()
    res = runner.invoke(
        app, ["effect", "evaluate", "--measure", str(mid), "--outcome", "evening_safety", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    for key in ("method", "att", "ci_low", "ci_high", "relative", "pre_trend_p", "credible"):
        assert key in out
    assert out["measure"]["outcome_kind"] == "evening_safety" and out["ci_low"] > 0
    bad = runner.invoke(
        app, ["effect", "evaluate", "--measure", str(mid), "--outcome", "weather", "--json"]
    )
    assert bad.exit_code == 2 and "unknown outcome" in bad.output
    mixed = runner.invoke(
        app, ["effect", "evaluate", "--panel", "x.csv", "--outcome", "alerts", "--json"]
    )
    assert mixed.exit_code == 2 and "go with --measure" in mixed.output
    power = runner.invoke(
        app, ["effect", "power", "--measure", str(mid), "--outcome", "evening_safety", "--json"]
    )
    assert power.exit_code == 0, power.output
    assert json.loads(power.stdout)["mde"] > 0


def test_power_of_a_planned_measure_on_the_monitor_outcome(session, tmp_path):
    """Before it starts, a deal knows the smallest effect on evening safety it could show."""
    from perron.effect import plan_measure_power
    from perron.programme import DealInput, MeasureInput, PartyShare, add_measure, create_deal

    _monitor_measure(session, tmp_path)
    target = _codes(session, 2)[1]
    create_deal(
        session,
        ADMIN,
        DealInput("T-3", "Planned", [target], [PartyShare("prorail", "lead")], synthetic=True),
        "test",
    )
    planned = add_measure(
        session,
        ADMIN,
        "T-3",
        MeasureInput("lighting", target, "platform", "prorail", 50_000),
        "test",
    )
    with pytest.raises(EffectError, match="has not started"):
        evaluate_measure(session, ADMIN, int(planned["id"]), outcome="evening_safety")
    res = plan_measure_power(
        session, ADMIN, int(planned["id"]), outcome="evening_safety", months_after=12
    )
    assert res["measure"]["period_kind"] == "quarter" and res["months_after"] == 12
    assert res["units"] == [target] and "12 maanden" in res["note_nl"]
    # the station's quarterly scores vary by about 0.2–0.4 points around its level, so a
    # detectable change is a few tenths of a point: more than nothing, less than the scale
    assert 0.1 < res["mde"] < 2.0
    with pytest.raises(EffectError, match="unknown outcome"):
        plan_measure_power(session, ADMIN, int(planned["id"]), outcome="weather")
