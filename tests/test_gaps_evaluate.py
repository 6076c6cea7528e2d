"""Evaluating gap rules: each shipped rule fires, stays silent, or reports missing data without a false alarm."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from tools.test_calendar import ROUND
from yse_core import auth, responses
from yse_core.errors import PermissionDenied
from yse_core.gaps import (
    DiscussionPoint,
    IndicatorFigure,
    evaluate,
    heatmap_data,
    points_for_area,
    points_for_round,
    shipped_rules,
    statistic_of,
)
from yse_core.gaps.cli import add_gaps_parser
from yse_core.indicators.catalogue import load_catalogue
from yse_core.indicators.demo import stored_standouts
from yse_core.questionnaire import load_questionnaire

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = load_questionnaire(ROOT / "questionnaires" / "yse-2025.yaml")
RULES = shipped_rules()
AREA = {"id": "testialue", "name_fi": "Testialue", "name_sv": "Testområde", "uusimaa": False}
PERIOD = "2025-12"


def fig(code: str, value, country=None, yoy=None, country_yoy=None, *, flag="ok", is_demo=False, base=2000,
        **more) -> IndicatorFigure:
    """A figure with the catalogue's name, unit, direction and kind of statistic for ``code``, of ``base`` people."""
    indicator = load_catalogue().get(code)
    return IndicatorFigure(value, country, PERIOD, yoy, country_yoy, flag, is_demo, indicator.unit,
                           indicator.name.model_dump(), indicator.higher_is_worse, indicator.decimals, code=code,
                           statistic=statistic_of(indicator), scale=indicator.scale, base=base, **more)


def figures(*items: tuple) -> dict[str, IndicatorFigure]:
    return {item[0]: fig(*item) for item in items}


def rows(*names: str, **fields) -> list[dict]:
    """Measures rows with every tracking field filled unless overridden."""
    complete = {"target_groups": ["long_term_unemployed"], "start_date": "2025-02-01", "resources": "2 htv",
                "impact_indicator": "Työllistyneet", "baseline": "10 %", "target": "20 %",
                "follow_up_frequency": "quarterly", "latest_result": None}
    return [{"name": name, **complete, **fields} for name in names]


LTU = "PITKAAIKAISTYOTTOMAT_SHARE"
AREAS_ACTIVATION = (8.5, 12.0, 16.5, 17.0, 18.0, 19.0, 20.0, 21.0, 22.6)  # lower quartile 16.5
YOUTH = "TYOTTOMAT25_SHARE"
ULK = "TYOTTOMATULK_SHARE"

# (rule id, case, answers, figures, expected): expected is "fires", "silent" or "missing" (a missing_data point).
CASES = [
    ("ltu_need_without_measures", "share worse", {"ltu_measures_exist": False}, figures((LTU, 47.0, 42.0, 29.0, 28.0)), "fires"),
    ("ltu_need_without_measures", "growing faster", {"ltu_measures_exist": False}, figures((LTU, 42.0, 42.0, 36.0, 28.0)), "fires"),
    ("ltu_need_without_measures", "worse, growth unknown", {"ltu_measures_exist": False}, figures((LTU, 47.0, 42.0)), "fires"),
    ("ltu_need_without_measures", "measures reported", {"ltu_measures_exist": True}, figures((LTU, 47.0, 42.0, 36.0, 28.0)), "silent"),
    ("ltu_need_without_measures", "like the country", {"ltu_measures_exist": False}, figures((LTU, 43.0, 42.0, 30.0, 28.0)), "silent"),
    ("ltu_need_without_measures", "not answered yet", {}, figures((LTU, 47.0, 42.0, 36.0, 28.0)), "silent"),
    ("ltu_need_without_measures", "no figure", {"ltu_measures_exist": False}, {}, "missing"),
    ("ltu_need_without_measures", "share fine, growth unknown", {"ltu_measures_exist": False}, figures((LTU, 42.0, 42.0)),
     "missing"),
    ("ltu_need_without_measures", "no country value", {"ltu_measures_exist": False}, figures((LTU, 47.0, None, 29.0, 28.0)),
     "missing"),
    ("ltu_need_without_measures", "suppressed", {"ltu_measures_exist": False},
     {LTU: fig(LTU, None, 42.0, None, 28.0, flag="suppressed")}, "missing"),
    ("youth_need_without_measures", "growing faster", {"youth_measures_exist": False},
     figures((YOUTH, 13.0, 13.1, 70.0, 19.4)), "fires"),
    ("youth_need_without_measures", "measures reported", {"youth_measures_exist": True},
     figures((YOUTH, 19.0, 13.1, 70.0, 19.4)), "silent"),
    ("youth_need_without_measures", "no figure", {"youth_measures_exist": False}, {}, "missing"),
    ("immigrant_need_without_measures", "share above the country", {"immigrant_measures_exist": False},
     figures((ULK, 20.0, 13.5, 15.0, 16.5)), "fires"),
    ("immigrant_need_without_measures", "like the country", {"immigrant_measures_exist": False},
     figures((ULK, 14.0, 13.5, 15.0, 16.5)), "silent"),
    ("immigrant_need_without_measures", "no figure", {"immigrant_measures_exist": False}, {}, "missing"),
    ("ltu_results_rated_high_statistics_poor", "rated 4, share worse", {"ltu_results_self": 4},
     figures((LTU, 45.0, 42.0, 28.0, 28.0)), "fires"),
    ("ltu_results_rated_high_statistics_poor", "rated 3", {"ltu_results_self": 3}, figures((LTU, 47.0, 42.0, 36.0, 28.0)),
     "silent"),
    ("ltu_results_rated_high_statistics_poor", "rated 5, statistics fine", {"ltu_results_self": 5},
     figures((LTU, 42.0, 42.0, 28.0, 28.0)), "silent"),
    ("ltu_results_rated_high_statistics_poor", "rated 4, no figure", {"ltu_results_self": 4}, {}, "missing"),
    ("ltu_results_rated_low_statistics_good", "rated 2, share better", {"ltu_results_self": 2},
     figures((LTU, 38.0, 42.0, 20.0, 28.0)), "fires"),
    ("ltu_results_rated_low_statistics_good", "rated 2, like the country", {"ltu_results_self": 2},
     figures((LTU, 41.0, 42.0)), "silent"),
    ("ltu_results_rated_low_statistics_good", "rated 3", {"ltu_results_self": 3}, figures((LTU, 38.0, 42.0)), "silent"),
    ("ltu_results_rated_low_statistics_good", "rated 1, no figure", {"ltu_results_self": 1}, {}, "missing"),
    ("youth_results_rated_high_statistics_poor", "rated 5, growing faster", {"youth_results_self": 5},
     figures((YOUTH, 13.0, 13.1, 25.0, 19.4)), "fires"),
    ("youth_results_rated_high_statistics_poor", "rated 5, fine", {"youth_results_self": 5},
     figures((YOUTH, 12.0, 13.1, 15.0, 19.4)), "silent"),
    ("youth_results_rated_high_statistics_poor", "rated 5, no figure", {"youth_results_self": 5}, {}, "missing"),
    ("youth_results_rated_low_statistics_good", "rated 1, share better", {"youth_results_self": 1},
     figures((YOUTH, 10.8, 13.1)), "fires"),
    ("youth_results_rated_low_statistics_good", "rated 1, worse", {"youth_results_self": 1}, figures((YOUTH, 15.0, 13.1)),
     "silent"),
    ("youth_results_rated_low_statistics_good", "rated 1, no figure", {"youth_results_self": 1}, {}, "missing"),
    ("immigrant_results_rated_high_statistics_poor", "rated 4, growing faster", {"immigrant_results_self": 4},
     figures((ULK, 10.0, 13.5, 23.9, 16.5)), "fires"),
    ("immigrant_results_rated_high_statistics_poor", "rated 4, slower", {"immigrant_results_self": 4},
     figures((ULK, 10.0, 13.5, 12.0, 16.5)), "silent"),
    ("immigrant_results_rated_high_statistics_poor", "rated 4, growth missing", {"immigrant_results_self": 4},
     figures((ULK, 10.0, 13.5)), "missing"),
    ("funding_steering_without_redirection", "steers but nothing redirected",
     {"funding_steering_self": 4, "funding_redirected": False}, {}, "fires"),
    ("funding_steering_without_redirection", "redirected", {"funding_steering_self": 5, "funding_redirected": True}, {},
     "silent"),
    ("funding_steering_without_redirection", "little steering", {"funding_steering_self": 2, "funding_redirected": False}, {},
     "silent"),
    ("funding_steering_without_redirection", "redirection not answered", {"funding_steering_self": 5}, {}, "silent"),
    ("no_trends_process_while_unemployment_grows", "no process, growing faster", {"trends_process_exists": False},
     figures(("TYOTTOMATLOPUSSA", 5_000, 300_000, 14.0, 10.7)), "fires"),
    ("no_trends_process_while_unemployment_grows", "process exists", {"trends_process_exists": True},
     figures(("TYOTTOMATLOPUSSA", 5_000, 300_000, 14.0, 10.7)), "silent"),
    ("no_trends_process_while_unemployment_grows", "growing like the country", {"trends_process_exists": False},
     figures(("TYOTTOMATLOPUSSA", 5_000, 300_000, 11.0, 10.7)), "silent"),
    ("no_trends_process_while_unemployment_grows", "growth missing", {"trends_process_exists": False},
     figures(("TYOTTOMATLOPUSSA", 5_000, 300_000)), "missing"),
    ("data_packages_little_used", "used occasionally", {"data_packages_use": 2}, {}, "fires"),
    ("data_packages_little_used", "skills not ensured", {"data_packages_use": 4, "data_packages_skills_ensured": False}, {},
     "fires"),
    ("data_packages_little_used", "used and skills ensured", {"data_packages_use": 4, "data_packages_skills_ensured": True}, {},
     "silent"),
    ("data_packages_little_used", "not answered", {}, {}, "silent"),
    ("arm_no_preparedness_plan", "no plan", {"arm_plan_exists": False},
     figures(("LOMAUTETTU", 500, 17_000), ("TYOTTOMATLOPUSSA", 5_000, 300_000)), "fires"),
    ("arm_no_preparedness_plan", "plan exists", {"arm_plan_exists": True},
     figures(("LOMAUTETTU", 500, 17_000), ("TYOTTOMATLOPUSSA", 5_000, 300_000)), "silent"),
    ("arm_no_preparedness_plan", "no plan, no figures", {"arm_plan_exists": False}, {}, "fires"),
    ("own_measures_not_visible_in_statistics", "measures, low activation",
     {"employer_cooperation_measures": rows("Rekrytointimessut")},
     {"AKTIVOINTIASTE": fig("AKTIVOINTIASTE", 16.2, 16.7, areas=AREAS_ACTIVATION)}, "fires"),
    ("own_measures_not_visible_in_statistics", "measures, activation fine",
     {"service_range_measures": rows("Työnhakuklinikka")},
     {"AKTIVOINTIASTE": fig("AKTIVOINTIASTE", 19.0, 16.7, areas=AREAS_ACTIVATION)}, "silent"),
    ("own_measures_not_visible_in_statistics", "measures, no other areas",
     {"service_range_measures": rows("Työnhakuklinikka")}, figures(("AKTIVOINTIASTE", 16.2, 16.7)), "missing"),
    ("own_measures_not_visible_in_statistics", "no measures", {},
     {"AKTIVOINTIASTE": fig("AKTIVOINTIASTE", 16.2, 16.7, areas=AREAS_ACTIVATION)}, "silent"),
    ("own_measures_not_visible_in_statistics", "measures, no figure", {"service_range_measures": rows("Työnhakuklinikka")},
     {}, "missing"),
    ("target_group_measures_without_tracking", "no baseline",
     {"ltu_measures_exist": True, "ltu_measures": rows("Työkokeilu", baseline=None)}, {}, "fires"),
    ("target_group_measures_without_tracking", "no regular follow-up",
     {"youth_measures_exist": True, "youth_measures": rows("Ohjaamo", follow_up_frequency="none")}, {}, "fires"),
    ("target_group_measures_without_tracking", "fully tracked",
     {"immigrant_measures_exist": True, "immigrant_measures": rows("Kielikurssi")}, {}, "silent"),
    ("target_group_measures_without_tracking", "rows of a hidden question",
     {"ltu_measures_exist": False, "ltu_measures": rows("Työkokeilu", impact_indicator=None)}, {}, "silent"),
    ("own_measures_without_tracking", "no impact indicator",
     {"employer_cooperation_measures": rows("Yrityskäynnit", impact_indicator="  ")}, {}, "fires"),
    ("own_measures_without_tracking", "fully tracked", {"service_range_measures": rows("Työnhakuklinikka")}, {}, "silent"),
    ("interview_rated_on_time_statistics_late", "rated 5, late",
     {"initial_interview_self": 5},
     figures(("ALKUHAASTATTELU_AJASSA_SHARE", 7.4, 27.2), ("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)), "fires"),
    ("interview_rated_on_time_statistics_late", "rated 4, long wait only",
     {"initial_interview_self": 4}, figures(("ALKUHAASTATTELU_ODOTUS_PV", 30.0, 19.9)), "fires"),
    ("interview_rated_on_time_statistics_late", "rated 5, on time",
     {"initial_interview_self": 5},
     figures(("ALKUHAASTATTELU_AJASSA_SHARE", 60.0, 27.2), ("ALKUHAASTATTELU_ODOTUS_PV", 7.0, 19.9)), "silent"),
    ("interview_rated_on_time_statistics_late", "rated 3, late",
     {"initial_interview_self": 3},
     figures(("ALKUHAASTATTELU_AJASSA_SHARE", 7.4, 27.2), ("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)), "silent"),
    ("interview_rated_on_time_statistics_late", "rated 5, share fine, wait missing",
     {"initial_interview_self": 5}, figures(("ALKUHAASTATTELU_AJASSA_SHARE", 55.0, 27.2)), "missing"),
    ("interview_rated_on_time_statistics_late", "rated 5, no figures", {"initial_interview_self": 5}, {}, "missing"),
    ("face_to_face_rated_high_share_low", "rated 4, low share", {"face_to_face_self": 4},
     figures(("KASVOKKAIN_SHARE", 27.6, 39.3)), "fires"),
    ("face_to_face_rated_high_share_low", "rated 4, usual share", {"face_to_face_self": 4},
     figures(("KASVOKKAIN_SHARE", 40.0, 39.3)), "silent"),
    ("face_to_face_rated_high_share_low", "rated 4, no figure", {"face_to_face_self": 4}, {}, "missing"),
    ("face_to_face_rated_low_share_high", "rated 2, high share", {"face_to_face_self": 2},
     figures(("KASVOKKAIN_SHARE", 66.8, 39.3)), "fires"),
    ("face_to_face_rated_low_share_high", "rated 2, usual share", {"face_to_face_self": 2},
     figures(("KASVOKKAIN_SHARE", 40.0, 39.3)), "silent"),
    ("face_to_face_rated_low_share_high", "rated 2, no figure", {"face_to_face_self": 2}, {}, "missing"),
    ("plans_rated_up_to_date_share_low", "rated 5, low share", {"plans_up_to_date_self": 5},
     figures(("SUUNNITELMA_AJANTASALLA_SHARE", 60.0, 69.5)), "fires"),
    ("plans_rated_up_to_date_share_low", "rated 5, usual share", {"plans_up_to_date_self": 5},
     figures(("SUUNNITELMA_AJANTASALLA_SHARE", 70.0, 69.5)), "silent"),
    ("plans_rated_up_to_date_share_low", "rated 5, no figure", {"plans_up_to_date_self": 5}, {}, "missing"),
    ("statements_rated_on_time_statistics_slow", "rated 4, slow", {"statements_self": 4},
     figures(("LAUSUNTO_KASITTELYAIKA_PV", 30.1, 19.8)), "fires"),
    ("statements_rated_on_time_statistics_slow", "rated 4, near the country", {"statements_self": 4},
     figures(("LAUSUNTO_KASITTELYAIKA_PV", 22.0, 19.8)), "silent"),
    ("statements_rated_on_time_statistics_slow", "rated 4, no country value", {"statements_self": 4},
     figures(("LAUSUNTO_KASITTELYAIKA_PV", 30.1, None)), "missing"),
    ("face_to_face_share_reported_implausible", "reported far above", {"face_to_face_share_reported": 70},
     figures(("KASVOKKAIN_SHARE", 40.0, 39.3)), "fires"),
    ("face_to_face_share_reported_implausible", "reported far below", {"face_to_face_share_reported": 10},
     figures(("KASVOKKAIN_SHARE", 40.0, 39.3)), "fires"),
    ("face_to_face_share_reported_implausible", "reported close", {"face_to_face_share_reported": 55},
     figures(("KASVOKKAIN_SHARE", 40.0, 39.3)), "silent"),
    ("face_to_face_share_reported_implausible", "not tracked", {}, figures(("KASVOKKAIN_SHARE", 40.0, 39.3)), "silent"),
    ("face_to_face_share_reported_implausible", "no figure", {"face_to_face_share_reported": 70}, {}, "missing"),
    ("interview_days_reported_implausible", "reported a quarter", {"initial_interview_avg_days": 10},
     figures(("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)), "fires"),
    ("interview_days_reported_implausible", "reported more than double", {"initial_interview_avg_days": 90},
     figures(("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)), "fires"),
    ("interview_days_reported_implausible", "reported zero", {"initial_interview_avg_days": 0},
     figures(("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)), "fires"),
    ("interview_days_reported_implausible", "reported close", {"initial_interview_avg_days": 30},
     figures(("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)), "silent"),
    ("interview_days_reported_implausible", "no figure", {"initial_interview_avg_days": 30}, {}, "missing"),
]


@pytest.mark.parametrize(("rule_id", "case", "answers", "given", "expected"), CASES,
                         ids=[f"{rule_id}: {case}" for rule_id, case, *_ in CASES])
def test_each_rule_fires_stays_silent_or_reports_missing_data(rule_id, case, answers, given, expected):
    rule = RULES.rule(rule_id)
    points = evaluate([rule], AREA, answers, given, QUESTIONNAIRE)
    if expected == "silent":
        assert points == []
        return
    assert len(points) == 1
    point = points[0]
    assert (point.rule_id, point.theme, point.area_id) == (rule_id, rule.theme, "testialue")
    if expected == "fires":
        assert point.kind == rule.kind
        assert point.severity in (rule.severity, "info")
    else:
        assert (point.kind, point.severity) == ("missing_data", "info")
        assert point.missing
        assert all(point.message(lang) for lang in ("fi", "sv", "en"))


def test_every_shipped_rule_has_cases_that_fire_and_that_stay_silent():
    outcomes = {(rule_id, expected) for rule_id, _case, _answers, _given, expected in CASES}
    for rule in RULES.rules:
        assert (rule.id, "fires") in outcomes and (rule.id, "silent") in outcomes, rule.id
        if rule.indicators and rule.id != "arm_no_preparedness_plan":
            assert (rule.id, "missing") in outcomes, rule.id


@pytest.mark.parametrize(
    ("lang", "fragments"),
    [
        ("fi", ["47,0 %", "koko maa 42,0 %", "+36,0 prosenttiyksikköä (koko maa +28,0)", "12/2025"]),
        ("sv", ["47,0 %", "hela landet 42,0 %", "+36,0 procentenheter (hela landet +28,0)", "12/2025"]),
        ("en", ["47.0 %", "whole country 42.0 %", "+36.0 percentage points over a year (whole country +28.0)", "12/2025"]),
    ],
)
def test_the_message_quotes_the_area_value_country_value_and_period(lang, fragments):
    point = evaluate([RULES.rule("ltu_need_without_measures")], AREA, {"ltu_measures_exist": False},
                     figures((LTU, 47.0, 42.0, 36.0, 28.0)), QUESTIONNAIRE)[0]
    for fragment in fragments:
        assert fragment in point.message(lang)


@pytest.mark.parametrize(
    ("lang", "fragment"),
    [("fi", "(5 – Lähes aina)"), ("sv", "(5 – Nästan alltid)"), ("en", "(5 – Almost always)")],
)
def test_a_scale_answer_is_quoted_with_its_label(lang, fragment):
    point = evaluate([RULES.rule("interview_rated_on_time_statistics_late")], AREA, {"initial_interview_self": 5},
                     figures(("ALKUHAASTATTELU_AJASSA_SHARE", 7.4, 27.2), ("ALKUHAASTATTELU_ODOTUS_PV", 40.8, 19.9)),
                     QUESTIONNAIRE)[0]
    assert fragment in point.message(lang)
    assert "40,8 päivää" in point.message("fi") and "40.8 days" in point.message("en")


def test_measure_names_are_quoted():
    answers = {"ltu_measures_exist": True, "youth_measures_exist": True,
               "ltu_measures": rows("Työkokeilu", baseline=None) + rows("Palkkatuki"),
               "youth_measures": rows("Ohjaamo", impact_indicator=None)}
    point = evaluate([RULES.rule("target_group_measures_without_tracking")], AREA, answers, {}, QUESTIONNAIRE)[0]
    assert "Työkokeilu, Ohjaamo." in point.message("fi")
    assert "Palkkatuki" not in point.message("fi")


@pytest.mark.parametrize(
    ("flag", "is_demo", "expected"),
    [
        ("partial", False, {"fi": "(osittainen luku)", "sv": "(partiell siffra)", "en": "(partial figure)"}),
        ("ok", True, {"fi": "(demoaineisto)", "sv": "(demodata)", "en": "(demo data)"}),
        ("ok", False, {}),
    ],
)
def test_partial_and_demo_figures_are_labelled(flag, is_demo, expected):
    given = {"KASVOKKAIN_SHARE": fig("KASVOKKAIN_SHARE", 27.6, 39.3, flag=flag, is_demo=is_demo)}
    point = evaluate([RULES.rule("face_to_face_rated_high_share_low")], AREA, {"face_to_face_self": 5}, given, QUESTIONNAIRE)[0]
    for lang in ("fi", "sv", "en"):
        if expected:
            assert point.message(lang).endswith(expected[lang])
        else:
            assert not point.message(lang).endswith(")")


def test_a_missing_data_point_names_the_missing_figure():
    point = evaluate([RULES.rule("face_to_face_rated_high_share_low")], AREA, {"face_to_face_self": 5},
                     {"KASVOKKAIN_SHARE": fig("KASVOKKAIN_SHARE", None, 39.3, flag="missing")}, QUESTIONNAIRE)[0]
    assert point.missing == ["KASVOKKAIN_SHARE"]
    assert "Kasvokkaisten tapaamisten osuus 12/2025" in point.message("fi")
    assert "Face-to-face share of meetings 12/2025" in point.message("en")


def test_layoffs_below_the_country_lower_the_severity_to_info():
    rule = RULES.rule("arm_no_preparedness_plan")
    high = figures(("LOMAUTETTU", 500, 17_000), ("TYOTTOMATLOPUSSA", 5_000, 300_000))
    low = figures(("LOMAUTETTU", 100, 17_000), ("TYOTTOMATLOPUSSA", 5_000, 300_000))
    assert evaluate([rule], AREA, {"arm_plan_exists": False}, high, QUESTIONNAIRE)[0].severity == "medium"
    assert evaluate([rule], AREA, {"arm_plan_exists": False}, low, QUESTIONNAIRE)[0].severity == "info"


def test_undecidable_severity_is_the_lower_one_and_names_the_missing_figure():
    point = evaluate([RULES.rule("arm_no_preparedness_plan")], AREA, {"arm_plan_exists": False},
                     figures(("TYOTTOMATLOPUSSA", 5_000, 300_000)), QUESTIONNAIRE)[0]
    assert (point.kind, point.severity, point.missing) == ("need_without_response", "info", ["LOMAUTETTU"])
    assert "Luokiteltu tiedoksi, koska tieto puuttuu: LOMAUTETTU" in point.message("fi")


def test_a_question_hidden_for_the_area_is_not_applicable():
    hidden = {"ltu_measures_exist": False, "ltu_measures": rows("Työkokeilu", baseline=None)}
    rule = RULES.rule("target_group_measures_without_tracking")
    assert evaluate([rule], AREA, hidden, {}, QUESTIONNAIRE) == []
    assert len(evaluate([rule], AREA, hidden, {}, questionnaire=None)) == 1  # without a questionnaire, all are shown


def rich_inputs() -> tuple[dict, dict]:
    answers = {"ltu_measures_exist": False, "youth_measures_exist": True, "youth_measures": rows("Ohjaamo", baseline=None),
               "initial_interview_self": 5, "face_to_face_self": 4, "face_to_face_share_reported": 80,
               "data_packages_use": 1, "arm_plan_exists": False, "employer_cooperation_measures": rows("Messut")}
    given = figures((LTU, 47.0, 42.0, 36.0, 28.0), (YOUTH, 14.0, 13.1, 20.0, 19.4), ("KASVOKKAIN_SHARE", 27.6, 39.3),
                    ("ALKUHAASTATTELU_AJASSA_SHARE", 7.4, 27.2), ("AKTIVOINTIASTE", 16.0, 16.7))
    return answers, given


def test_evaluation_is_deterministic_and_sorted_by_severity_then_rule_order():
    answers, given = rich_inputs()
    first = evaluate(RULES, AREA, answers, given, QUESTIONNAIRE)
    second = evaluate(RULES, AREA, dict(reversed(list(answers.items()))), dict(reversed(list(given.items()))), QUESTIONNAIRE)
    assert first == second
    assert [point.to_dict() for point in first] == [point.to_dict() for point in second]
    order = [rule.id for rule in RULES.rules]
    keys = [(-point.rank, order.index(point.rule_id)) for point in first]
    assert keys == sorted(keys)
    assert {point.severity for point in first} == {"high", "medium", "info"}
    json.dumps([point.to_dict() for point in first])  # JSON-ready


def point(theme: str, severity: str) -> DiscussionPoint:
    return DiscussionPoint("rule", "need_without_response", theme, severity, {"fi": "t"}, {"fi": "m"}, {}, {}, [])


@pytest.mark.parametrize(
    ("points_by_area", "expected"),
    [
        ({"a": [point("t1", "info"), point("t1", "high"), point("t2", "medium")], "b": []}, [[3, 2, 0], [0, 0, 0]]),
        ({"a": [point("t3", "medium")]}, [[0, 0, 2]]),
        ({"a": [point("elsewhere", "high")]}, [[0, 0, 0]]),
        ({}, []),
    ],
)
def test_heatmap_keeps_the_most_severe_point_per_area_and_theme(points_by_area, expected):
    frame = heatmap_data(points_by_area, ["t1", "t2", "t3"])
    assert list(frame.columns) == ["t1", "t2", "t3"]
    assert list(frame.index) == list(points_by_area)
    assert frame.to_numpy().tolist() == expected
    assert frame.dtypes.eq("int64").all()


def test_heatmap_accepts_questionnaire_themes():
    frame = heatmap_data({"a": [point("statutory_services", "high")]}, QUESTIONNAIRE.themes)
    assert isinstance(frame, pd.DataFrame)
    assert frame.loc["a", "statutory_services"] == 3 and frame.loc["a"].sum() == 3


# --- the database ----------------------------------------------------------------------------------


def answer(db, area_id: str, question_id: str, value) -> None:
    respondent = auth.get_user(db, f"demo-{area_id}")
    response_id = responses.get_response_row(db, respondent, ROUND, area_id)["id"]
    responses.save_answer(db, respondent, response_id, question_id, value, base_version=0)


def test_points_for_round_covers_every_area_and_is_silent_before_answers(demo_db):
    by_area = points_for_round(demo_db, ROUND, auth.get_user(demo_db, "demo-admin"))
    assert len(by_area) == 45
    assert all(points == [] for points in by_area.values())


def test_a_late_interview_area_gets_a_point_once_it_rates_itself_on_time(demo_db):
    area_id = stored_standouts(demo_db)["interviews_late"][0]
    admin = auth.get_user(demo_db, "demo-admin")
    answer(demo_db, area_id, "initial_interview_self", 5)
    points = points_for_round(demo_db, ROUND, admin)[area_id]
    assert [(p.rule_id, p.severity) for p in points] == [("interview_rated_on_time_statistics_late", "high")]
    assert points[0].message("fi").endswith("(demoaineisto) (demovastaukset)")
    assert points[0].figures["ALKUHAASTATTELU_AJASSA_SHARE"].is_demo
    assert points_for_area(demo_db, ROUND, area_id, admin) == points


@pytest.mark.parametrize(
    ("reason", "question_id", "value", "rule_id"),
    [
        ("few_face_to_face", "face_to_face_self", 5, "face_to_face_rated_high_share_low"),
        ("good_service", "face_to_face_self", 1, "face_to_face_rated_low_share_high"),
        ("interviews_late", "initial_interview_avg_days", 7, "interview_days_reported_implausible"),
    ],
)
def test_demo_standouts_show_gaps_in_both_directions(demo_db, reason, question_id, value, rule_id):
    area_id = stored_standouts(demo_db)[reason][0]
    answer(demo_db, area_id, question_id, value)
    points = points_for_area(demo_db, ROUND, area_id, auth.get_user(demo_db, "demo-reviewer"))
    assert [p.rule_id for p in points] == [rule_id]


def test_points_for_area_matches_the_round_with_many_answers(demo_db):
    admin = auth.get_user(demo_db, "demo-admin")
    answers, _given = rich_inputs()
    for question_id, value in answers.items():
        answer(demo_db, "helsinki", question_id, value)
    by_round = points_for_round(demo_db, ROUND, admin)["helsinki"]
    assert by_round == points_for_area(demo_db, ROUND, "helsinki", admin)
    assert {p.rule_id for p in by_round} >= {"target_group_measures_without_tracking", "interview_rated_on_time_statistics_late",
                                             "data_packages_little_used", "arm_no_preparedness_plan"}


def test_a_respondent_sees_only_their_own_area(demo_db):
    respondent = auth.get_user(demo_db, "demo-helsinki")
    assert list(points_for_round(demo_db, ROUND, respondent)) == ["helsinki"]
    with pytest.raises(PermissionDenied):
        points_for_area(demo_db, ROUND, "vantaa", respondent)


def run_gaps(db_path, *argv: str) -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    add_gaps_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--db", str(db_path), "gaps", *argv])
    return args.func(args)


def test_the_gaps_command_lists_points_as_text_and_json(demo_db_path, demo_db):
    area_id = stored_standouts(demo_db)["interviews_late"][0]
    answer(demo_db, area_id, "initial_interview_self", 5)
    text = run_gaps(demo_db_path, "--round", str(ROUND), "--area", area_id)
    assert text.splitlines()[0] == f"{area_id} (1)"
    assert "[KORKEA] statutory_services / interview_rated_on_time_statistics_late: Alue arvioi" in text
    assert "[HIGH]" in run_gaps(demo_db_path, "--round", str(ROUND), "--area", area_id, "--lang", "en")
    data = json.loads(run_gaps(demo_db_path, "--round", str(ROUND), "--json"))
    assert len(data) == 45
    assert data[area_id][0]["rule_id"] == "interview_rated_on_time_statistics_late"
    assert data["helsinki"] == []
