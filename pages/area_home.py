"""Respondent: the area's home — round, deadline, progress per theme, TEM contacts, what needs attention."""

import datetime as dt

import streamlit as st

from ui.comments_view import render_threads
from ui.gaps_view import render_points
from ui.questionnaire_form import KEY_THEME
from ui.session import area_name, respondent_round, t
from ui.session import lang as current_lang
from yse_core.area_registry import area_municipalities
from yse_core.auth import area_contacts
from yse_core.comments import threads as comment_threads
from yse_core.formatting import local_time
from yse_core.gaps.service import points_for_area
from yse_core.responses import progress

user, db, round_row, context = respondent_round()
language = current_lang()
area = context.area

st.title(area_name(area))
if not area["membership_verified"]:
    st.caption(":material/info: " + t("area.membership_unverified"))
with st.expander(t("area.municipalities")):
    st.write(", ".join(m["name_sv" if language == "sv" else "name_fi"] for m in area_municipalities(db, area["id"])))

deadline = dt.date.fromisoformat(round_row["deadline"])
days_left = (deadline - dt.date.today()).days
state = context.response["state"]
col_round, col_deadline, col_state = st.columns(3)
col_round.metric(t("home.round"), round_row["year"])
col_deadline.metric(t("home.deadline"), deadline.strftime("%d.%m.%Y"),
                    t("home.days_left", days=days_left) if days_left >= 0 else t("home.deadline_passed"),
                    delta_color="off")
col_state.metric(t("home.state"), t(f"state.{state}"))

overall = progress(context)
st.subheader(t("home.progress"))
st.progress(overall["share"], text=t("q.progress", answered=overall["answered"], visible=overall["visible"]))
themes = {theme.id: theme for theme in context.questionnaire.themes}
for row in overall["themes"]:
    title = themes[row["theme_id"]].title.get(language)
    share = row["answered"] / row["visible"] if row["visible"] else 1.0
    left, right = st.columns([4, 1])
    left.progress(share, text=f"{title} — {row['answered']}/{row['visible']}"
                  + (f" · {t('home.required_missing', count=row['required_missing'])}" if row["required_missing"] else ""))
    if right.button(t("home.open_theme"), key=f"open-{row['theme_id']}"):
        st.session_state[KEY_THEME] = row["theme_id"]
        st.switch_page("pages/questionnaire.py")

st.subheader(t("home.attention"))
attention = []
required_missing = sum(row["required_missing"] for row in overall["themes"])
if state in ("draft", "reopened") and required_missing:
    attention.append(t("home.attention_required", count=required_missing))
if state in ("draft", "reopened") and not required_missing:
    attention.append(t("home.attention_ready"))
if state == "reopened":
    attention.append(t("home.attention_reopened"))
clarifications = sum(1 for c in comment_threads(db, user, context.response["id"], include_resolved=False)
                     if c["needs_clarification"] and c["status"] == "open")
if clarifications:
    attention.append(t("home.attention_clarifications", count=clarifications))
if 0 <= days_left <= 7 and state in ("draft", "reopened"):
    attention.append(t("home.attention_deadline", days=days_left))
for item in attention or [t("home.attention_none")]:
    st.markdown(f"- {item}")
if context.response["submitted_at"]:
    st.caption(t("home.submitted_at", when=local_time(context.response["submitted_at"]),
                 who=context.response["submitted_by"]))

st.subheader(t("gaps.heading_respondent"))
st.caption(t("gaps.respondent_help"))
render_points(points_for_area(db, round_row["year"], area["id"], user))

st.subheader(t("comments.heading"))
open_threads = comment_threads(db, user, context.response["id"], include_resolved=False)
if open_threads:
    for thread in open_threads:
        if thread["question_id"]:
            st.markdown(f"**{context.questionnaire.question(thread['question_id']).text.get(language)}**")
    render_threads(db, user, open_threads)
else:
    st.caption(t("comments.none_open"))

st.subheader(t("area.contacts"))
contacts = area_contacts(db, area["id"])
if contacts:
    for contact in contacts:
        st.markdown(f"- {contact['display_name']}" + (f" · {contact['email']}" if contact["email"] else ""))
else:
    st.caption(t("area.no_contacts"))
