"""The accessibility statement and the privacy notice as pages anyone may read, logged in or not; admins edit
their contact details and own texts below them (yse_core.statements builds both)."""

from __future__ import annotations

import streamlit as st

from yse_core import statements
from yse_core.errors import YseError
from yse_core.i18n import LANGUAGE_NAMES, LANGUAGES

from .session import KEY_USER, get_db, lang, show_error, t

# kind → (title key, the contact fields and own texts its admin form shows)
KINDS = {
    "accessibility": ("nav.accessibility", ("feedback_email", "supervisor"), ("accessibility_extra",)),
    "privacy": ("nav.privacy", ("controller", "controller_contact", "dpo_contact", "retention_years"),
                ("privacy_basis", "privacy_extra")),
}
KEY_NOTICE = "statements_notice"


def render(kind: str) -> None:
    """Show one statement in the reader's language; an admin gets the form to change its details."""
    title_key, fields, text_kinds = KINDS[kind]
    db = get_db()
    st.title(t(title_key))
    build = statements.accessibility_statement if kind == "accessibility" else statements.privacy_notice
    st.markdown(build(db, lang()))
    st.caption(t("statements.updated_note"))
    user = st.session_state.get(KEY_USER)
    if user is not None and user.is_admin:
        _edit_form(db, user, kind, fields, text_kinds)


def _edit_form(db, user, kind: str, fields: tuple[str, ...], text_kinds: tuple[str, ...]) -> None:
    if notice := st.session_state.pop(KEY_NOTICE, None):
        st.success(notice)
    given, own = statements.contacts(db), statements.texts(db)
    with st.expander(t("statements.edit_heading")), st.form(f"statements-{kind}"):
        contact_values = {field: st.text_input(t(f"statements.field.{field}"), value=given[field],
                                               key=f"statements-{kind}-{field}") for field in fields}
        text_values = {}
        for language in LANGUAGES:
            st.markdown(f"**{t('statements.texts_in', language=LANGUAGE_NAMES[language])}**")
            for text_kind in text_kinds:
                text_values[(text_kind, language)] = st.text_area(
                    t(f"statements.field.{text_kind}"), value=own[text_kind][language],
                    key=f"statements-{kind}-{text_kind}-{language}", max_chars=statements.MAX_TEXT_LENGTH)
        if st.form_submit_button(t("statements.save"), type="primary"):
            try:
                changed = statements.set_statement_settings(db, user, contact_values, text_values)
            except YseError as error:
                show_error(error)
                return
            st.session_state[KEY_NOTICE] = (t("statements.saved", count=len(changed)) if changed
                                            else t("statements.nothing_changed"))
            st.rerun()
