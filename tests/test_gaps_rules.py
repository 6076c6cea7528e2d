"""Gap rules are validated data: the shipped file loads against the catalogue and yse-2025, broken files are refused precisely."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from yse_core.errors import YseError
from yse_core.gaps import KINDS, RULES_PATH, GapRuleError, load_rules, parse_rules, shipped_rules
from yse_core.gaps.models import yoy_code_for
from yse_core.indicators.catalogue import load_catalogue
from yse_core.questionnaire import load_questionnaire

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = load_questionnaire(ROOT / "questionnaires" / "yse-2025.yaml")
CATALOGUE = load_catalogue()
DELETE = object()

BASE = {
    "questionnaire": "yse-2025",
    "rules": [
        {
            "id": "ltu_need",
            "kind": "need_without_response",
            "theme": "target_groups",
            "severity": "high",
            "title": {"fi": "Otsikko", "sv": "Rubrik", "en": "Title"},
            "indicators": ["PITKAAIKAISTYOTTOMAT_SHARE"],
            "questions": ["ltu_measures_exist"],
            "when": {
                "all": [
                    {"question": "ltu_measures_exist", "equals": False},
                    {"indicator": "PITKAAIKAISTYOTTOMAT_SHARE", "compare": "worse_than_country", "by_ratio": 1.1},
                ]
            },
            "message": {"fi": "{area_value} / {country_value}, {period}", "sv": "{area_value}", "en": "{answer}"},
        }
    ],
}


def variant(*changes: tuple[tuple, object]) -> str:
    """BASE with values replaced (or deleted) at the given paths, as YAML text."""
    data = copy.deepcopy(BASE)
    for path, value in changes:
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def check(text: str) -> None:
    parse_rules(text, "rules-test.yaml", catalogue=CATALOGUE, questionnaire=QUESTIONNAIRE)


RULE = ("rules", 0)
WHEN_ANSWER = (*RULE, "when", "all", 0)
WHEN_FIGURE = (*RULE, "when", "all", 1)


def test_the_base_variant_is_valid():
    check(variant())


def test_shipped_rules_load_against_the_catalogue_and_yse_2025():
    rules = load_rules(RULES_PATH, catalogue=CATALOGUE, questionnaire=QUESTIONNAIRE)
    assert len(rules.rules) >= 12
    assert {rule.kind for rule in rules.rules} == set(KINDS)
    assert {rule.severity for rule in rules.rules} == {"high", "medium", "info"}
    assert shipped_rules().rules == rules.rules


@pytest.mark.parametrize(
    "rule_id",
    [
        "ltu_need_without_measures", "youth_need_without_measures", "immigrant_need_without_measures",  # seed 2, 8
        "ltu_results_rated_high_statistics_poor", "ltu_results_rated_low_statistics_good",
        "funding_steering_without_redirection", "no_trends_process_while_unemployment_grows",  # seed 2
        "data_packages_little_used", "arm_no_preparedness_plan",  # seed 3, 4
        "own_measures_not_visible_in_statistics", "target_group_measures_without_tracking",  # seed 9
        "interview_rated_on_time_statistics_late", "face_to_face_rated_high_share_low",  # seed 10
        "plans_rated_up_to_date_share_low", "face_to_face_share_reported_implausible",
        "interview_days_reported_implausible",
    ],
)
def test_the_seed_observations_have_a_rule(rule_id):
    shipped_rules().rule(rule_id)


def test_need_without_response_for_target_groups_is_high():
    rules = shipped_rules()
    for rule_id in ("ltu_need_without_measures", "youth_need_without_measures", "immigrant_need_without_measures"):
        assert (rules.rule(rule_id).kind, rules.rule(rule_id).severity) == ("need_without_response", "high")


def test_growth_is_read_from_the_numerators_year_on_year_code():
    assert yoy_code_for(CATALOGUE, "PITKAAIKAISTYOTTOMAT_SHARE") == "PITKAAIKAISTYOTTOMAT_YOY_PCT"
    assert yoy_code_for(CATALOGUE, "TYOTTOMYYSASTE") == "TYOTTOMATLOPUSSA_YOY_PCT"
    assert yoy_code_for(CATALOGUE, "KASVOKKAIN_SHARE") is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param([((*RULE, "kind"), "gut_feeling")], "rules[0].kind: unknown kind 'gut_feeling'", id="unknown-kind"),
        pytest.param([((*RULE, "severity"), "urgent")], "rules[0].severity: unknown severity 'urgent'", id="unknown-severity"),
        pytest.param([((*RULE, "message", "fi"), "Arvo {area_vlaue}")],
                     "rules[0].message.fi: unknown placeholder {area_vlaue}", id="unknown-placeholder"),
        pytest.param([((*RULE, "message", "en"), "{answer.__class__}")],
                     "rules[0].message.en: unknown placeholder {answer.__class__}", id="attribute-access"),
        pytest.param([((*RULE, "message", "sv"), "{area_value[0]}")],
                     "rules[0].message.sv: unknown placeholder {area_value[0]}", id="item-access"),
        pytest.param([((*RULE, "message", "fi"), "{area_value:>10}")],
                     "rules[0].message.fi: broken template: placeholder {area_value} must not have a conversion or format",
                     id="format-spec"),
        pytest.param([((*RULE, "message", "fi"), "{area_value")], "rules[0].message.fi: broken template", id="unclosed-brace"),
        pytest.param([((*RULE, "message", "fi"), "{area_value_2}")],
                     "rules[0].message.fi: placeholder {area_value_2} needs at least 2 codes in 'indicators'",
                     id="second-figure-without-second-indicator"),
        pytest.param([((*RULE, "message", "fi"), DELETE)], "rules[0].message: required key 'fi' is missing",
                     id="missing-fi-message"),
        pytest.param([((*RULE, "message", "sv"), "  ")], "rules[0].message.sv: must not be empty", id="blank-translation"),
        pytest.param([((*WHEN_FIGURE, "by_ratio"), "__import__('os').system('echo hi')")],
                     "rules[0].when.all[1].by_ratio: expected a number, got text", id="eval-like-string"),
        pytest.param([((*WHEN_FIGURE, "by_ratio"), True)], "rules[0].when.all[1].by_ratio: expected a number, got true/false",
                     id="bool-as-number"),
        pytest.param([((*RULE, "when"), "PITKAAIKAISTYOTTOMAT_SHARE > 1.1 * country")],
                     "rules[0].when: a condition must be a mapping with one of the keys indicator, question, all or any",
                     id="expression-as-condition"),
        pytest.param([((*RULE, "eval"), "1 + 1")], "rules[0]: unknown key 'eval'", id="unknown-rule-key"),
        pytest.param([((*WHEN_FIGURE, "script"), "x")], "rules[0].when.all[1]: unknown key 'script'", id="unknown-condition-key"),
        pytest.param([((*WHEN_FIGURE, "indicator"), "NOT_A_CODE"), ((*RULE, "indicators"), ["NOT_A_CODE"])],
                     "rules[0].when.all[1].indicator: unknown indicator code 'NOT_A_CODE'", id="unknown-indicator"),
        pytest.param([((*WHEN_FIGURE, "indicator"), "not a code")],
                     "rules[0].when.all[1].indicator: 'not a code' is not a valid id or code", id="malformed-indicator"),
        pytest.param([((*WHEN_ANSWER, "question"), "ltu_measures_exists"), ((*RULE, "questions"), ["ltu_measures_exists"])],
                     "rules[0].when.all[0].question: unknown question id 'ltu_measures_exists'", id="unknown-question"),
        pytest.param([((*RULE, "theme"), "weather")], "rules[0].theme: unknown theme 'weather'", id="unknown-theme"),
        pytest.param([(("questionnaire",), "yse-2031")], "questionnaire: the rules are for 'yse-2031', not for 'yse-2025'",
                     id="other-questionnaire"),
        pytest.param([((*WHEN_FIGURE, "compare"), "much_worse")], "rules[0].when.all[1].compare: unknown compare 'much_worse'",
                     id="unknown-comparison"),
        pytest.param([((*WHEN_FIGURE, "by_ratio"), DELETE)],
                     "rules[0].when.all[1]: compare: worse_than_country needs 'by_ratio'", id="comparison-without-parameter"),
        pytest.param([((*WHEN_FIGURE, "value"), 40)],
                     "rules[0].when.all[1].value: 'value' does not go with compare: worse_than_country", id="wrong-parameter"),
        pytest.param([((*WHEN_FIGURE, "by_ratio"), 0.9)], "rules[0].when.all[1].by_ratio: must be at least 1",
                     id="ratio-below-one"),
        pytest.param([((*WHEN_FIGURE, "indicator"), "TYOTTOMATULK_SHARE"), ((*RULE, "indicators"), ["TYOTTOMATULK_SHARE"])],
                     "rules[0].when.all[1].compare: TYOTTOMATULK_SHARE has no direction", id="worse-without-direction"),
        pytest.param([((*WHEN_FIGURE,), {"indicator": "PITKAAIKAISTYOTTOMAT_SHARE", "compare": "growing_faster_than_country",
                                          "by_points": 5, "per": "TYOTTOMATLOPUSSA"}),
                      ((*RULE, "indicators"), ["PITKAAIKAISTYOTTOMAT_SHARE", "TYOTTOMATLOPUSSA"])],
                     "rules[0].when.all[1].per: 'per' cannot be combined with growing_faster_than_country", id="per-with-growth"),
        pytest.param([((*WHEN_FIGURE,), {"indicator": "KASVOKKAIN_SHARE", "compare": "growing_faster_than_country",
                                          "by_points": 5}), ((*RULE, "indicators"), ["KASVOKKAIN_SHARE"])],
                     "rules[0].when.all[1].compare: KASVOKKAIN_SHARE has no year-on-year % code", id="growth-without-yoy"),
        pytest.param([((*WHEN_ANSWER, "equals"), "no")],
                     "rules[0].when.all[0].equals: 'ltu_measures_exist' is a yes_no question: compare it with true or false",
                     id="yes-no-compared-with-text"),
        pytest.param([((*WHEN_ANSWER,), {"question": "ltu_measures_exist", "at_least": 4})],
                     "rules[0].when.all[0].at_least: at_least needs a scale or number question", id="at-least-on-yes-no"),
        pytest.param([((*WHEN_ANSWER,), {"question": "trends_process_frequency", "equals": "daily"}),
                      ((*RULE, "questions"), ["trends_process_frequency"])],
                     "rules[0].when.all[0].equals: 'daily' is not an option of 'trends_process_frequency'", id="unknown-option"),
        pytest.param([((*WHEN_ANSWER,), {"question": "ltu_results_self", "equals": 7}),
                      ((*RULE, "questions"), ["ltu_results_self"])],
                     "rules[0].when.all[0].equals: 'ltu_results_self' is a scale question: compare it with a level 1 to 5",
                     id="scale-level-out-of-range"),
        pytest.param([((*WHEN_ANSWER,), {"question": "ltu_measures", "rows_missing_field": ["impact"]}),
                      ((*RULE, "questions"), ["ltu_measures"])],
                     "rules[0].when.all[0].rows_missing_field[0]: 'impact' is not a field a measures row can lack",
                     id="unknown-measure-field"),
        pytest.param([((*WHEN_ANSWER,), {"question": "ltu_measures_exist", "rows_missing_field": "baseline"})],
                     "rules[0].when.all[0].rows_missing_field: rows_missing_field needs a measures question",
                     id="rows-on-a-yes-no-question"),
        pytest.param([((*WHEN_ANSWER, "unanswered"), True)],
                     "rules[0].when.all[0]: an answer condition needs exactly one of", id="two-answer-tests"),
        pytest.param([((*WHEN_ANSWER,), {"question": "initial_interview_avg_days", "differs_from": "ALKUHAASTATTELU_ODOTUS_PV"}),
                      ((*RULE, "questions"), ["initial_interview_avg_days"]),
                      ((*RULE, "indicators"), ["PITKAAIKAISTYOTTOMAT_SHARE", "ALKUHAASTATTELU_ODOTUS_PV"])],
                     "rules[0].when.all[0]: differs_from needs exactly one of 'by_points' or 'by_ratio'",
                     id="differs-from-without-tolerance"),
        pytest.param([((*RULE, "indicators"), ["PITKAAIKAISTYOTTOMAT_SHARE", "TYOTOSUUS"])],
                     "rules[0].indicators[1]: 'TYOTOSUUS' is listed but no condition reads it", id="indicator-not-read"),
        pytest.param([((*RULE, "indicators"), [])],
                     "rules[0].indicators: 'PITKAAIKAISTYOTTOMAT_SHARE' is read by a condition but not listed",
                     id="indicator-not-listed"),
        pytest.param([((*RULE, "info_when"), {"indicator": "PITKAAIKAISTYOTTOMAT_SHARE", "compare": "below", "value": 1}),
                      ((*RULE, "severity"), "info")],
                     "rules[0].info_when: the severity is already info", id="info-when-on-info"),
        pytest.param([((*RULE, "when", "all"), [])], "rules[0].when.all: must not be empty", id="empty-all"),
        pytest.param([(("rules",), [BASE["rules"][0], BASE["rules"][0]])],
                     "rules[1].id: duplicate rule id 'ltu_need' (also rules[0])", id="duplicate-rule-id"),
        pytest.param([(("rules",), [])], "rules: must not be empty", id="no-rules"),
    ],
)
def test_a_broken_rule_is_refused_with_its_place_and_problem(changes, expected):
    with pytest.raises(GapRuleError) as raised:
        check(variant(*changes))
    assert raised.value.message("en").startswith("rules-test.yaml: ")
    assert expected in raised.value.message("en")


def test_unknown_codes_and_questions_pass_structural_validation_alone():
    text = variant(((*WHEN_FIGURE, "indicator"), "NOT_A_CODE"), ((*RULE, "indicators"), ["NOT_A_CODE"]))
    assert parse_rules(text).rules[0].indicators == ["NOT_A_CODE"]


def test_a_key_given_twice_is_refused_with_its_line():
    text = variant().replace("  severity: high\n", "  severity: high\n  severity: info\n")
    with pytest.raises(GapRuleError) as raised:
        check(text)
    assert re.search(r"at line 7, column 3: the key 'severity' appears twice in the same mapping \(first on line 6\)",
                     raised.value.message("en"))


def test_yaml_syntax_errors_name_the_line():
    with pytest.raises(GapRuleError) as raised:
        check("questionnaire: yse-2025\nrules:\n  - id: x: y\n")
    assert re.match(r"^rules-test.yaml: YAML syntax error at line 3, column 10: mapping values are not allowed here",
                    raised.value.message("en"))


def test_a_rules_file_error_names_the_file_and_is_a_yse_error(tmp_path):
    path = tmp_path / "broken-rules.yaml"
    path.write_text(variant(((*RULE, "kind"), "gut_feeling")), encoding="utf-8")
    with pytest.raises(YseError) as raised:
        load_rules(path, catalogue=CATALOGUE, questionnaire=QUESTIONNAIRE)
    assert isinstance(raised.value, GapRuleError)
    assert raised.value.message("en").startswith(f"{path}: rules[0].kind: unknown kind 'gut_feeling'")


def test_several_problems_are_listed_together():
    with pytest.raises(GapRuleError) as raised:
        check(variant(((*RULE, "kind"), "gut_feeling"), ((*RULE, "theme"), "Not A Slug")))
    message = raised.value.message("en")
    assert "2 problems" in message and "rules[0].kind" in message and "rules[0].theme" in message


def test_a_rules_problem_names_the_same_place_in_every_language():
    changes = [((*WHEN_FIGURE, "indicator"), "NOT_A_CODE"), ((*RULE, "indicators"), ["NOT_A_CODE"])]
    with pytest.raises(GapRuleError) as raised:
        check(variant(*changes))
    place = "  - rules[0].when.all[1].indicator: "
    assert raised.value.message("fi").startswith("rules-test.yaml: 2 ongelmaa:\n")
    assert place + "tuntematon indikaattorikoodi 'NOT_A_CODE'" in raised.value.message("fi").splitlines()
    assert place + "okänd indikatorkod 'NOT_A_CODE'" in raised.value.message("sv").splitlines()
    assert place + "unknown indicator code 'NOT_A_CODE'" in raised.value.message("en").splitlines()


def test_a_rules_own_check_is_worded_in_every_language():
    with pytest.raises(GapRuleError) as raised:
        check(variant(((*WHEN_FIGURE, "by_ratio"), 0.9)))
    assert raised.value.message("fi").endswith("rules[0].when.all[1].by_ratio: on oltava vähintään 1 (1,10 tarkoittaa 10 % "
                                               "yli koko maan), nyt 0,9")
    assert raised.value.message("sv").endswith("rules[0].when.all[1].by_ratio: måste vara minst 1 (1,10 betyder 10 % över "
                                               "hela landet), nu 0,9")
