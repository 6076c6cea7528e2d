"""Admin: the areas and their municipalities; each area's TEM contact persons; replace them all from a CSV."""

import pandas as pd
import streamlit as st

from ui.session import get_db, require_role, show_error, t
from yse_core.area_registry import area_municipalities, list_areas, memberships_csv
from yse_core.area_update import replace_areas
from yse_core.areas import parse_area_csv
from yse_core.contacts import contacts_by_area, reviewers, set_area_contacts
from yse_core.errors import YseError
from yse_core.formatting import table_cells

admin = require_role("admin")
db = get_db()
st.title(t("nav.admin_areas"))

areas = list_areas(db)
st.caption(t("areas.summary", areas=len(areas), municipalities=sum(a["municipality_count"] for a in areas),
             unverified=sum(1 for a in areas if not a["membership_verified"])))
st.dataframe(
    table_cells(pd.DataFrame(areas)[["id", "name_fi", "name_sv", "region", "ely", "uusimaa", "membership_verified",
                                     "municipality_count"]]),
    hide_index=True, width="stretch",
    column_config={
        "id": t("areas.id"), "name_fi": t("areas.name_fi"), "name_sv": t("areas.name_sv"), "region": t("areas.region"),
        "ely": "ELY", "uusimaa": st.column_config.CheckboxColumn(t("areas.uusimaa")),
        "membership_verified": st.column_config.CheckboxColumn(t("areas.verified")),
        "municipality_count": t("areas.municipality_count"),
    },
)
chosen = st.selectbox(t("areas.show_members"), [a["id"] for a in areas],
                      format_func={a["id"]: a["name_fi"] for a in areas}.get, key="areas-members")
st.write(", ".join(m["name_fi"] for m in area_municipalities(db, chosen)))

st.subheader(t("slides.contacts_heading"))
st.caption(t("slides.contacts_help"))
names = {a["id"]: a["name_fi"] for a in areas}
people = {person["username"]: person["display_name"] for person in reviewers(db)}
contact_area = st.selectbox(t("slides.contacts_area"), list(names), format_func=names.get, key="contacts-area")
current = [c["username"] for c in contacts_by_area(db).get(contact_area, []) if c["username"] in people]
with st.form(f"contacts-form-{contact_area}"):
    chosen_people = st.multiselect(t("slides.contacts_choose"), list(people), default=current, format_func=people.get,
                                   key=f"contacts-{contact_area}")
    if st.form_submit_button(t("slides.contacts_save")):
        try:
            set_area_contacts(db, admin, contact_area, chosen_people)
            st.success(t("slides.contacts_saved", area=names[contact_area]))
        except YseError as error:
            show_error(error)

st.subheader(t("areas.replace_heading"))
st.markdown(t("areas.replace_help"))
st.download_button(t("areas.download_current"), memberships_csv(db).encode("utf-8"), "alueet.csv", "text/csv")
upload = st.file_uploader(t("areas.upload"), type=["csv"], key="areas-upload")
if upload is not None:
    try:
        known = [dict(r) for r in db.query("SELECT code, name_fi, name_sv FROM municipalities")]
        parsed = parse_area_csv(upload.getvalue(), known)
        st.success(t("areas.valid", areas=len(parsed.areas), municipalities=len(parsed.memberships)))
        if st.button(t("areas.confirm_replace"), type="primary"):
            summary = replace_areas(db, parsed, actor=admin.username)
            st.success(t("areas.replaced", **summary))
    except YseError as error:
        show_error(error)
