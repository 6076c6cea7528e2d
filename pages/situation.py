"""Placeholder until the situation page lands (being built now)."""

import streamlit as st

from ui.session import require_role, t

require_role("respondent", "reviewer", "admin")
st.title(t("nav.situation"))
