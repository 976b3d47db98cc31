"""Reference data: municipalities, stations, zones, the rail network and level crossings."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base


class Municipality(Base):
    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # CBS code, e.g. GM0344
    name: Mapped[str] = mapped_column(String(120))
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry, simplified


class Station(Base):
    __tablename__ = "station"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    uic: Mapped[str] = mapped_column(String(12), unique=True)
    name_short: Mapped[str] = mapped_column(String(60))
    name_medium: Mapped[str] = mapped_column(String(80))
    name_long: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(60))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    travellers_per_day: Mapped[int] = mapped_column(Integer)
    travellers_estimated: Mapped[bool] = mapped_column(Boolean)
    size_class: Mapped[str] = mapped_column(String(8), index=True)


class Zone(Base):
    """A part of a station or its surroundings, with the domain responsible for it."""

    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("station_code", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # platform, tunnel, hall, ...
    domain: Mapped[str] = mapped_column(String(20))  # station | surroundings


class TrackLink(Base):
    """Two stations that are adjacent on the rail network (undirected)."""

    __tablename__ = "track_link"
    __table_args__ = (UniqueConstraint("from_code", "to_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    to_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    distance_km: Mapped[float] = mapped_column(Float)


class LevelCrossing(Base):
    __tablename__ = "level_crossing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    geocode: Mapped[str] = mapped_column(String(8), index=True)
    geocode_name: Mapped[str] = mapped_column(String(120))
    tracks: Mapped[int] = mapped_column(Integer)
