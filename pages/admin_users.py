"""Admin: list, add and invite by e-mail, lock/unlock, send a password link, change role or area, TEM contact areas."""

from datetime import datetime

import pandas as pd
import streamlit as st

from ui.invitations import mail_settings
from ui.session import get_db, lang, require_role, show_error, t
from yse_core import auth, invitations, second_factor
from yse_core.area_registry import list_areas
from yse_core.errors import YseError
from yse_core.formatting import table_cells
from yse_core.i18n import LANGUAGE_NAMES


def _send_invitation(username: str, email: str, *, created: bool = False) -> None:
    """Mail the invitation and say whether it went out; a new account that got none says how to send it again."""
    try:
        expires = invitations.invite(db, mail_settings(), username, actor=admin.username)
    except YseError as error:
        if created:
            st.error(t("users.invite_failed", username=username, reason=error.message(lang())))
        else:
            show_error(error)
        return
    st.success(t("users.invite_sent", username=username, email=email, expires=invitations.finnish_time(expires, lang())))


def _password_link(username: str, selected: auth.User) -> None:
    """The selected account's password state, and the button that mails it an invitation or a reset link."""
    status = invitations.link_status(db, username)
    when = {name: invitations.finnish_time(datetime.fromisoformat(status[f"{name}_at"]), lang()) if status[f"{name}_at"] else ""
            for name in ("sent", "expires")}
    st.write(t(f"users.password_line.{status['state']}", **when))
    if not selected.email:
        st.caption(t("users.no_email_for_invite"))
        return
    if status["has_password"]:
        if st.button(t("users.send_reset"), key="admin-send-reset"):
            try:
                expires = invitations.send_reset(db, mail_settings(), username, actor=admin.username)
                st.success(t("users.reset_sent", email=selected.email, expires=invitations.finnish_time(expires, lang())))
            except YseError as error:
                show_error(error)
    elif st.button(t("users.resend_invite") if status["state"] != "none" else t("users.send_invite"), key="admin-send-invite"):
        _send_invitation(username, selected.email)


admin = require_role("admin")
db = get_db()
st.title(t("nav.admin_users"))

users = auth.list_users(db)
factors = second_factor.statuses(db)


def factor_state(user: dict) -> str:
    """The user's second factor as the table says it: on, off, or missing where it is required."""
    if user["username"] in factors:
        return t("second_factor.state_on")
    required = second_factor.is_required(db, user["role"])
    return t("second_factor.state_missing") if required else t("second_factor.state_off")


password_states = invitations.password_states(db)
search_col, role_col = st.columns([2, 1])
search = search_col.text_input(t("users.search"), key="users-search").strip().lower()
role_filter = role_col.selectbox(t("users.role"), ["", *auth.ROLES], key="users-role-filter",
                                 format_func=lambda r: t(f"role.{r}") if r else t("users.all_roles"))
shown = [u for u in users if (not role_filter or u["role"] == role_filter)
         and (not search or search in f"{u['username']} {u['display_name']} {u['area_id'] or ''}".lower())]
table = pd.DataFrame([{
    "username": u["username"], "display_name": u["display_name"], "role": t(f"role.{u['role']}"),
    "area_id": u["area_id"], "contact_areas": u["contact_areas"], "active": bool(u["active"]),
    "locked": bool(u["locked_until"]) and auth.is_locked(auth.get_user(db, u["username"])),
    "failed_logins": u["failed_logins"], "password_state": t(f"users.state.{password_states[u['username']]}"),
    "second_factor": factor_state(u),
} for u in shown], columns=["username", "display_name", "role", "area_id", "contact_areas", "password_state", "active", "locked",
                            "failed_logins", "second_factor"])
st.caption(t("users.count", shown=len(shown), total=len(users)))
st.dataframe(
    table_cells(table), hide_index=True, width="stretch", height=300,
    column_config={
        "username": t("users.username"), "display_name": t("users.display_name"), "role": t("users.role"),
        "area_id": t("users.area"), "contact_areas": t("users.contact_areas"), "active": t("users.active"),
        "locked": t("users.locked"), "failed_logins": t("users.failed_logins"), "password_state": t("users.password_state"),
        "second_factor": t("second_factor.column"),
    },
)

areas = {a["id"]: a["name_fi"] for a in list_areas(db)}
usernames = [u["username"] for u in users]

manage, add = st.tabs([t("users.manage"), t("users.add")])
with manage:
    username = st.selectbox(t("users.choose"), usernames, key="admin-user-choice")
    selected = auth.get_user(db, username)
    locked = auth.is_locked(selected)
    st.write(t("users.status_line", role=t(f"role.{selected.role}"), area=selected.area_id or "–",
               state=t("users.locked") if locked else t("users.active")))
    col_lock, col_active = st.columns(2)
    try:
        if locked:
            if col_lock.button(t("users.unlock"), key="admin-unlock"):
                auth.unlock_user(db, username, actor=admin.username)
                st.rerun()
        elif col_lock.button(t("users.lock"), key="admin-lock", disabled=username == admin.username):
            auth.lock_user(db, username, actor=admin.username)
            st.rerun()
        toggle_label = t("users.deactivate") if selected.active else t("users.activate")
        if col_active.button(toggle_label, key="admin-toggle-active", disabled=username == admin.username):
            auth.update_user(db, username, active=not selected.active, actor=admin.username)
            st.rerun()
        with st.form("admin-role-form"):
            role = st.selectbox(t("users.role"), auth.ROLES, index=auth.ROLES.index(selected.role),
                                format_func=lambda r: t(f"role.{r}"))
            area_ids = list(areas)
            area = st.selectbox(t("users.area_for_respondent"), area_ids, format_func=areas.get,
                                index=area_ids.index(selected.area_id) if selected.area_id in areas else 0)
            new_email = st.text_input(t("users.email"), value=selected.email, key=f"admin-email-{username}")
            if st.form_submit_button(t("users.save_role")):
                auth.update_user(db, username, role=role, area_id=area if role == "respondent" else None,
                                 email=new_email, actor=admin.username)
                st.success(t("users.saved"))
                st.rerun()
        if selected.role == "reviewer":
            with st.form("admin-contacts-form"):
                chosen = st.multiselect(t("users.contact_areas"), list(areas), format_func=areas.get,
                                        default=auth.reviewer_area_ids(db, username))
                if st.form_submit_button(t("users.save_contacts")):
                    auth.set_reviewer_areas(db, username, chosen, actor=admin.username)
                    st.success(t("users.saved"))
        if st.button(t("second_factor.reset"), key="admin-reset-2fa", help=t("second_factor.reset_help"),
                     disabled=selected.username not in factors):
            second_factor.reset(db, username, actor=admin.username)
            st.session_state["admin-2fa-reset-done"] = username
            st.rerun()
        if reset_done := st.session_state.pop("admin-2fa-reset-done", None):
            st.success(t("second_factor.reset_done", username=reset_done))
        _password_link(username, selected)
    except YseError as error:
        show_error(error)

with add:
    st.caption(t("users.add_intro", days=invitations.INVITE_VALID.days))
    with st.form("admin-add-user", clear_on_submit=False):
        new_username = st.text_input(t("users.username"))
        display_name = st.text_input(t("users.display_name"))
        email = st.text_input(t("users.email"))
        role = st.selectbox(t("users.role"), auth.ROLES, format_func=lambda r: t(f"role.{r}"), key="add-role")
        area = st.selectbox(t("users.area_for_respondent"), list(areas), format_func=areas.get, key="add-area")
        language = st.selectbox(t("users.language"), list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get, key="add-language")
        submitted = st.form_submit_button(t("users.add_and_invite"))
    if submitted:
        if not email.strip():
            st.error(t("users.email_required"))
        else:
            try:
                user = auth.add_user(db, new_username.strip(), display_name.strip() or new_username.strip(), None, role,
                                     area if role == "respondent" else None, email=email.strip(), actor=admin.username)
                auth.set_language(db, user.username, language)
            except YseError as error:
                show_error(error)
            else:
                _send_invitation(user.username, user.email, created=True)
