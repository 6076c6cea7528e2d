"""Figures, periods, dates and answers as a person reads them, in Finnish, Swedish and English.

The one place values become text, for pages, exports and messages alike. Finnish and Swedish group
thousands with a no-break space and use a decimal comma; negative numbers carry a real minus sign (U+2212),
which screen readers say and which does not break from its digits. A missing figure is a dash, and so is an
empty table cell (``table_cells``). Workbook cells keep their numbers: these functions are for text only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from yse_core.i18n import t

# The plain rules below everything (why they are there: yse_core.values); formatting.number, .unanswered and .blank
# are the way to call them.
from yse_core.values import MISSING, blank, number, unanswered  # noqa: F401  (unanswered: re-exported)

if TYPE_CHECKING:
    import pandas as pd

    from yse_core.questionnaire.models import Question

# The decimals an indicator value shows when its catalogue entry names none.
UNIT_DECIMALS = {"percent": 1, "days": 1, "pp": 1, "persons": 0, "count": 0}
UNIT_SUFFIXES = {"percent": "situation.suffix.percent", "days": "situation.suffix.days", "pp": "situation.suffix.pp"}
QUOTED_TEXT_LENGTH = 80  # a free-text answer quoted inside a sentence is cut to this many characters

AnswerForm = Literal["view", "full", "quote"]


def value_with_unit(value: float | int | None, unit: str, lang: str = "fi", decimals: int | None = None, *,
                    signed: bool = False) -> str:
    """Return an indicator value with its unit: "14,2 %", "21,3 pv", "+1,5 %-yks.", "50 631" (counts need none).

    ``decimals=None`` takes the unit's usual decimals (one for percent, days and points, none for counts).
    """
    if decimals is None:
        decimals = UNIT_DECIMALS.get(unit)
    text = number(value, lang, decimals, signed=signed)
    if value is None or text == MISSING or unit not in UNIT_SUFFIXES:
        return text
    return f"{text} {t(UNIT_SUFFIXES[unit], lang)}"


def period(value: str | None) -> str:
    """Return a statistics period for display: ``2025-12`` → ``12/2025`` (does not wrap), ``2025`` as is; a dash when missing."""
    if not value:
        return MISSING
    if len(value) == 7 and value[4] == "-":
        return f"{value[5:]}/{value[:4]}"
    return value


def local_date(iso: str | None) -> str:
    """Return an ISO date, or a stored UTC timestamp in local time, as d.m.yyyy; a dash when missing."""
    if not iso:
        return MISSING
    day = dt.datetime.fromisoformat(iso).astimezone().date() if len(iso) > 10 else dt.date.fromisoformat(iso)
    return f"{day.day}.{day.month}.{day.year}"


def local_time(iso: str | None) -> str:
    """Return a stored UTC timestamp in local time as d.m.yyyy hh:mm; a dash when missing."""
    if not iso:
        return MISSING
    moment = dt.datetime.fromisoformat(iso).astimezone()
    return f"{moment.day}.{moment.month}.{moment.year} {moment:%H:%M}"


# --- table cells ----------------------------------------------------------------------------------


def empty(value: object) -> bool:
    """Nothing to show: None, NaN or NaT (pandas' missing values), a blank text or an empty list."""
    if blank(value):
        return True
    if isinstance(value, (str, list, tuple, dict, set)):
        return False
    try:
        return bool(value != value)  # NaN and NaT are the values not equal to themselves
    except (TypeError, ValueError):  # an array's comparison has no single truth value
        return False


def cell(value: object) -> object:
    """Return a table cell as shown: a dash when empty, else the value itself (a number stays a number)."""
    return MISSING if empty(value) else value


def table_cells(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Return a table for the page with a dash in every empty cell, never None, nan or NaT; full columns keep their type.

    With ``lang``, a number column that has an empty cell is written out in that language (12 345,6 and –), since a
    column of numbers cannot hold a dash; without it such a column shows its numbers as they are.
    """
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if lang is not None and values.dtype.kind in "if" and values.isna().any():
            shown[column] = [number(value, lang) for value in values]
        else:
            shown[column] = [cell(value) for value in values]
    return shown.infer_objects()


# --- answers ---------------------------------------------------------------------------------------


def answer_text(question: Question | None, value: object, lang: str = "fi", *, form: AnswerForm = "view") -> str:
    """Return an answer as text: yes/no, a scale level with its label, option labels, a number with its unit, measures.

    ``form`` says where the text goes: ``"view"`` for read-only views and documents (measures as a count),
    ``"full"`` for spreadsheets and previews (every measure written out), ``"quote"`` inside a sentence (yes/no
    in lower case, a long text cut short, measures by name). Without ``question`` the value's own shape decides.
    """
    if blank(value):
        return t("q.no_answer", lang)
    if isinstance(value, bool):
        text = t("q.yes" if value else "q.no", lang)
        return text.lower() if form == "quote" else text
    if isinstance(value, (int, float)):
        return _number_answer(question, value, lang)
    if isinstance(value, str):
        if question is not None and question.type == "single":
            return question.option_label(value, lang)
        if form == "quote" and len(value) > QUOTED_TEXT_LENGTH:
            return value[: QUOTED_TEXT_LENGTH - 1] + "…"
        return value
    if isinstance(value, list) and all(isinstance(row, Mapping) for row in value):
        return _measures_answer(value, lang, form)
    if isinstance(value, list):
        return ", ".join(question.option_label(item, lang) if question is not None else str(item) for item in value)
    return str(value)


def _number_answer(question: Question | None, value: int | float, lang: str) -> str:
    labels = question.scale_labels if question is not None and question.type == "scale" else None
    if labels and isinstance(value, int) and 1 <= value <= len(labels):
        return f"{value} – {labels[value - 1].get(lang)}"
    text = number(value, lang)
    if question is not None and question.type == "number" and question.unit:
        return f"{text} {question.unit.get(lang)}"
    return text


def _measures_answer(rows: list[Mapping], lang: str, form: AnswerForm) -> str:
    if form == "quote":
        names = [row.get("name") for row in rows]
        return ", ".join(name.strip() if isinstance(name, str) and name.strip() else f"#{index}"
                         for index, name in enumerate(names, start=1))
    if form == "full":
        return "\n".join(f"{index}) " + "; ".join(f"{label}: {text}" for label, text in pairs)
                         for index, pairs in enumerate(measure_rows(rows, lang), start=1))
    return t("q.measure_count", lang, count=len(rows))


def measure_field_text(key: str, cell: object, lang: str = "fi") -> str:
    """Return one field of a measures row as text (choices by their labels, dates as d.m.yyyy); empty when blank."""
    # Imported here: the questionnaire package imports the errors module, which imports this one.
    from yse_core.questionnaire.models import MEASURE_FIELDS

    if blank(cell):
        return ""
    field = MEASURE_FIELDS[key]
    if field.kind == "multi":
        return ", ".join(field.options[item].get(lang) if item in field.options else str(item) for item in cell)
    if field.kind == "single":
        return field.options[cell].get(lang) if cell in field.options else str(cell)
    if field.kind == "date" and isinstance(cell, str) and len(cell) == 10:
        return local_date(cell)
    return str(cell)


def measure_rows(value: object, lang: str = "fi") -> list[list[tuple[str, str]]]:
    """Return each measure as (field label, text) pairs in display order, leaving out empty fields."""
    from yse_core.questionnaire.models import MEASURE_FIELDS  # see measure_field_text

    rows = value if isinstance(value, list) else []
    result = []
    for row in rows:
        pairs = [(field.label.get(lang), measure_field_text(key, row.get(key), lang)) for key, field in MEASURE_FIELDS.items()]
        result.append([(label, text) for label, text in pairs if text])
    return result
