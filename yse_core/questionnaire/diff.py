"""Compare two versions of a questionnaire question by question (used for year-over-year answers)."""

from __future__ import annotations

from yse_core.questionnaire.models import Questionnaire


def compare_versions(old: Questionnaire, new: Questionnaire) -> dict[str, list[str]]:
    """Question ids ``added``, ``removed``, ``reworded`` (Finnish text changed), ``type_changed``
    and ``options_changed`` (single/multi option ids differ) between two questionnaires."""
    old_questions = dict(old.questions_by_id())
    new_questions = dict(new.questions_by_id())
    changes: dict[str, list[str]] = {
        "added": [],
        "removed": [],
        "reworded": [],
        "type_changed": [],
        "options_changed": [],
    }
    for question_id, question in new_questions.items():
        before = old_questions.get(question_id)
        if before is None:
            changes["added"].append(question_id)
            continue
        if before.text.fi != question.text.fi:
            changes["reworded"].append(question_id)
        if before.type != question.type:
            changes["type_changed"].append(question_id)
        elif question.type in ("single", "multi") and before.option_ids() != question.option_ids():
            changes["options_changed"].append(question_id)
    changes["removed"] = [question_id for question_id in old_questions if question_id not in new_questions]
    return changes
