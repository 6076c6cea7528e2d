"""Session rules of the login cookie, on a real `streamlit run`, a real SQLite file and headless Chromium.

The login cookie `yse_auth` is a JWT ({username, exp_date}, HS256) signed with YSE_COOKIE_KEY; it lives
YSE_COOKIE_EXPIRY_DAYS. These tests change the key, the expiry and the cookie itself and look at what the
browser is shown and holds. Cookies ignore ports, so a browser keeps its cookie for 127.0.0.1 across
servers on different ports: that is how a "restart" is made here.
"""

from __future__ import annotations

import base64
import json
import shutil
import time

import jwt
import pytest
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from tools.apptest_helpers import APP
from tools.browser_helpers import login, new_page, settle
from tools.test_calendar import ROUND
from yse_core import audit, auth, sessions
from yse_core.db import open_db

from .conftest import Server

pytestmark = pytest.mark.browser

KEY_A = "session-test-key-A-" + "a" * 48  # 64+ bytes: long enough for HS512 too
KEY_B = "session-test-key-B-" + "b" * 48
COOKIE = "yse_auth"
QUESTIONNAIRE_HEADING = f"YSE-keskustelut {ROUND}: ennakkokysely"
NAMES = {
    "demo-admin": "Demo-pääkäyttäjä",
    "demo-reviewer": "Demo-tarkastaja (TEM)",
    "demo-helsinki": "Demo-vastaaja, Helsingin kaupunki",
    "demo-vantaa": "Demo-vastaaja, Vantaan työllisyysalue",
    "demo-lahti": "Demo-vastaaja, Lahden kaupunki",
    "demo-tampereen-seutu": "Demo-vastaaja, Tampereen seudun työllisyysalue",
    "temp-respondent": "Väliaikainen vastaaja",
}


# --- helpers ---------------------------------------------------------------------------------------


def _auth_cookie(page) -> dict | None:
    return next((cookie for cookie in page.context.cookies() if cookie["name"] == COOKIE), None)


def _put_cookie(page, server: Server, value: str) -> None:
    """Give the browser a login cookie for the server's host, as if it had kept or stolen one."""
    page.context.add_cookies([{"name": COOKIE, "value": value, "domain": "127.0.0.1", "path": "/",
                               "expires": time.time() + 86_400, "sameSite": "Strict"}])


def _token(username: str, key: str = KEY_A, *, expires_in: float = 3600, algorithm: str = "HS256", **claims) -> str:
    """A login JWT in the library's format ({username, exp_date}); extra claims override or add."""
    payload = {"username": username, "exp_date": time.time() + expires_in, **claims}
    return jwt.encode({name: value for name, value in payload.items() if value is not None}, key, algorithm=algorithm)


def _live_token(server: Server, username: str, **claims) -> str:
    """A well-signed login JWT carrying a server session begun for ``username`` (as a form sign-in begins one)."""
    db = open_db(server.db_path)
    try:
        session_id = sessions.start(db, username)
    finally:
        db.close()
    return _token(username, sid=session_id, **claims)


def _with_username(token: str, username: str) -> str:
    """The same token with another username in its payload and the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["username"] = username
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _expect_login_form(page) -> None:
    """The login form and nothing of the portal: no logout button, no error page.

    Counts are awaited (`expect`), not read once: while a rerun runs, Streamlit still shows the previous
    run's elements, so a form that moved by one place (a cookie component came or went) shows twice briefly."""
    page.get_by_role("button", name="Kirjaudu", exact=True).first.wait_for()
    settle(page, 1000)
    expect(page.get_by_role("button", name="Kirjaudu", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Kirjaudu ulos")).to_have_count(0)
    expect(page.get_by_text("Kirjautunut:")).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _expect_logged_in(page, username: str) -> None:
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_text(f"Kirjautunut: {NAMES.get(username, username)}").wait_for()
    expect(page.get_by_role("button", name="Kirjaudu", exact=True)).to_have_count(0)


def _wait_for_no_cookie(page, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while _auth_cookie(page) is not None:
        assert time.monotonic() < deadline, f"the browser still holds the login cookie after {seconds} s"
        page.wait_for_timeout(100)


def _log_since(server: Server, offset: int) -> str:
    return server.log.read_bytes()[offset:].decode(errors="replace")


def _assert_no_traceback(server: Server, offset: int = 0) -> None:
    log = _log_since(server, offset)
    assert "Traceback" not in log, log[log.index("Traceback"):][:3000]


@pytest.fixture(scope="module")
def keyed_server(demo_template, tmp_path_factory, browser):
    """One server for the module: key A, cookies for 2 days, server clock in UTC (as on most servers).

    Tests that share it use different accounts, so their order does not matter."""
    path = tmp_path_factory.mktemp("sessions") / "demo.db"
    source = open_db(demo_template)
    source.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source.close()
    shutil.copy(demo_template, path)
    server = Server(path, {"YSE_COOKIE_KEY": KEY_A, "YSE_COOKIE_EXPIRY_DAYS": "2", "TZ": "UTC"})
    _warm_up(server, browser)
    yield server
    server.stop()


def _warm_up(server: Server, browser) -> None:
    """Run one session first, so the shared server's tests do not depend on being its first session."""
    page = new_page(browser)
    try:
        page.goto(server.url)
        page.get_by_role("button", name="Kirjaudu", exact=True).wait_for()
    finally:
        page.context.close()


# --- 1. changing the key logs everyone out --------------------------------------------------------


def test_changing_the_cookie_key_logs_everyone_out_while_a_restart_keeps_the_login(demo_db_path, browser):
    page = new_page(browser)
    servers = [Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A})]
    try:
        login(page, servers[0].url, "demo-helsinki")
        cookie = _auth_cookie(page)
        assert cookie["domain"] == "127.0.0.1" and cookie["path"] == "/"

        # Control: a new server process (no memory of the session) on another port, same key → still logged in.
        servers.append(Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A}))  # started while the first runs: another port
        assert servers[1].port != servers[0].port
        servers[0].stop()
        page.goto(f"{servers[1].url}/kysely")  # its first session: a deep link opens straight from the cookie
        _expect_logged_in(page, "demo-helsinki")
        # a cold server's first questionnaire run (imports, figures, points) took over 20 s on CI's two cores
        page.get_by_role("heading", name=QUESTIONNAIRE_HEADING).wait_for(timeout=60_000)
        servers[1].stop()

        # The same cookie after the key is changed: the login form, not the user's page.
        servers.append(Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_B}))
        assert _auth_cookie(page)["value"] == cookie["value"]  # the browser still holds (and sends) that cookie
        page.goto(servers[2].url)
        _expect_login_form(page)
        assert page.get_by_role("heading", name="Helsingin kaupunki").count() == 0
        for server in servers:
            _assert_no_traceback(server)
    finally:
        for server in servers:
            server.stop()
        page.context.close()


# --- 2. the expiry is configurable ----------------------------------------------------------------


def test_cookie_and_token_expire_after_the_configured_days(keyed_server, browser):
    # The browser in Finland, the server on UTC: the cookie's expiry must not depend on the time zones.
    page = new_page(browser, timezone_id="Europe/Helsinki")
    offset = keyed_server.log.stat().st_size
    try:
        login(page, keyed_server.url, "demo-reviewer")
        logged_in_at = time.time()
        cookie = _auth_cookie(page)
        assert abs(cookie["expires"] - (logged_in_at + 2 * 86_400)) < 120, (cookie["expires"] - logged_in_at) / 3600
        claims = jwt.decode(cookie["value"], KEY_A, algorithms=["HS256"])
        assert claims["username"] == "demo-reviewer"
        assert abs(claims["exp_date"] - cookie["expires"]) < 2
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(cookie["value"], KEY_B, algorithms=["HS256"])
        _assert_no_traceback(keyed_server, offset)
    finally:
        page.context.close()


def test_a_login_remembered_for_seconds_ends_in_the_browser_and_on_the_server(demo_db_path, browser):
    days = 0.0003  # 25.92 s: room for a slow login and the control reload on a busy machine
    server = Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A, "YSE_COOKIE_EXPIRY_DAYS": str(days)})
    page = new_page(browser)
    try:
        login(page, server.url, "demo-tampereen-seutu")
        cookie = _auth_cookie(page)
        token = cookie["value"]
        expires = jwt.decode(token, KEY_A, algorithms=["HS256"])["exp_date"]
        assert 0 < expires - time.time() <= days * 86_400
        assert abs(cookie["expires"] - expires) < 2
        # Control: before the expiry a new session is logged in from the cookie.
        assert time.time() < expires - 5, "the login took longer than the cookie lives; raise `days`"
        page.reload()
        _expect_logged_in(page, "demo-tampereen-seutu")

        page.wait_for_timeout(max(0.0, max(expires, cookie["expires"]) - time.time() + 1.0) * 1000)
        assert _auth_cookie(page) is None  # the browser dropped the expired cookie
        page.reload()
        _expect_login_form(page)

        # The server enforces the token's own exp_date too: the expired token in a cookie that has not expired.
        _put_cookie(page, server, token)
        page.goto(f"{server.url}/kysely")
        _expect_login_form(page)
        assert page.get_by_role("heading", name=QUESTIONNAIRE_HEADING).count() == 0
        _assert_no_traceback(server)
    finally:
        server.stop()
        page.context.close()


INVALID_EXPIRIES = ["abc", "-1", "0", "nan", "inf", "366", "1e400", "2 days"]


@pytest.mark.parametrize("value", INVALID_EXPIRIES)
def test_an_invalid_expiry_setting_is_named_instead_of_a_traceback(demo_db_path, monkeypatch, value):
    monkeypatch.setenv("YSE_DB", str(demo_db_path))
    monkeypatch.setenv("YSE_COOKIE_EXPIRY_DAYS", value)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, app.exception
    messages = [error.value for error in app.error]
    assert any("YSE_COOKIE_EXPIRY_DAYS" in message and f"'{value}'" in message for message in messages), messages
    assert not app.text_input  # no login form


@pytest.mark.parametrize("value", ["0.5", " 2 ", "365", ""])
def test_a_valid_expiry_setting_gives_the_login_form(demo_db_path, monkeypatch, value):
    monkeypatch.setenv("YSE_DB", str(demo_db_path))
    monkeypatch.setenv("YSE_COOKIE_EXPIRY_DAYS", value)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, app.exception
    assert not [error.value for error in app.error if "YSE_COOKIE_EXPIRY_DAYS" in error.value]
    assert len(app.text_input) == 2  # username and password


def test_an_invalid_expiry_setting_is_shown_in_the_browser(demo_db_path, browser):
    server = Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A, "YSE_COOKIE_EXPIRY_DAYS": "abc"})
    page = new_page(browser)
    try:
        page.goto(server.url)
        page.get_by_text("Ympäristömuuttujan YSE_COOKIE_EXPIRY_DAYS arvo 'abc' ei kelpaa").wait_for()
        settle(page)
        assert page.get_by_role("button", name="Kirjaudu", exact=True).count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        _assert_no_traceback(server)
    finally:
        server.stop()
        page.context.close()


# --- 3. forged and refused cookies ----------------------------------------------------------------


FORGED = {  # each with a live server session of its user, so that only the named part is wrong
    "signed with another key": lambda sid: _token("demo-admin", KEY_B, sid=sid("demo-admin")),
    "username changed to another area's user":
        lambda sid: _with_username(_token("demo-helsinki", sid=sid("demo-helsinki")), "demo-tampereen-seutu"),
    "unsigned (alg none)": lambda sid: _token("demo-admin", None, algorithm="none", sid=sid("demo-admin")),
    "another algorithm (HS512, right key)": lambda sid: _token("demo-admin", algorithm="HS512", sid=sid("demo-admin")),
    "well signed but expired": lambda sid: _token("demo-admin", expires_in=-60, sid=sid("demo-admin")),
    "well signed without exp_date": lambda sid: _token("demo-admin", exp_date=None, sid=sid("demo-admin")),
    "well signed, exp_date not a number": lambda sid: _token("demo-admin", exp_date="9999999999", sid=sid("demo-admin")),
    "well signed, no server session": lambda sid: _token("demo-admin"),
    "well signed, another user's server session": lambda sid: _token("demo-admin", sid=sid("demo-reviewer")),
    "well signed, a made-up server session": lambda sid: _token("demo-admin", sid="made-up-session-id"),
    "not a JWT": lambda sid: "not-a-jwt",
}


def _session_of(server: Server):
    def begin(username: str) -> str:
        db = open_db(server.db_path)
        try:
            return sessions.start(db, username)
        finally:
            db.close()
    return begin


@pytest.mark.parametrize("case", list(FORGED))
def test_a_forged_cookie_gives_the_login_form(keyed_server, browser, case):
    page = new_page(browser)
    offset = keyed_server.log.stat().st_size
    try:
        _put_cookie(page, keyed_server, FORGED[case](_session_of(keyed_server)))
        page.goto(f"{keyed_server.url}/kayttajat")
        _expect_login_form(page)
        assert page.get_by_role("heading", name="Käyttäjät").count() == 0
        _assert_no_traceback(keyed_server, offset)
    finally:
        page.context.close()


def test_control_a_well_signed_cookie_opens_the_portal_without_the_form(keyed_server, browser):
    """The forged cookies above differ from this one only in what was forged."""
    page = new_page(browser)
    try:
        _put_cookie(page, keyed_server, _live_token(keyed_server, "demo-admin"))
        page.goto(f"{keyed_server.url}/kayttajat")
        _expect_logged_in(page, "demo-admin")
        page.get_by_role("heading", name="Käyttäjät").wait_for()
    finally:
        page.context.close()


def _deactivate(db, username):
    auth.update_user(db, username, active=False, actor="demo-admin")


def _lock(db, username):
    auth.lock_user(db, username, actor="demo-admin")


def _delete(db, username):
    db.execute("DELETE FROM users WHERE username = ?", [username])
    db.conn.commit()


@pytest.mark.parametrize(("username", "remove", "reason"), [
    ("demo-vantaa", _deactivate, "Tunnus on poistettu käytöstä."),
    ("demo-lahti", _lock, "Tunnus on lukittu. Pyydä pääkäyttäjää avaamaan lukitus."),
    ("temp-respondent", _delete, "Käyttäjää temp-respondent ei ole."),
], ids=["deactivated", "locked", "deleted"])
def test_a_well_signed_cookie_of_a_refused_account_gives_the_login_form(keyed_server, browser, username, remove, reason):
    db = open_db(keyed_server.db_path)
    if username == "temp-respondent":
        auth.add_user(db, username, "Väliaikainen vastaaja", "a long enough password", "respondent", "lahti")
    token = _live_token(keyed_server, username)
    live, fresh = new_page(browser), new_page(browser)
    offset = keyed_server.log.stat().st_size
    try:
        _put_cookie(live, keyed_server, token)
        live.goto(keyed_server.url)
        _expect_logged_in(live, username)  # control: the cookie works while the account does
        settle(live)

        remove(db, username)
        # A live session ends at its next run (here: choosing another page) ...
        live.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Ennakkokysely", exact=True).click()
        _expect_login_form(live)
        live.get_by_text(reason).first.wait_for()  # .first: a rerun may briefly show the previous run's copy
        assert live.get_by_role("heading", name=QUESTIONNAIRE_HEADING).count() == 0
        _wait_for_no_cookie(live)
        # ... and the same cookie in a new session gives the login form with the reason, then is deleted.
        _put_cookie(fresh, keyed_server, token)
        fresh.goto(f"{keyed_server.url}/kysely")
        _expect_login_form(fresh)
        fresh.get_by_text(reason).first.wait_for()
        _wait_for_no_cookie(fresh)
        fresh.reload()
        _expect_login_form(fresh)

        refusals = audit.events(db, username=username, action="session_refused")
        assert len(refusals) >= 2
        _assert_no_traceback(keyed_server, offset)
    finally:
        live.context.close()
        fresh.context.close()
        db.close()


# --- 4. logout deletes the cookie -----------------------------------------------------------------


def test_logout_deletes_the_cookie_in_the_browser(keyed_server, browser):
    page = new_page(browser)
    offset = keyed_server.log.stat().st_size
    try:
        login(page, keyed_server.url, "demo-helsinki")
        assert _auth_cookie(page) is not None
        page.get_by_role("button", name="Kirjaudu ulos").click()
        _expect_login_form(page)
        _wait_for_no_cookie(page)
        page.goto(f"{keyed_server.url}/kysely")
        _expect_login_form(page)
        # The logout run rendered the delete-cookie component once (it raised StreamlitDuplicateElementKey before).
        _assert_no_traceback(keyed_server, offset)
        db = open_db(keyed_server.db_path)
        assert [event["action"] for event in audit.events(db, username="demo-helsinki", action="logout")] == ["logout"]
        db.close()
    finally:
        page.context.close()


# --- the first session after a server start -------------------------------------------------------


# --- 7. the first session after a start -----------------------------------------------------------
# Streamlit runs an app with a pages/ folder beside its main script in its old file-listing mode until the
# first st.navigation call, and decides it when the process makes its first session. Before ui/serve.py and
# ui/legacy_pages.py the first session after every start listed the files of pages/ in the sidebar, ran
# /admin_users without app.py (a blank page) and answered deep links with "Page not found".


def _expect_first_session_login_form(page, server: Server, path: str) -> None:
    page.goto(f"{server.url}/{path}")
    if path == "admin_users":  # a file name, not a portal address: Streamlit's own notice, as in any session
        page.get_by_role("dialog").get_by_text("Page not found").wait_for()
        page.keyboard.press("Escape")
    _expect_login_form(page)
    expect(page.get_by_role("link", name="admin users")).to_have_count(0)  # no file list of pages/
    expect(page.get_by_role("dialog")).to_have_count(0)  # a portal address is found
    expect(page.get_by_label("Käyttäjätunnus")).to_have_count(1)


@pytest.mark.parametrize("path", ["admin_users", "kayttajat", "kysely", ""])
def test_the_first_session_after_a_start_gets_the_login_form(demo_db_path, browser, path):
    server = Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A})
    page = new_page(browser)
    try:
        _expect_first_session_login_form(page, server, path)
        _assert_no_traceback(server)
    finally:
        server.stop()
        page.context.close()


def test_the_first_session_after_a_start_keeps_its_deep_link_through_the_login(demo_db_path, browser):
    server = Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A})
    page = new_page(browser)
    try:
        login(page, server.url, "demo-helsinki", path="kysely?teema=own_measures")
        page.get_by_role("heading", name=QUESTIONNAIRE_HEADING).wait_for()
        page.locator('[data-testid="stHeading"] h2').filter(
            has_text="Omat toimet ja niiden vaikuttavuuden seuranta").wait_for()
        assert "/kysely" in page.url and "teema=own_measures" in page.url
    finally:
        server.stop()
        page.context.close()


def test_a_plain_streamlit_run_also_gives_the_first_session_the_login_form(demo_db_path, browser):
    """`streamlit run app.py` without ui.serve: the first run is the file mode's, ui.legacy_pages reruns it."""
    server = Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A}, launcher="streamlit")
    page = new_page(browser)
    try:
        page.goto(f"{server.url}/admin_users")  # the file mode runs pages/admin_users.py here, without app.py
        page.get_by_label("Käyttäjätunnus").wait_for()
        if page.get_by_role("dialog").count():
            page.keyboard.press("Escape")
        _expect_login_form(page)
        expect(page.get_by_role("link", name="admin users")).to_have_count(0)  # no file list of pages/
        login(page, server.url, "demo-admin", path="kayttajat")
        # While a rerun replaces the page, Streamlit can show the old and the new heading for a moment.
        page.get_by_role("heading", name="Käyttäjät").first.wait_for()
        settle(page)
        expect(page.get_by_role("heading", name="Käyttäjät")).to_have_count(1)
        _assert_no_traceback(server)
    finally:
        server.stop()
        page.context.close()


def test_a_login_survives_another_change_sent_while_the_password_is_checked(demo_db_path, browser):
    """Bug 3 of docs/reliability.md: an interaction that reached the server while the login callback checked
    the password (bcrypt, a few hundred ms) stopped the callback (Streamlit's fast reruns), and the click did
    nothing. Here the language is changed right after the click, as the cookie component's report did by
    itself; four browsers in turn, since the timing varies."""
    server = Server(demo_db_path, {"YSE_COOKIE_KEY": KEY_A})
    try:
        for username in ("demo-helsinki", "demo-vantaa", "demo-lahti", "demo-reviewer"):
            page = new_page(browser)
            try:
                page.goto(server.url)
                _expect_login_form(page)
                page.get_by_label("Käyttäjätunnus").fill(username)
                page.get_by_label("Salasana").fill("yse-demo")
                page.get_by_role("button", name="Kirjaudu", exact=True).click()
                page.get_by_role("combobox", name="Kieli").click()
                page.get_by_role("option", name="Svenska").click()
                page.get_by_role("button", name="Logga ut").wait_for(timeout=20_000)  # logged in, and in Swedish
            finally:
                page.context.close()
        _assert_no_traceback(server)
    finally:
        server.stop()


@pytest.mark.parametrize(("path", "base", "page"), [
    ("/", "", ""), ("/kysely", "", "kysely"), ("/kysely/", "", "kysely"),
    ("/yse/", "yse", ""), ("/yse", "yse", ""), ("/yse/kysely", "yse", "kysely"), ("/yse/kysely/", "/yse/", "kysely"),
    ("/a/b/yse/alue", "a/b/yse", "alue"),
    ("/yse", "", "yse"),  # without a base path, /yse is a page's address (none of ours: "page not found")
])
def test_the_page_of_an_address_is_read_after_the_base_url_path(path, base, page):
    from ui.session import page_in_path

    assert page_in_path(path, base) == page
