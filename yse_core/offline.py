"""Offline filling: an area's answers as an Excel template, read back, previewed and applied.

Many areas gather input from colleagues by e-mail. The template holds the answers at download time
and a fingerprint of each; reading it back returns only the answers edited in the file, so that an
upload never undoes what someone else saved in the portal after the download.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import openpyxl
import sqlite_utils
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from . import audit, formatting
from .auth import User
from .db import now_iso, transaction
from .errors import AnswerError, YseError
from .i18n import LANGUAGES, t
from .questionnaire import (
    FOLLOW_UP_FREQUENCIES,
    MEASURE_FIELDS,
    TARGET_GROUPS,
    TEXT_MAX_LENGTH,
    Question,
    Text,
    is_visible,
    validate_answer,
)
from .responses import ResponseContext, import_answers, load_context

TEMPLATE_FORMAT = "yse-offline-1"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
META_SHEET = "yse_meta"  # very hidden: which area, round and questionnaire, and each answer's fingerprint
LISTS_SHEET = "yse_lists"  # hidden: the values of the drop-down lists
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
SPARE_MEASURE_ROWS = 200
QUESTION_COLUMNS = ("id", "theme", "question", "help", "type", "allowed", "answer")
# Excel evaluates a typed text that starts with one of these; such text is written as a quoted string.
FORMULA_STARTS = ("=", "+", "-", "@")
_SCALE_TEXT = re.compile(r"^\s*(\d+)(?:[.,]0+)?\s*(?:[–—-].*)?$", re.DOTALL)
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_FINNISH_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_ANSWER_FILL = PatternFill("solid", fgColor="FFF9DB")
_GREY_FONT = Font(color="808080")
_WRAP = Alignment(wrap_text=True, vertical="top")
_QUESTION_WIDTHS = {"id": 26, "theme": 24, "question": 60, "help": 48, "type": 16, "allowed": 36, "answer": 60}


class TemplateError(AnswerError):
    """An uploaded template cannot be used; ``problems`` lists every problem, each a message naming its place."""

    def __init__(self, key: str, /, problems: Iterable[YseError] = (), **params: object):
        super().__init__(key, **params)
        self.problems = list(problems)

    def summary(self, lang: str = "fi") -> str:
        """The summary line in ``lang``, without the problems."""
        return super().message(lang)

    def problem_texts(self, lang: str = "fi") -> list[str]:
        """Every problem in ``lang``, each naming its cell."""
        return [problem.message(lang) for problem in self.problems]

    def message(self, lang: str = "fi") -> str:
        """The summary and the problems as a list, in ``lang``."""
        return "\n".join([self.summary(lang), *(f"- {problem}" for problem in self.problem_texts(lang))])


class _CellError(YseError):
    """A cell's value cannot be read; the message names the cell."""


def _each(text: Callable[[str], str]) -> dict[str, str]:
    """A text that depends on the language (labels, allowed values) as a message parameter: language → text."""
    return {language: text(language) for language in LANGUAGES}


# --- shared helpers -----------------------------------------------------------------------------


def _key(text: str) -> str:
    """A label as it is matched: case and runs of whitespace do not matter."""
    return " ".join(text.split()).casefold()


def _encode(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _as_written(value: object) -> object:
    """A value as a workbook can hold it: without the control characters XML cannot carry."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_written(item) for key, item in value.items()}
    return value


def _fingerprint(value: object) -> str:
    return hashlib.sha256(_encode(value).encode("utf-8")).hexdigest()[:20]


# One number-to-text rule for the whole portal; the name stays for the messages below.
_number_text = formatting.number


def _sheet_names(kind: str) -> set[str]:
    return {t(f"offline.sheet.{kind}", lang) for lang in LANGUAGES}


def _yes_no_label(value: bool, lang: str) -> str:
    return t("offline.yes" if value else "offline.no", lang)


def _scale_choice(question: Question, level: int, lang: str) -> str:
    return f"{level} – {question.scale_labels[level - 1].get(lang)}"


def _applies_to_area(question: Question, area: Mapping[str, object]) -> bool:
    """Whether a question can be shown to this area at all, whatever its other answers are."""
    condition = question.visible_if
    if condition is None:
        return True
    if condition.area is not None:
        return is_visible(question, {}, area)
    return question.controller is None or _applies_to_area(question.controller, area)


def _template_questions(context: ResponseContext) -> list[tuple[str, Question]]:
    """(theme title id, question) of every question the area may answer, in questionnaire order."""
    return [(theme.id, question) for theme, question in context.questionnaire.questions()
            if _applies_to_area(question, context.area)]


def _choice_labels(question: Question, lang: str) -> list[str]:
    """The values a person picks from for a yes/no, single, multi or scale question, in ``lang``."""
    if question.type == "yes_no":
        return [_yes_no_label(True, lang), _yes_no_label(False, lang)]
    if question.type in ("single", "multi"):
        return [option.label.get(lang) for option in question.options or []]
    if question.type == "scale":
        return [_scale_choice(question, level, lang) for level in range(1, len(question.scale_labels or []) + 1)]
    return []


def _allowed_inline(question: Question, lang: str) -> str:
    """The allowed values in one line, for an error message."""
    if question.type == "scale":
        return "1–5"
    if question.type == "number":
        return _number_range(question, lang)
    return ("/" if question.type == "yes_no" else " / ").join(_choice_labels(question, lang))


def _number_range(question: Question, lang: str) -> str:
    unit = f" {question.unit.get(lang)}" if question.unit else ""
    low, high = question.min, question.max
    if low is not None and high is not None:
        return f"{_number_text(low, lang)}–{_number_text(high, lang)}{unit}"
    if low is not None:
        return t("offline.allowed.at_least", lang, min=_number_text(low, lang)) + unit
    if high is not None:
        return t("offline.allowed.at_most", lang, max=_number_text(high, lang)) + unit
    return t("offline.allowed.any_number", lang) + unit


def _lookup(labelled: Iterable[tuple[Text | str, object]], lang: str) -> dict[str, object]:
    """Label (in any language, the template's first) or id → value."""
    pairs = list(labelled)
    found: dict[str, object] = {}
    for language in (lang, *LANGUAGES):
        for label, value in pairs:
            found.setdefault(_key(label if isinstance(label, str) else label.get(language)), value)
    return found


def _question_lookup(question: Question, lang: str) -> dict[str, object]:
    if question.type == "yes_no":
        yes_no = [(label, value) for value in (True, False) for label in
                  (t("offline.yes" if value else "offline.no", language) for language in LANGUAGES)]
        return _lookup(yes_no, lang)
    if question.type == "scale":
        return _lookup([(label, level) for level, label in enumerate(question.scale_labels or [], start=1)], lang)
    options = question.options or []
    return _lookup([*((option.label, option.id) for option in options), *((option.id, option.id) for option in options)], lang)


def _options_lookup(options: Mapping[str, Text], lang: str) -> dict[str, object]:
    return _lookup([*((label, key) for key, label in options.items()), *((key, key) for key in options)], lang)


# --- writing the template -----------------------------------------------------------------------


def _put(cell, value: object) -> None:
    """Write a value; text is always a string cell, and quoted when Excel would read it as a formula."""
    if isinstance(value, str):
        value = _as_written(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value


@dataclass
class _Lists:
    """The hidden sheet that holds drop-down lists, one column per distinct list."""

    sheet: object
    ranges: dict[tuple[str, ...], str] = field(default_factory=dict)

    def formula(self, values: list[str]) -> str:
        key = tuple(values)
        if key not in self.ranges:
            column = get_column_letter(len(self.ranges) + 1)
            for row, value in enumerate(values, start=1):
                _put(self.sheet[f"{column}{row}"], value)
            self.ranges[key] = f"{quote_sheetname(self.sheet.title)}!${column}$1:${column}${len(values)}"
        return self.ranges[key]


def _list_validation(lists: _Lists, values: list[str], lang: str) -> DataValidation:
    return DataValidation(type="list", formula1=lists.formula(values), allow_blank=True, showErrorMessage=True,
                          errorTitle=t("offline.validation_title", lang), error=t("offline.validation_list", lang))


def _answer_cell_value(question: Question, value: object, lang: str, measures_sheet: str) -> object:
    """An answer as the person filling the template reads and writes it."""
    if question.type == "measures":
        return t("offline.measures_cell", lang, count=len(value or []), sheet=measures_sheet)
    if value is None:
        return None
    if question.type == "yes_no":
        return _yes_no_label(bool(value), lang)
    if question.type == "single":
        return question.option_label(value, lang)
    if question.type == "multi":
        return "; ".join(question.option_label(option_id, lang) for option_id in value)
    if question.type == "scale":
        return _scale_choice(question, value, lang)
    return value


def _allowed_cell(question: Question, lang: str, measures_sheet: str) -> str:
    if question.type in ("text", "long_text"):
        return t("offline.allowed.text", lang, limit=_number_text(TEXT_MAX_LENGTH, lang))
    if question.type == "multi":
        return "\n".join([t("offline.allowed.multi", lang), *_choice_labels(question, lang)])
    if question.type == "scale":
        return "\n".join([t("offline.allowed.scale", lang), *_choice_labels(question, lang)])
    if question.type == "number":
        return _number_range(question, lang)
    if question.type == "measures":
        return t("offline.allowed.measures", lang, sheet=measures_sheet)
    return "\n".join(_choice_labels(question, lang)) if question.type == "single" else _allowed_inline(question, lang)


def _help_cell(question: Question, lang: str) -> str:
    parts = [question.help.get(lang)] if question.help else []
    condition, controller = question.visible_if, question.controller
    if condition is not None and controller is not None:
        shown = []
        for value in condition.values:
            if controller.type == "yes_no":
                shown.append(_yes_no_label(bool(value), lang))
            elif controller.type in ("single", "multi"):
                shown.append(controller.option_label(str(value), lang))
            else:
                shown.append(str(value))
        parts.append(t("offline.condition", lang, question=controller.text.get(lang),
                       values=" / ".join(f"”{value}”" for value in shown)))
    if question.required:
        parts.append(t("offline.required", lang))
    return "\n\n".join(parts)


def _write_questions(sheet, context: ResponseContext, lists: _Lists, lang: str, measures_sheet: str) -> None:
    themes = {theme.id: theme.title.get(lang) for theme in context.questionnaire.themes}
    for column, name in enumerate(QUESTION_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column)
        _put(cell, t(f"offline.col.{name}", lang))
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = _QUESTION_WIDTHS[name]
    answer_column = QUESTION_COLUMNS.index("answer") + 1
    for row, (theme_id, question) in enumerate(_template_questions(context), start=2):
        value = context.values.get(question.id)
        texts = [question.id, themes[theme_id], question.text.get(lang), _help_cell(question, lang),
                 t(f"offline.type.{question.type}", lang), _allowed_cell(question, lang, measures_sheet),
                 _answer_cell_value(question, value, lang, measures_sheet)]
        for column, text in enumerate(texts, start=1):
            cell = sheet.cell(row=row, column=column)
            _put(cell, text)
            cell.alignment = _WRAP
            cell.fill = _LOCKED_FILL
        sheet.cell(row=row, column=1).font = _GREY_FONT
        answer = sheet.cell(row=row, column=answer_column)
        if question.type == "measures":
            answer.font = _GREY_FONT
            continue
        answer.fill, answer.protection = _ANSWER_FILL, Protection(locked=False)
        if question.type in ("text", "long_text", "multi"):
            answer.number_format = "@"  # what is typed stays text: no dates, numbers or formulas
        if question.type in ("yes_no", "single", "scale"):
            validation = _list_validation(lists, _choice_labels(question, lang), lang)
        elif question.type == "number" and (question.min is not None or question.max is not None):
            operator = ("between" if question.min is not None and question.max is not None
                        else "greaterThanOrEqual" if question.min is not None else "lessThanOrEqual")
            bounds = [bound for bound in (question.min, question.max) if bound is not None]
            validation = DataValidation(type="decimal", operator=operator, formula1=str(bounds[0]),
                                        formula2=str(bounds[1]) if len(bounds) == 2 else None, allow_blank=True,
                                        showErrorMessage=True, errorTitle=t("offline.validation_title", lang),
                                        error=t("offline.validation_number", lang, allowed=_number_range(question, lang)))
        else:
            continue
        sheet.add_data_validation(validation)
        validation.add(answer.coordinate)
    sheet.freeze_panes = "B2"
    # Protected without a password: only the answer cells are meant to change, but nothing is secret.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _measure_cell_value(key: str, value: object, lang: str) -> object:
    field_ = MEASURE_FIELDS[key]
    if value is None or value == []:
        return None
    if field_.kind == "multi":
        return ", ".join(field_.options[option].get(lang) for option in value)
    if field_.kind == "single":
        return field_.options[value].get(lang)
    if field_.kind == "date":
        return dt.date.fromisoformat(value)
    return value


def _write_measures(sheet, context: ResponseContext, lists: _Lists, lang: str) -> None:
    measures = [question for _, question in _template_questions(context) if question.type == "measures"]
    keys = list(MEASURE_FIELDS)
    headers = [t("offline.col.question_id", lang), *(MEASURE_FIELDS[key].label.get(lang) for key in keys)]
    notes = {
        "target_groups": "\n".join([t("offline.allowed.target_groups", lang), *(label.get(lang) for label in TARGET_GROUPS.values())]),
        "follow_up_frequency": "\n".join([t("offline.allowed.follow_up", lang),
                                          *(label.get(lang) for label in FOLLOW_UP_FREQUENCIES.values())]),
        "start_date": t("offline.allowed.date", lang),
    }
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _put(cell, header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = 28 if column == 1 else 32
        key = keys[column - 2] if column > 1 else None
        if key in notes:
            cell.comment = Comment(notes[key], "YSE", width=320, height=220)
    row = 2
    for question in measures:
        for measure in context.values.get(question.id) or []:
            _put(sheet.cell(row=row, column=1), question.id)
            for column, key in enumerate(keys, start=2):
                _put(sheet.cell(row=row, column=column), _measure_cell_value(key, measure.get(key), lang))
            row += 1
    last_row = row + SPARE_MEASURE_ROWS
    for column, key in enumerate([None, *keys], start=1):
        letter = get_column_letter(column)
        kind = MEASURE_FIELDS[key].kind if key else "id"
        # Column styles reach the rows a person adds; the rows written above get the same style.
        number_format = "yyyy-mm-dd" if kind == "date" else "@"
        sheet.column_dimensions[letter].number_format = number_format
        sheet.column_dimensions[letter].alignment = _WRAP
        for cell_row in range(2, row):
            cell = sheet.cell(row=cell_row, column=column)
            cell.alignment, cell.number_format = _WRAP, number_format
        choices = ([question.id for question in measures] if kind == "id"
                   else [label.get(lang) for label in FOLLOW_UP_FREQUENCIES.values()] if key == "follow_up_frequency" else None)
        if choices:
            validation = _list_validation(lists, choices, lang)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "B2"


def _write_instructions(sheet, context: ResponseContext, user: User, lang: str, names: Mapping[str, str]) -> None:
    area = context.area
    area_name = area.get("name_sv") if lang == "sv" and area.get("name_sv") else area["name_fi"]
    _put(sheet["A1"], t("offline.instructions.title", lang, title=context.questionnaire.title.get(lang)))
    sheet["A1"].font = Font(bold=True, size=14)
    facts = [("area", f"{area_name} ({area['id']})"), ("round", str(context.round["year"])),
             ("deadline", str(context.round.get("deadline") or "")), ("downloaded", f"{now_iso()} ({user.username})")]
    for row, (key, value) in enumerate(facts, start=3):
        _put(sheet.cell(row=row, column=1), t(f"offline.instructions.{key}", lang))
        sheet.cell(row=row, column=1).font = _HEADER_FONT
        _put(sheet.cell(row=row, column=2), value)
    steps = t("offline.instructions.steps", lang, questions=names["questions"], measures=names["measures"],
              answer=t("offline.col.answer", lang), question_id=t("offline.col.question_id", lang)).split("\n")
    row = 3 + len(facts) + 1
    for step in steps:
        _put(sheet.cell(row=row, column=1), step)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        sheet.cell(row=row, column=1).alignment = _WRAP
        sheet.row_dimensions[row].height = 48
        row += 1
    measures = [question for _, question in _template_questions(context) if question.type == "measures"]
    if measures:
        row += 1
        _put(sheet.cell(row=row, column=1), t("offline.instructions.measures_questions", lang))
        sheet.cell(row=row, column=1).font = _HEADER_FONT
        for question in measures:
            row += 1
            _put(sheet.cell(row=row, column=1), question.id)
            _put(sheet.cell(row=row, column=2), question.text.get(lang))
            sheet.cell(row=row, column=2).alignment = _WRAP
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100


def _write_meta(sheet, context: ResponseContext, user: User, lang: str) -> None:
    rows = [("format", TEMPLATE_FORMAT), ("area_id", context.area["id"]), ("round_year", str(context.round["year"])),
            ("questionnaire", context.questionnaire.key), ("lang", lang), ("downloaded_at", now_iso()),
            ("downloaded_by", user.username)]
    rows += [(f"fingerprint:{question.id}", _fingerprint(_as_written(context.values.get(question.id))))
             for _, question in _template_questions(context)]
    for row, (key, value) in enumerate(rows, start=1):
        _put(sheet.cell(row=row, column=1), key)
        _put(sheet.cell(row=row, column=2), value)
    sheet.sheet_state = "veryHidden"


def template_xlsx(db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str = "fi") -> bytes:
    """Return an .xlsx template holding the area's current answers, to fill in offline and upload back."""
    context = load_context(db, user, round_year, area_id)
    names = {kind: t(f"offline.sheet.{kind}", lang) for kind in ("instructions", "questions", "measures")}
    workbook = openpyxl.Workbook()
    instructions = workbook.active
    instructions.title = names["instructions"]
    questions = workbook.create_sheet(names["questions"])
    measures = workbook.create_sheet(names["measures"])
    lists_sheet = workbook.create_sheet(LISTS_SHEET)
    lists_sheet.sheet_state = "hidden"
    lists = _Lists(lists_sheet)
    _write_instructions(instructions, context, user, lang, names)
    _write_questions(questions, context, lists, lang, names["measures"])
    _write_measures(measures, context, lists, lang)
    _write_meta(workbook.create_sheet(META_SHEET), context, user, lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading the template back ------------------------------------------------------------------


@dataclass(frozen=True)
class _Meta:
    area_id: str
    round_year: int
    questionnaire: str
    fingerprints: dict[str, str]


def _open_workbook(data: bytes):
    if len(data) > MAX_FILE_BYTES:
        raise TemplateError("offline.error.too_large", size=round(len(data) / 1048576, 1), limit=MAX_FILE_BYTES // 1048576)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # zipfile, openpyxl and the XML parser raise many kinds of errors for a damaged file
        raise TemplateError("offline.error.not_xlsx", reason=type(error).__name__) from error


def _read_meta(workbook) -> _Meta:
    if META_SHEET not in workbook.sheetnames:
        raise TemplateError("offline.error.not_template")
    entries: dict[str, str] = {}
    workbook[META_SHEET].reset_dimensions()
    for row in workbook[META_SHEET].iter_rows(max_col=2, values_only=True):
        if len(row) == 2 and isinstance(row[0], str) and row[1] is not None:
            entries[row[0]] = str(row[1])
    try:
        if entries["format"] != TEMPLATE_FORMAT:
            raise ValueError(entries["format"])
        return _Meta(entries["area_id"], int(entries["round_year"]), entries["questionnaire"],
                     {key.removeprefix("fingerprint:"): value for key, value in entries.items() if key.startswith("fingerprint:")})
    except (KeyError, ValueError) as error:
        raise TemplateError("offline.error.not_template") from error


def _find_sheet(workbook, kind: str):
    for name in workbook.sheetnames:
        if name in _sheet_names(kind):
            return workbook[name]
    raise TemplateError("offline.error.missing_sheet", sheet=_each(lambda language: t(f"offline.sheet.{kind}", language)))


def _rows(sheet) -> list[tuple[int, tuple]]:
    """Every row with a value as (row number, cells); more than MAX_ROWS rows is refused."""
    found = []
    sheet.reset_dimensions()  # a file's own dimension record may be wrong; read until the last row
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number > MAX_ROWS:
            raise TemplateError("offline.error.too_many_rows", sheet=sheet.title, limit=MAX_ROWS)
        if any(cell.value is not None for cell in cells):
            found.append((number, cells))
    return found


def _header(sheet, rows: list[tuple[int, tuple]], names: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Column index (0-based) of each named column, matched by its header in any language."""
    by_header = {_key(header): name for name, headers in names.items() for header in headers}
    cells = rows[0][1] if rows and rows[0][0] == 1 else ()
    columns: dict[str, int] = {}
    problems: list[YseError] = []
    for index, cell in enumerate(cells):
        name = by_header.get(_key(cell.value)) if isinstance(cell.value, str) else None
        if name is None:
            continue
        if name in columns:
            problems.append(YseError("offline.error.duplicate_column", place=f"{sheet.title}!{get_column_letter(index + 1)}1",
                                     column=cell.value))
        columns.setdefault(name, index)
    for name in names:
        if name not in columns:
            problems.append(YseError("offline.error.missing_column", place=f"{sheet.title}!1:1",
                                     column=_each(lambda language, name=name: _column_title(name, language))))
    if problems:
        raise TemplateError("offline.error.summary", problems, count=len(problems))
    return columns


def _column_title(name: str, lang: str) -> str:
    return MEASURE_FIELDS[name].label.get(lang) if name in MEASURE_FIELDS else t(f"offline.col.{name}", lang)


def _cell(cells: tuple, index: int):
    return cells[index] if index < len(cells) else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _raw(cell, place: str) -> object:
    """The value of a cell; a formula is refused because the portal cannot know what Excel shows."""
    if cell is None:
        return None
    if cell.data_type == "f":
        raise _CellError("offline.error.formula", place=place, formula=str(cell.value)[:40])
    return cell.value


def _as_text(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _choose(lookup: Mapping[str, object], raw: object, place: str, allowed: Mapping[str, str]) -> object:
    text = _as_text(raw)
    if _key(text) in lookup:
        return lookup[_key(text)]
    raise _CellError("offline.error.not_allowed", place=place, value=text, allowed=allowed)


def _choose_many(lookup: Mapping[str, object], raw: object, place: str, allowed: Mapping[str, str]) -> list:
    """Split a cell of several labels on semicolons and line breaks, and on commas between whole labels."""
    chosen: list = []
    for chunk in re.split(r"[;\n]", _as_text(raw)):
        parts, start = chunk.split(","), 0
        while start < len(parts):
            # the longest run of comma-separated parts that is one label (labels may contain commas)
            end = next((end for end in range(len(parts), start, -1) if _key(",".join(parts[start:end])) in lookup), None)
            if end is None:
                if parts[start].strip():
                    raise _CellError("offline.error.not_allowed", place=place, value=parts[start].strip(), allowed=allowed)
                start += 1
                continue
            value = lookup[_key(",".join(parts[start:end]))]
            if value not in chosen:
                chosen.append(value)
            start = end
    return chosen


def _whole(number: int | float) -> int | float:
    """Excel keeps every number as a float; a whole number is read back as an int."""
    return int(number) if isinstance(number, float) and math.isfinite(number) and number.is_integer() else number


def _parse_answer(question: Question, raw: object, place: str, lang: str) -> object:
    """A cell of the answer column as the value ``validate_answer`` expects (ids, not labels)."""
    if _blank(raw):
        return None
    kind = question.type
    if kind in ("text", "long_text"):
        return _as_text(raw)
    if kind == "yes_no" and isinstance(raw, bool):
        return raw
    if kind in ("yes_no", "single"):
        return _choose(_question_lookup(question, lang), raw, place, _each(lambda language: _allowed_inline(question, language)))
    if kind == "multi":
        return _choose_many(_question_lookup(question, lang), raw, place, _each(lambda language: _allowed_inline(question, language)))
    if kind == "scale":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return _whole(raw)
        match = _SCALE_TEXT.match(_as_text(raw))
        if match:
            return int(match.group(1))
        return _choose(_question_lookup(question, lang), raw, place, _each(lambda language: _allowed_inline(question, language)))
    if kind == "number":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return _whole(raw)
        text = re.sub(r"[\s\u00a0\u202f]", "", _as_text(raw)).replace(",", ".")
        if _NUMBER_TEXT.match(text):
            return _whole(float(text)) if "." in text else int(text)
        raise _CellError("offline.error.not_number", place=place, value=_as_text(raw),
                         allowed=_each(lambda language: _number_range(question, language)))
    return raw


def _parse_date(raw: object, place: str) -> str | None:
    if _blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = _as_text(raw).strip()
    try:
        finnish = _FINNISH_DATE.match(text)
        if finnish:
            return dt.date(int(finnish.group(3)), int(finnish.group(2)), int(finnish.group(1))).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise _CellError("offline.error.not_date", place=place, value=text)


def _parse_measure_cell(key: str, raw: object, place: str, lang: str) -> object:
    field_ = MEASURE_FIELDS[key]
    if field_.kind == "date":
        return _parse_date(raw, place)
    if _blank(raw):
        return [] if field_.kind == "multi" else None
    if field_.kind == "multi":
        allowed = _each(lambda language: ", ".join(label.get(language) for label in field_.options.values()))
        return _choose_many(_options_lookup(field_.options, lang), raw, place, allowed)
    if field_.kind == "single":
        allowed = _each(lambda language: " / ".join(label.get(language) for label in field_.options.values()))
        return _choose(_options_lookup(field_.options, lang), raw, place, allowed)
    text = _as_text(raw)
    if field_.max_length is not None and len(text) > field_.max_length:
        raise _CellError("offline.error.too_long", place=place, limit=field_.max_length, length=len(text))
    return text


def _question_id(cell, place: str, questions: Mapping[str, Question], allowed: set[str], lang: str) -> str:
    question_id = _as_text(_raw(cell, place)).strip()
    if question_id not in questions:
        raise _CellError("offline.error.unknown_question", place=place, question_id=question_id)
    if question_id not in allowed:
        raise _CellError("offline.error.not_for_area", place=place, question_id=question_id)
    return question_id


def _read_questions(workbook, context: ResponseContext, lang: str, problems: list[YseError]) -> dict[str, object]:
    sheet = _find_sheet(workbook, "questions")
    rows = _rows(sheet)
    names = {name: [t(f"offline.col.{name}", language) for language in LANGUAGES] for name in ("id", "answer")}
    columns = _header(sheet, rows, names)
    questions = dict(context.questionnaire.questions_by_id())
    allowed = {question.id for _, question in _template_questions(context)}
    id_letter, answer_letter = get_column_letter(columns["id"] + 1), get_column_letter(columns["answer"] + 1)
    values: dict[str, object] = {}
    first_place: dict[str, str] = {}
    for number, cells in rows[1:]:
        id_place, place = f"{sheet.title}!{id_letter}{number}", f"{sheet.title}!{answer_letter}{number}"
        id_cell, answer_cell = _cell(cells, columns["id"]), _cell(cells, columns["answer"])
        try:
            if _blank(id_cell.value if id_cell is not None else None):
                if not _blank(answer_cell.value if answer_cell is not None else None):
                    problems.append(_CellError("offline.error.missing_question_id", place=id_place))
                continue
            question_id = _question_id(id_cell, id_place, questions, allowed, lang)
            if question_id in first_place:
                raise _CellError("offline.error.duplicate_question", place=id_place, question_id=question_id,
                                 first=first_place[question_id])
            first_place[question_id] = id_place
            question = questions[question_id]
            if question.type == "measures":  # the measures themselves are on their own sheet
                continue
            parsed = _parse_answer(question, _raw(answer_cell, place), place, lang)
            values[question_id] = validate_answer(question, parsed, lang)
        except _CellError as error:
            problems.append(error)
        except AnswerError as error:
            problems.append(_CellError("offline.error.invalid", place=place, message=error))
    return values


def _read_measures(workbook, context: ResponseContext, lang: str, problems: list[YseError]) -> dict[str, object]:
    measures = {question.id: question for _, question in _template_questions(context) if question.type == "measures"}
    if not measures:
        return {}
    sheet = _find_sheet(workbook, "measures")
    rows = _rows(sheet)
    names = {"question_id": [t("offline.col.question_id", language) for language in LANGUAGES],
             **{key: [measure_field.label.get(language) for language in LANGUAGES] for key, measure_field in MEASURE_FIELDS.items()}}
    columns = _header(sheet, rows, names)
    questions = dict(context.questionnaire.questions_by_id())
    collected: dict[str, list[dict]] = {question_id: [] for question_id in measures}
    for number, cells in rows[1:]:
        if all(_blank(cell.value) for cell in cells):
            continue
        id_place = f"{sheet.title}!{get_column_letter(columns['question_id'] + 1)}{number}"
        try:
            id_cell = _cell(cells, columns["question_id"])
            if id_cell is None or _blank(id_cell.value):
                if all(_blank(getattr(_cell(cells, columns[key]), "value", None)) for key in MEASURE_FIELDS):
                    continue  # a value only in a column the portal does not read
                raise _CellError("offline.error.missing_question_id", place=id_place)
            question_id = _question_id(id_cell, id_place, questions, set(questions), lang)
            if question_id not in measures:
                raise _CellError("offline.error.not_measures", place=id_place, question_id=question_id,
                                 allowed=", ".join(measures))
        except _CellError as error:
            problems.append(error)
            continue
        measure: dict[str, object] = {}
        for key, measure_field in MEASURE_FIELDS.items():
            place = f"{sheet.title}!{get_column_letter(columns[key] + 1)}{number}"
            try:
                measure[key] = _parse_measure_cell(key, _raw(_cell(cells, columns[key]), place), place, lang)
                if measure_field.required and measure[key] is None:
                    raise _CellError("offline.error.required_field", place=place, label=_each(measure_field.label.get))
            except _CellError as error:
                problems.append(error)
        collected[question_id].append(measure)
    values: dict[str, object] = {}
    for question_id, rows_of_question in collected.items():
        try:
            values[question_id] = validate_answer(measures[question_id], rows_of_question or None, lang)
        except AnswerError as error:
            problems.append(_CellError("offline.error.invalid", place=f"{sheet.title} ({question_id})", message=error))
    return values


def read_template(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, data: bytes, lang: str = "fi"
) -> dict[str, object]:
    """Read a filled-in template back: the answers edited in the file since its download, as stored values.

    Every cell is checked like the page checks an answer; all problems, each with its cell, are raised
    together as one ``TemplateError``. A file of another area, round or questionnaire is refused.
    """
    context = load_context(db, user, round_year, area_id)
    workbook = _open_workbook(data)
    try:
        meta = _read_meta(workbook)
        if (meta.area_id, meta.round_year) != (area_id, round_year):
            raise TemplateError("offline.error.other_area", file_area=meta.area_id, file_year=str(meta.round_year),
                                area=area_id, year=str(round_year))
        if meta.questionnaire != context.questionnaire.key:
            raise TemplateError("offline.error.other_questionnaire", file_key=meta.questionnaire,
                                key=context.questionnaire.key)
        problems: list[YseError] = []
        values = _read_questions(workbook, context, lang, problems)
        values.update(_read_measures(workbook, context, lang, problems))
    finally:
        workbook.close()
    if problems:
        raise TemplateError("offline.error.summary", problems, count=len(problems))
    # An answer left as it was downloaded is not an edit: it must not undo a later change in the portal.
    return {question_id: value for question_id, value in values.items() if _fingerprint(value) != meta.fingerprints.get(question_id)}


# --- preview and apply --------------------------------------------------------------------------


def _preview_text(question: Question, value: object, lang: str) -> str:
    """An answer as the preview of changes shows it, every measure written out; empty when there was none."""
    return "" if formatting.blank(value) else formatting.answer_text(question, value, lang, form="full")


def preview_changes(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, values: Mapping[str, object], lang: str = "fi"
) -> list[dict]:
    """Return the answers ``values`` would change, in questionnaire order: id, question, current and new text."""
    context = load_context(db, user, round_year, area_id)
    questions = dict(context.questionnaire.questions_by_id())
    unknown = sorted(set(values) - set(questions))
    if unknown:
        raise AnswerError("offline.error.unknown_questions", questions=", ".join(unknown))
    changes = []
    for question_id, question in questions.items():
        if question_id not in values:
            continue
        current, new = context.values.get(question_id), validate_answer(question, values[question_id], lang)
        if _encode(current) == _encode(new):
            continue
        changes.append({"question_id": question_id, "question": question.text.get(lang),
                        "current": _preview_text(question, current, lang), "new": _preview_text(question, new, lang)})
    return changes


def apply_template(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, values: Mapping[str, object], lang: str = "fi"
) -> dict:
    """Save the answers read from a template, all or nothing, and record it in the audit log."""
    with transaction(db):
        result = import_answers(db, user, round_year, area_id, dict(values), lang=lang)
        audit.record(db, user.username, "offline_template_applied", f"{round_year}/{area_id}",
                     changed=result["changed"], questions=sorted(values))
    return result
