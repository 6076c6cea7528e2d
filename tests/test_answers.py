"""Answer validation, visibility, required questions and progress, on a small inline questionnaire."""

from __future__ import annotations

import datetime as dt
import json
import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yse_core import answer_store
from yse_core.db import now_iso
from yse_core.errors import AnswerError
from yse_core.i18n import catalogue
from yse_core.questionnaire import (
    MEASURE_FIELDS,
    is_answered,
    is_visible,
    load_questionnaire_text,
    missing_required,
    theme_progress,
    validate_answer,
)

QUESTIONNAIRE = load_questionnaire_text(
    """\
id: answers-test
version: 1
year: 2025
title: {fi: Vastaustesti}
themes:
  - id: basics
    title: {fi: Perusteet}
    questions:
      - {id: short, type: text, text: {fi: Lyhyt}}
      - {id: essay, type: long_text, required: true, text: {fi: Pitkä}}
      - {id: has_plan, type: yes_no, required: true, text: {fi: Onko suunnitelma}}
      - id: frequency
        type: single
        required: true
        visible_if: {question: has_plan, equals: true}
        text: {fi: Kuinka usein}
        options:
          - {id: monthly, label: {fi: Kuukausittain}}
          - {id: yearly, label: {fi: Vuosittain}}
      - id: frequency_reason
        type: long_text
        required: true
        visible_if: {question: frequency, equals: yearly}
        text: {fi: Miksi vain kerran vuodessa}
  - id: details
    title: {fi: Tarkemmin}
    questions:
      - id: sources
        type: multi
        text: {fi: Lähteet}
        options:
          - {id: statfin, label: {fi: StatFin}}
          - {id: packages, label: {fi: Datapaketit}}
          - {id: own, label: {fi: Omat}}
      - id: sources_note
        type: text
        visible_if: {question: sources, in: [own]}
        text: {fi: Mitkä omat lähteet}
      - id: self
        type: scale
        text: {fi: Arvio}
        scale_labels: [{fi: a}, {fi: b}, {fi: c}, {fi: d}, {fi: e}]
      - {id: low_self_reason, type: text, visible_if: {question: self, in: [1, 2]}, text: {fi: Miksi heikko}}
      - {id: days, type: number, min: 0, max: 365, unit: {fi: päivää, sv: dagar, en: days}, text: {fi: Päiviä}}
      - {id: share, type: number, min: 0, max: 100, unit: {fi: "%"}, text: {fi: Osuus}}
      - {id: floor_only, type: number, min: 0, text: {fi: Vähintään nolla}}
      - {id: free_number, type: number, text: {fi: Mikä tahansa luku}}
      - {id: measures, type: measures, text: {fi: Toimet}}
      - {id: few_measures, type: measures, max_rows: 2, text: {fi: Enintään kaksi}}
      - {id: uusimaa_only, type: long_text, required: true, visible_if: {area: uusimaa}, text: {fi: Uusimaa}}
""",
    "answers-test.yaml",
)

HELSINKI = {"id": "helsinki", "uusimaa": True}
TAMPERE = {"id": "tampere", "uusimaa": False}


def question(question_id: str):
    return QUESTIONNAIRE.question(question_id)


def row(**fields) -> dict:
    return {"name": "Työnantajayhteistyö", **fields}


def full_row(**fields) -> dict:
    """A normalised measures row: every field present."""
    return {
        "name": "Työnantajayhteistyö",
        "target_groups": [],
        "start_date": None,
        "resources": None,
        "impact_indicator": None,
        "baseline": None,
        "target": None,
        "follow_up_frequency": None,
        "latest_result": None,
        **fields,
    }


UNSAFE_STRINGS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '=HYPERLINK("http://example.com","klikkaa")',
    "+SUM(A1:A9)",
    "-1+1",
    "@cmd",
    "  välilyöntejä alussa ja lopussa  ",
    "rivi 1\nrivi 2\r\n\ttabulaattori",
    "'; DROP TABLE answers; --",
    "{summary} {0} %s",
    "ÅÄÖ åäö € – “lainausmerkit” 🙂",
]

# (question id, value given, value stored)
GOOD = [
    ("short", "Lyhyt vastaus", "Lyhyt vastaus"),
    ("short", "x" * 20_000, "x" * 20_000),
    ("essay", "ä" * 20_000, "ä" * 20_000),
    *[("essay", text, text) for text in UNSAFE_STRINGS],
    *[("short", text, text) for text in UNSAFE_STRINGS],
    ("short", None, None),
    ("short", "", None),
    ("short", "   \n\t ", None),
    ("has_plan", True, True),
    ("has_plan", False, False),
    ("has_plan", None, None),
    ("frequency", "monthly", "monthly"),
    ("frequency", "", None),
    ("sources", ["own", "statfin"], ["statfin", "own"]),
    ("sources", ("packages",), ["packages"]),
    ("sources", [], None),
    ("self", 1, 1),
    ("self", 5, 5),
    ("days", 0, 0),
    ("days", 365, 365),
    ("days", 12.5, 12.5),
    ("share", 40.2, 40.2),
    ("floor_only", 10**9, 10**9),
    ("free_number", -3.25, -3.25),
    ("measures", [row()], [full_row()]),
    ("measures", [], None),
    (
        "measures",
        [
            row(
                target_groups=["youth", "long_term_unemployed"],
                start_date="2025-03-01",
                resources="2 htv",
                impact_indicator="TYOTTOMAT25_SHARE",
                baseline="18 %",
                target="15 %",
                follow_up_frequency="quarterly",
                latest_result="16,5 %",
            )
        ],
        [
            full_row(
                target_groups=["long_term_unemployed", "youth"],
                start_date="2025-03-01",
                resources="2 htv",
                impact_indicator="TYOTTOMAT25_SHARE",
                baseline="18 %",
                target="15 %",
                follow_up_frequency="quarterly",
                latest_result="16,5 %",
            )
        ],
    ),
    ("measures", [row(start_date=dt.date(2025, 1, 2))], [full_row(start_date="2025-01-02")]),
    ("measures", [row(start_date=dt.datetime(2025, 1, 2, 8, 30))], [full_row(start_date="2025-01-02")]),
    ("measures", [row(start_date="", resources="  ", target_groups=None)], [full_row()]),
    ("measures", [row(resources=float("nan"))], [full_row()]),
    ("measures", [row(), {}, {"name": "", "target_groups": []}], [full_row()]),
    ("measures", [row(name="<b>x</b>", latest_result="=1+1")], [full_row(name="<b>x</b>", latest_result="=1+1")]),
    ("measures", [row(name="n" * 300)], [full_row(name="n" * 300)]),
    ("measures", [row(resources="r" * 20_000)], [full_row(resources="r" * 20_000)]),
    ("measures", [row(name=f"Toimi {n}") for n in range(50)], [full_row(name=f"Toimi {n}") for n in range(50)]),
    ("few_measures", [row(), row()], [full_row(), full_row()]),
]


@pytest.mark.parametrize(("question_id", "value", "stored"), GOOD)
def test_valid_answer_is_stored_normalised(question_id, value, stored):
    result = validate_answer(question(question_id), value)
    assert result == stored
    assert type(result) is type(stored)
    json.dumps(result, allow_nan=False)


# (question id, value, the Finnish message)
BAD = [
    ("short", "x" * 20_001, "Vastaus on liian pitkä: enintään 20\u00a0000 merkkiä, nyt 20\u00a0001."),
    ("essay", "ä" * 20_001, "Vastaus on liian pitkä: enintään 20\u00a0000 merkkiä, nyt 20\u00a0001."),
    ("essay", 42, "Vastauksen on oltava tekstiä."),
    ("essay", ["a"], "Vastauksen on oltava tekstiä."),
    ("short", "\ud800", "Vastauksessa on merkkejä, joita ei voi tallentaa."),
    ("has_plan", "true", "Vastauksen on oltava kyllä tai ei."),
    ("has_plan", 1, "Vastauksen on oltava kyllä tai ei."),
    ("frequency", "weekly", "”weekly” ei ole tämän kysymyksen vastausvaihtoehto."),
    ("frequency", ["monthly"], "”['monthly']” ei ole tämän kysymyksen vastausvaihtoehto."),
    ("sources", "statfin", "Vastauksen on oltava luettelo vastausvaihtoehdoista."),
    ("sources", ["statfin", "tv"], "”tv” ei ole tämän kysymyksen vastausvaihtoehto."),
    ("sources", ["own", "own"], "Vaihtoehto ”own” on valittu kahdesti."),
    ("self", 0, "Vastauksen on oltava kokonaisluku 1–5."),
    ("self", 6, "Vastauksen on oltava kokonaisluku 1–5."),
    ("self", 3.5, "Vastauksen on oltava kokonaisluku 1–5."),
    ("self", True, "Vastauksen on oltava kokonaisluku 1–5."),
    ("self", "3", "Vastauksen on oltava kokonaisluku 1–5."),
    ("days", 366, "Luvun on oltava välillä 0–365 päivää; annettu 366."),
    ("days", -1, "Luvun on oltava välillä 0–365 päivää; annettu \u22121."),
    ("share", 100.5, "Luvun on oltava välillä 0–100 %; annettu 100,5."),
    ("floor_only", -0.5, "Luvun on oltava vähintään 0; annettu \u22120,5."),
    ("days", float("nan"), "Vastauksen on oltava äärellinen luku."),
    ("free_number", float("inf"), "Vastauksen on oltava äärellinen luku."),
    ("free_number", float("-inf"), "Vastauksen on oltava äärellinen luku."),
    ("days", "12", "Vastauksen on oltava luku."),
    ("days", True, "Vastauksen on oltava luku."),
    ("measures", "Työnantajayhteistyö", "Toimet on annettava rivien luettelona."),
    ("measures", [row(name=f"Toimi {n}") for n in range(51)], "Toimia voi olla enintään 50; nyt 51."),
    ("few_measures", [row(), row(), row()], "Toimia voi olla enintään 2; nyt 3."),
    ("measures", ["Työnantajayhteistyö"], "Rivi 1: rivin tiedot ovat virheellisessä muodossa."),
    ("measures", [row(), row(owner="Liisa")], "Rivi 2: tuntematon kenttä ”owner”."),
    ("measures", [row(resources="2 htv", name="")], "Rivi 1: kenttä ”Toimen nimi” on pakollinen."),
    ("measures", [row(name="n" * 301)], "Rivi 1, ”Toimen nimi”: enintään 300 merkkiä, nyt 301."),
    ("measures", [row(baseline="b" * 20_001)], "Rivi 1, ”Lähtötaso”: enintään 20\u00a0000 merkkiä, nyt 20\u00a0001."),
    ("measures", [row(resources=5)], "Rivi 1, ”Resurssit”: arvon on oltava tekstiä."),
    (
        "measures",
        [row(start_date="1.3.2025")],
        "Rivi 1, ”Aloituspäivä”: anna päivämäärä muodossa VVVV-KK-PP (esim. 2025-03-01); annettu ”1.3.2025”.",
    ),
    (
        "measures",
        [row(start_date="2025-02-30")],
        "Rivi 1, ”Aloituspäivä”: anna päivämäärä muodossa VVVV-KK-PP (esim. 2025-03-01); annettu ”2025-02-30”.",
    ),
    (
        "measures",
        [row(start_date="20250301")],
        "Rivi 1, ”Aloituspäivä”: anna päivämäärä muodossa VVVV-KK-PP (esim. 2025-03-01); annettu ”20250301”.",
    ),
    ("measures", [row(target_groups=["pensioners"])], "Rivi 1, ”Kohderyhmät”: ”pensioners” ei ole sallittu vaihtoehto."),
    ("measures", [row(target_groups="youth")], "Rivi 1, ”Kohderyhmät”: arvon on oltava luettelo vaihtoehdoista."),
    ("measures", [row(target_groups=["youth", "youth"])], "Rivi 1, ”Kohderyhmät”: ”youth” on valittu kahdesti."),
    ("measures", [row(follow_up_frequency="weekly")], "Rivi 1, ”Seurannan tiheys”: ”weekly” ei ole sallittu vaihtoehto."),
]


@pytest.mark.parametrize(("question_id", "value", "message"), BAD)
def test_invalid_answer_is_refused_with_a_finnish_message(question_id, value, message):
    with pytest.raises(AnswerError) as caught:
        validate_answer(question(question_id), value)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("question_id", "value", "lang", "message"),
    [
        ("days", 400, "sv", "Talet måste ligga mellan 0 och 365 dagar; angivet 400."),
        ("days", 400, "en", "The number must be between 0 and 365 days; got 400."),
        ("short", "x" * 20_001, "en", "The answer is too long: at most 20,000 characters, now 20,001."),
        ("short", "x" * 20_001, "sv", "Svaret är för långt: högst 20\u00a0000 tecken, nu 20\u00a0001."),
        ("measures", [row(name="", target="10 %")], "en", "Row 1: the field “Name of the measure” is required."),
        ("has_plan", "no", "sv", "Svaret måste vara ja eller nej."),
        ("has_plan", "no", "de", "Vastauksen on oltava kyllä tai ei."),
    ],
)
def test_answer_error_speaks_the_requested_language(question_id, value, lang, message):
    with pytest.raises(AnswerError) as caught:
        validate_answer(question(question_id), value)
    assert caught.value.message(lang) == message


@pytest.mark.parametrize("message_id", sorted(key for key in catalogue() if key.startswith("answer.")))
def test_every_message_exists_in_three_languages_with_the_same_placeholders(message_id):
    texts = catalogue()[message_id]
    assert set(texts) == {"fi", "sv", "en"}
    placeholders = {lang: {name for _, name, _, _ in string.Formatter().parse(text) if name} for lang, text in texts.items()}
    assert placeholders["sv"] == placeholders["fi"] == placeholders["en"]


def test_measure_fields_have_labels_in_three_languages():
    for field in MEASURE_FIELDS.values():
        assert field.label.fi and field.label.sv and field.label.en
        assert all(label.fi and label.sv and label.en for label in field.options.values())


# --- Answered, visible, required, progress --------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "value", "answered"),
    [
        ("short", "x", True),
        ("short", "  ", False),
        ("short", None, False),
        ("has_plan", False, True),
        ("sources", [], False),
        ("sources", ["own"], True),
        ("days", 0, True),
        ("measures", [full_row()], True),
    ],
)
def test_is_answered(question_id, value, answered):
    assert is_answered(question(question_id), value) is answered


@pytest.mark.parametrize(
    ("question_id", "answers", "area", "visible"),
    [
        ("short", {}, TAMPERE, True),
        ("frequency", {"has_plan": True}, TAMPERE, True),
        ("frequency", {"has_plan": False}, TAMPERE, False),
        ("frequency", {}, TAMPERE, False),
        ("frequency", {"has_plan": 1}, TAMPERE, False),  # 1 is not true
        ("frequency_reason", {"has_plan": True, "frequency": "yearly"}, TAMPERE, True),
        ("frequency_reason", {"has_plan": True, "frequency": "monthly"}, TAMPERE, False),
        # The controlling question is hidden, so its stale answer no longer shows this one.
        ("frequency_reason", {"has_plan": False, "frequency": "yearly"}, TAMPERE, False),
        ("frequency_reason", {"frequency": "yearly"}, TAMPERE, False),
        ("sources_note", {"sources": ["statfin", "own"]}, TAMPERE, True),
        ("sources_note", {"sources": ["statfin"]}, TAMPERE, False),
        ("low_self_reason", {"self": 2}, TAMPERE, True),
        ("low_self_reason", {"self": 3}, TAMPERE, False),
        ("low_self_reason", {"self": True}, TAMPERE, False),
        ("uusimaa_only", {}, HELSINKI, True),
        ("uusimaa_only", {}, TAMPERE, False),
        ("uusimaa_only", {}, {"id": "espoo", "uusimaa": 1}, True),
        ("uusimaa_only", {}, {"id": "lahti"}, False),
        ("uusimaa_only", {}, None, False),
    ],
)
def test_is_visible(question_id, answers, area, visible):
    assert is_visible(question(question_id), answers, area) is visible


@pytest.mark.parametrize(
    ("answers", "area", "missing"),
    [
        ({}, TAMPERE, ["essay", "has_plan"]),
        ({}, HELSINKI, ["essay", "has_plan", "uusimaa_only"]),
        ({"essay": "x", "has_plan": False}, TAMPERE, []),
        ({"essay": "x", "has_plan": True}, TAMPERE, ["frequency"]),
        ({"essay": "x", "has_plan": True, "frequency": "yearly"}, TAMPERE, ["frequency_reason"]),
        ({"essay": "x", "has_plan": True, "frequency": "yearly", "frequency_reason": "   "}, TAMPERE, ["frequency_reason"]),
        ({"essay": "x", "has_plan": False, "frequency": "yearly"}, HELSINKI, ["uusimaa_only"]),
    ],
)
def test_missing_required_lists_visible_unanswered_required_questions(answers, area, missing):
    assert [q.id for _theme, q in missing_required(QUESTIONNAIRE, answers, area)] == missing


def test_missing_required_names_the_theme():
    assert [(theme.id, q.id) for theme, q in missing_required(QUESTIONNAIRE, {"essay": "x"}, TAMPERE)] == [("basics", "has_plan")]


@pytest.mark.parametrize(
    ("answers", "area", "expected"),
    [
        (
            {},
            TAMPERE,
            [
                {"theme_id": "basics", "answered": 0, "visible": 3, "required_missing": 2},
                {"theme_id": "details", "answered": 0, "visible": 8, "required_missing": 0},
            ],
        ),
        (
            {"short": "x", "has_plan": True, "frequency": "yearly", "sources": ["own"], "self": 1},
            HELSINKI,
            [
                {"theme_id": "basics", "answered": 3, "visible": 5, "required_missing": 2},
                {"theme_id": "details", "answered": 2, "visible": 11, "required_missing": 1},
            ],
        ),
    ],
)
def test_theme_progress_counts_visible_and_answered_questions(answers, area, expected):
    assert theme_progress(QUESTIONNAIRE, answers, area) == expected


# --- Property: validation returns a storable value or raises AnswerError --------------------------

leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.dates()
json_like = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
measure_rows = st.lists(
    st.dictionaries(
        st.sampled_from(sorted(MEASURE_FIELDS)),
        leaves | st.lists(st.sampled_from(["youth", "immigrants", "other", "nobody"]), max_size=3),
        max_size=9,
    ),
    max_size=4,
)
question_ids = st.sampled_from([q.id for _theme, q in QUESTIONNAIRE.questions()])


@settings(max_examples=500, deadline=None)
@given(question_ids, json_like | measure_rows, st.sampled_from(["fi", "sv", "en"]))
def test_any_value_is_normalised_or_refused_with_answer_error(question_id, value, lang):
    try:
        stored = validate_answer(question(question_id), value, lang=lang)
    except AnswerError as error:
        assert str(error)
        return
    json.dumps(stored, allow_nan=False)
    assert validate_answer(question(question_id), stored) == stored


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_stored_exactly_as_given(text):
    stored = validate_answer(question("essay"), text)
    assert stored == (text if text.strip() else None)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_numbers_outside_range_or_not_finite_are_refused(number):
    try:
        stored = validate_answer(question("days"), number)
    except AnswerError:
        assert not math.isfinite(number) or not 0 <= number <= 365
    else:
        assert stored == number and 0 <= stored <= 365


@settings(max_examples=300)
@given(st.one_of(st.integers(), st.booleans(), st.text(), st.floats(allow_nan=False), st.lists(st.text(), max_size=3)))
def test_an_answer_is_stored_as_the_json_encoder_writes_it(value):
    """answer_store.encode writes ints, booleans and texts itself (the common answers, on every save)."""
    assert answer_store.encode(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert answer_store.decode(answer_store.encode(value)) == value


def test_now_iso_is_the_utc_time_to_the_second():
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = dt.datetime.fromisoformat(now_iso())
    assert before <= stamp <= dt.datetime.now(dt.UTC) and stamp.utcoffset() == dt.timedelta(0)
