"""Municipality cells → employment-area figures, plus derived indicators for areas and the whole country.

Pure functions over plain data. Counts are summed over an area's member municipalities; rates and
shares are recomputed from the summed numerator and denominator, never averaged. A member whose cell
is suppressed (``...``) or missing makes the area value *partial* (the sum of the rest), never zero.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .catalogue import Catalogue, load_catalogue
from .parsers import Record

OK, PARTIAL, SUPPRESSED = "ok", "partial", "suppressed"
UNKNOWN_LOCATION = frozenset({"KUJOU", "SKJOU", "MKJO", "ELYJO"})
MUNICIPALITY = re.compile(r"^KU(\d{3})$")
OTHER_LEVEL = re.compile(r"^(SK\d{3}|MK\d{2}|ELY\d{2})$")
COUNTRY = "SSS"


class IndicatorValue(NamedTuple):
    """One figure at one level: region (area id, ``SSS``, ``091``, ``SK011``), period, code, value, flag."""

    region_code: str
    period: str
    code: str
    value: float | None
    flag: str


@dataclass(frozen=True)
class AggregationResult:
    """Area values, whole-country values, municipality and other-level cells, and what was left out."""

    values: list[IndicatorValue] = field(default_factory=list)
    country: list[IndicatorValue] = field(default_factory=list)
    municipalities: list[IndicatorValue] = field(default_factory=list)
    other_levels: list[IndicatorValue] = field(default_factory=list)
    unassigned_codes: list[str] = field(default_factory=list)


def region_level(region_code: str) -> str:
    """Return 'country', 'municipality', 'other' (SK/MK/ELY and unknown-location buckets) or 'area'."""
    if region_code == COUNTRY:
        return "country"
    if MUNICIPALITY.match(region_code):
        return "municipality"
    if OTHER_LEVEL.match(region_code) or region_code in UNKNOWN_LOCATION:
        return "other"
    return "area"


def round_half_up(value: float, decimals: int | None) -> float:
    """Round like Statistics Finland (half away from zero), not Python's banker's rounding."""
    if decimals is None:
        return value
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def previous_period(period: str) -> str:
    """Return the same month (or year) a year earlier."""
    return f"{int(period[:4]) - 1:04d}{period[4:]}"


Cell = tuple[float | None, str]


def _combine(cells: list[Cell]) -> Cell:
    """Sum cells: missing or suppressed parts make the sum partial; nothing known → suppressed."""
    known = [value for value, _ in cells if value is not None]
    if not known:
        return None, SUPPRESSED
    flag = OK if all(flag == OK for _, flag in cells) else PARTIAL
    return sum(known), flag


def _sum_members(members: list[str], cells: Mapping[tuple[str, str, str], Cell], period: str, code: str) -> Cell | None:
    """Sum one code over an area's members; None when no member has a cell for it at all."""
    found = [cells.get((member, period, code)) for member in members]
    if all(cell is None for cell in found):
        return None
    return _combine([cell if cell is not None else (None, SUPPRESSED) for cell in found])


def compute_derived(
    base: dict[tuple[str, str], Cell],
    catalogue: Catalogue,
    lookup_previous: Mapping[tuple[str, str], Cell] | None = None,
) -> dict[tuple[str, str], Cell]:
    """Add computed codes (ratios, sums, year-on-year) to one region's {(period, code): cell}; given cells win."""
    cells = dict(base)
    lookup_previous = lookup_previous or {}
    periods = sorted({period for period, _ in base})
    for period in periods:
        for code in catalogue.computed_order:
            if (period, code) in cells:
                continue
            indicator = catalogue.get(code)
            if indicator.yoy_of:
                now = cells.get((period, indicator.yoy_of))
                before_key = (previous_period(period), indicator.yoy_of)
                before = cells.get(before_key) or lookup_previous.get(before_key)
                if now is None or before is None:
                    continue
                cells[(period, code)] = _year_on_year(now, before, indicator.yoy, indicator.decimals)
                continue
            parts = [cells.get((period, part)) for part in indicator.numerator]
            bottom = [cells.get((period, part)) for part in indicator.denominator]
            if any(cell is None for cell in parts + bottom):
                continue  # a component is not in the data at all: nothing to compute
            top_value, top_flag = _combine(parts)
            if not indicator.denominator:
                cells[(period, code)] = (
                    round_half_up(top_value, indicator.decimals) if top_value is not None else None, top_flag)
                continue
            bottom_value, bottom_flag = _combine(bottom)
            if top_value is None or not bottom_value:
                cells[(period, code)] = (None, SUPPRESSED)
                continue
            flag = OK if top_flag == OK and bottom_flag == OK else PARTIAL
            ratio = top_value / bottom_value * indicator.scale
            cells[(period, code)] = (round_half_up(ratio, indicator.decimals), flag)
    return cells


def _year_on_year(now: Cell, before: Cell, kind: str | None, decimals: int | None) -> Cell:
    (now_value, now_flag), (before_value, before_flag) = now, before
    if now_value is None or before_value is None:
        return None, SUPPRESSED
    flag = OK if now_flag == OK and before_flag == OK else PARTIAL
    if kind == "persons":
        return round_half_up(now_value - before_value, decimals), flag
    if not before_value:
        return None, SUPPRESSED
    return round_half_up((now_value - before_value) / before_value * 100.0, decimals), flag


def aggregate_to_areas(
    records: Iterable[Record],
    memberships: Mapping[str, str],
    catalogue: Catalogue | None = None,
    previous: Iterable[IndicatorValue] = (),
) -> AggregationResult:
    """Sum municipality cells into areas, recompute rates and derived figures for areas and ``SSS``.

    ``memberships`` maps a 3-digit municipality code (``'091'``) to an area id. Records whose region is
    an area id are taken as given for that area (service-process files report per area) and win over
    sums. ``previous`` holds stored area/country values for year-on-year changes not in ``records``.
    """
    catalogue = catalogue or load_catalogue()
    municipal: dict[tuple[str, str, str], Cell] = {}
    country: dict[tuple[str, str], Cell] = {}
    direct: dict[str, dict[tuple[str, str], Cell]] = defaultdict(dict)
    others: list[IndicatorValue] = []
    municipalities: list[IndicatorValue] = []
    unassigned: set[str] = set()
    for record in records:
        cell: Cell = (record.value, SUPPRESSED if record.suppressed or record.value is None else OK)
        level = region_level(record.region_code)
        if level == "municipality":
            number = record.region_code[2:]
            municipal[(number, record.period, record.indicator_code)] = cell
            municipalities.append(IndicatorValue(number, record.period, record.indicator_code, *cell))
            if number not in memberships:
                unassigned.add(record.region_code)
        elif level == "country":
            country[(record.period, record.indicator_code)] = cell
        elif level == "other":
            others.append(IndicatorValue(record.region_code, record.period, record.indicator_code, *cell))
            if record.region_code in UNKNOWN_LOCATION:
                unassigned.add(record.region_code)
        else:
            direct[record.region_code][(record.period, record.indicator_code)] = cell

    previous_by_region: dict[str, dict[tuple[str, str], Cell]] = defaultdict(dict)
    for value in previous:
        previous_by_region[value.region_code][(value.period, value.code)] = (value.value, value.flag)

    members_by_area: dict[str, list[str]] = defaultdict(list)
    for number, area_id in memberships.items():
        members_by_area[area_id].append(number)
    summable = sorted({(period, code) for (_, period, code) in municipal if catalogue.get(code).is_summable})

    area_values: list[IndicatorValue] = []
    for area_id in sorted(set(members_by_area) | set(direct)):
        base: dict[tuple[str, str], Cell] = {}
        members = sorted(members_by_area.get(area_id, []))
        for period, code in summable:
            total = _sum_members(members, municipal, period, code)
            if total is not None:
                base[(period, code)] = total
        base.update(direct.get(area_id, {}))
        cells = compute_derived(base, catalogue, previous_by_region.get(area_id))
        area_values.extend(IndicatorValue(area_id, period, code, *cell) for (period, code), cell in sorted(cells.items()))

    country_cells = compute_derived(country, catalogue, previous_by_region.get(COUNTRY)) if country else {}
    return AggregationResult(
        values=area_values,
        country=[IndicatorValue(COUNTRY, period, code, *cell) for (period, code), cell in sorted(country_cells.items())],
        municipalities=municipalities,
        other_levels=others,
        unassigned_codes=sorted(unassigned, key=lambda code: (bool(MUNICIPALITY.match(code)), code)),  # buckets first
    )
