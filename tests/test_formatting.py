"""Figures, periods, dates and answers as text: one table per function, in Finnish, Swedish and English."""

import pytest

from yse_core import formatting
from yse_core.questionnaire import Question

NBSP, MINUS = "\u00a0", "\u2212"


@pytest.mark.parametrize(("value", "lang", "decimals", "signed", "expected"), [
    (1234567, "fi", None, False, f"1{NBSP}234{NBSP}567"),
    (1234567, "sv", None, False, f"1{NBSP}234{NBSP}567"),
    (1234567, "en", None, False, "1,234,567"),
    (-1234.56, "fi", 1, False, f"{MINUS}1{NBSP}234,6"),
    (-1234.56, "en", 1, False, f"{MINUS}1,234.6"),
    (-2.5, "sv", None, True, f"{MINUS}2,5"),
    (2.5, "en", 1, True, "+2.5"),
    (-0.04, "fi", 1, True, "+0,0"),  # rounds to zero: no minus for a fall that is not there
    (-0.04, "fi", 1, False, "0,0"),
    (20000.0, "fi", None, False, f"20{NBSP}000"),
    (None, "sv", 1, False, "–"),
    (float("nan"), "fi", None, True, "–"),
])
def test_number(value, lang, decimals, signed, expected):
    assert formatting.number(value, lang, decimals, signed=signed) == expected


@pytest.mark.parametrize(("value", "unit", "lang", "decimals", "signed", "expected"), [
    (14.16, "percent", "fi", None, False, "14,2 %"),
    (21.3, "days", "sv", 1, False, "21,3 d"),
    (21.3, "days", "en", 1, False, "21.3 days"),
    (-1.26, "pp", "fi", 1, True, f"{MINUS}1,3 %-yks."),
    (1.5, "pp", "en", None, True, "+1.5 pp"),
    (50631.0, "persons", "fi", None, False, f"50{NBSP}631"),
    (12345, "count", "en", None, False, "12,345"),
    (None, "percent", "fi", 1, False, "–"),
    (float("nan"), "days", "sv", 1, False, "–"),
])
def test_value_with_unit(value, unit, lang, decimals, signed, expected):
    assert formatting.value_with_unit(value, unit, lang, decimals, signed=signed) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-12", "12/2025"), ("2025", "2025"), ("2025-12-01", "2025-12-01"), ("", "–"), (None, "–"),
])
def test_period(value, expected):
    assert formatting.period(value) == expected


@pytest.mark.parametrize(("iso", "expected"), [
    ("2025-03-01", "1.3.2025"), ("2025-11-20", "20.11.2025"), ("", "–"), (None, "–"),
])
def test_local_date(iso, expected):
    assert formatting.local_date(iso) == expected


def test_a_timestamp_is_shown_in_local_time(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Helsinki")
    __import__("time").tzset()
    try:
        assert formatting.local_time("2025-12-31T22:30:00+00:00") == "1.1.2026 00:30"
        assert formatting.local_date("2025-12-31T22:30:00+00:00") == "1.1.2026"
        assert formatting.local_time(None) == "–"
    finally:
        monkeypatch.undo()
        __import__("time").tzset()


def _question(**fields) -> Question:
    return Question.model_validate({"id": "q", "text": {"fi": "Kysymys"}, **fields})


OPTIONS = {"options": [{"id": "a", "label": {"fi": "Eka", "sv": "Första", "en": "First"}},
                       {"id": "b", "label": {"fi": "Toka"}}]}
SCALE = {"type": "scale", "scale_labels": [{"fi": f"Taso {n}", "en": f"Level {n}"} for n in range(1, 6)]}
MEASURES = [{"name": "Ohjaamo", "target_groups": ["youth"], "start_date": "2025-03-01"}, {"name": " "}]
LONG = "x" * 100


@pytest.mark.parametrize(("fields", "value", "lang", "form", "expected"), [
    ({"type": "yes_no"}, True, "fi", "view", "Kyllä"),
    ({"type": "yes_no"}, False, "sv", "view", "Nej"),
    ({"type": "yes_no"}, True, "en", "quote", "yes"),
    ({"type": "yes_no"}, False, "fi", "quote", "ei"),
    ({"type": "single", **OPTIONS}, "a", "sv", "view", "Första"),
    ({"type": "single", **OPTIONS}, "gone", "fi", "view", "gone"),
    ({"type": "multi", **OPTIONS}, ["b", "a"], "en", "view", "Toka, First"),
    (SCALE, 4, "en", "quote", "4 – Level 4"),
    ({"type": "number", "unit": {"fi": "henkilöä", "en": "persons"}}, -1250, "fi", "view", f"{MINUS}1{NBSP}250 henkilöä"),
    ({"type": "number", "unit": {"fi": "henkilöä", "en": "persons"}}, 1250.5, "en", "full", "1,250.5 persons"),
    ({"type": "text"}, LONG, "fi", "view", LONG),
    ({"type": "text"}, LONG, "fi", "quote", "x" * 79 + "…"),
    ({"type": "text"}, None, "fi", "view", "(ei vastausta)"),
    ({"type": "text"}, "  ", "sv", "view", "(inget svar)"),
    ({"type": "multi", **OPTIONS}, [], "en", "view", "(no answer)"),
    ({"type": "number"}, float("nan"), "fi", "view", "(ei vastausta)"),
    ({"type": "measures"}, MEASURES, "fi", "view", "2 toimea"),
    ({"type": "measures"}, MEASURES, "en", "view", "2 measures"),
    ({"type": "measures"}, MEASURES, "fi", "quote", "Ohjaamo, #2"),
])
def test_answer_text(fields, value, lang, form, expected):
    assert formatting.answer_text(_question(**fields), value, lang, form=form) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (True, "kyllä"), (2.5, "2,5"), (["a", "b"], "a, b"), ([{"name": "Ohjaamo"}], "Ohjaamo"), ("vapaa", "vapaa"),
])
def test_answer_without_its_question_is_read_from_the_value(value, expected):
    assert formatting.answer_text(None, value, "fi", form="quote") == expected


def test_full_answer_writes_out_every_measure_with_its_labels():
    text = formatting.answer_text(_question(type="measures"), MEASURES, "fi", form="full")
    first, second = text.split("\n")
    assert first.startswith("1) ") and "Ohjaamo" in first and "1.3.2025" in first
    assert second == "2) "  # a row with nothing filled in still counts as a row


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "–"), (float("nan"), "–"), ("", "–"), ("  ", "–"), ([], "–"), (0, 0), (False, False), ("None", "None"),
     ("Demo", "Demo"), (["youth"], ["youth"])],
)
def test_cell_is_a_dash_only_when_empty(value, expected):
    assert formatting.cell(value) == expected


def test_table_cells_puts_a_dash_in_every_empty_cell_and_keeps_full_columns_typed():
    import pandas as pd

    frame = pd.DataFrame({"name": ["a", None], "when": [pd.Timestamp("2025-01-01"), pd.NaT], "count": [1, 2],
                          "share": [0.5, float("nan")], "demo": [True, False]})
    shown = formatting.table_cells(frame)
    assert shown["name"].tolist() == ["a", "–"] and shown["when"].tolist()[1] == "–" and shown["share"].tolist()[1] == "–"
    assert shown["count"].dtype.kind == "i" and shown["demo"].dtype.kind == "b"
    assert formatting.table_cells(frame, "fi")["share"].tolist() == ["0,5", "–"]  # a number column in the reader's locale
