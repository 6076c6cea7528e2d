"""The second factor in the browser: the code prompt after the password, enrolment (forced or chosen), the sidebar.

A password login of a user with a factor, or of an admin or reviewer without one (not on the demo database),
is held here: ``begin`` marks the session pending, ``ui/login.py`` shows ``step_view`` instead of the portal and
sets the login cookie only when ``on_done("passed", ...)`` is called. A remembered login (the cookie) is not
asked again: the cookie was issued after the second step. SSO sessions never come here.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from yse_core import auth, second_factor
from yse_core.db import is_demo
from yse_core.errors import AuthError, YseError
from yse_core.formatting import local_date

from . import session, sso
from .callbacks import Steps
from .session import t

KEY_PENDING = "yse_second_factor_pending"  # {"username", "set_cookie"} while the login waits for its second step
KEY_ENROLMENT = "yse_second_factor_enrolment"  # place → {"username", "secret", "codes"} of an enrolment under way
KEY_MESSAGE = "yse_second_factor_message"  # the last refusal (a YseError), shown once
KEY_CODE = "yse-second-factor-code"
KEY_ENROL_CODE = "yse-second-factor-enrol-code-{place}"
LOCKED_KEYS = {"second_factor.error.locked", "auth.error.locked_until", "auth.error.locked_by_admin"}

Done = Callable[[str, bool], None]  # (outcome "passed" | "cancelled" | "locked", set the login cookie)


def due(db, username: str) -> bool:
    """Whether a password login of this user needs a second step (a code, or the forced enrolment)."""
    if second_factor.is_enrolled(db, username):
        return True
    return second_factor.is_required(db, auth.get_user(db, username).role)


def begin(username: str, *, set_cookie: bool) -> None:
    """Hold this session's login until the second step is done."""
    st.session_state[KEY_PENDING] = {"username": username, "set_cookie": set_cookie}


def pending() -> dict | None:
    """The held login of this session, or None."""
    return st.session_state.get(KEY_PENDING)


def forget() -> None:
    """Drop a held login and its enrolment (the session was logged out some other way)."""
    st.session_state.pop(KEY_PENDING, None)
    st.session_state.get(KEY_ENROLMENT, {}).pop("login", None)


def holds(db, user: auth.User) -> bool:
    """True while this password session may not open the portal: a second step is due.

    An admin or reviewer who has no factor (a login remembered from before, or a factor an admin reset) is
    held for the enrolment here too; the cookie is already set, so it is not set again.
    """
    held = pending()
    if held is not None:
        return held["username"] == user.username
    if second_factor.is_required(db, user.role) and not second_factor.is_enrolled(db, user.username):
        begin(user.username, set_cookie=False)
        return True
    return False


def step_view(db, on_done: Done) -> None:
    """The login's second step: the code prompt, or the enrolment an admin or reviewer must do first."""
    held = pending()
    username = held["username"]
    st.title(t("app.title"))
    if second_factor.is_enrolled(db, username) and "login" not in st.session_state.get(KEY_ENROLMENT, {}):
        _code_prompt(db, username, held, on_done)
    elif second_factor.is_required(db, auth.get_user(db, username).role) or "login" in st.session_state.get(KEY_ENROLMENT, {}):
        st.subheader(t("second_factor.enrol_heading"))
        st.info(t("second_factor.enrol_required"))
        enrolment_view(db, username, place="login", on_finished=lambda: _finish(held, on_done))
    else:  # the factor was reset while this login waited, and none is required: nothing more to ask
        _finish(held, on_done)
        st.rerun()
    enrolment = st.session_state.get(KEY_ENROLMENT, {}).get("login")
    if enrolment is None or enrolment["codes"] is None:  # once the codes are shown, the way on is "continue"
        st.button(t("second_factor.cancel"), key="yse-second-factor-cancel", on_click=_cancel, args=(on_done,))


def _code_prompt(db, username: str, held: dict, on_done: Done) -> None:
    st.subheader(t("second_factor.heading"))
    st.markdown(t("second_factor.code_intro", username=username))
    with st.form("yse-second-factor"):
        st.text_input(t("second_factor.code_label"), key=KEY_CODE, autocomplete="one-time-code", max_chars=20)
        st.caption(t("second_factor.code_help"))
        st.form_submit_button(t("second_factor.confirm"), type="primary", on_click=_submit_code,
                              args=(db, username, held, on_done))
    _show_message()


def _submit_code(db, username: str, held: dict, on_done: Done) -> None:
    with Steps() as steps:
        code = steps.run(lambda: st.session_state.get(KEY_CODE, ""))
        steps.run(lambda: st.session_state.__setitem__(KEY_CODE, ""))
        if not code.strip():
            return
        try:
            second_factor.verify(db, username, code)
        except AuthError as error:
            refusal = error.with_traceback(None)
        else:
            steps.run(lambda: _finish(held, on_done))
            return
        if refusal.key in LOCKED_KEYS:
            steps.run(lambda: _end(on_done, "locked"))
        else:
            steps.run(lambda: st.session_state.__setitem__(KEY_MESSAGE, refusal))


def _finish(held: dict, on_done: Done) -> None:
    st.session_state.pop(KEY_PENDING, None)
    st.session_state.pop(KEY_MESSAGE, None)
    st.session_state.get(KEY_ENROLMENT, {}).pop("login", None)
    on_done("passed", held["set_cookie"])


def _cancel(on_done: Done) -> None:
    _end(on_done, "cancelled")


def _end(on_done: Done, outcome: str) -> None:
    st.session_state.pop(KEY_PENDING, None)
    st.session_state.pop(KEY_MESSAGE, None)
    st.session_state.get(KEY_ENROLMENT, {}).pop("login", None)
    on_done(outcome, False)


def _show_message() -> None:
    message = st.session_state.pop(KEY_MESSAGE, None)
    if message is not None:
        session.show_error(message)


def enrolment_view(db, username: str, *, place: str, on_finished: Callable[[], None]) -> None:
    """Enrol step by step: the QR code and the key, one code to confirm, then the recovery codes shown once."""
    enrolments = st.session_state.setdefault(KEY_ENROLMENT, {})
    state = enrolments.get(place)
    if state is None or state["username"] != username:
        state = enrolments[place] = {"username": username, "secret": second_factor.new_secret(), "codes": None}
    if state["codes"] is None:
        secret = state["secret"]
        st.markdown(t("second_factor.enrol_step_app"))
        uri = second_factor.provisioning_uri(secret, username)
        st.image(second_factor.qr_png(uri), width=220 if place == "sidebar" else 260, alt=t("second_factor.qr_alt"))
        st.caption(t("second_factor.manual_key", username=username, issuer=second_factor.ISSUER))
        st.code(second_factor.grouped(secret), language=None, wrap_lines=True)
        with st.form(f"yse-second-factor-enrol-{place}"):
            st.text_input(t("second_factor.enrol_step_code"), key=KEY_ENROL_CODE.format(place=place),
                          autocomplete="one-time-code", max_chars=10)
            st.form_submit_button(t("second_factor.confirm"), type="primary", on_click=_confirm_enrolment,
                                  args=(db, username, place))
        _show_message()
        return
    show_recovery_codes(username, state["codes"], place=place)
    st.button(t("second_factor.continue"), key=f"yse-second-factor-continue-{place}", type="primary",
              on_click=on_finished)


def show_recovery_codes(username: str, codes: list[str], *, place: str) -> None:
    """The recovery codes, once, with the note to save them and a text file to download."""
    st.success(t("second_factor.enrolled"))
    st.markdown(t("second_factor.recovery_intro"))
    st.code("\n".join(codes), language=None)
    text = t("second_factor.codes_file_title", username=username) + "\n\n" + "\n".join(codes) + "\n"
    st.download_button(t("second_factor.download_codes"), text.encode("utf-8"), file_name="yse-varakoodit.txt",
                       mime="text/plain", key=f"yse-second-factor-download-{place}", on_click="ignore")


def _confirm_enrolment(db, username: str, place: str) -> None:
    key = KEY_ENROL_CODE.format(place=place)
    with Steps() as steps:
        code = steps.run(lambda: st.session_state.get(key, ""))
        steps.run(lambda: st.session_state.__setitem__(key, ""))
        state = steps.run(lambda: st.session_state.get(KEY_ENROLMENT, {}).get(place))
        if state is None or not code.strip():
            return
        try:
            codes = second_factor.enrol(db, username, state["secret"], code)
        except YseError as error:
            refusal = error.with_traceback(None)
            steps.run(lambda: st.session_state.__setitem__(KEY_MESSAGE, refusal))
            return
        if place == "login":  # the password was right and now the new factor too: this is the login
            auth.record_login(db, username, second_factor="enrolment")
        state["codes"] = codes


def sidebar_section(db, user: auth.User) -> None:
    """A small "Kaksivaiheinen tunnistautuminen" section in the sidebar of password sessions: status, enrol, renew."""
    if sso.session_provider():
        return  # the identity provider does its own second step
    enrolments = st.session_state.setdefault(KEY_ENROLMENT, {})
    under_way = enrolments.get("sidebar")
    with st.sidebar.expander(t("second_factor.heading"), expanded=under_way is not None):
        if user.role in second_factor.REQUIRED_ROLES and is_demo(db):
            st.caption(t("second_factor.demo_note"))
        if under_way is not None and under_way["username"] == user.username:
            enrolment_view(db, user.username, place="sidebar", on_finished=lambda: enrolments.pop("sidebar", None))
            if under_way["codes"] is None:
                st.button(t("second_factor.abandon"), key="yse-second-factor-abandon",
                          on_click=lambda: enrolments.pop("sidebar", None))
            return
        state = second_factor.status(db, user.username)
        if state.enrolled:
            st.caption(t("second_factor.status_on", date=local_date(state.enrolled_at), left=state.recovery_codes_left))
            st.button(t("second_factor.renew_codes"), key="yse-second-factor-renew", on_click=_renew, args=(db, user.username))
        else:
            st.caption(t("second_factor.status_off") + " " + t("second_factor.optional_note"))
            st.button(t("second_factor.start"), key="yse-second-factor-start", on_click=_start, args=(user.username,))


def _start(username: str) -> None:
    st.session_state.setdefault(KEY_ENROLMENT, {})["sidebar"] = {
        "username": username, "secret": second_factor.new_secret(), "codes": None}


def _renew(db, username: str) -> None:
    codes = second_factor.new_recovery_codes(db, username)
    st.session_state.setdefault(KEY_ENROLMENT, {})["sidebar"] = {"username": username, "secret": None, "codes": codes}
