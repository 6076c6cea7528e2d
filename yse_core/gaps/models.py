"""Gap rules as validated data: pydantic models of ``rules.yaml`` and the checks against the catalogue and questionnaire.

A rule is a declarative condition tree (``all`` / ``any`` of indicator and answer conditions), never an
expression string: nothing here is evaluated with ``eval``. Structural problems are found by pydantic
(unknown keys, wrong types); cross-references (indicator codes, question ids, option ids, themes) are checked
by ``reference_problems`` when the catalogue and questionnaire are at hand. Both report ``(location, message)``
pairs so that the loader can name the exact place, e.g. ``rules[3].when.all[0].indicator``.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Annotated, Literal, Union

from pydantic import (
    Discriminator,
    Field,
    StrictBool,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from yse_core.errors import YseError
from yse_core.indicators.catalogue import Catalogue
from yse_core.questionnaire.models import (
    INDICATOR_CODE_PATTERN,
    LANGUAGES,
    MEASURE_FIELDS,
    SCALE_LEVELS,
    SLUG_PATTERN,
    Question,
    Questionnaire,
)
from yse_core.yaml_models import Number, Scalar, Strict, Texts, rule_error


class GapRuleError(YseError):
    """A gap rules file is malformed: names the file, the place inside it and the problem."""


KINDS = (
    "need_without_response",
    "self_assessment_contradicts",
    "activity_not_visible",
    "measure_without_tracking",
    "implausible_figure",
)
MISSING_DATA = "missing_data"  # the kind of a point saying a figure a rule needs is missing (never a rule kind)
SEVERITIES = ("high", "medium", "info")
SEVERITY_RANK = {"high": 3, "medium": 2, "info": 1}
COMPARISONS = (
    "above",
    "below",
    "above_country",
    "below_country",
    "worse_than_country",
    "better_than_country",
    "growing_faster_than_country",
    "below_areas",
    "above_areas",
)
# The parameter each comparison needs: a fixed value, a ratio to the country, points, or a quantile of the areas.
COMPARISON_PARAMETER = {
    "above": "value",
    "below": "value",
    "above_country": "by_ratio",
    "below_country": "by_ratio",
    "worse_than_country": "by_ratio",
    "better_than_country": "by_ratio",
    "growing_faster_than_country": "by_points",
    "below_areas": "quantile",
    "above_areas": "quantile",
}
ANSWER_TESTS = ("equals", "at_least", "at_most", "unanswered", "empty", "rows_missing_field", "differs_from")

# Placeholders a message may use. Figure placeholders quote the rule's first indicator; the suffixes _2 and
# _3 quote the second and third. {answer} quotes the first question's answer, {answer_2} the second.
FIGURE_PLACEHOLDERS = ("indicator_name", "area_value", "country_value", "unit", "area_yoy", "country_yoy", "period")
POSITION_SUFFIXES = ("", "_2", "_3")
ANSWER_PLACEHOLDERS = ("answer", "answer_2", "answer_3")
PLACEHOLDERS = frozenset(
    {"area_name", "measure_names"}
    | {name + suffix for name in FIGURE_PLACEHOLDERS for suffix in POSITION_SUFFIXES}
    | set(ANSWER_PLACEHOLDERS)
)

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
IndicatorCode = Annotated[str, Field(pattern=INDICATOR_CODE_PATTERN)]
Location = tuple[str | int, ...]
Problem = tuple[Location, str]


def _rule_error(problems: list[tuple[Location, str]]) -> PydanticCustomError:
    """One validation error carrying every problem found, each with its location relative to the model."""
    # Transitional: the gap rules' own problem texts are still English literals (shown as they are).
    return rule_error([(loc, YseError(text)) for loc, text in problems])


class IndicatorCondition(Strict):
    """A test on one figure: against a fixed value, against the whole country, or its growth against the country's.

    ``per`` divides the figure by another code first (both in the area and in the country), e.g. fully laid-off
    people per unemployed jobseeker, so that areas of different size can be compared.
    """

    indicator: IndicatorCode
    compare: Literal[COMPARISONS]  # type: ignore[valid-type]
    value: Number | None = None
    by_ratio: Number | None = None
    by_points: Number | None = None
    quantile: Number | None = None
    per: IndicatorCode | None = None

    @model_validator(mode="after")
    def _parameters_fit(self) -> IndicatorCondition:
        wanted = COMPARISON_PARAMETER[self.compare]
        problems: list[Problem] = []
        for name in ("value", "by_ratio", "by_points", "quantile"):
            given = getattr(self, name) is not None
            if name == wanted and not given:
                problems.append(((), f"compare: {self.compare} needs '{wanted}'"))
            elif name != wanted and given:
                problems.append(((name,), f"'{name}' does not go with compare: {self.compare} (it needs '{wanted}')"))
        if self.by_ratio is not None and self.by_ratio < 1:
            problems.append((("by_ratio",), f"must be at least 1 (1.10 means 10 % beyond the country), got {self.by_ratio}"))
        if self.by_points is not None and self.by_points < 0:
            problems.append((("by_points",), f"must not be negative, got {self.by_points}"))
        if self.quantile is not None and not 0 < self.quantile < 1:
            problems.append((("quantile",), f"must be between 0 and 1 (0.25: the lower quartile of the areas), got {self.quantile}"))
        if self.per is not None and self.compare in ("growing_faster_than_country", "below_areas", "above_areas"):
            problems.append((("per",), f"'per' cannot be combined with {self.compare}"))
        if self.per == self.indicator:
            problems.append((("per",), "a figure cannot be divided by itself"))
        if problems:
            raise _rule_error(problems)
        return self

    def indicator_codes(self) -> list[str]:
        """The codes this condition reads."""
        return [self.indicator] + ([self.per] if self.per else [])


class AnswerCondition(Strict):
    """A test on one answer: exactly one of equals, at_least, at_most, unanswered, empty, rows_missing_field, differs_from.

    ``differs_from`` compares a number the area reported with a figure in the statistics, by percentage
    points (``by_points``) or by a factor either way (``by_ratio``).
    """

    question: Slug
    equals: Scalar | None = None
    at_least: Number | None = None
    at_most: Number | None = None
    unanswered: StrictBool | None = None
    empty: StrictBool | None = None
    rows_missing_field: tuple[str, ...] | None = None
    differs_from: IndicatorCode | None = None
    by_points: Number | None = None
    by_ratio: Number | None = None

    @field_validator("rows_missing_field", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("rows_missing_field")
    @classmethod
    def _known_fields(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("name at least one field of a measures row")
        problems: list[Problem] = []
        for index, field in enumerate(value):
            if field not in MEASURE_FIELDS or field == "name":
                allowed = ", ".join(key for key in MEASURE_FIELDS if key != "name")
                problems.append(((index,), f"'{field}' is not a field a measures row can lack (fields: {allowed})"))
        if problems:
            raise _rule_error(problems)
        return value

    @model_validator(mode="after")
    def _one_test(self) -> AnswerCondition:
        given = [name for name in ANSWER_TESTS if getattr(self, name) is not None]
        problems: list[Problem] = []
        if len(given) != 1:
            found = f"found {', '.join(given)}" if given else "found none"
            problems.append(((), f"an answer condition needs exactly one of {', '.join(ANSWER_TESTS)} ({found})"))
        if self.differs_from is not None:
            if (self.by_points is None) == (self.by_ratio is None):
                problems.append(((), "differs_from needs exactly one of 'by_points' or 'by_ratio'"))
            if self.by_ratio is not None and self.by_ratio <= 1:
                problems.append((("by_ratio",), f"must be more than 1 (2 means twice or half), got {self.by_ratio}"))
            if self.by_points is not None and self.by_points < 0:
                problems.append((("by_points",), f"must not be negative, got {self.by_points}"))
        else:
            for name in ("by_points", "by_ratio"):
                if getattr(self, name) is not None:
                    problems.append(((name,), f"'{name}' only goes with differs_from"))
        if problems:
            raise _rule_error(problems)
        return self

    @property
    def test(self) -> str:
        """The name of the one test this condition makes."""
        return next(name for name in ANSWER_TESTS if getattr(self, name) is not None)

    def indicator_codes(self) -> list[str]:
        return [self.differs_from] if self.differs_from else []


def _condition_tag(value: object) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "indicator", "question"):
            if key in value:
                return f"{key}-condition"
        return None
    for model, tag in ((AllOf, "all-condition"), (AnyOf, "any-condition"), (IndicatorCondition, "indicator-condition"),
                       (AnswerCondition, "question-condition")):
        if isinstance(value, model):
            return tag
    return None


CONDITION_TAGS = frozenset({"all-condition", "any-condition", "indicator-condition", "question-condition"})

Condition = Annotated[
    Union[  # noqa: UP007 - tagged members need the Union form
        Annotated["AllOf", Tag("all-condition")],
        Annotated["AnyOf", Tag("any-condition")],
        Annotated[IndicatorCondition, Tag("indicator-condition")],
        Annotated[AnswerCondition, Tag("question-condition")],
    ],
    Discriminator(
        _condition_tag,
        custom_error_type="condition_form",
        custom_error_message="a condition must be a mapping with one of the keys indicator, question, all or any",
    ),
]


class AllOf(Strict):
    """Holds when every listed condition holds."""

    all_: list[Condition] = Field(alias="all", min_length=1)


class AnyOf(Strict):
    """Holds when at least one listed condition holds."""

    any_: list[Condition] = Field(alias="any", min_length=1)


AllOf.model_rebuild()
AnyOf.model_rebuild()


def walk(condition: object, path: Location = ()) -> Iterator[tuple[Location, IndicatorCondition | AnswerCondition]]:
    """Every leaf condition of a tree with its location relative to the tree's root."""
    if isinstance(condition, AllOf):
        for index, child in enumerate(condition.all_):
            yield from walk(child, (*path, "all", index))
    elif isinstance(condition, AnyOf):
        for index, child in enumerate(condition.any_):
            yield from walk(child, (*path, "any", index))
    elif isinstance(condition, (IndicatorCondition, AnswerCondition)):
        yield path, condition


def placeholders_in(template: str) -> list[str]:
    """The field names of a ``str.format`` template; ValueError if the template itself is broken."""
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        if conversion or spec:
            raise ValueError(f"placeholder {{{field}}} must not have a conversion or format ('!{conversion or ''}:{spec or ''}')")
        names.append(field)
    return names


class GapRule(Strict):
    """One rule: what it reads, when it fires, how severe the point is and the message it shows."""

    id: Slug
    kind: Literal[KINDS]  # type: ignore[valid-type]
    theme: Slug
    severity: Literal[SEVERITIES]  # type: ignore[valid-type]
    title: Texts
    indicators: list[IndicatorCode] = []
    questions: list[Slug] = Field(min_length=1)
    when: Condition
    info_when: Condition | None = None  # lowers the severity to info when this holds (or cannot be decided)
    message: Texts

    @model_validator(mode="after")
    def _consistent(self) -> GapRule:
        problems: list[Problem] = []
        for key in ("indicators", "questions"):
            seen: set[str] = set()
            for index, item in enumerate(getattr(self, key)):
                if item in seen:
                    problems.append(((key, index), f"'{item}' is listed twice"))
                seen.add(item)
        read_codes: list[str] = []
        read_questions: list[str] = []
        for part in ("when", "info_when"):
            for _path, leaf in walk(getattr(self, part)):
                read_codes += leaf.indicator_codes()
                if isinstance(leaf, AnswerCondition):
                    read_questions.append(leaf.question)
        for key, listed, read in (("indicators", self.indicators, read_codes), ("questions", self.questions, read_questions)):
            for item in dict.fromkeys(read):
                if item not in listed:
                    problems.append(((key,), f"'{item}' is read by a condition but not listed in '{key}'"))
            for index, item in enumerate(listed):
                if item not in read:
                    problems.append(((key, index), f"'{item}' is listed but no condition reads it"))
        if self.severity == "info" and self.info_when is not None:
            problems.append((("info_when",), "the severity is already info"))
        for lang in LANGUAGES:
            template = getattr(self.message, lang)
            try:
                names = placeholders_in(template)
            except ValueError as error:
                problems.append((("message", lang), f"broken template: {error}"))
                continue
            for name in names:
                problem = self._placeholder_problem(name)
                if problem:
                    problems.append((("message", lang), problem))
        if problems:
            raise _rule_error(problems)
        return self

    def _placeholder_problem(self, name: str) -> str | None:
        if name not in PLACEHOLDERS:
            known = ", ".join(sorted(PLACEHOLDERS))
            return f"unknown placeholder {{{name}}} (known: {known})"
        for position, suffix in enumerate(POSITION_SUFFIXES[1:], start=2):
            if name.endswith(suffix) and name.removesuffix(suffix) in FIGURE_PLACEHOLDERS and len(self.indicators) < position:
                return f"placeholder {{{name}}} needs at least {position} codes in 'indicators'"
        if name in ANSWER_PLACEHOLDERS and len(self.questions) < ANSWER_PLACEHOLDERS.index(name) + 1:
            return f"placeholder {{{name}}} needs at least {ANSWER_PLACEHOLDERS.index(name) + 1} ids in 'questions'"
        return None


class GapRules(Strict):
    """Every gap rule, in the order points of equal severity are listed."""

    questionnaire: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    rules: list[GapRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> GapRules:
        places: dict[str, int] = {}
        problems: list[Problem] = []
        for index, rule in enumerate(self.rules):
            if rule.id in places:
                problems.append((("rules", index, "id"), f"duplicate rule id '{rule.id}' (also rules[{places[rule.id]}])"))
            places.setdefault(rule.id, index)
        if problems:
            raise _rule_error(problems)
        return self

    def rule(self, rule_id: str) -> GapRule:
        """The rule with this id; KeyError names it if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no gap rule '{rule_id}'")

    def indicator_codes(self) -> list[str]:
        """Every code any rule reads, in first-use order."""
        return list(dict.fromkeys(code for rule in self.rules for code in rule.indicators))


# --- checks against the catalogue and the questionnaire -------------------------------------------


def yoy_code_for(catalogue: Catalogue, code: str) -> str | None:
    """The year-on-year % code describing the growth behind ``code``: its own, or its single numerator's.

    E.g. PITKAAIKAISTYOTTOMAT → PITKAAIKAISTYOTTOMAT_YOY_PCT and PITKAAIKAISTYOTTOMAT_SHARE → the same, so a
    rule on the share of long-term unemployed can ask whether long-term unemployment grows faster than in the country.
    """
    by_base = {indicator.yoy_of: indicator.code for indicator in catalogue.indicators if indicator.yoy == "percent"}
    if code in by_base:
        return by_base[code]
    if code not in catalogue:
        return None
    numerator = catalogue.get(code).numerator
    return by_base.get(numerator[0]) if len(numerator) == 1 else None


def reference_problems(
    rules: GapRules, catalogue: Catalogue | None = None, questionnaire: Questionnaire | None = None
) -> list[Problem]:
    """Every reference in the rules that the catalogue or the questionnaire does not know, with its location."""
    problems: list[Problem] = []
    if questionnaire is not None and rules.questionnaire != questionnaire.id:
        problems.append((("questionnaire",), f"the rules are for '{rules.questionnaire}', not for '{questionnaire.id}'"))
    questions = dict(questionnaire.questions_by_id()) if questionnaire is not None else None
    themes = {theme.id for theme in questionnaire.themes} if questionnaire is not None else None
    for index, rule in enumerate(rules.rules):
        here: Location = ("rules", index)
        if catalogue is not None:
            for position, code in enumerate(rule.indicators):
                if code not in catalogue:
                    problems.append(((*here, "indicators", position), f"unknown indicator code '{code}'"))
        if themes is not None and rule.theme not in themes:
            problems.append(((*here, "theme"), f"unknown theme '{rule.theme}' (themes: {', '.join(sorted(themes))})"))
        if questions is not None:
            for position, question_id in enumerate(rule.questions):
                if question_id not in questions:
                    problems.append(((*here, "questions", position), f"unknown question id '{question_id}'"))
        for part in ("when", "info_when"):
            for path, leaf in walk(getattr(rule, part)):
                where = (*here, part, *path)
                if catalogue is not None:
                    problems += [((*where, key), message) for key, message in _catalogue_problems(leaf, catalogue)]
                if questions is not None and isinstance(leaf, AnswerCondition):
                    question = questions.get(leaf.question)
                    if question is None:
                        problems.append(((*where, "question"), f"unknown question id '{leaf.question}'"))
                    else:
                        problem = _answer_problem(leaf, question)
                        if problem:
                            problems.append(((*where, leaf.test), problem))
    return problems


def _catalogue_problems(leaf: IndicatorCondition | AnswerCondition, catalogue: Catalogue) -> list[tuple[str, str]]:
    if isinstance(leaf, AnswerCondition):
        if leaf.differs_from and leaf.differs_from not in catalogue:
            return [("differs_from", f"unknown indicator code '{leaf.differs_from}'")]
        return []
    problems = []
    if leaf.indicator not in catalogue:
        return [("indicator", f"unknown indicator code '{leaf.indicator}'")]
    if leaf.per is not None and leaf.per not in catalogue:
        problems.append(("per", f"unknown indicator code '{leaf.per}'"))
    indicator = catalogue.get(leaf.indicator)
    if leaf.compare in ("worse_than_country", "better_than_country") and indicator.higher_is_worse is None:
        problems.append(("compare", f"{leaf.indicator} has no direction (higher_is_worse is null) so it cannot be "
                                    "worse or better: use above_country or below_country"))
    if leaf.compare == "growing_faster_than_country" and yoy_code_for(catalogue, leaf.indicator) is None:
        problems.append(("compare", f"{leaf.indicator} has no year-on-year % code in the catalogue"))
    return problems


def _answer_problem(leaf: AnswerCondition, question: Question) -> str | None:
    """Why the condition cannot match answers of this question's type, or None."""
    kind = question.type
    test = leaf.test
    if test == "equals":
        value = leaf.equals
        if kind == "yes_no" and not isinstance(value, bool):
            return f"'{question.id}' is a yes_no question: compare it with true or false, not {value!r}"
        if kind == "single" and value not in question.option_ids():
            return f"{value!r} is not an option of '{question.id}' (options: {', '.join(question.option_ids())})"
        if kind == "scale" and (isinstance(value, bool) or value not in range(1, SCALE_LEVELS + 1)):
            return f"'{question.id}' is a scale question: compare it with a level 1 to 5, not {value!r}"
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return f"'{question.id}' is a number question: compare it with a number, not {value!r}"
        if kind in ("multi", "measures", "text", "long_text"):
            return f"equals does not work on a {kind} question ('{question.id}')"
    if test in ("at_least", "at_most") and kind not in ("scale", "number"):
        return f"{test} needs a scale or number question; '{question.id}' is {kind}"
    if test == "empty" and kind not in ("measures", "multi"):
        return f"empty needs a measures or multi question; '{question.id}' is {kind} (use unanswered)"
    if test == "rows_missing_field" and kind != "measures":
        return f"rows_missing_field needs a measures question; '{question.id}' is {kind}"
    if test == "differs_from" and kind != "number":
        return f"differs_from needs a number question; '{question.id}' is {kind}"
    return None
