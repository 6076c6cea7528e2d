"""The situation of one area in figures: key indicators against the whole country and a peer group.

Pure over the database (no Streamlit). Every figure carries its period, source, caveat and flags.

**Peer group rule** (``peer_group``): the ``n`` areas nearest to the area in the latest month that has
both figures, by two measures: the size of the labour force (``TYOVOIMATK``, on a log scale, because
areas range from about 10,000 to 370,000) and the unemployed jobseekers' share of the labour force
(``TYOTOSUUS``, else ``TYOTTOMYYSASTE``). Each measure is divided by its standard deviation over all
areas so that both weigh the same; the distance is Euclidean; ties go to the area id in alphabetical
order. The area itself is never its own peer.

**Peer group value** (``group_value``): rates and shares are recomputed from the peers' summed numerator
and denominator (``catalogue.yaml``), year-on-year changes from the summed counts of both months, so a
peer value is never a mean of rates. Where the components are missing (a share imported as such) and
for plain counts, the value is the **median** of the peers' values and is labelled so (``method``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import sqlite_utils

from yse_core import formatting
from yse_core.area_registry import get_area
from yse_core.i18n import t

from .aggregate import COUNTRY, previous_period, round_half_up
from .catalogue import Catalogue, Indicator, load_catalogue
from .caveats import caveat_texts
from .store import DEMO_SOURCE, values_at

# The key indicators in display order; a tuple means "the first of these codes that has data".
KEY_INDICATORS: tuple[str | tuple[str, ...], ...] = (
    "TYOTTOMATLOPUSSA",
    ("TYOTOSUUS", "TYOTTOMYYSASTE"),  # the same figure; StatFin's own code first
    "PITKAAIKAISTYOTTOMAT_SHARE",
    "TYOTTOMAT25_SHARE",
    "TYOTTOMATULK_SHARE",
    "TYOTTOMATLOPUSSA_YOY_PCT",
    "AKTIVOINTIASTE",
    "ALKUHAASTATTELU_AJASSA_SHARE",
    "ALKUHAASTATTELU_ODOTUS_PV",
    "KASVOKKAIN_SHARE",
    "SUUNNITELMA_AJANTASALLA_SHARE",
    "LAUSUNTO_KASITTELYAIKA_PV",
)
PEER_GROUP_SIZE = 6
LABOUR_FORCE = "TYOVOIMATK"
RATE_CODES = ("TYOTOSUUS", "TYOTTOMYYSASTE")

# (code, region, period) → (value, flag, is_demo)
Values = dict[tuple[str, str, str], tuple[float | None, str, bool]]


# --- reading values ---------------------------------------------------------------------------


def _referenced(catalogue: Catalogue, codes: Iterable[str]) -> set[str]:
    """Return the codes and every code they are computed from, intermediate ones included."""
    found: set[str] = set()
    pending = list(codes)
    while pending:
        code = pending.pop()
        if code in found or code not in catalogue:
            continue
        found.add(code)
        indicator = catalogue.get(code)
        pending += [*indicator.numerator, *indicator.denominator, *filter(None, [indicator.yoy_of])]
    return found


def _load(db: sqlite_utils.Database, codes: Iterable[str], regions: Iterable[str],
          periods: Iterable[str] | None = None) -> Values:
    codes, regions = sorted(set(codes)), sorted(set(regions))
    if not codes or not regions:
        return {}
    sql = (f"SELECT indicator_code, region_code, period, value, flag, is_demo FROM indicator_values "
           f"WHERE indicator_code IN ({', '.join('?' for _ in codes)}) "
           f"AND region_code IN ({', '.join('?' for _ in regions)})")
    params: list = [*codes, *regions]
    if periods is not None:
        wanted = sorted(set(periods))
        if not wanted:
            return {}
        sql += f" AND period IN ({', '.join('?' for _ in wanted)})"
        params += wanted
    return {(code, region, period): (value, flag, bool(is_demo))
            for code, region, period, value, flag, is_demo in db.execute(sql, params)}


# --- the peer group ---------------------------------------------------------------------------


def _area_values(db: sqlite_utils.Database, code: str, period: str) -> dict[str, float]:
    rows = db.execute(
        "SELECT region_code, value FROM indicator_values WHERE indicator_code = ? AND period = ? "
        "AND region_level = 'area' AND value IS NOT NULL",
        [code, period],
    )
    return {region: value for region, value in rows}


def peer_group(db: sqlite_utils.Database, area_id: str, n: int = PEER_GROUP_SIZE, period: str | None = None, *,
               reference: str | None = None) -> list[str]:
    """Return the ids of the ``n`` areas most similar by labour-force size and unemployment rate (rule above).

    Without ``period`` the month is the latest with both figures, at or before ``reference`` when given.
    """
    if period is None:
        cap = " AND length(period) = 7 AND period <= ?" if reference else ""
        row = db.execute(
            f"""SELECT MAX(period) FROM indicator_values WHERE indicator_code = ? AND region_code = ?
                AND value IS NOT NULL{cap} AND period IN (SELECT period FROM indicator_values WHERE region_code = ?
                AND indicator_code IN ({', '.join('?' for _ in RATE_CODES)}) AND value IS NOT NULL)""",
            [LABOUR_FORCE, area_id, *([reference] if reference else []), area_id, *RATE_CODES],
        ).fetchone()
        period = row[0]
    if period is None:
        return []
    labour_force = {area: value for area, value in _area_values(db, LABOUR_FORCE, period).items() if value > 0}
    rate: dict[str, float] = {}
    for code in RATE_CODES:
        rate = _area_values(db, code, period)
        if area_id in rate:
            break
    candidates = sorted(set(labour_force) & set(rate))
    if area_id not in candidates:
        return []
    size = {area: math.log(labour_force[area]) for area in candidates}
    size_spread = statistics.pstdev(size.values()) or 1.0
    rate_spread = statistics.pstdev(rate[area] for area in candidates) or 1.0

    def distance(other: str) -> float:
        return math.hypot((size[other] - size[area_id]) / size_spread, (rate[other] - rate[area_id]) / rate_spread)

    others = [area for area in candidates if area != area_id]
    return sorted(others, key=lambda other: (distance(other), other))[:n]


# --- group values -----------------------------------------------------------------------------


def _count(catalogue: Catalogue, code: str, region: str, period: str, values: Values) -> tuple[float, bool, bool] | None:
    """Return (value, partial, demo) of a count for one region, summing a numerator-only code's parts if needed."""
    stored = values.get((code, region, period))
    if stored is not None and stored[0] is not None:
        return stored[0], stored[1] == "partial", stored[2]
    indicator = catalogue.get(code)
    if indicator.numerator and not indicator.denominator and not indicator.yoy_of:
        parts = [_count(catalogue, part, region, period, values) for part in indicator.numerator]
        if all(part is not None for part in parts):
            return sum(p[0] for p in parts), any(p[1] for p in parts), any(p[2] for p in parts)
    return None


def _summed(catalogue: Catalogue, codes: Sequence[str], regions: Sequence[str], period: str,
            values: Values) -> tuple[float, bool, bool] | None:
    total, partial, demo = 0.0, False, False
    for region in regions:
        for code in codes:
            found = _count(catalogue, code, region, period, values)
            if found is None:
                return None
            total += found[0]
            partial, demo = partial or found[1], demo or found[2]
    return total, partial, demo


def group_value(code: str, regions: Sequence[str], period: str, values: Values,
                catalogue: Catalogue | None = None) -> dict:
    """Return a group's value of one code: from summed components where the catalogue has them, else the median.

    The result has ``value``, ``method`` ("sum", "median" or None), ``members`` (regions with data),
    ``partial`` (a member's figure was partial or missing) and ``is_demo``.
    """
    catalogue = catalogue or load_catalogue()
    indicator = catalogue.get(code)
    empty = {"value": None, "method": None, "members": 0, "partial": False, "is_demo": False}
    if not regions:
        return empty
    if indicator.denominator:
        numerator = _summed(catalogue, indicator.numerator, regions, period, values)
        denominator = _summed(catalogue, indicator.denominator, regions, period, values)
        if numerator is not None and denominator is not None and denominator[0] > 0:
            value = round_half_up(numerator[0] / denominator[0] * indicator.scale, indicator.decimals)
            return {"value": value, "method": "sum", "members": len(regions),
                    "partial": numerator[1] or denominator[1], "is_demo": numerator[2] or denominator[2]}
    elif indicator.yoy_of:
        now = _summed(catalogue, [indicator.yoy_of], regions, period, values)
        before = _summed(catalogue, [indicator.yoy_of], regions, previous_period(period), values)
        if now is not None and before is not None and (indicator.yoy == "persons" or before[0] > 0):
            change = now[0] - before[0]
            value = change if indicator.yoy == "persons" else round_half_up(change / before[0] * 100, indicator.decimals)
            return {"value": value, "method": "sum", "members": len(regions),
                    "partial": now[1] or before[1], "is_demo": now[2] or before[2]}
    present = [values[(code, region, period)] for region in regions
               if (code, region, period) in values and values[(code, region, period)][0] is not None]
    if not present:
        return empty
    median = statistics.median(value for value, _, _ in present)
    return {"value": round_half_up(median, indicator.decimals or 0), "method": "median", "members": len(present),
            "partial": len(present) < len(regions) or any(flag == "partial" for _, flag, _ in present),
            "is_demo": any(demo for _, _, demo in present)}


# --- figures ----------------------------------------------------------------------------------


def _latest_periods(db: sqlite_utils.Database, region: str, codes: Sequence[str],
                    reference: str | None = None) -> dict[str, str]:
    """Code → the region's latest period of it; with ``reference``, the latest month at or before it."""
    if not codes:
        return {}
    cap = " AND length(period) = 7 AND period <= ?" if reference else ""
    rows = db.execute(
        f"SELECT indicator_code, MAX(period) FROM indicator_values WHERE region_code = ? "
        f"AND indicator_code IN ({', '.join('?' for _ in codes)}){cap} GROUP BY indicator_code",
        [region, *codes, *([reference] if reference else [])],
    )
    return dict(rows.fetchall())


def _key_codes(db: sqlite_utils.Database, area_id: str, reference: str | None = None) -> list[str]:
    wanted = [code for entry in KEY_INDICATORS for code in (entry if isinstance(entry, tuple) else (entry,))]
    present = _latest_periods(db, area_id, wanted, reference)
    codes = []
    for entry in KEY_INDICATORS:
        options = entry if isinstance(entry, tuple) else (entry,)
        chosen = next((code for code in options if code in present), None)
        if chosen:
            codes.append(chosen)
    return codes


def municipality_names(db: sqlite_utils.Database, codes: Iterable[str]) -> dict[str, dict[str, str]]:
    """Municipality code → its name in fi, sv and en (Finnish in English); unknown codes are left out."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = db.execute(f"SELECT code, name_fi, name_sv FROM municipalities WHERE code IN ({', '.join('?' for _ in wanted)})",
                      wanted)
    return {code: {"fi": name_fi, "sv": name_sv or name_fi, "en": name_fi} for code, name_fi, name_sv in rows}


def figure_kind(indicator: Indicator) -> str:
    """How a partial figure is read: "count" (a sum of people or cases, a lower bound), "ratio" or "other"."""
    if indicator.denominator:
        return "ratio"
    if indicator.unit in ("persons", "count") and not indicator.yoy_of:
        return "count"
    return "other"


def _figures(db: sqlite_utils.Database, area: dict, codes: Sequence[str], period: str | None,
             peers: Sequence[str], reference: str | None = None) -> list[dict]:
    catalogue = load_catalogue()
    codes = [code for code in dict.fromkeys(codes) if code in catalogue]
    periods = {code: period for code in codes} if period else _latest_periods(db, area["id"], codes, reference)
    wanted_periods = {p for p in periods.values()} | {previous_period(p) for p in periods.values()}
    values = _load(db, _referenced(catalogue, codes), [area["id"], COUNTRY, *peers], wanted_periods)
    stored = values_at(db, [area["id"]], periods).get(area["id"], {})  # the bounds and missing members
    names = municipality_names(db, (member for row in stored.values() for member in row["missing_members"]))
    figures = []
    for code in codes:
        at = periods.get(code)
        own = values.get((code, area["id"], at)) if at else None
        if own is None:
            continue  # no data for this code: skipped, not shown as zero
        figure = _figure(catalogue.get(code), area, at, own, peers, values, catalogue)
        figure["caveat"] = caveat_texts(db, code, at)  # with the figures of its own period filled in
        row = stored.get(code, {})
        figure.update(
            area_low=row.get("value_low"), area_high=row.get("value_high"), reference=reference,
            missing_members=[names.get(member, {"fi": member, "sv": member, "en": member})
                             for member in row.get("missing_members", [])],
        )
        figures.append(figure)
    return figures


def _figure(indicator: Indicator, area: dict, period: str, own: tuple, peers: Sequence[str], values: Values,
            catalogue: Catalogue) -> dict:
    code = indicator.code
    value, flag, is_demo = own
    country = values.get((code, COUNTRY, period), (None, None, False))
    before = values.get((code, area["id"], previous_period(period)), (None, None, False))
    change = None  # a partial figure's members may differ from a year earlier: no change is computed from it
    if indicator.yoy_of is None and value is not None and before[0] is not None and "partial" not in (flag, before[1]):
        change = round_half_up(value - before[0], indicator.decimals if indicator.decimals is not None else 0)
    peer = group_value(code, peers, period, values, catalogue)
    demo = is_demo or country[2] or peer["is_demo"]
    flags = [name for name, on in (("partial", flag == "partial"), ("suppressed", flag == "suppressed" or value is None),
                                   ("demo", demo)) if on]
    return {
        "code": code,
        "name": indicator.name.model_dump(),
        "definition": indicator.definition.model_dump(),
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "higher_is_worse": indicator.higher_is_worse,
        "is_change": indicator.yoy_of is not None,
        "kind": figure_kind(indicator),
        "period": period,
        "area_value": value,
        "area_flag": flag,
        "country_value": country[0],
        "country_flag": country[1],
        "peer_value": peer["value"],
        "peer_method": peer["method"],
        "peer_members": peer["members"],
        "peer_partial": peer["partial"],
        "previous_value": before[0],
        "change": change,
        "change_unit": "pp" if indicator.unit == "percent" else indicator.unit,
        "source": DEMO_SOURCE if demo else indicator.source,
        "indicator_source": indicator.source,
        "is_demo": demo,
        "flags": flags,
        "caveat": indicator.caveat.model_dump() if indicator.caveat else None,
        "membership_verified": bool(area["membership_verified"]),
    }


def key_figures(db: sqlite_utils.Database, area_id: str, period: str | None = None,
                peers: Sequence[str] | None = None, *, reference: str | None = None) -> list[dict]:
    """Return the key indicators of an area with whole-country and peer values.

    Each code is read at ``period`` if given, else at its latest month at or before ``reference`` (a round's
    statistics month), else at its latest period.
    """
    area = get_area(db, area_id)
    peers = peer_group(db, area_id, reference=reference) if peers is None else list(peers)
    return _figures(db, area, _key_codes(db, area_id, reference), period, peers, reference)


def theme_figures(db: sqlite_utils.Database, area_id: str, codes: Iterable[str], period: str | None = None, *,
                  reference: str | None = None) -> list[dict]:
    """Return a theme's indicators for an area and the whole country (no peer group), skipping codes without data.

    Periods are chosen as in ``key_figures``.
    """
    return _figures(db, get_area(db, area_id), list(codes), period, peers=[], reference=reference)


def trend(db: sqlite_utils.Database, area_id: str, code: str, peers: Sequence[str] = ()) -> list[dict]:
    """Return one code over time for the area, the whole country and the peer group (rows: series, period, value …)."""
    catalogue = load_catalogue()
    peers = list(peers)
    values = _load(db, _referenced(catalogue, [code]), [area_id, COUNTRY, *peers])
    periods = sorted({period for (c, region, period) in values if c == code and region == area_id})
    points = []
    for period in periods:
        for series, region in (("area", area_id), ("country", COUNTRY)):
            stored = values.get((code, region, period))
            if stored is not None and stored[0] is not None:
                points.append({"series": series, "period": period, "value": stored[0], "flag": stored[1],
                               "is_demo": stored[2], "method": None})
        if peers:
            peer = group_value(code, peers, period, values, catalogue)
            if peer["value"] is not None:
                points.append({"series": "peers", "period": period, "value": peer["value"],
                               "flag": "partial" if peer["partial"] else "ok", "is_demo": peer["is_demo"],
                               "method": peer["method"]})
    return points


def area_ranking(db: sqlite_utils.Database, code: str, period: str | None = None) -> list[dict]:
    """Return every area's value of one code in a period (latest by default), highest first, missing last."""
    if period is None:
        row = db.execute(  # newest first along idx_values_code_period
            "SELECT period FROM indicator_values WHERE indicator_code = ? AND region_level = 'area' "
            "ORDER BY period DESC LIMIT 1", [code]
        ).fetchone()
        period = row[0] if row else None
    rows = list(db.query(
        """SELECT a.id AS area_id, a.name_fi, a.name_sv, v.value, v.flag, COALESCE(v.is_demo, 0) AS is_demo
           FROM areas a LEFT JOIN indicator_values v
             ON v.region_code = a.id AND v.indicator_code = ? AND v.period = ?""",
        [code, period],
    ))
    for row in rows:
        row["is_demo"] = bool(row["is_demo"])
        row["period"] = period
    rows.sort(key=lambda row: (row["value"] is None, -(row["value"] or 0), row["area_id"]))
    return rows


def country_value(db: sqlite_utils.Database, code: str, period: str) -> float | None:
    """Return the whole country's value of one code in one period, or None."""
    row = db.execute("SELECT value FROM indicator_values WHERE indicator_code = ? AND region_code = ? AND period = ?",
                     [code, COUNTRY, period]).fetchone()
    return row[0] if row else None


# --- display ------------------------------------------------------------------------------------


def unit_label(unit: str, lang: str) -> str:
    """Return the unit's name for an axis or a column (e.g. "%", "henkilöä", "päivää")."""
    return t(f"situation.unit.{unit}", lang)


def lower_bound(value: float | None, flag: str, low: float | None) -> float | None:
    """Return the least a partial or suppressed count can be: its stored bound, else (older imports) its known part."""
    if low is not None:
        return low
    return value if flag == "partial" else None


def bounded_text(value: float | None, flag: str, low: float | None, unit: str, decimals: int | None, kind: str,
                 lang: str, *, signed: bool = False) -> str:
    """Return a value as text; a partial or suppressed count as its lower bound ("vähintään 3"), never a bare 0.

    ``low`` is the stored lower bound; without one (older imports) a partial count's known part is the bound.
    """
    if kind == "count" and flag in ("partial", "suppressed"):
        bound = lower_bound(value, flag, low)
        if bound is None:
            return formatting.MISSING
        return t("situation.at_least", lang, value=formatting.value_with_unit(bound, unit, lang, decimals))
    return formatting.value_with_unit(value, unit, lang, decimals, signed=signed)


def partial_text(flag: str | None, low: float | None, high: float | None, missing: Sequence[str], unit: str,
                 decimals: int | None, kind: str, lang: str) -> str:
    """Return why a figure is partial or suppressed: the missing members by name and, for a rate, its true range.

    E.g. "osittainen: Hyvinkää puuttuu; todellinen arvo 8,4–15,2 %"; empty for an exact figure.
    """
    if flag not in ("partial", "suppressed"):
        return ""
    if missing:
        key = f"situation.{flag}_missing" + ("_many" if len(missing) > 1 else "")
        parts = [t(key, lang, names=", ".join(missing))]
    else:
        parts = [t(f"situation.flag.{flag}", lang)]
    if kind != "count" and low is not None and high is not None:
        shown = formatting.UNIT_DECIMALS.get(unit) if decimals is None else decimals
        span = f"{formatting.number(low, lang, shown)}–{formatting.value_with_unit(high, unit, lang, shown)}"
        parts.append(t("situation.true_range", lang, range=span))
    return "; ".join(parts)


def area_text(figure: Mapping, lang: str) -> str:
    """Return the area's value of a figure as text (a partial count as "vähintään …", see ``bounded_text``)."""
    return bounded_text(figure["area_value"], figure["area_flag"], figure.get("area_low"), figure["unit"],
                        figure["decimals"], figure.get("kind", "other"), lang, signed=figure["is_change"])


def notes_text(figure: Mapping, lang: str) -> str:
    """Return a figure's flags as words, a partial figure's missing members and true range spelled out."""
    flags = list(figure["flags"])
    cut = next((flag for flag in ("partial", "suppressed") if flag in flags), None)
    names = [member.get(lang) or member["fi"] for member in figure.get("missing_members", [])]
    parts = [partial_text(cut, figure.get("area_low"), figure.get("area_high"), names, figure["unit"],
                          figure["decimals"], figure.get("kind", "other"), lang)] if cut else []
    parts += [t(f"situation.flag.{flag}", lang) for flag in flags if flag not in ("partial", "suppressed")]
    return "; ".join(parts)


def period_caption(periods: Iterable[str | None], lang: str, *, reference: str | None = None,
                   round_year: int | None = None) -> str:
    """Return the statistics month figures are read at: "Tilastokuukausi 06/2026 (kierroksen 2025 viitekuukausi)".

    Without a round's ``reference`` the month is the latest of ``periods`` ("the latest available"). When one
    of ``periods`` is earlier, the text says a figure without a value for the month shows its latest before it.
    Empty when there is no month at all.
    """
    shown = sorted({period for period in periods if period})
    month = reference or (shown[-1] if shown else None)
    if month is None:
        return ""
    if reference and round_year is not None:
        text = t("situation.month_round", lang, month=formatting.period(month), year=round_year)
    else:
        text = t("situation.month_latest", lang, month=formatting.period(month))
    if shown and shown[0] < month:
        text += " " + t("situation.month_older", lang)
    return text


def indicator_name(code: str, lang: str) -> str:
    """Return an indicator's name in a language."""
    return load_catalogue().get(code).name.get(lang)


def _peer_text(figure: Mapping, lang: str) -> str:
    text = formatting.value_with_unit(figure["peer_value"], figure["unit"], lang, figure["decimals"], signed=figure["is_change"])
    if figure["peer_method"] == "median":
        text += f" ({t('situation.median', lang)})"
    return text


def key_figures_table(figures: Sequence[Mapping], lang: str) -> pd.DataFrame:
    """Return the key figures as a display table: indicator | area | whole country | peer group | change | …"""
    rows = []
    for figure in figures:
        change_unit = figure["change_unit"]
        rows.append({
            t("situation.col.indicator", lang): figure["name"].get(lang) or figure["name"]["fi"],
            t("situation.col.area", lang): area_text(figure, lang),
            t("situation.col.country", lang): formatting.value_with_unit(figure["country_value"], figure["unit"], lang,
                                                                       figure["decimals"], signed=figure["is_change"]),
            t("situation.col.peers", lang): _peer_text(figure, lang),
            t("situation.col.change", lang): formatting.value_with_unit(figure["change"], change_unit, lang, figure["decimals"],
                                                                      signed=True),
            t("situation.col.period", lang): formatting.period(figure["period"]),
            t("situation.col.source", lang): source_text(figure, lang),
            t("situation.col.flags", lang): notes_text(figure, lang),
        })
    return pd.DataFrame(rows)


def theme_table(figures: Sequence[Mapping], lang: str, *, notes: bool = True) -> pd.DataFrame:
    """Return a theme's indicators as a compact display table: indicator | area | whole country | period | flags.

    ``notes=False`` leaves the flags out, for a narrow panel that lists ``partial_notes`` below the table.
    """
    return pd.DataFrame([{
        t("situation.col.indicator", lang): figure["name"].get(lang) or figure["name"]["fi"],
        t("situation.col.area", lang): area_text(figure, lang),
        t("situation.col.country", lang): formatting.value_with_unit(figure["country_value"], figure["unit"], lang,
                                                                   figure["decimals"], signed=figure["is_change"]),
        t("situation.col.period", lang): formatting.period(figure["period"]),
        **({t("situation.col.flags", lang): notes_text(figure, lang)} if notes else {}),
    } for figure in figures])


def partial_notes(figures: Iterable[Mapping], lang: str) -> list[tuple[str, str]]:
    """Return (indicator name, what is missing) for the partial or suppressed figures, as ``notes_text`` says it."""
    return [(figure["name"].get(lang) or figure["name"]["fi"], notes_text({**figure, "flags": [
                flag for flag in figure["flags"] if flag in ("partial", "suppressed")]}, lang))
            for figure in figures if {"partial", "suppressed"} & set(figure["flags"])]


def source_text(figure: Mapping, lang: str) -> str:
    """Return the figure's source for display (demo values say so instead of naming an official source)."""
    return t("situation.source_demo", lang) if figure["is_demo"] else figure["indicator_source"]


def flags_text(flags: Iterable[str], lang: str) -> str:
    """Return the flags as words ("osittainen, demo"), or an empty string."""
    return ", ".join(t(f"situation.flag.{flag}", lang) for flag in flags)


def caveats(figures: Iterable[Mapping], lang: str) -> list[tuple[str, str]]:
    """Return (indicator name, caveat) for the figures that carry one, each caveat text once."""
    seen: dict[str, list[str]] = {}
    for figure in figures:
        if figure["caveat"]:
            text = figure["caveat"].get(lang) or figure["caveat"]["fi"]
            seen.setdefault(text, []).append(figure["name"].get(lang) or figure["name"]["fi"])
    return [(", ".join(names), text) for text, names in seen.items()]


__all__ = [
    "KEY_INDICATORS",
    "PEER_GROUP_SIZE",
    "area_ranking",
    "area_text",
    "bounded_text",
    "caveats",
    "country_value",
    "figure_kind",
    "flags_text",
    "group_value",
    "indicator_name",
    "key_figures",
    "key_figures_table",
    "lower_bound",
    "municipality_names",
    "notes_text",
    "partial_notes",
    "partial_text",
    "peer_group",
    "period_caption",
    "source_text",
    "theme_figures",
    "theme_table",
    "trend",
    "unit_label",
]
