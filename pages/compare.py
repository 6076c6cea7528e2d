"""Reviewer: one question across all areas — distribution, measures by target group, free texts side by side."""

import pandas as pd
import streamlit as st

from ui.questionnaire_form import format_value
from ui.session import area_name, reviewer_rounds, t
from ui.session import lang as current_lang
from yse_core.compare import (
    answers_across_areas,
    compare_years,
    distribution,
    distribution_figure,
    measures_by_target_group,
    round_questions,
    search_text,
)
from yse_core.formatting import table_cells
from yse_core.questionnaire import MEASURE_FIELDS

user, db, rounds = reviewer_rounds("nav.compare")
language = current_lang()
year_col, question_col = st.columns([1, 4])
year = year_col.selectbox(t("rounds.year"), [r["year"] for r in rounds], key="compare-year")
questions = dict((q.id, q) for _, q in round_questions(db, year))
question_id = question_col.selectbox(t("compare.question"), list(questions), key="compare-question",
                                     format_func=lambda qid: questions[qid].text.get(language))
question = questions[question_id]
rows = answers_across_areas(db, user, year, question_id)
answered = sum(1 for row in rows if row["value"] is not None)
st.caption(t("compare.answered", answered=answered, total=len(rows)))

if question.type in ("yes_no", "single", "multi", "scale"):
    counts = distribution(question, rows)
    labels = {row["value"]: format_value(question, row["value"]) for row in counts}
    st.plotly_chart(distribution_figure(counts, labels, question.text.get(language)), width="stretch")
    with st.expander(t("compare.table_alternative")):
        st.dataframe(table_cells(pd.DataFrame([{t("compare.answer"): labels[c["value"]], t("compare.count"): c["count"]}
                                               for c in counts])), hide_index=True)
elif question.type == "measures":
    groups = MEASURE_FIELDS["target_groups"].options
    st.dataframe(table_cells(pd.DataFrame([{t("compare.group"): groups[r["group"]].get(language) if r["group"] in groups else r["group"],
                                            t("compare.measures"): r["measures"], t("compare.areas"): r["areas"]}
                                           for r in measures_by_target_group(rows)])), hide_index=True)
if question.type in ("text", "long_text"):
    needle = st.text_input(t("compare.search"), key="compare-search")
    rows = search_text(rows, needle)
st.dataframe(
    table_cells(pd.DataFrame([{t("overview.area"): area_name(row), t("home.state"): t(f"state.{row['state']}"),
                               t("compare.answer"): format_value(question, row["value"])} for row in rows])),
    hide_index=True, width="stretch",
    column_config={t("compare.answer"): st.column_config.TextColumn(width="large")},
)

if len(rounds) > 1:
    st.subheader(t("compare.years_heading"))
    by_area: dict[str, dict] = {}
    for row in compare_years(db, user, question_id):
        by_area.setdefault(row["area_name_sv" if language == "sv" else "area_name_fi"], {})[str(row["round_year"])] = \
            format_value(question, row["value"])
    if by_area:
        st.dataframe(table_cells(pd.DataFrame.from_dict(by_area, orient="index").sort_index(axis=1)), width="stretch")
    else:
        st.caption(t("compare.years_none"))
