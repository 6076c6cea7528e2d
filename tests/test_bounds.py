"""Hidden (suppressed) cells are bounds, never zeros; a rate's parts cover the same members.

Built on the real StatFin 12r5 export and copies of it with cells hidden as ``...``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yse_core.areas import load_reference_areas
from yse_core.indicators.aggregate import Suppression, aggregate_to_areas, round_half_up, suppression_of
from yse_core.indicators.catalogue import load_catalogue
from yse_core.indicators.parsers import Record, parse_file

ROOT = Path(__file__).resolve().parent.parent
REAL_FILE = ROOT / "tests" / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"  # the real export, copied
CATALOGUE = load_catalogue()
RATES = ("TYOTOSUUS", "PITKAAIKAISTYOTTOMAT_SHARE", "TYOTTOMAT25_SHARE", "TYOTTOMATULK_SHARE", "AKTIVOINTIASTE")


@functools.cache
def real_records() -> list[Record]:
    return parse_file(REAL_FILE.name, REAL_FILE.read_bytes()).records


@functools.cache
def reference_memberships() -> dict[str, str]:
    """Municipality (3 digits) → area id, from the shipped areas."""
    return {municipality: area for area, municipality in load_reference_areas().memberships}


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return real_records()


@pytest.fixture(scope="module")
def memberships() -> dict[str, str]:
    return reference_memberships()


def hide(records: list[Record], cells: set[tuple[str, str]]) -> list[Record]:
    """A copy of the file with the given (KU###, CODE) cells printed as ``...``."""
    return [Record(r.region_code, r.period, r.indicator_code, None, True)
            if (r.region_code, r.indicator_code) in cells else r for r in records]


def area_values(records, memberships, area_id, suppression=None) -> dict:
    members = {number: area for number, area in memberships.items() if area == area_id}
    result = aggregate_to_areas(records, members, CATALOGUE, suppression=suppression)
    return {value.code: value for value in result.values}


def true_rate(records, members: list[str], code: str) -> float:
    """Recomputed independently from the unmodified file: summed parts over every member."""
    indicator = CATALOGUE.get(code)
    cells = {(r.region_code[2:], r.indicator_code): r.value for r in records if r.region_code.startswith("KU")}

    def total(codes):
        return sum(_count(cells, member, part) for member in members for part in codes)

    return total(indicator.numerator) / total(indicator.denominator) * indicator.scale


def _count(cells, member, code):
    indicator = CATALOGUE.get(code)
    if indicator.is_summable:
        return cells[(member, code)] or 0.0
    return sum(_count(cells, member, part) for part in indicator.numerator)


def test_the_file_shows_what_a_hidden_count_can_hold(records):
    """12r5 prints 872 zero counts and 167 fives but no count from 1 to 4: a hidden count is 1–4."""
    assert suppression_of(records, CATALOGUE) == Suppression(1, 4)
    few = [Record("KU001", "2025-06", "TYOTTOMATLOPUSSA", 120.0, False), Record("KU002", "2025-06", "TYOTTOMATLOPUSSA",
                                                                              None, True)]
    assert suppression_of(few, CATALOGUE) == Suppression(0, None)  # no evidence in a small file: no limit


def test_a_hidden_member_makes_a_sum_a_bounded_lower_estimate_never_zero(records, memberships):
    """Akaa's KOKEILULOP is ``...`` in 2026M06: as an area of its own, its sum is 1–4, not 0."""
    akaa = area_values(records, {"020": "akaa"}, "akaa")["KOKEILULOP"]
    assert (akaa.value, akaa.flag, akaa.low, akaa.high, akaa.missing) == (None, "suppressed", 1.0, 4.0, ("020",))
    hidden_zero = hide(records, {("KU020", "TYOTTOMAT20")})
    both = area_values(hidden_zero, {"020": "x", "837": "x"}, "x")["TYOTTOMAT20"]
    assert both.flag == "partial" and both.low == both.value + 1 and both.high == both.value + 4


def test_keski_uusimaa_with_hyvinkaa_hidden_keeps_its_rates_true(records, memberships):
    """Issue 13's case: Hyvinkää's unemployed hidden. Before, the unemployment rate showed 8.4 % (true 11.5 %) and
    the long-term share 63.5 % (true 46.7 %): numerator and denominator over different members."""
    members = sorted(number for number, area in memberships.items() if area == "keski-uusimaa")
    hidden = hide(records, {("KU106", "TYOTTOMATLOPUSSA")})
    values = area_values(hidden, memberships, "keski-uusimaa")
    for code in ("TYOTOSUUS", "PITKAAIKAISTYOTTOMAT_SHARE"):
        figure, truth = values[code], true_rate(records, members, code)
        assert figure.flag == "partial" and figure.missing == ("106",)
        # over the members where both parts are known: the same members above and below the line
        others = [member for member in members if member != "106"]
        assert figure.value == round_half_up(true_rate(records, others, code), 1)
        assert figure.low <= truth <= (figure.high if figure.high is not None else 100.0), (code, figure, truth)
    # Hyvinkää's long-term unemployed (known, far above 4) prove the hidden count was not a small one: it lies
    # between them and Hyvinkää's labour force
    hyvinkaa = {r.indicator_code: r.value for r in records if r.region_code == "KU106"}
    unemployed = values["TYOTTOMATLOPUSSA"]
    assert unemployed.low == unemployed.value + hyvinkaa["PITKAAIKAISTYOTTOMAT"]
    assert unemployed.high == unemployed.value + hyvinkaa["TYOVOIMATK"]
    # no longer biased by a numerator short of Hyvinkää over a denominator with it (8.4 % and 63.5 % before)
    assert values["TYOTOSUUS"].value > 10.0 and values["PITKAAIKAISTYOTTOMAT_SHARE"].value < 50.0


def test_every_real_area_rate_lies_within_its_bounds(records, memberships):
    result = aggregate_to_areas(records, memberships, CATALOGUE)
    partial = [value for value in result.values if value.flag == "partial" and value.code in RATES]
    assert len(partial) > 30  # the real file hides cells in most areas
    for value in partial:
        assert value.low is not None and value.high is not None, value
        assert value.low <= value.value <= value.high, value
        assert value.missing, value


@st.composite
def hidden_cells(draw, records: list[Record], memberships: dict[str, str]):
    """A random area of several members and a random set of its members' counts (of any size) hidden."""
    by_area = defaultdict(list)
    for number, area in memberships.items():
        by_area[area].append(number)
    area = draw(st.sampled_from(sorted(area for area, members in by_area.items() if len(members) > 1)))
    codes = {part for code in RATES for part in CATALOGUE.raw_components(code)}
    candidates = sorted((r.region_code, r.indicator_code) for r in records
                        if r.region_code[2:] in by_area[area] and r.indicator_code in codes and r.value is not None)
    return area, sorted(by_area[area]), draw(st.sets(st.sampled_from(candidates), max_size=6))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_hidden_member_never_moves_a_rate_outside_the_range_its_missing_part_allows(data):
    """Hide any counts of an area's members, of any size, with no limit assumed on a hidden count: the true rate
    over all members (recomputed from the unmodified file) lies within the figure's bounds, and so does the value
    shown."""
    records, memberships = real_records(), reference_memberships()
    area, members, cells = data.draw(hidden_cells(records, memberships))
    values = area_values(hide(records, cells), memberships, area, suppression=Suppression(0, None))
    for code in RATES:
        figure, truth = values[code], true_rate(records, members, code)
        low = figure.low if figure.low is not None else 0.0
        high = figure.high if figure.high is not None else float("inf")
        assert low - 0.05 <= truth <= high + 0.05, (code, figure, truth, cells)
        if figure.value is not None:
            assert low <= figure.value <= high, (code, figure)


def test_counts_hidden_as_the_file_hides_them_stay_within_the_file_range(records, memberships):
    """Real hidden cells only ever hold 1–4: the bounds read from the file contain the truth for each area when
    the real 1–4 cells of a copy are hidden (here: every count of 5 or less in Etelä-Karjala set to 3, hidden)."""
    members = sorted(number for number, area in memberships.items() if area == "etela-karjala")
    small = {(r.region_code, r.indicator_code) for r in records
             if r.region_code[2:] in members and r.value is not None and 0 < r.value <= 5}
    assert small
    altered = [Record(r.region_code, r.period, r.indicator_code, 3.0, False)
               if (r.region_code, r.indicator_code) in small else r for r in records]
    values = area_values(hide(altered, small), memberships, "etela-karjala")
    for code in RATES:
        figure, truth = values[code], true_rate(altered, members, code)
        if figure.flag == "ok":  # none of its parts hidden
            assert figure.value == round_half_up(truth, 1)
            continue
        assert figure.low is not None and figure.high is not None, (code, figure)
        assert figure.low - 0.05 <= truth <= figure.high + 0.05, (code, figure, truth)
