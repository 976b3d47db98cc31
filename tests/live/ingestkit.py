"""Builders shared by the ingest tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from perron.live import cameras
from perron.store.db import make_engine, transaction

EXAMPLES = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "frigate"
    / "example-payloads.json"
)


def examples() -> list[dict]:
    return json.loads(EXAMPLES.read_text(encoding="utf-8"))


def frigate_event(
    oid: str, camera: str, label: str, phase: str, t: float, zones=(), **after
) -> dict:
    """A Frigate ``frigate/events`` payload (the shape of the documented example)."""
    base = copy.deepcopy(examples()[0]["payload"]["after"])
    base.update(
        id=oid,
        camera=camera,
        label=label,
        start_time=t,
        frame_time=t,
        end_time=None,
        current_zones=list(zones),
        entered_zones=list(zones),
        sub_label=None,
        false_positive=False,
    )
    base.pop("recognized_license_plate", None)
    base.update(after)
    return {"type": phase, "before": copy.deepcopy(base), "after": base}


def map_cameras(url: str, rows: list[tuple[str, str, str, str]]) -> None:
    engine = make_engine(url)
    with transaction(engine) as s:
        cameras.replace(s, [cameras.Mapping(*r) for r in rows])
    engine.dispose()
