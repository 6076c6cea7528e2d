"""Admin: list, add, lock/unlock, reset password, change role or area, TEM contact areas."""

import pandas as pd
import streamlit as st

from ui.session import get_db, require_role, show_error, t
from yse_core import auth, second_factor
from yse_core.area_registry import list_areas
from yse_core.errors import YseError
from yse_core.formatting import table_cells

admin = require_role("admin")
db = get_db()
st.title(t("nav.admin_users"))

users = auth.list_users(db)
factors = second_factor.statuses(db)


def factor_state(user: dict) -> str:
    """The user's second factor as the table says it: on, off, or missing where it is required."""
    if user["username"] in factors:
        return t("second_factor.state_on")
    required = second_factor.is_required(db, auth.get_user(db, user["username"]))
    return t("second_factor.state_missing") if required else t("second_factor.state_off")


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
    "failed_logins": u["failed_logins"], "second_factor": factor_state(u),
} for u in shown], columns=["username", "display_name", "role", "area_id", "contact_areas", "active", "locked", "failed_logins",
                            "second_factor"])
st.caption(t("users.count", shown=len(shown), total=len(users)))
st.dataframe(
    table_cells(table), hide_index=True, width="stretch", height=300,
    column_config={
        "username": t("users.username"), "display_name": t("users.display_name"), "role": t("users.role"),
        "area_id": t("users.area"), "contact_areas": t("users.contact_areas"), "active": t("users.active"),
        "locked": t("users.locked"), "failed_logins": t("users.failed_logins"), "second_factor": t("second_factor.column"),
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
            if st.form_submit_button(t("users.save_role")):
                auth.update_user(db, username, role=role, area_id=area if role == "respondent" else None,
                                 actor=admin.username)
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
        with st.form("admin-password-form", clear_on_submit=True):
            new_password = st.text_input(t("users.new_password"), type="password", help=t("users.password_rule"))
            if st.form_submit_button(t("users.set_password")):
                auth.set_password(db, username, new_password, actor=admin.username)
                st.success(t("users.password_changed"))
    except YseError as error:
        show_error(error)

with add:
    with st.form("admin-add-user", clear_on_submit=False):
        new_username = st.text_input(t("users.username"))
        display_name = st.text_input(t("users.display_name"))
        email = st.text_input(t("users.email"))
        role = st.selectbox(t("users.role"), auth.ROLES, format_func=lambda r: t(f"role.{r}"), key="add-role")
        area = st.selectbox(t("users.area_for_respondent"), list(areas), format_func=areas.get, key="add-area")
        password = st.text_input(t("users.new_password"), type="password", help=t("users.password_rule"))
        if st.form_submit_button(t("users.add")):
            try:
                auth.add_user(db, new_username.strip(), display_name.strip() or new_username.strip(), password, role,
                              area if role == "respondent" else None, email=email.strip(), actor=admin.username)
                st.success(t("users.added", username=new_username))
            except YseError as error:
                show_error(error)
