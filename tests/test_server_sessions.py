"""Server sessions: the idle timeout, and a password change or an admin's lock ending a user's other sessions.

Core rules on a real SQLite file, then the real server in Chromium: a live tab and a kept cookie are both
refused, with the reason in Finnish, once the session has ended on the server.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tools.browser_helpers import login, new_page, settle
from yse_core import audit, auth, sessions
from yse_core.db import open_db
from yse_core.errors import AuthError, ConfigError

from .conftest import Server

COOKIE = "yse_auth"
PASSWORD = "a long enough password"


# --- core -------------------------------------------------------------------------------------------


def test_a_session_lives_while_used_and_ends_when_idle(demo_db, monkeypatch):
    monkeypatch.setenv("YSE_IDLE_MINUTES", "30")
    began = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    session_id = sessions.start(demo_db, "demo-helsinki", at=began)
    assert sessions.check(demo_db, session_id, "demo-helsinki", at=began + timedelta(minutes=29)) == began
    sessions.touch(demo_db, session_id, at=began + timedelta(minutes=29))
    # 29 + 30 minutes: still alive, because it was seen at 29
    sessions.check(demo_db, session_id, "demo-helsinki", at=began + timedelta(minutes=58))
    with pytest.raises(AuthError) as idle:
        sessions.check(demo_db, session_id, "demo-helsinki", at=began + timedelta(minutes=60))
    assert idle.value.key == "session.error.idle" and "30 minuuttiin" in str(idle.value)
    with pytest.raises(AuthError) as later:  # it stays ended: coming back does not revive it
        sessions.check(demo_db, session_id, "demo-helsinki", at=began + timedelta(minutes=61))
    assert later.value.key == "session.error.idle"


def test_an_sso_sign_in_is_one_session_whatever_the_tabs_and_an_ended_one_stays_ended(demo_db):
    start = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    first = sessions.identity_session(demo_db, "tunnistus", "subject-1", 1764856800, "demo-helsinki", at=start)
    again = sessions.identity_session(demo_db, "tunnistus", "subject-1", 1764856800, "demo-helsinki",
                                      at=start + timedelta(minutes=5))  # a reload, a second tab
    assert again == first and "subject-1" not in first
    assert sessions.check(demo_db, first, "demo-helsinki", at=start + timedelta(minutes=5)) == start
    with pytest.raises(AuthError) as idle:
        sessions.check(demo_db, first, "demo-helsinki", at=start + timedelta(minutes=31))
    assert idle.value.key == "session.error.idle"
    sessions.identity_session(demo_db, "tunnistus", "subject-1", 1764856800, "demo-helsinki",
                              at=start + timedelta(minutes=32))  # the same sign-in comes back: not revived
    with pytest.raises(AuthError) as ended:
        sessions.check(demo_db, first, "demo-helsinki", at=start + timedelta(minutes=32))
    assert "30 minuuttiin" in ended.value.message("fi")  # an ended idle session still says its minutes
    renewed = sessions.identity_session(demo_db, "tunnistus", "subject-1", 1764858800, "demo-helsinki",
                                        at=start + timedelta(minutes=33))  # a new sign-in at the provider
    assert renewed != first
    assert sessions.check(demo_db, renewed, "demo-helsinki", at=start + timedelta(minutes=34))


def test_a_fractional_idle_setting_is_said_in_the_readers_numbers(demo_db, monkeypatch):
    monkeypatch.setenv("YSE_IDLE_MINUTES", "0.5")
    began = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    session_id = sessions.start(demo_db, "demo-helsinki", at=began)
    with pytest.raises(AuthError) as idle:
        sessions.check(demo_db, session_id, "demo-helsinki", at=began + timedelta(minutes=1))
    assert "0,5 minuuttiin" in idle.value.message("fi") and "0.5" in idle.value.message("en")


def test_a_session_belongs_to_its_user_only(demo_db):
    session_id = sessions.start(demo_db, "demo-helsinki")
    for username, sid in (("demo-vantaa", session_id), ("demo-helsinki", "no-such-session")):
        with pytest.raises(AuthError) as refused:
            sessions.check(demo_db, sid, username)
        assert refused.value.key == "session.error.unknown"


def test_setting_a_password_ends_every_session_of_that_user_only(demo_db):
    auth.add_user(demo_db, "temp-user", "Väliaikainen", PASSWORD, "respondent", "lahti")
    mine = [sessions.start(demo_db, "temp-user") for _ in range(3)]
    other = sessions.start(demo_db, "demo-lahti")
    auth.set_password(demo_db, "temp-user", "another long password", actor="demo-admin")
    for session_id in mine:
        with pytest.raises(AuthError) as ended:
            sessions.check(demo_db, session_id, "temp-user")
        assert ended.value.key == "session.error.password_changed"
    sessions.check(demo_db, other, "demo-lahti")
    assert sessions.open_sessions(demo_db, "temp-user") == 0 and sessions.open_sessions(demo_db, "demo-lahti") == 1
    [event] = audit.events(demo_db, username="demo-admin", action="sessions_ended")
    assert event["target"] == "temp-user" and '"count": 3' in event["details"]


def test_an_admin_lock_ends_the_sessions_and_an_unlock_does_not_revive_them(demo_db):
    session_id = sessions.start(demo_db, "demo-lahti")
    auth.lock_user(demo_db, "demo-lahti", actor="demo-admin")
    auth.unlock_user(demo_db, "demo-lahti", actor="demo-admin")
    with pytest.raises(AuthError) as ended:
        sessions.check(demo_db, session_id, "demo-lahti")
    assert ended.value.key == "session.error.locked"


def test_failed_logins_do_not_end_the_owners_sessions(demo_db):
    """Someone guessing a password locks the account for a while, but must not sign its owner out for good."""
    session_id = sessions.start(demo_db, "demo-lahti")
    for _ in range(auth.MAX_FAILED_LOGINS):
        auth.record_failed_login(demo_db, "demo-lahti")
    assert auth.is_locked(auth.get_user(demo_db, "demo-lahti"))
    sessions.check(demo_db, session_id, "demo-lahti")  # the session row lives; the lock itself refuses it meanwhile


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_an_invalid_idle_setting_is_named(monkeypatch, value):
    monkeypatch.setenv("YSE_IDLE_MINUTES", value)
    with pytest.raises(ConfigError) as error:
        sessions.idle_minutes()
    assert "YSE_IDLE_MINUTES" in str(error.value) and value in str(error.value)


def test_an_invalid_idle_setting_stops_the_portal_with_its_name(demo_db_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tools.apptest_helpers import APP

    monkeypatch.setenv("YSE_DB", str(demo_db_path))
    monkeypatch.setenv("YSE_IDLE_MINUTES", "puoli tuntia")
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, app.exception
    assert any("YSE_IDLE_MINUTES" in error.value and "puoli tuntia" in error.value for error in app.error)
    assert not app.text_input  # no login form under a broken setting


# --- in the browser ---------------------------------------------------------------------------------


def _cookie(page) -> dict | None:
    return next((cookie for cookie in page.context.cookies() if cookie["name"] == COOKIE), None)


def _expect_login_form_with(page, reason: str) -> None:
    page.get_by_role("button", name="Kirjaudu", exact=True).first.wait_for()
    page.get_by_text(reason).first.wait_for()
    settle(page, 500)
    expect(page.get_by_role("button", name="Kirjaudu ulos")).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _go_to_questionnaire(page) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Ennakkokysely", exact=True).click()


@pytest.mark.browser
def test_a_password_set_elsewhere_ends_the_live_tab_and_the_kept_cookie(demo_db_path, browser):
    server = Server(demo_db_path)
    live, other = new_page(browser), new_page(browser)
    db = open_db(demo_db_path)
    try:
        login(live, server.url, "demo-vantaa")
        kept = _cookie(live)
        assert kept is not None
        # control: before the change, the same cookie signs a second browser in
        other.context.add_cookies([kept])
        other.goto(f"{server.url}/kysely")
        other.get_by_role("button", name="Kirjaudu ulos").wait_for()

        auth.set_password(db, "demo-vantaa", "the new long password", actor="demo-admin")
        reason = "Istunto päättyi, koska tunnuksen salasana vaihdettiin."
        _go_to_questionnaire(live)  # the live tab's next run
        _expect_login_form_with(live, reason)
        other.reload()
        _expect_login_form_with(other, reason)

        fresh = new_page(browser)  # the kept cookie in a third browser
        try:
            fresh.context.add_cookies([kept])
            fresh.goto(f"{server.url}/kysely")
            _expect_login_form_with(fresh, reason)
        finally:
            fresh.context.close()
        login(live, server.url, "demo-vantaa", password="the new long password")  # the new password works
    finally:
        live.context.close()
        other.context.close()
        db.close()
        server.stop()


@pytest.mark.browser
def test_an_idle_session_ends_and_a_used_one_does_not(demo_db_path, browser):
    server = Server(demo_db_path, {"YSE_IDLE_MINUTES": "0.4"})  # 24 s: room for a slow run between the clicks
    page = new_page(browser)
    try:
        login(page, server.url, "demo-lahti")
        for _ in range(6):  # used every 5 s for 30 s: never 24 s idle
            page.wait_for_timeout(5_000)
            _go_to_questionnaire(page)
            page.get_by_role("button", name="Kirjaudu ulos").wait_for()
            settle(page, 300)
        page.reload()  # a reload within the timeout continues the session from the cookie
        page.get_by_role("button", name="Kirjaudu ulos").wait_for()

        time.sleep(26)
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Alueen etusivu").click()
        _expect_login_form_with(page, "Istunto päättyi, koska portaalia ei ollut käytetty 0,4 minuuttiin.")
        page.reload()  # the cookie's session is over too
        _expect_login_form_with(page, "Kirjaudu")
        expect(page.get_by_role("button", name="Kirjaudu ulos")).to_have_count(0)
    finally:
        page.context.close()
        server.stop()


@pytest.mark.browser
def test_a_cookie_copied_before_logout_no_longer_signs_in(demo_db_path, browser):
    server = Server(demo_db_path)
    page, thief = new_page(browser), new_page(browser)
    try:
        login(page, server.url, "demo-helsinki")
        copied = _cookie(page)
        page.get_by_role("button", name="Kirjaudu ulos").click()
        page.get_by_role("button", name="Kirjaudu", exact=True).wait_for()
        thief.context.add_cookies([copied])
        thief.goto(f"{server.url}/kysely")
        _expect_login_form_with(thief, "Istunto on päättynyt uloskirjautumiseen.")
    finally:
        page.context.close()
        thief.context.close()
        server.stop()
