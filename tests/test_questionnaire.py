"""The questionnaire definitions: the shipped files, the loader's error messages, version diffs."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yse_core.errors import QuestionnaireError
from yse_core.questionnaire import (
    MEASURE_FIELDS,
    QUESTION_TYPES,
    Question,
    Questionnaire,
    Text,
    Theme,
    compare_versions,
    file_hash,
    is_visible,
    load_all,
    load_questionnaire,
    load_questionnaire_text,
)
from yse_core.questionnaire.models import MEASURE_FIELDS_PATH, load_measure_fields

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE_DIR = ROOT / "questionnaires"
YSE_2025 = QUESTIONNAIRE_DIR / "yse-2025.yaml"
YSE_2025_TEXT = YSE_2025.read_text(encoding="utf-8")

# The indicator codes agreed for the 2025 questionnaire. The indicator catalogue owns the real list;
# this copy only checks that the shipped questionnaire sticks to the agreed codes.
AGREED_INDICATOR_CODES = frozenset(
    """TYOTTOMATLOPUSSA TYOTOSUUS TYOTTOMYYSASTE PITKAAIKAISTYOTTOMAT PITKAAIKAISTYOTTOMAT_SHARE
    PITKAAIKAISTYOTTOMAT_YOY_PCT TYOTTOMAT25 TYOTTOMAT25_SHARE TYOTTOMAT25_YOY_PCT TYOTTOMATULK
    TYOTTOMATULK_SHARE TYOTTOMATULK_YOY_PCT TYOTTOMATLOPUSSA_YOY TYOTTOMATLOPUSSA_YOY_PCT LOMAUTETTU
    AVPAIKATLOPUSSA UUDETAVP PALVELUISSA AKTIVOINTIASTE ALKUHAASTATTELU_AJASSA_SHARE ALKUHAASTATTELU_ODOTUS_PV
    TYONHAKUKESKUSTELUT_SHARE SUUNNITELMA_AJANTASALLA_SHARE KASVOKKAIN_SHARE LAUSUNTO_KASITTELYAIKA_PV""".split()
)

SMALL_HEADER = """\
id: small
version: 1
year: 2025
title: {fi: Pieni kysely}
themes:
  - id: first
    title: {fi: Ensimmäinen}
    questions:
"""


@functools.cache
def yse_2025() -> Questionnaire:
    """The shipped questionnaire, loaded once (the models are frozen, so sharing it is safe)."""
    return load_questionnaire(YSE_2025)


def edited(old: str, new: str) -> str:
    """The shipped YAML with one exact fragment replaced (the fragment must be there)."""
    assert YSE_2025_TEXT.count(old) == 1, f"fragment not found exactly once: {old!r}"
    return YSE_2025_TEXT.replace(old, new)


def small(questions_yaml: str) -> str:
    """A one-theme questionnaire around the given (already indented) question list."""
    return SMALL_HEADER + questions_yaml


def every_text(questionnaire: Questionnaire) -> list[tuple[str, Text]]:
    """Every localized text of a questionnaire with a name saying where it is."""
    texts = [("title", questionnaire.title)]
    if questionnaire.intro:
        texts.append(("intro", questionnaire.intro))
    for theme in questionnaire.themes:
        texts.append((f"{theme.id}.title", theme.title))
        if theme.intro:
            texts.append((f"{theme.id}.intro", theme.intro))
        for question in theme.questions:
            texts.append((f"{question.id}.text", question.text))
            for name in ("help", "unit"):
                if getattr(question, name):
                    texts.append((f"{question.id}.{name}", getattr(question, name)))
            texts.extend((f"{question.id}.options.{o.id}", o.label) for o in question.options or [])
            texts.extend((f"{question.id}.scale_labels[{i}]", label) for i, label in enumerate(question.scale_labels or []))
    return texts


# --- The shipped questionnaires --------------------------------------------------------------------


def test_every_shipped_questionnaire_loads():
    loaded = load_all(QUESTIONNAIRE_DIR)
    assert "yse-2025@1" in loaded
    assert all(key == f"{q.id}@{q.version}" for key, q in loaded.items())


def test_shipped_questionnaires_use_only_agreed_indicator_codes():
    assert load_all(QUESTIONNAIRE_DIR, known_indicators=AGREED_INDICATOR_CODES)


def test_yse_2025_has_six_to_eight_themes_and_25_to_45_questions():
    questionnaire = yse_2025()
    assert (questionnaire.id, questionnaire.version, questionnaire.year) == ("yse-2025", 1, 2025)
    assert 6 <= len(questionnaire.themes) <= 8
    assert 25 <= len(list(questionnaire.questions())) <= 45


def test_yse_2025_every_text_has_finnish_swedish_and_english():
    missing = [name for name, text in every_text(yse_2025()) if not (text.fi and text.sv and text.en)]
    assert missing == []


def test_yse_2025_every_theme_lists_indicators():
    assert all(theme.indicators for theme in yse_2025().themes)


def test_yse_2025_marks_about_a_third_of_questions_required():
    questions = [question for _theme, question in yse_2025().questions()]
    share = sum(question.required for question in questions) / len(questions)
    assert 0.25 <= share <= 0.45


@pytest.mark.parametrize(
    ("question_id", "question_type"),
    [
        ("trends_process_exists", "yes_no"),
        ("trends_process_frequency", "single"),
        ("trends_process_self", "scale"),
        ("trends_process_description", "long_text"),
        ("funding_steering_self", "scale"),
        ("funding_redirected_groups", "multi"),
        ("data_packages_use", "scale"),
        ("data_packages_skills_ensured", "yes_no"),
        ("arm_plan_exists", "yes_no"),
        ("uusimaa_factors", "long_text"),
        ("ltu_measures_exist", "yes_no"),
        ("ltu_measures", "measures"),
        ("youth_measures_exist", "yes_no"),
        ("youth_measures", "measures"),
        ("immigrant_measures_exist", "yes_no"),
        ("immigrant_measures", "measures"),
        ("employer_cooperation_measures", "measures"),
        ("statistics_coverage_self", "scale"),
        ("initial_interview_self", "scale"),
        ("initial_interview_avg_days", "number"),
        ("face_to_face_self", "scale"),
        ("face_to_face_share_reported", "number"),
        ("plans_up_to_date_self", "scale"),
        ("service_shortfall_causes", "multi"),
        ("service_shortfall_factors", "long_text"),
        ("service_shortfall_reactions", "long_text"),
    ],
)
def test_yse_2025_has_the_agreed_question_ids(question_id, question_type):
    assert yse_2025().question(question_id).type == question_type


def test_yse_2025_uusimaa_question_quotes_the_seed():
    question = yse_2025().question("uusimaa_factors")
    assert question.text.fi == (
        "Mitkä tekijät ovat mielestänne johtaneet siihen, että Uudenmaan työllisyystilanne on vaikeampi "
        "kuin monella muulla alueella?"
    )


@pytest.mark.parametrize(
    ("area", "visible"),
    [
        ({"id": "helsinki", "uusimaa": True}, True),
        ({"id": "vantaa_kerava", "uusimaa": 1}, True),
        ({"id": "tampere", "uusimaa": False}, False),
        ({"id": "oulu", "uusimaa": 0}, False),
        ({"id": "lahti"}, False),
        ({}, False),
    ],
)
def test_yse_2025_uusimaa_question_is_visible_for_uusimaa_areas_only(area, visible):
    assert is_visible(yse_2025().question("uusimaa_factors"), {}, area) is visible


@pytest.mark.parametrize("group", ["ltu", "youth", "immigrant"])
@pytest.mark.parametrize(("exists", "visible"), [(True, True), (False, False), (None, False)])
def test_yse_2025_measures_appear_only_after_yes(group, exists, visible):
    questionnaire = yse_2025()
    answers = {} if exists is None else {f"{group}_measures_exist": exists}
    assert is_visible(questionnaire.question(f"{group}_measures"), answers, {"id": "turku"}) is visible


def test_yse_2025_deadline_help_names_the_2025_rule_and_the_2026_change():
    help_text = yse_2025().question("initial_interview_self").help
    assert "viiden arkipäivän" in help_text.fi
    assert "HE 108/2025" in help_text.fi
    assert "1.1.2026" in help_text.fi


@pytest.mark.parametrize(
    ("question_id", "low", "high", "unit"),
    [("initial_interview_avg_days", 0, 365, "päivää"), ("face_to_face_share_reported", 0, 100, "%")],
)
def test_yse_2025_number_questions_have_range_and_unit(question_id, low, high, unit):
    question = yse_2025().question(question_id)
    assert (question.min, question.max, question.unit.fi) == (low, high, unit)


def test_yse_2025_survives_a_json_round_trip():
    questionnaire = yse_2025()
    stored = questionnaire.model_dump_json(exclude_unset=True, by_alias=True)
    assert Questionnaire.model_validate_json(stored) == questionnaire


def test_question_lookup_of_unknown_id_raises_key_error():
    with pytest.raises(KeyError, match="no question 'nope'"):
        yse_2025().question("nope")


README = (QUESTIONNAIRE_DIR / "README.md").read_text(encoding="utf-8")


def test_readme_example_loads():
    example = README.split("## Example\n\n```yaml\n", 1)[1].split("```", 1)[0]
    questionnaire = load_questionnaire_text(example, "README.md")
    assert [q.id for _theme, q in questionnaire.questions()][:2] == ["youth_measures_exist", "youth_measures"]


@pytest.mark.parametrize(
    "key",
    sorted(
        {info.alias or name for model in (Questionnaire, Theme, Question) for name, info in model.model_fields.items()}
        | set(QUESTION_TYPES)
        | set(MEASURE_FIELDS)
    ),
)
def test_readme_documents_every_key_and_type(key):
    assert f"`{key}`" in README


# --- Malformed files: each message names the file, the place and the problem ----------------------

TYPES = ", ".join(QUESTION_TYPES)

MALFORMED = [
    pytest.param(
        edited(
            "      - id: trends_process_exists\n        type: yes_no", "      - id: trends_process_exists\n        tpye: yes_no"
        ),
        "yse-2025.yaml: themes[0].questions[0]: unknown key 'tpye', did you mean 'type'?",
        id="misspelt-key",
    ),
    pytest.param(
        edited("      - id: arm_description\n        type: long_text", "      - id: arm_description\n        type: essay"),
        f"yse-2025.yaml: themes[3].questions[2].type: unknown question type 'essay' (types: {TYPES})",
        id="unknown-type",
    ),
    pytest.param(
        edited("      - id: arm_description\n        type: long_text", "      - id: arm_description\n        type: long_txt"),
        f"yse-2025.yaml: themes[3].questions[2].type: unknown question type 'long_txt', did you mean 'long_text'? (types: {TYPES})",
        id="misspelt-type",
    ),
    pytest.param(
        edited("      - id: arm_description\n", "      - id: trends_process_exists\n"),
        "yse-2025.yaml: themes[3].questions[2].id: duplicate question id 'trends_process_exists': "
        "themes[0].questions[0] and themes[3].questions[2]",
        id="duplicate-question-id",
    ),
    pytest.param(
        edited("  - id: structural_change\n", "  - id: situational_picture\n"),
        "yse-2025.yaml: themes[3].id: duplicate theme id 'situational_picture': themes[0] and themes[3]",
        id="duplicate-theme-id",
    ),
    pytest.param(
        edited("{question: trends_process_exists, equals: true}", "{question: trend_process_exists, equals: true}"),
        "yse-2025.yaml: themes[0].questions[1].visible_if.question: visible_if refers to question "
        "'trend_process_exists', which does not exist",
        id="visible-if-missing-question",
    ),
    pytest.param(
        edited("{question: trends_process_exists, equals: true}", "{question: arm_plan_exists, equals: true}"),
        "yse-2025.yaml: themes[0].questions[1].visible_if.question: visible_if refers to question 'arm_plan_exists' "
        "at themes[3].questions[0], which does not come earlier; a question can only depend on an earlier one",
        id="visible-if-later-question",
    ),
    pytest.param(
        edited("{question: trends_process_exists, equals: true}", '{question: trends_process_exists, equals: "yes"}'),
        "yse-2025.yaml: themes[0].questions[1].visible_if.equals: 'trends_process_exists' is a yes_no question: "
        "compare it with true or false, not 'yes'",
        id="visible-if-value-type",
    ),
    pytest.param(
        edited("{question: trends_process_exists, equals: true}", "{question: trends_process_exists}"),
        "yse-2025.yaml: themes[0].questions[1].visible_if: visible_if must be {question: <id>, equals: <value>}, "
        "{question: <id>, in: [...]} or {area: <attribute>}",
        id="visible-if-without-value",
    ),
    pytest.param(
        edited(
            '          - {fi: "Ratkaisevasti", sv: "Avgörande", en: "Decisively"}\n',
            "",
        ),
        "yse-2025.yaml: themes[1].questions[0].scale_labels: a scale question needs exactly 5 labels for levels 1 to 5, found 4",
        id="scale-with-four-labels",
    ),
    pytest.param(
        edited("        min: 0\n        max: 365\n", "        min: 400\n        max: 365\n"),
        "yse-2025.yaml: themes[6].questions[1].min: min (400) must be smaller than max (365)",
        id="min-above-max",
    ),
    pytest.param(
        edited('          fi: "Onko datapakettien hyödyntämiseen tarvittava osaaminen alueella varmistettu?"\n', ""),
        "yse-2025.yaml: themes[2].questions[3].text: required key 'fi' is missing",
        id="missing-finnish-text",
    ),
    pytest.param(
        edited("      - id: ltu_measures_exist\n", "      - id: LTU-measures-exist\n"),
        "yse-2025.yaml: themes[4].questions[0].id: 'LTU-measures-exist' is not a valid id: "
        "use lowercase letters a-z, digits and underscores, starting with a letter",
        id="bad-id-slug",
    ),
    pytest.param(
        edited("version: 1\n", 'version: "one"\n'),
        "yse-2025.yaml: version: expected a whole number, got text 'one'",
        id="version-not-a-number",
    ),
    pytest.param(
        edited('title:\n  fi: "YSE-keskustelut 2025: ennakkokysely"\n', "title: YSE-keskustelut 2025\ntitle_fi: x\n").replace(
            '  sv: "YSE-samtalen 2025: förhandsenkät"\n  en: "YSE discussions 2025: preliminary questionnaire"\n', "", 1
        ),
        "yse-2025.yaml: 2 problems:\n"
        "  - title: expected texts by language such as {fi: ..., sv: ..., en: ...}, got text\n"
        "  - unknown key 'title_fi', did you mean 'title'?",
        id="several-problems-listed",
    ),
    pytest.param(
        "- just\n- a list\n",
        "yse-2025.yaml: the top level must be a mapping of keys (id, version, year, title, themes), not a list",
        id="top-level-list",
    ),
    pytest.param("", "yse-2025.yaml: the file is empty", id="empty-file"),
    pytest.param(
        "id: a\nversion: 1\nid: b\n",
        "yse-2025.yaml: YAML syntax error at line 3, column 1: the key 'id' appears twice in the same mapping (first on line 1)",
        id="key-given-twice",
    ),
    pytest.param(
        small("      - {id: q1, type: single, text: {fi: Valitse}}\n"),
        "yse-2025.yaml: themes[0].questions[0].options: a single question needs 'options' (at least two)",
        id="single-without-options",
    ),
    pytest.param(
        small("      - {id: q1, type: text, text: {fi: Kerro}, options: [{id: a, label: {fi: A}}, {id: b, label: {fi: B}}]}\n"),
        "yse-2025.yaml: themes[0].questions[0].options: 'options' is only allowed for single and multi questions, not text",
        id="options-on-text-question",
    ),
    pytest.param(
        small("      - {id: q1, type: text, text: {fi: Kerro}, max_rows: 10}\n"),
        "yse-2025.yaml: themes[0].questions[0].max_rows: 'max_rows' is only allowed for measures questions, not text",
        id="max-rows-on-text-question",
    ),
    pytest.param(
        small(
            "      - {id: q1, type: single, text: {fi: Valitse}, options: [{id: a, label: {fi: A}}, {id: b, label: {fi: B}}]}\n"
            "      - {id: q2, type: text, text: {fi: Kerro}, visible_if: {question: q1, in: [a, c]}}\n"
        ),
        "yse-2025.yaml: themes[0].questions[1].visible_if.in: 'c' is not an option of 'q1' (options: a, b)",
        id="visible-if-unknown-option",
    ),
    pytest.param(
        small("      - {id: q1, type: text, text: {fi: Kerro}, fo: 1}\n"),
        "yse-2025.yaml: themes[0].questions[0]: unknown key 'fo' (allowed keys: id, type, text, help, required, options, "
        "scale_labels, min, max, unit, max_rows, visible_if, indicators)",
        id="unknown-key-lists-allowed-keys",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_questionnaire_is_refused_with_a_precise_message(text, message):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "yse-2025.yaml")
    assert caught.value.message("en") == message


def test_yaml_syntax_error_names_line_and_column():
    text = edited("version: 1\n", "version: 1\n\tyear: 2025\n")
    line = text.splitlines().index("\tyear: 2025") + 1
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "yse-2025.yaml")
    assert caught.value.message("en").startswith(f"yse-2025.yaml: YAML syntax error at line {line}, column 1: ")


def test_unclosed_flow_list_is_a_yaml_syntax_error_with_a_line():
    text = small("      - {id: q1, type: text, text: {fi: Kerro}, indicators: [TYOTTOMYYSASTE}\n")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "yse-2025.yaml")
    assert re.match(r"^yse-2025\.yaml: YAML syntax error at line 9, column \d+: ", caught.value.message("en"))


def test_unknown_indicator_code_is_named_when_known_codes_are_given():
    text = edited("TYOTOSUUS, LOMAUTETTU", "TYOTOSUUS_X, LOMAUTETTU")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "yse-2025.yaml", known_indicators=AGREED_INDICATOR_CODES)
    assert caught.value.message("en") == "yse-2025.yaml: themes[0].indicators[4]: unknown indicator code 'TYOTOSUUS_X'"


def test_unknown_indicator_code_is_accepted_without_known_codes():
    text = edited("TYOTOSUUS, LOMAUTETTU", "TYOTOSUUS_X, LOMAUTETTU")
    assert load_questionnaire_text(text, "yse-2025.yaml").themes[0].indicators[4] == "TYOTOSUUS_X"


def test_unknown_indicator_code_of_a_question_is_named():
    text = edited(
        '        indicators: [KASVOKKAIN_SHARE]\n        text:\n          fi: "Kuinka usein työnhakija',
        '        indicators: [KASVOKKAAT]\n        text:\n          fi: "Kuinka usein työnhakija',
    )
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "yse-2025.yaml", known_indicators=AGREED_INDICATOR_CODES)
    assert caught.value.message("en") == "yse-2025.yaml: themes[6].questions[3].indicators[0]: unknown indicator code 'KASVOKKAAT'"


def test_at_most_ten_problems_are_listed():
    questions = "".join(f"      - {{id: q{n}, type: essay, text: {{fi: Kerro}}}}\n" for n in range(12))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(small(questions), "many.yaml")
    lines = caught.value.message("en").splitlines()
    assert lines[0] == "many.yaml: 12 problems:"
    assert lines[1].startswith("  - themes[0].questions[0].type: unknown question type 'essay'")
    assert len(lines) == 12
    assert lines[-1] == "  - … and 2 more"


@pytest.mark.parametrize(
    "text",
    [
        "id: x\nversion: 1\nyear: 2025-13-45\n",  # a date-looking value that is no date
        "&a [*a]\n",
        "id: &a [*a]\nversion: 1\nyear: 2025\ntitle: {fi: T}\nthemes: []\n",
        "\x00",
        "id: !!python/object:os.system x\n",
    ],
)
def test_odd_yaml_raises_questionnaire_error(text):
    with pytest.raises(QuestionnaireError, match=r"^odd\.yaml: "):
        load_questionnaire_text(text, "odd.yaml")


# --- Files and directories -------------------------------------------------------------------------


def test_load_questionnaire_names_a_missing_file(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert caught.value.message("en").startswith(f"{path}: cannot read the file")


def test_load_questionnaire_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(YSE_2025_TEXT.encode("latin-1", errors="replace"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert "is not UTF-8 text" in caught.value.message("en")


def test_load_all_refuses_a_directory_with_one_broken_file(tmp_path):
    (tmp_path / "yse-2025.yaml").write_text(YSE_2025_TEXT, encoding="utf-8")
    (tmp_path / "yse-2026.yaml").write_text(
        YSE_2025_TEXT.replace("id: yse-2025\n", "id: yse-2026\n").replace("        type: scale\n", "        type: scal\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(QuestionnaireError) as caught:
        load_all(tmp_path)
    message = caught.value.message("en")
    assert message.startswith(f"{tmp_path}: 1 of 2 questionnaire files are broken, nothing was loaded:\n")
    assert f"{tmp_path / 'yse-2026.yaml'}: themes[0].questions[2].type: unknown question type 'scal'" in message
    assert "yse-2025.yaml" not in message


def test_load_all_refuses_the_same_id_and_version_twice(tmp_path):
    (tmp_path / "a.yaml").write_text(YSE_2025_TEXT, encoding="utf-8")
    (tmp_path / "b.yml").write_text(YSE_2025_TEXT, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_all(tmp_path)
    assert re.search(r"b\.yml: questionnaire yse-2025@1 is already defined in .*a\.yaml", caught.value.message("en"))


def test_load_all_keys_by_id_and_version(tmp_path):
    (tmp_path / "v1.yaml").write_text(YSE_2025_TEXT, encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(YSE_2025_TEXT.replace("version: 1\n", "version: 2\n"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a questionnaire", encoding="utf-8")
    assert sorted(load_all(tmp_path)) == ["yse-2025@1", "yse-2025@2"]


def test_load_all_refuses_a_missing_directory(tmp_path):
    with pytest.raises(QuestionnaireError) as caught:
        load_all(tmp_path / "nowhere")
    assert "not a directory" in caught.value.message("en")


def test_file_hash_is_the_sha256_of_the_bytes():
    assert file_hash(YSE_2025) == hashlib.sha256(YSE_2025.read_bytes()).hexdigest()


# --- Comparing versions ----------------------------------------------------------------------------

OLD_VERSION = small(
    "      - {id: kept, type: yes_no, text: {fi: 'Onko?'}}\n"
    "      - {id: reworded, type: long_text, text: {fi: Kuvatkaa.}}\n"
    "      - {id: retyped, type: yes_no, text: {fi: 'Onko toimia?'}}\n"
    "      - {id: choices, type: single, text: {fi: Valitse}, options: [{id: a, label: {fi: A}}, {id: b, label: {fi: B}}]}\n"
    "      - {id: dropped, type: text, text: {fi: Poistuu}}\n"
)
NEW_VERSION = small(
    "      - {id: kept, type: yes_no, text: {fi: 'Onko?', sv: 'Finns det?'}}\n"
    "      - {id: reworded, type: long_text, text: {fi: Kuvatkaa tarkemmin.}}\n"
    "      - {id: retyped, type: scale, text: {fi: 'Onko toimia?'}, scale_labels: [{fi: a}, {fi: b}, {fi: c}, {fi: d}, {fi: e}]}\n"
    "      - {id: choices, type: single, text: {fi: Valitse}, options: [{id: a, label: {fi: A}}, {id: c, label: {fi: C}}]}\n"
    "      - {id: added, type: text, text: {fi: Uusi}}\n"
).replace("version: 1", "version: 2")


def test_compare_versions_lists_added_removed_reworded_and_retyped_questions():
    changes = compare_versions(load_questionnaire_text(OLD_VERSION), load_questionnaire_text(NEW_VERSION))
    assert changes == {
        "added": ["added"],
        "removed": ["dropped"],
        "reworded": ["reworded"],
        "type_changed": ["retyped"],
        "options_changed": ["choices"],
    }


def test_compare_versions_of_identical_questionnaires_is_empty():
    changes = compare_versions(yse_2025(), yse_2025())
    assert all(ids == [] for ids in changes.values())


# --- Property: the loader only ever raises QuestionnaireError -------------------------------------

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
question_keys = st.sampled_from(
    [
        "id",
        "type",
        "text",
        "help",
        "required",
        "options",
        "scale_labels",
        "min",
        "max",
        "unit",
        "max_rows",
        "visible_if",
        "indicators",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_loads_or_raises_questionnaire_error(text):
    try:
        load_questionnaire_text(text, "fuzz.yaml")
    except QuestionnaireError as error:
        assert str(error).startswith("fuzz.yaml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(question_keys, json_like, max_size=8), min_size=1, max_size=4))
def test_arbitrary_question_structures_load_or_raise_questionnaire_error(questions):
    document = yaml.safe_load(SMALL_HEADER + "      []\n")
    document["themes"][0]["questions"] = questions
    try:
        load_questionnaire_text(json.dumps(document), "fuzz.yaml")
    except QuestionnaireError as error:
        assert str(error).startswith("fuzz.yaml")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(YSE_2025_TEXT) - 1), st.integers(min_value=1, max_value=200))
def test_shipped_yaml_with_a_slice_cut_out_loads_or_raises_questionnaire_error(start, length):
    try:
        load_questionnaire_text(YSE_2025_TEXT[:start] + YSE_2025_TEXT[start + length :], "cut.yaml")
    except QuestionnaireError as error:
        assert str(error).startswith("cut.yaml")


# --- The same precise place in every language --------------------------------------------------------

SYNTAX_ERROR_LINE = YSE_2025_TEXT.splitlines().index("version: 1") + 2

BROKEN_IN_EVERY_LANGUAGE = [
    pytest.param(
        edited("      - id: trends_process_exists\n        type: yes_no", "      - id: trends_process_exists\n        tpye: yes_no"),
        {
            "fi": "yse-2025.yaml: themes[0].questions[0]: tuntematon avain 'tpye', tarkoititko 'type'?",
            "sv": "yse-2025.yaml: themes[0].questions[0]: okänd nyckel 'tpye', menade du 'type'?",
            "en": "yse-2025.yaml: themes[0].questions[0]: unknown key 'tpye', did you mean 'type'?",
        },
        id="typo-in-a-key",
    ),
    pytest.param(
        edited("version: 1\n", "version: 1\n\tyear: 2025\n"),
        {
            "fi": f"yse-2025.yaml: YAML-syntaksivirhe rivillä {SYNTAX_ERROR_LINE}, sarakkeessa 1: ",
            "sv": f"yse-2025.yaml: YAML-syntaxfel på rad {SYNTAX_ERROR_LINE}, kolumn 1: ",
            "en": f"yse-2025.yaml: YAML syntax error at line {SYNTAX_ERROR_LINE}, column 1: ",
        },
        id="yaml-syntax-error",
    ),
]


@pytest.mark.parametrize(("text", "beginnings"), BROKEN_IN_EVERY_LANGUAGE)
def test_a_broken_questionnaire_names_the_same_file_line_and_field_in_every_language(text, beginnings):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "yse-2025.yaml")
    assert {lang: caught.value.message(lang)[: len(beginning)] for lang, beginning in beginnings.items()} == beginnings
    assert str(caught.value) == caught.value.message("fi")


# --- The measures-row fields are data ------------------------------------------------------------------

MEASURE_FIELDS_TEXT = MEASURE_FIELDS_PATH.read_text(encoding="utf-8")


def test_the_shipped_measure_fields_file_loads_in_display_order():
    assert list(load_measure_fields()) == list(MEASURE_FIELDS)
    assert list(MEASURE_FIELDS)[0] == "name" and MEASURE_FIELDS["name"].required


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("    kind: date\n", "    knid: date\n", "fields[2]: unknown key 'knid', did you mean 'kind'?", id="typo"),
        pytest.param("  - key: target_groups\n", "  - key: groups\n",
                     "fields: a measures row needs a multi field 'target_groups' (the code reads it by name)", id="field-the-code-reads"),
        pytest.param("    required: true\n", "", "fields[0].required: the field 'name' must be required", id="name-not-required"),
    ],
)
def test_a_broken_measure_fields_file_is_refused_with_its_place(tmp_path, old, new, expected):
    path = tmp_path / "measure_fields.yaml"
    assert MEASURE_FIELDS_TEXT.count(old) == 1
    path.write_text(MEASURE_FIELDS_TEXT.replace(old, new), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_measure_fields(path)
    assert caught.value.message("en").startswith(f"{path}: {expected}")
