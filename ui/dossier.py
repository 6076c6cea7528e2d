"""The area dossier's sections: what a reviewer reads, top to bottom, before an area's discussion.

1. key figures against the whole country and the peer group, 2. discussion points by severity with their
evidence, 3. the answers theme by theme, 4. comments and open clarifications, 5. last round's follow-up items.
The page (``pages/area_view.py``) calls these in that order. Forms and buttons sit in containers keyed
``screen-only-…``, which the print style (``dossier_print.css``) leaves out of a printout.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from yse_core.exports.content import follow_up_items, owner_text, previous_round_year, sorted_points, status_label
from yse_core.follow_ups import FOLLOW_UP_THEME_ID, followup_question_id
from yse_core.formatting import answer_text, local_date, local_time, table_cells
from yse_core.rounds import reference_period

from . import document
from . import indicators_panel as panel
from .comments_view import render_new_comment_form, render_threads
from .document import escape_markdown, literal_html
from .gaps_view import SEVERITY_ICON, SEVERITY_MARK
from .questionnaire_form import measures_table, visible_questions
from .session import area_name, lang, t

PRINT_STYLE = Path(__file__).with_name("dossier_print.css")


def theme_anchor(theme_id: str) -> str:
    """Return the id of a theme's heading, the target of ``?teema=`` and of links inside the dossier."""
    return f"teema-{theme_id}"


def answer_themes(context) -> list:
    """Return the questionnaire's themes shown in section 3 (last round's follow-ups have section 5)."""
    return [theme for theme in context.questionnaire.themes if theme.id != FOLLOW_UP_THEME_ID]


def print_style() -> None:
    """Add the print style: no sidebar, header or forms, the whole dossier on paper, no point split across pages."""
    st.html(PRINT_STYLE)


def scroll_to_theme(area_id: str, theme_id: str) -> None:
    """Scroll the page to a theme's heading once it is drawn (the heat map's cell links carry ``teema``).

    Sent on every run of the page; the browser scrolls once per area and theme it was opened at, so a rerun (a
    comment sent in another theme) does not pull the reader back.
    """
    target = json.dumps(theme_anchor(theme_id))
    opened = json.dumps(f"{area_id}/{theme_id}")
    st.html(f"""<script>
      (function () {{
        if (window.yseDossierScrolled === {opened}) return;
        let tries = 0;
        const timer = setInterval(function () {{
          const heading = document.getElementById({target});
          if (heading || ++tries > 150) {{
            clearInterval(timer);
            if (heading) {{
              window.yseDossierScrolled = {opened};
              heading.scrollIntoView({{block: "start"}});
            }}
          }}
        }}, 100);
      }})();
    </script>""", unsafe_allow_javascript=True)


# --- 1. key figures ---------------------------------------------------------------------------------


def key_figures_section(db, context, areas: dict[str, dict]) -> None:
    """Section 1: the area's key figures against the whole country and its peer group at the round's month."""
    st.header(t("dossier.section_figures"), anchor="kohta-1")
    reference = reference_period(db, context.round)
    peers, figures = panel.key_figures(db, context.area["id"], reference)
    if not figures:
        st.caption(t("dossier.no_figures"))
        return
    if any(figure["is_demo"] for figure in figures):
        st.warning(t("situation.demo_banner"), icon=":material/science:")
    panel.render_key_figures(figures, peers, {peer: area_name(areas[peer]) for peer in peers if peer in areas},
                             reference=reference, round_year=context.round["year"], printable=True)


# --- 2. discussion points ---------------------------------------------------------------------------


def points_section(points: list, context) -> None:
    """Section 2: every discussion point, most severe first, each with its theme and the figures it quotes."""
    st.header(t("dossier.section_points"), anchor="kohta-2")
    if not points:
        st.caption(t("dossier.no_points"))
        return
    st.caption(t("dossier.points_intro"))
    language = lang()
    titles = {theme.id: theme.title.get(language) for theme in context.questionnaire.themes}
    for index, point in enumerate(sorted_points(points)):
        render = {"high": st.error, "medium": st.warning}.get(point.severity, st.info)
        theme = titles.get(point.theme, point.theme)
        with st.container(key=f"dossier-point-{index}"):
            render(f"**{t('gaps.severity_' + point.severity)} · {escape_markdown(point.title_in(language))}**  \n"
                   f"{t('dossier.point_theme', theme=f'[{escape_markdown(theme)}](#{theme_anchor(point.theme)})')}  \n"
                   f"{escape_markdown(point.message(language))}", icon=SEVERITY_ICON.get(point.severity))


# --- 3. answers -------------------------------------------------------------------------------------


def answers_section(db, user, context, points: list, comments_by_question: dict) -> None:
    """Section 3: each theme under its own heading: its answers, its statistics, and a comment form."""
    st.header(t("dossier.section_answers"), anchor="kohta-3")
    for theme in answer_themes(context):
        _theme(db, user, context, theme, [point for point in points if point.theme == theme.id], comments_by_question)


def _theme(db, user, context, theme, theme_points: list, comments_by_question: dict) -> None:
    language = lang()
    marker = SEVERITY_MARK[max((point.rank for point in theme_points), default=0)]
    questions = visible_questions(context, theme)
    with st.container(key=f"dossier-theme-{theme.id}"):
        st.subheader(f"{marker}{theme.title.get(language)}", anchor=theme_anchor(theme.id))
        if theme_points:
            st.caption(t("dossier.theme_points", points="; ".join(
                f"{t('gaps.severity_' + point.severity)}: {escape_markdown(point.title_in(language))}"
                for point in sorted_points(theme_points))))
        answers_column, statistics_column = st.columns([1, 1])
        with statistics_column:
            panel.render_theme_indicators(db, context.area["id"], theme.indicators, context.round, key=theme.id)
        with answers_column:
            _answers(questions, context.answers, comments_by_question)
        if questions:  # the form is built once its expander is opened: eight closed forms cost every open
            with st.container(key=f"screen-only-comment-{theme.id}"):
                if (box := document.lazy_expander(t("dossier.comment_theme"), key=f"comment-open-{theme.id}")) is not None:
                    with box:
                        chosen = st.selectbox(t("comments.on_question"), [q.id for q in questions], key=f"comment-q-{theme.id}",
                                              format_func=lambda qid: context.questionnaire.question(qid).text.get(language)[:100])
                        render_new_comment_form(db, user, context.response["id"], chosen, theme.id)


def _answers(questions: list, answers: dict, comments_by_question: dict) -> None:
    """A theme's questions, each with its answer as the person wrote it and who answered when.

    The answers run as one HTML block, broken only where a measures answer is drawn as a table (a dash in every
    empty field): a dossier has some sixty answers, and each Markdown element cost the browser its parsing and
    drawing on every open (docs/benchmarks.md). The text is escaped, its line breaks and indents kept.
    """
    language = lang()
    pending: list[str] = []
    for question in questions:
        answer = answers.get(question.id)
        value = answer.value if answer else None
        details = []
        if answer:
            details.append(t("view.answered_by", who=answer.updated_by, when=local_time(answer.updated_at)))
        if count := len(comments_by_question.get(question.id, [])):
            details.append(t("dossier.question_comments", count=count))
        byline = f'<p class="yse-byline">{html.escape(" · ".join(details))}</p>' if details else ""
        heading = f'<p class="yse-question">{html.escape(question.text.get(language))}</p>'
        if question.type == "measures" and isinstance(value, list) and value:
            _answer_block(pending + [f'<div class="yse-qa">{heading}</div>'])
            pending = []
            document.table(measures_table(value, language))
            if byline:
                _answer_block([f'<div class="yse-qa">{byline}</div>'])
            continue
        text = literal_html(answer_text(question, value, language))
        pending.append(f'<div class="yse-qa">{heading}<p class="yse-answer">{text}</p>{byline}</div>')
    _answer_block(pending)


def _answer_block(parts: list[str]) -> None:
    if parts:
        st.html(f'<div class="yse-answers">{"".join(parts)}</div>')


# --- 4. comments ------------------------------------------------------------------------------------


def comments_section(db, user, context, threads: list[dict]) -> None:
    """Section 4: open clarification requests first, then the other comments, each naming its question."""
    st.header(t("dossier.section_comments"), anchor="kohta-4")
    clarifications = [thread for thread in threads if thread["needs_clarification"] and thread["status"] != "resolved"]
    others = [thread for thread in threads if thread not in clarifications]
    if not threads:
        st.caption(t("dossier.no_comments"))
    for heading, group in ((t("dossier.open_clarifications", count=len(clarifications)), clarifications),
                           (t("dossier.other_comments", count=len(others)), others)):
        if not group:
            continue
        st.subheader(heading)
        for thread in group:
            st.markdown(t("dossier.comment_about", about=f"*{escape_markdown(_about(context, thread['question_id']))}*"))
            render_threads(db, user, [thread])
    with st.container(key="screen-only-comment-whole"):
        st.markdown(f"**{t('comments.whole_response')}**")
        render_new_comment_form(db, user, context.response["id"], None, "whole")


def _about(context, question_id: str | None) -> str:
    if question_id is None:
        return t("comments.whole_response")
    try:
        return context.questionnaire.question(question_id).text.get(lang())
    except KeyError:
        return question_id


# --- 5. last round's follow-ups ---------------------------------------------------------------------


def follow_ups_section(db, user, context) -> None:
    """Section 5: the items agreed in the previous round, their owner, due date, status and the area's account."""
    language = lang()
    previous = previous_round_year(db, context.round["year"])
    if previous is None:
        st.header(t("dossier.section_follow_ups_none"), anchor="kohta-5")
        st.caption(t("dossier.no_previous_round"))
        return
    st.header(t("dossier.section_follow_ups", year=previous), anchor="kohta-5")
    items = follow_up_items(db, user, previous, context.area["id"])
    if not items:
        st.caption(t("exports.follow_ups_none"))
        return
    rows = []
    for item in items:
        reply = context.values.get(followup_question_id(item["id"]))
        rows.append({
            t("exports.follow_up_item"): item["body"],
            t("exports.owner"): owner_text(item, language),
            t("exports.due"): local_date(item["due"]),
            t("exports.status"): status_label(item["status"], language),
            t("exports.area_reply"): reply if isinstance(reply, str) and reply.strip() else t("dossier.no_reply"),
        })
    document.table(table_cells(pd.DataFrame(rows)))
