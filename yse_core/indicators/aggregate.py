"""Municipality cells → employment-area figures, plus derived indicators for areas and the whole country.

Pure functions over plain data. Counts are summed over an area's member municipalities; rates and
shares are recomputed from the summed numerator and denominator, never averaged. A member whose cell
is suppressed (``...``) or missing makes the area value *partial*, never zero:

- a **sum** is the sum of the known members, with the bounds of the true sum: a hidden count lies in the range
  the file itself shows (``suppression_of``: 12r5 prints zeros and no count from 1 to 4, so 1–4), narrowed by
  the member's known counts of the same people (``_hidden_bounds``); a member absent from the file is 0 or more;
- a **rate or share** is taken over the members where both its parts are known (the same members above and
  below the line), the others named as missing, with the bounds of the true rate over all members (a share's
  part is at most its whole, so a share stays between 0 and 100 %); a known members' rate outside those bounds
  is shown as the nearest bound, and a rate with a hidden part in every member as the midpoint of its bounds when they lie within 10 % of it
  (else it is suppressed, its bounds kept).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .catalogue import Catalogue, load_catalogue
from .parsers import Record

OK, PARTIAL, SUPPRESSED = "ok", "partial", "suppressed"
UNKNOWN_LOCATION = frozenset({"KUJOU", "SKJOU", "MKJO", "ELYJO"})
MUNICIPALITY = re.compile(r"^KU(\d{3})$")
OTHER_LEVEL = re.compile(r"^(SK\d{3}|MK\d{2}|ELY\d{2})$")
COUNTRY = "SSS"
NARROW = 0.1  # bounds this close (relative to their midpoint) give a rate with a hidden part in every member
HIDDEN_EVIDENCE = 20  # printed counts at the edge of the gap before the gap is read as the hidden range


class IndicatorValue(NamedTuple):
    """One figure at one level: region (area id, ``SSS``, ``091``, ``SK011``), period, code, value, flag.

    ``low``/``high`` bound the true value of a partial or suppressed figure (None: exact, or no bound known);
    ``missing`` names the member municipalities (3-digit codes) whose parts were suppressed or absent.
    """

    region_code: str
    period: str
    code: str
    value: float | None
    flag: str
    low: float | None = None
    high: float | None = None
    missing: tuple[str, ...] = ()


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


class Cell(NamedTuple):
    """A figure being computed: its value and flag, the bounds of its true value and, for an area, its members'.

    ``low``/``high`` are the bounds (equal to ``value`` when exact; ``high`` None when unbounded). ``members``
    maps a member municipality to its own cell for figures summed from municipalities, so that a rate can be
    taken over the members where both its parts are known; None for a municipality or a value given as such.
    """

    value: float | None
    flag: str
    low: float | None = None
    high: float | None = None
    members: Mapping[str, Cell] | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """The members whose part is suppressed or absent."""
        return tuple(sorted(member for member, cell in (self.members or {}).items() if cell.flag != OK))


def exact(value: float | None, flag: str = OK) -> Cell:
    """A cell as a file gives it: exact when known; a suppressed cell's bounds are filled in by the aggregation."""
    return Cell(value, flag, value, value) if value is not None and flag == OK else Cell(value, flag, None, None)


class Suppression(NamedTuple):
    """What a hidden (``...``) count can hold, read from the file itself: at least ``floor``, at most ``ceiling``."""

    floor: int
    ceiling: int | None


def suppression_of(records: Iterable[Record], catalogue: Catalogue) -> Suppression:
    """The range of a hidden count, from the counts the file does print.

    StatFin's 12r5 prints a zero count as ``0`` and no count between 1 and 4 anywhere, while it prints many
    of 5 and more: a hidden count is then between 1 and 4. Read per file, not assumed: ``floor`` is 1 when the
    file prints zero counts, else 0; ``ceiling`` is one below the smallest positive count printed, when that
    leaves a gap above ``floor`` and the file prints at least ``HIDDEN_EVIDENCE`` counts of that value
    (None otherwise: a hidden count then has no upper limit).
    """
    zero, smallest, at_smallest = False, None, 0
    for record in records:
        if record.suppressed or record.value is None or not MUNICIPALITY.match(record.region_code):
            continue
        indicator = catalogue.get(record.indicator_code) if record.indicator_code in catalogue else None
        if indicator is None or not indicator.is_summable or indicator.unit not in ("persons", "count"):
            continue
        if record.value == 0:
            zero = True
        elif smallest is None or record.value < smallest:
            smallest, at_smallest = record.value, 1
        elif record.value == smallest:
            at_smallest += 1
    floor = 1 if zero else 0
    # a gap is evidence only in a file with zeros printed and many counts at its lower edge (167 fives in 12r5)
    evidence = zero and smallest is not None and float(smallest).is_integer() and at_smallest >= HIDDEN_EVIDENCE
    ceiling = int(smallest) - 1 if evidence and smallest - 1 >= floor else None
    return Suppression(floor, ceiling)


def subset_pairs(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(part, whole) count codes where the part's people are among the whole's: the shares of one code in another."""
    pairs = []
    for code in catalogue.codes():
        indicator = catalogue.get(code)
        if indicator.unit == "percent" and len(indicator.numerator) == 1 and len(indicator.denominator) == 1:
            part, whole = indicator.numerator[0], indicator.denominator[0]
            if part in catalogue and whole in catalogue and catalogue.get(part).is_summable \
                    and catalogue.get(whole).is_summable:
                pairs.append((part, whole))
    return pairs


def _hidden_bounds(municipal: dict[tuple[str, str, str], Cell], suppression: Suppression,
                   pairs: list[tuple[str, str]]) -> None:
    """Give each hidden municipality cell its bounds: the file's hidden range, narrowed or widened by the
    member's own known counts of the same people (a part is at most its whole, a whole at least its part).

    A hidden whole whose known part is above the hidden range was not a small count hidden for privacy: it
    keeps no upper limit.
    """
    parts_of: dict[str, list[str]] = defaultdict(list)
    wholes_of: dict[str, list[str]] = defaultdict(list)
    for part, whole in pairs:
        parts_of[whole].append(part)
        wholes_of[part].append(whole)
    for key, cell in list(municipal.items()):
        if cell.flag == OK and cell.value is not None:
            continue
        member, period, code = key
        known_parts = [municipal[(member, period, part)].value for part in parts_of.get(code, ())
                       if (member, period, part) in municipal and municipal[(member, period, part)].flag == OK]
        known_wholes = [municipal[(member, period, whole)].value for whole in wholes_of.get(code, ())
                        if (member, period, whole) in municipal and municipal[(member, period, whole)].flag == OK]
        low = float(max([suppression.floor, *[value for value in known_parts if value is not None]]))
        high = None if suppression.ceiling is None or low > suppression.ceiling else float(suppression.ceiling)
        limits = [value for value in known_wholes if value is not None]
        if limits:
            high = min(limits) if high is None else min(high, min(limits))
        municipal[key] = Cell(None, SUPPRESSED, low, high)


def _add(low: float | None, high: float | None, other_low: float | None, other_high: float | None):
    return (None if low is None or other_low is None else low + other_low,
            None if high is None or other_high is None else high + other_high)


def _combine(cells: list[Cell]) -> Cell:
    """Sum cells: missing or suppressed parts make the sum partial (their bounds added); nothing known → suppressed."""
    known = [cell.value for cell in cells if cell.value is not None]
    low: float | None = 0.0
    high: float | None = 0.0
    for cell in cells:
        low, high = _add(low, high, cell.low if cell.low is not None else 0.0, cell.high)
    members = None
    if cells and all(cell.members is not None for cell in cells):
        members = {member: _combine([cell.members.get(member, Cell(None, SUPPRESSED, 0.0, None))
                                      for cell in cells])
                   for member in sorted({member for cell in cells for member in cell.members})}
    if not known:
        return Cell(None, SUPPRESSED, low, high, members)
    flag = OK if all(cell.flag == OK for cell in cells) else PARTIAL
    return Cell(sum(known), flag, low, high, members)


def _sum_members(members: list[str], cells: Mapping[tuple[str, str, str], Cell], period: str,
                 code: str) -> Cell | None:
    """Sum one code over an area's members; None when no member has a cell for it at all.

    A hidden member counts within its bounds (``_hidden_bounds``); a member without a cell at least 0, no limit.
    """
    found = {member: cells.get((member, period, code)) for member in members}
    if all(cell is None for cell in found.values()):
        return None
    parts = {}
    for member, cell in found.items():
        if cell is None:
            parts[member] = Cell(None, SUPPRESSED, 0.0, None)
        elif cell.flag != OK or cell.value is None:
            parts[member] = cell if cell.low is not None else Cell(None, SUPPRESSED, 0.0, None)
        else:
            parts[member] = cell
    total = _combine(list(parts.values()))
    return total._replace(members=parts)


def _outward(value: float | None, decimals: int | None, up: bool) -> float | None:
    """Round a bound away from the value it bounds, so that rounding never narrows it."""
    if value is None or decimals is None:
        return value
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_CEILING if up else ROUND_FLOOR))


def _ratio(top: Cell, bottom: Cell, scale: float, decimals: int | None, share: bool,
           rest: Cell | None = None) -> Cell:
    """A rate of two cells: over the members where both parts are known, with the bounds of the true rate.

    ``share``: the numerator counts part of the denominator's people (a percent of a whole), so a member's
    part is at most its whole, and the rate lies between 0 and ``scale``. ``rest``: when the denominator is
    the numerator plus other codes (activation: people in services over unemployed plus people in services),
    the other codes' cell, so that the bounds follow top / (rest + top), which grows with the top.
    """
    pairs = None
    if top.members is not None and bottom.members is not None:
        blank = Cell(None, SUPPRESSED, 0.0, None)
        pairs = {member: (top.members.get(member, blank), bottom.members.get(member, blank))
                 for member in sorted(set(top.members) | set(bottom.members))}
    if pairs is not None and any(part.flag != OK or whole.flag != OK for part, whole in pairs.values()):
        complete = [(part, whole) for part, whole in pairs.values() if part.flag == OK and whole.flag == OK]
        top_value = sum(part.value for part, _ in complete) if complete else None
        bottom_value = sum(whole.value for _, whole in complete) if complete else None
        flag = PARTIAL
        members = {member: Cell(None, OK if part.flag == OK and whole.flag == OK else PARTIAL)
                   for member, (part, whole) in pairs.items()}
        top_low = top_high = bottom_low = bottom_high = 0.0
        for part, whole in pairs.values():
            part_low, part_high, whole_low, whole_high = part.low or 0.0, part.high, whole.low or 0.0, whole.high
            if share:  # a part is at most its whole, a whole at least its part
                part_high = whole_high if part_high is None else (
                    part_high if whole_high is None else min(part_high, whole_high))
                whole_low = max(whole_low, part_low)
            top_low, top_high = _add(top_low, top_high, part_low, part_high)
            bottom_low, bottom_high = _add(bottom_low, bottom_high, whole_low, whole_high)
    else:
        top_value, bottom_value = top.value, bottom.value
        flag = OK if top.flag == OK and bottom.flag == OK else PARTIAL
        top_low, top_high, bottom_low, bottom_high = top.low, top.high, bottom.low, bottom.high
        members = None
    if rest is not None and top_low is not None:
        rest_low = rest.low if rest.low is not None else 0.0
        low = 0.0 if rest.high is None else top_low / (rest.high + top_low) * scale if rest.high + top_low else None
        high = scale if top_high is None else (top_high / (rest_low + top_high) * scale
                                               if rest_low + top_high else None)
    else:
        low = None if top_low is None else (0.0 if not bottom_high else top_low / bottom_high * scale)
        high = None if top_high is None or not bottom_low else top_high / bottom_low * scale
    if share:
        low, high = max(low or 0.0, 0.0), min(high, scale) if high is not None else scale
    low, high = _outward(low, decimals, up=False), _outward(high, decimals, up=True)
    if top_value is None or not bottom_value:
        if flag == PARTIAL and low is not None and high is not None and high - low <= NARROW * (low + high) / 2:
            # every member has a hidden part, yet the hidden range bounds the rate closely: shown as its midpoint
            return Cell(round_half_up((low + high) / 2, decimals), PARTIAL, low, high, members)
        return Cell(None, SUPPRESSED, low, high, members)
    value = round_half_up(top_value / bottom_value * scale, decimals)
    if flag == OK:
        return Cell(value, OK, value, value)
    # The known members' rate can lie outside the true rate's bounds when the hidden range is narrow (small
    # members with low rates hidden): the figure shown is then the nearest bound, never a value the data exclude.
    if low is not None and value < low:
        value = low
    elif high is not None and value > high:
        value = high
    return Cell(value, flag, low, high, members)


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
            top = _combine(parts)
            if not indicator.denominator:
                value = round_half_up(top.value, indicator.decimals) if top.value is not None else None
                cells[(period, code)] = top._replace(value=value)
                continue
            others = [cell for part, cell in zip(indicator.denominator, bottom, strict=True) if part not in indicator.numerator]
            rest = _combine(others) if set(indicator.numerator) <= set(indicator.denominator) and others else None
            cells[(period, code)] = _ratio(top, _combine(bottom), indicator.scale, indicator.decimals,
                                           share=indicator.unit == "percent", rest=rest)
    return cells


def _year_on_year(now: Cell, before: Cell, kind: str | None, decimals: int | None) -> Cell:
    if now.value is None or before.value is None:
        return Cell(None, SUPPRESSED)
    flag = OK if now.flag == OK and before.flag == OK else PARTIAL
    if kind == "persons":
        value = round_half_up(now.value - before.value, decimals)
        if flag == OK:
            return Cell(value, OK, value, value)
        low = None if now.low is None or before.high is None else now.low - before.high
        high = None if now.high is None or before.low is None else now.high - before.low
        return Cell(value, flag, low, high)
    if not before.value:
        return Cell(None, SUPPRESSED)
    value = round_half_up((now.value - before.value) / before.value * 100.0, decimals)
    return Cell(value, flag, value, value) if flag == OK else Cell(value, flag)


def _output(region: str, period: str, code: str, cell: Cell) -> IndicatorValue:
    """A computed cell as stored: exact figures carry no bounds, others their bounds and missing members."""
    if cell.flag == OK:
        return IndicatorValue(region, period, code, cell.value, cell.flag)
    return IndicatorValue(region, period, code, cell.value, cell.flag, cell.low, cell.high, cell.missing)


def aggregate_to_areas(
    records: Iterable[Record],
    memberships: Mapping[str, str],
    catalogue: Catalogue | None = None,
    previous: Iterable[IndicatorValue] = (),
    suppression: Suppression | None = None,
) -> AggregationResult:
    """Sum municipality cells into areas, recompute rates and derived figures for areas and ``SSS``.

    ``memberships`` maps a 3-digit municipality code (``'091'``) to an area id. Records whose region is
    an area id are taken as given for that area (service-process files report per area) and win over
    sums. ``previous`` holds stored area/country values for year-on-year changes not in ``records``.
    ``suppression``: the range of a hidden count; by default read from ``records`` (``suppression_of``).
    """
    catalogue = catalogue or load_catalogue()
    records = list(records)
    municipal: dict[tuple[str, str, str], Cell] = {}
    country: dict[tuple[str, str], Cell] = {}
    direct: dict[str, dict[tuple[str, str], Cell]] = defaultdict(dict)
    others: list[IndicatorValue] = []
    municipalities: list[IndicatorValue] = []
    unassigned: set[str] = set()
    for record in records:
        cell = exact(record.value, SUPPRESSED if record.suppressed or record.value is None else OK)
        level = region_level(record.region_code)
        if level == "municipality":
            number = record.region_code[2:]
            municipal[(number, record.period, record.indicator_code)] = cell
            municipalities.append(IndicatorValue(number, record.period, record.indicator_code, cell.value, cell.flag))
            if number not in memberships:
                unassigned.add(record.region_code)
        elif level == "country":
            country[(record.period, record.indicator_code)] = cell
        elif level == "other":
            others.append(IndicatorValue(record.region_code, record.period, record.indicator_code, cell.value,
                                         cell.flag))
            if record.region_code in UNKNOWN_LOCATION:
                unassigned.add(record.region_code)
        else:
            direct[record.region_code][(record.period, record.indicator_code)] = cell

    _hidden_bounds(municipal, suppression or suppression_of(records, catalogue), subset_pairs(catalogue))
    previous_by_region: dict[str, dict[tuple[str, str], Cell]] = defaultdict(dict)
    for value in previous:
        low = value.value if value.flag == OK else value.low
        high = value.value if value.flag == OK else value.high
        previous_by_region[value.region_code][(value.period, value.code)] = Cell(value.value, value.flag, low, high)

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
        area_values.extend(_output(area_id, period, code, cell) for (period, code), cell in sorted(cells.items()))

    country_cells = compute_derived(country, catalogue, previous_by_region.get(COUNTRY)) if country else {}
    return AggregationResult(
        values=area_values,
        country=[_output(COUNTRY, period, code, cell) for (period, code), cell in sorted(country_cells.items())],
        municipalities=municipalities,
        other_levels=others,
        unassigned_codes=sorted(unassigned, key=lambda code: (bool(MUNICIPALITY.match(code)), code)),  # buckets first
    )
