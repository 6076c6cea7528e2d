"""Discussion points from the database: assemble answers and figures, then call the pure ``evaluate``.

Figures are read for the round's statistics month (``rounds.reference_period``): per indicator the latest
monthly value at or before it (``store.periods_as_of``), for the area and for the whole country (``SSS``), with
the same month a year earlier, the counts behind each figure (a share's denominator) for judging random
variation, the bounds and missing members of partial figures, and every area's value where a rule compares
with the areas' distribution. A code without a value is passed as a missing figure, so rules say what is
missing instead of raising an alarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import sqlite_utils

from yse_core.answer_store import round_values
from yse_core.auth import User
from yse_core.demo_answers import demo_answer_areas
from yse_core.indicators.aggregate import COUNTRY, previous_period
from yse_core.indicators.catalogue import Catalogue, Indicator, load_catalogue
from yse_core.indicators.store import periods_as_of, values_at
from yse_core.questionnaire.models import Theme
from yse_core.responses import ResponseContext, load_context
from yse_core.rounds import get_questionnaire, get_round, reference_period

from .evaluate import DiscussionPoint, IndicatorFigure, Statistic, evaluate
from .loader import shipped_rules
from .models import SEVERITY_RANK, GapRules, IndicatorCondition, walk

Rows = Mapping[str, dict]  # code → stored row (``store.values_at``)


def points_for_area(
    db: sqlite_utils.Database, round_year: int, area_id: str, user: User, rules: GapRules | None = None
) -> list[DiscussionPoint]:
    """The discussion points of one area in a round, if the user may read the area."""
    rules = rules or shipped_rules()
    context = load_context(db, user, round_year, area_id)
    figures = area_figures(db, area_id, rules, reference=reference_period(db, round_year))
    return points_for_context(context, figures, rules, demo_answers=area_id in demo_answer_areas(db, round_year))


def points_for_context(
    context: ResponseContext, figures: Mapping[str, IndicatorFigure], rules: GapRules | None = None, *,
    demo_answers: bool = False,
) -> list[DiscussionPoint]:
    """The discussion points of a loaded response (read permission checked by ``load_context``) with its figures.

    Pages call this on every answer change with figures cached per data stamp and statistics month
    (``area_figures`` only changes with an import), so only the pure evaluation runs each time.
    """
    area = {**context.area, "demo_answers": demo_answers}
    return evaluate(rules or shipped_rules(), area, context.values, dict(figures), context.questionnaire)


def questions_read(rules: GapRules | None = None) -> frozenset[str]:
    """The question ids any rule reads: an answer to another question cannot change a discussion point."""
    return frozenset(question for rule in (rules or shipped_rules()).rules for question in rule.questions)


def area_figures(
    db: sqlite_utils.Database, area_id: str, rules: GapRules | None = None, *, reference: str | None = None,
) -> dict[str, IndicatorFigure]:
    """The figures the rules read for one area and the whole country at the statistics month ``reference``.

    ``reference`` None reads the latest month of each indicator.
    """
    rules = rules or shipped_rules()
    return _FigureReader(db, rules, reference, [area_id]).figures(area_id)


def points_for_round(
    db: sqlite_utils.Database, round_year: int, user: User, rules: GapRules | None = None,
    area_ids: Iterable[str] | None = None,
) -> dict[str, list[DiscussionPoint]]:
    """Area id → discussion points for every area of the round the user may read (a respondent: their own).

    ``area_ids`` limits the evaluation to those areas (a page that keeps the other areas' points from an
    earlier run). Reads the round's answers in one query and its month's figures in a few.
    """
    rules = rules or shipped_rules()
    round_row = get_round(db, round_year)
    questionnaire = get_questionnaire(db, round_row["questionnaire_key"])
    wanted = None if area_ids is None else set(area_ids)
    demo = demo_answer_areas(db, round_year)
    areas = {
        row["id"]: {**row, "uusimaa": bool(row["uusimaa"]), "membership_verified": bool(row["membership_verified"]),
                    "demo_answers": row["id"] in demo}
        for row in db.query(
            "SELECT a.* FROM responses r JOIN areas a ON a.id = r.area_id WHERE r.round_year = ? ORDER BY a.id",
            [round_year],
        )
        if user.can_read_area(row["id"]) and (wanted is None or row["id"] in wanted)
    }
    few = wanted is not None and len(areas) < 100  # a few changed areas: read just theirs
    stored = round_values(db, round_year, list(areas) if few else None)
    answers = {area_id: stored.get(area_id, {}) for area_id in areas}
    reader = _FigureReader(db, rules, reference_period(db, round_row), list(areas))
    return {
        area_id: evaluate(rules, area, answers[area_id], reader.figures(area_id), questionnaire)
        for area_id, area in areas.items()
    }


def needed_codes(rules: GapRules, catalogue: Catalogue) -> list[str]:
    """The codes the rules read plus the codes behind them: the counts a share or an average is taken of."""
    codes = rules.indicator_codes()
    behind = [part for code in codes if code in catalogue for part in catalogue.get(code).denominator]
    return list(dict.fromkeys([*codes, *behind]))


def statistic_of(indicator: Indicator) -> Statistic:
    """How random variation is judged for a figure: a share of people, an average over cases, or a count."""
    if indicator.numerator and indicator.denominator:
        return "share" if indicator.unit == "percent" else "average"
    if indicator.unit in ("persons", "count") and not indicator.yoy_of:
        return "count"
    return "other"


def _distribution_codes(rules: GapRules) -> set[str]:
    return {leaf.indicator for rule in rules.rules for part in (rule.when, rule.info_when)
            for _path, leaf in walk(part)
            if isinstance(leaf, IndicatorCondition) and leaf.compare in ("below_areas", "above_areas")}


class _FigureReader:
    """Reads once what the rules need for some areas at a statistics month, then builds each area's figures."""

    def __init__(self, db: sqlite_utils.Database, rules: GapRules, reference: str | None, area_ids: list[str]):
        self.catalogue = load_catalogue()
        self.codes = rules.indicator_codes()
        needed = needed_codes(rules, self.catalogue)
        self.periods = periods_as_of(db, needed, reference)
        self.year_ago = {code: previous_period(period) for code, period in self.periods.items()}
        regions = [*area_ids, COUNTRY]
        self.now = values_at(db, regions, self.periods)
        self.before = values_at(db, regions, self.year_ago)
        self.verified = {row[0]: bool(row[1]) for row in db.execute("SELECT id, membership_verified FROM areas")}
        members = {member for rows in self.now.values() for row in rows.values() for member in row["missing_members"]}
        self.names: dict[str, tuple[str, str, str]] = {}
        if members:
            marks = ", ".join("?" for _ in members)
            self.names = {code: (code, fi, sv) for code, fi, sv in db.execute(
                f"SELECT code, name_fi, name_sv FROM municipalities WHERE code IN ({marks})", sorted(members))}
        self.areas: dict[str, tuple[float, ...]] = {}
        for code in _distribution_codes(rules):
            if code in self.periods:
                self.areas[code] = tuple(sorted(value for (value,) in db.execute(
                    "SELECT value FROM indicator_values WHERE indicator_code = ? AND period = ? "
                    "AND region_level = 'area' AND value IS NOT NULL", [code, self.periods[code]])))

    def figures(self, area_id: str) -> dict[str, IndicatorFigure]:
        """One ``IndicatorFigure`` per code the rules read; absent codes become missing figures."""
        now, before = self.now.get(area_id, {}), self.before.get(area_id, {})
        country_now, country_before = self.now.get(COUNTRY, {}), self.before.get(COUNTRY, {})
        return {code: self._figure(area_id, code, now, before, country_now, country_before) for code in self.codes}

    def _figure(self, area_id: str, code: str, now: Rows, before: Rows, country_now: Rows,
                country_before: Rows) -> IndicatorFigure:
        indicator = self.catalogue.get(code)
        row = now.get(code)
        row_before = before.get(code)
        statistic = statistic_of(indicator)
        flag = row["flag"] if row and row["flag"] in ("ok", "partial", "suppressed") else "missing"
        base_parts = indicator.denominator if statistic in ("share", "average") else (code,)
        base_unit = self.catalogue.get(base_parts[0]).unit if base_parts and base_parts[0] in self.catalogue else "persons"
        value = _usable(row)
        value_before = _usable(row_before)
        country, country_before_value = _usable(country_now.get(code)), _usable(country_before.get(code))
        return IndicatorFigure(
            value=value,
            country_value=country,
            period=self.periods.get(code, ""),
            yoy=_change(statistic, value, value_before),
            country_yoy=_change(statistic, country, country_before_value),
            flag=flag,
            is_demo=bool(row and row["is_demo"]),
            unit=indicator.unit,
            name=indicator.name.model_dump(),
            higher_is_worse=indicator.higher_is_worse,
            decimals=indicator.decimals,
            code=code,
            statistic=statistic,
            scale=indicator.scale,
            low=row["value_low"] if row else None,
            high=row["value_high"] if row else None,
            missing_members=tuple(self.names.get(member, (member, member, member))
                                  for member in (row["missing_members"] if row else [])),
            base=_sum(now, base_parts),
            base_unit=base_unit,
            period_year_ago=self.year_ago.get(code, ""),
            value_year_ago=value_before,
            flag_year_ago=row_before["flag"] if row_before else "missing",
            low_year_ago=row_before["value_low"] if row_before else None,
            high_year_ago=row_before["value_high"] if row_before else None,
            base_year_ago=_sum(before, base_parts),
            country_value_year_ago=country_before_value,
            areas=self.areas.get(code, ()),
            source=(row or {}).get("source") or indicator.source,
            # store.computed_method decides, as for the CLI; a figure not stored is computed when the catalogue says so
            computed=bool(row["computed"]) if row else indicator.is_computed,
            membership_verified=self.verified.get(area_id),
        )


def _usable(row: dict | None) -> float | None:
    if row is None or row["flag"] == "suppressed":
        return None
    return row["value"]


def _sum(rows: Rows, codes: tuple[str, ...]) -> float | None:
    values = [_usable(rows.get(code)) for code in codes]
    return sum(values) if values and all(value is not None for value in values) else None


def _change(statistic: Statistic, now: float | None, before: float | None) -> float | None:
    """The change over a year: points for a share, % for anything else."""
    if now is None or before is None:
        return None
    if statistic == "share":
        return now - before
    return (now / before - 1) * 100 if before else None


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
