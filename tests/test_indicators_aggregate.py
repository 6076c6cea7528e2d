"""Aggregation to employment areas: sums, recomputed rates, partial flags, derived figures (pure functions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yse_core.indicators.aggregate import (
    IndicatorValue,
    aggregate_to_areas,
    previous_period,
    region_level,
    round_half_up,
)
from yse_core.indicators.parsers import Record, parse_file

REAL_FILE = Path(__file__).parent / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"


@pytest.fixture(scope="module")
def real_records() -> list[Record]:
    return parse_file(REAL_FILE.name, REAL_FILE.read_bytes()).records


def raw(records: list[Record], region: str, code: str) -> float | None:
    return next(r.value for r in records if r.region_code == region and r.indicator_code == code)


def by_key(values: list[IndicatorValue]) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    return {(v.region_code, v.period, v.code): (v.value, v.flag) for v in values}


def cell(region: str, code: str, value: float | None, period: str = "2025-06") -> Record:
    return Record(region, period, code, value, value is None)


def test_an_area_of_one_municipality_equals_that_municipality_exactly(real_records):
    result = by_key(aggregate_to_areas(real_records, {"091": "helsinki"}).values)
    helsinki = {r.indicator_code: r.value for r in real_records if r.region_code == "KU091"}
    assert result[("helsinki", "2026-06", "TYOTTOMATLOPUSSA")] == (52578.0, "ok")
    assert result[("helsinki", "2026-06", "TYOTOSUUS")] == (14.2, "ok")
    assert all(result[("helsinki", "2026-06", code)] == (value, "ok") for code, value in helsinki.items())


def test_a_two_municipality_area_sums_counts_and_recomputes_the_rate_from_sums(real_records):
    result = by_key(aggregate_to_areas(real_records, {"049": "espoo-kauniainen", "235": "espoo-kauniainen"}).values)
    unemployed = raw(real_records, "KU049", "TYOTTOMATLOPUSSA") + raw(real_records, "KU235", "TYOTTOMATLOPUSSA")
    labour_force = raw(real_records, "KU049", "TYOVOIMATK") + raw(real_records, "KU235", "TYOVOIMATK")
    assert (unemployed, labour_force) == (20581 + 426, 168556 + 4774)
    expected_rate = round_half_up(unemployed / labour_force * 100, 1)  # 21007 / 173330 → 12.1
    averaged = (raw(real_records, "KU049", "TYOTOSUUS") + raw(real_records, "KU235", "TYOTOSUUS")) / 2  # 10.55
    assert result[("espoo-kauniainen", "2026-06", "TYOTTOMATLOPUSSA")] == (21007.0, "ok")
    assert result[("espoo-kauniainen", "2026-06", "TYOTOSUUS")] == (expected_rate, "ok") == (12.1, "ok")
    assert result[("espoo-kauniainen", "2026-06", "TYOTTOMYYSASTE")] == (12.1, "ok")
    assert expected_rate != round(averaged, 1)


def test_a_suppressed_member_makes_the_area_value_partial_not_zero(real_records):
    # Akaa's KOKEILULOP is "..." in 2026M06; Tampere's is known.
    result = by_key(aggregate_to_areas(real_records, {"020": "x", "837": "x"}).values)
    assert raw(real_records, "KU020", "KOKEILULOP") is None
    assert result[("x", "2026-06", "KOKEILULOP")] == (raw(real_records, "KU837", "KOKEILULOP"), "partial")
    assert result[("x", "2026-06", "PALVELUISSA")][1] == "partial"
    assert result[("x", "2026-06", "AKTIVOINTIASTE")][1] == "partial"
    assert result[("x", "2026-06", "TYOTTOMATLOPUSSA")][1] == "ok"
    values = {(v.region_code, v.code): v for v in aggregate_to_areas(real_records, {"020": "x", "837": "x"}).values}
    # the hidden count is 1–4 (the file prints zeros and no count from 1 to 4): the sum is bounded, never 0
    kokeilu = values[("x", "KOKEILULOP")]
    assert (kokeilu.low, kokeilu.high, kokeilu.missing) == (kokeilu.value + 1, kokeilu.value + 4, ("020",))


def test_an_area_whose_only_member_is_suppressed_has_no_value(real_records):
    result = by_key(aggregate_to_areas(real_records, {"062": "foglo"}).values)  # Föglö: TYOTTOMATLOPUSSA "..."
    assert result[("foglo", "2026-06", "TYOTTOMATLOPUSSA")] == (None, "suppressed")
    assert result[("foglo", "2026-06", "TYOTOSUUS")] == (None, "suppressed")


def test_a_member_missing_from_the_file_makes_the_area_partial():
    records = [cell("KU091", "TAPAAMISET", 100.0)]
    result = by_key(aggregate_to_areas(records, {"091": "a", "092": "a"}).values)
    assert result[("a", "2025-06", "TAPAAMISET")] == (100.0, "partial")


def test_an_area_without_any_member_in_the_file_gets_no_value():
    result = aggregate_to_areas([cell("KU091", "TAPAAMISET", 100.0)], {"091": "a", "092": "b"})
    assert {v.region_code for v in result.values} == {"a"}


def test_unassigned_municipalities_and_unknown_location_buckets_are_listed_not_summed(real_records):
    result = aggregate_to_areas(real_records, {"091": "helsinki"})
    assert {"KU049", "KU062", "KU199", "KUJOU", "SKJOU", "MKJO", "ELYJO"} <= set(result.unassigned_codes)
    assert "KU091" not in result.unassigned_codes
    assert by_key(result.country)[("SSS", "2026-06", "TYOTTOMATLOPUSSA")] == (352001.0, "ok")
    assert {v.region_code for v in result.values} == {"helsinki"}


def test_other_levels_are_kept_as_they_are(real_records):
    other = by_key(aggregate_to_areas(real_records, {}).other_levels)
    assert other[("SK011", "2026-06", "TYOTTOMATLOPUSSA")] == (117085.0, "ok")
    assert other[("ELY01", "2026-06", "TYOTOSUUS")] == (13.1, "ok")
    assert other[("KUJOU", "2026-06", "AVPAIKATLOPUSSA")] == (7661.0, "ok")


def test_municipality_cells_are_returned_with_three_digit_codes(real_records):
    municipalities = by_key(aggregate_to_areas(real_records, {}).municipalities)
    assert municipalities[("091", "2026-06", "TYOTTOMATLOPUSSA")] == (52578.0, "ok")
    assert municipalities[("062", "2026-06", "TYOTTOMATLOPUSSA")] == (None, "suppressed")


def test_the_whole_country_gets_derived_figures(real_records):
    country = by_key(aggregate_to_areas(real_records, {}).country)
    assert country[("SSS", "2026-06", "TYOTOSUUS")] == (12.8, "ok")  # as published
    assert country[("SSS", "2026-06", "TYOTTOMYYSASTE")] == (12.8, "ok")
    assert country[("SSS", "2026-06", "PALVELUISSA")] == (64198.0, "ok")
    assert country[("SSS", "2026-06", "AKTIVOINTIASTE")] == (round_half_up(64198 / (352001 + 64198) * 100, 1), "ok")
    assert country[("SSS", "2026-06", "PITKAAIKAISTYOTTOMAT_SHARE")] == (41.0, "ok")


def test_rates_given_for_municipalities_are_never_averaged():
    records = [cell("KU001", "TYOTOSUUS", 5.0), cell("KU002", "TYOTOSUUS", 25.0)]
    result = aggregate_to_areas(records, {"001": "a", "002": "a"})
    assert result.values == []


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # two municipalities: interviews 100 + 300, within the deadline 50 + 30 → 80 / 400 = 20.0 %
        ({"KU001": (100, 50, 700), "KU002": (300, 30, 9000)}, {"ALKUHAASTATTELU_AJASSA_SHARE": (20.0, "ok"),
                                                               "ALKUHAASTATTELU_ODOTUS_PV": (24.3, "ok")}),  # 9700 / 400 = 24.25 → 24.3
        # KU002's in-time count hidden: the share is taken over KU001 alone (50 / 100), not 50 / 400
        ({"KU001": (100, 50, 700), "KU002": (300, None, 9000)}, {"ALKUHAASTATTELU_AJASSA_SHARE": (50.0, "partial"),
                                                                "ALKUHAASTATTELU_ODOTUS_PV": (24.3, "ok")}),
        ({"KU001": (0, 0, 0)}, {"ALKUHAASTATTELU_AJASSA_SHARE": (None, "suppressed")}),
    ],
)
def test_service_process_shares_are_recomputed_from_summed_components(cells, expected):
    records = []
    for region, (interviews, in_time, waiting_days) in cells.items():
        records += [cell(region, "ALKUHAASTATTELUT", interviews), cell(region, "ALKUHAASTATTELUT_AJASSA", in_time),
                    cell(region, "ALKUHAASTATTELU_ODOTUS_SUMMA_PV", waiting_days)]
    result = by_key(aggregate_to_areas(records, {"001": "a", "002": "a"}).values)
    for code, value in expected.items():
        assert result[("a", "2025-06", code)] == value


def test_values_given_for_an_area_win_over_sums_and_feed_derived_figures():
    records = [
        cell("KU001", "TAPAAMISET", 10.0),
        cell("a", "TAPAAMISET", 200.0),
        cell("a", "TAPAAMISET_KASVOKKAIN", 80.0),
    ]
    result = by_key(aggregate_to_areas(records, {"001": "a"}).values)
    assert result[("a", "2025-06", "TAPAAMISET")] == (200.0, "ok")
    assert result[("a", "2025-06", "KASVOKKAIN_SHARE")] == (40.0, "ok")


def test_a_share_given_directly_is_kept_as_given():
    result = by_key(aggregate_to_areas([cell("a", "KASVOKKAIN_SHARE", 41.5)], {}).values)
    assert result == {("a", "2025-06", "KASVOKKAIN_SHARE"): (41.5, "ok")}


def test_year_on_year_change_from_the_same_input():
    records = [cell("a", "TYOTTOMATLOPUSSA", 1000.0, "2024-06"), cell("a", "TYOTTOMATLOPUSSA", 1250.0, "2025-06")]
    result = by_key(aggregate_to_areas(records, {}).values)
    assert result[("a", "2025-06", "TYOTTOMATLOPUSSA_YOY")] == (250.0, "ok")
    assert result[("a", "2025-06", "TYOTTOMATLOPUSSA_YOY_PCT")] == (25.0, "ok")
    assert ("a", "2024-06", "TYOTTOMATLOPUSSA_YOY") not in result


def test_year_on_year_change_from_previous_values():
    previous = [IndicatorValue("a", "2024-06", "TYOTTOMAT25", 80.0, "partial"),
                IndicatorValue("SSS", "2024-06", "TYOTTOMAT25", 1000.0, "ok")]
    records = [cell("KU001", "TYOTTOMAT25", 100.0), cell("SSS", "TYOTTOMAT25", 1100.0)]
    result = aggregate_to_areas(records, {"001": "a"}, previous=previous)
    assert by_key(result.values)[("a", "2025-06", "TYOTTOMAT25_YOY_PCT")] == (25.0, "partial")
    assert by_key(result.country)[("SSS", "2025-06", "TYOTTOMAT25_YOY_PCT")] == (10.0, "ok")


def test_no_year_on_year_change_without_the_same_month_a_year_earlier():
    records = [cell("a", "TYOTTOMATLOPUSSA", 1000.0, "2024-05"), cell("a", "TYOTTOMATLOPUSSA", 1250.0, "2025-06")]
    assert not [v for v in aggregate_to_areas(records, {}).values if v.code.endswith(("_YOY", "_YOY_PCT"))]


@pytest.mark.parametrize(("value", "decimals", "expected"), [(14.25, 1, 14.3), (14.15, 1, 14.2), (2.5, 0, 3.0),
                                                              (-2.5, 0, -3.0), (12.1195, 1, 12.1), (7.0, None, 7.0)])
def test_rounding_is_half_up_like_statistics_finland(value, decimals, expected):
    assert round_half_up(value, decimals) == expected


@pytest.mark.parametrize(("code", "level"), [("SSS", "country"), ("KU091", "municipality"), ("SK011", "other"),
                                             ("MK01", "other"), ("ELY01", "other"), ("KUJOU", "other"),
                                             ("helsinki", "area")])
def test_region_levels(code, level):
    assert region_level(code) == level


@pytest.mark.parametrize(("period", "expected"), [("2026-06", "2025-06"), ("2025", "2024")])
def test_previous_period_is_a_year_earlier(period, expected):
    assert previous_period(period) == expected
