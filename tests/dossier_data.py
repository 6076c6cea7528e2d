"""A demo area with something in every section of the dossier (shared by the AppTest and the browser tests)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from yse_core import auth
from yse_core.comments import add_comment
from yse_core.db import open_db
from yse_core.discussions import add_follow_up
from yse_core.follow_ups import followup_question_id
from yse_core.indicators.demo import stored_standouts
from yse_core.responses import get_response_row, save_answer
from yse_core.rounds import get_round, list_rounds, open_round


def prepare_dossier_area(demo_db_path: Path) -> tuple[str, int, int]:
    """Give a demo area a high and a medium point, a measure without its details, a clarification request, a
    comment, and a follow-up item agreed in the previous round that the area has answered in this one.

    Returns (area id, the latest round's year, the previous round's year); a previous round is opened if there is none.
    """
    db = open_db(demo_db_path)
    area_id = stored_standouts(db)["interviews_late"][0]
    respondent, reviewer = auth.get_user(db, f"demo-{area_id}"), auth.get_user(db, "demo-reviewer")
    current = max(row["year"] for row in list_rounds(db))
    previous = current - 1
    if not any(row["year"] == previous for row in list_rounds(db)):
        open_round(db, previous, get_round(db, current)["questionnaire_key"], date.today() + timedelta(days=1))
    item = add_follow_up(db, reviewer, previous, area_id, "Nuorten palveluihin seurantamalli", "area", "Työllisyysjohtaja",
                         date(2025, 6, 30))
    response_id = get_response_row(db, respondent, current, area_id)["id"]
    for question_id, value in [("initial_interview_self", 5), ("youth_measures_exist", True),
                               ("youth_measures", [{"name": "Nuorten työpaja", "target_groups": ["youth"]}]),
                               (followup_question_id(item), "Malli otettiin käyttöön 3/2025.")]:
        save_answer(db, respondent, response_id, question_id, value, base_version=0)
    add_comment(db, reviewer, response_id, "Miten työpajan vaikutusta seurataan?", question_id="youth_measures",
                needs_clarification=True)
    add_comment(db, reviewer, response_id, "Kiitos selkeästä vastauksesta.")
    db.close()
    return area_id, current, previous


