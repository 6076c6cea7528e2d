"""The round overview's heat map: the grid as data, its HTML table (AppTest), and a cell reached by keyboard (browser)."""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tools.apptest_helpers import logged_in_app
from ui import heatmap_view
from ui.heatmap_view import heatmap_html, theme_label
from yse_core import auth
from yse_core.db import open_db
from yse_core.demo_answers import fill_demo_answers
from yse_core.gaps.heatmap import HeatCell, area_summary, heat_grid
from yse_core.gaps.models import SEVERITY_RANK
from yse_core.gaps.service import points_for_round
from yse_core.responses import round_overview
from yse_core.rounds import get_questionnaire, list_rounds

LEVEL_WORDS = {"fi": {3: "korkea", 2: "keskitaso", 1: "tiedoksi"}, "sv": {3: "hög", 2: "medel", 1: "för kännedom"}}


def _round(db) -> tuple[int, list]:
    """The overview's default round (the newest) and its questionnaire's themes."""
    newest = list_rounds(db)[0]
    return newest["year"], get_questionnaire(db, newest["questionnaire_key"]).themes


@pytest.fixture
def answered_db_path(demo_db_path):
    """The demo database with the invented demo answers, so the areas have discussion points."""
    db = open_db(demo_db_path)
    fill_demo_answers(db, _round(db)[0])
    db.close()
    return demo_db_path


class _Table(HTMLParser):
    """The heat map's column headers (text, title) and cell links: href, the accessible name computed from the
    content (text under aria-hidden left out) and the visible text (visually hidden text left out)."""

    def __init__(self):
        super().__init__()
        self.headers: list[tuple[str, str]] = []
        self.links: list[dict] = []
        self._stack: list[tuple[str, dict]] = []
        self._header: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._stack.append((tag, attrs))
        if tag == "th" and any(open_tag == "thead" for open_tag, _ in self._stack):
            self._header = ["", attrs.get("title") or ""]
        elif tag == "a":
            self.links.append({"href": attrs["href"], "label": "", "text": "", "aria_label": attrs.get("aria-label")})

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag == "th" and self._header is not None:
            self.headers.append(tuple(self._header))
            self._header = None

    def handle_data(self, data):
        if self._header is not None:
            self._header[0] += data
        if any(open_tag == "a" for open_tag, _ in self._stack):
            if not any(attrs.get("aria-hidden") == "true" for _, attrs in self._stack):
                self.links[-1]["label"] += data
            if not any("yse-hm-sr" in (attrs.get("class") or "") for _, attrs in self._stack):
                self.links[-1]["text"] += data


def _parse(body: str) -> _Table:
    table = _Table()
    table.feed(body)
    return table


# --- the grid as data -------------------------------------------------------------------------------


def test_grid_counts_and_severities_equal_the_gaps_service(answered_db_path):
    db = open_db(answered_db_path)
    year, themes = _round(db)
    reviewer = auth.get_user(db, "demo-reviewer")
    points = points_for_round(db, year, reviewer)
    grid = heat_grid(points, themes)
    assert {(cell.area_id, cell.theme) for cell in grid} == {(area, theme.id) for area in points for theme in themes}
    assert len(grid) == len(points) * len(themes) == 45 * len(themes)
    counted = Counter((point.area_id or area, point.theme) for area, area_points in points.items() for point in area_points)
    for cell in grid:
        assert cell.count == counted[(cell.area_id, cell.theme)], cell
        worst = max((SEVERITY_RANK[p.severity] for p in points[cell.area_id] if p.theme == cell.theme), default=0)
        assert cell.level == worst, cell
        assert (cell.severity is None) == (cell.count == 0)
    assert sum(cell.count for cell in grid) == sum(len(area_points) for area_points in points.values()) > 0
    assert {cell.level for cell in grid} == {0, 1, 2, 3}  # the demo shows every level
    summary = area_summary(grid)
    for area, area_points in points.items():
        assert summary[area] == (max((p.rank for p in area_points), default=0), len(area_points))


def test_grid_of_areas_without_answers_is_all_empty(demo_db):
    year, themes = _round(demo_db)
    grid = heat_grid(points_for_round(demo_db, year, auth.get_user(demo_db, "demo-reviewer")), themes)
    assert grid and all(cell.count == 0 and cell.severity is None and cell.level == 0 for cell in grid)


# --- the HTML table ---------------------------------------------------------------------------------


def test_heatmap_html_escapes_every_text_and_links_area_and_theme(demo_db):
    _, themes = _round(demo_db)
    nasty = '<script>alert("x")</script> & "Co"'
    rows = [{"area_id": "a&b", "name": nasty, "state": "<b>Luonnos</b>", "note": "†"}]
    cells = {("a&b", themes[0].id): HeatCell("a&b", themes[0].id, 2, "high")}
    body = heatmap_html(rows, themes, cells, "fi")
    assert "<script>alert" not in body and "<b>Luonnos" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Co&quot;" in body
    table = _parse(body)
    assert len(table.links) == 1
    link = table.links[0]
    assert link["aria_label"] is None  # the name comes from the content, so it holds the visible count and level
    assert parse_qs(urlsplit(link["href"]).query) == {"area": ["a&b"], "teema": [themes[0].id]}
    assert link["label"] == f"{nasty} – {theme_label(themes[0], 'fi')}: 2 kohtaa, vakavin korkea"
    assert "2" in link["text"] and "●●● korkea" in link["text"]


def _heatmaps(app) -> list[str]:
    """The heat maps' HTML on the page (app.py adds st.html elements of its own: the page's language and styles)."""
    return [element.value for element in app.get("html") if "yse-hm" in element.value]


def test_heatmap_page_shows_every_theme_severity_words_and_cell_links(answered_db_path):
    app = logged_in_app(answered_db_path, "demo-reviewer")
    db = open_db(answered_db_path)
    year, themes = _round(db)
    reviewer = auth.get_user(db, "demo-reviewer")
    own = auth.reviewer_area_ids(db, "demo-reviewer")
    grid = [cell for cell in heat_grid(points_for_round(db, year, reviewer), themes) if cell.area_id in own]
    assert len(_heatmaps(app)) == 1
    body = _heatmaps(app)[0]
    assert "None" not in body
    table = _parse(body)
    headers = {title: text.replace("\u00ad", "") for text, title in table.headers if title}
    assert headers == {theme.title.fi: theme_label(theme, "fi") for theme in themes}  # every theme, full name as title
    expected = {(cell.area_id, cell.theme): cell for cell in grid if cell.count}
    found = {}
    for link in table.links:
        query = parse_qs(urlsplit(link["href"]).query)
        assert urlsplit(link["href"]).path == "alue"
        found[(query["area"][0], query["teema"][0])] = link
    assert set(found) == set(expected) and expected
    for key, cell in expected.items():
        word = LEVEL_WORDS["fi"][cell.level]
        assert word in found[key]["text"] and str(cell.count) in found[key]["text"]
        assert found[key]["label"].endswith(f"{cell.count} kohta{'a' if cell.count > 1 else ''}, vakavin {word}")
    assert {"korkea", "keskitaso", "tiedoksi"} <= {word for link in table.links for word in LEVEL_WORDS["fi"].values()
                                                  if word in link["text"]}


def test_heatmap_sorts_filters_and_speaks_swedish(answered_db_path):
    app = logged_in_app(answered_db_path, "demo-reviewer")
    app.toggle(key="overview-own").set_value(False).run()
    app.selectbox(key="overview-order").set_value("severity").run()
    body = _heatmaps(app)[0]
    db = open_db(answered_db_path)
    year, themes = _round(db)
    summary = area_summary(heat_grid(points_for_round(db, year, auth.get_user(db, "demo-reviewer")), themes))
    order = [parse_qs(urlsplit(link["href"]).query)["area"][0] for link in _parse(body).links]
    first_seen = list(dict.fromkeys(order))
    levels = [summary[area][0] for area in first_seen]
    assert levels == sorted(levels, reverse=True) and levels[0] == 3
    app.selectbox(key="overview-severity").set_value(3).run()
    high = {area for area, (level, _count) in summary.items() if level == 3}
    shown = {parse_qs(urlsplit(link["href"]).query)["area"][0] for link in _parse(_heatmaps(app)[0]).links}
    assert shown == high
    tables = len(app.dataframe)
    app.session_state["overview-heatmap-table"] = True  # the reader opens the table alternative
    app.run()
    assert len(app.dataframe) == tables + 1  # built only once opened
    assert len(app.dataframe[0].value) == len(high)  # the table alternative shows the same areas
    app.selectbox(key="yse-language").set_value("sv").run()
    table = _parse(_heatmaps(app)[0])
    assert {title for _text, title in table.headers if title} == {theme.title.sv for theme in themes}
    words = LEVEL_WORDS["sv"].values()
    assert all(any(link["label"].endswith(f"allvarligast {word}") for word in words) for link in table.links)
    assert any(link["label"].endswith("allvarligast hög") and "hög" in link["text"] for link in table.links)


def test_many_areas_are_drawn_a_page_at_a_time_and_the_table_holds_them_all(answered_db_path, monkeypatch):
    monkeypatch.setattr(heatmap_view, "ROWS_AT_ONCE", 10)  # 45 areas: five pages of ten
    app = logged_in_app(answered_db_path, "demo-reviewer")
    app.toggle(key="overview-own").set_value(False).run()
    chooser = app.selectbox(key="overview-heatmap-rows-5")
    assert chooser.options == ["1–10 / 45", "11–20 / 45", "21–30 / 45", "31–40 / 45", "41–45 / 45"]
    assert "10 aluetta kerrallaan" in " ".join(caption.value for caption in app.caption)
    db = open_db(answered_db_path)
    names = [row["name_fi"] for row in round_overview(db, auth.get_user(db, "demo-reviewer"), _round(db)[0], own_only=False)]
    assert re.findall(r'<th scope="row">([^<\xa0]+)', _heatmaps(app)[0]) == [escape(name) for name in names[:10]]
    chooser.set_value(4).run()
    assert re.findall(r'<th scope="row">([^<\xa0]+)', _heatmaps(app)[0]) == [escape(name) for name in names[40:]]
    app.session_state["overview-heatmap-table"] = True
    app.run()
    assert len(app.dataframe[0].value) == 45  # the table alternative: every area at once
    monkeypatch.setattr(heatmap_view, "ROWS_AT_ONCE", 50)
    app.run()
    assert not [box for box in app.selectbox if box.key and box.key.startswith("overview-heatmap-rows")]
    assert len(re.findall(r'<th scope="row">', _heatmaps(app)[0])) == 45


# --- the browser: keyboard and width ----------------------------------------------------------------


@pytest.fixture
def answered_server(answered_db_path):
    from tests.conftest import Server

    srv = Server(answered_db_path)
    yield srv
    srv.stop()


@pytest.mark.browser
def test_heatmap_cell_by_keyboard_opens_the_area_at_the_theme(answered_server, page):
    from tools.browser_helpers import login, settle

    login(page, answered_server.url, "demo-reviewer")
    page.get_by_role("heading", name="Keskustelunostot alueittain ja teemoittain").wait_for()
    page.locator("table.yse-hm").first.wait_for()
    settle(page, 1500)
    table = page.locator("table.yse-hm")
    for _ in range(50):  # a rerun's table replaces the previous one
        if table.count() == 1:
            break
        page.wait_for_timeout(200)
    # Every theme's column header is inside the 1400 px window and the table needs no sideways scrolling.
    db = open_db(answered_server.db_path)
    year, themes = _round(db)
    for theme in themes:
        header = table.locator(f'thead th[title="{theme.title.fi}"]')
        box = header.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1400, (theme.id, box)
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth <= window.innerWidth")
    from tests.test_accessibility import run_axe, summarize

    violations = run_axe(page)  # with points in the cells: colours, link names, table headers
    assert not violations, summarize("heat map", violations)

    # From the order choice just above the table, Tab reaches the first cell link.
    page.get_by_role("combobox", name="Järjestys").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('table.yse-hm')"):
            break
    focused = page.evaluate("() => [document.activeElement.getAttribute('href')]")
    assert focused[0] is not None, "Tab did not reach a heat map cell"
    query = parse_qs(urlsplit(focused[0]).query)
    area_id, theme_id = query["area"][0], query["teema"][0]
    area = db.execute("SELECT name_fi FROM areas WHERE id = ?", [area_id]).fetchone()[0]
    theme = next(theme for theme in themes if theme.id == theme_id)
    named = page.get_by_role("link", name=f"{area} – {theme_label(theme, 'fi')}: ")
    assert named.first.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url("**/alue?*", timeout=30_000)
    landed = parse_qs(urlsplit(page.url).query)
    assert landed["area"] == [area_id] and landed["teema"] == [theme_id]
    page.get_by_role("heading", name=area).wait_for(timeout=30_000)
    settle(page)
    # The area view (a dossier) says where it opened and scrolls to that theme's section in the answers.
    page.get_by_text(f"Avattu teemaan {theme.title.fi}").first.wait_for(timeout=30_000)
    heading = page.locator(f"#teema-{theme_id}")
    heading.wait_for(timeout=30_000)
    section = page.locator(f".st-key-dossier-theme-{theme_id}")
    assert theme.title.fi in section.inner_text()
    in_view = "el => { const box = el.getBoundingClientRect(); return box.top >= 0 && box.top < window.innerHeight; }"
    for _ in range(50):  # the page scrolls once the heading is drawn
        if heading.evaluate(in_view):
            break
        page.wait_for_timeout(200)
    assert heading.evaluate(in_view), "the dossier did not scroll to the theme"


def test_every_shipped_theme_has_short_labels_and_cell_names_in_three_languages():
    from pathlib import Path

    from yse_core.i18n import catalogue
    from yse_core.questionnaire import load_all

    loaded = load_all(Path(__file__).parent.parent / "questionnaires")
    themes = {theme.id for questionnaire in (loaded.values() if isinstance(loaded, dict) else loaded)
              for theme in questionnaire.themes}
    for theme in themes:
        entry = catalogue()[f"gaps.theme_short.{theme}"]
        assert all(entry.get(language) for language in ("fi", "sv", "en")), theme
    for key in ("gaps.cell_one", "gaps.cell_many"):  # the page cuts the sentence around the visible count and level
        for language in ("fi", "sv", "en"):
            text = catalogue()[key][language]
            assert text.index("{area}") < text.index("{count}") < text.index("{severity}"), (key, language)
