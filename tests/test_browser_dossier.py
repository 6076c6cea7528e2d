"""The area dossier in headless Chromium: its sections in order, ``?teema=`` scrolls to a theme, print media."""

from __future__ import annotations

import re

import pytest

from tests.dossier_data import prepare_dossier_area
from tools.browser_helpers import login, settle
from yse_core import auth
from yse_core.db import open_db
from yse_core.responses import load_context

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
    assert page.locator("h2").filter(has_text=SECTIONS[0]).is_visible()
    overflow = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stMain]')).overflowY")
    assert overflow == "visible"  # the whole dossier flows onto paper, not one screenful of a scrolling box
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 4
