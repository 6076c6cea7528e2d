"""Session-state keys, the database connection, the current user and the translation helper."""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from ui import legacy_pages
from yse_core import auth
from yse_core import db as yse_db
from yse_core.env_settings import positive_number
from yse_core.errors import ConfigError, YseError
from yse_core.i18n import t as translate
from yse_core.responses import ResponseContext, load_context
from yse_core.rounds import current_round, list_rounds

# Session-state keys, defined once.
KEY_DB = "yse_db"
KEY_DB_PATH = "yse_db_path"
KEY_LANG = "yse_lang"
KEY_USER = "yse_user"
KEY_LANDED = "yse_landed"  # set at the session's first st.navigation (see keep_deep_link)

DEMO_COOKIE_KEY = "yse-demo-cookie-key-not-secret-demo-only"
COOKIE_NAME = "yse_auth"
DEFAULT_COOKIE_EXPIRY_DAYS = 1.0
MAX_COOKIE_EXPIRY_DAYS = 365


def db_path() -> Path:
    """Return the database path from YSE_DB (default data/yse.db)."""
    return yse_db.db_path_from_env()


def get_db():
    """Return this session's connection (one per browser session; migrations applied once per process)."""
    path = str(db_path())
    conn = st.session_state.get(KEY_DB)
    if conn is None or st.session_state.get(KEY_DB_PATH) != path:
        conn = yse_db.portal_connection(path)
        st.session_state[KEY_DB] = conn
        st.session_state[KEY_DB_PATH] = path
    return conn


def cookie_settings(is_demo: bool) -> tuple[str, float]:
    """Return (cookie key, expiry days) from YSE_COOKIE_KEY / secrets; a non-demo database needs a key."""
    key = os.environ.get("YSE_COOKIE_KEY")
    if not key:
        try:
            key = st.secrets.get("cookie_key")
        except StreamlitSecretNotFoundError:
            key = None
    if not key:
        if not is_demo:
            raise ConfigError("config.no_cookie_key")
        key = DEMO_COOKIE_KEY
    return key, cookie_expiry_days()


def cookie_expiry_days() -> float:
    """Return YSE_COOKIE_EXPIRY_DAYS (default 1; unset or empty means the default): days a login is remembered.

    Fractions are allowed (0.5 = twelve hours). Zero, negative, non-numeric, infinite or over a year is a
    configuration error, not a traceback: zero would leave no cookie, a negative value a cookie that is
    already expired, and a huge value overflows the library's date arithmetic.
    """
    return positive_number("YSE_COOKIE_EXPIRY_DAYS", DEFAULT_COOKIE_EXPIRY_DAYS, "config.bad_cookie_expiry",
                           maximum=MAX_COOKIE_EXPIRY_DAYS, max=MAX_COOKIE_EXPIRY_DAYS)


def lang() -> str:
    """Return the current UI language (fi by default)."""
    return st.session_state.get(KEY_LANG, "fi")


def set_lang(value: str) -> None:
    st.session_state[KEY_LANG] = value


def t(key: str, **values) -> str:
    """Translate a UI string key into the current language."""
    return translate(key, lang(), **values)


def current_user() -> auth.User:
    """Return the logged-in user (set by app.py before any page runs)."""
    legacy_pages.leave()  # a page run without app.py (see ui/legacy_pages.py) reruns through app.py
    user = st.session_state.get(KEY_USER)
    if user is None:
        st.stop()
    return user


def require_role(*roles: str) -> auth.User:
    """Stop the page unless the current user has one of the roles (pages check this too, not only the menu)."""
    user = current_user()
    if user.role not in roles:
        st.error(t("error.no_access"))
        st.stop()
    return user


def respondent_round(no_round_key: str = "home.no_round") -> tuple[auth.User, sqlite_utils.Database, dict, ResponseContext]:
    """The respondent pages' start: the user (role checked), the database, the open round and the area's context.

    Stops the page with ``no_round_key``'s text when no round is open.
    """
    user = require_role("respondent")
    db = get_db()
    round_row = current_round(db)
    if round_row is None:
        st.info(t(no_round_key))
        st.stop()
    return user, db, round_row, load_context(db, user, round_row["year"], user.area_id)


def reviewer_rounds(title_key: str | None = None) -> tuple[auth.User, sqlite_utils.Database, list[dict]]:
    """The reviewer pages' start: the user (reviewer or admin), the database and the rounds, newest first.

    Shows the page's title (``title_key``) when given; stops the page with a notice when there is no round yet.
    """
    user = require_role("reviewer", "admin")
    db = get_db()
    if title_key:
        st.title(t(title_key))
    rounds = list_rounds(db)
    if not rounds:
        st.info(t("home.no_round"))
        st.stop()
    return user, db, rounds


def show_error(error: YseError) -> None:
    """Show a user-facing error message in the current language."""
    st.error(error.message(lang()))


def area_name(area: dict) -> str:
    """Return the area's name in the current language (Swedish name for sv)."""
    return area.get("name_sv") if lang() == "sv" and area.get("name_sv") else area["name_fi"]


def page_in_path(path: str, base_url_path: str) -> str:
    """Return the page part of an address's path: what follows the server's ``baseUrlPath`` ('' for the root).

    ``page_in_path("/yse/kysely", "yse") == "kysely"``; ``page_in_path("/yse/", "yse") == ""``.
    """
    parts = [part for part in path.split("/") if part]
    base = [part for part in (base_url_path or "").split("/") if part]
    if parts[:len(base)] == base:
        parts = parts[len(base):]
    return parts[-1] if parts else ""


def keep_deep_link(current, pages: list) -> None:
    """At the session's first navigation, open the page the browser's address names if Streamlit fell back.

    A session's very first run can be interrupted before it reaches ``st.navigation`` (a component reporting
    in while the first run still imports and opens the database, most often on the first session after a
    start). The rerun then asks for the main script's page, which is no page of the navigation, and Streamlit
    falls back to the default page: ``/kysely?teema=x`` silently became ``/?teema=x``. Once per session, when
    the resolved page is not the one the address names and that page is in ``pages``, switch to it with the
    address's query parameters; when the address names no page, say so as Streamlit does in any other session.
    Later runs are left alone, so following a link to the first page still works.
    """
    from urllib.parse import urlsplit

    from ui.library_internals import browser_url, say_page_not_found

    if st.session_state.get(KEY_LANDED):
        return
    st.session_state[KEY_LANDED] = True
    url = browser_url()
    wanted = page_in_path(urlsplit(url).path, st.get_option("server.baseUrlPath")) if url else ""
    if not wanted or wanted == current.url_path:
        return
    target = next((page for page in pages if page.url_path == wanted), None)
    if target is not None:
        st.switch_page(target, query_params=st.query_params.to_dict())
    if not current.url_path:  # Streamlit fell back to the default page without a word
        say_page_not_found()
