"""Comment threads beside answers: TEM asks, the area replies, TEM resolves."""

from __future__ import annotations

import streamlit as st

from yse_core.comments import add_comment, reply, resolve
from yse_core.errors import YseError
from yse_core.formatting import local_time

from .session import show_error, t


def group_by_question(threads: list[dict]) -> dict[str | None, list[dict]]:
    grouped: dict[str | None, list[dict]] = {}
    for thread in threads:
        grouped.setdefault(thread["question_id"], []).append(thread)
    return grouped


def render_threads(db, user, threads: list[dict]) -> None:
    """Show threads as plain text, with a reply form and (for TEM) a resolve button."""
    for thread in threads:
        with st.container(border=True):
            label = t("comments.clarification") if thread["needs_clarification"] else t("comments.comment")
            st.caption(f"{label} · {thread['author_name'] or thread['author']} · {local_time(thread['created_at'])} · "
                       + t(f"comments.status_{thread['status']}"))
            st.text(thread["body"])
            for answer in thread["replies"]:
                st.caption(f"↳ {answer['author_name'] or answer['author']} · {local_time(answer['created_at'])}")
                st.text(answer["body"])
            if thread["status"] == "resolved":
                continue
            with st.form(f"reply-{thread['id']}", clear_on_submit=True):
                text = st.text_area(t("comments.reply"), key=f"reply-text-{thread['id']}", height=80)
                columns = st.columns(2)
                send = columns[0].form_submit_button(t("comments.send_reply"))
                done = user.role in ("reviewer", "admin") and columns[1].form_submit_button(t("comments.resolve"))
            try:
                if send:
                    reply(db, user, thread["id"], text)
                    st.rerun()
                if done:
                    resolve(db, user, thread["id"])
                    st.rerun()
            except YseError as error:
                show_error(error)


def render_new_comment_form(db, user, response_id: int, question_id: str | None, key: str) -> None:
    """A reviewer's form: comment on an answer (or the whole response) and optionally ask for clarification."""
    with st.form(f"comment-{key}", clear_on_submit=True):
        text = st.text_area(t("comments.new"), key=f"comment-text-{key}", height=80)
        clarification = st.checkbox(t("comments.needs_clarification"), key=f"comment-clar-{key}")
        if st.form_submit_button(t("comments.add")):
            try:
                add_comment(db, user, response_id, text, question_id=question_id, needs_clarification=clarification)
                st.rerun()
            except YseError as error:
                show_error(error)
