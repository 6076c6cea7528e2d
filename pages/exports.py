"""Reviewer/admin: download briefing packs, discussion slides, minutes, the round workbook and the long-format CSV."""

import streamlit as st

from ui.session import area_name, db_path, get_db, lang, require_role, show_error, t
from yse_core import db as yse_db
from yse_core import exports
from yse_core.area_registry import list_areas
from yse_core.errors import YseError
from yse_core.indicators.situation import period_caption
from yse_core.rounds import list_rounds, reference_period

KEY_ZIP = "yse_export_zip"  # (round year, language, zip bytes) of the last prepared pack
KEY_SLIDES = "yse_export_slides"  # (round year, area id, language, pptx bytes) of the last prepared deck
KEY_SLIDES_ZIP = "yse_export_slides_zip"  # (round year, language, zip bytes) of the last prepared slides
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

user = require_role("reviewer", "admin")
db = get_db()
language = lang()
path = str(db_path())


def on_click(export, *args):
    """Build the file only when its button is clicked (and log it then), on a connection of its own:
    Streamlit runs the builder on another thread than this script."""
    return lambda: yse_db.run(path, export, user, *args, lang=language)


st.title(t("nav.exports"))
st.caption(t("exports.page_intro"))
rounds = [row["year"] for row in list_rounds(db)]
if not rounds:
    st.info(t("home.no_round"))
    st.stop()
areas = {area["id"]: area for area in list_areas(db)}
col_year, col_area = st.columns([1, 3])
year = col_year.selectbox(t("rounds.year"), rounds, key="export-year")
area_id = col_area.selectbox(t("overview.area"), list(areas), format_func=lambda a: area_name(areas[a]), key="export-area")
if month := period_caption([], language, reference=reference_period(db, year), round_year=year):
    st.caption(month)  # the briefings' and the workbook's figures are read at the round's statistics month

st.subheader(t("exports.one_area"))
left, right = st.columns(2)
left.download_button(t("exports.download_briefing"), on_click(exports.briefing_docx, year, area_id),
                     file_name=exports.briefing_filename(year, area_id), mime=DOCX, icon=":material/description:")
if exports.has_minutes(db, year, area_id):
    right.download_button(t("exports.download_minutes"), on_click(exports.minutes_docx, year, area_id),
                          file_name=exports.minutes_filename(year, area_id), mime=DOCX, icon=":material/summarize:")
else:
    right.caption(t("exports.no_minutes", area=area_name(areas[area_id]), year=year))
# The slides are drawn (a chart, the discussion points) only when asked for, like the zip below: then downloaded.
slides = st.session_state.get(KEY_SLIDES)
if slides and slides[:3] != (year, area_id, language):
    slides = st.session_state[KEY_SLIDES] = None
if left.button(t("slides.prepare_one"), icon=":material/slideshow:", key="export-prepare-slides"):
    try:
        with st.spinner(t("slides.preparing"), show_time=True):
            slides = st.session_state[KEY_SLIDES] = (year, area_id, language,
                                                     exports.slides_pptx(db, user, year, area_id, lang=language))
    except YseError as error:
        show_error(error)
if slides:
    left.download_button(t("slides.download_one"), slides[3], file_name=exports.slides_filename(year, area_id),
                         mime=PPTX, icon=":material/download:", type="primary", key="export-slides")

st.subheader(t("exports.whole_round"))
left, right = st.columns(2)
left.download_button(t("exports.download_workbook"), on_click(exports.round_workbook_xlsx, year),
                     file_name=exports.workbook_filename(year), mime=XLSX, icon=":material/table_view:")
right.download_button(t("exports.download_csv"), on_click(exports.round_long_csv, year),
                      file_name=exports.csv_filename(year), mime="text/csv", icon=":material/csv:")

prepared = st.session_state.get(KEY_ZIP)
if prepared and prepared[:2] != (year, language):
    prepared = st.session_state[KEY_ZIP] = None
if st.button(t("exports.prepare_zip"), icon=":material/folder_zip:", key="export-prepare-zip"):
    try:
        with st.spinner(t("exports.preparing_zip"), show_time=True):
            prepared = st.session_state[KEY_ZIP] = (year, language, exports.briefing_zip(db, user, year, lang=language))
    except YseError as error:
        show_error(error)
if prepared:
    st.download_button(t("exports.download_zip"), prepared[2], file_name=f"YSE-{year}-taustamateriaalit.zip",
                       mime="application/zip", icon=":material/download:", type="primary", key="export-zip")

prepared_slides = st.session_state.get(KEY_SLIDES_ZIP)
if prepared_slides and prepared_slides[:2] != (year, language):
    prepared_slides = st.session_state[KEY_SLIDES_ZIP] = None
if st.button(t("slides.prepare_zip"), icon=":material/folder_zip:", key="export-prepare-slides-zip"):
    try:
        with st.spinner(t("slides.preparing"), show_time=True):
            prepared_slides = st.session_state[KEY_SLIDES_ZIP] = (year, language,
                                                                  exports.slides_zip(db, user, year, lang=language))
    except YseError as error:
        show_error(error)
if prepared_slides:
    st.download_button(t("slides.download_zip"), prepared_slides[2],
                       file_name=f"YSE-{year}-{t('slides.zip_name')}.zip", mime="application/zip",
                       icon=":material/download:", type="primary", key="export-slides-zip")
