"""Demo data of the programme: the real budget lines of the letter of 10 October 2025 and a
**synthetic** set of station deals (labelled so everywhere): three "first stations of 2026",
the Stationsagenda camera stations (7 last year, 7 this year), its 13 stations with physical
measures and pilots, and the Maarheeze security compensation.

Which stations the programme and the Stationsagenda chose is not public; the demo picks
stations the seeds name as least safe (Amsterdam Lelylaan, Schiedam Centrum, Rotterdam
Alexander) and medium-sized stations for the rest. Amounts and dates are invented.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from perron.access.accounts import Principal
from perron.config import Settings
from perron.domain.parties import Role
from perron.programme import deals as d
from perron.store.db import engine_for, transaction
from perron.store.tables.programme import BudgetLine, StationDeal
from perron.store.tables.reference import Station

LETTER = "Kamerbrief 'Programma Een veilig station; altijd voor iedereen!', IenW, 10 oktober 2025"
BUDGET_LINES = (
    ("programme", "Programma 'Een veilig station; altijd voor iedereen!'", 20_000_000, 2026),
    ("stationsagenda", "Stationsagenda: camera's en fysieke aanpassingen", 4_600_000, 2025),
    ("bodycams", "Subsidie bodycams voor conducteurs (NS)", 12_000_000, 2025),
    ("maarheeze", "Compensatie extra beveiliging station Maarheeze (2024)", 2_300_000, 2024),
)
FIRST_THREE = ("ASDL", "SDM", "RTA")
CAMERAS_LAST_YEAR = ("ZD", "DDR", "GD", "HN", "APD", "DV", "ZP")
CAMERAS_THIS_YEAR = ("HRL", "VL", "WT", "EMN", "HGL", "TBG", "ASB")
PHYSICAL = (
    ("ASS", "fences", "platform"),
    ("ALM", "lighting", "forecourt"),
    ("AMF", "layout", "hall"),
    ("BD", "cctv_live", "hall"),
    ("EHV", "live_intercom", "platform"),
    ("HLM", "tunnel_screens", "tunnel"),
    ("HT", "mosquito", "tunnel"),
    ("LEDN", "lighting", "bicycle_parking"),
    ("NM", "fences", "bicycle_parking"),
    ("ZL", "sight_lines", "tunnel"),
    ("APD", "repair_speed", "hall"),
    ("DDR", "live_intercom", "forecourt"),
    ("GD", "tunnel_screens", "tunnel"),
)
NOTE = "synthetisch (demo)"


def _actor() -> Principal:
    return Principal(0, "perron-demo", "Demo", "ienw", Role.ADMIN)


def _municipality(session: Any, station: str) -> str:
    row = session.get(Station, station)
    return str(row.municipality_code).lower()


def _zone_ok(session: Any, station: str, zone: str) -> str:
    zones = d._zones_of(session, station)
    if zone in zones:
        return zone
    return "platform" if "platform" in zones else sorted(zones)[0]


def _deal(session: Any, code: str, title: str, stations: list[str], parties: list[d.PartyShare],
          line: str, status: str, signed: date | None, measures: list[dict[str, Any]],
          milestones: tuple[tuple[str, date, date | None], ...] = ()) -> None:  # fmt: skip
    actor = _actor()
    d.create_deal(
        session,
        actor,
        d.DealInput(
            code=code,
            title=title,
            stations=stations,
            parties=parties,
            budget_line=line,
            status="draft",
            description=f"{NOTE}: voorbeeldafspraak, geen echte stationsdeal.",
            synthetic=True,
        ),
        "demo data (synthetic)",
    )
    for m in measures:
        m = dict(m)
        m["zone"] = _zone_ok(session, m["station"], m["zone"])
        m.setdefault("note", NOTE)
        d.add_measure(session, actor, code, d.MeasureInput(**m), "demo data (synthetic)")
    for title_, due, done in milestones:
        d.add_milestone(session, actor, code, title_, due, "demo data (synthetic)", done)
    d.add_document(
        session, actor, code, "Programmabrief (Kamerbrief 10 oktober 2025)",
        "https://www.rijksoverheid.nl/documenten/kamerstukken/2025/10/10/programma-een-veilig-station",
        "demo data (synthetic)",
    )  # fmt: skip
    path = {"draft": [], "agreed": ["agreed"], "running": ["agreed", "running"],
            "completed": ["agreed", "running", "completed"]}[status]  # fmt: skip
    for st in path:
        changes: dict[str, Any] = {"status": st}
        if st == "agreed" and signed:
            changes["signed_on"] = signed
        d.update_deal(session, actor, code, changes, f"demo: deal {st}")


def prepare(settings: Settings) -> str:
    """Add the budget lines and the synthetic deals once (idempotent)."""
    engine = engine_for(settings.database_url)
    with transaction(engine) as session:
        actor = _actor()
        for code, name, amount, year in BUDGET_LINES:
            if session.scalar(select(BudgetLine.id).where(BudgetLine.code == code)) is None:
                d.create_budget_line(
                    session,
                    actor,
                    d.BudgetLineInput(code, name, "ienw", amount, year, LETTER),
                    "budget from the programme letter",
                )
        present = session.scalar(select(StationDeal.id).where(StationDeal.synthetic.is_(True)))
        if present is None:
            _deals(session)
    with transaction(engine) as session:
        summary = d.budget_summary(session, _actor())
        n = len(d.list_deals(session, _actor()))
    prog = next(line for line in summary["lines"] if line["code"] == "programme")
    return (
        f"programme: {n} station deals [synthetisch], budget lines "
        f"{', '.join(line['code'] for line in summary['lines'])}; programme committed "
        f"€ {prog['committed_eur']:,} of € {prog['amount_eur']:,}"
    )


def _deals(session: Any) -> None:
    start = date(2026, 3, 2)
    for i, st in enumerate(FIRST_THREE):
        gm = _municipality(session, st)
        parties = [
            d.PartyShare("ienw", "funder", 900_000, "programme"),
            d.PartyShare("prorail", "lead", 250_000),
            d.PartyShare("ns", "executor", 150_000),
            d.PartyShare(gm, "partner", 200_000),
        ]
        ms = [
            {"measure_code": "lighting", "station": st, "zone": "tunnel", "owner_party": "prorail",
             "cost_eur": 150_000, "status": "completed", "planned_start": start,
             "actual_start": date(2026, 3, 9 + i), "actual_end": date(2026, 6, 30),
             "spent_eur": 142_000},
            {"measure_code": "cctv_live", "station": st, "zone": "platform", "owner_party": "ns",
             "cost_eur": 220_000, "status": "in_progress", "planned_start": date(2026, 5, 1),
             "actual_start": date(2026, 5, 18), "spent_eur": 90_000},
            {"measure_code": "women_safety", "station": st, "zone": "waiting_room",
             "owner_party": "ienw", "cost_eur": 100_000, "status": "in_progress",
             "planned_start": date(2026, 6, 1), "actual_start": date(2026, 6, 15),
             "spent_eur": 30_000},
            {"measure_code": "care_partnership", "station": st, "zone": "forecourt",
             "owner_party": gm, "cost_eur": 290_000, "status": "planned",
             "planned_start": date(2027, 1, 1), "planned_end": date(2029, 12, 31)},
            {"measure_code": "staff_presence", "station": st, "zone": "hall",
             "owner_party": "ns", "cost_eur": 540_000, "status": "planned",
             "planned_start": date(2027, 1, 1)},
        ]  # fmt: skip
        _deal(
            session, f"SD-2026-{st}", f"Stationsdeal {session.get(Station, st).name_long}", [st],
            parties, "programme", "running", date(2026, 2, 16 + i), ms,
            (("Stationsschouw met vrouwen die alleen reizen", date(2026, 2, 1), date(2026, 2, 5)),
             ("Deal getekend", date(2026, 2, 28), date(2026, 2, 16 + i)),
             ("Tussenevaluatie", date(2027, 3, 1), None)),
        )  # fmt: skip
    cams = [
        {"measure_code": "cctv", "station": st, "zone": "platform", "owner_party": "prorail",
         "cost_eur": 150_000, "status": "completed", "planned_start": date(2025, 3, 1),
         "actual_start": date(2025, 3 + k % 6, 3), "actual_end": date(2025, 4 + k % 6, 28),
         "spent_eur": 146_000, "budget_line": "stationsagenda"}
        for k, st in enumerate(CAMERAS_LAST_YEAR)
    ]  # fmt: skip
    _deal(
        session, "SA-CAM-2025", "Stationsagenda: camera's op 7 stations (2025)",
        list(CAMERAS_LAST_YEAR),
        [d.PartyShare("prorail", "lead", 1_050_000, "stationsagenda"), d.PartyShare("ns", "partner")],
        "stationsagenda", "completed", date(2025, 1, 20), cams,
    )  # fmt: skip
    cams = [
        {"measure_code": "cctv", "station": st, "zone": "platform", "owner_party": "prorail",
         "cost_eur": 150_000, "status": "in_progress" if k < 4 else "planned",
         "planned_start": date(2026, 4 + k, 1),
         "actual_start": date(2026, 4 + k, 6) if k < 4 else None,
         "spent_eur": 60_000 if k < 4 else 0, "budget_line": "stationsagenda"}
        for k, st in enumerate(CAMERAS_THIS_YEAR)
    ]  # fmt: skip
    _deal(
        session, "SA-CAM-2026", "Stationsagenda: camera's op nog 7 stations (2026)",
        list(CAMERAS_THIS_YEAR),
        [d.PartyShare("prorail", "lead", 1_050_000, "stationsagenda"), d.PartyShare("ns", "partner")],
        "stationsagenda", "running", date(2026, 1, 26), cams,
    )  # fmt: skip
    phys = []
    for k, (st, code, zone) in enumerate(PHYSICAL):
        started = k < 9
        phys.append(
            {"measure_code": code, "station": st, "zone": zone, "owner_party": "prorail",
             "cost_eur": 95_000 + 5_000 * k, "status": "in_progress" if started else "planned",
             "planned_start": date(2026, 2 + k % 9, 1),
             "actual_start": date(2026, 2 + k % 9, 10) if started else None,
             "spent_eur": 40_000 if started else 0, "budget_line": "stationsagenda"}
        )  # fmt: skip
    _deal(
        session, "SA-FYS-2026", "Stationsagenda: fysieke maatregelen en pilots op 13 stations",
        sorted({p[0] for p in PHYSICAL}),
        [d.PartyShare("prorail", "lead", 1_600_000, "stationsagenda"), d.PartyShare("ns", "partner")],
        "stationsagenda", "running", date(2026, 1, 26), phys,
    )  # fmt: skip
    _deal(
        session, "MZ-2024", "Extra beveiliging station Maarheeze (compensatie 2024)", ["MZ"],
        [d.PartyShare("ns", "lead", 0), d.PartyShare("ienw", "funder", 2_300_000, "maarheeze"),
         d.PartyShare("gm1706", "partner")],
        "maarheeze", "completed", date(2024, 2, 1),
        [{"measure_code": "staff_presence", "station": "MZ", "zone": "platform",
          "owner_party": "ns", "cost_eur": 2_300_000, "status": "completed",
          "planned_start": date(2024, 1, 1), "actual_start": date(2024, 1, 8),
          "actual_end": date(2024, 12, 31), "spent_eur": 2_300_000}],
    )  # fmt: skip
