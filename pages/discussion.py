"""Discussion record and follow-up items: TEM records them; the area reads the record and updates item status."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui.session import area_name, current_user, get_db, show_error, t
from ui.session import lang as current_lang
from yse_core import discussions, follow_ups
from yse_core.area_registry import list_areas
from yse_core.errors import YseError
from yse_core.formatting import local_time, table_cells
from yse_core.indicators.catalogue import load_catalogue
from yse_core.rounds import get_questionnaire, list_rounds

user, db, language = current_user(), get_db(), current_lang()
is_tem = user.role in discussions.REVIEWER_ROLES
rounds = {r["year"]: r for r in list_rounds(db)}
st.title(t("nav.discussion"))
if not rounds:
    st.info(t("home.no_round"))
    st.stop()
col_area, col_year = st.columns([3, 1])
area_id = user.area_id
if is_tem:
    areas = {a["id"]: a for a in list_areas(db)}
    requested = st.query_params.get("area")
    area_id = col_area.selectbox(t("discussion.area"), list(areas), format_func=lambda a: area_name(areas[a]),
                                 index=list(areas).index(requested) if requested in areas else 0, key="discussion-area")
    st.query_params["area"] = area_id
year = col_year.selectbox(t("discussion.round"), list(rounds), key="discussion-year")
questionnaire = get_questionnaire(db, rounds[year]["questionnaire_key"])
record = discussions.get_discussion(db, user, year, area_id)
items = follow_ups.follow_ups(db, user, year, area_id)
carried = follow_ups.carried_follow_ups(db, user, year, area_id)
note_titles = {discussions.GENERAL_NOTES: t("discussion.notes_general"), **{th.id: th.title.get(language) for th in questionnaire.themes}}
if carried:  # last round's items are asked about in this round's questionnaire: a place for notes on them
    note_titles[follow_ups.FOLLOW_UP_THEME_ID] = t("discussion.notes_previous")
labels = {**{s: t(f"discussion.status_{s}") for s in follow_ups.STATUSES}, **{o: t(f"discussion.owner_{o}") for o in discussions.OWNER_SIDES}}


def day(iso: str | None) -> str:
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else "–"


st.subheader(t("discussion.record_heading"))
if is_tem:
    saved, key = record or {"notes": {}, "held_on": dt.date.today().isoformat()}, f"discussion-{year}-{area_id}"
    with st.form(key):
        held_on = st.date_input(t("discussion.held_on"), dt.date.fromisoformat(saved["held_on"]), format="DD.MM.YYYY", key=f"{key}-held")
        participants = st.text_area(t("discussion.participants"), value=saved.get("participants") or "",
                                    help=t("discussion.participants_help"), key=f"{key}-participants")
        notes = {i: st.text_area(title, value=saved["notes"].get(i, ""), key=f"{key}-note-{i}") for i, title in note_titles.items()}
        needed = st.checkbox(t("discussion.follow_up_needed"), value=bool(saved.get("follow_up_needed")), key=f"{key}-needed")
        follow_up_date = st.date_input(t("discussion.follow_up_date"), format="DD.MM.YYYY", key=f"{key}-date",
                                       value=dt.date.fromisoformat(saved["follow_up_date"]) if saved.get("follow_up_date") else None)
        topics = st.text_area(t("discussion.follow_up_notes"), value=saved.get("follow_up_notes") or "", key=f"{key}-topics")
        if st.form_submit_button(t("discussion.save"), type="primary"):
            try:
                discussions.record_discussion(db, user, year, area_id, held_on=held_on, participants=participants, notes=notes,
                                              follow_up_needed=needed, follow_up_date=follow_up_date if needed else None,
                                              follow_up_notes=topics)
                st.success(t("discussion.saved"))
            except YseError as error:
                show_error(error)
elif record is None:
    st.info(t("discussion.not_recorded"))
else:  # the area's read-only view: plain text, never Markdown
    date_text = day(record["follow_up_date"]) if record["follow_up_date"] else t("discussion.date_open")
    st.text("\n\n".join([
        f"{t('discussion.held_on')}: {day(record['held_on'])}", f"{t('discussion.participants')}:\n{record['participants']}",
        *(f"{title}:\n{record['notes'][i]}" for i, title in note_titles.items() if record["notes"].get(i)),
        t("discussion.follow_up_yes", date=date_text) if record["follow_up_needed"] else t("discussion.follow_up_no"),
        record["follow_up_notes"] or ""]))
    st.caption(t("discussion.recorded_by", who=record["recorded_by"], when=local_time(record["recorded_at"])))

st.subheader(t("discussion.items_heading"))
if not items:
    st.caption(t("discussion.items_none"))
else:
    columns = [t(f"discussion.item_{c}") for c in ("body", "owner_side", "owner", "due", "status", "question", "indicator", "updated")]
    st.dataframe(table_cells(pd.DataFrame([[i["body"], labels[i["owner_side"]], i["owner"], day(i["due"]), labels[i["status"]],
                                            i["question_id"], i["indicator_code"], local_time(i["updated_at"])] for i in items],
                                          columns=columns)), hide_index=True, width="stretch")
    st.markdown(f"**{t('discussion.item_status_heading')}**")
    for item in items:
        text_col, status_col = st.columns([3, 1])
        text_col.text(item["body"])
        chosen = status_col.selectbox(t("discussion.item_status"), follow_ups.STATUSES, key=f"follow-up-status-{item['id']}",
                                      index=follow_ups.STATUSES.index(item["status"]), label_visibility="collapsed",
                                      format_func=labels.get)
        if chosen != item["status"]:
            try:
                discussions.update_follow_up(db, user, item["id"], status=chosen)
                st.rerun()
            except YseError as error:
                show_error(error)

if is_tem:
    indicators = load_catalogue()
    with st.expander(t("discussion.item_add"), expanded=not items), st.form(f"follow-up-new-{year}-{area_id}", clear_on_submit=True):
        body = st.text_area(t("discussion.item_body"), key="follow-up-body")
        side = st.radio(t("discussion.item_owner_side"), discussions.OWNER_SIDES, horizontal=True, key="follow-up-side",
                        format_func=labels.get)
        owner = st.text_input(t("discussion.item_owner"), key="follow-up-owner")
        due = st.date_input(t("discussion.item_due"), value=None, format="DD.MM.YYYY", key="follow-up-due")
        status = st.selectbox(t("discussion.item_status"), follow_ups.STATUSES, key="follow-up-new-status", format_func=labels.get)
        question_id = st.selectbox(t("discussion.item_question"), [q.id for _, q in questionnaire.questions()], index=None,
                                   placeholder=t("discussion.choose"), key="follow-up-question",
                                   format_func=lambda q: questionnaire.question(q).text.get(language)[:100])
        code = st.selectbox(t("discussion.item_indicator"), indicators.codes(), index=None, placeholder=t("discussion.choose"),
                            key="follow-up-indicator", format_func=lambda c: f"{indicators.get(c).name.get(language)} ({c})")
        if st.form_submit_button(t("discussion.item_add"), type="primary"):
            try:
                discussions.add_follow_up(db, user, year, area_id, body, side, owner, due, question_id, code, status=status)
                st.rerun()  # the new row in the table above is the confirmation
            except YseError as error:
                show_error(error)
