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

from yse_core import formatting
from yse_core.errors import AnswerError
from yse_core.questionnaire.models import (
    MEASURE_FIELDS,
    SCALE_LEVELS,
    TEXT_MAX_LENGTH,
    MeasureField,
    Question,
    Questionnaire,
    Theme,
)

# Every message an answer can be rejected with, by id and language. Placeholders are filled with
# str.format; numbers arrive already formatted for the language.
MESSAGES: dict[str, dict[str, str]] = {
    "not_text": {
        "fi": "Vastauksen on oltava tekstiä.",
        "sv": "Svaret måste vara text.",
        "en": "The answer must be text.",
    },
    "text_too_long": {
        "fi": "Vastaus on liian pitkä: enintään {limit} merkkiä, nyt {length}.",
        "sv": "Svaret är för långt: högst {limit} tecken, nu {length}.",
        "en": "The answer is too long: at most {limit} characters, now {length}.",
    },
    "invalid_characters": {
        "fi": "Vastauksessa on merkkejä, joita ei voi tallentaa.",
        "sv": "Svaret innehåller tecken som inte kan sparas.",
        "en": "The answer contains characters that cannot be saved.",
    },
    "not_yes_no": {
        "fi": "Vastauksen on oltava kyllä tai ei.",
        "sv": "Svaret måste vara ja eller nej.",
        "en": "The answer must be yes or no.",
    },
    "not_option": {
        "fi": "”{value}” ei ole tämän kysymyksen vastausvaihtoehto.",
        "sv": "”{value}” är inte ett svarsalternativ i den här frågan.",
        "en": "“{value}” is not an option of this question.",
    },
    "not_option_list": {
        "fi": "Vastauksen on oltava luettelo vastausvaihtoehdoista.",
        "sv": "Svaret måste vara en lista med svarsalternativ.",
        "en": "The answer must be a list of options.",
    },
    "duplicate_option": {
        "fi": "Vaihtoehto ”{value}” on valittu kahdesti.",
        "sv": "Alternativet ”{value}” har valts två gånger.",
        "en": "The option “{value}” is chosen twice.",
    },
    "not_scale": {
        "fi": "Vastauksen on oltava kokonaisluku 1–5.",
        "sv": "Svaret måste vara ett heltal 1–5.",
        "en": "The answer must be a whole number from 1 to 5.",
    },
    "not_number": {
        "fi": "Vastauksen on oltava luku.",
        "sv": "Svaret måste vara ett tal.",
        "en": "The answer must be a number.",
    },
    "not_finite": {
        "fi": "Vastauksen on oltava äärellinen luku.",
        "sv": "Svaret måste vara ett ändligt tal.",
        "en": "The answer must be a finite number.",
    },
    "number_out_of_range": {
        "fi": "Luvun on oltava välillä {min}–{max}{unit}; annettu {value}.",
        "sv": "Talet måste ligga mellan {min} och {max}{unit}; angivet {value}.",
        "en": "The number must be between {min} and {max}{unit}; got {value}.",
    },
    "number_below_min": {
        "fi": "Luvun on oltava vähintään {min}{unit}; annettu {value}.",
        "sv": "Talet måste vara minst {min}{unit}; angivet {value}.",
        "en": "The number must be at least {min}{unit}; got {value}.",
    },
    "number_above_max": {
        "fi": "Luvun on oltava enintään {max}{unit}; annettu {value}.",
        "sv": "Talet får vara högst {max}{unit}; angivet {value}.",
        "en": "The number must be at most {max}{unit}; got {value}.",
    },
    "not_rows": {
        "fi": "Toimet on annettava rivien luettelona.",
        "sv": "Åtgärderna ska anges som en lista med rader.",
        "en": "The measures must be given as a list of rows.",
    },
    "too_many_rows": {
        "fi": "Toimia voi olla enintään {limit}; nyt {count}.",
        "sv": "Högst {limit} åtgärder är tillåtna; nu {count}.",
        "en": "At most {limit} measures are allowed; now {count}.",
    },
    "row_not_mapping": {
        "fi": "Rivi {row}: rivin tiedot ovat virheellisessä muodossa.",
        "sv": "Rad {row}: radens uppgifter har fel format.",
        "en": "Row {row}: the row must be a mapping of fields.",
    },
    "row_unknown_field": {
        "fi": "Rivi {row}: tuntematon kenttä ”{field}”.",
        "sv": "Rad {row}: okänt fält ”{field}”.",
        "en": "Row {row}: unknown field “{field}”.",
    },
    "row_field_required": {
        "fi": "Rivi {row}: kenttä ”{label}” on pakollinen.",
        "sv": "Rad {row}: fältet ”{label}” är obligatoriskt.",
        "en": "Row {row}: the field “{label}” is required.",
    },
    "row_field_not_text": {
        "fi": "Rivi {row}, ”{label}”: arvon on oltava tekstiä.",
        "sv": "Rad {row}, ”{label}”: värdet måste vara text.",
        "en": "Row {row}, “{label}”: the value must be text.",
    },
    "row_field_too_long": {
        "fi": "Rivi {row}, ”{label}”: enintään {limit} merkkiä, nyt {length}.",
        "sv": "Rad {row}, ”{label}”: högst {limit} tecken, nu {length}.",
        "en": "Row {row}, “{label}”: at most {limit} characters, now {length}.",
    },
    "row_field_invalid_characters": {
        "fi": "Rivi {row}, ”{label}”: kentässä on merkkejä, joita ei voi tallentaa.",
        "sv": "Rad {row}, ”{label}”: fältet innehåller tecken som inte kan sparas.",
        "en": "Row {row}, “{label}”: the field contains characters that cannot be saved.",
    },
    "row_bad_date": {
        "fi": "Rivi {row}, ”{label}”: anna päivämäärä muodossa VVVV-KK-PP (esim. 2025-03-01); annettu ”{value}”.",
        "sv": "Rad {row}, ”{label}”: ange datumet som ÅÅÅÅ-MM-DD (t.ex. 2025-03-01); angivet ”{value}”.",
        "en": "Row {row}, “{label}”: give the date as YYYY-MM-DD (e.g. 2025-03-01); got “{value}”.",
    },
    "row_bad_choice": {
        "fi": "Rivi {row}, ”{label}”: ”{value}” ei ole sallittu vaihtoehto.",
        "sv": "Rad {row}, ”{label}”: ”{value}” är inte ett tillåtet alternativ.",
        "en": "Row {row}, “{label}”: “{value}” is not an allowed option.",
    },
    "row_not_list": {
        "fi": "Rivi {row}, ”{label}”: arvon on oltava luettelo vaihtoehdoista.",
        "sv": "Rad {row}, ”{label}”: värdet måste vara en lista med alternativ.",
        "en": "Row {row}, “{label}”: the value must be a list of options.",
    },
    "row_duplicate_choice": {
        "fi": "Rivi {row}, ”{label}”: ”{value}” on valittu kahdesti.",
        "sv": "Rad {row}, ”{label}”: ”{value}” har valts två gånger.",
        "en": "Row {row}, “{label}”: “{value}” is chosen twice.",
    },
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHOWN_VALUE_LENGTH = 60


def _error(message_id: str, lang: str, **values: object) -> AnswerError:
    texts = MESSAGES[message_id]
    return AnswerError(texts.get(lang, texts["fi"]).format(**values))


# One number-to-text rule for the whole portal; the name stays for the messages below.
_format_number = formatting.number


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 1] + "…"


def _is_empty(value: object) -> bool:
    """None, a whitespace-only text or an empty list/mapping: the question is unanswered."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def _is_blank_cell(value: object) -> bool:
    """An empty measures cell; a table editor may also hand over NaN for an empty cell."""
    return _is_empty(value) or (isinstance(value, float) and math.isnan(value))


def _storable(text: str) -> bool:
    """Whether a text can be stored as UTF-8 (a lone surrogate cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_answer(question: Question, value: object, lang: str = "fi") -> object:
    """Return ``value`` normalised for storage (None when unanswered) or raise ``AnswerError``."""
    if _is_empty(value):
        return None
    return _VALIDATORS[question.type](question, value, lang)


def _validate_text(question: Question, value: object, lang: str) -> str:
    if not isinstance(value, str):
        raise _error("not_text", lang)
    if len(value) > TEXT_MAX_LENGTH:
        raise _error(
            "text_too_long",
            lang,
            limit=_format_number(TEXT_MAX_LENGTH, lang),
            length=_format_number(len(value), lang),
        )
    if not _storable(value):
        raise _error("invalid_characters", lang)
    return value


def _validate_yes_no(question: Question, value: object, lang: str) -> bool:
    if not isinstance(value, bool):
        raise _error("not_yes_no", lang)
    return value


def _validate_single(question: Question, value: object, lang: str) -> str:
    if not isinstance(value, str) or value not in question.option_ids():
        raise _error("not_option", lang, value=_show(value))
    return value


def _validate_multi(question: Question, value: object, lang: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise _error("not_option_list", lang)
    option_ids = question.option_ids()
    chosen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or item not in option_ids:
            raise _error("not_option", lang, value=_show(item))
        if item in chosen:
            raise _error("duplicate_option", lang, value=_show(item))
        chosen.add(item)
    # Stored in the questionnaire's option order so that equal choices compare and export equally.
    return [option_id for option_id in option_ids if option_id in chosen]


def _validate_scale(question: Question, value: object, lang: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= SCALE_LEVELS:
        raise _error("not_scale", lang)
    return int(value)


def _validate_number(question: Question, value: object, lang: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _error("not_number", lang)
    number: int | float = int(value) if isinstance(value, numbers.Integral) else float(value)
    if not math.isfinite(number):
        raise _error("not_finite", lang)
    low, high = question.min, question.max
    if (low is not None and number < low) or (high is not None and number > high):
        unit = f" {question.unit.get(lang)}" if question.unit else ""
        shown = {"value": _format_number(number, lang), "unit": unit}
        if low is not None and high is not None:
            raise _error("number_out_of_range", lang, min=_format_number(low, lang), max=_format_number(high, lang), **shown)
        if low is not None:
            raise _error("number_below_min", lang, min=_format_number(low, lang), **shown)
        raise _error("number_above_max", lang, max=_format_number(high, lang), **shown)
    return number


def _validate_measures(question: Question, value: object, lang: str) -> list[dict[str, object]] | None:
    if not isinstance(value, (list, tuple)):
        raise _error("not_rows", lang)
    rows: list[dict[str, object]] = []
    for row_number, row in enumerate(value, start=1):
        if not isinstance(row, Mapping):
            raise _error("row_not_mapping", lang, row=row_number)
        for key in row:
            if key not in MEASURE_FIELDS:
                raise _error("row_unknown_field", lang, row=row_number, field=_show(key))
        normalised = {key: _validate_measure_cell(field, row.get(key), row_number, lang) for key, field in MEASURE_FIELDS.items()}
        # A table editor leaves blank rows behind; they are not measures.
        if all(_is_empty(cell) for cell in normalised.values()):
            continue
        for key, field in MEASURE_FIELDS.items():
            if field.required and normalised[key] is None:
                raise _error("row_field_required", lang, row=row_number, label=field.label.get(lang))
        rows.append(normalised)
    if len(rows) > question.max_rows:
        raise _error("too_many_rows", lang, limit=question.max_rows, count=len(rows))
    return rows or None


def _validate_measure_cell(field: MeasureField, value: object, row: int, lang: str) -> object:
    label = field.label.get(lang)
    if field.kind == "multi":
        return _validate_measure_choices(field, value, row, label, lang)
    if _is_blank_cell(value):
        return None
    if field.kind == "date":
        return _validate_measure_date(value, row, label, lang)
    if field.kind == "single":
        if not isinstance(value, str) or value not in field.options:
            raise _error("row_bad_choice", lang, row=row, label=label, value=_show(value))
        return value
    if not isinstance(value, str):
        raise _error("row_field_not_text", lang, row=row, label=label)
    if field.max_length is not None and len(value) > field.max_length:
        raise _error(
            "row_field_too_long",
            lang,
            row=row,
            label=label,
            limit=_format_number(field.max_length, lang),
            length=_format_number(len(value), lang),
        )
    if not _storable(value):
        raise _error("row_field_invalid_characters", lang, row=row, label=label)
    return value


def _validate_measure_date(value: object, row: int, label: str, lang: str) -> str:
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
    raise _error("row_bad_date", lang, row=row, label=label, value=_show(value))


def _validate_measure_choices(field: MeasureField, value: object, row: int, label: str, lang: str) -> list[str]:
    if _is_blank_cell(value):
        return []
    if not isinstance(value, (list, tuple)):
        raise _error("row_not_list", lang, row=row, label=label)
    chosen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or item not in field.options:
            raise _error("row_bad_choice", lang, row=row, label=label, value=_show(item))
        if item in chosen:
            raise _error("row_duplicate_choice", lang, row=row, label=label, value=_show(item))
        chosen.add(item)
    return [option_id for option_id in field.options if option_id in chosen]


_VALIDATORS: dict[str, Callable[[Question, object, str], object]] = {
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
