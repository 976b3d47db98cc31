"""The one local time zone of the Dutch rail network: Europe/Amsterdam.

Times are stored in UTC; months, hours of the day, opening times and everything shown to a
person are in this zone. Every module takes the zone from here."""

from __future__ import annotations

from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TIMEZONE", "LOCAL_TZ"]

#: the IANA name of the zone (for pandas, PostgreSQL's ``timezone()`` and import profiles)
LOCAL_TIMEZONE = "Europe/Amsterdam"
#: the zone itself, for :mod:`datetime`
LOCAL_TZ = ZoneInfo(LOCAL_TIMEZONE)
