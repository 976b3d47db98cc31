import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from perron.reference.load import load_reference
from perron.store.tables.accounts import Party
from perron.store.tables.reference import LevelCrossing, Station, TrackLink, Zone


def _counts(session):
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (Station, Zone, TrackLink, LevelCrossing, Party)
    }


def test_reference_data_is_loaded_and_reloading_changes_nothing(session):
    before = _counts(session)
    assert before["station"] == 397
    assert before["track_link"] == 433
    load_reference(session)
    session.commit()
    assert _counts(session) == before


def test_every_station_has_platforms_and_a_municipality(session):
    no_platform = session.scalars(
        select(Station.code).where(
            ~Station.code.in_(select(Zone.station_code).where(Zone.code == "platform"))
        )
    ).all()
    assert no_platform == []
    assert session.scalar(select(func.count()).where(Station.municipality_code.is_(None))) == 0


def test_foreign_keys_are_enforced(session):
    session.add(TrackLink(from_code="UT", to_code="XXXX", distance_km=1.0))
    with pytest.raises(IntegrityError):
        session.flush()
