"""Reviewer: one area's response, read-only, theme by theme; reopen a submitted response."""

import streamlit as st

from ui.comments_view import group_by_question, render_new_comment_form, render_threads
from ui.gaps_view import SEVERITY_MARK, context_points, render_points
from ui.indicators_panel import render_theme_indicators
from ui.questionnaire_form import render_readonly_answer, visible_questions
from ui.session import area_name, get_db, require_role, show_error, t
from ui.session import lang as current_lang
from yse_core.area_registry import list_areas
from yse_core.comments import threads as comment_threads
from yse_core.errors import YseError
from yse_core.formatting import local_time
from yse_core.responses import load_context, progress, reopen
from yse_core.rounds import list_rounds

user = require_role("reviewer", "admin")
db = get_db()
language = current_lang()
rounds = list_rounds(db)
if not rounds:
    st.info(t("home.no_round"))
    st.stop()
areas = {a["id"]: a for a in list_areas(db)}
area_ids = list(areas)
requested = st.query_params.get("area")
col_area, col_year = st.columns([3, 1])
area_id = col_area.selectbox(t("overview.area"), area_ids, format_func=lambda a: area_name(areas[a]),
                             index=area_ids.index(requested) if requested in areas else 0, key="view-area")
st.query_params["area"] = area_id
year = col_year.selectbox(t("rounds.year"), [r["year"] for r in rounds], key="view-year")
context = load_context(db, user, year, area_id)

st.title(area_name(context.area))
if not context.area["membership_verified"]:
    st.caption(":material/info: " + t("area.membership_unverified"))
overall = progress(context)
state = context.response["state"]
st.write(t("view.state_line", state=t(f"state.{state}"), answered=overall["answered"], visible=overall["visible"],
           updated=local_time(context.response["updated_at"])))
if state in ("submitted", "discussed"):
    with st.form("reopen-form"):
        reason = st.text_input(t("view.reopen_reason"))
        if st.form_submit_button(t("view.reopen")):
            try:
                reopen(db, user, context.response["id"], reason)
                st.success(t("view.reopened"))
                st.rerun()
            except YseError as error:
                show_error(error)

response_id = context.response["id"]
comments_by_question = group_by_question(comment_threads(db, user, response_id))
with st.expander(t("comments.whole_response") + (f" ({len(comments_by_question.get(None, []))})" if None in comments_by_question else "")):
    render_threads(db, user, comments_by_question.get(None, []))
    render_new_comment_form(db, user, response_id, None, "whole")

points = context_points(db, context)  # figures cached per data stamp
for theme in context.questionnaire.themes:
    questions = visible_questions(context, theme)
    theme_points = [point for point in points if point.theme == theme.id]
    marker = SEVERITY_MARK[max((point.rank for point in theme_points), default=0)]
    expander = st.expander(f"{marker}{theme.title.get(language)}", expanded=st.query_params.get("teema") == theme.id,
                           key=f"view-open-{area_id}-{year}-{theme.id}", on_change="rerun")
    if not expander.open:  # a closed theme costs nothing: its answers, figures and forms are drawn when opened
        continue
    with expander:
        answers_col, side_col = st.columns([3, 2])
        with side_col:
            st.markdown(f"**{t('gaps.heading')}**")
            render_points(theme_points)
            st.markdown(f"**{t('gaps.indicators')}**")
            render_theme_indicators(db, area_id, theme.indicators, context.round)
        answers_col.markdown(f"**{t('gaps.answers')}**")
        with answers_col:
            for question in questions:
                answer = context.answers.get(question.id)
                render_readonly_answer(question, answer.value if answer else None)
                if answer:
                    st.caption(t("view.answered_by", who=answer.updated_by, when=local_time(answer.updated_at)))
                render_threads(db, user, comments_by_question.get(question.id, []))
        st.divider()
        chosen = st.selectbox(t("comments.on_question"), [q.id for q in questions], key=f"comment-q-{theme.id}",
                              format_func=lambda qid: context.questionnaire.question(qid).text.get(language)[:100])
        render_new_comment_form(db, user, response_id, chosen, theme.id)
