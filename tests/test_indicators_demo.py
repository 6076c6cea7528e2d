"""The demo dataset: deterministic, complete, plausible magnitudes, and areas that stand out on purpose."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from yse_core.indicators import demo
from yse_core.indicators.demo import MONTHS, STANDOUT_AREAS, STANDOUT_REASONS, generate_demo, load_demo, standout_areas
from yse_core.indicators.store import DEMO_SOURCE, imports, values_for_period

ROOT = Path(__file__).resolve().parent.parent
AREAS_45 = [{"id": "helsinki", "uusimaa": True}] + [
    {"id": f"area-{number:02d}", "uusimaa": number <= 10} for number in range(1, 45)
]
LATE_2025 = ("2025-09", "2025-10", "2025-11")
MONTHS_2025 = [period for period in MONTHS if period.startswith("2025")]


def digest(records) -> str:
    return hashlib.sha256(repr(records).encode()).hexdigest()


def test_two_runs_give_identical_data():
    assert generate_demo(AREAS_45) == generate_demo(AREAS_45)


def test_the_data_does_not_depend_on_hash_seed_or_input_order():
    script = ("from tests.test_indicators_demo import AREAS_45, digest;"
              "from yse_core.indicators.demo import generate_demo;"
              "print(digest(generate_demo(list(reversed(AREAS_45)))))")
    output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    assert output == digest(generate_demo(AREAS_45))


def test_45_areas_get_every_month_2023_to_2025_for_every_12r5_and_service_code():
    records = generate_demo(AREAS_45)
    months_by_code = defaultdict(set)
    for record in records:
        months_by_code[record.indicator_code].add((record.region_code, record.period))
    assert len(MONTHS) == 36 and (MONTHS[0], MONTHS[-1]) == ("2023-01", "2025-12")
    expected = {(area["id"], period) for area in AREAS_45 for period in MONTHS} | {("SSS", p) for p in MONTHS}
    assert len(months_by_code) == 23 + 11
    assert all(pairs == expected for pairs in months_by_code.values())
    assert not any(record.suppressed or record.value is None for record in records)


def test_helsinki_magnitude_in_late_2025():
    cells = {(r.region_code, r.period, r.indicator_code): r.value for r in generate_demo(AREAS_45)}
    assert 45_000 <= cells[("helsinki", "2025-12", "TYOTTOMATLOPUSSA")] <= 56_000
    assert 12.5 <= cells[("helsinki", "2025-12", "TYOTOSUUS")] <= 15.5
    assert cells[("helsinki", "2025-12", "TYOVOIMATK")] == 370_847


def test_the_whole_country_is_the_sum_of_areas_plus_a_little():
    cells = {(r.region_code, r.period, r.indicator_code): r.value for r in generate_demo(AREAS_45)}
    areas = sum(cells[(area["id"], "2025-06", "TYOTTOMATLOPUSSA")] for area in AREAS_45)
    assert areas < cells[("SSS", "2025-06", "TYOTTOMATLOPUSSA")] <= areas * 1.01


def test_standouts_are_disjoint_non_empty_and_leave_helsinki_alone():
    chosen = standout_areas(AREAS_45)
    assert set(chosen) == set(STANDOUT_REASONS)
    assert all(chosen.values())
    every = [area_id for ids in chosen.values() for area_id in ids]
    assert len(every) == len(set(every)) and "helsinki" not in every


def test_generate_demo_publishes_its_standouts():
    generate_demo(AREAS_45)
    assert STANDOUT_AREAS == standout_areas(AREAS_45)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_small_inputs_still_work(size):
    areas = AREAS_45[:size]
    assert {r.region_code for r in generate_demo(areas)} == {a["id"] for a in areas} | {"SSS"}


# --- through the real import path, with the shipped 45-area roster (conftest's demo database) ---


def area_ids(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT id FROM areas ORDER BY id")]


def test_the_demo_database_has_every_area_and_month_flagged_as_demo(demo_db):
    ids = area_ids(demo_db)
    assert len(ids) == 45
    rows = demo_db.execute(
        "SELECT COUNT(DISTINCT region_code), COUNT(DISTINCT period), MIN(is_demo) FROM indicator_values "
        "WHERE indicator_code = 'TYOTTOMATLOPUSSA' AND region_level = 'area'").fetchone()
    assert rows == (45, 36, 1)
    assert demo_db.execute("SELECT COUNT(*) FROM indicator_values WHERE is_demo = 0").fetchone()[0] == 0
    row = imports(demo_db)[-1]
    assert (row["source"], row["is_demo"], row["format"]) == (DEMO_SOURCE, True, "demo")
    assert row["summary"]["standout_areas"] == demo.stored_standouts(demo_db) == standout_areas(
        [{"id": area_id} for area_id in ids])


def test_the_demo_country_is_300_to_320_thousand_in_late_2025(demo_db):
    for period in LATE_2025:
        unemployed, _ = values_for_period(demo_db, "TYOTTOMATLOPUSSA", period)["SSS"]
        assert 295_000 <= unemployed <= 325_000, period
    helsinki, _ = values_for_period(demo_db, "TYOTTOMATLOPUSSA", "2025-12")["helsinki"]
    assert 45_000 <= helsinki <= 56_000


def test_the_demo_long_term_unemployed_grow_25_to_30_percent_a_year(demo_db):
    for period in LATE_2025:
        growth, _ = values_for_period(demo_db, "PITKAAIKAISTYOTTOMAT_YOY_PCT", period)["SSS"]
        assert 24.0 <= growth <= 32.0


def test_the_demo_youth_unemployment_peaks_in_summer(demo_db):
    june, _ = values_for_period(demo_db, "TYOTTOMAT25", "2025-06")["SSS"]
    october, _ = values_for_period(demo_db, "TYOTTOMAT25", "2025-10")["SSS"]
    assert june > october * 1.15


def test_the_demo_activation_rate_drops_in_2025_with_the_register_change(demo_db):
    rate_2024, _ = values_for_period(demo_db, "AKTIVOINTIASTE", "2024-10")["SSS"]
    rate_2025, _ = values_for_period(demo_db, "AKTIVOINTIASTE", "2025-10")["SSS"]
    assert 22 <= rate_2024 <= 30 and 12 <= rate_2025 <= 19


def values_2025(db, code: str, area_id: str) -> list[float]:
    return [values_for_period(db, code, period)[area_id][0] for period in MONTHS_2025]


def test_demo_standout_youth_unemployment_rises_much_faster_than_the_country(demo_db):
    country, _ = values_for_period(demo_db, "TYOTTOMAT25_YOY_PCT", "2025-12")["SSS"]
    for area_id in demo.stored_standouts(demo_db)["youth_rising"]:
        assert values_for_period(demo_db, "TYOTTOMAT25_YOY_PCT", "2025-12")[area_id][0] >= 2 * country


def test_demo_standout_initial_interviews_are_badly_late(demo_db):
    for area_id in demo.stored_standouts(demo_db)["interviews_late"]:
        assert all(35.0 <= days <= 46.0 for days in values_2025(demo_db, "ALKUHAASTATTELU_ODOTUS_PV", area_id))
        assert all(share < 15.0 for share in values_2025(demo_db, "ALKUHAASTATTELU_AJASSA_SHARE", area_id))


def test_demo_standout_few_face_to_face_meetings(demo_db):
    for area_id in demo.stored_standouts(demo_db)["few_face_to_face"]:
        assert all(25.0 <= share <= 30.0 for share in values_2025(demo_db, "KASVOKKAIN_SHARE", area_id))


def test_demo_standout_good_service(demo_db):
    for area_id in demo.stored_standouts(demo_db)["good_service"]:
        assert all(days <= 8.5 for days in values_2025(demo_db, "ALKUHAASTATTELU_ODOTUS_PV", area_id))
        assert all(share >= 50.0 for share in values_2025(demo_db, "ALKUHAASTATTELU_AJASSA_SHARE", area_id))
        assert all(share >= 50.0 for share in values_2025(demo_db, "KASVOKKAIN_SHARE", area_id))


@pytest.mark.parametrize(("code", "low", "high"), [("KASVOKKAIN_SHARE", 25.0, 70.0),
                                                    ("LAUSUNTO_KASITTELYAIKA_PV", 10.0, 35.0),
                                                    ("ALKUHAASTATTELU_AJASSA_SHARE", 3.0, 60.0)])
def test_demo_service_figures_stay_in_their_ranges_in_2025(demo_db, code, low, high):
    for period in MONTHS_2025:
        values = [value for region, (value, _) in values_for_period(demo_db, code, period, level="area").items()]
        assert len(values) == 45 and low - 0.5 <= min(values) and max(values) <= high + 0.5


def test_demo_face_to_face_is_centred_on_40_percent(demo_db):
    share, _ = values_for_period(demo_db, "KASVOKKAIN_SHARE", "2025-04")["SSS"]
    assert 36.0 <= share <= 44.0


def test_loading_the_demo_twice_changes_nothing(demo_db):
    summary = load_demo(demo_db)
    assert (summary.new, summary.changed) == (0, 0) and summary.is_demo
    assert "DEMO" in summary.to_text("fi")
