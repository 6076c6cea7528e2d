"""The indicator catalogue: every agreed code is there, in three languages, and bad catalogues are refused."""

from __future__ import annotations

import pytest

from yse_core.indicators.catalogue import (
    CATALOGUE_PATH,
    CAVEAT_FIELDS,
    LANGUAGES,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)

STATFIN_CODES = """HAKIJALOPUSSA TYOTTOMATLOPUSSA TYOVOIMATK TYOTOSUUS TYOTTOMATMIEHET TYOTTOMATNAISET TYOTTOMAT20
TYOTTOMAT25 TYOTTOMAT50 TYOTTOMATSAIR TYOTTOMATULK PITKAAIKAISTYOTTOMAT KASSASSA LOMAUTETTU LYHTYOVKO TYOLLISTETTYLOP
TYOHARJOITTELULOP KOKEILULOP TVKOULUTUSLOP VALMENNUSLOP MTPPALVELUTLOP AVPAIKATLOPUSSA UUDETAVP""".split()
DERIVED_CODES = """TYOTTOMYYSASTE PITKAAIKAISTYOTTOMAT_SHARE TYOTTOMAT25_SHARE TYOTTOMATULK_SHARE PALVELUISSA
AKTIVOINTIASTE TYOTTOMATLOPUSSA_YOY TYOTTOMATLOPUSSA_YOY_PCT PITKAAIKAISTYOTTOMAT_YOY_PCT TYOTTOMAT25_YOY_PCT
TYOTTOMATULK_YOY_PCT""".split()
SERVICE_CODES = """ALKUHAASTATTELU_AJASSA_SHARE ALKUHAASTATTELU_ODOTUS_PV TYONHAKUKESKUSTELUT_SHARE
SUUNNITELMA_AJANTASALLA_SHARE KASVOKKAIN_SHARE LAUSUNTO_KASITTELYAIKA_PV ALKUHAASTATTELUT_AJASSA ALKUHAASTATTELUT
ALKUHAASTATTELU_ODOTUS_SUMMA_PV TYONHAKUKESKUSTELUT_PIDETYT TYONHAKUKESKUSTELUT_SUUNNITELLUT SUUNNITELMAT_AJANTASALLA
SUUNNITELMAT TAPAAMISET_KASVOKKAIN TAPAAMISET LAUSUNNOT_KASITTELYPV_SUMMA LAUSUNNOT""".split()

SMALL = """\
indicators:
  - code: A
    name: {fi: A, sv: A, en: A}
    unit: count
    higher_is_worse: null
    definition: {fi: A, sv: A, en: A}
    source: test
    kind: statfin
  - code: B
    name: {fi: B, sv: B, en: B}
    unit: percent
    higher_is_worse: true
    definition: {fi: B, sv: B, en: B}
    source: test
    kind: derived
    numerator: [A]
    denominator: [A]
"""


@pytest.mark.parametrize(("code", "kind"), [(c, "statfin") for c in STATFIN_CODES]
                         + [(c, "derived") for c in DERIVED_CODES] + [(c, "service_process") for c in SERVICE_CODES])
def test_every_agreed_code_is_in_the_catalogue_with_three_languages(code, kind):
    indicator = load_catalogue().get(code)
    assert indicator.kind == kind
    assert all(getattr(indicator.name, lang).strip() for lang in ("fi", "sv", "en"))
    assert all(getattr(indicator.definition, lang).strip() for lang in ("fi", "sv", "en"))
    assert indicator.frequency == "monthly" and indicator.source


@pytest.mark.parametrize(
    ("code", "numerator", "denominator"),
    [
        ("TYOTOSUUS", ("TYOTTOMATLOPUSSA",), ("TYOVOIMATK",)),
        ("TYOTTOMYYSASTE", ("TYOTTOMATLOPUSSA",), ("TYOVOIMATK",)),
        ("PITKAAIKAISTYOTTOMAT_SHARE", ("PITKAAIKAISTYOTTOMAT",), ("TYOTTOMATLOPUSSA",)),
        ("TYOTTOMAT25_SHARE", ("TYOTTOMAT25",), ("TYOTTOMATLOPUSSA",)),
        ("TYOTTOMATULK_SHARE", ("TYOTTOMATULK",), ("TYOTTOMATLOPUSSA",)),
        ("PALVELUISSA", ("TYOLLISTETTYLOP", "TYOHARJOITTELULOP", "KOKEILULOP", "TVKOULUTUSLOP", "VALMENNUSLOP",
                         "MTPPALVELUTLOP"), ()),
        ("AKTIVOINTIASTE", ("PALVELUISSA",), ("TYOTTOMATLOPUSSA", "PALVELUISSA")),
        ("ALKUHAASTATTELU_AJASSA_SHARE", ("ALKUHAASTATTELUT_AJASSA",), ("ALKUHAASTATTELUT",)),
        ("ALKUHAASTATTELU_ODOTUS_PV", ("ALKUHAASTATTELU_ODOTUS_SUMMA_PV",), ("ALKUHAASTATTELUT",)),
        ("TYONHAKUKESKUSTELUT_SHARE", ("TYONHAKUKESKUSTELUT_PIDETYT",), ("TYONHAKUKESKUSTELUT_SUUNNITELLUT",)),
        ("SUUNNITELMA_AJANTASALLA_SHARE", ("SUUNNITELMAT_AJANTASALLA",), ("SUUNNITELMAT",)),
        ("KASVOKKAIN_SHARE", ("TAPAAMISET_KASVOKKAIN",), ("TAPAAMISET",)),
        ("LAUSUNTO_KASITTELYAIKA_PV", ("LAUSUNNOT_KASITTELYPV_SUMMA",), ("LAUSUNNOT",)),
    ],
)
def test_ratios_and_sums_name_their_components(code, numerator, denominator):
    indicator = load_catalogue().get(code)
    assert (indicator.numerator, indicator.denominator) == (numerator, denominator)


@pytest.mark.parametrize(
    ("code", "base", "kind"),
    [
        ("TYOTTOMATLOPUSSA_YOY", "TYOTTOMATLOPUSSA", "persons"),
        ("TYOTTOMATLOPUSSA_YOY_PCT", "TYOTTOMATLOPUSSA", "percent"),
        ("PITKAAIKAISTYOTTOMAT_YOY_PCT", "PITKAAIKAISTYOTTOMAT", "percent"),
        ("TYOTTOMAT25_YOY_PCT", "TYOTTOMAT25", "percent"),
        ("TYOTTOMATULK_YOY_PCT", "TYOTTOMATULK", "percent"),
    ],
)
def test_year_on_year_indicators_name_their_base(code, base, kind):
    indicator = load_catalogue().get(code)
    assert (indicator.yoy_of, indicator.yoy) == (base, kind)


@pytest.mark.parametrize(("period", "year_in_text"), [("2025-06", "2025"), ("2026-02", "2026"), ("2027", "2026")])
def test_service_deadline_rule_follows_the_period(period, year_in_text):
    rule = load_catalogue().get("ALKUHAASTATTELU_AJASSA_SHARE").deadline_rule_for(period)
    assert rule.en.startswith(year_in_text)


def test_the_2025_interview_rule_is_five_working_days():
    rule = load_catalogue().get("ALKUHAASTATTELU_AJASSA_SHARE").deadline_rule_for("2025-12")
    assert "5 working days" in rule.en and "viiden arkipäivän" in rule.fi


TILASTOKOULU = "https://tilastokoulu.stat.fi/verkkokoulu_v2.xql?course_id=tkoulu_tmt&lesson_id=4&subject_id=1&page_type=sisalto"


def test_activation_rate_carries_the_register_caveat_with_its_source():
    caveat = load_catalogue().get("AKTIVOINTIASTE").caveat
    assert "asiakasrekisterin vaihdos" in caveat.fi and "kundregister" in caveat.sv and "customer-register" in caveat.en
    assert all("sttinfo.fi/tiedote/71321334" in getattr(caveat, lang) for lang in LANGUAGES)


@pytest.mark.parametrize(("lang", "start_up_grant"), [("fi", "starttiraha"), ("sv", "startpeng"), ("en", "start-up grant")])
def test_activation_rate_definition_cites_statistics_finland_and_says_it_counts_start_up_grants(lang, start_up_grant):
    definition = getattr(load_catalogue().get("AKTIVOINTIASTE").definition, lang)
    assert TILASTOKOULU in definition
    assert definition.count(start_up_grant) >= 2  # in the portal's numerator, and absent from the official list


@pytest.mark.parametrize("code", [indicator.code for indicator in load_catalogue().indicators if indicator.caveat])
def test_a_caveat_types_no_figure_of_the_data(code):
    caveat = load_catalogue().get(code).caveat
    for lang in LANGUAGES:
        text = getattr(caveat, lang)
        assert "%" not in text and "{" not in text, text  # figures come from the data (data_caveat)
        assert not any(phrase in text for phrase in ("Vuoden 2025", "noin 15", "about 15", "cirka 15"))


@pytest.mark.parametrize("code", ["AVPAIKATLOPUSSA", "UUDETAVP"])
def test_vacancies_carry_the_unknown_location_caveat(code):
    indicator = load_catalogue().get(code)
    assert "KUJOU" in indicator.caveat.fi and "KUJOU" in indicator.caveat.en
    assert all("{unknown_location_share}" in getattr(indicator.data_caveat, lang) for lang in LANGUAGES)


@pytest.mark.parametrize(
    ("figures", "expected_en_end"),
    [
        ({"period": "06/2026", "country_value": "26,641", "unknown_location_count": "7,661",
          "unknown_location_share": "28.8 %"}, "06/2026: 7,661 of the country's 26,641 vacancies, that is 28.8 %, had "
                                               "no known municipality."),
        ({"period": "06/2026", "country_value": "26,641"}, "so the areas add up to less than the country."),
        ({}, "so the areas add up to less than the country."),
    ],
)
def test_a_data_caveat_is_filled_only_when_every_figure_it_names_is_known(figures, expected_en_end):
    texts = load_catalogue().get("AVPAIKATLOPUSSA").caveat_texts({lang: figures for lang in LANGUAGES})
    assert texts["en"].endswith(expected_en_end)
    assert "{" not in texts["fi"] and "{" not in texts["sv"]


def test_an_indicator_without_a_caveat_has_no_caveat_texts():
    assert load_catalogue().get("TYOTTOMATLOPUSSA").caveat_texts({"en": {"period": "06/2026"}}) is None


def test_every_data_caveat_names_only_known_figures():
    for indicator in load_catalogue().indicators:
        if indicator.data_caveat:
            for lang in LANGUAGES:
                text = getattr(indicator.data_caveat, lang)
                assert {field for field in CAVEAT_FIELDS if "{" + field + "}" in text}, text


def test_service_process_definitions_say_official_area_figures_were_not_found():
    for code in SERVICE_CODES[:6]:
        assert "not found publicly" in load_catalogue().get(code).definition.en


def test_computed_codes_come_after_their_components():
    order = load_catalogue().computed_order
    assert order.index("PALVELUISSA") < order.index("AKTIVOINTIASTE")


def test_the_shipped_file_parses_as_it_is_loaded():
    assert parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8")).codes() == load_catalogue().codes()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("    kind: statfin\n", "    kind: statfin\n    colour: red\n"), "indicators[A].colour: Extra inputs are not permitted"),
        (("numerator: [A]", "numerator: [C]"), "B refers to unknown code C"),
        (("unit: count", "unit: euros"), "indicators[A].unit"),
        (("    kind: derived\n", "    kind: derived\n    yoy: percent\n"), "yoy_of and yoy must be given together"),
        (("name: {fi: A, sv: A, en: A}", "name: {fi: A, sv: A}"), "indicators[A].name.en: Field required"),
        (("  - code: A\n", "  - code: B\n"), "code B appears twice"),
        (("numerator: [A]\n    denominator: [A]", "numerator: [B]\n    denominator: [A]"), "refers back to itself"),
        (("    kind: statfin\n", "    kind: statfin\n    caveat: {fi: 'noin {x}', sv: x, en: x}\n"),
         "Value error, caveat.fi has a placeholder"),
        (("    kind: statfin\n", "    kind: statfin\n    data_caveat: {fi: '{colour}', sv: '{colour}', en: '{colour}'}\n"),
         "data_caveat names unknown figure colour"),
        (("    kind: statfin\n", "    kind: statfin\n    data_caveat: {fi: '{period}', sv: '{period}', en: 'x'}\n"),
         "data_caveat must name the same figures in fi, sv and en"),
        (("    kind: statfin\n", "    kind: statfin\n    data_caveat: {fi: '{period', sv: x, en: x}\n"),
         "data_caveat.fi: expected '}' before end of string"),
    ],
)
def test_a_malformed_catalogue_is_refused_with_file_and_place(edit, message):
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(SMALL.replace(*edit), "test.yaml")
    assert str(caught.value).startswith("test.yaml: ")
    assert message in str(caught.value)


def test_invalid_yaml_is_refused_with_the_file_name():
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue("indicators: [", "broken.yaml")
    assert caught.value.message("en").startswith("broken.yaml: YAML is not valid")
    assert str(caught.value).startswith("broken.yaml: YAML ei ole kelvollista: ")
    assert caught.value.message("sv").startswith("broken.yaml: YAML-koden är inte giltig: ")


def test_the_indicators_readme_documents_every_caveat_figure_and_computed_method():
    from yse_core.indicators.store import COMPUTED_METHODS

    readme = (CATALOGUE_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in (*CAVEAT_FIELDS, *COMPUTED_METHODS))
