import csv
from datetime import date, datetime

import numpy as np
import pytest

from forecast.synth import HEADER, row
from perron.domain import taxonomy
from perron.forecast.calendar import darkness, holiday_flags, sun_times, utc_offset_hours
from perron.forecast.data import (
    DataError,
    build_cube,
    load_incidents,
    station_block_counts,
    station_day_counts,
)

CODES = ["ASD", "NA", "UT", "ZL"]


def _write(path, rows):
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def test_targets_from_a_small_file(tmp_path):
    rows = [
        row(1, "UT", "aanrijding met een persoon", datetime(2019, 3, 1, 21, 5)),
        row(2, "UT, NA", "aanrijding", datetime(2021, 3, 1, 9, 0)),  # renamed cause (2020+)
        row(3, "", "inzet van de politie", datetime(2021, 3, 2, 22, 0)),  # line level only
        row(4, "ASD, XYZ, ZL", "persoon op het spoor", datetime(2021, 3, 3, 3, 0)),
        row(5, "ZL", "defecte trein", datetime(2021, 3, 3, 18, 0)),  # not safety related
        row(6, "NA", "eerdere verstoring", datetime(2021, 3, 4, 18, 0), stat="vandalisme"),
        row(7, "na", "vandalisme", datetime(2021, 3, 5, 17, 0)),
    ]
    inc = load_incidents(_write(tmp_path / "d.csv", rows), station_codes=CODES)
    got = {(r.rdt_row, r.station): (r.category, r.weight, r.block) for r in inc.itertuples()}
    assert got == {
        # the taxonomy's categories: one per cause label (2020+ says only "aanrijding")
        (2, "UT"): ("collision_person", 1.0, 5),
        (3, "UT"): ("collision_unspecified", 0.5, 2),
        (3, "NA"): ("collision_unspecified", 0.5, 2),
        (5, "ASD"): ("person_on_track", 0.5, 0),  # XYZ is not a Dutch station
        (5, "ZL"): ("person_on_track", 0.5, 0),
        (8, "NA"): ("vandalism", 1.0, 4),  # NA is Nieuw Amsterdam, not a missing value
    }
    police = load_incidents(tmp_path / "d.csv", ["police_deployment"], station_codes=CODES)
    assert police.empty  # the only police row names a line, not a station
    day = station_day_counts(inc)
    assert day.loc[day.station == "UT", "count"].sum() == pytest.approx(1.5)
    blocks = station_block_counts(inc)
    assert blocks.loc[blocks.station == "NA", "evening"].tolist() == [False, True]
    cube = build_cube(inc, CODES, date(2021, 3, 1), date(2021, 3, 8))
    assert cube.counts.sum() == pytest.approx(3.0)  # the 2019 row lies before the cube
    assert cube.counts[CODES.index("NA"), 4, 4] == 1.0


def test_bad_rows_are_named(tmp_path):
    rows = [row(1, "UT", "vandalisme", datetime(2021, 3, 1, 21, 5))]
    rows.append(rows[0][:11] + ["1-3-2021 21:00", "", 0])
    with pytest.raises(DataError, match=r"d.csv: row 3: field start_time"):
        load_incidents(_write(tmp_path / "d.csv", rows), station_codes=CODES)
    (tmp_path / "e.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="missing field"):
        load_incidents(tmp_path / "e.csv", station_codes=CODES)
    with pytest.raises(DataError, match="unknown categories"):
        load_incidents(tmp_path / "d.csv", ["robbery"], station_codes=CODES)
    # a group of the taxonomy stands for its categories
    rail = load_incidents(tmp_path / "d.csv", ["rail_safety"], station_codes=CODES)
    assert set(rail["category"]) <= {
        c for c, v in taxonomy.CATEGORIES.items() if v.group == "rail_safety"
    }


def test_sun_and_darkness_for_utrecht():
    lat, lng = np.array([52.0889]), np.array([5.1103])
    days = [date(2023, 6, 21), date(2023, 12, 21)]
    rise, sset = sun_times(lat, lng, days)
    off = utc_offset_hours(days)
    assert list(off) == [2.0, 1.0]
    # published times for Utrecht: 21 June 05:18 / 22:06, 21 December 08:47 / 16:30 local
    assert (rise[0, 0] + 2) == pytest.approx(5 + 18 / 60, abs=0.1)
    assert (sset[0, 0] + 2) == pytest.approx(22 + 6 / 60, abs=0.1)
    assert (rise[0, 1] + 1) == pytest.approx(8 + 47 / 60, abs=0.1)
    assert (sset[0, 1] + 1) == pytest.approx(16 + 30 / 60, abs=0.1)
    dark = darkness(lat, lng, days)
    assert dark[0, 0, 0] == 1.0 and dark[0, 0, 3] == 0.0  # June: night dark, afternoon light
    assert 0.4 < dark[0, 0, 5] < 0.6  # June 20–24: dark from about 22:06
    assert dark[0, 1, 4] == pytest.approx((20 - 16.5) / 4, abs=0.05)  # December 16–20


def test_holidays():
    flags = holiday_flags([date(2023, 4, 27), date(2023, 4, 28), date(2023, 12, 25)])
    assert list(flags) == [1.0, 0.0, 1.0]
