"""The area view as a dossier (AppTest through the real app.py): its sections in order, no "None", ``?teema=``."""

from __future__ import annotations

import html
import re

import pytest

from tests.dossier_data import prepare_dossier_area
from tools.apptest_helpers import html_tables, logged_in_app
from yse_core import auth
from yse_core.db import open_db
from yse_core.exports.content import sorted_points
from yse_core.formatting import MISSING
from yse_core.gaps.service import points_for_area
from yse_core.indicators.situation import peer_group
from yse_core.responses import load_context
from yse_core.rounds import reference_period

SECTIONS = ["1. Tunnusluvut", "2. Keskustelunostot", "3. Vastaukset teemoittain", "4. Kommentit", "5. Edellisen kierroksen"]
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success")


def _elements(node):
    """Every element of the page in the order it is drawn (AppTest keeps children by their index)."""
    for _index, child in sorted(getattr(node, "children", {}).items()):
        if child.type in ("flex_container", "vertical", "horizontal", "column", "form", "block", "expandable"):
            yield from _elements(child)
        else:
            yield child


def _texts(app) -> list[tuple[str, str]]:
    """(kind, text) of the page's text elements and of every table cell, in page order."""
    result = []
    for element in _elements(app.main):
        if element.type in TEXT_ELEMENTS:
            result.append((element.type, element.value))
        elif element.type == "html" and "yse-qa" in element.value:  # a theme's answers, one block (ui/dossier.py)
            result.extend(("answer", _answer_text(block)) for block in re.findall(r'<div class="yse-qa">(.*?)</div>', element.value))
        elif element.type == "html":  # the static tables (ui.document.table)
            for frame in html_tables(element.value):
                result.extend(("table", str(cell)) for cell in [*frame.columns, *frame.astype(str).to_numpy().ravel()])
    return result


def _answer_text(block: str) -> str:
    """One question of the answers' HTML as text: its paragraphs (question, answer, byline) split by an empty line."""
    paragraphs = re.findall(r'<p class="yse-\w+">(.*?)</p>', block)
    return "\n\n".join(html.unescape(paragraph.replace("<br>", "\n")) for paragraph in paragraphs)


@pytest.fixture
def dossier_area(demo_db_path):
    return prepare_dossier_area(demo_db_path)


def _open(demo_db_path, area_id: str, theme: str | None = None, year: int | None = None):
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.query_params["area"] = area_id
    if theme is not None:
        app.query_params["teema"] = theme
    app.switch_page("pages/area_view.py").run()
    assert not app.exception, app.exception
    if year is not None and app.selectbox(key="view-year").value != year:
        app.selectbox(key="view-year").set_value(year).run()
        assert not app.exception, app.exception
    return app


def _section_of(texts: list[tuple[str, str]], index: int) -> int:
    """The dossier section (1…5, 0 before the first) the text at ``index`` is in."""
    headers = [i for i, (kind, value) in enumerate(texts) if kind == "header"]
    return sum(1 for i in headers if i <= index)


def _where(texts, predicate) -> list[int]:
    return [i for i, (kind, value) in enumerate(texts) if predicate(kind, value)]


def test_dossier_sections_come_in_order_with_their_content(demo_db_path, dossier_area):
    area_id, year, previous = dossier_area
    app = _open(demo_db_path, area_id, year=year)
    texts = _texts(app)
    headers = [value for kind, value in texts if kind == "header"]
    assert len(headers) == len(SECTIONS) and all(h.startswith(s) for h, s in zip(headers, SECTIONS, strict=True)), headers
    assert f"({previous})" in headers[4]

    db = open_db(demo_db_path)
    reviewer = auth.get_user(db, "demo-reviewer")
    context = load_context(db, reviewer, year, area_id)
    reference = reference_period(db, context.round)
    peers = peer_group(db, area_id, reference=reference)
    points = sorted_points(points_for_area(db, year, area_id, reviewer))
    names = {row[0]: row[1] for row in db.execute("SELECT id, name_fi FROM areas")}
    db.close()

    # 1: key figures against the whole country and the peer group, the month said, the peers named
    assert {"Koko maa", "Vertailuryhmä", "Kausi", "Lähde"} <= {value for kind, value in texts[:texts.index(("header", headers[1]))]
                                                                if kind == "table"}
    (peer_line,) = _where(texts, lambda kind, value: kind == "caption" and value.startswith("Vertailuryhmä:"))
    assert _section_of(texts, peer_line) == 1 and peers
    assert all(names[peer] in texts[peer_line][1] for peer in peers)
    stated = f"Tilastokuukausi {reference[5:]}/{reference[:4]} (kierroksen {year} viitekuukausi)."
    month = _where(texts, lambda kind, value: value.startswith(stated))
    assert _section_of(texts, month[0]) == 1

    # 2: the points, most severe first, each with its evidence (the message quoting its figures)
    assert [point.severity for point in points][:2] == ["high", "medium"]
    shown = [_where(texts, lambda kind, value, p=point: kind in ("error", "warning", "info") and p.title_in("fi") in value
                    and p.message("fi")[:40] in value.replace("\\", "")) for point in points]
    assert all(len(found) == 1 and _section_of(texts, found[0]) == 2 for found in shown), shown
    assert [found[0] for found in shown] == sorted(found[0] for found in shown)
    assert texts[shown[0][0]][0] == "error"

    # 3: the answers under a heading per theme, in the questionnaire's order; a measure's empty field is a dash
    themes = [theme.title.fi for theme in context.questionnaire.themes if theme.id != "previous_follow_ups"]
    subheaders = [i for i, (kind, value) in enumerate(texts) if kind == "subheader" and _section_of(texts, i) == 3]
    assert [texts[i][1].lstrip("● ") for i in subheaders] == themes
    measure = _where(texts, lambda kind, value: kind == "table" and value == "Nuorten työpaja")
    assert len(measure) == 1 and _section_of(texts, measure[0]) == 3
    assert ("table", MISSING) in texts[measure[0]:subheaders[-1]]
    assert any(kind == "answer" and value.split("\n\n")[1:2] == ["Kyllä"] for kind, value in texts[subheaders[0]:])

    # 4: the open clarification request first, then the other comment, each naming what it is about
    clarification = _where(texts, lambda kind, value: kind == "text" and value == "Miten työpajan vaikutusta seurataan?")
    comment = _where(texts, lambda kind, value: kind == "text" and value == "Kiitos selkeästä vastauksesta.")
    assert [_section_of(texts, i) for i in (*clarification, *comment)] == [4, 4]
    assert clarification[0] < comment[0]

    # 5: last round's follow-up item with its owner, due date and the area's account this round
    item = _where(texts, lambda kind, value: kind == "table" and value == "Nuorten palveluihin seurantamalli")
    assert len(item) == 1 and _section_of(texts, item[0]) == 5
    assert {"Alue: Työllisyysjohtaja", "30.6.2025", "Avoin", "Malli otettiin käyttöön 3/2025."} <= {
        value for _kind, value in texts[item[0]:]}


def test_dossier_shows_no_none_anywhere(demo_db_path, dossier_area):
    area_id, year, _previous = dossier_area
    app = _open(demo_db_path, area_id, year=year)
    texts = _texts(app)
    assert len(texts) > 100
    assert [value for _kind, value in texts if "None" in value or value.strip().lower() == "nan"] == []


def test_teema_opens_the_dossier_at_that_theme(demo_db_path, dossier_area):
    area_id, year, _previous = dossier_area
    db = open_db(demo_db_path)
    themes = [theme for theme in load_context(db, auth.get_user(db, "demo-reviewer"), year, area_id).questionnaire.themes
              if theme.id != "previous_follow_ups"]
    db.close()
    chosen = themes[-1]
    app = _open(demo_db_path, area_id, chosen.id, year)
    (notice,) = app.info
    assert chosen.title.fi in notice.value and f"(#teema-{chosen.id})" in notice.value
    scripts = [element.proto.body for element in _elements(app.main) if element.type == "html"]
    assert any(f'"teema-{chosen.id}"' in body and "scrollIntoView" in body for body in scripts)
    assert [element.value.lstrip("● ") for element in app.subheader].count(chosen.title.fi) == 1

    plain = _open(demo_db_path, area_id, "no_such_theme", year)
    assert len(plain.info) == 0
    assert not any("scrollIntoView" in element.proto.body for element in _elements(plain.main) if element.type == "html")
