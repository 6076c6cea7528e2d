"""Evaluate gap rules for one area: a pure, deterministic function from rules, answers and figures to points.

Conditions are decided with three values: holds, does not hold, or cannot be decided. A condition that cannot
be decided says why: a figure (or its country value, its year-earlier value) is missing, a partial figure's
missing part could reverse the comparison, or a question is not answered yet. ``all`` fails as soon as one part
fails; ``any`` holds as soon as one part holds; only otherwise does an undecided part make the whole undecided.
Then:

* holds → a discussion point of the rule's kind and severity; but a comparison of counts of people that is not
  beyond random variation (``significance.py``: its 95 % interval, a minimum number of people, a minimum base)
  holds only *weakly*, and a point resting on weak comparisons is at most ``info``, saying why;
* undecided because a question is not answered yet → nothing: the check runs once the area answers;
* undecided only because statistics are missing or partial → a ``missing_data`` point of severity ``info``
  naming the missing figures and their months. Missing data therefore never produces an alarm.

A figure is read by its bounds: a partial figure (a member's cell suppressed) raises nothing that the missing
part could reverse. A question that is not shown to the area (``visible_if``) is not applicable: its conditions
do not hold, and its stored answer is ignored. A rule may lower its severity to info with ``info_when``; when
that cannot be decided for lack of data, the lower severity is used and the missing figure is named. A message
sentence that quotes a figure that is not available is left out and the missing figure named instead. Partial
and demo figures, and demo answers, are labelled in the message. Texts come from the i18n catalogue.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from yse_core import formatting
from yse_core.i18n import t
from yse_core.questionnaire.answers import is_visible
from yse_core.questionnaire.models import LANGUAGES, MEASURE_FIELDS, Question, Questionnaire

from . import significance
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

NOT_AVAILABLE = formatting.MISSING  # a placeholder's value when the figure is not available: such sentences are left out
MAX_NAMES = 10  # measure names quoted in one message
MAX_EVIDENCE = 2  # "why it matters" sentences in one message
UNIT_KEYS = {"percent": "gaps.unit.percent", "days": "gaps.unit.days", "persons": "gaps.unit.persons",
             "count": "gaps.unit.count"}
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-ZÅÄÖ{])")

Statistic = Literal["share", "count", "average", "other"]


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator for one area and period, with the whole country's value beside it.

    ``yoy``/``country_yoy`` are the change over a year: in percentage points for a share, in % for a count.
    ``value`` None means the figure is missing or suppressed. ``low``/``high`` bound the true value of a
    partial figure (None: not known); ``base`` is the number of people (or cases) behind the figure — a share's
    or an average's denominator, a count itself — without which random variation cannot be judged.
    ``areas`` holds every area's value in the period, for comparisons with the areas' distribution.
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
    code: str = ""
    statistic: Statistic = "other"
    scale: float = 100.0
    low: float | None = None
    high: float | None = None
    missing_members: tuple[tuple[str, str, str], ...] = ()  # (code, name_fi, name_sv) of members left out
    base: float | None = None
    base_unit: str = "persons"
    period_year_ago: str = ""
    value_year_ago: float | None = None
    flag_year_ago: str = "ok"
    low_year_ago: float | None = None
    high_year_ago: float | None = None
    base_year_ago: float | None = None
    country_value_year_ago: float | None = None
    areas: tuple[float, ...] = ()
    source: str = ""
    computed: bool = False
    membership_verified: bool | None = None

    def name_in(self, lang: str, fallback: str = "") -> str:
        """The indicator's name in ``lang`` (Finnish, then ``fallback``, when that is missing)."""
        return self.name.get(lang) or self.name.get("fi") or fallback

    def bounds(self) -> tuple[float | None, float | None]:
        """Lowest and highest possible true value: the value itself unless the figure is partial."""
        return _bounds(self.value, self.flag, self.low, self.high, self.statistic, self.scale)

    def bounds_year_ago(self) -> tuple[float | None, float | None]:
        """The same for the value a year earlier."""
        return _bounds(self.value_year_ago, self.flag_year_ago, self.low_year_ago, self.high_year_ago, self.statistic,
                       self.scale)

    def to_dict(self) -> dict:
        """Plain JSON-ready data (``areas`` as its count: the distribution itself is in every area's figure)."""
        return {
            "code": self.code, "value": self.value, "country_value": self.country_value, "period": self.period,
            "yoy": self.yoy, "country_yoy": self.country_yoy, "flag": self.flag, "is_demo": self.is_demo,
            "unit": self.unit, "name": dict(self.name), "higher_is_worse": self.higher_is_worse,
            "low": self.low, "high": self.high, "missing_members": [code for code, *_ in self.missing_members],
            "base": self.base, "period_year_ago": self.period_year_ago, "value_year_ago": self.value_year_ago,
            "country_value_year_ago": self.country_value_year_ago, "areas_compared": len(self.areas),
            "source": self.source, "computed": self.computed, "membership_verified": self.membership_verified,
        }


def _bounds(value, flag, low, high, statistic, scale) -> tuple[float | None, float | None]:
    if value is None and low is None:
        return None, None
    if flag == "ok" and value is not None:
        return value, value
    floor = 0.0 if statistic in ("share", "count", "average") else -math.inf
    ceiling = scale if statistic == "share" else math.inf
    return (low if low is not None else floor), (high if high is not None else ceiling)


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
    weak: tuple[str, ...] = ()  # why a point is only info: "CODE:within", "CODE:small", "CODE:no_counts", …
    demo_answers: bool = False

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

    @property
    def is_demo(self) -> bool:
        """True when the point reads a demo figure or a demo answer."""
        return self.demo_answers or any(figure.is_demo for figure in self.figures.values() if figure.value is not None)

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return {
            "area_id": self.area_id, "rule_id": self.rule_id, "kind": self.kind, "theme": self.theme,
            "severity": self.severity, "title": dict(self.title), "message": dict(self.messages),
            "figures": {code: figure.to_dict() for code, figure in self.figures.items()},
            "answers": dict(self.answers), "missing": list(self.missing), "weak": list(self.weak),
            "demo_answers": self.demo_answers, "is_demo": self.is_demo,
        }


@dataclass(frozen=True)
class _Evidence:
    """Why a comparison matters, for the message: what was compared and the test's outcome."""

    code: str
    kind: Literal["country", "limit", "change", "areas"]
    observed: float
    reference: float
    test: significance.Test
    quantile: float | None = None


@dataclass(frozen=True)
class _Outcome:
    holds: bool | None  # None: cannot be decided
    missing: tuple[str, ...] = ()  # figure parts lacking: "CODE", "CODE:country", "CODE:year_ago", "CODE:partial", …
    unanswered: tuple[str, ...] = ()  # question ids not answered yet
    names: tuple[str, ...] = ()  # measure names behind a holding measures condition
    weak: tuple[str, ...] = ()  # comparisons that hold but not beyond random variation: "CODE:reason"
    evidence: tuple[_Evidence, ...] = ()


_HOLDS = _Outcome(True)
_FAILS = _Outcome(False)


def _merge(outcomes: Iterable[_Outcome], holds: bool | None, *, weak: bool = True) -> _Outcome:
    outcomes = list(outcomes)

    def joined(name: str) -> tuple:
        return tuple(dict.fromkeys(item for outcome in outcomes for item in getattr(outcome, name)))

    return _Outcome(holds, joined("missing"), joined("unanswered"), joined("names"), joined("weak") if weak else (),
                    joined("evidence"))


def evaluate(
    rules: GapRules | Iterable[GapRule],
    area: Mapping[str, object],
    answers: Mapping[str, object],
    indicators: Mapping[str, IndicatorFigure],
    questionnaire: Questionnaire | None = None,
) -> list[DiscussionPoint]:
    """Return the discussion points of one area, most severe first, then in the rules' order.

    ``area`` may say ``demo_answers: True``: the area's answers are invented demo answers, and its points say so.
    """
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
        if context.applicable(question_id) and not blank_answer(context.answers.get(question_id))
    }
    area_id = context.area.get("id") if isinstance(context.area.get("id"), str) else None
    demo_answers = bool(context.area.get("demo_answers")) and bool(answers)
    if outcome.holds is None:
        missing = list(outcome.missing)
        messages = {}
        for lang in LANGUAGES:
            text = t("gaps.missing_check", lang, title=rule.title.get(lang),
                     missing=_describe_missing(missing, context, lang))
            messages[lang] = " ".join([text, *_labels(figures.values(), demo_answers, lang)])
        return DiscussionPoint(rule.id, MISSING_DATA, rule.theme, "info", rule.title.model_dump(), messages, figures,
                               answers, missing, area_id, demo_answers=demo_answers)
    severity = rule.severity
    weak = outcome.weak if severity != "info" else ()
    if weak:
        severity = "info"
    lowered: list[str] = []
    if rule.info_when is not None and severity != "info":
        lowering = _decide(rule.info_when, context)
        if lowering.holds is not False:
            severity = "info"
            if lowering.holds is None:
                lowered = list(lowering.missing) + [f"{question_id}:unanswered" for question_id in lowering.unanswered]
    messages = {}
    for lang in LANGUAGES:
        text, unavailable = _render(getattr(rule.message, lang), _values(rule, context, outcome, lang))
        parts = [text]
        if unavailable:
            parts.append(t("gaps.missing_sentence", lang, missing=_describe_missing(unavailable, context, lang)))
        parts += [_evidence_text(item, context, lang) for item in _strongest(outcome.evidence, weak)]
        if weak:
            parts.append(_weak_text(weak[0], context, lang))
        if lowered:
            parts.append(t("gaps.lowered", lang, missing=_describe_missing(lowered, context, lang)))
        parts += _labels(figures.values(), demo_answers, lang)
        messages[lang] = " ".join(part for part in parts if part)
    return DiscussionPoint(rule.id, rule.kind, rule.theme, severity, rule.title.model_dump(), messages, figures, answers,
                           lowered, area_id, weak=weak, demo_answers=demo_answers)


# --- deciding conditions ---------------------------------------------------------------------------------


def _decide(condition: object, context: _Context) -> _Outcome:
    if isinstance(condition, AllOf):
        parts = [_decide(child, context) for child in condition.all_]
        if any(part.holds is False for part in parts):
            return _FAILS
        if any(part.holds is None for part in parts):
            return _merge((part for part in parts if part.holds is None), None)
        return _merge(parts, True)  # weak when any part is weak
    if isinstance(condition, AnyOf):
        parts = [_decide(child, context) for child in condition.any_]
        holding = [part for part in parts if part.holds is True]
        if holding:
            strong = [part for part in holding if not part.weak]
            return _merge(strong or holding, True)  # strong when any holding part is strong
        if any(part.holds is None for part in parts):
            return _merge((part for part in parts if part.holds is None), None)
        return _FAILS
    if isinstance(condition, IndicatorCondition):
        return _decide_figure(condition, context.figures)
    if isinstance(condition, AnswerCondition):
        return _decide_answer(condition, context)
    raise TypeError(f"not a condition: {condition!r}")


@dataclass(frozen=True)
class _Compared:
    """A figure prepared for a comparison (a ``per`` quotient already taken)."""

    value: float
    low: float
    high: float
    country: float | None
    base: float | None
    statistic: Statistic
    scale: float


def _prepared(condition: IndicatorCondition, figures: Mapping[str, IndicatorFigure], missing: list[str]) -> _Compared | None:
    code = condition.indicator
    figure = figures.get(code)
    if figure is None or figure.value is None:
        missing.append(code)
        return None
    low, high = figure.bounds()
    country = figure.country_value
    if condition.per is None:
        return _Compared(figure.value, low, high, country, figure.base, figure.statistic, figure.scale)
    divisor = figures.get(condition.per)
    if divisor is None or not divisor.value:
        missing.append(condition.per)
        return None
    divisor_low, divisor_high = divisor.bounds()
    per_country = divisor.country_value
    country = country / per_country * 100 if country is not None and per_country else None
    return _Compared(figure.value / divisor.value * 100, low / divisor_high * 100 if divisor_high else 0.0,
                     high / divisor_low * 100 if divisor_low else math.inf, country, divisor.value, "share", 100.0)


def _test_against(compared: _Compared, reference: float) -> significance.Test:
    if compared.statistic == "share":
        return significance.share_against(compared.value / compared.scale, reference / compared.scale, compared.base)
    if compared.statistic == "average":
        return significance.average_against(compared.value, reference, compared.base)
    return significance.Test("unknown")


def _weak_reason(code: str, test: significance.Test, upwards: bool) -> tuple[str, ...]:
    """() when the test shows the difference, in the expected direction, beyond random variation."""
    if test.beyond and (test.z > 0) == upwards:
        return ()
    reason = {"beyond": "within", "within": "within", "small": "small", "few": "few", "unknown": "no_counts"}[test.verdict]
    return (f"{code}:{reason}",)


def _decide_figure(condition: IndicatorCondition, figures: Mapping[str, IndicatorFigure]) -> _Outcome:
    code = condition.indicator
    compare = condition.compare
    if compare == "growing_faster_than_country":
        return _decide_growth(condition, figures.get(code))
    missing: list[str] = []
    compared = _prepared(condition, figures, missing)
    figure = figures.get(code)
    uses_country = compare not in ("above", "below", "below_areas", "above_areas")
    if compared is not None and uses_country and compared.country is None:
        missing.append(f"{condition.per}:country" if figure.country_value is not None else f"{code}:country")
    if compare in ("worse_than_country", "better_than_country") and figure is not None:
        if figure.higher_is_worse is None:
            missing.append(f"{code}:direction")
        else:
            higher_wanted = figure.higher_is_worse == (compare == "worse_than_country")
            compare = "above_country" if higher_wanted else "below_country"
    reference: float | None = None
    kind: Literal["country", "limit", "areas"] = "limit"
    quantile_value = None
    if compared is not None and not missing:
        if compare in ("above", "below"):
            reference = condition.value
        elif compare in ("below_areas", "above_areas"):
            quantile_value = significance.quantile(figure.areas, condition.quantile)
            if quantile_value is None:
                missing.append(f"{code}:areas")
            reference, kind = quantile_value, "areas"
        else:
            reference, kind = compared.country, "country"
    if missing:
        return _Outcome(None, tuple(dict.fromkeys(missing)))
    upwards = compare in ("above", "above_country", "above_areas")
    threshold = reference * condition.by_ratio if compare == "above_country" else (
        reference / condition.by_ratio if compare == "below_country" else reference)
    holds_at_value = compared.value > threshold if upwards else compared.value < threshold
    if not holds_at_value:
        return _FAILS
    holds_at_bound = compared.low > threshold if upwards else compared.high < threshold
    if not holds_at_bound:  # the missing part of a partial figure could reverse it
        return _Outcome(None, (f"{code}:partial",))
    test = _test_against(compared, reference)
    evidence = _Evidence(code, kind, compared.value, reference, test, condition.quantile)
    return _Outcome(True, weak=_weak_reason(code, test, upwards), evidence=(evidence,))


def _decide_growth(condition: IndicatorCondition, figure: IndicatorFigure | None) -> _Outcome:
    code = condition.indicator
    if figure is None or figure.value is None:
        return _Outcome(None, (code,))
    change, change_low, test = _change(figure)
    missing = []
    if change is None:
        missing.append(f"{code}:year_ago")
    country_change = _country_change(figure)
    if country_change is None:
        missing.append(f"{code}:country_year_ago")
    if missing:
        return _Outcome(None, tuple(missing))
    if not change - country_change > condition.by_points:
        return _FAILS
    if not change_low - country_change > condition.by_points:
        return _Outcome(None, (f"{code}:partial",))
    if test is None:
        test = _growth_test(figure, country_change)
    evidence = _Evidence(code, "change", change, country_change, test)
    return _Outcome(True, weak=_weak_reason(code, test, True), evidence=(evidence,))


def _change(figure: IndicatorFigure) -> tuple[float | None, float | None, significance.Test | None]:
    """The change over a year (points for a share, % for a count), its lowest possible value, and a test if untestable."""
    if figure.value_year_ago is None:
        if figure.yoy is None:
            return None, None, None
        exact = figure.flag == "ok"
        return figure.yoy, figure.yoy if exact else -math.inf, significance.Test("unknown")
    low, _high = figure.bounds()
    _low_before, high_before = figure.bounds_year_ago()
    if figure.statistic == "share":
        return figure.value - figure.value_year_ago, low - high_before, None
    if not figure.value_year_ago or not high_before:
        return None, None, None
    return (figure.value / figure.value_year_ago - 1) * 100, (low / high_before - 1) * 100, None


def _country_change(figure: IndicatorFigure) -> float | None:
    if figure.country_value is not None and figure.country_value_year_ago is not None:
        if figure.statistic == "share":
            return figure.country_value - figure.country_value_year_ago
        if figure.country_value_year_ago:
            return (figure.country_value / figure.country_value_year_ago - 1) * 100
        return None
    return figure.country_yoy


def _growth_test(figure: IndicatorFigure, country_change: float) -> significance.Test:
    if figure.statistic == "share":
        scale = figure.scale
        return significance.share_change_against(figure.value / scale, figure.base, figure.value_year_ago / scale,
                                                 figure.base_year_ago, country_change / scale)
    if figure.statistic == "count":
        return significance.count_change_against(figure.value, figure.value_year_ago, 1 + country_change / 100)
    return significance.Test("unknown")


def _decide_answer(condition: AnswerCondition, context: _Context) -> _Outcome:
    question_id = condition.question
    if not context.applicable(question_id):
        return _FAILS  # not shown to this area: not applicable
    value = context.answers.get(question_id)
    answered = not blank_answer(value)
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
    return _decide_differs(condition, value, context.figures.get(condition.differs_from))


def _decide_differs(condition: AnswerCondition, value: float, figure: IndicatorFigure | None) -> _Outcome:
    """A reported number against the statistics: far beyond the threshold at every bound, and beyond variation."""
    code = condition.differs_from
    if figure is None or figure.value is None:
        return _Outcome(None, (code,))
    low, high = figure.bounds()

    def far(statistic_value: float) -> bool:
        if condition.by_points is not None:
            return abs(value - statistic_value) > condition.by_points
        smaller, larger = sorted((abs(value), abs(statistic_value)))
        return larger != 0 and (smaller == 0 or larger / smaller > condition.by_ratio)

    if not far(figure.value):
        return _FAILS
    if not (far(low) and far(high) and (value > high or value < low)):
        return _Outcome(None, (f"{code}:partial",))
    compared = _Compared(figure.value, low, high, figure.country_value, figure.base, figure.statistic, figure.scale)
    test = _test_against(compared, value)
    evidence = _Evidence(code, "limit", figure.value, value, test)
    return _Outcome(True, weak=_weak_reason(code, test, figure.value > value), evidence=(evidence,))


blank_answer = formatting.blank  # one rule for "no answer" in views, exports and gap rules


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _same(left: object, right: object) -> bool:
    """Equality that keeps true apart from 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return left == right


def _field_missing(field_name: str, value: object) -> bool:
    """A blank cell; for a choice field, also its "none" option (e.g. no regular follow-up)."""
    if blank_answer(value):
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


def _render(template: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """The template filled in, without the sentences that quote an unavailable value; and what those lacked."""
    kept, unavailable = [], []
    for sentence in _SENTENCE_END.split(template):
        names = [name for _literal, name, _spec, _conversion in _formatter_parse(sentence) if name]
        lacking = [values[f"{name}:lacks"] for name in names if values.get(name) == NOT_AVAILABLE]
        if lacking:
            unavailable += [item for item in lacking if item]
            continue
        kept.append(sentence.format_map(values))
    return " ".join(kept), list(dict.fromkeys(unavailable))


def _formatter_parse(text: str):
    return string.Formatter().parse(text)


def _values(rule: GapRule, context: _Context, outcome: _Outcome, lang: str) -> dict[str, str]:
    """Every known placeholder → its text in ``lang``; "–" (and ``name:lacks``, what is missing) where unavailable."""
    values = dict.fromkeys(PLACEHOLDERS, NOT_AVAILABLE)
    area = context.area
    values["area_name"] = str(area.get(f"name_{lang}") or area.get("name_fi") or area.get("id") or NOT_AVAILABLE)
    for suffix, code in zip(POSITION_SUFFIXES, rule.indicators, strict=False):
        figure = context.figures.get(code)
        values[f"indicator_name{suffix}"] = figure.name_in(lang, code) if figure else code
        for name, part in (("area_value", ""), ("country_value", ":country"), ("area_yoy", ":year_ago"),
                           ("country_yoy", ":country_year_ago"), ("unit", ""), ("period", "")):
            values[f"{name}{suffix}:lacks"] = code + part
        if figure is None:
            continue
        values[f"unit{suffix}"] = t(UNIT_KEYS[figure.unit], lang) if figure.unit in UNIT_KEYS else figure.unit
        values[f"period{suffix}"] = formatting.period(figure.period)
        decimals = figure.decimals if figure.decimals is not None else (0 if figure.unit in ("persons", "count") else 1)
        values[f"area_value{suffix}"] = _figure_value(figure, lang, decimals)
        values[f"country_value{suffix}"] = formatting.number(figure.country_value, lang, decimals)
        change, _low, _test = _change(figure)
        values[f"area_yoy{suffix}"] = formatting.number(change, lang, 1, signed=True)
        values[f"country_yoy{suffix}"] = formatting.number(_country_change(figure), lang, 1, signed=True)
    for name, question_id in zip(ANSWER_PLACEHOLDERS, rule.questions, strict=False):
        values[name] = t("gaps.unanswered", lang)
        if context.applicable(question_id) and not blank_answer(context.answers.get(question_id)):
            values[name] = formatting.answer_text(context.question(question_id), context.answers.get(question_id), lang,
                                                   form="quote")
    if outcome.names:
        shown = list(outcome.names[:MAX_NAMES])
        more = len(outcome.names) - len(shown)
        values["measure_names"] = ", ".join(shown) + (f" (+{more})" if more > 0 else "")
    values["measure_names:lacks"] = ""
    return values


def _figure_value(figure: IndicatorFigure, lang: str, decimals: int) -> str:
    """The area's value; a partial count known only from below reads "at least N"."""
    if figure.value is None:
        return NOT_AVAILABLE
    if figure.flag == "partial" and figure.statistic == "count" and figure.high is None:
        low = figure.low if figure.low is not None else figure.value
        return t("gaps.at_least", lang, value=formatting.number(low, lang, decimals))
    return formatting.number(figure.value, lang, decimals)


def _strongest(evidence: tuple[_Evidence, ...], weak: tuple[str, ...]) -> list[_Evidence]:
    """The evidence worth a sentence: the comparisons beyond random variation, one per figure."""
    if weak:
        return []
    chosen: dict[str, _Evidence] = {}
    for item in evidence:
        if item.test.beyond or item.kind == "areas":
            chosen.setdefault(item.code, item)
    return list(chosen.values())[:MAX_EVIDENCE]


def _difference_text(figure: IndicatorFigure | None, difference: float, lang: str) -> str:
    unit = figure.unit if figure else "percent"
    decimals = 1 if unit in ("percent", "days") else 0
    number = formatting.number(abs(difference), lang, decimals)
    key = "gaps.unit.points" if unit == "percent" else UNIT_KEYS.get(unit, "gaps.unit.count")
    return f"{number} {t(key, lang)}"


def _base_text(figure: IndicatorFigure | None, base: float | None, lang: str) -> str:
    if base is None:
        return NOT_AVAILABLE
    unit = figure.base_unit if figure else "persons"
    return f"{formatting.number(base, lang, 0)} {t(UNIT_KEYS.get(unit, 'gaps.unit.count'), lang)}"


def _evidence_text(item: _Evidence, context: _Context, lang: str) -> str:
    figure = context.figures.get(item.code)
    name = figure.name_in(lang, item.code) if figure else item.code
    base = _base_text(figure, item.test.base, lang)
    if item.kind == "areas":
        decimals = figure.decimals if figure and figure.decimals is not None else 1
        return t("gaps.evidence.areas", lang, name=name, percent=formatting.number(item.quantile * 100, lang, 0),
                 reference=formatting.number(item.reference, lang, decimals), count=len(figure.areas) if figure else 0)
    difference = _difference_text(figure, item.observed - item.reference, lang)
    direction = t("gaps.evidence.above" if item.observed > item.reference else "gaps.evidence.below", lang)
    if item.kind == "change":
        return t("gaps.evidence.change", lang, name=name, difference=difference, direction=direction, base=base)
    if item.kind == "country":
        return t("gaps.evidence.country", lang, difference=difference, direction=direction, base=base)
    decimals = figure.decimals if figure and figure.decimals is not None else 1
    return t("gaps.evidence.limit", lang, difference=difference, direction=direction, base=base,
             limit=formatting.number(item.reference, lang, decimals))


def _weak_text(reason: str, context: _Context, lang: str) -> str:
    code, _, kind = reason.partition(":")
    figure = context.figures.get(code)
    name = figure.name_in(lang, code) if figure else code
    base = figure.base if figure else None
    return t(f"gaps.weak.{kind}", lang, name=name, base=_base_text(figure, base, lang),
             minimum=significance.MIN_COUNT, people=significance.MIN_PEOPLE)


def _labels(figures: Iterable[IndicatorFigure], demo_answers: bool, lang: str) -> list[str]:
    figures = [figure for figure in figures if figure.value is not None]
    labels = []
    partial = [figure for figure in figures if figure.flag == "partial"]
    if partial:
        members = list(dict.fromkeys(_member_name(member, lang) for figure in partial for member in figure.missing_members))
        labels.append(t("gaps.label.partial_members", lang, members=", ".join(members)) if members
                      else t("gaps.label.partial", lang))
    if any(figure.is_demo for figure in figures):
        labels.append(t("gaps.label.demo", lang))
    if demo_answers:
        labels.append(t("gaps.label.demo_answers", lang))
    return labels


def _member_name(member: tuple[str, str, str], lang: str) -> str:
    code, name_fi, name_sv = member
    return (name_sv if lang == "sv" and name_sv else name_fi) or code


def _describe_missing(missing: list[str], context: _Context, lang: str) -> str:
    parts = []
    for item in missing:
        code, _, part = item.partition(":")
        if part == "unanswered":
            parts.append(code)
            continue
        figure = context.figures.get(code)
        name = figure.name_in(lang, code) if figure else code
        period = figure.period if figure else ""
        if part in ("year_ago", "country_year_ago") and figure is not None:
            period = figure.period_year_ago or (_year_earlier(figure.period) if figure.period else "")
        if period:
            name += f" {formatting.period(period)}"
        if part == "partial" and figure is not None and figure.missing_members:
            members = ", ".join(_member_name(member, lang) for member in figure.missing_members)
            parts.append(f"{name} ({t('gaps.missing_part.partial_members', lang, members=members)})")
        elif part:
            parts.append(f"{name} ({t(f'gaps.missing_part.{part}', lang)})")
        else:
            parts.append(name)
    return "; ".join(parts)


def _year_earlier(period: str) -> str:
    return f"{int(period[:4]) - 1:04d}{period[4:]}" if period[:4].isdigit() else period
