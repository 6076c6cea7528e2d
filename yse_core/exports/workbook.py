"""A round's answers for spreadsheets: an Excel workbook of several sheets, and the long format as CSV.

Every text cell goes through ``neutralise_cell`` (see ``safe.py``). Only answers to questions that are
visible to the area are exported: an answer left behind when a condition changed (e.g. measures after
"no measures") is not the area's current answer.

CSV dialect: comma-separated (RFC 4180, the default of Python's csv module and of most tools), UTF-8
with a byte-order mark so that Excel recognises the encoding and shows ä, ö and å correctly. A Finnish
Excel opens comma-separated files through Data → From Text/CSV; the .xlsx needs no import step.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date

import sqlite_utils
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from yse_core import audit, formatting
from yse_core.answer_store import Answer, round_answers, values_of
from yse_core.auth import User
from yse_core.db import is_demo
from yse_core.i18n import t
from yse_core.indicators import situation
from yse_core.indicators.aggregate import COUNTRY
from yse_core.indicators.catalogue import load_catalogue
from yse_core.indicators.store import periods_as_of, values_at
from yse_core.questionnaire import Question, Questionnaire, is_visible
from yse_core.rounds import get_questionnaire, get_round, reference_period

from .content import (
    DEFAULT_DECIMALS,
    KEY_INDICATORS,
    area_label,
    follow_up_items,
    owner_text,
    previous_round_year,
    round_discussion_points,
    severity_label,
    sorted_points,
    status_label,
    theme_title,
)
from .safe import neutralise_cell, safe_filename

SHEET_TITLE_MAX = 31
_SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\]")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
MIN_WIDTH, MAX_WIDTH = 8, 60


def workbook_filename(round_year: int) -> str:
    """Return the file name of a round's workbook, e.g. ``YSE-2025-vastaukset.xlsx``."""
    return f"YSE-{round_year}-vastaukset.xlsx"


def csv_filename(round_year: int) -> str:
    """Return the file name of a round's long-format CSV."""
    return f"YSE-{safe_filename(str(round_year))}-vastaukset-pitka.csv"


def round_workbook_xlsx(db: sqlite_utils.Database, user: User, round_year: int, lang: str = "fi") -> bytes:
    """Return a round as an .xlsx workbook: a sheet per theme, the long format, indicators, points, follow-ups."""
    user.require_role("reviewer", "admin")
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    areas, answers = _round_answers(db, round_year)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used_titles: set[str] = set()

    def sheet(title: str) -> Worksheet:
        return workbook.create_sheet(_sheet_title(title, used_titles))

    for number, theme in enumerate(questionnaire.themes, start=1):
        worksheet = sheet(f"{number} {theme.title.get(lang)}")
        headers = [t("exports.col_area", lang), *(question.text.get(lang) for question in theme.questions)]
        rows = []
        for area in areas:
            values = values_of(answers.get(area["id"], {}))
            rows.append([area_label(area, lang), *(
                _theme_cell(question, values.get(question.id), lang) if is_visible(question, values, area) else None
                for question in theme.questions
            )])
        _fill(worksheet, headers, rows, freeze="B2", header_height=75)
        for column, question in enumerate(theme.questions, start=2):
            worksheet.cell(row=1, column=column).comment = Comment(question.id, "YSE")

    _fill(sheet(t("exports.sheet_long", lang)), _long_headers(lang), _long_rows(questionnaire, areas, answers, round_year, lang))
    reference = reference_period(db, round_year)  # the round's statistics month: figures at or before it
    periods = _indicators_sheet(sheet(t("exports.sheet_indicators", lang)), db, areas, lang, reference)

    points = round_discussion_points(db, round_year, user)
    _fill(sheet(t("exports.sheet_points", lang)),
          [t("exports.col_area_id", lang), t("exports.col_area", lang), t("exports.theme", lang), t("exports.severity", lang),
           t("exports.point", lang), t("exports.notes", lang)],
          [[area["id"], area_label(area, lang), theme_title(questionnaire, point.theme, lang),
            severity_label(point.severity, lang), point.title_in(lang), point.message(lang)]
           for area in areas for point in sorted_points(points.get(area["id"], []))])

    previous = previous_round_year(db, round_year)
    items = [*follow_up_items(db, user, previous), *follow_up_items(db, user, round_year)]
    _fill(sheet(t("exports.sheet_follow_ups", lang)),
          [t("exports.col_round", lang), t("exports.col_area_id", lang), t("exports.col_area", lang),
           t("exports.follow_up_item", lang), t("exports.owner", lang), t("exports.due", lang), t("exports.status", lang),
           t("exports.col_question_id", lang), t("exports.indicator", lang), t("exports.col_created_by", lang),
           t("exports.col_updated_at", lang)],
          [[item["round_year"], item["area_id"], item["area_name_sv"] if lang == "sv" else item["area_name_fi"], item["body"],
            owner_text(item, lang), formatting.local_date(item["due"]), status_label(item["status"], lang), item["question_id"],
            item["indicator_code"], item["created_by"], item["updated_at"] or item["created_at"]] for item in items])

    info = [
        (t("exports.info_workbook", lang, year=round_year), questionnaire.title.get(lang)),
        (t("exports.info_generated", lang), formatting.local_date(date.today().isoformat())),
        (t("exports.info_by", lang), user.display_name),
        (situation.period_caption(periods, lang, reference=reference, round_year=round_year), ""),
        (t("exports.info_hidden_note", lang), ""),
        (t("exports.info_formula_note", lang), ""),
    ]
    if is_demo(db):
        info.append((t("exports.demo_note", lang), ""))
    _fill(sheet(t("exports.sheet_info", lang)), [t("exports.sheet_info", lang), ""], info)

    buffer = io.BytesIO()
    workbook.save(buffer)
    audit.record(db, user.username, "export_workbook", str(round_year), lang=lang, areas=len(areas))
    return buffer.getvalue()


def round_long_csv(db: sqlite_utils.Database, user: User, round_year: int, lang: str = "fi") -> bytes:
    """Return a round's answers in long format as CSV bytes (comma-separated, UTF-8 with BOM)."""
    user.require_role("reviewer", "admin")
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    areas, answers = _round_answers(db, round_year)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=",", lineterminator="\r\n")
    writer.writerow([neutralise_cell(header) for header in _long_headers(lang)])
    for row in _long_rows(questionnaire, areas, answers, round_year, lang):
        writer.writerow([neutralise_cell(cell) for cell in row])
    audit.record(db, user.username, "export_csv", str(round_year), lang=lang, areas=len(areas))
    return text.getvalue().encode("utf-8-sig")


# --- reading the round -----------------------------------------------------------------------------


def _round_answers(db: sqlite_utils.Database, round_year: int) -> tuple[list[dict], dict[str, dict[str, Answer]]]:
    """Return the round's areas (with response state, by Finnish name) and area id → question id → answer row."""
    areas = []
    for row in db.query(
        """SELECT a.*, r.state FROM responses r JOIN areas a ON a.id = r.area_id
           WHERE r.round_year = ? ORDER BY a.name_fi""", [round_year]):
        areas.append({**row, "uusimaa": bool(row["uusimaa"]), "membership_verified": bool(row["membership_verified"])})
    return areas, round_answers(db, round_year)


def _theme_cell(question: Question, value: object, lang: str) -> object:
    """Numbers and scale levels stay numbers (for sorting and sums); everything else is text."""
    if value is None:
        return None
    if question.type in ("number", "scale"):
        return value
    return formatting.answer_text(question, value, lang, form="full")


def _long_headers(lang: str) -> list[str]:
    return [t(f"exports.col_{name}", lang) for name in
            ("round", "area_id", "area", "question_id", "question", "value", "updated_by", "updated_at")]


def _long_rows(questionnaire: Questionnaire, areas: list[dict], answers: dict[str, dict[str, Answer]], round_year: int,
               lang: str) -> Iterable[list]:
    for area in areas:
        area_answers = answers.get(area["id"], {})
        values = values_of(area_answers)
        for _theme, question in questionnaire.questions():
            answer = area_answers.get(question.id)
            if answer is None or answer.value is None or not is_visible(question, values, area):
                continue
            yield [round_year, area["id"], area_label(area, lang), question.id, question.text.get(lang),
                   formatting.answer_text(question, answer.value, lang, form="full"),
                   answer.updated_by, answer.updated_at]


def _indicators_sheet(worksheet: Worksheet, db: sqlite_utils.Database, areas: list[dict], lang: str,
                      reference: str | None) -> list[str]:
    """Write the key indicators of every area, each at its latest month at or before ``reference``; return the periods.

    A partial or suppressed count's cell holds its lower bound, and the flags column says "vähintään …".
    """
    catalogue = load_catalogue()
    periods = periods_as_of(db, [code for code in KEY_INDICATORS if code in catalogue], reference)
    regions = [COUNTRY, *(area["id"] for area in areas)]
    stored = values_at(db, regions, periods)
    names = situation.municipality_names(db, (member for rows in stored.values() for row in rows.values()
                                              for member in row["missing_members"]))
    columns = []  # (indicator, period, decimals)
    for code in KEY_INDICATORS:
        if code not in periods:
            continue
        indicator = catalogue.get(code)
        decimals = indicator.decimals if indicator.decimals is not None else DEFAULT_DECIMALS[indicator.unit]
        columns.append((indicator, periods[code], decimals))
    units = {"percent": "%", "days": t("exports.unit_days", lang), "persons": "", "count": ""}
    headers = [t("exports.col_area_id", lang), t("exports.col_area", lang)] + [
        f"{_with_unit(indicator.name.get(lang), units[indicator.unit])} {period}" for indicator, period, _ in columns
    ] + [t("exports.col_flags", lang)]
    labelled = [(COUNTRY, t("exports.whole_country", lang))] + [(area["id"], area_label(area, lang)) for area in areas]
    rows = []
    for region, name in labelled:
        cells, flags = [], []
        for indicator, _period, decimals in columns:
            row = stored.get(region, {}).get(indicator.code)
            cell, note = _indicator_cell(indicator, row, decimals, names, lang)
            cells.append(cell)
            if note:
                flags.append(f"{indicator.name.get(lang)}: {note}")
        rows.append([region, name, *cells, "; ".join(flags)])
    _fill(worksheet, headers, rows, freeze="C2", header_height=60)
    for offset, (_indicator, _period, decimals) in enumerate(columns, start=3):
        number_format = "0" if decimals == 0 else "0." + "0" * decimals
        for (cell,) in worksheet.iter_rows(min_row=2, min_col=offset, max_col=offset):
            cell.number_format = number_format
    return list(periods.values())


def _indicator_cell(indicator, row: dict | None, decimals: int, names: dict[str, dict[str, str]],
                    lang: str) -> tuple[float | None, str]:
    """Return one figure's cell (a number, a count's lower bound when partial) and its note ("" when exact)."""
    if row is None:
        return None, t("exports.flag_suppressed", lang)
    value, flag = row["value"], row["flag"]
    kind = situation.figure_kind(indicator)
    if flag not in ("partial", "suppressed"):
        return (round(value, decimals) if value is not None else None), ""
    missing = [names[member][lang] if member in names else member for member in row["missing_members"]]
    note = situation.partial_text(flag, row["value_low"], row["value_high"], missing, indicator.unit, decimals, kind, lang)
    if kind == "count":
        bound = situation.lower_bound(value, flag, row["value_low"])
        if bound is not None:
            note = situation.bounded_text(value, flag, row["value_low"], indicator.unit, decimals, kind, lang) + f" ({note})"
        return (round(bound, decimals) if bound is not None else None), note
    return (round(value, decimals) if value is not None else None), note


def _with_unit(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit and unit not in name else name


# --- sheet formatting ------------------------------------------------------------------------------


def _sheet_title(title: str, used: set[str]) -> str:
    """Return a valid, unique sheet title (at most 31 characters, none of []:*?/\\)."""
    cleaned = re.sub(r"\s+", " ", _SHEET_TITLE_UNSAFE.sub(" ", title)).strip().strip("'") or "Sheet"
    candidate = cleaned[:SHEET_TITLE_MAX].rstrip()
    counter = 2
    while candidate.lower() in used:
        suffix = f" ({counter})"
        candidate = cleaned[: SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
        counter += 1
    used.add(candidate.lower())
    return candidate


def _fill(worksheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]], *, freeze: str = "A2",
          header_height: float | None = None) -> None:
    """Write a header row and data rows (every text neutralised), freeze the header, filter, size the columns."""
    worksheet.append([neutralise_cell(header) for header in headers])
    lengths = [[min(len(str(header)), 30)] for header in headers]
    for row in rows:
        cells = [neutralise_cell(cell) for cell in row]
        worksheet.append(cells)
        for index, cell in enumerate(cells):
            if cell is not None:
                lengths[index].append(max(len(line) for line in str(cell).split("\n")))
    for cell in worksheet[1]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, TOP_WRAP
    if header_height:
        worksheet.row_dimensions[1].height = header_height
    for index, column_lengths in enumerate(lengths, start=1):
        width = max(MIN_WIDTH, min(MAX_WIDTH, max(column_lengths) + 2))
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = width
        if max(column_lengths) > MAX_WIDTH:  # long text wraps inside the column instead of running on
            for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = TOP_WRAP
    worksheet.freeze_panes = freeze
    worksheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(worksheet.max_row, 2)}"
