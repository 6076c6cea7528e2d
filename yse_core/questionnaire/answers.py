"""Validate answer values against their questions, and work out visibility and progress.

Values are stored exactly as given: text is never stripped of HTML, trimmed or escaped here (the
places that render or export it do that). Only a whitespace-only text counts as empty.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Callable, Mapping

from yse_core import values
from yse_core.errors import AnswerError
from yse_core.i18n import LANGUAGES
from yse_core.questionnaire.models import (
    MEASURE_FIELDS,
    SCALE_LEVELS,
    TEXT_MAX_LENGTH,
    MeasureField,
    Question,
    Questionnaire,
    Text,
    Theme,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHOWN_VALUE_LENGTH = 60


def _error(message_id: str, **params: object) -> AnswerError:
    # Catalogue key answer.<message_id> (i18n/errors_core.yaml); the reader's language is chosen when shown.
    return AnswerError(f"answer.{message_id}", **params)


def _in_languages(text: Text) -> dict[str, str | None]:
    """A questionnaire text as a parameter that the message fills in the reader's language."""
    return text.model_dump()


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 1] + "…"


# The one "is this answer empty" rule (formatting.unanswered, defined in yse_core.values below this package).
_is_empty = values.unanswered


# An empty measures cell; a table editor may also hand over NaN for an empty cell.
_is_blank_cell = values.blank


def _storable(text: str) -> bool:
    """Whether a text can be stored as UTF-8 (a lone surrogate cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_answer(question: Question, value: object, lang: str = "fi") -> object:
    """Return ``value`` normalised for storage (None when unanswered) or raise ``AnswerError``.

    The error carries a catalogue key and raw parameters: the reader's page picks the language, so
    ``lang`` is only kept for the callers that still pass it.
    """
    if _is_empty(value):
        return None
    return _VALIDATORS[question.type](question, value)


def _validate_text(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise _error("not_text")
    if len(value) > TEXT_MAX_LENGTH:
        raise _error("text_too_long", limit=TEXT_MAX_LENGTH, length=len(value))
    if not _storable(value):
        raise _error("invalid_characters")
    return value


def _validate_yes_no(question: Question, value: object) -> bool:
    if not isinstance(value, bool):
        raise _error("not_yes_no")
    return value


def _validate_single(question: Question, value: object) -> str:
    if not isinstance(value, str) or value not in question.option_ids():
        raise _error("not_option", value=_show(value))
    return value


def _validate_multi(question: Question, value: object) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise _error("not_option_list")
    option_ids = question.option_ids()
    chosen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or item not in option_ids:
            raise _error("not_option", value=_show(item))
        if item in chosen:
            raise _error("duplicate_option", value=_show(item))
        chosen.add(item)
    # Stored in the questionnaire's option order so that equal choices compare and export equally.
    return [option_id for option_id in option_ids if option_id in chosen]


def _validate_scale(question: Question, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= SCALE_LEVELS:
        raise _error("not_scale")
    return int(value)


def _validate_number(question: Question, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _error("not_number")
    number: int | float = int(value) if isinstance(value, numbers.Integral) else float(value)
    if not math.isfinite(number):
        raise _error("not_finite")
    low, high = question.min, question.max
    if (low is not None and number < low) or (high is not None and number > high):
        unit = {lang: f" {question.unit.get(lang)}" for lang in LANGUAGES} if question.unit else ""
        if low is not None and high is not None:
            raise _error("number_out_of_range", min=low, max=high, value=number, unit=unit)
        if low is not None:
            raise _error("number_below_min", min=low, value=number, unit=unit)
        raise _error("number_above_max", max=high, value=number, unit=unit)
    return number


def _validate_measures(question: Question, value: object) -> list[dict[str, object]] | None:
    if not isinstance(value, (list, tuple)):
        raise _error("not_rows")
    rows: list[dict[str, object]] = []
    for row_number, row in enumerate(value, start=1):
        if not isinstance(row, Mapping):
            raise _error("row_not_mapping", row=row_number)
        for key in row:
            if key not in MEASURE_FIELDS:
                raise _error("row_unknown_field", row=row_number, field=_show(key))
        normalised = {key: _validate_measure_cell(field, row.get(key), row_number) for key, field in MEASURE_FIELDS.items()}
        # A table editor leaves blank rows behind; they are not measures.
        if all(_is_empty(cell) for cell in normalised.values()):
            continue
        for key, field in MEASURE_FIELDS.items():
            if field.required and normalised[key] is None:
                raise _error("row_field_required", row=row_number, label=_in_languages(field.label))
        rows.append(normalised)
    if len(rows) > question.max_rows:
        raise _error("too_many_rows", limit=question.max_rows, count=len(rows))
    return rows or None


def _validate_measure_cell(field: MeasureField, value: object, row: int) -> object:
    label = _in_languages(field.label)
    if field.kind == "multi":
        return _validate_measure_choices(field, value, row, label)
    if _is_blank_cell(value):
        return None
    if field.kind == "date":
        return _validate_measure_date(value, row, label)
    if field.kind == "single":
        if not isinstance(value, str) or value not in field.options:
            raise _error("row_bad_choice", row=row, label=label, value=_show(value))
        return value
    if not isinstance(value, str):
        raise _error("row_field_not_text", row=row, label=label)
    if field.max_length is not None and len(value) > field.max_length:
        raise _error("row_field_too_long", row=row, label=label, limit=field.max_length, length=len(value))
    if not _storable(value):
        raise _error("row_field_invalid_characters", row=row, label=label)
    return value


def _validate_measure_date(value: object, row: int, label: dict[str, str | None]) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise _error("row_bad_date", row=row, label=label, value=_show(value))


def _validate_measure_choices(field: MeasureField, value: object, row: int, label: dict[str, str | None]) -> list[str]:
    if _is_blank_cell(value):
        return []
    if not isinstance(value, (list, tuple)):
        raise _error("row_not_list", row=row, label=label)
    chosen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or item not in field.options:
            raise _error("row_bad_choice", row=row, label=label, value=_show(item))
        if item in chosen:
            raise _error("row_duplicate_choice", row=row, label=label, value=_show(item))
        chosen.add(item)
    return [option_id for option_id in field.options if option_id in chosen]


_VALIDATORS: dict[str, Callable[[Question, object], object]] = {
    "text": _validate_text,
    "long_text": _validate_text,
    "yes_no": _validate_yes_no,
    "single": _validate_single,
    "multi": _validate_multi,
    "scale": _validate_scale,
    "number": _validate_number,
    "measures": _validate_measures,
}


def is_answered(question: Question, value: object) -> bool:
    """Whether ``value`` counts as an answer (``False`` for a yes/no question is an answer)."""
    return not _is_empty(value)


def _same(left: object, right: object) -> bool:
    """Equality that keeps true/false apart from 1/0."""
    return isinstance(left, bool) == isinstance(right, bool) and left == right


def _area_flag(value: object) -> bool:
    """An area attribute counts as true when it is True or 1 (SQLite stores booleans as 1/0)."""
    return value is True or (isinstance(value, int) and value == 1)


def is_visible(question: Question, answers: Mapping[str, object], area: Mapping[str, object] | None) -> bool:
    """Whether the question is shown, given the answers so far and the area's attributes.

    A question whose controlling question is itself hidden is hidden too, whatever was answered.
    """
    condition = question.visible_if
    if condition is None:
        return True
    if condition.area is not None:
        return _area_flag((area or {}).get(condition.area))
    controller = question.controller
    if controller is not None and not is_visible(controller, answers, area):
        return False
    answer = answers.get(condition.question)
    if _is_empty(answer):
        return False
    chosen = answer if isinstance(answer, (list, tuple)) else [answer]
    return any(_same(item, value) for item in chosen for value in condition.values)


def missing_required(
    questionnaire: Questionnaire, answers: Mapping[str, object], area: Mapping[str, object] | None
) -> list[tuple[Theme, Question]]:
    """The visible required questions that have no answer, in questionnaire order."""
    return [
        (theme, question)
        for theme, question in questionnaire.questions()
        if question.required and is_visible(question, answers, area) and not is_answered(question, answers.get(question.id))
    ]


def theme_progress(
    questionnaire: Questionnaire, answers: Mapping[str, object], area: Mapping[str, object] | None
) -> list[dict[str, object]]:
    """Per theme: ``theme_id``, ``answered`` and ``visible`` question counts, ``required_missing``."""
    progress: list[dict[str, object]] = []
    for theme in questionnaire.themes:
        visible = [question for question in theme.questions if is_visible(question, answers, area)]
        answered = {question.id for question in visible if is_answered(question, answers.get(question.id))}
        required_missing = sum(1 for question in visible if question.required and question.id not in answered)
        progress.append(
            {
                "theme_id": theme.id,
                "answered": len(answered),
                "visible": len(visible),
                "required_missing": required_missing,
            }
        )
    return progress
