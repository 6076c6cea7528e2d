"""Invented demo answers for most areas, so reviewers' views have something to show. Labelled as demo."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlite_utils

from .auth import get_user
from .follow_ups import FOLLOW_UP_QUESTION_PREFIX
from .questionnaire import TARGET_GROUPS, is_visible, validate_answer
from .responses import SubmitIncomplete, get_response_row, load_context, save_answer, submit
from .rounds import get_round

# Areas left untouched so that their demo respondents meet an empty questionnaire, as on a first visit.
UNTOUCHED = {"helsinki", "vantaa", "lahti", "kouvola", "porvoo", "kymppi", "rovaniemi", "oulun-seutu"}
SEED = 2025

TEXTS = (
    "Demo: tilannekuvaa käsitellään kuukausittain työllisyysalueen johtoryhmässä ja poliittisessa ohjausryhmässä.",
    "Demo: resursseja on suunnattu pitkäaikaistyöttömien palveluihin ja nuorten ohjaamotoimintaan.",
    "Demo: yhteistyö hyvinvointialueen kanssa on tiivistynyt, mutta tietojärjestelmien siirtymä hidasti palvelua.",
    "Demo: henkilöstön rekrytointi viivästyi alkuvuonna, minkä vuoksi alkuhaastattelujen määräajat eivät toteutuneet.",
    "Demo: työnantajakäyntejä on lisätty ja rekrytointitapahtumia järjestetty yhdessä elinkeinopalvelujen kanssa.",
)
PLAUSIBLE_NUMBERS = {  # FACTS §5: waits 7–46 days, face-to-face 25–70 %
    "initial_interview_avg_days": (7, 46),
    "face_to_face_share_reported": (25, 70),
    "employer_contacts_per_year": (150, 2500),
}
# Answers to the carried follow-up questions ("last year you agreed …: what happened?").
FOLLOW_UP_TEXTS = (
    "Demo: asia on työn alla; ensimmäiset toimet tehtiin keväällä ja loput on aikataulutettu syksyyn.",
    "Demo: toteutettu. Kirjaamiskäytännöt on käyty läpi koko henkilöstön kanssa.",
    "Demo: viivästynyt henkilöstömuutosten vuoksi; asia on johtoryhmän seurannassa.",
)
MEASURES = (
    ("Demo: työhönvalmennus", ["long_term_unemployed"]),
    ("Demo: nuorten työpaja", ["youth"]),
    ("Demo: kielituettu työkokeilu", ["immigrants"]),
    ("Demo: rekrytointimessut", ["employers", "all_jobseekers"]),
)


def _value_for(question, rng: random.Random, round_year: int):
    if question.id.startswith(FOLLOW_UP_QUESTION_PREFIX):
        return rng.choice(FOLLOW_UP_TEXTS)
    if question.type in ("text", "long_text"):
        return rng.choice(TEXTS)
    if question.type == "yes_no":
        return rng.random() < 0.7
    if question.type == "single":
        return rng.choice(question.option_ids())
    if question.type == "multi":
        return rng.sample(question.option_ids(), k=min(len(question.option_ids()), rng.randint(1, 3)))
    if question.type == "scale":
        return rng.choice([2, 3, 3, 4, 4, 5])
    if question.id in PLAUSIBLE_NUMBERS:
        return rng.randint(*PLAUSIBLE_NUMBERS[question.id])
    if question.type == "number":
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else 1000
        return int(low + (high - low) * rng.uniform(0.05, 0.5))
    rows = []
    for name, groups in rng.sample(MEASURES, k=rng.randint(1, 2)):
        tracked = rng.random() < 0.8  # most measures an area lists are tracked; the rest make the point
        row = {"name": name, "target_groups": [g for g in groups if g in TARGET_GROUPS], "start_date": f"{round_year}-03-01"}
        if tracked:
            row.update(impact_indicator="Demo: työllistyneiden osuus 6 kk jälkeen", baseline="20 %", target="30 %",
                       follow_up_frequency="quarterly")
        rows.append(row)
    return rows


def record_demo_discussions(
    db: sqlite_utils.Database, round_year: int, count: int = 3, *, held_on: date | None = None,
    settled_every: int = 0,
) -> list[str]:
    """Record an invented discussion with two follow-up items for the first ``count`` submitted areas; returns their ids.

    ``held_on`` (default today) is the first discussion's date, the next ones a working day apart, never after
    today. With ``settled_every`` = n, every n-th area's TEM item is already done and its own item in progress
    (the rest stay open), as in a past round whose items have been worked on.
    """
    from .discussions import add_follow_up, record_discussion

    reviewer = get_user(db, "demo-reviewer")
    area_ids = [row[0] for row in db.execute(
        "SELECT area_id FROM responses WHERE round_year = ? AND state = 'submitted' ORDER BY area_id LIMIT ?", [round_year, count])]
    first = held_on or date.today()
    for index, area_id in enumerate(area_ids):
        held = min(first + timedelta(days=index + 2 * (index // 5)), date.today())  # five a week, weekends off
        settled = bool(settled_every) and index % settled_every == 0
        record_discussion(db, reviewer, round_year, area_id, held_on=held,
                          participants="Demo: TEM (2 henkilöä), työllisyysalueen johtaja ja palvelupäällikkö",
                          notes={"general": "Demo: käytiin läpi ennakkokyselyn vastaukset ja alueen tilastot."},
                          follow_up_needed=False, follow_up_date=None, follow_up_notes="")
        add_follow_up(db, reviewer, round_year, area_id, "Demo: kirjataan omat toimet asiakastietojärjestelmään",
                      "area", "Palvelupäällikkö", held + timedelta(days=120),
                      status="in_progress" if settled else "open")
        add_follow_up(db, reviewer, round_year, area_id, "Demo: TEM toimittaa datapakettien käyttöohjeen", "tem", None,
                      held + timedelta(days=60), status="done" if settled else "open")
    return area_ids


def fill_demo_answers(db: sqlite_utils.Database, round_year: int, *, submit_all: bool = False, seed: str = "") -> int:
    """Answer the questionnaire for every area except UNTOUCHED, deterministically; submit about a third (or all).

    ``seed`` varies the answers (a past round's answers differ from this round's). Returns the areas filled.
    """
    get_round(db, round_year)
    area_ids = [row[0] for row in db.execute("SELECT area_id FROM responses WHERE round_year = ? ORDER BY area_id", [round_year])]
    filled = 0
    for index, area_id in enumerate(area_ids):
        if area_id in UNTOUCHED:
            continue
        rng = random.Random(f"{SEED}-{area_id}{seed}")
        user = get_user(db, f"demo-{area_id}")
        context = load_context(db, user, round_year, area_id)
        if context.answers:
            continue
        values: dict[str, object] = {}
        share = rng.uniform(0.4, 1.0)
        for _theme, question in context.questionnaire.questions():
            if not is_visible(question, values, context.area):
                continue
            if not question.required and rng.random() > share:
                continue
            values[question.id] = validate_answer(question, _value_for(question, rng, round_year))
            save_answer(db, user, context.response["id"], question.id, values[question.id], base_version=0)
        filled += 1
        if submit_all or index % 3 == 0:
            try:
                submit(db, user, get_response_row(db, user, round_year, area_id)["id"])
            except SubmitIncomplete:  # a demo area with a required answer missing simply stays a draft
                pass
    return filled


DEMO_ACCOUNT_PREFIX = "demo-"


def demo_answer_areas(db: sqlite_utils.Database, round_year: int | None = None) -> set[str]:
    """Areas whose answers (in a round, or in any) include one last written by a demo account of a demo database.

    Only a database made with ``init --demo`` has demo answers: on any other database a user name is just a name.
    """
    from .db import is_demo

    if not is_demo(db):
        return set()
    sql = ("SELECT DISTINCT r.area_id FROM answers a JOIN responses r ON r.id = a.response_id "
           "WHERE a.updated_by LIKE ?")
    params: list = [DEMO_ACCOUNT_PREFIX + "%"]
    if round_year is not None:
        sql += " AND r.round_year = ?"
        params.append(round_year)
    return {row[0] for row in db.execute(sql, params)}


def has_demo_answers(db: sqlite_utils.Database) -> bool:
    """Whether any answer was last written by a demo account of a demo database (``demo_answer_areas`` non-empty)."""
    from .db import is_demo

    if not is_demo(db):
        return False
    # Every answer belongs to a response, so the answers table alone tells; EXISTS stops at the first demo row.
    return bool(db.execute("SELECT EXISTS(SELECT 1 FROM answers WHERE updated_by LIKE ?)",
                           [DEMO_ACCOUNT_PREFIX + "%"]).fetchone()[0])


def has_demo_statistics(db: sqlite_utils.Database) -> bool:
    """Whether any demo figure is in the database (a scan when there is none: cache it on ``db.data_stamp``)."""
    return db.execute("SELECT 1 FROM indicator_values WHERE is_demo = 1 LIMIT 1").fetchone() is not None


def demo_content(db: sqlite_utils.Database) -> dict[str, bool]:
    """Which demo content the database holds now: ``statistics`` (demo figures) and ``answers`` (demo answers)."""
    return {"statistics": has_demo_statistics(db), "answers": has_demo_answers(db)}
