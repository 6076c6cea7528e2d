"""Admin: loaded questionnaire versions and answering rounds; open a new round."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui.session import get_db, require_role, show_error, t
from yse_core.errors import YseError
from yse_core.rounds import list_questionnaires, list_rounds, open_round, register_all

admin = require_role("admin")
db = get_db()
st.title(t("nav.admin_rounds"))

st.subheader(t("rounds.questionnaires"))
if st.button(t("rounds.reload_questionnaires"), key="rounds-reload"):
    try:
        keys = register_all(db)
        st.success(t("rounds.reloaded", count=len(keys)))
    except YseError as error:
        show_error(error)
questionnaires = list_questionnaires(db)
st.dataframe(
    pd.DataFrame(questionnaires, columns=["key", "file_name", "file_hash", "loaded_at", "rounds"]),
    hide_index=True, width="stretch",
    column_config={"key": t("rounds.version"), "file_name": t("rounds.file"), "file_hash": "SHA-256",
                   "loaded_at": t("rounds.loaded_at"), "rounds": t("rounds.used_by")},
)

st.subheader(t("rounds.rounds"))
rounds = list_rounds(db)
st.dataframe(
    pd.DataFrame(rounds, columns=["year", "questionnaire_key", "opens", "deadline", "state"]),
    hide_index=True, width="stretch",
    column_config={"year": t("rounds.year"), "questionnaire_key": t("rounds.version"), "opens": t("rounds.opens"),
                   "deadline": t("rounds.deadline"), "state": t("rounds.state")},
)

with st.form("open-round"):
    st.markdown(f"**{t('rounds.open_heading')}**")
    year = st.number_input(t("rounds.year"), min_value=2025, max_value=2100,
                           value=max([r["year"] for r in rounds], default=2024) + 1, step=1)
    key = st.selectbox(t("rounds.version"), [q["key"] for q in questionnaires])
    deadline = st.date_input(t("rounds.deadline"), value=dt.date.today() + dt.timedelta(days=28))
    if st.form_submit_button(t("rounds.open")):
        try:
            open_round(db, int(year), key, deadline, actor=admin.username)
            st.success(t("rounds.opened", year=int(year)))
            st.rerun()
        except YseError as error:
            show_error(error)
