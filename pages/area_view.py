"""Reviewer: one area's dossier, read top to bottom and printable; ``?area=`` picks the area, ``?teema=`` a theme.

Sections (``ui.dossier``): key figures against the country and the peer group, discussion points by severity,
the answers theme by theme, comments and open clarifications, last round's follow-up items.
"""

import streamlit as st

from ui import dossier
from ui.comments_view import group_by_question
from ui.gaps_view import context_points
from ui.session import area_name, reviewer_rounds, show_error, t
from ui.session import lang as current_lang
from yse_core.area_registry import list_areas
from yse_core.comments import threads as comment_threads
from yse_core.errors import YseError
from yse_core.formatting import local_time
from yse_core.indicators.situation import period_caption
from yse_core.responses import load_context, progress, reopen
from yse_core.rounds import reference_period

user, db, rounds = reviewer_rounds()
language = current_lang()
areas = {a["id"]: a for a in list_areas(db)}
area_ids = list(areas)
requested = st.query_params.get("area")
with st.container(key="screen-only-choice"):
    col_area, col_year = st.columns([3, 1])
    area_id = col_area.selectbox(t("overview.area"), area_ids, format_func=lambda a: area_name(areas[a]),
                                 index=area_ids.index(requested) if requested in areas else 0, key="view-area")
    year = col_year.selectbox(t("rounds.year"), [r["year"] for r in rounds], key="view-year")
st.query_params["area"] = area_id
context = load_context(db, user, year, area_id)
dossier.print_style()

st.title(area_name(context.area))
month = period_caption([], language, reference=reference_period(db, context.round), round_year=year)
st.caption(" · ".join(part for part in (t("dossier.round_line", year=year), month) if part))
if not context.area["membership_verified"]:
    st.caption(":material/info: " + t("area.membership_unverified"))
overall = progress(context)
state = context.response["state"]
st.write(t("view.state_line", state=t(f"state.{state}"), answered=overall["answered"], visible=overall["visible"],
           updated=local_time(context.response["updated_at"])))
st.caption(t("dossier.intro"))
with st.container(key="screen-only-print-hint"):
    st.caption(":material/print: " + t("dossier.print_hint"))
if state in ("submitted", "discussed"):
    with st.container(key="screen-only-reopen"), st.form("reopen-form"):
        reason = st.text_input(t("view.reopen_reason"))
        if st.form_submit_button(t("view.reopen")):
            try:
                reopen(db, user, context.response["id"], reason)
                st.success(t("view.reopened"))
                st.rerun()
            except YseError as error:
                show_error(error)

themes = {theme.id: theme for theme in dossier.answer_themes(context)}
chosen_theme = st.query_params.get("teema")
if chosen_theme in themes:  # a heat-map cell's link: say where it opened, and go there once
    st.container(key="screen-only-jump").info(t("dossier.jump_to", theme=themes[chosen_theme].title.get(language), anchor=dossier.theme_anchor(chosen_theme)),
            icon=":material/my_location:")
    dossier.scroll_to_theme(area_id, chosen_theme)

dossier.key_figures_section(db, context, areas)
points = context_points(db, context)  # figures cached per data stamp (a spinner while they are read)
dossier.points_section(points, context)
threads = comment_threads(db, user, context.response["id"])
dossier.answers_section(db, user, context, points, group_by_question(threads))
dossier.comments_section(db, user, context, threads)
dossier.follow_ups_section(db, user, context)
