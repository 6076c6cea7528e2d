"""Login and logout through streamlit-authenticator, with users, lockout and audit from the database."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from yse_core import audit, auth
from yse_core.db import is_demo
from yse_core.errors import AuthError

from . import session
from .session import t


def make_authenticator(db, cookie_key: str, expiry_days: float) -> tuple[stauth.Authenticate, dict]:
    """Build the authenticator over the users table; locked users are marked as at the attempt limit."""
    credentials = auth.credentials_for_authenticator(db)
    for row in db.query("SELECT username, locked_until FROM users WHERE active = 1 AND locked_until IS NOT NULL"):
        user = auth.get_user(db, row["username"])
        if auth.is_locked(user) and row["username"] in credentials["usernames"]:
            credentials["usernames"][row["username"]]["failed_login_attempts"] = auth.MAX_FAILED_LOGINS
    # login_sleep_time=0: the cookie is read from the request (st.context.cookies), so the library's
    # pre-login pause only widens the window in which a component rerun interrupts the first run.
    authenticator = stauth.Authenticate(credentials, session.COOKIE_NAME, cookie_key, expiry_days, auto_hash=False,
                                        login_sleep_time=0)
    return authenticator, credentials


def login_view(db, authenticator: stauth.Authenticate, credentials: dict) -> None:
    """Render the login form; record failures and lockouts; rerun into the portal on success."""
    st.title(t("app.title"))
    before = {name: entry.get("failed_login_attempts", 0) for name, entry in credentials["usernames"].items()}
    fields = {"Form name": t("login.heading"), "Username": t("login.username"),
              "Password": t("login.password"), "Login": t("login.submit")}
    try:
        authenticator.login(location="main", max_login_attempts=auth.MAX_FAILED_LOGINS, fields=fields,
                            key="yse-login", callback=lambda info: auth.record_login(db, info["username"]))
    except LoginError as error:
        if "attempts" in str(error):
            st.error(t("login.locked"))
        else:  # a cookie for a user who no longer exists or was deactivated
            authenticator.logout(location="unrendered")
            st.error(t("login.failed"))
    for name, entry in credentials["usernames"].items():
        if entry.get("failed_login_attempts", 0) > before.get(name, 0):
            if auth.record_failed_login(db, name):
                st.error(t("login.locked"))
                st.session_state["authentication_status"] = None
    if st.session_state.get("authentication_status"):
        # The cookie is set by a browser component; a rerun now would unmount it before it runs,
        # so the logged-in run sets it again (see set_pending_cookie).
        st.session_state[KEY_COOKIE_PENDING] = True
        st.session_state.pop(SET_COOKIE_COMPONENT_KEY, None)
        st.rerun()
    if st.session_state.get("authentication_status") is False:
        st.error(t("login.failed"))
    if is_demo(db):
        st.info(t("login.demo_notice"))


KEY_COOKIE_PENDING = "yse_cookie_pending"


SET_COOKIE_COMPONENT_KEY = "set"  # the keys extra_streamlit_components' CookieManager.set/delete use
DELETE_COOKIE_COMPONENT_KEY = "delete"
KEY_COOKIE_DELETE_PENDING = "yse_cookie_delete_pending"


def delete_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """After a logout, render the delete-cookie component in each run until the browser reports it done."""
    if not st.session_state.get(KEY_COOKIE_DELETE_PENDING):
        return
    if st.session_state.get(DELETE_COOKIE_COMPONENT_KEY):
        st.session_state.pop(KEY_COOKIE_DELETE_PENDING)
        return
    authenticator.cookie_controller.delete_cookie()


def set_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """After a login, render the set-cookie component in each run until the browser reports it done."""
    if not st.session_state.get(KEY_COOKIE_PENDING):
        return
    if st.session_state.get(SET_COOKIE_COMPONENT_KEY):
        st.session_state.pop(KEY_COOKIE_PENDING)
        return
    authenticator.cookie_controller.set_cookie()


def establish_user(db, authenticator: stauth.Authenticate) -> auth.User | None:
    """Return the logged-in user, logging out a session whose account was locked or deactivated."""
    if not st.session_state.get("authentication_status"):
        try:  # re-authenticate from a valid cookie before the pages are chosen, so deep links work
            authenticator.login(location="unrendered")
        except LoginError:
            authenticator.logout(location="unrendered")
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        st.session_state.pop(session.KEY_USER, None)
        return None
    try:
        user = auth.session_user(db, username)
    except AuthError as error:
        audit.record(db, username, "session_refused", username, reason=str(error))
        authenticator.logout(location="unrendered")
        st.session_state.pop(session.KEY_USER, None)
        st.error(str(error))
        return None
    if session.KEY_USER not in st.session_state:
        session.set_lang(user.language)
    st.session_state[session.KEY_USER] = user
    return user


def logout_button(db, authenticator: stauth.Authenticate, user: auth.User) -> bool:
    """Render the logout button in the sidebar; True when the user just logged out (cookie deleted in this run)."""
    def on_logout(_info=None):
        audit.record(db, user.username, "logout", user.username)
        st.session_state.pop(session.KEY_USER, None)
        st.session_state[KEY_COOKIE_DELETE_PENDING] = True

    authenticator.logout(t("nav.logout"), location="sidebar", key="yse-logout", callback=on_logout)
    return not st.session_state.get("authentication_status")
