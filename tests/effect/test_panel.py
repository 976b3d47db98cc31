"""Reading outcome panels: the contract's CSV, and errors naming the file, row and field."""

import numpy as np
import pytest

from perron.effect import PanelError, make_panel, parse_panel_csv, read_panel_csv


def _write(tmp_path, text):
    p = tmp_path / "panel.csv"
    p.write_text(text)
    return p


def test_round_trip_keeps_outcomes_and_starts(tmp_path):
    panel = make_panel(units=8, periods=14, treated=3, first_start=6, last_start=9, seed=4)
    back = read_panel_csv(_write(tmp_path, panel.to_csv()))
    assert back.units == panel.units and back.periods == panel.periods
    np.testing.assert_array_equal(back.y, panel.y)
    np.testing.assert_array_equal(back.start, panel.start)
    assert back.counts


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("unit,period,outcome\nA,2020-01,1\n", "missing column(s) treated_from"),
        ("unit,period,outcome,treated_from\nA,2020-13,1,\n", "row 2, field period"),
        ("unit,period,outcome,treated_from\nA,2020-01,x,\n", "row 2, field outcome"),
        ("unit,period,outcome,treated_from\nA,2020-01,nan,\n", "row 2, field outcome"),
        ("unit,period,outcome,treated_from\nA,2020-01,1,20-01\n", "row 2, field treated_from"),
        (
            "unit,period,outcome,treated_from\nA,2020-01,1,2020-02\nA,2020-02,1,2020-03\n",
            "row 3, field treated_from",
        ),
        ("unit,period,outcome,treated_from\nA,2020-01,1,\nA,2020-01,2,\n", "row 3, field period"),
        ("unit,period,outcome,treated_from\nA,2020-01,1,\nB,2020-02,1,\nA,2020-02,1,\n", "B"),
        ("", "empty file"),
    ],
)
def test_errors_name_the_row_and_field(tmp_path, text, needle):
    path = _write(tmp_path, text)
    with pytest.raises(PanelError) as exc:
        read_panel_csv(path)
    assert needle in str(exc.value)
    assert str(path) in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(PanelError, match="file not found"):
        read_panel_csv(tmp_path / "nope.csv")


def test_start_after_the_data_is_never_treated_and_before_is_clipped():
    import io

    text = (
        "unit,period,outcome,treated_from\n"
        "A,2020-01,1,2030-01\nA,2020-02,2,2030-01\n"
        "B,2020-01,1,2019-06\nB,2020-02,2,2019-06\n"
    )
    p = parse_panel_csv(io.StringIO(text))
    assert list(p.start) == [-1, 0]


def test_reading_a_panel_leaves_the_csv_limit_of_the_process_alone():
    import csv
    import io

    from perron.effect.panel import PanelError, parse_panel_csv

    before = csv.field_size_limit()
    with pytest.raises(PanelError, match="row 2: a field longer than"):
        parse_panel_csv(
            io.StringIO("unit,period,outcome,treated_from\n" + "A" * 20_000 + ",2024-01,1,\n")
        )
    assert csv.field_size_limit() == before  # the registry's importers rely on theirs
