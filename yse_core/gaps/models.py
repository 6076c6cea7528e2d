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
from yse_core.yaml_models import Number, Scalar, Strict, Texts, message, rule_error, show


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
Problem = tuple[Location, YseError]


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
                problems.append(((), message("gaps.problem.needs_parameter", compare=self.compare, parameter=wanted)))
            elif name != wanted and given:
                problems.append(((name,), message("gaps.problem.parameter_not_for", name=name, compare=self.compare, parameter=wanted)))
        if self.by_ratio is not None and self.by_ratio < 1:
            problems.append((("by_ratio",), message("gaps.problem.ratio_at_least_one", value=self.by_ratio)))
        if self.by_points is not None and self.by_points < 0:
            problems.append((("by_points",), message("gaps.problem.not_negative", value=self.by_points)))
        if self.quantile is not None and not 0 < self.quantile < 1:
            problems.append((("quantile",), message("gaps.problem.quantile_range", value=self.quantile)))
        if self.per is not None and self.compare in ("growing_faster_than_country", "below_areas", "above_areas"):
            problems.append((("per",), message("gaps.problem.per_not_with", compare=self.compare)))
        if self.per == self.indicator:
            problems.append((("per",), message("gaps.problem.per_itself")))
        if problems:
            raise rule_error(problems)
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
            raise rule_error([((), message("gaps.problem.name_a_field"))])
        problems: list[Problem] = []
        for index, field in enumerate(value):
            if field not in MEASURE_FIELDS or field == "name":
                allowed = ", ".join(key for key in MEASURE_FIELDS if key != "name")
                problems.append(((index,), message("gaps.problem.not_a_row_field", field=field, fields=allowed)))
        if problems:
            raise rule_error(problems)
        return value

    @model_validator(mode="after")
    def _one_test(self) -> AnswerCondition:
        given = [name for name in ANSWER_TESTS if getattr(self, name) is not None]
        problems: list[Problem] = []
        if len(given) != 1:
            found = message("gaps.problem.found_tests", tests=", ".join(given)) if given else message("gaps.problem.found_none")
            problems.append(((), message("gaps.problem.one_answer_test", tests=", ".join(ANSWER_TESTS), found=found)))
        if self.differs_from is not None:
            if (self.by_points is None) == (self.by_ratio is None):
                problems.append(((), message("gaps.problem.differs_tolerance")))
            if self.by_ratio is not None and self.by_ratio <= 1:
                problems.append((("by_ratio",), message("gaps.problem.ratio_above_one", value=self.by_ratio)))
            if self.by_points is not None and self.by_points < 0:
                problems.append((("by_points",), message("gaps.problem.not_negative", value=self.by_points)))
        else:
            for name in ("by_points", "by_ratio"):
                if getattr(self, name) is not None:
                    problems.append(((name,), message("gaps.problem.only_with_differs", name=name)))
        if problems:
            raise rule_error(problems)
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
    """The field names of a ``str.format`` template; ValueError if the template itself is broken.

    The error's argument is Python's own text for unbalanced braces, or our message for a conversion or format.
    """
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        if conversion or spec:
            raise ValueError(message("gaps.problem.placeholder_format", name=field, conversion=conversion or "", spec=spec or ""))
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
                    problems.append(((key, index), message("gaps.problem.listed_twice", item=item)))
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
                    problems.append(((key,), message("gaps.problem.read_not_listed", item=item, list=key)))
            for index, item in enumerate(listed):
                if item not in read:
                    problems.append(((key, index), message("gaps.problem.listed_not_read", item=item)))
        if self.severity == "info" and self.info_when is not None:
            problems.append((("info_when",), message("gaps.problem.already_info")))
        for lang in LANGUAGES:
            template = getattr(self.message, lang)
            try:
                names = placeholders_in(template)
            except ValueError as error:
                problems.append((("message", lang), message("gaps.problem.broken_template", reason=error.args[0])))
                continue
            for name in names:
                problem = self._placeholder_problem(name)
                if problem:
                    problems.append((("message", lang), problem))
        if problems:
            raise rule_error(problems)
        return self

    def _placeholder_problem(self, name: str) -> YseError | None:
        if name not in PLACEHOLDERS:
            return message("gaps.problem.unknown_placeholder", name=name, known=", ".join(sorted(PLACEHOLDERS)))
        for position, suffix in enumerate(POSITION_SUFFIXES[1:], start=2):
            if name.endswith(suffix) and name.removesuffix(suffix) in FIGURE_PLACEHOLDERS and len(self.indicators) < position:
                return message("gaps.problem.needs_codes", name=name, count=position)
        if name in ANSWER_PLACEHOLDERS and len(self.questions) < ANSWER_PLACEHOLDERS.index(name) + 1:
            return message("gaps.problem.needs_questions", name=name, count=ANSWER_PLACEHOLDERS.index(name) + 1)
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
                problems.append((("rules", index, "id"), message("gaps.problem.duplicate_rule", id=rule.id, first=str(places[rule.id]))))
            places.setdefault(rule.id, index)
        if problems:
            raise rule_error(problems)
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
        problems.append((("questionnaire",), message("gaps.problem.other_questionnaire", rules=rules.questionnaire,
                                                     questionnaire=questionnaire.id)))
    questions = dict(questionnaire.questions_by_id()) if questionnaire is not None else None
    themes = {theme.id for theme in questionnaire.themes} if questionnaire is not None else None
    for index, rule in enumerate(rules.rules):
        here: Location = ("rules", index)
        if catalogue is not None:
            for position, code in enumerate(rule.indicators):
                if code not in catalogue:
                    problems.append(((*here, "indicators", position), message("questionnaire.problem.unknown_indicator", code=code)))
        if themes is not None and rule.theme not in themes:
            problems.append(((*here, "theme"), message("gaps.problem.unknown_theme", theme=rule.theme, themes=", ".join(sorted(themes)))))
        if questions is not None:
            for position, question_id in enumerate(rule.questions):
                if question_id not in questions:
                    problems.append(((*here, "questions", position), message("gaps.problem.unknown_question", id=question_id)))
        for part in ("when", "info_when"):
            for path, leaf in walk(getattr(rule, part)):
                where = (*here, part, *path)
                if catalogue is not None:
                    problems += [((*where, key), problem) for key, problem in _catalogue_problems(leaf, catalogue)]
                if questions is not None and isinstance(leaf, AnswerCondition):
                    question = questions.get(leaf.question)
                    if question is None:
                        problems.append(((*where, "question"), message("gaps.problem.unknown_question", id=leaf.question)))
                    else:
                        problem = _answer_problem(leaf, question)
                        if problem:
                            problems.append(((*where, leaf.test), problem))
    return problems


def _catalogue_problems(leaf: IndicatorCondition | AnswerCondition, catalogue: Catalogue) -> list[tuple[str, YseError]]:
    if isinstance(leaf, AnswerCondition):
        if leaf.differs_from and leaf.differs_from not in catalogue:
            return [("differs_from", message("questionnaire.problem.unknown_indicator", code=leaf.differs_from))]
        return []
    problems = []
    if leaf.indicator not in catalogue:
        return [("indicator", message("questionnaire.problem.unknown_indicator", code=leaf.indicator))]
    if leaf.per is not None and leaf.per not in catalogue:
        problems.append(("per", message("questionnaire.problem.unknown_indicator", code=leaf.per)))
    indicator = catalogue.get(leaf.indicator)
    if leaf.compare in ("worse_than_country", "better_than_country") and indicator.higher_is_worse is None:
        problems.append(("compare", message("gaps.problem.no_direction", code=leaf.indicator)))
    if leaf.compare == "growing_faster_than_country" and yoy_code_for(catalogue, leaf.indicator) is None:
        problems.append(("compare", message("gaps.problem.no_yoy", code=leaf.indicator)))
    return problems


def _answer_problem(leaf: AnswerCondition, question: Question) -> YseError | None:
    """Why the condition cannot match answers of this question's type, or None."""
    kind = question.type
    test = leaf.test
    if test == "equals":
        value = leaf.equals
        if kind == "yes_no" and not isinstance(value, bool):
            return message("questionnaire.problem.compare_yes_no", id=question.id, value=show(value))
        if kind == "single" and value not in question.option_ids():
            return message("questionnaire.problem.not_an_option", value=show(value), id=question.id,
                           options=", ".join(question.option_ids()))
        if kind == "scale" and (isinstance(value, bool) or value not in range(1, SCALE_LEVELS + 1)):
            return message("questionnaire.problem.compare_scale", id=question.id, value=show(value))
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return message("questionnaire.problem.compare_number", id=question.id, value=show(value))
        if kind in ("multi", "measures", "text", "long_text"):
            return message("gaps.problem.equals_not_for", kind=kind, id=question.id)
    if test in ("at_least", "at_most") and kind not in ("scale", "number"):
        return message("gaps.problem.needs_scale_or_number", test=test, id=question.id, kind=kind)
    if test == "empty" and kind not in ("measures", "multi"):
        return message("gaps.problem.empty_needs", id=question.id, kind=kind)
    if test == "rows_missing_field" and kind != "measures":
        return message("gaps.problem.rows_needs", id=question.id, kind=kind)
    if test == "differs_from" and kind != "number":
        return message("gaps.problem.differs_needs", id=question.id, kind=kind)
    return None
