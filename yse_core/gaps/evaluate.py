"""Evaluate gap rules for one area: a pure, deterministic function from rules, answers and figures to points.

Conditions are decided with three values: holds, does not hold, or cannot be decided. A condition that cannot
be decided says why: a figure (or its country value, or its growth) is missing, or a question is not answered
yet. ``all`` fails as soon as one part fails; ``any`` holds as soon as one part holds; only otherwise does an
undecided part make the whole undecided. Then:

* holds → a discussion point of the rule's kind and severity;
* undecided because a question is not answered yet → nothing: the check runs once the area answers (the
  progress view already lists unanswered questions, and a point per rule before any answer would bury TEM in
  noise);
* undecided only because statistics are missing → a ``missing_data`` point of severity ``info`` naming the
  missing figures. Missing data therefore never produces an alarm.

A question that is not shown to the area (``visible_if``) is not applicable: its conditions do not hold, and
its stored answer is ignored. A rule may lower its severity to info with ``info_when``; when that cannot be
decided for lack of data, the lower severity is used and the missing figure is named.
Partial and demo figures are labelled in the message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from yse_core.questionnaire.answers import is_visible
from yse_core.questionnaire.models import LANGUAGES, MEASURE_FIELDS, Question, Questionnaire

from .models import (
    ANSWER_PLACEHOLDERS,
    MISSING_DATA,
    PLACEHOLDERS,
    POSITION_SUFFIXES,
    SEVERITY_RANK,
    AllOf,
    AnswerCondition,
    AnyOf,
    GapRule,
    GapRules,
    IndicatorCondition,
)

NOT_AVAILABLE = "–"
MAX_NAMES = 10  # measure names quoted in one message

UNITS = {
    "percent": {"fi": "%", "sv": "%", "en": "%"},
    "days": {"fi": "päivää", "sv": "dagar", "en": "days"},
    "persons": {"fi": "henkeä", "sv": "personer", "en": "persons"},
    "count": {"fi": "kpl", "sv": "st.", "en": "items"},
}
YES_NO = {"fi": ("ei", "kyllä"), "sv": ("nej", "ja"), "en": ("no", "yes")}
LABELS = {
    "partial": {"fi": "(osittainen luku)", "sv": "(partiell siffra)", "en": "(partial figure)"},
    "demo": {"fi": "(demoaineisto)", "sv": "(demodata)", "en": "(demo data)"},
}
MISSING_TEXT = {
    "fi": "Vertailua ”{title}” ei voitu tehdä, koska tilastotieto puuttuu: {missing}.",
    "sv": "Jämförelsen ”{title}” kunde inte göras eftersom statistik saknas: {missing}.",
    "en": "The check “{title}” could not be made because statistics are missing: {missing}.",
}
LOWERED_TEXT = {
    "fi": "(Luokiteltu tiedoksi, koska tieto puuttuu: {missing}.)",
    "sv": "(Klassificerad som information eftersom uppgifter saknas: {missing}.)",
    "en": "(Classed as info because data is missing: {missing}.)",
}
# What is missing of a figure, after its name: ``CODE:country`` → "Aktivointiaste, koko maa".
MISSING_PARTS = {
    "country": {"fi": "koko maa", "sv": "hela landet", "en": "whole country"},
    "yoy": {"fi": "muutos vuodessa", "sv": "förändring på ett år", "en": "change over a year"},
    "country_yoy": {"fi": "koko maan muutos vuodessa", "sv": "hela landets förändring på ett år",
                    "en": "whole country's change over a year"},
    "direction": {"fi": "suunta tuntematon", "sv": "riktning okänd", "en": "direction unknown"},
}
NO_NAME = {"fi": "(nimetön toimi)", "sv": "(namnlös åtgärd)", "en": "(unnamed measure)"}


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator for one area and period, with the whole country's value beside it.

    ``yoy``/``country_yoy`` are the year-on-year change (%) of the count behind the figure (for a share, of its
    numerator). ``value`` None means the figure is missing or suppressed.
    """

    value: float | None
    country_value: float | None = None
    period: str = ""
    yoy: float | None = None
    country_yoy: float | None = None
    flag: Literal["ok", "partial", "suppressed", "missing"] = "ok"
    is_demo: bool = False
    unit: str = "percent"
    name: Mapping[str, str] = field(default_factory=dict)
    higher_is_worse: bool | None = None
    decimals: int | None = None

    def name_in(self, lang: str, fallback: str = "") -> str:
        """The indicator's name in ``lang`` (Finnish, then ``fallback``, when that is missing)."""
        return self.name.get(lang) or self.name.get("fi") or fallback

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return {
            "value": self.value, "country_value": self.country_value, "period": self.period, "yoy": self.yoy,
            "country_yoy": self.country_yoy, "flag": self.flag, "is_demo": self.is_demo, "unit": self.unit,
            "name": dict(self.name), "higher_is_worse": self.higher_is_worse,
        }


@dataclass(frozen=True)
class DiscussionPoint:
    """A gap found for one area: which rule, how severe, the figures and answers it used, and its message."""

    rule_id: str
    kind: str
    theme: str
    severity: str
    title: Mapping[str, str]
    messages: Mapping[str, str]
    figures: Mapping[str, IndicatorFigure]
    answers: Mapping[str, object]
    missing: list[str]
    area_id: str | None = None

    def message(self, lang: str = "fi") -> str:
        """The message in Finnish, Swedish or English (Finnish for an unknown language)."""
        return self.messages.get(lang) or self.messages["fi"]

    def title_in(self, lang: str = "fi") -> str:
        """The rule's title in ``lang``."""
        return self.title.get(lang) or self.title["fi"]

    @property
    def rank(self) -> int:
        """3 for high, 2 for medium, 1 for info."""
        return SEVERITY_RANK[self.severity]

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return {
            "area_id": self.area_id, "rule_id": self.rule_id, "kind": self.kind, "theme": self.theme,
            "severity": self.severity, "title": dict(self.title), "message": dict(self.messages),
            "figures": {code: figure.to_dict() for code, figure in self.figures.items()},
            "answers": dict(self.answers), "missing": list(self.missing),
        }


@dataclass(frozen=True)
class _Outcome:
    holds: bool | None  # None: cannot be decided
    missing: tuple[str, ...] = ()  # figure parts lacking: "CODE", "CODE:country", "CODE:yoy", ...
    unanswered: tuple[str, ...] = ()  # question ids not answered yet
    names: tuple[str, ...] = ()  # measure names behind a holding measures condition


_HOLDS = _Outcome(True)
_FAILS = _Outcome(False)


def _merge(outcomes: Iterable[_Outcome], holds: bool | None) -> _Outcome:
    outcomes = list(outcomes)
    return _Outcome(
        holds,
        tuple(dict.fromkeys(item for outcome in outcomes for item in outcome.missing)),
        tuple(dict.fromkeys(item for outcome in outcomes for item in outcome.unanswered)),
        tuple(dict.fromkeys(item for outcome in outcomes for item in outcome.names)),
    )


def evaluate(
    rules: GapRules | Iterable[GapRule],
    area: Mapping[str, object],
    answers: Mapping[str, object],
    indicators: Mapping[str, IndicatorFigure],
    questionnaire: Questionnaire | None = None,
) -> list[DiscussionPoint]:
    """Return the discussion points of one area, most severe first, then in the rules' order."""
    rule_list = rules.rules if isinstance(rules, GapRules) else list(rules)
    context = _Context(area, answers, indicators, questionnaire)
    points: list[tuple[int, int, DiscussionPoint]] = []
    for position, rule in enumerate(rule_list):
        point = _point(rule, context)
        if point is not None:
            points.append((-point.rank, position, point))
    return [point for _rank, _position, point in sorted(points, key=lambda item: item[:2])]


class _Context:
    """The inputs of one evaluation, with the questionnaire's questions indexed once."""

    def __init__(self, area, answers, figures, questionnaire):
        self.area = area
        self.answers = answers
        self.figures = figures
        self.questions: dict[str, Question] | None = (
            dict(questionnaire.questions_by_id()) if questionnaire is not None else None
        )

    def applicable(self, question_id: str) -> bool:
        """False for a question the questionnaire does not have or does not show to this area."""
        if self.questions is None:
            return True
        question = self.questions.get(question_id)
        if question is None:
            return False
        return is_visible(question, self.answers, self.area)

    def question(self, question_id: str) -> Question | None:
        return None if self.questions is None else self.questions.get(question_id)


def _point(rule: GapRule, context: _Context) -> DiscussionPoint | None:
    outcome = _decide(rule.when, context)
    if outcome.holds is False or (outcome.holds is None and outcome.unanswered):
        return None
    figures = {code: context.figures[code] for code in rule.indicators if code in context.figures}
    answers = {
        question_id: context.answers[question_id]
        for question_id in rule.questions
        if context.applicable(question_id) and not _blank(context.answers.get(question_id))
    }
    area_id = context.area.get("id") if isinstance(context.area.get("id"), str) else None
    if outcome.holds is None:
        missing = list(outcome.missing)
        messages = {
            lang: MISSING_TEXT[lang].format(title=rule.title.get(lang), missing=_describe_missing(missing, context, lang))
            for lang in LANGUAGES
        }
        return DiscussionPoint(rule.id, MISSING_DATA, rule.theme, "info", rule.title.model_dump(), messages, figures,
                               answers, missing, area_id)
    severity = rule.severity
    lowered: list[str] = []
    if rule.info_when is not None:
        lowering = _decide(rule.info_when, context)
        if lowering.holds is not False:
            severity = "info"
            if lowering.holds is None:
                lowered = list(lowering.missing) + [f"{question_id}:unanswered" for question_id in lowering.unanswered]
    messages = {}
    for lang in LANGUAGES:
        text = getattr(rule.message, lang).format_map(_values(rule, context, outcome, lang))
        labels = _labels(figures.values(), lang)
        if lowered:
            labels.append(LOWERED_TEXT[lang].format(missing=_describe_missing(lowered, context, lang)))
        messages[lang] = " ".join([text, *labels])
    return DiscussionPoint(rule.id, rule.kind, rule.theme, severity, rule.title.model_dump(), messages, figures, answers,
                           lowered, area_id)


# --- deciding conditions ---------------------------------------------------------------------------------


def _decide(condition: object, context: _Context) -> _Outcome:
    if isinstance(condition, AllOf):
        parts = [_decide(child, context) for child in condition.all_]
        if any(part.holds is False for part in parts):
            return _FAILS
        if any(part.holds is None for part in parts):
            return _merge((part for part in parts if part.holds is None), None)
        return _merge(parts, True)
    if isinstance(condition, AnyOf):
        parts = [_decide(child, context) for child in condition.any_]
        if any(part.holds is True for part in parts):
            return _merge((part for part in parts if part.holds is True), True)
        if any(part.holds is None for part in parts):
            return _merge((part for part in parts if part.holds is None), None)
        return _FAILS
    if isinstance(condition, IndicatorCondition):
        return _decide_figure(condition, context.figures)
    if isinstance(condition, AnswerCondition):
        return _decide_answer(condition, context)
    raise TypeError(f"not a condition: {condition!r}")


def _decide_figure(condition: IndicatorCondition, figures: Mapping[str, IndicatorFigure]) -> _Outcome:
    code = condition.indicator
    figure = figures.get(code)
    missing: list[str] = []
    compare = condition.compare
    if compare == "growing_faster_than_country":
        area = figure.yoy if figure else None
        country = figure.country_yoy if figure else None
        if figure is None:
            return _Outcome(None, (code,))
        if area is None:
            missing.append(f"{code}:yoy" if figure.value is not None else code)
        if country is None:
            missing.append(f"{code}:country_yoy")
        if missing:
            return _Outcome(None, tuple(missing))
        return _Outcome(area - country > condition.by_points)
    area = figure.value if figure else None
    country = figure.country_value if figure else None
    uses_country = compare not in ("above", "below")
    if area is None:
        missing.append(code)
    if uses_country and country is None and figure is not None:
        missing.append(f"{code}:country")
    if condition.per is not None:
        divisor = figures.get(condition.per)
        per_area = divisor.value if divisor else None
        per_country = divisor.country_value if divisor else None
        if not per_area:  # None or zero: cannot divide
            missing.append(condition.per)
        if uses_country and not per_country and divisor is not None:
            missing.append(f"{condition.per}:country")
        if not missing:
            area = area / per_area * 100
            country = country / per_country * 100 if uses_country else None
    if compare in ("worse_than_country", "better_than_country"):
        direction = figure.higher_is_worse if figure else None
        if direction is None and figure is not None:
            missing.append(f"{code}:direction")
        if missing:
            return _Outcome(None, tuple(missing))
        higher_wanted = direction == (compare == "worse_than_country")
        compare = "above_country" if higher_wanted else "below_country"
    if missing:
        return _Outcome(None, tuple(missing))
    if compare == "above":
        return _Outcome(area > condition.value)
    if compare == "below":
        return _Outcome(area < condition.value)
    if compare == "above_country":
        return _Outcome(area > country * condition.by_ratio)
    return _Outcome(area * condition.by_ratio < country)  # below_country


def _decide_answer(condition: AnswerCondition, context: _Context) -> _Outcome:
    question_id = condition.question
    if not context.applicable(question_id):
        return _FAILS  # not shown to this area: not applicable
    value = context.answers.get(question_id)
    answered = not _blank(value)
    test = condition.test
    if test in ("unanswered", "empty"):
        wanted = condition.unanswered if test == "unanswered" else condition.empty
        holds = (not answered) == wanted
        names = tuple(_row_names(value)) if holds and answered else ()
        return _Outcome(holds, names=names)
    if test == "rows_missing_field":
        names = tuple(_row_names(value, lacking=condition.rows_missing_field))
        return _Outcome(bool(names), names=names)
    if not answered:
        return _Outcome(None, unanswered=(question_id,))
    if test == "equals":
        return _Outcome(_same(value, condition.equals))
    if not _is_number(value):
        return _FAILS
    if test == "at_least":
        return _Outcome(value >= condition.at_least)
    if test == "at_most":
        return _Outcome(value <= condition.at_most)
    figure = context.figures.get(condition.differs_from)  # differs_from
    if figure is None or figure.value is None:
        return _Outcome(None, (condition.differs_from,))
    if condition.by_points is not None:
        return _Outcome(abs(value - figure.value) > condition.by_points)
    low, high = sorted((abs(value), abs(figure.value)))
    if high == 0:
        return _FAILS
    return _Outcome(low == 0 or high / low > condition.by_ratio)


def _blank(value: object) -> bool:
    """None, whitespace-only text, an empty list or mapping, or NaN: no answer."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return isinstance(value, float) and math.isnan(value)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _same(left: object, right: object) -> bool:
    """Equality that keeps true apart from 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return left == right


def _field_missing(field_name: str, value: object) -> bool:
    """A blank cell; for a choice field, also its "none" option (e.g. no regular follow-up)."""
    if _blank(value):
        return True
    definition = MEASURE_FIELDS[field_name]
    return definition.kind == "single" and "none" in definition.options and value == "none"


def _row_names(value: object, lacking: tuple[str, ...] | None = None) -> list[str]:
    """The names of measures rows (only those lacking one of ``lacking``, when given); option ids of a multi answer."""
    if not isinstance(value, list):
        return []
    names = []
    for index, row in enumerate(value):
        if isinstance(row, Mapping):
            if lacking and not any(_field_missing(name, row.get(name)) for name in lacking):
                continue
            name = row.get("name")
            names.append(name.strip() if isinstance(name, str) and name.strip() else f"#{index + 1}")
        elif lacking is None and isinstance(row, str):
            names.append(row)
    return names


# --- the message ------------------------------------------------------------------------------------------


def _values(rule: GapRule, context: _Context, outcome: _Outcome, lang: str) -> dict[str, str]:
    """Every known placeholder → its text in ``lang``; "–" where a value is not available."""
    values = dict.fromkeys(PLACEHOLDERS, NOT_AVAILABLE)
    area = context.area
    values["area_name"] = str(area.get(f"name_{lang}") or area.get("name_fi") or area.get("id") or NOT_AVAILABLE)
    for suffix, code in zip(POSITION_SUFFIXES, rule.indicators, strict=False):
        figure = context.figures.get(code)
        values[f"indicator_name{suffix}"] = figure.name_in(lang, code) if figure else code
        if figure is None:
            continue
        values[f"unit{suffix}"] = UNITS.get(figure.unit, {}).get(lang, figure.unit)
        values[f"period{suffix}"] = format_period(figure.period)
        decimals = figure.decimals if figure.decimals is not None else (0 if figure.unit in ("persons", "count") else 1)
        values[f"area_value{suffix}"] = format_number(figure.value, lang, decimals)
        values[f"country_value{suffix}"] = format_number(figure.country_value, lang, decimals)
        values[f"area_yoy{suffix}"] = format_number(figure.yoy, lang, 1, signed=True)
        values[f"country_yoy{suffix}"] = format_number(figure.country_yoy, lang, 1, signed=True)
    for name, question_id in zip(ANSWER_PLACEHOLDERS, rule.questions, strict=False):
        if context.applicable(question_id):
            values[name] = format_answer(context.question(question_id), context.answers.get(question_id), lang)
    if outcome.names:
        shown = list(outcome.names[:MAX_NAMES])
        more = len(outcome.names) - len(shown)
        values["measure_names"] = ", ".join(shown) + (f" (+{more})" if more > 0 else "")
    return values


def _labels(figures: Iterable[IndicatorFigure], lang: str) -> list[str]:
    figures = [figure for figure in figures if figure.value is not None]
    labels = []
    if any(figure.flag == "partial" for figure in figures):
        labels.append(LABELS["partial"][lang])
    if any(figure.is_demo for figure in figures):
        labels.append(LABELS["demo"][lang])
    return labels


def _describe_missing(missing: list[str], context: _Context, lang: str) -> str:
    parts = []
    for item in missing:
        code, _, part = item.partition(":")
        if part == "unanswered":
            parts.append(code)
            continue
        figure = context.figures.get(code)
        name = figure.name_in(lang, code) if figure else code
        if figure is not None and figure.period:
            name += f" {format_period(figure.period)}"
        parts.append(f"{name} ({MISSING_PARTS[part][lang]})" if part in MISSING_PARTS else name)
    return "; ".join(parts)


def format_number(value: float | None, lang: str, decimals: int = 1, *, signed: bool = False) -> str:
    """A number as written in ``lang``: 1 234,5 in Finnish and Swedish, 1,234.5 in English; "–" for None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NOT_AVAILABLE
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def format_period(period: str) -> str:
    """``2025-12`` → ``12/2025``; anything else unchanged."""
    if len(period) == 7 and period[4] == "-":
        return f"{period[5:]}/{period[:4]}"
    return period


def format_answer(question: Question | None, value: object, lang: str) -> str:
    """An answer as a person reads it: yes/no, a scale level with its label, option labels or measure names."""
    if _blank(value):
        return NOT_AVAILABLE
    if isinstance(value, bool):
        return YES_NO.get(lang, YES_NO["fi"])[value]
    if _is_number(value):
        decimals = 0 if float(value).is_integer() else 1
        text = format_number(float(value), lang, decimals)
        if question is not None and question.type == "scale" and question.scale_labels and isinstance(value, int) \
                and 1 <= value <= len(question.scale_labels):
            return f"{text} – {question.scale_labels[value - 1].get(lang)}"
        return text
    if isinstance(value, str):
        if question is not None and question.type == "single":
            return question.option_label(value, lang)
        return value if len(value) <= 80 else value[:79] + "…"
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return ", ".join(question.option_label(item, lang) if question else item for item in value)
        return ", ".join(_row_names(value))
    return str(value)
