"""Login and logout: the password form (streamlit-authenticator) and single sign-on (ui/sso.py), one session path."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from yse_core import audit, auth, sessions
from yse_core.db import is_demo
from yse_core.errors import YseError

from . import document, second_factor, session, sso
from . import invitations as invitation_views
from . import library_internals as lib
from .callbacks import Steps
from .session import t


def make_authenticator(db, cookie_key: str, expiry_days: float) -> tuple[stauth.Authenticate, dict]:
    """Build the authenticator over the users table; locked users are marked as at the attempt limit."""
    credentials = auth.credentials_for_authenticator(db)
    for row in db.query("SELECT username, locked_until FROM users WHERE active = 1 AND locked_until IS NOT NULL"):
        user = auth.get_user(db, row["username"])
        if auth.is_locked(user) and row["username"] in credentials["usernames"]:
            lib.set_failed_attempts(credentials, row["username"], auth.MAX_FAILED_LOGINS)
    # login_sleep_time=0: the cookie is read from the request (st.context.cookies), so the library's
    # pre-login pause only widens the window in which a component rerun interrupts the first run.
    lib.skip_cookie_listing()  # no cookie-listing component: it cost every new session a second run
    authenticator = stauth.Authenticate(credentials, session.COOKIE_NAME, cookie_key, expiry_days, auto_hash=False,
                                        login_sleep_time=0)
    return authenticator, credentials


KEY_LOGIN_USERNAME = "yse-login-username"
KEY_LOGIN_PASSWORD = "yse-login-password"
KEY_LOGIN_MESSAGE = "yse_login_message"  # the i18n key of the last login's error, shown once under the form


def login_view(db, authenticator: stauth.Authenticate, credentials: dict) -> None:
    """Render the login form; its submit button's callback logs in (see _submit_login).

    An address with a one-time link (``?kutsu=…``, ``?palauta=…``) shows the link's password page instead.
    """
    if second_factor.pending() and lib.is_logged_in():  # the password was right: the code or the enrolment first
        second_factor.step_view(db, on_done=_second_factor_done)
        return
    second_factor.forget()  # a held login that ended otherwise (its account locked meanwhile)
    st.title(t("app.title"))
    token = invitation_views.link_token()
    if token:
        invitation_views.link_view(db, token)
        return
    invitation_views.link_done_notice()
    refused = st.session_state.get(KEY_SESSION_REFUSED)
    if refused is not None:  # why the cookie or live session was refused (until a login)
        session.show_error(refused)
    sso.login_options()  # nothing without a configured identity provider
    with st.form("yse-login"):
        st.subheader(t("login.heading"))
        st.text_input(t("login.username"), key=KEY_LOGIN_USERNAME, autocomplete="username")
        st.text_input(t("login.password"), type="password", key=KEY_LOGIN_PASSWORD, autocomplete="current-password")
        st.form_submit_button(t("login.submit"), on_click=_submit_login, args=(db, authenticator, credentials))
    message = st.session_state.pop(KEY_LOGIN_MESSAGE, None)
    if message:
        st.error(t(message))
    invitation_views.forgot_password(db)
    if is_demo(db):
        st.info(t("login.demo_notice"))


def _submit_login(db, authenticator: stauth.Authenticate, credentials: dict) -> None:
    """Check the form's credentials with streamlit-authenticator; record the login, failure or lockout.

    A callback, not an ``if st.form_submit_button(...)`` in the page: Streamlit runs callbacks before the
    script, so a rerun that interrupts the run carrying the click cannot skip it; ``Steps`` keeps a rerun
    request that arrives during the password check from ending the callback half done (ui/callbacks.py).
    On success the same run goes on into the portal: app.py reads the library's login status after this.
    """
    with Steps() as steps:
        username, password = steps.run(lambda: (st.session_state.get(KEY_LOGIN_USERNAME, ""),
                                                st.session_state.get(KEY_LOGIN_PASSWORD, "")))
        before = lib.failed_attempts(credentials)
        recorded = []  # the login is written to the database once, even if the check runs again

        def record_login(info: dict) -> None:
            if not recorded:
                if not second_factor.due(db, info["username"]):  # else recorded after the second step
                    auth.record_login(db, info["username"])
                recorded.append(info["username"])

        def check() -> str | None:
            try:
                lib.check_password(authenticator, username, password, max_login_attempts=auth.MAX_FAILED_LOGINS,
                                   callback=record_login)
            except LoginError:
                # The library's text is its own (English); the lockout is read from the counter it checks.
                attempts = lib.failed_attempts(credentials).get(lib.credentials_username(username), 0)
                return "login.locked" if attempts >= auth.MAX_FAILED_LOGINS else "login.failed"
            if lib.is_logged_in():
                return None
            return "login.failed" if username else ""  # an empty form: nothing to say

        message = steps.run(check)
        failed = [name for name, attempts in lib.failed_attempts(credentials).items() if attempts > before.get(name, 0)]
        if any([auth.record_failed_login(db, name) for name in failed]):
            message = "login.locked"
        held = bool(recorded) and message is None and second_factor.due(db, recorded[0])
        steps.run(lambda: _store_login_outcome(message, recorded[0] if held else None))


def _store_login_outcome(message: str | None, second_step_for: str | None = None) -> None:
    st.session_state[KEY_LOGIN_PASSWORD] = ""  # the password does not stay in the session
    if message is None and second_step_for:  # no portal and no cookie before the second factor
        second_factor.begin(second_step_for, set_cookie=True)
        st.session_state.pop(KEY_SESSION_REFUSED, None)
        return
    if message is None:  # logged in; the cookie is written by a script in the logged-in runs
        _cookie_due()
        st.session_state.pop(KEY_SESSION_REFUSED, None)
        st.session_state.pop(KEY_LOGIN_USERNAME, None)
        return
    if message == "login.locked":
        lib.forget_login_outcome()
    if message:
        st.session_state[KEY_LOGIN_MESSAGE] = message


# Present once this session signed in by form: the script that writes the login cookie (None until its first run
# makes it). Its runs send it; a new sign-in makes a new one, the end of the session drops it.
KEY_COOKIE_SCRIPT = "yse_cookie_script"
COOKIE_SCRIPT_KEY = "yse-login-cookie"


def _cookie_due() -> None:
    st.session_state[KEY_COOKIE_SCRIPT] = None  # a new sign-in, a new token


def _second_factor_done(outcome: str, set_cookie: bool) -> None:
    """After the second step: into the portal (and the cookie now), or back to the login form."""
    if outcome == "passed":
        if set_cookie:
            _cookie_due()
        st.session_state.pop(KEY_LOGIN_USERNAME, None)
        return
    lib.forget_login_outcome()  # the password's success ends here: logged out, the cookie not read again
    lib.ignore_cookie()
    if outcome == "locked":
        st.session_state[KEY_LOGIN_MESSAGE] = "login.locked"


KEY_COOKIE_DELETE_PENDING = "yse_cookie_delete_pending"
# The value of KEY_COOKIE_DELETE_PENDING when the library itself rendered the delete component in this run
# (its logout does): rendering it a second time with the same key would raise StreamlitDuplicateElementKey.
DELETE_RENDERED_THIS_RUN = "rendered"
KEY_SESSION_REFUSED = "yse_session_refused"


def delete_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """After a logout, render the delete-cookie component in each run until the browser reports it done."""
    pending = st.session_state.get(KEY_COOKIE_DELETE_PENDING)
    if not pending:
        return
    if lib.browser_deleted_cookie():
        st.session_state.pop(KEY_COOKIE_DELETE_PENDING)
        return
    if pending == DELETE_RENDERED_THIS_RUN:
        st.session_state[KEY_COOKIE_DELETE_PENDING] = True  # render it in the following runs until done
        return
    lib.delete_login_cookie(authenticator)


def write_login_cookie(authenticator: stauth.Authenticate) -> None:
    """After a sign-in by form, write the login cookie in the browser: the same script in every run of the session.

    A script in the page, not a component: a component loads in a frame and reports back, and its report cost
    every sign-in one more run of the whole first page. A run cut short before the script reached the browser is
    followed by one that sends it; an unchanged script is not run again, and running it again writes the same
    cookie.
    """
    if KEY_COOKIE_SCRIPT not in st.session_state:
        return
    script = st.session_state[KEY_COOKIE_SCRIPT]
    if script is None:
        script = st.session_state[KEY_COOKIE_SCRIPT] = login_cookie_script(authenticator, lib.logged_in_username())
    document.hidden_script(COOKIE_SCRIPT_KEY, script)


def login_cookie_script(authenticator: stauth.Authenticate, username: str) -> str:
    """The script that stores the login cookie: the JWT the library reads back ({username, exp_date, sid}, HS256).

    Path ``/``, ``SameSite=Strict``, and its expiry as a UTC time (the library's own set_cookie gave the browser a
    local time without a zone, so with the server on UTC and the browser in Finland the cookie expired two or
    three hours early). ``Secure`` behind the HTTPS proxy (deploy/nginx-yse.conf sends X-Forwarded-Proto:
    https): the cookie is written by script, so nginx's proxy_cookie_flags cannot mark it.
    """
    cookie = lib.login_cookie(authenticator)
    expires = datetime.now(UTC) + timedelta(days=cookie.expiry_days)
    secure = st.context.headers.get("X-Forwarded-Proto", "").lower() == "https"
    token = lib.login_token(cookie, username, expires, st.session_state.get(KEY_SESSION_ID))
    flags = "; path=/; SameSite=Strict" + ("; Secure" if secure else "")
    return (f"document.cookie = {json.dumps(cookie.name + '=' + token)} + '; expires=' + "
            f"new Date({int(expires.timestamp() * 1000)}).toUTCString() + {json.dumps(flags)};")


def _refuse_session(db, username: str, error: YseError) -> None:
    """Record and remember why a session or cookie was refused; the cookie is deleted by delete_pending_cookie."""
    audit.record(db, username, "session_refused", username, reason=str(error))
    st.session_state[KEY_SESSION_REFUSED] = error.with_traceback(None)  # shown in the reader's language at login
    st.session_state.pop(session.KEY_USER, None)
    _forget_session(db, None)  # ended already, or the account's state refuses it: nothing more to end


def screen_cookie(db, authenticator: stauth.Authenticate) -> None:
    """Let streamlit-authenticator re-log a user from the login cookie only if the cookie is usable.

    The library (0.4.2) raises on some cookies instead of ignoring them: a JWT with another algorithm
    (e.g. "none"; jwt.InvalidAlgorithmError), a well-signed one without `exp_date` (KeyError), and one for a
    user missing from the credentials, i.e. deleted or deactivated (LoginError, and then LogoutError from
    the logout meant to clear it). Each of these showed an error page instead of the login form. Here the
    cookie is checked first: an unusable one is ignored for this session (the library's own logout flag),
    and one for a deleted, deactivated or locked account is also refused with the reason, audited and
    deleted from the browser.
    """
    if lib.is_logged_in() or lib.cookie_ignored():
        return
    cookie = lib.login_cookie(authenticator)
    token = st.context.cookies.get(cookie.name)
    if token is None:
        return
    # None for a wrong key (e.g. the key was changed), a tampered token, another algorithm, garbage, expired
    username = lib.login_token_username(cookie, token, now=time.time())
    if username is None:
        lib.ignore_cookie()
        return
    session_id = lib.login_token_session(cookie, token)
    if session_id is None:  # a token from before server sessions (or forged without one): not a session
        lib.ignore_cookie()
        return
    try:
        auth.session_user(db, username)
        sessions.check(db, session_id, username)  # ended (logout, password changed, locked) or idle
    except YseError as error:  # NotFound (deleted) or AuthError (deactivated, locked, session over)
        lib.ignore_cookie()
        _refuse_session(db, username, error)
        st.session_state[KEY_COOKIE_DELETE_PENDING] = True
        return
    st.session_state[KEY_SESSION_ID] = session_id  # this browser's session goes on in this tab


def establish_user(db, authenticator: stauth.Authenticate) -> auth.User | None:
    """Return the logged-in user, by password (form or cookie) or else by single sign-on; None shows the login.

    A password session whose account was locked or deactivated is logged out; an SSO identity without an
    active portal user is refused (ui/sso.py). Either way in, the user then takes the same path.
    """
    if not lib.is_logged_in():
        screen_cookie(db, authenticator)
        try:  # re-authenticate from a valid cookie before the pages are chosen, so deep links work
            authenticator.login(location="unrendered")
        except LoginError:  # defensive: screen_cookie lets no such cookie through
            lib.ignore_cookie()
    username = lib.logged_in_username()
    if lib.is_logged_in() and username:
        user = _password_session_user(db, authenticator, username)
    else:
        user = sso.signed_in_user(db)
    if user is None:
        st.session_state.pop(session.KEY_USER, None)
        return None
    if session.KEY_USER not in st.session_state:
        session.set_lang(user.language)
    st.session_state[session.KEY_USER] = user
    return user


KEY_SESSION_ID = "yse_session_id"  # the server session (yse_core/sessions.py) of this password sign-in
KEY_SESSION_SEEN = "yse_session_seen"  # when this tab last marked it seen


def _password_session_user(db, authenticator: stauth.Authenticate, username: str) -> auth.User | None:
    """Return the user of a password session; None after logging out one that was refused, or while its second
    factor is due (ui/second_factor.py: the code, or the enrolment an admin or reviewer must do).

    Refused: the account was locked, deactivated or deleted, or the server session ended (another browser's
    password change, an admin's lock, the idle timeout). A sign-in from the form has no server session yet: it
    begins here once the second factor is done, so the cookie set after it carries the session's id.
    """
    try:
        user = auth.session_user(db, username)
        if second_factor.holds(db, user):
            return None
        _keep_session_alive(db, username)
    except YseError as error:  # refused while the session was live
        _refuse_session(db, username, error)
        authenticator.logout(location="unrendered")  # renders the delete-cookie component in this run
        st.session_state[KEY_COOKIE_DELETE_PENDING] = DELETE_RENDERED_THIS_RUN
        return None
    return user


def _keep_session_alive(db, username: str) -> None:
    """Check this tab's server session (starting one after a form sign-in) and mark it seen once a minute."""
    now = datetime.now(UTC)
    session_id = st.session_state.get(KEY_SESSION_ID)
    if session_id is None:
        st.session_state[KEY_SESSION_ID] = sessions.start(db, username, at=now)
        st.session_state[KEY_SESSION_SEEN] = now
        return
    st.session_state[KEY_SESSION_SEEN] = sessions.keep_alive(db, session_id, username,
                                                             st.session_state.get(KEY_SESSION_SEEN), at=now)


def _forget_session(db, reason: str | None) -> None:
    """Drop this tab's server session and the script carrying its cookie; end the session on the server too when
    ``reason`` is given (a logout)."""
    session_id = st.session_state.pop(KEY_SESSION_ID, None)
    st.session_state.pop(KEY_SESSION_SEEN, None)
    st.session_state.pop(KEY_COOKIE_SCRIPT, None)
    if session_id is not None and reason is not None:
        sessions.end(db, session_id, reason)


def logout_button(db, authenticator: stauth.Authenticate, user: auth.User) -> bool:
    """Render the logout button in the sidebar; True when the user just logged out (cookie deleted in this run).

    An SSO session's button ends the identity with st.logout, which reloads the page (ui/sso.py).
    """
    if sso.session_provider():
        sso.logout_button(db, user)
        return False
    def on_logout(_info=None):
        audit.record(db, user.username, "logout", user.username)
        _forget_session(db, "logout")  # the cookie, if the browser kept a copy, no longer signs anyone in
        st.session_state.pop(session.KEY_USER, None)
        # The library renders the delete-cookie component right after this callback, in this run.
        st.session_state[KEY_COOKIE_DELETE_PENDING] = DELETE_RENDERED_THIS_RUN

    authenticator.logout(t("nav.logout"), location="sidebar", key="yse-logout", callback=on_logout)
    return not lib.is_logged_in()
