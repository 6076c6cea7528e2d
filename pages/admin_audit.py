"""Admin: the audit log, filterable by user, action and date."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui.session import get_db, require_role, t
from yse_core import audit
from yse_core.formatting import local_time, table_cells

require_role("admin")
db = get_db()
st.title(t("nav.admin_audit"))

col_user, col_action, col_since = st.columns(3)
username = col_user.text_input(t("audit.user"), key="audit-user").strip() or None
action = col_action.selectbox(t("audit.action"), audit.actions(db), index=None, placeholder=t("audit.all_actions"),
                              key="audit-action")
since = col_since.date_input(t("audit.since"), value=dt.date.today() - dt.timedelta(days=30), format="DD.MM.YYYY",
                             key="audit-since")
rows = audit.events(db, username=username, action=action, since=since.isoformat())
st.caption(t("audit.count", count=len(rows)))
st.dataframe(
    table_cells(pd.DataFrame([{**row, "at": local_time(row["at"])} for row in rows],
                             columns=["at", "username", "action", "target", "details"])),
    hide_index=True, width="stretch",
    column_config={"at": t("audit.at_local"), "username": t("audit.user"), "action": t("audit.action"),
                   "target": t("audit.target"), "details": t("audit.details")},
)
