"""Single sign-on through Streamlit's ``st.login`` (OpenID Connect): the providers, their buttons, the identity.

Configured in secrets.toml: ``[auth]`` (redirect_uri, cookie_secret), one ``[auth.<name>]`` per identity
provider (client_id, client_secret, server_metadata_url) and its button label in ``[yse_sso.<name>] label``.
With no provider configured nothing here shows and ``st.user`` is not read. The person behind an identity is
found by ``yse_core.sso.user_for_identity``; from there on an SSO session is a portal session like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from yse_core import audit, auth, sessions, sso
from yse_core.errors import YseError

from . import library_internals as lib
from . import session
from .session import t

KEY_SSO_PROVIDER = "yse_sso_provider"  # the provider of this session's signed-in portal user, if it came by SSO
KEY_SSO_SESSION = "yse_sso_session"  # (identity, server session id, when this tab last marked it seen)
KEY_SSO_REFUSAL = "yse_sso_refusal"  # (identity, provider, error) of a refused identity, audited once per session


def providers() -> dict[str, str]:
    """Return the configured identity providers, name → button label (the name when no label is set)."""
    try:
        auth_section = st.secrets.get("auth") or {}
        labels = st.secrets.get("yse_sso") or {}
    except StreamlitSecretNotFoundError:  # no secrets file at all
        return {}
    return {name: str((labels.get(name) or {}).get("label") or name) for name, section in auth_section.items()
            if isinstance(section, Mapping) and "client_id" in section}


def _identity() -> tuple[dict, str] | None:
    """Return this session's st.user claims and their provider, when SSO is configured and someone signed in."""
    configured = providers()
    if not configured:
        return None
    claims = st.user.to_dict()
    provider = lib.identity_provider(claims)
    if not claims.get("is_logged_in") or provider not in configured:
        return None
    return claims, provider


def signed_in_user(db) -> auth.User | None:
    """Return the portal user of this session's SSO identity, or None (no identity, or refused: see login_options)."""
    identity = _identity()
    st.session_state.pop(KEY_SSO_PROVIDER, None)
    if identity is None:
        st.session_state.pop(KEY_SSO_REFUSAL, None)
        return None
    claims, provider = identity
    key = (provider, claims.get("sub"), claims.get("iat"))
    refusal = st.session_state.get(KEY_SSO_REFUSAL)
    if refusal is not None and refusal[0] == key:
        return None  # already refused and audited in this session
    try:
        user = sso.user_for_identity(db, claims, provider, max_age_days=session.cookie_expiry_days())
    except YseError as error:
        st.session_state[KEY_SSO_REFUSAL] = (key, provider, error.with_traceback(None))
        return None
    try:
        _keep_session_alive(db, key, provider, claims, user.username)
    except YseError as error:  # idle, or ended by a password change or a lock: sign in at the provider again
        audit.record(db, user.username, "session_refused", user.username, reason=str(error), method="sso",
                     provider=provider)
        st.session_state.pop(KEY_SSO_SESSION, None)
        st.session_state[KEY_SSO_REFUSAL] = (key, provider, error.with_traceback(None))
        return None
    st.session_state.pop(KEY_SSO_REFUSAL, None)
    if session.KEY_USER not in st.session_state:  # the session's first run as this user
        sso.record_sign_in(db, user, provider, claims["iat"])
    st.session_state[KEY_SSO_PROVIDER] = provider
    return user


def _keep_session_alive(db, key: tuple, provider: str, claims: Mapping, username: str) -> None:
    """Check this identity's server session (begun on its first run) and mark it seen at most once a minute."""
    now = datetime.now(UTC)
    kept = st.session_state.get(KEY_SSO_SESSION)
    if kept is None or kept[0] != key:
        session_id = sessions.identity_session(db, provider, str(claims.get("sub")), claims.get("iat"), username, at=now)
        kept = (key, session_id, None)
    _, session_id, marked = kept
    st.session_state[KEY_SSO_SESSION] = (key, session_id, sessions.keep_alive(db, session_id, username, marked, at=now))


def session_provider() -> str | None:
    """Return the provider when the current portal user signed in by SSO (else None: a password session)."""
    return st.session_state.get(KEY_SSO_PROVIDER)


def login_options() -> None:
    """On the login page: why an identity was refused, with a way to sign out of it; a button per provider."""
    configured = providers()
    if not configured:
        return
    refusal = st.session_state.get(KEY_SSO_REFUSAL)
    if refusal is not None:
        _, provider, error = refusal
        session.show_error(error)
        st.button(t("sso.sign_out", label=configured.get(provider, provider)), key="yse-sso-sign-out", on_click=st.logout)
    for name, label in configured.items():
        # A callback, as the password form's: a rerun interrupting the click's run cannot lose it.
        st.button(t("sso.sign_in", label=label), key=f"yse-sso-{name}", on_click=st.login, args=(name,))
    st.caption(t("sso.or_password"))


def logout_button(db, user: auth.User) -> None:
    """The sidebar's logout for an SSO session: audited, then st.logout ends the identity (and at the provider)."""
    def on_logout() -> None:
        audit.record(db, user.username, "logout", user.username, method="sso", provider=session_provider())
        st.session_state.pop(session.KEY_USER, None)
        st.session_state.pop(KEY_SSO_PROVIDER, None)
        if (kept := st.session_state.pop(KEY_SSO_SESSION, None)) is not None:
            sessions.end(db, kept[1], "logout")
        st.logout()

    st.sidebar.button(t("nav.logout"), key="yse-logout", on_click=on_logout)
