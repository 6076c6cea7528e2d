"""The YSE portal: configuration, login, and the pages each role may open."""

import streamlit as st

from ui import document, session
from ui.demo_banner import demo_banner_key
from ui.login import delete_pending_cookie, establish_user, login_view, logout_button, make_authenticator, write_login_cookie
from ui.second_factor import sidebar_section as second_factor_section
from ui.session import t
from yse_core import log, sessions
from yse_core.db import is_demo
from yse_core.errors import YseError
from yse_core.i18n import LANGUAGE_NAMES

# The icon is a file of ours: a :material/…: page icon makes every browser fetch it from fonts.gstatic.com,
# a request to a third party (and one that fails in a closed network).
st.set_page_config(page_title="YSE", page_icon=str(document.FAVICON), layout="wide")
log.configure()  # once per server in effect (ui.serve does it at start); here for a plain `streamlit run app.py`

PAGES = {
    # role → [(script, title key, icon, url path)]. A url path must not be the name of a file in pages/: Streamlit's
    # old pages/ folder mode (AppTest's every run, see ui/legacy_pages.py) would run that file without app.py.
    "respondent": [
        ("pages/area_home.py", "nav.area_home", ":material/home:", "koti"),
        ("pages/questionnaire.py", "nav.questionnaire", ":material/edit_note:", "kysely"),
        ("pages/situation.py", "nav.situation", ":material/monitoring:", "tilannekuva"),
        ("pages/discussion.py", "nav.discussion", ":material/handshake:", "keskustelu"),
        ("pages/offline.py", "nav.offline", ":material/table_view:", "excel"),
    ],
    "reviewer": [
        ("pages/round_overview.py", "nav.round_overview", ":material/grid_view:", "yleiskuva"),
        ("pages/area_view.py", "nav.area_view", ":material/article:", "alue"),
        ("pages/compare.py", "nav.compare", ":material/compare_arrows:", "vertailu"),
        ("pages/situation.py", "nav.situation", ":material/monitoring:", "tilannekuva"),
        ("pages/discussion.py", "nav.discussion", ":material/handshake:", "keskustelu"),
        ("pages/exports.py", "nav.exports", ":material/download:", "viennit"),
    ],
    "admin": [
        ("pages/round_overview.py", "nav.round_overview", ":material/grid_view:", "yleiskuva"),
        ("pages/area_view.py", "nav.area_view", ":material/article:", "alue"),
        ("pages/compare.py", "nav.compare", ":material/compare_arrows:", "vertailu"),
        ("pages/admin_users.py", "nav.admin_users", ":material/group:", "kayttajat"),
        ("pages/admin_areas.py", "nav.admin_areas", ":material/map:", "alueet"),
        ("pages/situation.py", "nav.situation", ":material/monitoring:", "tilannekuva"),
        ("pages/discussion.py", "nav.discussion", ":material/handshake:", "keskustelu"),
        ("pages/exports.py", "nav.exports", ":material/download:", "viennit"),
        ("pages/admin_rounds.py", "nav.admin_rounds", ":material/event:", "kierrokset"),
        ("pages/admin_imports.py", "nav.admin_imports", ":material/upload_file:", "tilastot"),
        ("pages/admin_audit.py", "nav.admin_audit", ":material/history:", "loki"),
    ],
}
# The statements a public service publishes: every role and the login screen reach them, linked in the sidebar.
STATEMENT_PAGES = [
    ("pages/statement_accessibility.py", "nav.accessibility", ":material/accessibility_new:", "saavutettavuus"),
    ("pages/statement_privacy.py", "nav.privacy", ":material/shield_person:", "tietosuoja"),
]


def statement_pages() -> list:
    """Return the statement pages, hidden from the menu (the sidebar links them)."""
    return [st.Page(script, title=t(title_key), icon=icon, url_path=url_path, visibility="hidden")
            for script, title_key, icon, url_path in STATEMENT_PAGES]


def statement_links(pages: list) -> None:
    """Link the statements at the bottom of the sidebar, on every page."""
    for page in pages:
        st.sidebar.page_link(page, label=page.title, icon=page.icon)


def language_switch(db, user, where) -> None:
    choice = where.selectbox(
        t("nav.language"), list(LANGUAGE_NAMES), index=list(LANGUAGE_NAMES).index(session.lang()),
        format_func=LANGUAGE_NAMES.get, key="yse-language",
    )
    if choice != session.lang():
        session.set_lang(choice)
        if user is not None:
            from yse_core.auth import set_language

            set_language(db, user.username, choice)
        st.rerun()


def root_page(first: st.Page) -> st.Page:
    """The page at "/": it forwards to the role's first page, so that page keeps its own address (/koti, /yleiskuva).

    Streamlit serves the default page at "/" and answers its url path with "Page not found"; a hidden default page
    that switches to the first one keeps one page (one set of widget ids) behind both addresses. The query
    string goes along.
    """
    def forward() -> None:
        st.switch_page(first, query_params=st.query_params.to_dict())

    return st.Page(forward, title=first.title, url_path="", default=True, visibility="hidden")


try:
    db = session.get_db()
    demo = is_demo(db)
    cookie_key, expiry_days = session.cookie_settings(demo)
    sessions.idle_minutes()  # a bad YSE_IDLE_MINUTES is named here, not at the first sign-in
except YseError as error:
    session.show_error(error)
    st.stop()

authenticator, credentials = make_authenticator(db, cookie_key, expiry_days)
user = establish_user(db, authenticator)
sidebar = st.sidebar.container()  # shown above the logout button, filled below
if user is not None and logout_button(db, authenticator, user):
    # No rerun here: the cookie is deleted by a browser component rendered in this run.
    user = None
document.frame()  # <html lang> and the loading texts, on the login form and on every page

if user is None:
    language_switch(db, None, sidebar)
    delete_pending_cookie(authenticator)
    # Every portal address shows the login form while logged out, so a deep link survives the login.
    # The form is rendered here in the main script, not inside a page, so its widget ids stay stable.
    titles = {url_path: title_key for entries in PAGES.values() for (_, title_key, _, url_path) in entries}
    login_pages = [st.Page("pages/login.py", title=t("login.heading"), url_path="kirjaudu", default=True)] + [
        st.Page("pages/login.py", title=t(title_key), url_path=url_path, visibility="hidden") for url_path, title_key in sorted(titles.items())
    ]
    statements = statement_pages()
    current = st.navigation(login_pages + statements, position="hidden")
    session.keep_deep_link(current, login_pages + statements)
    current.run()
    if current.url_path not in {url_path for *_, url_path in STATEMENT_PAGES}:
        login_view(db, authenticator, credentials)
    statement_links(statements)
else:
    language_switch(db, user, sidebar)
    sidebar.caption(t("nav.signed_in_as", name=user.display_name, role=t(f"role.{user.role}")))
    second_factor_section(db, user)  # status, enrolment, recovery codes (password sessions only)
    if banner := demo_banner_key(db):  # only while demo statistics or demo answers are in the database
        sidebar.warning(t(banner))
    write_login_cookie(authenticator)
    pages = [st.Page(script, title=t(title_key), icon=icon, url_path=url_path) for (script, title_key, icon, url_path) in PAGES[user.role]]
    statements = statement_pages()
    listed = [root_page(pages[0]), *pages, *statements]
    current = st.navigation(listed)
    session.keep_deep_link(current, listed)
    current.run()
    statement_links(statements)
