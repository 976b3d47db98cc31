"""The live feed of alert changes, read from the store so that it works across processes (the
live engine may run apart from the web server): every poll returns the alerts whose
``updated_at`` moved since the last one. A short overlap guards against transactions that
commit a little after a later one; what was sent already is not sent again."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.live.alerts import alert_dict, station_names, visible_query
from perron.store.tables.live import Alert

OVERLAP = timedelta(seconds=5)


class AlertFeed:
    """Cursor over alert changes for one subscriber (one EventSource connection)."""

    def __init__(self, principal: Principal | None, since: datetime) -> None:
        self.principal = principal
        self.cursor = since
        self._sent: OrderedDict[tuple[int, str], None] = OrderedDict()

    def poll(self, session: Session) -> list[tuple[str, dict[str, Any]]]:
        """The (event name, alert JSON) pairs not sent yet: ``alert.created`` for an alert
        seen for the first time in its new state without updates, else ``alert.updated``."""
        q = (
            visible_query(self.principal)
            .where(Alert.updated_at > self.cursor - OVERLAP)
            .order_by(Alert.updated_at, Alert.id)
            .limit(500)
        )
        alerts = list(session.scalars(q))
        names = station_names(session, alerts)
        out = []
        for alert in alerts:
            key = (alert.id, alert.updated_at.isoformat())
            if key in self._sent:
                continue
            self._sent[key] = None
            if len(self._sent) > 5000:
                self._sent.popitem(last=False)
            self.cursor = max(self.cursor, alert.updated_at)
            kind = "alert.created" if alert.updated_at == alert.created_at else "alert.updated"
            out.append((kind, alert_dict(alert, names.get(alert.station_code))))
        return out


def latest_change(session: Session) -> datetime | None:
    return session.scalar(select(Alert.updated_at).order_by(Alert.updated_at.desc()).limit(1))
