"""The login page's ways to a password by e-mail: the one-time link's page and the "forgot password" form.

The link (``?kutsu=TOKEN`` for an invitation, ``?palauta=TOKEN`` for a reset; yse_core/invitations.py) opens on
the login page, which every address shows while logged out. After the password is set the token is taken out of
the address bar (st.query_params). The mail settings come from ``st.secrets["yse_smtp"]`` (yse_core/mail.py).
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from yse_core import invitations
from yse_core.errors import YseError
from yse_core.mail import SECRETS_SECTION, SmtpSettings, settings_from_mapping

from . import session
from .session import t

KEY_FORGOT_OPEN = "yse_forgot_open"
KEY_FORGOT_SENT = "yse_forgot_sent"
KEY_LINK_DONE = "yse_link_done"  # the username whose password a link just set (the token is gone from the URL)
KEY_FORGOT_IDENTIFIER = "yse-forgot-identifier"
KEY_LINK_PASSWORD = "yse-link-password"
KEY_LINK_AGAIN = "yse-link-password-again"


def mail_settings() -> SmtpSettings:
    """The ``[yse_smtp]`` settings from Streamlit's secrets; MailError when missing or wrong."""
    try:
        section = st.secrets.get(SECRETS_SECTION)
    except StreamlitSecretNotFoundError:
        section = None
    return settings_from_mapping(dict(section) if section else None, ".streamlit/secrets.toml")


def link_token() -> str | None:
    """The one-time token in the address, if any."""
    for parameter in invitations.LINK_PARAMETERS.values():
        if st.query_params.get(parameter):
            return st.query_params[parameter]
    return None


def link_view(db, token: str) -> None:
    """The link's page: whose account, the new password twice; or why the link cannot be used."""
    try:
        info = invitations.check_link(db, token)
    except YseError as error:
        session.show_error(error)
        if st.button(t("link.ask_new"), key="yse-link-ask-new"):
            _clear_link()
            st.session_state[KEY_FORGOT_OPEN] = True
            st.rerun()
        return
    st.subheader(t(f"link.heading_{info.purpose}"))
    st.write(t(f"link.intro_{info.purpose}"))
    st.write(t("link.account", username=info.username, name=info.display_name))
    st.caption(t("link.valid_until", expires=invitations.finnish_time(info.expires_at, session.lang())))
    with st.form("yse-link-form"):
        # A hidden username field lets a password manager store the new password under the right account.
        st.text_input(t("login.username"), value=info.username, disabled=True, autocomplete="username")
        st.caption(t("link.rule"))  # in sight, not behind a tooltip
        password = st.text_input(t("link.password"), type="password", key=KEY_LINK_PASSWORD,
                                 autocomplete="new-password")
        again = st.text_input(t("link.password_again"), type="password", key=KEY_LINK_AGAIN, autocomplete="new-password")
        submitted = st.form_submit_button(t("link.submit"))
    if submitted:
        try:
            invitations.set_password_with_link(db, token, password, again)
        except YseError as error:
            session.show_error(error)
            return
        _clear_link()
        st.session_state[KEY_LINK_DONE] = info.username
        st.rerun()


def _clear_link() -> None:
    for parameter in invitations.LINK_PARAMETERS.values():
        if parameter in st.query_params:
            del st.query_params[parameter]
    st.session_state.pop(KEY_LINK_PASSWORD, None)
    st.session_state.pop(KEY_LINK_AGAIN, None)


def link_done_notice() -> None:
    """After a link set the password: say so above the login form (once)."""
    username = st.session_state.pop(KEY_LINK_DONE, None)
    if username:
        st.success(t("link.done", username=username))


def forgot_password(db) -> None:
    """The "forgot password" form under the login form: the same reply whether or not an account matched."""
    if st.session_state.get(KEY_FORGOT_SENT):
        st.info(t("forgot.sent"))
        if st.button(t("forgot.back"), key="yse-forgot-back"):
            st.session_state.pop(KEY_FORGOT_SENT)
            st.session_state.pop(KEY_FORGOT_OPEN, None)
            st.rerun()
        return
    if not st.session_state.get(KEY_FORGOT_OPEN):
        # A button, not an expander: the form's field exists only when asked for, so the login form stays two fields.
        st.button(t("forgot.open"), key="yse-forgot-open", type="tertiary",
                  on_click=lambda: st.session_state.update({KEY_FORGOT_OPEN: True}))
        return
    with st.container(border=True):
        st.subheader(t("forgot.heading"))
        st.write(t("forgot.intro"))
        with st.form("yse-forgot-form", border=False):
            identifier = st.text_input(t("forgot.identifier"), key=KEY_FORGOT_IDENTIFIER, autocomplete="username")
            submitted = st.form_submit_button(t("forgot.submit"))
        if submitted and identifier.strip():
            try:
                settings = mail_settings()  # a configuration error says nothing about any account
            except YseError as error:
                session.show_error(error)
                return
            invitations.request_reset(db, settings, identifier)
            st.session_state[KEY_FORGOT_SENT] = True
            st.session_state.pop(KEY_FORGOT_IDENTIFIER, None)
            st.rerun()
