"""Situation: an area's key figures against the whole country and its peer group, trends and a map of all areas.

Respondents see only their own area; reviewers and admins choose any area (``?area=`` in the URL).
"""

import streamlit as st

from ui import indicators_panel as panel
from ui.session import area_name, get_db, require_role, show_error, t
from ui.session import lang as current_lang
from yse_core.area_registry import list_areas
from yse_core.errors import YseError

user = require_role("respondent", "reviewer", "admin")
db = get_db()
areas = {area["id"]: area for area in list_areas(db)}
if user.is_respondent:
    area_id = user.area_id  # no selector: a respondent's own area, whatever the URL says
else:
    area_ids = list(areas)
    requested = st.query_params.get("area")
    area_id = st.selectbox(t("situation.area"), area_ids, format_func=lambda a: area_name(areas[a]),
                           index=area_ids.index(requested) if requested in areas else 0, key="situation-area")
    st.query_params["area"] = area_id
if area_id not in areas:
    st.error(t("error.no_access"))
    st.stop()
try:
    user.require_area(area_id)
except YseError as error:
    show_error(error)
    st.stop()
area = areas[area_id]

st.title(t("situation.title", area=area_name(area)))
peers, figures = panel.key_figures(db, area_id)
if not figures:
    st.info(t("situation.no_data"))
    st.stop()
if any(figure["is_demo"] for figure in figures):
    st.warning(t("situation.demo_banner"), icon=":material/science:")
if not area["membership_verified"]:
    st.info(t("area.membership_unverified"), icon=":material/info:")

st.subheader(t("situation.key_figures"))
panel.render_key_figures(figures, peers, {a: area_name(areas[a]) for a in peers})

codes = [figure["code"] for figure in figures]
names = {figure["code"]: figure["name"] for figure in figures}
default = next((codes.index(code) for code in ("TYOTOSUUS", "TYOTTOMYYSASTE") if code in codes), 0)


def indicator_label(code: str) -> str:
    return names[code].get(current_lang()) or names[code]["fi"]


st.subheader(t("situation.trend"))
trend_code = st.selectbox(t("situation.indicator"), codes, index=default, format_func=indicator_label,
                          key="situation-trend")
panel.render_trend(db, area_id, area_name(area), trend_code, peers)

st.subheader(t("situation.comparison"))
st.caption(t("situation.comparison_caption"))
map_code = st.selectbox(t("situation.indicator"), codes, index=default, format_func=indicator_label,
                        key="situation-map")
panel.render_comparison(db, area_id, map_code, {a: area_name(row) for a, row in areas.items()})
