"""Reviewer: the areas of a round — state, progress, clarifications, and a heat map of discussion points."""

import pandas as pd
import streamlit as st

from ui import heatmap_view
from ui.document import lazy_expander
from ui.gaps_view import SEVERITY_MARK, round_points
from ui.heatmap_view import heatmap_frame, heatmap_html, theme_label
from ui.session import area_name, reviewer_rounds, t
from ui.session import lang as current_lang
from yse_core.formatting import local_time, table_cells
from yse_core.gaps.heatmap import area_summary, heat_grid
from yse_core.indicators.situation import period_caption
from yse_core.responses import round_overview
from yse_core.rounds import get_questionnaire, reference_period

user, db, rounds = reviewer_rounds("nav.round_overview")
language = current_lang()
year_col, own_col, region_col, severity_col = st.columns([1, 1, 2, 1])
year = year_col.selectbox(t("rounds.year"), [r["year"] for r in rounds], key="overview-year")
own_only = own_col.toggle(t("overview.own_only"), value=user.is_reviewer, key="overview-own")
all_rows = round_overview(db, user, year, own_only=own_only)
region = region_col.selectbox(t("gaps.region"), sorted({r["region"] for r in all_rows}), index=None,
                              placeholder=t("gaps.all_regions"), key="overview-region")
min_level = severity_col.selectbox(t("gaps.min_severity"), [0, 1, 2, 3], key="overview-severity",
                                   format_func=lambda level: SEVERITY_MARK[level] + (t("gaps.severity_" + {1: "info", 2: "medium", 3: "high"}[level]) if level else t("gaps.none")))
states = ["draft", "reopened", "submitted", "discussed"]
chosen_states = st.multiselect(t("overview.states"), states, default=states, format_func=lambda s: t(f"state.{s}"),
                               key="overview-states")
themes = get_questionnaire(db, next(r for r in rounds if r["year"] == year)["questionnaire_key"]).themes
grid = heat_grid(round_points(db, user, year), themes)
cells = {(cell.area_id, cell.theme): cell for cell in grid}
summary = area_summary(grid)  # area id → (most severe level, number of points)
rows = [row for row in all_rows if row["state"] in chosen_states and (region is None or row["region"] == region)
        and summary.get(row["area_id"], (0, 0))[0] >= min_level]

metrics = st.columns(4)
metrics[0].metric(t("overview.areas"), len(rows))
metrics[1].metric(t("overview.submitted"), sum(1 for row in rows if row["state"] in ("submitted", "discussed")))
metrics[2].metric(t("overview.open_clarifications"), sum(row["open_clarifications"] for row in rows))
metrics[3].metric(t("gaps.severity_high"), sum(1 for row in rows if summary.get(row["area_id"], (0, 0))[0] == 3))

st.subheader(t("gaps.heatmap"))
st.caption(t("gaps.heatmap_help"))
if month := period_caption([], language, reference=reference_period(db, year), round_year=year):
    st.caption(month)  # the points are judged at the round's statistics month
orders = ["name", "severity", "count", *[f"theme:{theme.id}" for theme in themes]]
theme_by_id = {theme.id: theme for theme in themes}
order_col, rows_col = st.columns([1, 2])
order = order_col.selectbox(t("gaps.sort"), orders, key="overview-order", format_func=lambda o: t(
    "gaps.sort.theme", theme=theme_label(theme_by_id[o.removeprefix("theme:")], language)) if o.startswith("theme:") else t(f"gaps.sort.{o}"))
position = {row["area_id"]: index for index, row in enumerate(rows)}  # by name, as round_overview returns them


def _sort_key(row):
    """Name order as round_overview returns it; otherwise the most severe (or the most points) first, then by name."""
    level, count = summary.get(row["area_id"], (0, 0))
    if order.startswith("theme:"):
        cell = cells.get((row["area_id"], order.removeprefix("theme:")))
        level, count = (cell.level, cell.count) if cell else (0, 0)
    first, second = {"name": (0, 0), "count": (-count, -level)}.get(order, (-level, -count))
    return first, second, position[row["area_id"]]


heat_rows = [{"area_id": row["area_id"], "name": area_name(row), "note": "" if row["membership_verified"] else "†",
              "state": t(f"state.{row['state']}")} for row in sorted(rows, key=_sort_key)]
if heat_rows:
    # A page of rows at a time: 45 areas fit one, and a few hundred (a reviewer of many areas) would take the
    # browser a second to draw; the table below the map holds every row at once.
    rows_at_once = heatmap_view.ROWS_AT_ONCE
    pages = -(-len(heat_rows) // rows_at_once)
    if pages > 1:
        page_index = rows_col.selectbox(
            t("gaps.heatmap_rows"), range(pages), key=f"overview-heatmap-rows-{pages}",
            format_func=lambda p: t("gaps.heatmap_rows_range", first=p * rows_at_once + 1,
                                    last=min((p + 1) * rows_at_once, len(heat_rows)), total=len(heat_rows)))
        st.caption(t("gaps.heatmap_paged", size=rows_at_once, total=len(heat_rows)))
    else:
        page_index = 0
    st.html(heatmap_html(heat_rows[page_index * rows_at_once:(page_index + 1) * rows_at_once], themes, cells, language))
    if (table := lazy_expander(t("gaps.heatmap_table"), key="overview-heatmap-table")) is not None:
        table.dataframe(
            table_cells(heatmap_frame(heat_rows, themes, cells, language), language), hide_index=True, width="stretch",
            column_config={"area": t("overview.area"), "state": t("home.state"), "total": t("gaps.heatmap_total"),
                           "max": st.column_config.NumberColumn(t("gaps.max_severity"), help=t("gaps.max_help")),
                           **{theme.id: st.column_config.TextColumn(theme_label(theme, language), help=theme.title.get(language))
                              for theme in themes}},
        )
else:
    st.info(t("gaps.heatmap_no_areas"))

st.subheader(t("overview.progress_heading"))
st.dataframe(
    table_cells(pd.DataFrame(
        [{"area": area_name(row) + ("" if row["membership_verified"] else " †"), "state": t(f"state.{row['state']}"),
          "share": None if row["share"] is None else round(row["share"] * 100), "answered": f"{row['answered']}/{row['visible']}",
          "last_change": local_time(row["last_answer_at"]), "submitted_at": local_time(row["submitted_at"]),
          "clarifications": row["open_clarifications"], "link": f"alue?area={row['area_id']}"} for row in rows],
        columns=["area", "state", "share", "answered", "last_change", "submitted_at", "clarifications", "link"])),
    hide_index=True, width="stretch",
    column_config={
        "area": t("overview.area"), "state": t("home.state"),
        "share": st.column_config.ProgressColumn(t("overview.share"), min_value=0, max_value=100, format="%d %%"),  # "73 %": the locale-free format
        "answered": t("overview.answered"), "last_change": t("overview.last_change"),
        "submitted_at": t("overview.submitted_at"), "clarifications": t("overview.open_clarifications"),
        "link": st.column_config.LinkColumn(t("overview.open"), display_text=t("overview.open")),
    },
)
st.caption(t("overview.unverified_note"))
