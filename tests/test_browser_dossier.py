"""The area dossier in headless Chromium: its sections in order, ``?teema=`` scrolls to a theme, print media."""

from __future__ import annotations

import re

import pytest

from tests.dossier_data import prepare_dossier_area
from tools.browser_helpers import login, settle
from yse_core import auth
from yse_core.db import open_db
from yse_core.responses import get_response_row, load_context, save_answer

pytestmark = pytest.mark.browser

SECTIONS = ["1. Tunnusluvut", "2. Keskustelunostot", "3. Vastaukset teemoittain", "4. Kommentit", "5. Edellisen kierroksen"]


def test_reviewer_reads_the_dossier_in_order_and_prints_it_without_the_sidebar(server, page):
    area_id, year, _previous = prepare_dossier_area(server.db_path)
    db = open_db(server.db_path)
    themes = [theme for theme in load_context(db, auth.get_user(db, "demo-reviewer"), year, area_id).questionnaire.themes
              if theme.id != "previous_follow_ups"]
    db.close()
    chosen = themes[-2]  # far down the page: reaching it takes the scroll
    login(page, server.url, "demo-reviewer")
    page.goto(f"{server.url}/alue?area={area_id}&teema={chosen.id}")
    page.get_by_role("heading", name=SECTIONS[-1]).wait_for()
    settle(page, 1500)

    sections = [text for text in page.locator("h2").all_inner_texts() if re.match(r"\d\. ", text)]
    assert [next(s for s in SECTIONS if text.startswith(s)) for text in sections] == SECTIONS, sections
    heading = page.locator(f"#teema-{chosen.id}")
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"], box  # scrolled to the theme
    assert page.locator('[data-testid="stSidebar"]').is_visible()

    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert page.get_by_role("textbox", name="Kommentti tai kysymys alueelle").first.is_visible() is False
    assert not page.get_by_role("button", name="Lähetä kommentti").first.is_visible()
    assert not page.get_by_text("Kommentoi tai pyydä tarkennusta").first.is_visible()  # the themes' comment openers
    assert page.locator("h2").filter(has_text=SECTIONS[0]).is_visible()
    overflow = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stMain]')).overflowY")
    assert overflow == "visible"  # the whole dossier flows onto paper, not one screenful of a scrolling box
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 4


TYPED = ("1. Johtoryhmä katsoo luvut kuukausittain\n- vastuu: *palvelupäällikkö* [tiimi] <b>ei lihava</b>\n"
         "=== $5 000 ~2 % # ei otsikko\n    sisennetty rivi | pystyviiva\n+ plus ei luettelo\n2) ei numeroitu")


def test_an_answer_shows_as_it_was_typed_with_a_comment_form_opened_on_demand(server, page):
    area_id, year, _previous = prepare_dossier_area(server.db_path)
    db = open_db(server.db_path)
    respondent = auth.get_user(db, f"demo-{area_id}")
    save_answer(db, respondent, get_response_row(db, respondent, year, area_id)["id"], "trends_process_description", TYPED,
                base_version=0)
    db.close()
    login(page, server.url, "demo-reviewer")
    page.goto(f"{server.url}/alue?area={area_id}")
    page.get_by_role("heading", name=SECTIONS[-1]).wait_for()
    settle(page, 1500)
    theme = page.locator(".st-key-dossier-theme-situational_picture")
    answer = theme.locator(".yse-qa").filter(has_text="Johtoryhmä katsoo")
    shown = answer.inner_text().split("\n")
    typed = TYPED.split("\n")
    start = shown.index(typed[0])
    assert [line.replace("\u00a0", " ") for line in shown[start:start + len(typed)]] == typed, shown
    assert answer.locator("ol, ul, h1, h2, h3, code, b, em, strong").count() == 0  # no markup made of it
    assert theme.get_by_role("textbox", name="Kommentti tai kysymys alueelle").count() == 0  # not built until opened
    theme.get_by_text("Kommentoi tai pyydä tarkennusta").click()
    theme.get_by_role("textbox", name="Kommentti tai kysymys alueelle").fill("Kuka kokoaa luvut?")
    theme.get_by_role("button", name="Lähetä kommentti").click()
    page.get_by_text("Kuka kokoaa luvut?").first.wait_for()
