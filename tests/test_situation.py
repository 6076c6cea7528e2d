"""Situation figures (key figures, peer groups, trends), chart builders and their tables, and the page."""

from __future__ import annotations

import pytest

from tools.apptest_helpers import logged_in_app, tables, titles
from yse_core import formatting
from yse_core.db import open_db, transaction
from yse_core.indicators import charts, situation

# --- a small synthetic database ------------------------------------------------------------------


def _write(db, rows, is_demo=False):
    """Write (code, region, period, value[, flag]) rows as stored indicator values."""
    with transaction(db):
        for code, region, period, value, *flag in rows:
            db.execute(
                """INSERT INTO indicator_values(indicator_code, region_code, region_level, period, value, flag, is_demo)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [code, region, "country" if region == "SSS" else "area", period, value, flag[0] if flag else "ok",
                 int(is_demo)],
            )


@pytest.fixture
def small_db(tmp_path):
    """Five areas (a…e) with labour force, unemployed and the unemployment rate in 2024-06 and 2025-06."""
    db = open_db(tmp_path / "x.db", create=True)
    with transaction(db):
        for area_id in "abcde":
            db.execute("INSERT INTO areas(id, name_fi, name_sv, region, ely, membership_verified) VALUES (?, ?, ?, ?, ?, ?)",
                       [area_id, f"Alue {area_id.upper()}", f"Område {area_id.upper()}", "Uusimaa", "ELY01",
                        int(area_id != "e")])
    # area: (labour force, unemployed 2025-06, unemployed 2024-06)
    figures = {"a": (100, 10, 8), "b": (300, 90, 60), "c": (110, 11, 10), "d": (5000, 500, 400), "e": (120, 30, 30)}
    rows = []
    for area_id, (labour_force, now, before) in figures.items():
        for period, unemployed in (("2025-06", now), ("2024-06", before)):
            rows += [("TYOVOIMATK", area_id, period, labour_force), ("TYOTTOMATLOPUSSA", area_id, period, unemployed),
                     ("TYOTOSUUS", area_id, period, round(unemployed / labour_force * 100, 1))]
    rows += [("TYOVOIMATK", "SSS", "2025-06", 6000), ("TYOTTOMATLOPUSSA", "SSS", "2025-06", 700),
             ("TYOTOSUUS", "SSS", "2025-06", 11.7),
             ("KASVOKKAIN_SHARE", "a", "2025-06", 40.0), ("KASVOKKAIN_SHARE", "b", "2025-06", 20.0),
             ("KASVOKKAIN_SHARE", "c", "2025-06", 50.0), ("KASVOKKAIN_SHARE", "d", "2025-06", 35.0)]
    _write(db, rows)
    yield db
    db.close()


# --- key figures on the demo database ------------------------------------------------------------


def test_key_figures_of_helsinki_are_plausible_and_carry_demo_flags(demo_db):
    figures = {figure["code"]: figure for figure in situation.key_figures(demo_db, "helsinki")}
    unemployed = figures["TYOTTOMATLOPUSSA"]
    assert 30_000 <= unemployed["area_value"] <= 80_000
    assert 200_000 <= unemployed["country_value"] <= 450_000
    assert unemployed["peer_value"] is not None and unemployed["peer_method"] == "median"
    assert "demo" in unemployed["flags"] and unemployed["is_demo"]
    assert unemployed["period"] == "2025-12" and unemployed["membership_verified"] is True
    rate = figures["TYOTOSUUS"]
    assert rate["unit"] == "percent" and rate["peer_method"] == "sum" and rate["change_unit"] == "pp"
    assert 5 <= rate["area_value"] <= 25 and 5 <= rate["country_value"] <= 25


def test_key_figures_follow_the_fixed_order_and_pick_one_rate(demo_db):
    codes = [figure["code"] for figure in situation.key_figures(demo_db, "helsinki")]
    assert codes[:3] == ["TYOTTOMATLOPUSSA", "TYOTOSUUS", "PITKAAIKAISTYOTTOMAT_SHARE"]
    assert "TYOTTOMYYSASTE" not in codes and len(codes) == 12


@pytest.mark.parametrize("n", [3, 6])
def test_peer_group_excludes_the_area_and_has_n_members(demo_db, n):
    peers = situation.peer_group(demo_db, "helsinki", n=n)
    assert len(peers) == len(set(peers)) == n and "helsinki" not in peers


def test_peer_group_is_the_nearest_by_size_and_rate(small_db):
    # c is nearly a's twin; b and e have much higher rates; d is fifty times larger
    assert situation.peer_group(small_db, "a", n=1) == ["c"]
    assert situation.peer_group(small_db, "a", n=4)[-1] in ("b", "d")


def test_peer_group_is_empty_without_labour_force(small_db):
    small_db.execute("DELETE FROM indicator_values WHERE region_code = 'a' AND indicator_code = 'TYOVOIMATK'")
    assert situation.peer_group(small_db, "a") == []


# --- peer values: sums for rates, medians otherwise ----------------------------------------------


def test_peer_rate_is_recomputed_from_summed_components(small_db):
    (rate,) = [f for f in situation.key_figures(small_db, "c", peers=["a", "b"]) if f["code"] == "TYOTOSUUS"]
    # a: 10/100 = 10 %, b: 90/300 = 30 %; the mean of the rates would be 20 %, the group's rate is 100/400
    assert rate["peer_value"] == 25.0 and rate["peer_method"] == "sum"


def test_peer_year_on_year_change_is_computed_from_summed_counts(small_db):
    values = situation._load(small_db, ["TYOTTOMATLOPUSSA"], ["a", "b"])
    group = situation.group_value("TYOTTOMATLOPUSSA_YOY_PCT", ["a", "b"], "2025-06", values)
    # (10 + 90) vs (8 + 60) a year earlier: +47.1 %, not the mean of +25 % and +50 %
    assert group["value"] == 47.1 and group["method"] == "sum"


def test_peer_count_is_the_median_of_peers_and_says_so(small_db):
    (unemployed,) = [f for f in situation.key_figures(small_db, "c", peers=["a", "b", "e"])
                     if f["code"] == "TYOTTOMATLOPUSSA"]
    assert unemployed["peer_value"] == 30 and unemployed["peer_method"] == "median"
    table = situation.key_figures_table([unemployed], "fi")
    assert table.loc[0, "Vertailuryhmä"] == "30 (mediaani)"


def test_peer_share_imported_without_components_is_the_median(small_db):
    (share,) = [f for f in situation.key_figures(small_db, "c", peers=["a", "b", "d"]) if f["code"] == "KASVOKKAIN_SHARE"]
    assert share["peer_value"] == 35.0 and share["peer_method"] == "median" and share["peer_members"] == 3


def test_peer_value_is_partial_when_a_peer_lacks_the_figure(small_db):
    values = situation._load(small_db, ["KASVOKKAIN_SHARE"], ["a", "e"])
    group = situation.group_value("KASVOKKAIN_SHARE", ["a", "e"], "2025-06", values)
    assert group["value"] == 40.0 and group["members"] == 1 and group["partial"]


# --- figures: change, flags, skipped codes, the theme panel --------------------------------------


def test_change_on_a_year_earlier_is_in_percentage_points_for_rates(small_db):
    figures = {f["code"]: f for f in situation.key_figures(small_db, "b", peers=[])}
    assert figures["TYOTOSUUS"]["change"] == 10.0 and figures["TYOTOSUUS"]["change_unit"] == "pp"
    assert figures["TYOTTOMATLOPUSSA"]["change"] == 30 and figures["TYOTTOMATLOPUSSA"]["change_unit"] == "persons"


def test_codes_without_data_are_skipped_not_shown_as_zero(small_db):
    codes = [f["code"] for f in situation.key_figures(small_db, "a")]
    assert codes == ["TYOTTOMATLOPUSSA", "TYOTOSUUS", "KASVOKKAIN_SHARE"]


def test_partial_value_and_unverified_membership_are_reported(small_db):
    _write(small_db, [("PITKAAIKAISTYOTTOMAT_SHARE", "e", "2025-06", 33.3, "partial")])
    figures = {f["code"]: f for f in situation.key_figures(small_db, "e")}
    assert figures["PITKAAIKAISTYOTTOMAT_SHARE"]["flags"] == ["partial"]
    assert figures["TYOTTOMATLOPUSSA"]["flags"] == [] and figures["TYOTTOMATLOPUSSA"]["membership_verified"] is False


def test_theme_figures_keep_the_theme_order_without_peers(demo_db):
    codes = ["AKTIVOINTIASTE", "TYOTTOMATLOPUSSA", "TYONHAKUKESKUSTELUT_SHARE"]
    figures = situation.theme_figures(demo_db, "vantaa", codes)
    assert [f["code"] for f in figures] == codes
    assert all(f["peer_value"] is None and f["country_value"] is not None and "demo" in f["flags"] for f in figures)
    table = situation.theme_table(figures, "sv")
    assert list(table.columns) == ["Indikator", "Området", "Hela landet", "Period", "Anmärkningar"]


def test_theme_vacancy_figure_carries_the_unknown_location_share_of_its_month(small_db):
    with transaction(small_db):
        for region, level, period, value in (("a", "area", "2025-06", 40), ("SSS", "country", "2025-06", 1000),
                                             ("KUJOU", "other", "2025-06", 250), ("KUJOU", "other", "2024-06", 100)):
            small_db.execute("INSERT INTO indicator_values(indicator_code, region_code, region_level, period, value) "
                             "VALUES ('AVPAIKATLOPUSSA', ?, ?, ?, ?)", [region, level, period, value])
    figures = situation.theme_figures(small_db, "a", ["AVPAIKATLOPUSSA"])
    [(names, text)] = situation.caveats(figures, "en")
    assert names == "Open vacancies"
    assert text.endswith("06/2025: 250 of the country's 1,000 vacancies, that is 25.0 %, had no known municipality.")


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "signed", "expected"),
    [
        (50631.0, None, "fi", False, "50\u00a0631"),
        (50631.0, None, "en", False, "50,631"),
        (13.66, 1, "sv", False, "13,7"),
        (-7.4, 1, "fi", True, "−7,4"),
        (1.5, 1, "en", True, "+1.5"),
        (None, 1, "fi", False, "–"),
    ],
)
def test_format_number(value, decimals, lang, signed, expected):
    assert formatting.number(value, lang, decimals, signed=signed) == expected


# --- charts and their tables ---------------------------------------------------------------------


def test_trend_figure_has_area_country_and_peer_lines_matching_its_table(demo_db):
    peers = situation.peer_group(demo_db, "helsinki")
    points = situation.trend(demo_db, "helsinki", "TYOTOSUUS", peers)
    labels = charts.series_labels("Helsinki", peers, points, "fi")
    figure = charts.trend_figure(points, "TYOTOSUUS", labels, "fi")
    table = charts.trend_table(points, labels, "fi")
    assert [trace.name for trace in figure.data] == ["Helsinki", "Koko maa", "Vertailuryhmä (6 aluetta)"]
    assert len(table) == 36
    for trace in figure.data:
        assert list(trace.x) == list(table["Kausi"]) and list(trace.y) == list(table[trace.name])
    assert figure.layout.yaxis.title.text == "%"
    assert "demoaineisto" in figure.layout.title.text


def test_trend_of_a_real_value_has_no_demo_label(small_db):
    points = situation.trend(small_db, "a", "TYOTTOMATLOPUSSA", ["b", "c"])
    labels = charts.series_labels("Alue A", ["b", "c"], points, "en")
    figure = charts.trend_figure(points, "TYOTTOMATLOPUSSA", labels, "en")
    assert "demo" not in figure.layout.title.text.lower() and not figure.layout.annotations
    assert labels["peers"] == "Peer group (2 areas, median)"
    assert figure.layout.yaxis.title.text == "persons"


def test_area_bar_figure_shows_every_area_with_a_value_and_matches_its_table(demo_db):
    rows = situation.area_ranking(demo_db, "TYOTOSUUS")
    figure = charts.area_bar_figure(rows, "TYOTOSUUS", "fi", highlight="helsinki",
                                    country_value=situation.country_value(demo_db, "TYOTOSUUS", rows[0]["period"]))
    table = charts.area_bar_table(rows, "TYOTOSUUS", "fi")
    (bars,) = figure.data
    assert len(bars.y) == len(table) == 45
    assert dict(zip(bars.y, bars.x, strict=True)) == dict(zip(table["Alue"], table["Arvo (%)"], strict=True))
    assert list(bars.marker.color).count(charts.HIGHLIGHT_COLOUR) == 1
    assert figure.layout.shapes[0].x0 == situation.country_value(demo_db, "TYOTOSUUS", rows[0]["period"])


def _ranked(count: int) -> list[dict]:
    return [{"area_id": f"a{index:03d}", "name_fi": f"Alue {index:03d}", "value": float(index), "period": "2025-12",
             "is_demo": False} for index in range(count)]


def test_hundreds_of_areas_draw_the_ends_and_the_chosen_areas_neighbours_with_the_gaps_named():
    rows = _ranked(450)  # ascending: a449 is rank 1
    drawn = charts.bars_drawn(rows, "a200")
    kept = [row["area_id"] for row in drawn if "area_id" in row]
    assert kept == [f"a{i:03d}" for i in [*range(25), *range(196, 205), *range(425, 450)]]
    assert [row["skipped"] for row in drawn if "skipped" in row] == [(255, 425), (26, 245)]
    assert sum(last - first + 1 for first, last in (row["skipped"] for row in drawn if "skipped" in row)) + len(kept) == 450
    near_top = [row["area_id"] for row in charts.bars_drawn(rows, "a447") if "area_id" in row]
    assert len(near_top) == 50 and "a447" in near_top  # already among the largest: nothing added
    assert charts.bars_drawn(rows[:60], "a010") == rows[:60]  # up to 60: every area, as at 45

    figure = charts.area_bar_figure(rows, "TYOTOSUUS", "fi", highlight="a200")
    table = charts.area_bar_table(rows, "TYOTOSUUS", "fi")
    (bars,) = figure.data
    assert len(table) == 450 and len(bars.y) == 59 + 2
    values = dict(zip(table["Alue"], table["Arvo (%)"], strict=True))
    assert all(values[label] == value for label, value in zip(bars.y, bars.x, strict=True) if value is not None)
    assert [label for label, value in zip(bars.y, bars.x, strict=True) if value is None] == [
        "⋯ sijat 255–425 (171 aluetta) ⋯", "⋯ sijat 26–245 (220 aluetta) ⋯"]
    assert "kaaviossa 59/450 aluetta, kaikki taulukossa" in figure.layout.title.subtitle.text
    assert list(bars.marker.color).count(charts.HIGHLIGHT_COLOUR) == 1


def test_area_ranking_lists_areas_without_a_value_last(small_db):
    rows = situation.area_ranking(small_db, "KASVOKKAIN_SHARE")
    assert [row["area_id"] for row in rows] == ["c", "a", "d", "b", "e"] and rows[-1]["value"] is None


# --- the page ---------------------------------------------------------------------------------------


def _situation(app):
    app.switch_page("pages/situation.py").run()
    assert not app.exception, app.exception
    return app


def test_situation_page_shows_key_figures_to_a_respondent(demo_db_path):
    app = _situation(logged_in_app(demo_db_path, "demo-helsinki"))
    assert titles(app) == ["Tilannekuva: Helsingin kaupunki"]
    (table,) = tables(app)
    assert "Työttömät työnhakijat" in table.iloc[:, 0].tolist()
    assert any("Demoaineistoa" in warning.value for warning in app.warning)


def test_respondent_sees_only_own_area_whatever_the_url_says(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.query_params["area"] = "vantaa"
    app = _situation(app)
    assert titles(app) == ["Tilannekuva: Helsingin kaupunki"]
    assert "situation-area" not in [box.key for box in app.selectbox]


def test_reviewer_chooses_another_area(demo_db_path):
    app = _situation(logged_in_app(demo_db_path, "demo-reviewer"))
    app.selectbox(key="situation-area").set_value("pohjanmaa").run()
    assert not app.exception, app.exception
    assert titles(app) == ["Tilannekuva: Pohjanmaan työllisyysalue"]
    assert app.query_params["area"] == ["pohjanmaa"] or app.query_params["area"] == "pohjanmaa"
    assert any("arvio" in info.value for info in app.info)  # Pohjanmaa's membership is not verified


def test_questionnaire_shows_the_theme_indicators_beside_the_questions(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.switch_page("pages/questionnaire.py").run()
    assert not app.exception, app.exception
    first_columns = [table.iloc[:, 0].tolist() for table in tables(app)]
    assert any("Työttömät työnhakijat" in column for column in first_columns)
    assert any("Demoaineistoa, ei virallisia tilastoja." in caption.value for caption in app.caption)
    assert any("Avoimet työpaikat, Uudet avoimet työpaikat: Osa työpaikoista on tilastossa ilman sijaintikuntaa"
               in caption.value
               for caption in app.caption)  # the vacancies' caveat goes with the figure


def test_the_chart_tables_are_built_only_when_opened_and_then_match_the_charts(demo_db_path):
    app = _situation(logged_in_app(demo_db_path, "demo-reviewer"))
    assert len(app.dataframe) == 0  # two closed table alternatives: nothing built, nothing sent
    for key in (f"table-trend-{app.selectbox(key='situation-trend').value}",
                f"table-bars-{app.selectbox(key='situation-map').value}"):
        app.session_state[key] = True
    app.run()
    assert not app.exception, app.exception
    assert len(app.dataframe) == 2
    sizes = sorted(len(frame.value) for frame in app.dataframe)
    assert sizes[1] == 45  # the ranked table of every area, under the map and the bars
    assert sizes[0] > 12  # the trend's months
