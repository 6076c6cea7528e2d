"""Respondent: the pre-discussion questionnaire, one theme at a time, saved as answers change.

Answering is the page's hot path. Each question (but the measures, saved through forms) is a fragment of
its own (``question_fragment``): editing an answer reruns that question only, not the router, the login
component, the indicator panel and the other questions. Its callback reruns the whole page when the save
changed anything else the page shows (``page_signature``: the progress, which questions are visible, the
theme's discussion points), so a first answer, which moves the progress, still redraws everything.
"""

import streamlit as st

from ui.comments_view import group_by_question, render_threads
from ui.document import lazy_expander
from ui.gaps_view import context_points, render_points
from ui.indicators_panel import render_theme_indicators
from ui.questionnaire_form import (
    KEY_PAGE_SIGNATURE,
    KEY_THEME,
    page_signature,
    question_fragment,
    render_history,
    render_question,
    visible_questions,
)
from ui.session import area_name, respondent_round, show_error, t
from ui.session import lang as current_lang
from yse_core.comments import threads as comment_threads
from yse_core.errors import YseError
from yse_core.responses import SubmitIncomplete, progress, submit, theme_saved_at

KEY_THEME_SHOWN = "yse_theme_shown"  # a plain copy of the sidebar radio's value (KEY_THEME)

user, db, round_row, context = respondent_round()
questionnaire, language = context.questionnaire, current_lang()
themes = {theme.id: theme for theme in questionnaire.themes}
# The page's theme lives in a plain key (KEY_THEME_SHOWN); the sidebar radio (KEY_THEME) is only how the user
# changes it. A click arrives as a valid radio value; anything else (a label from before the language changed,
# a radio state Streamlit dropped when reruns overlapped) falls back to the page's theme, or on a session's
# first run to the theme in the address, which survives a reload.
chosen, remembered = st.session_state.get(KEY_THEME), st.session_state.get(KEY_THEME_SHOWN)
theme_id = next((choice for choice in (chosen, remembered, st.query_params.get("teema")) if choice in themes),
                questionnaire.themes[0].id)
theme = themes[theme_id]
st.session_state[KEY_THEME_SHOWN] = theme.id
# Set on every full run, so the radio's value is always sent to the browser: a browser that lost the radio's
# state (under load, reruns overlapping) would otherwise show its first option and send it back as a choice
# (docs/reliability.md, bug 2).
st.session_state[KEY_THEME] = theme.id

st.title(questionnaire.title.get(language))
st.caption(t("q.header", area=area_name(context.area), year=round_row["year"], deadline=round_row["deadline"]))
overall = progress(context)
st.progress(overall["share"], text=t("q.progress", answered=overall["answered"], visible=overall["visible"]))
if not context.writable:
    st.info(t("q.read_only_" + context.response["state"]) if context.response["state"] in ("submitted", "discussed")
            else t("q.round_closed"))
progress_by_theme = {row["theme_id"]: row for row in overall["themes"]}


def theme_caption(theme_id: str) -> str:
    row = progress_by_theme[theme_id]
    done = row["visible"] and row["answered"] == row["visible"]
    return t("q.theme_done" if done else "q.theme_progress", answered=row["answered"], visible=row["visible"])


# The options' labels are the titles only; the progress is in the captions. The browser sends back the label
# of the option it shows: a label carrying the progress would stop matching as soon as an answer moved it.
theme_ids = list(themes)
st.sidebar.radio(t("q.themes"), theme_ids, key=KEY_THEME,
                 format_func=lambda theme_id: themes[theme_id].title.get(language),
                 captions=[theme_caption(theme_id) for theme_id in theme_ids])
st.query_params["teema"] = theme.id
st.header(theme.title.get(language))
if theme.intro:
    st.markdown(theme.intro.get(language))
render_theme_indicators(db, context.area["id"], theme.indicators, context.round)


theme_points = [point for point in context_points(db, context) if point.theme == theme.id]
with st.expander(f"{t('gaps.heading_respondent')} ({len(theme_points)})", expanded=bool(theme_points)):
    st.caption(t("gaps.respondent_help"))
    render_points(theme_points)
if not theme_saved_at(db, user, context)[theme.id]:
    st.caption(t("q.not_saved_yet"))
st.caption(t("q.autosave_note"))
comments_by_question = group_by_question(comment_threads(db, user, context.response["id"], include_resolved=False))
st.session_state[KEY_PAGE_SIGNATURE] = page_signature(db, user, context, theme.id)
for question in visible_questions(context, theme):
    if question.type == "measures":  # saved through forms that redraw the page
        render_question(db, user, context, question, disabled=not context.writable)
    else:  # always a fragment: a widget moved into one on a later run would lose the keyboard focus
        question_fragment(db, user, context, question, not context.writable)
    if question.id in comments_by_question:
        render_threads(db, user, comments_by_question[question.id])

index = theme_ids.index(theme.id)
previous_col, next_col = st.columns(2)
if index > 0:
    previous_col.button(t("q.previous"), key="q-prev", on_click=st.session_state.__setitem__,
                        args=(KEY_THEME, theme_ids[index - 1]))
if index < len(themes) - 1:
    next_col.button(t("q.next"), key="q-next", type="primary", on_click=st.session_state.__setitem__,
                    args=(KEY_THEME, theme_ids[index + 1]))

if (history := lazy_expander(t("q.history"), key=f"q-history-open-{theme.id}")) is not None:
    with history:  # the history is read only when someone looks at it
        render_history(db, user, context, theme)

st.divider()
if context.writable:
    st.subheader(t("q.submit_heading"))
    st.caption(t("q.submit_help"))
    if st.button(t("q.submit"), type="primary", key="q-submit"):
        try:
            submit(db, user, context.response["id"])
            st.success(t("q.submitted"))
            st.rerun()
        except SubmitIncomplete as incomplete:
            st.error(t("q.missing_heading", count=len(incomplete.missing)))
            for missing_theme, missing_question in incomplete.missing:
                label = questionnaire.question(missing_question).text.get(language)
                st.button(f"→ {themes[missing_theme].title.get(language)}: {label}", key=f"jump-{missing_question}",
                          on_click=st.session_state.__setitem__, args=(KEY_THEME, missing_theme))
        except YseError as error:
            show_error(error)
