"""Admin: loaded questionnaire versions and answering rounds; open a new round."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui.session import get_db, lang, require_role, show_error, t
from yse_core.errors import YseError
from yse_core.questionnaire import compare_versions
from yse_core.rounds import get_questionnaire, list_questionnaires, list_rounds, open_round, register_all

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

st.subheader(t("discussion.compare_heading"))
keys = [q["key"] for q in questionnaires]
if len(keys) < 2:
    st.caption(t("discussion.compare_need_two"))
else:
    old_col, new_col = st.columns(2)
    old_key = old_col.selectbox(t("discussion.compare_old"), keys, index=len(keys) - 2, key="compare-old")
    new_key = new_col.selectbox(t("discussion.compare_new"), keys, index=len(keys) - 1, key="compare-new")
    old, new = get_questionnaire(db, old_key), get_questionnaire(db, new_key)
    old_texts, new_texts = ({qid: q.text.get(lang()) for qid, q in version.questions_by_id()} for version in (old, new))
    changes = compare_versions(old, new)
    if not any(changes.values()):
        st.caption(t("discussion.compare_none"))
    for kind, question_ids in changes.items():
        if question_ids:  # each changed id with its text in both versions, side by side
            st.markdown(f"**{t(f'discussion.compare_{kind}')}** ({len(question_ids)})")
            rows = [[qid, old_texts.get(qid, ""), new_texts.get(qid, "")] for qid in question_ids]
            st.dataframe(pd.DataFrame(rows, columns=["id", old_key, new_key]), hide_index=True, width="stretch")
