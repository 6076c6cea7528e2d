"""Reviewer: the 45 areas of a round — state, share answered, last change, submission, open clarifications."""

import pandas as pd
import streamlit as st

from ui.questionnaire_form import local_time
from ui.session import get_db, require_role, t
from yse_core.responses import round_overview
from yse_core.rounds import list_rounds

user = require_role("reviewer", "admin")
db = get_db()
st.title(t("nav.round_overview"))
rounds = list_rounds(db)
if not rounds:
    st.info(t("home.no_round"))
    st.stop()
year_col, own_col, state_col = st.columns([1, 1, 2])
year = year_col.selectbox(t("rounds.year"), [r["year"] for r in rounds], key="overview-year")
own_only = own_col.toggle(t("overview.own_only"), value=user.is_reviewer, key="overview-own")
states = ["draft", "reopened", "submitted", "discussed"]
chosen_states = state_col.multiselect(t("overview.states"), states, default=states, format_func=lambda s: t(f"state.{s}"),
                                      key="overview-states")
rows = [row for row in round_overview(db, user, year, own_only=own_only) if row["state"] in chosen_states]

submitted = sum(1 for row in rows if row["state"] in ("submitted", "discussed"))
metrics = st.columns(3)
metrics[0].metric(t("overview.areas"), len(rows))
metrics[1].metric(t("overview.submitted"), submitted)
metrics[2].metric(t("overview.open_clarifications"), sum(row["open_clarifications"] for row in rows))

frame = pd.DataFrame(
    [{
        "area": row["name_fi"] + ("" if row["membership_verified"] else " †"),
        "state": t(f"state.{row['state']}"),
        "share": row["share"],
        "answered": f"{row['answered']}/{row['visible']}",
        "last_change": local_time(row["last_answer_at"]) if row["last_answer_at"] else "–",
        "submitted_at": local_time(row["submitted_at"]) if row["submitted_at"] else "–",
        "clarifications": row["open_clarifications"],
        "link": f"alue?area={row['area_id']}",
    } for row in rows],
    columns=["area", "state", "share", "answered", "last_change", "submitted_at", "clarifications", "link"],
)
st.dataframe(
    frame, hide_index=True, width="stretch",
    column_config={
        "area": t("overview.area"), "state": t("home.state"),
        "share": st.column_config.ProgressColumn(t("overview.share"), min_value=0.0, max_value=1.0, format="percent"),
        "answered": t("overview.answered"), "last_change": t("overview.last_change"),
        "submitted_at": t("overview.submitted_at"), "clarifications": t("overview.open_clarifications"),
        "link": st.column_config.LinkColumn(t("overview.open"), display_text=t("overview.open")),
    },
)
st.caption(t("overview.unverified_note"))
