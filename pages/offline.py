"""Respondent: fill the questionnaire offline in Excel — download the template, upload it, confirm the changes."""

import re

import pandas as pd
import streamlit as st

from ui.session import area_name, respondent_round, show_error, t
from ui.session import lang as current_lang
from yse_core.errors import YseError
from yse_core.formatting import table_cells
from yse_core.offline import XLSX_MIME, TemplateError, apply_template, preview_changes, read_template, template_xlsx

KEY_UPLOAD_GENERATION = "offline_upload_generation"  # bumped after applying, to empty the uploader
KEY_APPLIED = "offline_applied"  # how many answers the last apply changed, shown once

user, db, round_row, context = respondent_round("offline.no_round")
year, area_id, language = round_row["year"], user.area_id, current_lang()

st.title(t("nav.offline"))
st.caption(t("offline.header", area=area_name(context.area), year=year, deadline=round_row["deadline"]))
st.markdown(t("offline.intro"))

st.subheader(t("offline.download_heading"))
st.caption(t("offline.download_help"))
st.download_button(
    t("offline.download"), data=template_xlsx(db, user, year, area_id, language), file_name=f"yse-{year}-{area_id}.xlsx",
    mime=XLSX_MIME, on_click="ignore", icon=":material/download:", key="offline-download",
)

st.subheader(t("offline.upload_heading"))
applied = st.session_state.pop(KEY_APPLIED, None)
if applied is not None:
    st.success(t("offline.applied", count=applied))
if not context.writable:
    st.info(t("offline.read_only"))
generation = st.session_state.setdefault(KEY_UPLOAD_GENERATION, 0)
upload = st.file_uploader(t("offline.upload"), type=["xlsx"], disabled=not context.writable, key=f"offline-upload-{generation}")
if upload is None or not context.writable:
    st.stop()

try:
    values = read_template(db, user, year, area_id, upload.getvalue(), language)
    changes = preview_changes(db, user, year, area_id, values, language)
except TemplateError as error:
    # Problems quote the file's cells: escaped, so that a cell's text is shown, never read as Markdown.
    escaped = (re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~$])", r"\\\1", problem) for problem in error.problem_texts(language))
    st.error(error.summary(language) + "\n\n" + "\n".join(f"- {problem}" for problem in escaped))
    st.stop()
except YseError as error:
    show_error(error)
    st.stop()

if not changes:
    st.info(t("offline.no_changes"))
    st.stop()
st.markdown(f"**{t('offline.preview_heading')}**")
st.dataframe(
    table_cells(pd.DataFrame(changes)), hide_index=True, column_order=["question", "current", "new"],
    column_config={"question": t("offline.preview_question"), "current": t("offline.preview_current"),
                   "new": t("offline.preview_new")},
)
st.caption(t("offline.nothing_saved"))
if st.button(t("offline.apply", count=len(changes)), type="primary", key="offline-apply"):
    try:
        result = apply_template(db, user, year, area_id, {change["question_id"]: values[change["question_id"]] for change in changes},
                                language)
    except YseError as error:
        show_error(error)
    else:
        st.session_state[KEY_APPLIED] = result["changed"]
        st.session_state[KEY_UPLOAD_GENERATION] = generation + 1
        st.rerun()
