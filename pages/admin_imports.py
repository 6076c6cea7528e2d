"""Admin: import a statistics file and list past imports."""

import pandas as pd
import streamlit as st

from ui.session import get_db, lang, require_role, show_error, t
from yse_core.errors import YseError
from yse_core.formatting import local_date, local_time, table_cells
from yse_core.indicators.parsers import FORMATS, ParsedTable, parse_file
from yse_core.indicators.store import SourceRequired, import_parsed, imports, source_required

KEY_PARSED = "yse_import_parsed"  # (upload id, format, parsed table) of this session's upload


def _updated(value: str | None) -> str | None:
    """The file's own "updated" date as d.m.yyyy; a text that is no date as the file gave it."""
    try:
        return local_date(value)
    except ValueError:
        return value


def _parsed(upload, file_format: str) -> ParsedTable:
    """Parse the upload once per (upload, format), not on every rerun: its source prefills the field below."""
    kept = st.session_state.get(KEY_PARSED)
    if kept is None or kept[:2] != (upload.file_id, file_format):
        table = parse_file(upload.name, upload.getvalue(), file_format)
        kept = st.session_state[KEY_PARSED] = (upload.file_id, file_format, table)
    return kept[2]


admin = require_role("admin")
db = get_db()
st.title(t("nav.admin_imports"))

upload = st.file_uploader(t("imports.upload"), type=["csv", "txt", "xlsx", "json", "px"], key="imports-upload")
file_format = st.selectbox(t("imports.format"), ["auto", *FORMATS], key="imports-format",
                           format_func=lambda value: t("imports.format_auto") if value == "auto" else value)
table = None
if upload is not None:
    try:
        table = _parsed(upload, file_format)
    except YseError as error:
        show_error(error)
source = st.text_input(t("imports.source"), value=(table.source or "") if table else "", help=t("imports.source_help"),
                       disabled=table is None, key=f"imports-source-{upload.file_id}" if upload else "imports-source")
missing_source = table is not None and source_required(table) and not source.strip()
if missing_source:
    st.warning(t("imports.source_missing", file=upload.name))
if st.button(t("imports.import"), type="primary", disabled=table is None or missing_source, key="imports-run"):
    try:
        summary = import_parsed(db, table, upload.name, user=admin.username, source=source)
    except SourceRequired as error:
        st.error(error.message(lang()))
    except YseError as error:
        show_error(error)
    else:
        st.success(summary.to_text(lang()))

st.subheader(t("imports.history"))
rows = [
    {**row, "data_updated": _updated(row["data_updated"]), "imported_at": local_time(row["imported_at"]),
     "values": sum((row["summary"] or {}).get("counts", {}).values()),
     "changes": t("imports.changes", **{key: (row["summary"] or {}).get(key, 0) for key in ("new", "changed", "unchanged")})}
    for row in imports(db)
]
st.dataframe(
    table_cells(pd.DataFrame(rows, columns=["file_name", "format", "table_id", "source", "data_updated", "imported_by",
                                            "imported_at", "is_demo", "values", "changes"])),
    hide_index=True, width="stretch",
    column_config={
        "file_name": t("imports.file"), "format": t("imports.format"), "table_id": t("imports.table"),
        "source": t("imports.source"),
        "data_updated": t("imports.data_updated"), "imported_by": t("imports.who"), "imported_at": t("imports.when"),
        "is_demo": st.column_config.CheckboxColumn(t("imports.demo")), "values": t("imports.values"),
        "changes": t("imports.changes_column"),
    },
)
st.markdown(t("imports.help"))
st.info(t("imports.demo_note"))
