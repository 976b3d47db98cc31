"""The progress report's public figures can come from a joint computation."""

from __future__ import annotations

from datetime import UTC, datetime

from typer.testing import CliRunner

from perron.store.db import make_engine, transaction
from perron.store.tables.joint import JointRun


def test_the_progress_report_shows_the_joint_figures_with_their_protection(settings, tmp_path):
    now = datetime(2025, 1, 5, 12, 0, tzinfo=UTC)
    cells = [
        {
            "station": "UT",
            "month": "2024-03",
            "group": "social_safety",
            "count": 41,
            "suppressed": False,
        },
        {
            "station": "ASD",
            "month": "2024-03",
            "group": "social_safety",
            "count": 17,
            "suppressed": False,
        },
        {
            "station": "ES",
            "month": "2024-03",
            "group": "security",
            "count": None,
            "suppressed": True,
        },
    ]
    with transaction(make_engine(settings.database_url)) as s:
        s.add(JointRun(
            spec_hash="a" * 64, query={"since": "2024-01-01", "until": "2024-12-31",
                                       "purpose": "accountability"},
            addresses=["a:7301", "b:7302", "c:7303"], party_index=1, local_party="prorail",
            started_at=now, finished_at=now, actor="test", bytes_sent=1,
            result={"cells": cells, "margins": [], "parties": ["ns", "prorail", "politie"],
                    "synthetic": False, "privacy": {"mode": "noisy", "epsilon": 0.5,
                                                    "delta": 0.0, "min_cell": 5}},
            result_hash="b" * 64,
        ))  # fmt: skip
    out = tmp_path / "report.html"
    from perron.cli import app

    done = CliRunner().invoke(app, ["report", "progress", "--out", str(out), "--lang", "en"])
    assert done.exit_code == 0, done.output
    html = out.read_text()
    assert "Joint figures" in html
    assert "ns, prorail, politie" in html
    assert "58" in html  # 41 + 17 over the cells shown; the suppressed cell adds nothing
    assert "ε = 0.5, δ = 0" in html
