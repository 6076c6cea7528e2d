"""Discussion points from the database: assemble answers and figures, then call the pure ``evaluate``.

Figures are the latest monthly period with any value (``store.latest_period``), for the area and for the
whole country (``SSS``). A code without a value in that period is passed as a missing figure, so rules say
what is missing instead of raising an alarm.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import pandas as pd
import sqlite_utils

from yse_core.auth import User
from yse_core.indicators.aggregate import COUNTRY
from yse_core.indicators.catalogue import Catalogue, load_catalogue
from yse_core.indicators.store import area_values, latest_period
from yse_core.questionnaire.models import Theme
from yse_core.responses import ResponseContext, load_context
from yse_core.rounds import get_questionnaire, get_round

from .evaluate import DiscussionPoint, IndicatorFigure, evaluate
from .loader import shipped_rules
from .models import SEVERITY_RANK, GapRules, yoy_code_for

Row = tuple[float | None, str, bool]  # value, flag, is_demo


def points_for_area(
    db: sqlite_utils.Database, round_year: int, area_id: str, user: User, rules: GapRules | None = None
) -> list[DiscussionPoint]:
    """The discussion points of one area in a round, if the user may read the area."""
    rules = rules or shipped_rules()
    context = load_context(db, user, round_year, area_id)
    return points_for_context(context, area_figures(db, area_id, rules), rules)


def points_for_context(
    context: ResponseContext, figures: Mapping[str, IndicatorFigure], rules: GapRules | None = None
) -> list[DiscussionPoint]:
    """The discussion points of a loaded response (read permission checked by ``load_context``) with its figures.

    Pages call this on every answer change with figures cached per data stamp (``area_figures``
    only changes with an import), so only the pure evaluation runs each time.
    """
    return evaluate(rules or shipped_rules(), context.area, context.values, dict(figures), context.questionnaire)


def questions_read(rules: GapRules | None = None) -> frozenset[str]:
    """The question ids any rule reads: an answer to another question cannot change a discussion point."""
    return frozenset(question for rule in (rules or shipped_rules()).rules for question in rule.questions)


def area_figures(db: sqlite_utils.Database, area_id: str, rules: GapRules | None = None) -> dict[str, IndicatorFigure]:
    """The figures the rules read for one area and the whole country, from the latest monthly period."""
    rules = rules or shipped_rules()
    catalogue = load_catalogue()
    codes = needed_codes(rules, catalogue)
    period = latest_period(db)
    if period is None:
        area_rows: dict[str, Row] = {}
        country_rows: dict[str, Row] = {}
    else:
        area_rows = _rows(area_values(db, area_id, period, codes))
        country_rows = _rows(area_values(db, COUNTRY, period, codes))
    return build_figures(catalogue, rules.indicator_codes(), period, area_rows, country_rows)


def points_for_round(
    db: sqlite_utils.Database, round_year: int, user: User, rules: GapRules | None = None,
    area_ids: Iterable[str] | None = None,
) -> dict[str, list[DiscussionPoint]]:
    """Area id → discussion points for every area of the round the user may read (a respondent: their own).

    ``area_ids`` limits the evaluation to those areas (a page that keeps the other areas' points from an
    earlier run). Reads the round's answers in one query and the latest period's figures in another.
    """
    rules = rules or shipped_rules()
    round_row = get_round(db, round_year)
    questionnaire = get_questionnaire(db, round_row["questionnaire_key"])
    catalogue = load_catalogue()
    codes = needed_codes(rules, catalogue)
    wanted = None if area_ids is None else set(area_ids)
    areas = {
        row["id"]: {**row, "uusimaa": bool(row["uusimaa"]), "membership_verified": bool(row["membership_verified"])}
        for row in db.query(
            "SELECT a.* FROM responses r JOIN areas a ON a.id = r.area_id WHERE r.round_year = ? ORDER BY a.id",
            [round_year],
        )
        if user.can_read_area(row["id"]) and (wanted is None or row["id"] in wanted)
    }
    answers: dict[str, dict[str, object]] = {area_id: {} for area_id in areas}
    sql = ("SELECT r.area_id, x.question_id, x.value FROM answers x JOIN responses r ON r.id = x.response_id "
           "WHERE r.round_year = ?")
    params: list = [round_year]
    if wanted is not None and len(areas) < 100:  # a few changed areas: read just theirs
        sql += f" AND r.area_id IN ({', '.join('?' for _ in areas)})"
        params += list(areas)
    for area_id, question_id, value in db.execute(sql, params):
        if area_id in answers and value is not None:
            answers[area_id][question_id] = json.loads(value)
    period = latest_period(db)
    values: dict[str, dict[str, Row]] = {}
    if period is not None and areas:
        for code, region, value, flag, is_demo in db.execute(
            f"""SELECT indicator_code, region_code, value, flag, is_demo FROM indicator_values
                WHERE period = ? AND region_level IN ('area', 'country')
                  AND indicator_code IN ({', '.join('?' for _ in codes)})""",
            [period, *codes],
        ):
            values.setdefault(region, {})[code] = (value, flag, bool(is_demo))
    country_rows = values.get(COUNTRY, {})
    return {
        area_id: evaluate(
            rules, area, answers[area_id],
            build_figures(catalogue, rules.indicator_codes(), period, values.get(area_id, {}), country_rows),
            questionnaire,
        )
        for area_id, area in areas.items()
    }


def needed_codes(rules: GapRules, catalogue: Catalogue) -> list[str]:
    """The codes the rules read plus the year-on-year % codes that describe their growth."""
    codes = rules.indicator_codes()
    growth = [yoy_code_for(catalogue, code) for code in codes]
    return list(dict.fromkeys([*codes, *(code for code in growth if code)]))


def build_figures(
    catalogue: Catalogue,
    codes: Iterable[str],
    period: str | None,
    area_rows: Mapping[str, Row],
    country_rows: Mapping[str, Row],
) -> dict[str, IndicatorFigure]:
    """One ``IndicatorFigure`` per code from stored ``(value, flag, is_demo)`` rows; absent codes become missing figures."""
    figures = {}
    for code in codes:
        indicator = catalogue.get(code)
        _value, flag, is_demo = area_rows.get(code, (None, "missing", False))
        growth = yoy_code_for(catalogue, code)
        figures[code] = IndicatorFigure(
            value=_usable(area_rows.get(code)),
            country_value=_usable(country_rows.get(code)),
            period=period or "",
            yoy=_usable(area_rows.get(growth)) if growth else None,
            country_yoy=_usable(country_rows.get(growth)) if growth else None,
            flag=flag if flag in ("ok", "partial", "suppressed") else "missing",
            is_demo=is_demo,
            unit=indicator.unit,
            name=indicator.name.model_dump(),
            higher_is_worse=indicator.higher_is_worse,
            decimals=indicator.decimals,
        )
    return figures


def heatmap_data(points_by_area: Mapping[str, Iterable[DiscussionPoint]], themes: Iterable[str | Theme]) -> pd.DataFrame:
    """Areas × themes: the most severe point in each cell (high 3, medium 2, info 1, none 0)."""
    theme_ids = [theme if isinstance(theme, str) else theme.id for theme in themes]
    rows = []
    for points in points_by_area.values():
        cells = dict.fromkeys(theme_ids, 0)
        for point in points:
            if point.theme in cells:
                cells[point.theme] = max(cells[point.theme], SEVERITY_RANK[point.severity])
        rows.append(cells)
    frame = pd.DataFrame(rows, index=pd.Index(list(points_by_area), name="area_id"), columns=theme_ids, dtype="int64")
    frame.columns.name = "theme"
    return frame


def _rows(rows: Iterable[dict]) -> dict[str, Row]:
    return {row["code"]: (row["value"], row["flag"], bool(row["is_demo"])) for row in rows}


def _usable(row: Row | None) -> float | None:
    if row is None or row[1] == "suppressed":
        return None
    return row[0]
