"""``perron demo`` hook: a joint count between three installations on this machine.

The demo database is ProRail's Perron. NS and the police get installations of their own
(``<data dir>/joint-demo/<party>/perron.db``), each importing only its own synthetic incidents
through the ordinary importer; then the three compute the joint counts of the demo year together
(three MPC engines over TCP on 127.0.0.1), and a second agreement waits for approval.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from sqlalchemy import select

from perron.config import Settings
from perron.domain.parties import Role
from perron.joint import service
from perron.store.db import engine_for, make_engine, transaction, upgrade

LOCAL = "prorail"
OTHERS = ("ns", "politie")


def _export_own(settings: Settings, party: str) -> bytes:
    from perron.store.tables.registry import Incident

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["ref", "category", "occurred_at", "station"])
    with transaction(engine_for(settings.database_url)) as s:
        rows = s.execute(
            select(
                Incident.party_ref, Incident.category, Incident.occurred_at, Incident.station_code
            )
            .where(Incident.party_code == party, Incident.station_code.is_not(None))
            .order_by(Incident.id)
        ).all()
    for ref, category, at, station in rows:
        w.writerow([ref, category, at.isoformat(), station])
    return out.getvalue().encode()


def _installation(settings: Settings, party: str) -> str:
    from perron.reference.load import load_reference
    from perron.registry.importers import import_file
    from perron.registry.profiles import load_profile

    folder = Path(settings.data_dir) / "joint-demo" / party
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'perron.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(engine) as s:
            load_reference(s)
        data = _export_own(settings, party)
        with transaction(engine) as s:
            import_file(
                s,
                Path(f"{party}.csv"),
                party,
                load_profile("generic", party),
                "perron-demo",
                data=data,
            )
    finally:
        engine.dispose()
    return url


def prepare(settings: Settings) -> str:
    """Run the demo's joint computation once; return one line naming the page."""
    from perron.live.broker import free_port
    from perron.registry.demo import DEMO_YEAR

    main = engine_for(settings.database_url)
    local = service.Actor("perron-demo", LOCAL, Role.ADMIN)
    with transaction(main) as s:
        done = service.list_runs(s, local)
    if done:
        return f"joint: {len(done)} run(s) already; see /joint"
    urls = [settings.database_url] + [_installation(settings, p) for p in OTHERS]
    parties = [LOCAL, *OTHERS]
    query = service.make_query(date(DEMO_YEAR, 1, 1), date(DEMO_YEAR, 12, 31))
    addresses = [f"127.0.0.1:{free_port()}" for _ in parties]
    engines = [main] + [make_engine(u) for u in urls[1:]]

    def one(i: int) -> service.JointResult:
        actor = service.Actor("perron-demo", parties[i], Role.ADMIN)
        return service.aggregate(
            engines[i], actor, query, addresses, i, approve_now=True, timeout=300
        )

    try:
        with ThreadPoolExecutor(len(parties)) as pool:
            results = list(pool.map(one, range(len(parties))))
    except service.JointError as exc:
        return f"joint: skipped ({exc})"
    finally:
        for e in engines[1:]:
            e.dispose()
    # a second computation, proposed here and waiting for ProRail's admin
    with transaction(main) as s:
        service.propose(
            s,
            service.Actor("perron-demo", LOCAL, Role.ANALYST),
            title=f"Aangifte- en incidentcijfers {DEMO_YEAR + 1} (publicatie, ε = 0,5)",
            query=service.make_query(
                date(DEMO_YEAR + 1, 1, 1),
                date(DEMO_YEAR + 1, 12, 31),
                privacy="noisy",
                epsilon=0.5,
                purpose="accountability",
            ),
            addresses=[
                "ns.perron.example:7301",
                "prorail.perron.example:7302",
                "politie.perron.example:7303",
            ],
            parties=["ns", LOCAL, "politie"],
        )
    r = results[0]
    shown = sum(1 for c in r.cells if not c["suppressed"])
    return (
        f"joint: run {r.run_id} of {', '.join(r.parties)} over {DEMO_YEAR} (synthetic "
        f"incidents, each party in its own database): {shown} cells shown, "
        f"{len(r.cells) - shown} suppressed; see /joint"
    )
