"""Comparing one question's answers across the areas a reviewer may read."""

from __future__ import annotations

import json
from collections import Counter

import sqlite_utils

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
    return [{**row, "value": json.loads(row["value"]) if row["value"] is not None else None} for row in rows]


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
