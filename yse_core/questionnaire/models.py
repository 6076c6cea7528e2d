"""Pydantic models of a questionnaire definition and the fixed structure of a measures row.

A questionnaire is validated data: every model forbids unknown keys and is frozen. Rules that span
several fields or questions are checked in model validators and reported through
``yaml_models.rule_error`` as ``(relative location, message)`` pairs, each message a catalogue key
with its parameters, so that the loader can name the exact place of each problem in fi, sv and en.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from yse_core.errors import QuestionnaireError, YseError
from yse_core.yaml_models import Number, Scalar, Schema, Strict, Text, message, read_yaml_file, rule_error

LANGUAGES = ("fi", "sv", "en")
QUESTION_TYPES = ("text", "long_text", "yes_no", "single", "multi", "scale", "number", "measures")
QuestionType = Literal["text", "long_text", "yes_no", "single", "multi", "scale", "number", "measures"]

SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"
QUESTIONNAIRE_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
INDICATOR_CODE_PATTERN = r"^[A-Z][A-Z0-9_]*$"

DEFAULT_MAX_ROWS = 50
TEXT_MAX_LENGTH = 20_000
SCALE_LEVELS = 5

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
IndicatorCode = Annotated[str, Field(pattern=INDICATOR_CODE_PATTERN)]
Problem = tuple[tuple[str | int, ...], YseError]


class Option(Strict):
    """One choice of a single or multi question."""

    id: Slug
    label: Text


class VisibleIf(Strict):
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
                raise rule_error([(("in",), message("questionnaire.problem.empty_values"))])
            return self
        forms = "{question: <id>, equals: <value>}, {question: <id>, in: [...]}"
        raise rule_error([((), message("questionnaire.problem.visible_if_form", forms=forms, last="{area: <attribute>}"))])

    @property
    def values(self) -> list[bool | int | float | str]:
        """The values that make the question visible (``[equals]`` or the ``in`` list)."""
        if self.in_ is not None:
            return list(self.in_)
        return [] if self.equals is None else [self.equals]


class Question(Strict):
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
        problems: list[Problem] = []
        if self.type in ("single", "multi"):
            if not self.options:
                problems.append((("options",), message("questionnaire.problem.options_needed", type=self.type)))
            elif len(self.options) < 2:
                problems.append((("options",), message("questionnaire.problem.two_options", type=self.type)))
            else:
                seen: dict[str, int] = {}
                for index, option in enumerate(self.options):
                    if option.id in seen:
                        problems.append(
                            (("options", index, "id"), message("questionnaire.problem.duplicate_option", id=option.id, first=f"options[{seen[option.id]}]"))
                        )
                    seen.setdefault(option.id, index)
        elif self.options is not None:
            problems.append((("options",), message("questionnaire.problem.options_not_allowed", type=self.type)))
        if self.type == "scale":
            if self.scale_labels is None:
                problems.append((("scale_labels",), message("questionnaire.problem.scale_labels_needed")))
            elif len(self.scale_labels) != SCALE_LEVELS:
                problems.append(
                    (("scale_labels",), message("questionnaire.problem.five_scale_labels", count=len(self.scale_labels)))
                )
        elif self.scale_labels is not None:
            problems.append((("scale_labels",), message("questionnaire.problem.scale_labels_not_allowed", type=self.type)))
        if self.type == "number":
            if self.min is not None and self.max is not None and self.min >= self.max:
                problems.append((("min",), message("questionnaire.problem.min_not_below_max", min=self.min, max=self.max)))
        else:
            for key in ("min", "max", "unit"):
                if getattr(self, key) is not None:
                    problems.append(((key,), message("questionnaire.problem.number_only", name=key, type=self.type)))
        if "max_rows" in self.model_fields_set and self.type != "measures":
            problems.append((("max_rows",), message("questionnaire.problem.max_rows_not_allowed", type=self.type)))
        if problems:
            raise rule_error(problems)
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


class Theme(Strict):
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
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code in seen:
            problems.append(((index,), message("questionnaire.problem.indicator_twice", code=code)))
        seen.add(code)
        if known is not None and code not in known:
            problems.append(((index,), message("questionnaire.problem.unknown_indicator", code=code)))
    if problems:
        raise rule_error(problems)
    return codes


def _describe_place(theme_index: int, question_index: int) -> str:
    return f"themes[{theme_index}].questions[{question_index}]"


def _condition_problem(condition: VisibleIf, target: Question) -> YseError | None:
    """Why a visible_if value cannot match the controlling question's answers, or None."""
    if target.type == "measures":
        return message("questionnaire.problem.depends_on_measures", id=target.id)
    for value in condition.values:
        if target.type == "yes_no" and not isinstance(value, bool):
            return message("questionnaire.problem.compare_yes_no", id=target.id, value=repr(value))
        if target.type in ("single", "multi") and value not in target.option_ids():
            return message("questionnaire.problem.not_an_option", id=target.id, value=repr(value),
                           options=", ".join(target.option_ids()))
        if target.type == "scale" and (isinstance(value, bool) or value not in range(1, SCALE_LEVELS + 1)):
            return message("questionnaire.problem.compare_scale", id=target.id, value=repr(value))
        if target.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return message("questionnaire.problem.compare_number", id=target.id, value=repr(value))
        if target.type in ("text", "long_text") and not isinstance(value, str):
            return message("questionnaire.problem.compare_text", id=target.id, value=repr(value))
    return None


class Questionnaire(Strict):
    """A versioned questionnaire: themes of questions with stable ids."""

    id: Annotated[str, Field(pattern=QUESTIONNAIRE_ID_PATTERN)]
    version: StrictInt = Field(ge=1)
    year: StrictInt = Field(ge=2000, le=2100)
    title: Text
    intro: Text | None = None
    themes: list[Theme] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        problems: list[Problem] = []
        theme_places: dict[str, int] = {}
        for theme_index, theme in enumerate(self.themes):
            if theme.id in theme_places:
                problems.append(
                    (
                        ("themes", theme_index, "id"),
                        message("questionnaire.problem.duplicate_theme", id=theme.id,
                                first=f"themes[{theme_places[theme.id]}]", second=f"themes[{theme_index}]"),
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
                            message("questionnaire.problem.duplicate_question", id=question.id,
                                    first=_describe_place(*places[question.id]),
                                    second=_describe_place(theme_index, question_index)),
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
                        problems.append((where, message("questionnaire.problem.unknown_controller", id=target_id)))
                    elif target_id not in seen:
                        problems.append(
                            (
                                where,
                                message("questionnaire.problem.later_controller", id=target_id,
                                        place=_describe_place(*places[target_id])),
                            )
                        )
                    else:
                        problem = _condition_problem(condition, questions[target_id])
                        if problem:
                            value_key = "in" if condition.in_ is not None else "equals"
                            problems.append((where[:-1] + (value_key,), problem))
                seen.add(question.id)
        if problems:
            raise rule_error(problems)

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

MEASURE_FIELDS_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "shared" / "measure_fields.yaml"
# Fields the code reads by name (a row's identity, the comparison by target group, the follow-up columns).
FIELDS_THE_CODE_READS = {"name": "text", "target_groups": "multi", "follow_up_frequency": "single"}


class MeasureField(Strict):
    """One field of a measures row: its kind, label and (for choices) options."""

    key: Slug
    kind: Literal["text", "long_text", "date", "multi", "single"]
    label: Text
    help: Text | None = None
    required: StrictBool = False
    max_length: StrictInt | None = Field(default=None, ge=1, le=TEXT_MAX_LENGTH)
    options: dict[Slug, Text] = {}

    @model_validator(mode="after")
    def _fits_kind(self) -> MeasureField:
        if self.kind in ("multi", "single") and len(self.options) < 2:
            raise rule_error([(("options",), message("questionnaire.problem.options_needed", type=self.kind))])
        if self.kind not in ("multi", "single") and self.options:
            raise rule_error([(("options",), message("questionnaire.problem.options_not_allowed", type=self.kind))])
        return self


class MeasureRow(Strict):
    """The fields of one row of a measures question, in display order."""

    fields: list[MeasureField] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> MeasureRow:
        problems: list[Problem] = []
        places: dict[str, int] = {}
        for index, row_field in enumerate(self.fields):
            if row_field.key in places:
                problems.append((("fields", index, "key"), message(
                    "questionnaire.problem.duplicate_measure_field", name=row_field.key, first=f"fields[{places[row_field.key]}]")))
            places.setdefault(row_field.key, index)
        for key, kind in FIELDS_THE_CODE_READS.items():
            if key not in places or self.fields[places[key]].kind != kind:
                problems.append((("fields",), message("questionnaire.problem.measure_field_needed", name=key, kind=kind)))
        if "name" in places and not self.fields[places["name"]].required:
            problems.append((("fields", places["name"], "required"), message("questionnaire.problem.measure_name_required")))
        if problems:
            raise rule_error(problems)
        return self


MEASURE_ROW_SCHEMA = Schema(MeasureRow, QuestionnaireError)


def load_measure_fields(path: Path = MEASURE_FIELDS_PATH) -> dict[str, MeasureField]:
    """The fields of one measures row from their YAML file, keyed by field name; QuestionnaireError names a problem."""
    row = MEASURE_ROW_SCHEMA.load(read_yaml_file(path, QuestionnaireError), str(path))
    return {row_field.key: row_field for row_field in row.fields}


MEASURE_FIELDS: dict[str, MeasureField] = load_measure_fields()
"""The fields of one measures row, in display order, keyed by field name."""
TARGET_GROUPS: dict[str, Text] = MEASURE_FIELDS["target_groups"].options
FOLLOW_UP_FREQUENCIES: dict[str, Text] = MEASURE_FIELDS["follow_up_frequency"].options


def measure_field_labels(lang: str = "fi") -> dict[str, str]:
    """The label of each measures-row field in ``lang``, in display order."""
    return {key: field.label.get(lang) for key, field in MEASURE_FIELDS.items()}
