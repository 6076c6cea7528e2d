"""The second factor in a real browser: a real `streamlit run`, a real SQLite file, headless Chromium.

A non-demo database (where admins and reviewers must have a factor) and the demo database (where nobody must).
The codes are computed with pyotp from the secret the page shows for manual entry, as an app would.
"""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tools.browser_helpers import login, new_page, review_shot, settle, submit_password
from tools.second_factor_helpers import enrol_user
from yse_core import auth, second_factor
from yse_core.db import open_db, transaction
from yse_core.setup import init_database

from .conftest import Server

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
COOKIE_KEY = "second-factor-test-key-" + "c" * 40


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    """A non-demo database with a reviewer, an admin and respondents, one server for the module (one user a test)."""
    path = tmp_path_factory.mktemp("second-factor") / "yse.db"
    db = init_database(path, demo=False)
    for username, role, area in [("tem.enrols", "reviewer", None), ("tem.codes", "reviewer", None),
                                 ("tem.locked", "admin", None), ("hel.analyst", "respondent", "helsinki"),
                                 ("hel.enrolled", "respondent", "helsinki")]:
        auth.add_user(db, username, username, PASSWORD, role, area)
    db.close()
    server = Server(path, {"YSE_COOKIE_KEY": COOKIE_KEY})
    yield server
    server.stop()


def _db(server: Server):
    return open_db(server.db_path)


def _has_cookie(page) -> bool:
    return any(cookie["name"] == "yse_auth" for cookie in page.context.cookies())


def _expect_no_portal(page) -> None:
    settle(page)
    expect(page.get_by_role("button", name="Kirjaudu ulos")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    assert not _has_cookie(page)


def _type_code(page, code: str) -> None:
    page.get_by_label("Tunnistuskoodi", exact=True).fill(code)
    page.get_by_role("button", name="Vahvista").click()
    settle(page)


def test_a_reviewer_without_a_factor_enrols_before_the_portal_opens(real_server, browser):
    page = new_page(browser, height=1800)
    try:
        submit_password(page, real_server.url, "tem.enrols", PASSWORD)
        page.get_by_role("heading", name="Ota käyttöön kaksivaiheinen tunnistautuminen").wait_for()
        page.locator('[data-testid="stImage"] img').wait_for()
        _expect_no_portal(page)
        review_shot(page, "enrolment")
        secret = "".join(page.locator('[data-testid="stCode"]').first.inner_text().split())
        assert len(secret) == 32
        page.get_by_label("2. Syötä sovelluksen nyt näyttämä 6-numeroinen koodi.").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
        page.get_by_role("button", name="Vahvista").click()
        page.get_by_text("Koodi ei täsmää.").wait_for()
        page.get_by_label("2. Syötä sovelluksen nyt näyttämä 6-numeroinen koodi.").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Vahvista").click()
        page.get_by_text("Tallenna nämä varakoodit nyt").wait_for()
        _expect_no_portal(page)  # the codes first, then the portal
        review_shot(page, "recovery-codes")
        codes = page.locator('[data-testid="stCode"]').first.inner_text().split()
        assert len(codes) == 10
        page.get_by_role("button", name="Olen tallentanut varakoodit – jatka").click()
        page.get_by_role("button", name="Kirjaudu ulos").wait_for()
        expect(page.get_by_role("heading", name="Kierroksen yleiskuva")).to_have_count(1)
        db = _db(real_server)
        assert second_factor.status(db, "tem.enrols").recovery_codes_left == 10
        assert second_factor.verify(db, "tem.enrols", codes[0]) == "recovery_code"  # the codes shown are the stored ones
    finally:
        page.context.close()


def test_the_login_asks_for_the_code_refuses_a_wrong_one_and_counts_it(real_server, browser):
    db = _db(real_server)
    secret = enrol_user(db, "tem.codes")
    page = new_page(browser, height=1800)
    try:
        submit_password(page, real_server.url, "tem.codes", PASSWORD)
        page.get_by_label("Tunnistuskoodi", exact=True).wait_for()
        _expect_no_portal(page)
        review_shot(page, "code-prompt")
        _type_code(page, "ABCDE-FGHJK")
        page.get_by_text("Koodi ei kelpaa.").wait_for()
        page.get_by_text("Yrityksiä jäljellä ennen lukitusta: 4.").wait_for()
        review_shot(page, "code-wrong")
        assert db.execute("SELECT failed_logins FROM users WHERE username = 'tem.codes'").fetchone()[0] == 1
        _expect_no_portal(page)
        _type_code(page, pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Kirjaudu ulos").wait_for()
        page.locator('[data-testid="stSidebar"]').get_by_text("Kirjautunut: tem.codes").wait_for()
        assert db.execute("SELECT failed_logins FROM users WHERE username = 'tem.codes'").fetchone()[0] == 0
        for _ in range(50):
            if _has_cookie(page):
                break
            page.wait_for_timeout(100)
        assert _has_cookie(page)
        page.reload()  # the remembered login is not asked again
        page.get_by_role("button", name="Kirjaudu ulos").wait_for()
        expect(page.get_by_label("Tunnistuskoodi", exact=True)).to_have_count(0)
    finally:
        page.context.close()


def test_a_replayed_code_is_refused_and_a_recovery_code_works_once(real_server, browser, page):
    db = _db(real_server)
    auth.add_user(db, "tem.replay", "tem.replay", PASSWORD, "reviewer")
    secret = enrol_user(db, "tem.replay")
    codes = second_factor.new_recovery_codes(db, "tem.replay")
    submit_password(page, real_server.url, "tem.replay", PASSWORD)
    page.get_by_label("Tunnistuskoodi", exact=True).wait_for()
    while time.time() % 30 > 20:  # at least ten seconds of this step left: the code below stays the current one
        time.sleep(0.5)
    totp = pyotp.TOTP(secret)
    with transaction(db):  # as an earlier login in this step had used the code
        db.execute("UPDATE second_factors SET last_step = ? WHERE username = 'tem.replay'", [totp.timecode(time.time())])
    _type_code(page, totp.now())
    page.get_by_text("Tämä koodi on jo käytetty.").wait_for()
    _expect_no_portal(page)
    _type_code(page, codes[0])
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()
    other = new_page(browser, height=1800)  # another browser, the same recovery code
    try:
        submit_password(other, real_server.url, "tem.replay", PASSWORD)
        other.get_by_label("Tunnistuskoodi", exact=True).wait_for()
        _type_code(other, codes[0])
        other.get_by_text("Tämä varakoodi on jo käytetty").wait_for()
        _expect_no_portal(other)
    finally:
        other.context.close()


def test_five_wrong_codes_lock_the_account_and_give_the_login_form(real_server, page):
    db = _db(real_server)
    enrol_user(db, "tem.locked")
    submit_password(page, real_server.url, "tem.locked", PASSWORD)
    page.get_by_label("Tunnistuskoodi", exact=True).wait_for()
    for left in (4, 3, 2, 1):  # each refusal awaited: a code typed during the previous rerun would be cleared
        _type_code(page, "ABCDE-FGHJK")
        page.get_by_text(f"Yrityksiä jäljellä ennen lukitusta: {left}.").wait_for()
    _type_code(page, "ABCDE-FGHJK")
    page.get_by_text("Tunnus on lukittu 15 minuutiksi").wait_for()
    page.get_by_label("Käyttäjätunnus").wait_for()
    _expect_no_portal(page)
    assert auth.is_locked(auth.get_user(db, "tem.locked"))


def test_a_respondent_is_not_forced_and_may_enrol_from_the_sidebar(real_server, page):
    login(page, real_server.url, "hel.analyst", PASSWORD)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Kaksivaiheinen tunnistautuminen", exact=True).click()
    sidebar.get_by_text("Ei käytössä.", exact=False).wait_for()
    sidebar.get_by_role("button", name="Ota käyttöön").click()
    sidebar.locator('[data-testid="stImage"] img').wait_for()
    secret = "".join(sidebar.locator('[data-testid="stCode"]').first.inner_text().split())
    sidebar.get_by_label("2. Syötä sovelluksen nyt näyttämä 6-numeroinen koodi.").fill(pyotp.TOTP(secret).now())
    sidebar.get_by_role("button", name="Vahvista").click()
    sidebar.get_by_text("Tallenna nämä varakoodit nyt").wait_for()
    assert second_factor.is_enrolled(_db(real_server), "hel.analyst")


def test_a_respondent_with_a_factor_is_asked_for_it(real_server, page):
    secret = enrol_user(_db(real_server), "hel.enrolled")
    submit_password(page, real_server.url, "hel.enrolled", PASSWORD)
    page.get_by_label("Tunnistuskoodi", exact=True).wait_for()
    _expect_no_portal(page)
    _type_code(page, pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()


def test_the_demo_database_does_not_force_the_reviewer_and_says_why(server, page):
    login(page, server.url, "demo-reviewer")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Kaksivaiheinen tunnistautuminen", exact=True).click()
    sidebar.get_by_text("Oikeassa asennuksessa se vaaditaan pääkäyttäjiltä ja tarkastajilta.").wait_for()
