"""What the exports put on paper: indicator rows, discussion points, follow-ups.

Small read-only queries and labels shared by the briefing, the minutes and the workbook; answers, figures
and dates become text in ``yse_core.formatting``. Nothing here writes to the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from yse_core import formatting
from yse_core.auth import User
from yse_core.discussions import GENERAL_NOTES
from yse_core.follow_ups import FOLLOW_UP_THEME_ID, follow_ups
from yse_core.gaps.models import SEVERITY_RANK
from yse_core.i18n import t
from yse_core.indicators import situation
from yse_core.indicators.aggregate import COUNTRY
from yse_core.indicators.catalogue import load_catalogue
from yse_core.indicators.store import area_values
from yse_core.questionnaire import Questionnaire

# The figures every briefing charts and the workbook tabulates for all areas: the unemployment rate,
# the three target groups of the YSE discussions, and how much of the need services reach.
KEY_INDICATORS = (
    "TYOTTOMYYSASTE",
    "TYOTTOMATLOPUSSA",
    "TYOTTOMATLOPUSSA_YOY_PCT",
    "PITKAAIKAISTYOTTOMAT_SHARE",
    "TYOTTOMAT25_SHARE",
    "TYOTTOMATULK_SHARE",
    "AKTIVOINTIASTE",
    "ALKUHAASTATTELU_AJASSA_SHARE",
    "TYONHAKUKESKUSTELUT_SHARE",
    "KASVOKKAIN_SHARE",
)
CHART_INDICATORS = ("TYOTTOMYYSASTE", "PITKAAIKAISTYOTTOMAT_SHARE", "TYOTTOMAT25_SHARE")
FOLLOW_UP_STATUSES = ("open", "in_progress", "done", "dropped")
COMPARABLE_UNITS = ("percent", "days")
DEFAULT_DECIMALS = formatting.UNIT_DECIMALS


# --- labels ----------------------------------------------------------------------------------------


def area_label(area: dict, lang: str = "fi") -> str:
    """Return the area's name in the language (Swedish name for sv)."""
    return area["name_sv"] if lang == "sv" and area.get("name_sv") else area["name_fi"]


def status_label(status: str, lang: str = "fi") -> str:
    """Return a follow-up item's status in words."""
    return t(f"exports.status_{status}", lang) if status in FOLLOW_UP_STATUSES else status


def state_label(state: str, lang: str = "fi") -> str:
    """Return a response state (draft, submitted, …) in words."""
    return t(f"state.{state}", lang)


# --- indicators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of one area against the whole country in the same period."""

    code: str
    name: str
    unit: str
    decimals: int
    period: str
    area_value: float | None
    area_flag: str
    country_value: float | None
    country_flag: str
    higher_is_worse: bool | None
    is_demo: bool
    source: str
    caveat: str | None
    kind: str = "other"  # situation.figure_kind: a partial "count" is a lower bound
    area_low: float | None = None
    area_high: float | None = None
    missing: tuple[str, ...] = ()  # names of the member municipalities left out of a partial figure

    def value_text(self, value: float | None, flag: str, lang: str = "fi") -> str:
        """Return a value with its unit, or the reason it is missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return t("exports.flag_suppressed", lang) if flag == "suppressed" else "–"
        return formatting.value_with_unit(value, self.unit, lang, self.decimals)

    def area_text(self, lang: str = "fi") -> str:
        """Return the area's value as text; a partial or suppressed count as its lower bound ("vähintään 3")."""
        if self.kind == "count" and self.area_flag in ("partial", "suppressed"):
            return situation.bounded_text(self.area_value, self.area_flag, self.area_low, self.unit, self.decimals,
                                          self.kind, lang)
        return self.value_text(self.area_value, self.area_flag, lang)

    def comparison(self) -> str | None:
        """'worse', 'better' or 'same' than the whole country, for rates whose direction is known.

        Counts (persons) are not compared: a big area has more of everything than a small one.
        """
        if self.unit not in COMPARABLE_UNITS or self.higher_is_worse is None:
            return None
        if self.area_value is None or self.country_value is None:
            return None
        if self.area_flag == "partial" and (self.area_low is None or self.area_high is None
                                            or self.area_low <= self.country_value <= self.area_high):
            return None  # the missing members could reverse the comparison
        if math.isclose(self.area_value, self.country_value, rel_tol=1e-9, abs_tol=10 ** -(self.decimals + 1)):
            return "same"
        higher = self.area_value > self.country_value
        return "worse" if higher == self.higher_is_worse else "better"

    def notes(self, lang: str = "fi") -> str:
        """Flags and the comparison with the whole country, in words."""
        parts = []
        if self.area_flag in ("partial", "suppressed"):
            parts.append(situation.partial_text(self.area_flag, self.area_low, self.area_high, self.missing, self.unit,
                                                self.decimals, self.kind, lang))
        comparison = self.comparison()
        if comparison in ("worse", "better"):
            parts.append(t(f"exports.compared_{comparison}", lang))
        return "; ".join(parts)


def questionnaire_indicator_codes(questionnaire: Questionnaire) -> list[str]:
    """Return every indicator linked to the questionnaire's themes and questions, in catalogue order."""
    linked: set[str] = set()
    for theme in questionnaire.themes:
        linked.update(theme.indicators)
        for question in theme.questions:
            linked.update(question.indicators)
    return [code for code in load_catalogue().codes() if code in linked]


def indicator_rows(db: sqlite_utils.Database, area_id: str, codes: Iterable[str], lang: str = "fi", *,
                   reference: str | None = None) -> list[IndicatorRow]:
    """Return the area's value of each code beside the whole country's value in the same period.

    Each code is read at its latest month at or before ``reference`` (a round's statistics month), or at its
    latest period when None.
    """
    catalogue = load_catalogue()
    stored = area_values(db, area_id, codes=list(codes), reference=reference)
    names = situation.municipality_names(db, (member for row in stored for member in row["missing_members"]))
    rows = []
    for row in stored:
        country = db.execute(
            "SELECT value, flag FROM indicator_values WHERE indicator_code = ? AND region_code = ? AND period = ?",
            [row["code"], COUNTRY, row["period"]],
        ).fetchone()
        indicator = catalogue.get(row["code"])
        rows.append(IndicatorRow(
            code=row["code"],
            name=indicator.name.get(lang),
            unit=indicator.unit,
            decimals=indicator.decimals if indicator.decimals is not None else DEFAULT_DECIMALS[indicator.unit],
            period=row["period"],
            area_value=row["value"],
            area_flag=row["flag"],
            country_value=country[0] if country else None,
            country_flag=country[1] if country else "suppressed",
            higher_is_worse=indicator.higher_is_worse,
            is_demo=row["is_demo"],
            source=t("exports.demo_note", lang) if row["is_demo"] else indicator.source,
            caveat=(row["caveat"] or {}).get(lang),  # its data figures filled in for the row's period
            kind=situation.figure_kind(indicator),
            area_low=row["value_low"],
            area_high=row["value_high"],
            missing=tuple(names[member][lang] if member in names else member for member in row["missing_members"]),
        ))
    return rows


# --- discussion points, follow-ups, discussion notes -----------------------------------------------


def discussion_points(db: sqlite_utils.Database, round_year: int, area_id: str, user: User) -> list:
    """Return the area's discussion points from the gaps engine."""
    from yse_core.gaps.service import points_for_area  # the rules load only when an export needs them

    return list(points_for_area(db, round_year, area_id, user))


def round_discussion_points(db: sqlite_utils.Database, round_year: int, user: User) -> dict[str, list]:
    """Return area id → discussion points for every area of the round."""
    from yse_core.gaps.service import points_for_round

    return points_for_round(db, round_year, user)


def severity_label(severity: str, lang: str = "fi") -> str:
    """Return a discussion point's severity in words (the raw value when it is not a known level)."""
    return t(f"exports.severity_{severity}", lang) if severity in SEVERITY_RANK else str(severity)


def sorted_points(points: Iterable) -> list:
    """Return discussion points most severe first, keeping the engine's order within a level."""
    return sorted(points, key=lambda point: -SEVERITY_RANK.get(point.severity, 0))


def point_text(point, lang: str = "fi") -> str:
    """Return a discussion point as its title and message."""
    return f"{point.title_in(lang)}: {point.message(lang)}"


def theme_title(questionnaire: Questionnaire, theme_id: str | None, lang: str = "fi") -> str:
    """Return a theme's title; general notes and carried follow-ups get their own names."""
    if not theme_id or theme_id == GENERAL_NOTES:
        return t("exports.general_notes", lang)
    if theme_id == FOLLOW_UP_THEME_ID:
        return t("followup.title", lang)
    try:
        return questionnaire.theme(theme_id).title.get(lang)
    except KeyError:
        return str(theme_id)


def previous_round_year(db: sqlite_utils.Database, round_year: int) -> int | None:
    """Return the latest round before this one, if any."""
    return db.execute("SELECT MAX(year) FROM rounds WHERE year < ?", [round_year]).fetchone()[0]


def follow_up_items(db: sqlite_utils.Database, user: User, round_year: int | None, area_id: str | None = None) -> list[dict]:
    """Return the follow-up items agreed in a round (one area or every area), by area and due date."""
    if round_year is None:
        return []
    items = follow_ups(db, user, round_year, area_id)
    return sorted(items, key=lambda item: (item["area_name_fi"], item["due"] is None, item["due"] or "", item["id"]))


def owner_text(item: dict, lang: str = "fi") -> str:
    """Return who owns a follow-up item: the side (area or TEM) and the person, if named."""
    side = t(f"exports.owner_{item['owner_side']}", lang) if item["owner_side"] in ("area", "tem") else item["owner_side"]
    return f"{side}: {item['owner']}" if item["owner"] else side
