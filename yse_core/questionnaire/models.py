"""Pydantic models of a questionnaire definition and the fixed structure of a measures row.

A questionnaire is validated data: every model forbids unknown keys and is frozen. Rules that span
several fields or questions are checked in model validators and reported as ``questionnaire_rule``
errors whose ``problems`` context lists ``(relative location, message)`` pairs, so that the loader
can name the exact place of each problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

LANGUAGES = ("fi", "sv", "en")
QUESTION_TYPES = ("text", "long_text", "yes_no", "single", "multi", "scale", "number", "measures")
QuestionType = Literal["text", "long_text", "yes_no", "single", "multi", "scale", "number", "measures"]

SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"
QUESTIONNAIRE_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
INDICATOR_CODE_PATTERN = r"^[A-Z][A-Z0-9_]*$"

DEFAULT_MAX_ROWS = 50
TEXT_MAX_LENGTH = 20_000
MEASURE_NAME_MAX_LENGTH = 300
SCALE_LEVELS = 5

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
IndicatorCode = Annotated[str, Field(pattern=INDICATOR_CODE_PATTERN)]


def _kind_of(value: object) -> str:
    """Describe a parsed YAML value in plain words for an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _number(value: object) -> int | float:
    """Accept an int or a finite float, never a bool or a numeric string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("number_type", "expected a number, got {kind}", {"kind": _kind_of(value)})
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("number_type", "expected a finite number, got {value}", {"value": value})
    return value


def _scalar(value: object) -> bool | int | float | str:
    """Accept a value a visible_if condition can compare with: true/false, a number or a text."""
    if isinstance(value, (bool, str)):
        return value
    return _number(value)


Number = Annotated[int | float, PlainValidator(_number)]
Scalar = Annotated[bool | int | float | str, PlainValidator(_scalar)]


def _rule_error(problems: list[tuple[tuple[str | int, ...], str]]) -> PydanticCustomError:
    """One validation error carrying every rule problem found, each with its relative location."""
    summary = "; ".join((".".join(str(part) for part in loc) + ": " if loc else "") + message for loc, message in problems)
    # The summary is passed through ctx so braces in user text are never read as placeholders.
    return PydanticCustomError("questionnaire_rule", "{summary}", {"summary": summary, "problems": problems})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Finnish (required) and optionally Swedish and English."""

    fi: str
    sv: str | None = None
    en: str | None = None

    @field_validator("fi", "sv", "en")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty (leave out a translation that does not exist)")
        return value

    def get(self, lang: str = "fi") -> str:
        """Return the text in ``lang``, falling back to Finnish."""
        if lang in LANGUAGES:
            return getattr(self, lang) or self.fi
        return self.fi


class Option(_Strict):
    """One choice of a single or multi question."""

    id: Slug
    label: Text


class VisibleIf(_Strict):
    """When a question is shown: ``{question, equals}``, ``{question, in}`` or ``{area}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)

    question: Slug | None = None
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    area: Slug | None = None

    @model_validator(mode="after")
    def _one_form(self) -> VisibleIf:
        given = {name for name in ("question", "equals", "in_", "area") if getattr(self, name) is not None}
        if given == {"area"} or given == {"question", "equals"} or given == {"question", "in_"}:
            if self.in_ is not None and not self.in_:
                raise _rule_error([(("in",), "the list of values must not be empty")])
            return self
        raise _rule_error(
            [
                (
                    (),
                    "visible_if must be {question: <id>, equals: <value>}, {question: <id>, in: [...]} or {area: <attribute>}",
                )
            ]
        )

    @property
    def values(self) -> list[bool | int | float | str]:
        """The values that make the question visible (``[equals]`` or the ``in`` list)."""
        if self.in_ is not None:
            return list(self.in_)
        return [] if self.equals is None else [self.equals]


class Question(_Strict):
    """One question of a theme."""

    id: Slug
    type: QuestionType
    text: Text
    help: Text | None = None
    required: StrictBool = False
    options: list[Option] | None = None
    scale_labels: list[Text] | None = None
    min: Number | None = None
    max: Number | None = None
    unit: Text | None = None
    max_rows: StrictInt = Field(default=DEFAULT_MAX_ROWS, ge=1, le=1000)
    visible_if: VisibleIf | None = None
    indicators: list[IndicatorCode] = []

    # The question this one's visibility depends on, linked by Questionnaire so that visibility can
    # follow a chain of conditions from the question alone.
    _controller: Question | None = PrivateAttr(default=None)

    @field_validator("indicators")
    @classmethod
    def _known_indicators(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        return _check_indicator_codes(codes, info)

    @model_validator(mode="after")
    def _fits_type(self) -> Question:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.type in ("single", "multi"):
            if not self.options:
                problems.append((("options",), f"a {self.type} question needs 'options' (at least two)"))
            elif len(self.options) < 2:
                problems.append((("options",), f"a {self.type} question needs at least two options"))
            else:
                seen: dict[str, int] = {}
                for index, option in enumerate(self.options):
                    if option.id in seen:
                        problems.append(
                            (("options", index, "id"), f"duplicate option id '{option.id}' (also options[{seen[option.id]}])")
                        )
                    seen.setdefault(option.id, index)
        elif self.options is not None:
            problems.append((("options",), f"'options' is only allowed for single and multi questions, not {self.type}"))
        if self.type == "scale":
            if self.scale_labels is None:
                problems.append((("scale_labels",), "a scale question needs 'scale_labels': exactly 5 labels for levels 1 to 5"))
            elif len(self.scale_labels) != SCALE_LEVELS:
                problems.append(
                    (
                        ("scale_labels",),
                        f"a scale question needs exactly 5 labels for levels 1 to 5, found {len(self.scale_labels)}",
                    )
                )
        elif self.scale_labels is not None:
            problems.append((("scale_labels",), f"'scale_labels' is only allowed for scale questions, not {self.type}"))
        if self.type == "number":
            if self.min is not None and self.max is not None and self.min >= self.max:
                problems.append((("min",), f"min ({self.min}) must be smaller than max ({self.max})"))
        else:
            for key in ("min", "max", "unit"):
                if getattr(self, key) is not None:
                    problems.append(((key,), f"'{key}' is only allowed for number questions, not {self.type}"))
        if "max_rows" in self.model_fields_set and self.type != "measures":
            problems.append((("max_rows",), f"'max_rows' is only allowed for measures questions, not {self.type}"))
        if problems:
            raise _rule_error(problems)
        return self

    def option_ids(self) -> list[str]:
        """The option ids of a single or multi question, in order (empty for other types)."""
        return [option.id for option in self.options or []]

    def option_label(self, option_id: str, lang: str = "fi") -> str:
        """The label of one option in ``lang``; the id itself when the option does not exist."""
        for option in self.options or []:
            if option.id == option_id:
                return option.label.get(lang)
        return option_id

    @property
    def controller(self) -> Question | None:
        """The earlier question this one's visibility depends on, if any."""
        return self._controller


class Theme(_Strict):
    """A group of questions with the indicators shown beside it."""

    id: Slug
    title: Text
    intro: Text | None = None
    indicators: list[IndicatorCode] = []
    questions: list[Question] = Field(min_length=1)

    @field_validator("indicators")
    @classmethod
    def _known_indicators(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        return _check_indicator_codes(codes, info)


def _check_indicator_codes(codes: list[str], info: ValidationInfo) -> list[str]:
    """With ``known_indicators`` in the validation context, reject codes not in it."""
    known = (info.context or {}).get("known_indicators")
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code in seen:
            problems.append(((index,), f"indicator code '{code}' is listed twice"))
        seen.add(code)
        if known is not None and code not in known:
            problems.append(((index,), f"unknown indicator code '{code}'"))
    if problems:
        raise _rule_error(problems)
    return codes


def _describe_place(theme_index: int, question_index: int) -> str:
    return f"themes[{theme_index}].questions[{question_index}]"


def _condition_problem(condition: VisibleIf, target: Question) -> str | None:
    """Why a visible_if value cannot match the controlling question's answers, or None."""
    if target.type == "measures":
        return f"visible_if cannot depend on '{target.id}', a measures question"
    for value in condition.values:
        if target.type == "yes_no" and not isinstance(value, bool):
            return f"'{target.id}' is a yes_no question: compare it with true or false, not {value!r}"
        if target.type in ("single", "multi") and value not in target.option_ids():
            return f"{value!r} is not an option of '{target.id}' (options: {', '.join(target.option_ids())})"
        if target.type == "scale" and (isinstance(value, bool) or value not in range(1, SCALE_LEVELS + 1)):
            return f"'{target.id}' is a scale question: compare it with a level 1 to 5, not {value!r}"
        if target.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return f"'{target.id}' is a number question: compare it with a number, not {value!r}"
        if target.type in ("text", "long_text") and not isinstance(value, str):
            return f"'{target.id}' is a text question: compare it with a text, not {value!r}"
    return None


class Questionnaire(_Strict):
    """A versioned questionnaire: themes of questions with stable ids."""

    id: Annotated[str, Field(pattern=QUESTIONNAIRE_ID_PATTERN)]
    version: StrictInt = Field(ge=1)
    year: StrictInt = Field(ge=2000, le=2100)
    title: Text
    intro: Text | None = None
    themes: list[Theme] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        theme_places: dict[str, int] = {}
        for theme_index, theme in enumerate(self.themes):
            if theme.id in theme_places:
                problems.append(
                    (
                        ("themes", theme_index, "id"),
                        f"duplicate theme id '{theme.id}': themes[{theme_places[theme.id]}] and themes[{theme_index}]",
                    )
                )
            theme_places.setdefault(theme.id, theme_index)

        places: dict[str, tuple[int, int]] = {}
        for theme_index, theme in enumerate(self.themes):
            for question_index, question in enumerate(theme.questions):
                here = ("themes", theme_index, "questions", question_index)
                if question.id in places:
                    problems.append(
                        (
                            (*here, "id"),
                            f"duplicate question id '{question.id}': {_describe_place(*places[question.id])} "
                            f"and {_describe_place(theme_index, question_index)}",
                        )
                    )
                    continue
                places[question.id] = (theme_index, question_index)

        questions = dict(self.questions_by_id())
        seen: set[str] = set()
        for theme_index, theme in enumerate(self.themes):
            for question_index, question in enumerate(theme.questions):
                condition = question.visible_if
                if condition is not None and condition.question is not None:
                    where = ("themes", theme_index, "questions", question_index, "visible_if", "question")
                    target_id = condition.question
                    if target_id not in places:
                        problems.append((where, f"visible_if refers to question '{target_id}', which does not exist"))
                    elif target_id not in seen:
                        problems.append(
                            (
                                where,
                                f"visible_if refers to question '{target_id}' at {_describe_place(*places[target_id])}, "
                                "which does not come earlier; a question can only depend on an earlier one",
                            )
                        )
                    else:
                        problem = _condition_problem(condition, questions[target_id])
                        if problem:
                            value_key = "in" if condition.in_ is not None else "equals"
                            problems.append((where[:-1] + (value_key,), problem))
                seen.add(question.id)
        if problems:
            raise _rule_error(problems)

        for _theme, question in self.questions():
            if question.visible_if is not None and question.visible_if.question is not None:
                question._controller = questions[question.visible_if.question]
        return self

    def questions(self) -> Iterator[tuple[Theme, Question]]:
        """Every question in order, with its theme."""
        for theme in self.themes:
            for question in theme.questions:
                yield theme, question

    def questions_by_id(self) -> Iterator[tuple[str, Question]]:
        """Every ``(question id, question)`` pair in order (the first one if an id repeats)."""
        seen: set[str] = set()
        for _theme, question in self.questions():
            if question.id not in seen:
                seen.add(question.id)
                yield question.id, question

    def question(self, question_id: str) -> Question:
        """The question with this id; ``KeyError`` if there is none."""
        try:
            return self._question_index[question_id]
        except KeyError:
            raise KeyError(f"questionnaire {self.id}@{self.version} has no question '{question_id}'") from None

    @cached_property
    def _question_index(self) -> dict[str, Question]:
        # Every answer save looks a question up; the model is frozen, so the index is built once.
        return dict(self.questions_by_id())

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id; ``KeyError`` if there is none."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"questionnaire {self.id}@{self.version} has no theme '{theme_id}'")

    @property
    def key(self) -> str:
        """``id@version``, the key of this questionnaire in ``load_all``."""
        return f"{self.id}@{self.version}"


# --- The fixed structure of one row of a measures question -------------------------------------


class MeasureField(_Strict):
    """One field of a measures row: its kind, label and (for choices) options."""

    key: str
    kind: Literal["text", "long_text", "date", "multi", "single"]
    label: Text
    help: Text | None = None
    required: bool = False
    max_length: int | None = None
    options: dict[str, Text] = {}


TARGET_GROUPS: dict[str, Text] = {
    "long_term_unemployed": Text(fi="Pitkäaikaistyöttömät", sv="Långtidsarbetslösa", en="Long-term unemployed"),
    "youth": Text(fi="Nuoret (alle 25-vuotiaat)", sv="Unga (under 25 år)", en="Young people (under 25)"),
    "immigrants": Text(fi="Maahanmuuttajat", sv="Invandrare", en="Immigrants"),
    "over_50": Text(fi="Yli 50-vuotiaat", sv="Personer över 50 år", en="People over 50"),
    "partially_disabled": Text(
        fi="Osatyökykyiset", sv="Personer med partiell arbetsförmåga", en="People with partial work ability"
    ),
    "employers": Text(fi="Työnantajat ja yritykset", sv="Arbetsgivare och företag", en="Employers and companies"),
    "all_jobseekers": Text(fi="Kaikki työnhakijat", sv="Alla arbetssökande", en="All jobseekers"),
    "other": Text(fi="Muu kohderyhmä", sv="Annan målgrupp", en="Other target group"),
}

FOLLOW_UP_FREQUENCIES: dict[str, Text] = {
    "monthly": Text(fi="Kuukausittain", sv="Varje månad", en="Monthly"),
    "quarterly": Text(fi="Neljännesvuosittain", sv="Varje kvartal", en="Quarterly"),
    "half_yearly": Text(fi="Puolivuosittain", sv="Varje halvår", en="Every six months"),
    "yearly": Text(fi="Kerran vuodessa", sv="En gång om året", en="Yearly"),
    "none": Text(fi="Ei säännöllistä seurantaa", sv="Ingen regelbunden uppföljning", en="No regular follow-up"),
}

_FIELDS = (
    MeasureField(
        key="name",
        kind="text",
        label=Text(fi="Toimen nimi", sv="Åtgärdens namn", en="Name of the measure"),
        required=True,
        max_length=MEASURE_NAME_MAX_LENGTH,
    ),
    MeasureField(
        key="target_groups",
        kind="multi",
        label=Text(fi="Kohderyhmät", sv="Målgrupper", en="Target groups"),
        options=TARGET_GROUPS,
    ),
    MeasureField(
        key="start_date",
        kind="date",
        label=Text(fi="Aloituspäivä", sv="Startdatum", en="Start date"),
        help=Text(fi="Muodossa VVVV-KK-PP", sv="I formatet ÅÅÅÅ-MM-DD", en="As YYYY-MM-DD"),
    ),
    MeasureField(
        key="resources",
        kind="long_text",
        label=Text(fi="Resurssit", sv="Resurser", en="Resources"),
        help=Text(
            fi="Esimerkiksi henkilötyövuodet, euromäärä ja rahoituslähde",
            sv="Till exempel årsverken, belopp i euro och finansieringskälla",
            en="For example person-years, euros and source of funding",
        ),
        max_length=TEXT_MAX_LENGTH,
    ),
    MeasureField(
        key="impact_indicator",
        kind="long_text",
        label=Text(fi="Vaikuttavuuden mittari", sv="Mätare för effekten", en="Impact indicator"),
        help=Text(
            fi="Millä mittarilla tai tiedolla toimen vaikuttavuutta seurataan?",
            sv="Med vilken mätare eller vilka uppgifter följs åtgärdens effekt upp?",
            en="Which indicator or data is used to track the impact of the measure?",
        ),
        max_length=TEXT_MAX_LENGTH,
    ),
    MeasureField(
        key="baseline",
        kind="text",
        label=Text(fi="Lähtötaso", sv="Utgångsnivå", en="Baseline"),
        max_length=TEXT_MAX_LENGTH,
    ),
    MeasureField(
        key="target",
        kind="text",
        label=Text(fi="Tavoitetaso", sv="Målnivå", en="Target"),
        max_length=TEXT_MAX_LENGTH,
    ),
    MeasureField(
        key="follow_up_frequency",
        kind="single",
        label=Text(fi="Seurannan tiheys", sv="Uppföljningens frekvens", en="Follow-up frequency"),
        options=FOLLOW_UP_FREQUENCIES,
    ),
    MeasureField(
        key="latest_result",
        kind="long_text",
        label=Text(fi="Viimeisin tulos", sv="Senaste resultat", en="Latest result"),
        max_length=TEXT_MAX_LENGTH,
    ),
)

MEASURE_FIELDS: dict[str, MeasureField] = {field.key: field for field in _FIELDS}
"""The fields of one measures row, in display order, keyed by field name."""


def measure_field_labels(lang: str = "fi") -> dict[str, str]:
    """The label of each measures-row field in ``lang``, in display order."""
    return {key: field.label.get(lang) for key, field in MEASURE_FIELDS.items()}
