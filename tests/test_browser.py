"""Browser tests: headless system Chromium (Playwright) against a real `streamlit run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.browser_helpers import login, new_page, open_theme, radio_group, settle
from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.db import open_db
from yse_core.questionnaire import validate_answer
from yse_core.responses import get_response_row, load_answers, load_context, save_answer

pytestmark = pytest.mark.browser


def test_login_logout_and_page_urls_need_login(server, page):
    login(page, server.url, "demo-helsinki")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.get_by_label("Käyttäjätunnus").wait_for()
    settle(page, 1500)
    page.goto(f"{server.url}/kysely")
    page.get_by_label("Käyttäjätunnus").wait_for()
    assert page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").count() == 0
    # A new browser context without the cookie cannot reach an admin page either.
    page.goto(f"{server.url}/kayttajat")
    page.get_by_label("Käyttäjätunnus").wait_for()
    assert page.get_by_role("heading", name="Käyttäjät").count() == 0


def test_admin_locks_a_user(server, page):
    login(page, server.url, "demo-admin")
    page.goto(f"{server.url}/kayttajat")
    page.get_by_role("heading", name="Käyttäjät").wait_for()
    chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Valitse käyttäjä")
    chooser.click()
    page.keyboard.type("demo-vantaa")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_role("button", name="Lukitse tunnus").click()
    page.get_by_role("button", name="Avaa lukitus").wait_for()
    db = open_db(server.db_path)
    assert auth.is_locked(auth.get_user(db, "demo-vantaa"))


def _prefill_required(db_path, skip: set[str]) -> None:
    """Answer every required question except those the browser answers, through the real save path."""
    db = open_db(db_path)
    user = auth.get_user(db, "demo-helsinki")
    context = load_context(db, user, ROUND, "helsinki")
    samples = {"yes_no": False, "scale": 3, "long_text": "Kuvaus (esitäytetty testissä)."}
    for _theme, question in context.questionnaire.questions():
        if question.required and question.id not in skip and question.type in samples:
            save_answer(db, user, context.response["id"], question.id, validate_answer(question, samples[question.type]),
                        base_version=0)
    db.close()


def test_respondent_answers_reloads_submits_and_reviewer_sees_it(server, page, browser):
    browser_answered = {"uusimaa_factors", "trends_process_exists", "trends_process_self", "ltu_measures_exist", "ltu_measures"}
    _prefill_required(server.db_path, browser_answered)
    login(page, server.url, "demo-helsinki")
    page.goto(f"{server.url}/kysely")
    page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").wait_for()
    settle(page, 1500)  # a click in the first second after a page load can be lost (a known rough edge)

    radio_group(page, "Onko alueella vakiintunut prosessi").get_by_text("Kyllä").click()
    settle(page)
    radio_group(page, "Miten arvioitte alueen tilannekuvan").get_by_text("4 –").click()
    settle(page)
    long_text = "Palvelualan rakennemuutos <script>alert(1)</script> =SUM(A1)"
    uusimaa = page.get_by_role("textbox", name="Mitkä tekijät ovat mielestänne johtaneet")
    uusimaa.fill(long_text)
    uusimaa.press("Tab")
    settle(page)

    open_theme(page, "Kohderyhmät:")
    radio_group(page, "Onko pitkäaikaistyöttöm").get_by_text("Kyllä").click()
    settle(page)
    page.get_by_role("textbox", name="Toimen nimi *").first.fill("Nuorten työpaja")
    page.get_by_role("textbox", name="Vaikuttavuuden mittari").first.fill("Työllistyneiden osuus 6 kk jälkeen")
    page.get_by_role("button", name="Lisää toimi").last.click()
    page.get_by_text("1. Nuorten työpaja").wait_for()

    page.reload()
    page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").wait_for()
    page.get_by_text("1. Nuorten työpaja").wait_for()  # the measures row survived the reload
    open_theme(page, "Tilannekuva ja")
    assert page.get_by_role("textbox", name="Mitkä tekijät ovat mielestänne johtaneet").input_value() == long_text
    assert radio_group(page, "Onko alueella vakiintunut prosessi").locator("input[type=radio]").first.is_checked()

    db = open_db(server.db_path)
    user = auth.get_user(db, "demo-helsinki")
    answers = load_answers(db, user, get_response_row(db, user, ROUND, "helsinki")["id"])
    assert answers["uusimaa_factors"].value == long_text
    assert answers["trends_process_exists"].value is True
    assert answers["trends_process_self"].value == 4
    assert answers["ltu_measures"].value[0]["name"] == "Nuorten työpaja"

    page.get_by_role("button", name="Lähetä vastaus TEM:lle").click()
    page.get_by_text("Vastaus on lähetetty TEM:lle").wait_for()
    assert get_response_row(db, user, ROUND, "helsinki")["state"] == "submitted"

    reviewer = new_page(browser)
    login(reviewer, server.url, "demo-reviewer")
    reviewer.get_by_role("heading", name="Kierroksen yleiskuva").wait_for()
    settle(reviewer)
    grid = reviewer.locator("table.yse-hm").first  # the heat map (an HTML table since issue 15; was the first data frame)
    grid.wait_for()
    assert reviewer.locator('[data-testid="stMetricValue"]').nth(1).inner_text() == "1"
    reviewer.context.close()

    # The server's log (yse_core/log.py): one line per sign-in and submission, with user ids and no answer text.
    server_log = server.log.read_text(encoding="utf-8")
    for line in ("INFO yse event=login user=demo-helsinki", "INFO yse event=response_submitted user=demo-helsinki",
                 "INFO yse event=login user=demo-reviewer"):
        assert line in server_log, server_log[-2000:]
    assert "Palvelualan" not in server_log and "Nuorten työpaja" not in server_log and "yse-demo" not in server_log


def test_reviewer_asks_for_clarification_and_respondent_replies(server, page, browser):
    login(page, server.url, "demo-reviewer")
    page.get_by_role("heading", name="Keskustelunostot alueittain ja teemoittain").wait_for()
    page.goto(f"{server.url}/alue?area=helsinki&teema=situational_picture")  # the heat map cell's link
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    settle(page)
    theme = page.locator(".st-key-dossier-theme-situational_picture")  # the theme's section of the dossier
    theme.get_by_text("Kommentoi tai pyydä tarkennusta").click()  # its comment form, built once opened
    theme.get_by_role("textbox", name="Kommentti tai kysymys alueelle").fill("Miten tilannekuvaa seurataan kuukausittain?")
    theme.get_by_text("Pyydä tarkennusta", exact=True).click()
    theme.get_by_role("button", name="Lähetä kommentti").click()
    page.get_by_text("Miten tilannekuvaa seurataan kuukausittain?").first.wait_for()

    respondent = new_page(browser)
    login(respondent, server.url, "demo-helsinki")
    respondent.get_by_text("TEM pyytää tarkennusta 1 kohtaan").wait_for()
    respondent.get_by_text("Miten tilannekuvaa seurataan kuukausittain?").first.wait_for()  # a rerun may briefly show it twice
    respondent.get_by_role("textbox", name="Vastaus").first.fill("Johtoryhmä käsittelee tilannekuvan joka kuukausi.")
    respondent.get_by_role("button", name="Lähetä vastaus").first.click()
    respondent.get_by_text("Johtoryhmä käsittelee tilannekuvan joka kuukausi.").wait_for()
    respondent.context.close()

    db = open_db(server.db_path)
    row = db.execute("SELECT status, needs_clarification FROM comments WHERE parent_id IS NULL").fetchone()
    assert row == ("answered", 1)


def test_admin_imports_a_csv_only_with_a_source(server, page, tmp_path):
    csv_file = tmp_path / "palvelut.csv"
    csv_file.write_text("alue;kausi;indikaattori;arvo\nhelsinki;2026-06;ALKUHAASTATTELUT;1200\n", encoding="utf-8")
    login(page, server.url, "demo-admin")
    page.goto(f"{server.url}/tilastot")
    page.get_by_role("heading", name="Tilastojen tuonti").wait_for()
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(str(Path(__file__).parent / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"))
    settle(page)
    assert page.get_by_role("textbox", name="Lähde").input_value() == "KEHA-keskus, Työnvälitystilasto"  # the file's
    uploader.set_input_files(str(csv_file))
    page.get_by_text("Anna tiedoston palvelut.csv lähde").wait_for()
    assert page.get_by_role("button", name="Tuo").is_disabled()
    field = page.get_by_role("textbox", name="Lähde")
    field.fill("Helsingin työllisyyspalvelut, seurantaraportti")
    field.press("Enter")
    settle(page)
    page.get_by_role("button", name="Tuo").click()
    page.get_by_text("Tuotu palvelut.csv").wait_for()
    db = open_db(server.db_path)
    try:
        source = db.execute("SELECT source FROM imports ORDER BY id DESC LIMIT 1").fetchone()[0]
    finally:
        db.close()
    assert source == "Helsingin työllisyyspalvelut, seurantaraportti"


@pytest.mark.parametrize(("username", "url_path", "heading"), [
    ("demo-helsinki", "koti", "Helsingin kaupunki"),
    ("demo-reviewer", "yleiskuva", "Kierroksen yleiskuva"),
    ("demo-admin", "yleiskuva", "Kierroksen yleiskuva"),
])
def test_the_first_page_opens_at_its_own_address_without_page_not_found(server, page, username, url_path, heading):
    """A role's first page was Streamlit's default page, served at "/" only: its own address said "Page not found"."""
    login(page, server.url, username)
    page.goto(f"{server.url}/{url_path}")  # as from a bookmark
    page.get_by_role("heading", name=heading).wait_for()
    settle(page, 1500)
    assert page.get_by_role("dialog").count() == 0
    page.wait_for_url(f"**/{url_path}", timeout=5_000)
    page.goto(server.url)  # the root still opens it, at its own address
    page.get_by_role("heading", name=heading).wait_for()
    page.wait_for_url(f"**/{url_path}")
    settle(page, 1000)
    assert page.get_by_role("dialog").count() == 0


def test_a_bookmark_of_the_first_page_opened_while_logged_out_lands_there_after_the_login(server, page):
    page.goto(f"{server.url}/koti")
    page.get_by_label("Käyttäjätunnus").wait_for()
    settle(page, 1500)
    assert page.get_by_role("dialog").count() == 0
    page.get_by_label("Käyttäjätunnus").fill("demo-helsinki")
    page.get_by_label("Salasana").fill("yse-demo")
    page.get_by_role("button", name="Kirjaudu").click()
    # .first: a login is three runs, and for a moment the page's heading of one run may still stand beside the next's
    page.get_by_role("heading", name="Helsingin kaupunki").first.wait_for()
    settle(page, 1500)
    assert page.get_by_role("heading", name="Helsingin kaupunki").count() == 1  # once settled, one page
    assert page.get_by_role("dialog").count() == 0
    page.wait_for_url("**/koti", timeout=5_000)


def test_the_document_language_follows_the_chosen_language(server, page):
    """WCAG 3.1.1: <html lang> is the reader's language, on the login form and on every page."""
    page.goto(server.url)
    page.get_by_label("Käyttäjätunnus").wait_for()
    page.wait_for_function("document.documentElement.lang === 'fi'")
    login(page, server.url, "demo-reviewer")
    page.wait_for_function("document.documentElement.lang === 'fi'")
    for current, name, code in (("Kieli", "Svenska", "sv"), ("Språk", "English", "en")):
        page.get_by_role("combobox", name=current).click()
        page.get_by_role("option", name=name).click()
        page.wait_for_function(f"document.documentElement.lang === '{code}'")
    page.goto(f"{server.url}/alue")  # another page, loaded afresh, keeps it
    page.get_by_role("button", name="Log out").wait_for()
    page.wait_for_function("document.documentElement.lang === 'en'")


def test_a_loading_placeholder_says_what_is_coming(server, page):
    """While a grid's code is still on its way, Streamlit's grey box carries the catalogue's words, not nothing."""
    login(page, server.url, "demo-reviewer")
    held = []
    page.route("**/static/js/DataFrame.*", lambda route: held.append(route))  # the grid's code arrives only when the test lets it
    page.goto(f"{server.url}/vertailu")
    text = page.wait_for_function("""() => {
        const box = document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]');
        const content = box && getComputedStyle(box, '::after').content;
        return content && content !== 'none' ? content : null;
    }""").json_value()  # the style arrives with the page's first elements, the grid's code is held back
    assert text == '"Ladataan…"', text
    for route in held:
        route.continue_()
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for(state="attached")  # the grid drawn after all


def test_a_page_opened_by_address_runs_the_script_once(server, page):
    """A new browser session ran the whole script twice: the cookie manager's "getAll" component loaded after the
    first run and sent the cookie list back (ui/library_internals.skip_cookie_listing). One run now, logged in."""
    from tools.load_browsers import is_rerun_request

    login(page, server.url, "demo-helsinki")
    requests: list[int] = []
    page.on("websocket", lambda websocket: websocket.on(
        "framesent", lambda payload: requests.append(1) if is_rerun_request(payload) else None))
    page.goto(f"{server.url}/koti")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    settle(page, 2500)  # a component's late report would ask for its rerun in this time
    assert len(requests) == 1
    assert page.locator("iframe[title*='cookie_manager']").count() == 0
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()  # and the session is the logged-in one


def test_the_portal_asks_no_other_host_for_anything(server, page):
    """No request leaves the portal's own address: a :material/…: page icon had every browser fetch the favicon
    from fonts.gstatic.com, a third party (GDPR) and a failure in a closed network. The situation page's map,
    the questionnaire and the login are walked."""
    from urllib.parse import urlsplit

    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc) if request.url.startswith("http") else None)
    login(page, server.url, "demo-helsinki")
    for path, heading in (("kysely", f"YSE-keskustelut {ROUND}: ennakkokysely"), ("tilannekuva", None)):
        page.goto(f"{server.url}/{path}")
        if heading:
            page.get_by_role("heading", name=heading).wait_for()
        settle(page, 2500)
    icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(link => link.href)")
    assert icon and all("gstatic" not in href for href in icon), icon
    assert hosts == {urlsplit(server.url).netloc}, hosts
