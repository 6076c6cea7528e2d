"""Questionnaire questions as widgets that save to the database the moment they change."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from yse_core import auth, log
from yse_core.errors import ConflictError, YseError
from yse_core.formatting import answer_text, local_time, measure_field_text, table_cells
from yse_core.gaps.service import questions_read
from yse_core.questionnaire import MEASURE_FIELDS, Question, is_visible
from yse_core.responses import ResponseContext, answer_history, load_context, progress, save_answer

from . import document
from .callbacks import Steps
from .document import escape_markdown
from .gaps_view import context_points
from .session import lang, t

# Session-state keys, defined once.
KEY_THEME = "yse_theme"
KEY_BASE_VERSIONS = "yse_base_versions"
KEY_CONFLICTS = "yse_conflicts"
KEY_ERRORS = "yse_answer_errors"
KEY_PAGE_SIGNATURE = "yse_page_signature"  # what the page showed around the questions (see page_signature)
KEY_SAVED = "yse_saved_now"  # question id → when this session last saved it, shown under the question


def live_user(db, user):
    """Return the session's user as the database has it now, or rerun the whole app to log a locked user out.

    A fragment rerun (and a callback before it) skips app.py, where every full run re-checks the account;
    this is that check. ``st.rerun()`` asks for a full run also from a callback.
    """
    try:
        return auth.session_user(db, user.username)
    except YseError:
        st.rerun()


def widget_key(response_id: int, question_id: str) -> str:
    return f"q-{response_id}-{question_id}"


def _state(name: str) -> dict:
    return st.session_state.setdefault(name, {})


# --- conversions between stored answers and widget values --------------------------------------


def to_widget(question: Question, value: object) -> object:
    """Return the widget's value for a stored answer."""
    if question.type in ("text", "long_text"):
        return value or ""
    if question.type == "multi":
        return list(value or [])
    return value


def from_widget(question: Question, raw: object) -> object:
    """Return the answer value for a widget's value (empty means unanswered)."""
    if question.type in ("text", "long_text"):
        return raw if isinstance(raw, str) and raw.strip() else None
    if question.type == "multi":
        return list(raw) or None
    if question.type == "number" and isinstance(raw, float) and raw.is_integer() and isinstance(question.min or 0, int):
        return int(raw)
    return raw


def measures_table(rows: list, language: str) -> pd.DataFrame:
    """Return measures as a table with a row per field and a column per measure; an empty field is a dash."""
    table = {t("dossier.measure_field"): [field.label.get(language) for field in MEASURE_FIELDS.values()]}
    for number, row in enumerate(rows, start=1):
        table[t("dossier.measure", n=number)] = [measure_field_text(key, row.get(key), language) for key in MEASURE_FIELDS]
    return table_cells(pd.DataFrame(table))


# --- saving -------------------------------------------------------------------------------------


def _save(db, user, response_id: int, question: Question, value: object) -> bool:
    user = live_user(db, user)  # a callback in a fragment runs without app.py's check of the account
    # The save and its bookkeeping finish even when the browser sends another change meanwhile: otherwise the
    # next save would meet its own previous version as a conflict (see ui/callbacks.py).
    with Steps() as steps:
        bases, conflicts, errors, saved, language = steps.run(lambda: (
            _state(KEY_BASE_VERSIONS), _state(KEY_CONFLICTS), _state(KEY_ERRORS), _state(KEY_SAVED), lang()))
        stored = _store(db, user, response_id, question, value, language, bases, conflicts, errors, saved)
    return stored


def _store(db, user, response_id: int, question: Question, value: object, language: str,
           bases: dict, conflicts: dict, errors: dict, saved: dict) -> bool:
    """Save the answer and note the outcome in the session's dictionaries (no Streamlit call in here)."""
    try:
        answer = save_answer(db, user, response_id, question.id, value, base_version=bases.get(question.id, 0), lang=language)
    except ConflictError as conflict:
        log.event("save_conflict", user.username, f"{response_id}/{question.id}", level=logging.WARNING)
        conflicts[question.id] = {**conflict.current, "mine": value}
        errors.pop(question.id, None)
        return False
    except YseError as error:  # AnswerError and the rest: the message is shown under the question
        log.event("save_failed", user.username, f"{response_id}/{question.id}", level=logging.WARNING, code=error.key)
        errors[question.id] = error.message(language)
        return False
    bases[question.id] = answer.version
    errors.pop(question.id, None)
    conflicts.pop(question.id, None)
    if answer.updated_at:
        saved[question.id] = answer.updated_at
    return True


def _on_change(db, user, context: ResponseContext, question: Question, in_fragment: bool = False) -> None:
    """Save a changed widget; in a question fragment, rerun the whole page if the save changed more.

    A fragment reruns only its question after this callback. When the save also moved the progress, showed
    or hid a question or changed a discussion point, the callback asks for the whole page instead.
    """
    response_id = context.response["id"]
    with Steps() as steps:  # read the new value even if another change arrives now: it is not offered again
        raw = steps.run(lambda: st.session_state[widget_key(response_id, question.id)])
        stored = _save(db, user, response_id, question, from_widget(question, raw))
    if not stored or not in_fragment:
        return
    signature = st.session_state.get(KEY_PAGE_SIGNATURE)
    if signature is None:
        return
    fresh = load_context(db, user, context.response["round_year"], context.response["area_id"])
    same_points = None if question.id in questions_read() else signature[3]
    if page_signature(db, user, fresh, signature[0], points=same_points) != signature:
        st.rerun()  # from a callback: the whole page


def page_signature(db, user, context: ResponseContext, theme_id: str, *, points: tuple | None = None) -> tuple:
    """What the page shows around a theme's answers: progress, visible questions, the theme's discussion points.

    ``points`` passes the previous signature's points when the changed question is read by no rule.
    """
    counts = tuple((row["theme_id"], row["answered"], row["visible"]) for row in progress(context)["themes"])
    theme = context.questionnaire.theme(theme_id)
    visible = tuple(question.id for question in visible_questions(context, theme))
    if points is None:
        points = tuple((point.rule_id, point.severity, point.message(lang())) for point in context_points(db, context)
                       if point.theme == theme_id)
    return theme_id, counts, visible, points


def _keep_mine(db, user, response_id: int, question: Question) -> None:
    conflict = _state(KEY_CONFLICTS).get(question.id)
    if conflict:
        _state(KEY_BASE_VERSIONS)[question.id] = conflict["version"]
        _save(db, user, response_id, question, conflict["mine"])


def _take_theirs(response_id: int, question: Question) -> None:
    conflict = _state(KEY_CONFLICTS).pop(question.id, None)
    if conflict:
        _state(KEY_BASE_VERSIONS)[question.id] = conflict["version"]
        if question.type != "measures":
            st.session_state[widget_key(response_id, question.id)] = to_widget(question, conflict["value"])


# --- rendering ----------------------------------------------------------------------------------


def format_value(question: Question, value: object) -> str:
    """Return an answer as plain text for read-only views and conflict messages (the core's wording)."""
    return answer_text(question, value, lang())


@st.fragment
def question_fragment(db, user, context: ResponseContext, question: Question, disabled: bool) -> None:
    """One answered question as its own fragment: a change reruns just this question, unless the callback asks for more.

    The captured ``context`` may be older than the last save; it only seeds a widget the session has not
    seen yet, which the page's full run does with fresh answers.
    """
    render_question(db, user, context, question, disabled=disabled, in_fragment=True)  # _save checks the account


def render_question(db, user, context: ResponseContext, question: Question, *, disabled: bool,
                    in_fragment: bool = False) -> None:
    """Render one question as a widget that saves on change, with its error or conflict."""
    language = lang()
    response_id = context.response["id"]
    key = widget_key(response_id, question.id)
    stored = context.answers.get(question.id)
    bases = _state(KEY_BASE_VERSIONS)
    if question.id not in bases:
        bases[question.id] = stored.version if stored else 0
    if key not in st.session_state and question.type != "measures":
        st.session_state[key] = to_widget(question, stored.value if stored else None)
    label = question.text.get(language) + (" *" if question.required else "")
    help_text = question.help.get(language) if question.help else None
    callback = {"on_change": _on_change, "args": (db, user, context, question, in_fragment), "disabled": disabled}

    if question.type == "text":
        st.text_input(label, key=key, help=help_text, **callback)
    elif question.type == "long_text":
        st.text_area(label, key=key, help=help_text, height=150, **callback)
    elif question.type == "yes_no":
        st.radio(label, [True, False], key=key, help=help_text, horizontal=True, index=None,
                 format_func=lambda v: t("q.yes") if v else t("q.no"), **callback)
    elif question.type == "single":
        ids = question.option_ids()
        if len(ids) <= 5:
            st.radio(label, ids, key=key, help=help_text, index=None,
                     format_func=lambda v: question.option_label(v, language), **callback)
        else:
            st.selectbox(label, ids, key=key, help=help_text, index=None, placeholder=t("q.choose"),
                         format_func=lambda v: question.option_label(v, language), **callback)
    elif question.type == "multi":
        st.multiselect(label, question.option_ids(), key=key, help=help_text, placeholder=t("q.choose_many"),
                       format_func=lambda v: question.option_label(v, language), **callback)
    elif question.type == "scale":
        st.radio(label, [1, 2, 3, 4, 5], key=key, help=help_text, horizontal=True, index=None,
                 format_func=lambda v: f"{v} – {question.scale_labels[v - 1].get(language)}", **callback)
    elif question.type == "number":
        unit = question.unit.get(language) if question.unit else ""
        bounds = t("q.number_range", min=question.min if question.min is not None else "–",
                   max=question.max if question.max is not None else "–", unit=unit)
        st.number_input(f"{label} ({unit})" if unit else label, key=key, value=None, step=1,
                        help=(help_text + "\n\n" if help_text else "") + bounds, placeholder=bounds, **callback)
    elif question.type == "measures":
        _render_measures(db, user, context, question, label, help_text, disabled)
    _render_feedback(db, user, response_id, question)


def _render_measures(db, user, context, question, label, help_text, disabled) -> None:
    """One form per measure (edit, delete) and a form to add one: readable for long texts, saved on submit."""
    language = lang()
    stored = context.answers.get(question.id)
    rows = list(stored.value) if stored and stored.value else []
    st.markdown(f"**{escape_markdown(label)}**")
    if help_text:
        st.caption(help_text)
    if not rows:
        st.caption(t("q.measures_none"))
    for index, row in enumerate(rows):
        title = f"{index + 1}. {row.get('name') or ''}"
        with st.expander(title, expanded=False):
            if disabled:
                render_readonly_answer(question, [row], show_label=False)
                continue
            with st.form(f"measure-{question.id}-{index}"):
                edited = _measure_fields(row, f"{question.id}-{index}", language)
                save_col, delete_col = st.columns(2)
                if save_col.form_submit_button(t("q.measure_save"), type="primary"):
                    _save_rows(db, user, context, question, rows[:index] + [edited] + rows[index + 1:])
                if delete_col.form_submit_button(t("q.measure_delete")):
                    _save_rows(db, user, context, question, rows[:index] + rows[index + 1:])
    if disabled:
        return
    if len(rows) >= question.max_rows:
        st.caption(t("q.measures_full", max=question.max_rows))
        return
    with st.expander(t("q.measure_add"), expanded=not rows), st.form(f"measure-{question.id}-new", clear_on_submit=True):
        new_row = _measure_fields({}, f"{question.id}-new", language)
        if st.form_submit_button(t("q.measure_add_submit"), type="primary"):
            _save_rows(db, user, context, question, rows + [new_row])


def _measure_fields(row: dict, key: str, language: str) -> dict:
    """Render the fields of one measure inside a form and return the values entered."""
    fields = MEASURE_FIELDS

    def label(name):
        return fields[name].label.get(language) + (" *" if fields[name].required else "")

    def help_of(name):
        return fields[name].help.get(language) if fields[name].help else None

    values = {"name": st.text_input(label("name"), value=row.get("name") or "", key=f"{key}-name")}
    groups = fields["target_groups"].options
    values["target_groups"] = st.multiselect(label("target_groups"), list(groups), default=row.get("target_groups") or [],
                                             format_func=lambda g: groups[g].get(language), key=f"{key}-groups",
                                             placeholder=t("q.choose_many"))
    values["start_date"] = st.text_input(label("start_date"), value=row.get("start_date") or "", help=help_of("start_date"),
                                         placeholder="2025-01-31", key=f"{key}-start")
    for name in ("resources", "impact_indicator", "baseline", "target"):
        widget = st.text_area if fields[name].kind == "long_text" else st.text_input
        values[name] = widget(label(name), value=row.get(name) or "", help=help_of(name), key=f"{key}-{name}")
    frequencies = fields["follow_up_frequency"].options
    current = row.get("follow_up_frequency")
    values["follow_up_frequency"] = st.selectbox(
        label("follow_up_frequency"), list(frequencies), index=list(frequencies).index(current) if current in frequencies else None,
        format_func=lambda f: frequencies[f].get(language), placeholder=t("q.choose"), key=f"{key}-frequency")
    values["latest_result"] = st.text_area(label("latest_result"), value=row.get("latest_result") or "", key=f"{key}-result")
    return {name: value for name, value in values.items() if value not in ("", [], None)}


def _save_rows(db, user, context, question, rows: list[dict]) -> None:
    if _save(db, user, context.response["id"], question, rows or None):
        st.rerun()


def _render_feedback(db, user, response_id: int, question: Question) -> None:
    saved = _state(KEY_SAVED).get(question.id)
    if saved and question.id not in _state(KEY_ERRORS) and question.id not in _state(KEY_CONFLICTS):
        st.caption(t("q.saved_now", when=local_time(saved)))
    error = _state(KEY_ERRORS).get(question.id)
    if error:
        st.error(error, icon=":material/error:")
    conflict = _state(KEY_CONFLICTS).get(question.id)
    if conflict:
        with st.container(border=True):
            st.warning(t("q.conflict", who=conflict["updated_by"], when=local_time(conflict["updated_at"])))
            st.text(t("q.conflict_theirs") + " " + format_value(question, conflict["value"]))
            st.text(t("q.conflict_mine") + " " + format_value(question, conflict["mine"]))
            keep, take = st.columns(2)
            keep.button(t("q.keep_mine"), key=f"keep-{response_id}-{question.id}", on_click=_keep_mine,
                        args=(db, user, response_id, question))
            take.button(t("q.take_theirs"), key=f"take-{response_id}-{question.id}", on_click=_take_theirs,
                        args=(response_id, question))


def visible_questions(context: ResponseContext, theme) -> list[Question]:
    """Return the theme's questions visible for this area with the current answers."""
    values = {qid: a.value for qid, a in context.answers.items()}
    return [q for q in theme.questions if is_visible(q, values, context.area)]


def render_history(db, user, context: ResponseContext, theme) -> None:
    """Render one question's change history, chosen from the theme's questions."""
    language = lang()
    questions = {q.id: q for q in theme.questions if q.id in context.answers}
    if not questions:
        st.caption(t("q.history_empty"))
        return
    chosen = st.selectbox(t("q.history_question"), list(questions), key=f"history-{theme.id}",
                          format_func=lambda qid: questions[qid].text.get(language)[:90])
    rows = answer_history(db, user, context.response["id"], chosen)
    question = questions[chosen]
    st.dataframe(
        table_cells(pd.DataFrame([{t("q.history_when"): local_time(r["changed_at"]), t("q.history_who"): r["changed_by"],
                                   t("q.history_old"): format_value(question, r["old_value"]),
                                   t("q.history_new"): format_value(question, r["new_value"])} for r in rows])),
        hide_index=True, width="stretch",
    )


def render_readonly_answer(question: Question, value: object, *, show_label: bool = True) -> None:
    """Show an answer as plain text (never rendered as Markdown or HTML)."""
    language = lang()
    if show_label:
        st.markdown(f"**{escape_markdown(question.text.get(language))}**")
    if question.type == "measures" and isinstance(value, list) and value:
        document.table(measures_table(value, language))
    else:
        st.text(format_value(question, value))
