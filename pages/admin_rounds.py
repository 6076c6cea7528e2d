"""Admin: loaded questionnaire versions and answering rounds; a round's statistics month and its texts for the
discussion slides; open a new round."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui.round_period import DEFAULT_MONTH, month_label, month_text, period_option
from ui.session import get_db, lang, require_role, show_error, t
from yse_core.errors import YseError
from yse_core.formatting import local_time, table_cells
from yse_core.i18n import LANGUAGE_NAMES, LANGUAGES
from yse_core.questionnaire import compare_versions
from yse_core.retention import remove_old_rounds, rounds_past
from yse_core.round_texts import KINDS, round_texts, set_round_text
from yse_core.rounds import (
    default_reference_period,
    get_questionnaire,
    list_questionnaires,
    list_rounds,
    open_round,
    register_all,
    set_reference_period,
    statistics_month,
    statistics_months,
)
from yse_core.statements import retention_years

KEY_NOTICE = "rounds_notice"  # (section, text): the last change's confirmation, shown once by its button

admin = require_role("admin")
db = get_db()
st.title(t("nav.admin_rounds"))
notice = st.session_state.pop(KEY_NOTICE, (None, None))


def apply_change(section: str, change) -> None:
    """Run ``change()`` (it returns the confirmation text); keep the text for its section and rerun, or show the error."""
    try:
        st.session_state[KEY_NOTICE] = (section, change())
        st.rerun()
    except YseError as error:
        show_error(error)


def show_confirmation(section: str) -> None:
    if notice[0] == section:
        st.success(notice[1])


st.subheader(t("rounds.questionnaires"))
if st.button(t("rounds.reload_questionnaires"), key="rounds-reload"):
    try:
        keys = register_all(db)
        st.success(t("rounds.reloaded", count=len(keys)))
    except YseError as error:
        show_error(error)
questionnaires = list_questionnaires(db)
st.dataframe(
    table_cells(pd.DataFrame([{**q, "loaded_at": local_time(q["loaded_at"])} for q in questionnaires],
                             columns=["key", "file_name", "file_hash", "loaded_at", "rounds"])),
    hide_index=True, width="stretch",
    column_config={"key": t("rounds.version"), "file_name": t("rounds.file"), "file_hash": "SHA-256",
                   "loaded_at": t("rounds.loaded_at"), "rounds": t("rounds.used_by")},
)

st.subheader(t("rounds.rounds"))
rounds = list_rounds(db)
months = {r["year"]: statistics_month(db, r) for r in rounds}
st.dataframe(
    table_cells(pd.DataFrame([{**r, "state": t(f"rounds.state.{r['state']}"), "statistics_month": month_label(months[r["year"]])}
                              for r in rounds],
                             columns=["year", "questionnaire_key", "opens", "deadline", "state", "statistics_month"])),
    hide_index=True, width="stretch",
    column_config={"year": t("rounds.year"), "questionnaire_key": t("rounds.version"), "opens": t("rounds.opens"),
                   "deadline": t("rounds.deadline"), "state": t("rounds.state"),
                   "statistics_month": t("rounds.statistics_month")},
)
available = statistics_months(db)

if rounds:
    st.markdown(f"**{t('rounds.period_heading')}**")
    st.caption(t("rounds.period_help"))
    round_col, month_col = st.columns(2)
    chosen_year = round_col.selectbox(t("rounds.round"), list(months), key="period-round")
    chosen = next(r["reference_period"] for r in rounds if r["year"] == chosen_year) or DEFAULT_MONTH
    options = [DEFAULT_MONTH, *sorted({*available, chosen} - {DEFAULT_MONTH}, reverse=True)]
    new_period = month_col.selectbox(
        t("rounds.statistics_month"), options, index=options.index(chosen), key=f"period-month-{chosen_year}",
        format_func=lambda period: period_option(period, months[chosen_year]["default"]))
    def save_period() -> str:
        row = set_reference_period(db, chosen_year, new_period or None, actor=admin.username, lang=lang())
        return t("rounds.period_reset" if not new_period else "rounds.period_saved",
                 year=chosen_year, month=month_text(statistics_month(db, row)["period"]))

    if st.button(t("rounds.period_save"), key="period-save", disabled=new_period == chosen):
        apply_change("period", save_period)
    show_confirmation("period")

    st.markdown(f"**{t('slides.texts_heading')}**")
    st.caption(t("slides.texts_help"))
    text_col, language_col = st.columns(2)
    text_year = text_col.selectbox(t("rounds.round"), list(months), key="texts-round")
    text_lang = language_col.radio(t("slides.texts_language"), LANGUAGES, format_func=LANGUAGE_NAMES.get,
                                   horizontal=True, key="texts-language")
    stored = round_texts(db, text_year)
    with st.form(f"texts-form-{text_year}-{text_lang}"):
        bodies = {kind: st.text_area(t(f"slides.kind_{kind}"), stored.get(kind, {}).get(text_lang, ""),
                                     height=90 if kind == "source" else 200, key=f"texts-{text_year}-{text_lang}-{kind}")
                  for kind in KINDS}
        def save_texts() -> str:
            for kind, body in bodies.items():
                set_round_text(db, admin, text_year, kind, text_lang, body)
            return t("slides.texts_saved", year=text_year, language=LANGUAGE_NAMES[text_lang])

        if st.form_submit_button(t("slides.texts_save")):
            apply_change("texts", save_texts)
    show_confirmation("texts")

st.markdown(f"**{t('rounds.open_heading')}**")
year = st.number_input(t("rounds.year"), min_value=2025, max_value=2100,
                       value=max([r["year"] for r in rounds], default=2024) + 1, step=1, key="open-year")
key = st.selectbox(t("rounds.version"), [q["key"] for q in questionnaires], key="open-questionnaire")
deadline = st.date_input(t("rounds.deadline"), value=dt.date.today() + dt.timedelta(days=28), key="open-deadline")
open_default = default_reference_period(db, deadline.isoformat())
period = st.selectbox(t("rounds.statistics_month"), [DEFAULT_MONTH, *available], key="open-period",
                      format_func=lambda period: period_option(period, open_default))


def open_new_round() -> str:
    row = open_round(db, int(year), key, deadline, reference_period=period or None, actor=admin.username, lang=lang())
    return " ".join([t("rounds.opened", year=row["year"]),
                     t("rounds.opened_month", month=month_label(statistics_month(db, row)))])


if st.button(t("rounds.open"), key="open-round", type="primary"):
    apply_change("open", open_new_round)
show_confirmation("open")

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
            st.dataframe(table_cells(pd.DataFrame(rows, columns=["id", old_key, new_key])), hide_index=True, width="stretch")

st.subheader(t("retention.heading"))
retention = retention_years(db)
past = rounds_past(db, retention) if retention else []
still_open = [str(row["year"]) for row in past if row["state"] == "open"]
if retention is None:
    st.info(t("retention.unset"))
else:
    st.markdown(t("retention.explain", years=retention))
    if not past:
        st.caption(t("retention.none_due"))
    elif still_open:
        st.warning(t("retention.error.open_round", years=", ".join(still_open)))
    else:
        for planned in remove_old_rounds(db, admin, retention, ".", dry_run=True):
            st.markdown("- " + t("retention.due", year=planned.year, answers=planned.rows["answers"],
                                   comments=planned.rows["comments"], follow_ups=planned.rows["follow_ups"]))
        folder = st.text_input(t("retention.folder"), key="retention-folder")
        confirmed = st.checkbox(t("retention.confirm"), key="retention-confirm")
        if st.button(t("retention.remove"), key="retention-remove", disabled=not (confirmed and folder.strip())):
            apply_change("retention", lambda: " ".join(
                t("retention.removed", year=removed.year, files=", ".join(removed.files))
                for removed in remove_old_rounds(db, admin, retention, folder.strip())))
show_confirmation("retention")
