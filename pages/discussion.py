"""Placeholder until this page lands (being built now)."""

import streamlit as st

from ui.session import current_user, t

current_user()
st.title(t("nav.discussion"))
