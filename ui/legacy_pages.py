"""Leave Streamlit's old ``pages/`` folder mode when ``streamlit run app.py`` was started without ``ui.serve``."""

from __future__ import annotations

import streamlit as st

from ui.library_internals import leave_pages_directory_mode


def leave() -> None:
    """Rerun through ``app.py`` if this page script was run directly by the folder mode.

    In that mode (the first session after a plain ``streamlit run app.py``) Streamlit runs a file of
    ``pages/`` whose name matches the address (``/admin_users``) without ``app.py``, so without the login
    and the role's navigation. Every page asks ``current_user()`` first, which calls this: the rerun
    goes through ``app.py``. When the folder mode runs ``app.py`` itself, its ``st.navigation`` call
    leaves the mode and resolves the address as usual. ``python -m ui.serve`` avoids the mode entirely.
    (AppTest starts every run in this mode; the same two paths apply.)
    """
    if leave_pages_directory_mode():
        st.rerun()
