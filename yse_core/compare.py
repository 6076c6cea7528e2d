"""Comparing one question's answers: across the areas a reviewer may read, and across the years."""

from __future__ import annotations

from collections import Counter

import sqlite_utils

from .answer_store import decode
from .area_registry import get_area
from .auth import User
from .questionnaire import MEASURE_FIELDS, Question
from .rounds import get_questionnaire, get_round


def answers_across_areas(db: sqlite_utils.Database, user: User, round_year: int, question_id: str) -> list[dict]:
    """Return one row per area: area id and name, region, state and the decoded answer (None if unanswered)."""
    user.require_role("reviewer", "admin")
    rows = db.query(
        """SELECT r.area_id, a.name_fi, a.name_sv, a.region, a.uusimaa, r.state, x.value, x.updated_at
           FROM responses r JOIN areas a ON a.id = r.area_id
           LEFT JOIN answers x ON x.response_id = r.id AND x.question_id = ?
           WHERE r.round_year = ? ORDER BY a.name_fi""",
        [question_id, round_year],
    )
    return [{**row, "value": decode(row["value"])} for row in rows]


def compare_years(db: sqlite_utils.Database, user: User, question_id: str, area_id: str | None = None) -> list[dict]:
    """Return the answers to one question id in every round: for one area, or every area the user may read."""
    if area_id is not None:
        user.require_area(area_id)
        get_area(db, area_id)
    elif user.is_respondent:
        area_id = user.area_id
    sql = """SELECT r.round_year, r.area_id, ar.name_fi AS area_name_fi, ar.name_sv AS area_name_sv,
                    rd.questionnaire_key, a.value, a.updated_by, a.updated_at
             FROM answers a JOIN responses r ON r.id = a.response_id
             JOIN rounds rd ON rd.year = r.round_year JOIN areas ar ON ar.id = r.area_id
             WHERE a.question_id = ?"""
    params: list[object] = [question_id]
    if area_id is not None:
        sql += " AND r.area_id = ?"
        params.append(area_id)
    sql += " ORDER BY ar.name_fi, r.round_year"
    texts: dict[str, dict | None] = {}
    rows = []
    for row in db.query(sql, params):
        key = row["questionnaire_key"]
        if key not in texts:
            try:
                texts[key] = get_questionnaire(db, key).question(question_id).text.model_dump(exclude_none=True)
            except KeyError:
                texts[key] = None
        rows.append({**row, "value": decode(row["value"]), "question_text": texts[key]})
    return rows


def distribution(question: Question, rows: list[dict]) -> list[dict]:
    """Count answers per choice (yes_no, single, multi, scale), with an 'unanswered' count; pure."""
    counts: Counter = Counter()
    unanswered = 0
    for row in rows:
        value = row["value"]
        if value is None:
            unanswered += 1
        elif question.type == "multi":
            counts.update(value)
        else:
            counts[value] += 1
    if question.type == "yes_no":
        keys = [True, False]
    elif question.type == "scale":
        keys = [1, 2, 3, 4, 5]
    else:
        keys = question.option_ids()
    result = [{"value": key, "count": counts.get(key, 0)} for key in keys]
    result.append({"value": None, "count": unanswered})
    return result


def measures_by_target_group(rows: list[dict]) -> list[dict]:
    """Count measures and the areas reporting them per target group, for a measures question; pure."""
    measures: Counter = Counter()
    areas: dict[str, set] = {}
    for row in rows:
        for measure in row["value"] or []:
            for group in measure.get("target_groups") or ["(ei ryhmää)"]:
                measures[group] += 1
                areas.setdefault(group, set()).add(row["area_id"])
    order = list(MEASURE_FIELDS["target_groups"].options) + ["(ei ryhmää)"]
    return [{"group": group, "measures": measures[group], "areas": len(areas.get(group, ()))}
            for group in order if measures.get(group)]


def search_text(rows: list[dict], needle: str) -> list[dict]:
    """Keep rows whose text answer contains the needle (case-insensitive); pure."""
    needle = needle.strip().lower()
    return [row for row in rows if isinstance(row["value"], str) and (not needle or needle in row["value"].lower())]


def round_questions(db: sqlite_utils.Database, round_year: int) -> list[tuple[str, Question]]:
    """Return (theme id, question) pairs of a round's questionnaire, in order."""
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    return [(theme.id, question) for theme, question in questionnaire.questions()]


def distribution_figure(counts: list[dict], labels: dict, title: str):
    """Return a horizontal bar chart (plotly) of a distribution; labels map values to display text."""
    import plotly.graph_objects as go

    names = [labels.get(row["value"], str(row["value"])) for row in counts]
    figure = go.Figure(go.Bar(x=[row["count"] for row in counts], y=names, orientation="h",
                              text=[row["count"] for row in counts], textposition="auto"))
    figure.update_layout(title=title, height=60 + 40 * len(counts), margin={"l": 10, "r": 10, "t": 50, "b": 10},
                         yaxis={"autorange": "reversed"}, xaxis_title="")
    return figure
