"""Discussion slides (.pptx): content, the zip, permissions, the CLI; the round texts and contact persons behind them."""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import closing

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import PREVIOUS, ROUND
from yse_core import audit, auth, contacts, responses
from yse_core.db import migrate, open_db
from yse_core.errors import AuthError, NotFound, PermissionDenied, YseError
from yse_core.exports import slides_pptx, slides_zip
from yse_core.exports.slides import point_question
from yse_core.formatting import value_with_unit
from yse_core.gaps.service import points_for_area
from yse_core.indicators.catalogue import load_catalogue
from yse_core.round_texts import points, round_texts, set_round_text
from yse_core.rounds import reference_period

from .test_foundation import run_cli

NO_MEASURES = {"ltu_measures_exist": False, "youth_measures_exist": False, "immigrant_measures_exist": False}


def deck_texts(data: bytes) -> list[str]:
    """The text of each slide (text boxes and table cells), one string per slide."""
    result = []
    for slide in Presentation(io.BytesIO(data)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        result.append("\n".join(parts))
    return result


def pictures(data: bytes) -> list:
    return [shape for slide in Presentation(io.BytesIO(data)).slides for shape in slide.shapes
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]


@pytest.fixture
def admin(demo_db):
    return auth.get_user(demo_db, "demo-admin")


@pytest.fixture
def reviewer(demo_db):
    return auth.get_user(demo_db, "demo-reviewer")


@pytest.fixture
def helsinki_points(demo_db, reviewer):
    """Helsinki answers that it has no measures for the target groups; returns its discussion points."""
    helsinki = auth.get_user(demo_db, "demo-helsinki")
    response_id = responses.get_response_row(demo_db, helsinki, ROUND, "helsinki")["id"]
    for question_id, value in NO_MEASURES.items():
        responses.save_answer(demo_db, helsinki, response_id, question_id, value, base_version=0)
    found = points_for_area(demo_db, ROUND, "helsinki", reviewer)
    assert found, "answering 'no measures' should raise at least one discussion point in Helsinki"
    return found


# --- the data behind the slides ---------------------------------------------------------------------


def test_migration_adds_round_texts_and_applies_once(plain_db):
    columns = {column.name for column in plain_db["round_texts"].columns}
    assert {"round_year", "kind", "lang", "body", "updated_by", "updated_at"} <= columns
    migrate(plain_db)  # a second time: nothing to do, nothing fails
    names = [row[0] for row in plain_db.execute("SELECT name FROM _sqlite_migrations WHERE name LIKE '0009%'")]
    assert names == ["0009_round_texts"]


def test_admin_assigns_and_unassigns_an_areas_contact_persons_audited(demo_db, admin):
    before = [c["username"] for c in auth.area_contacts(demo_db, "helsinki")]
    assert "demo-reviewer-2" not in before
    assert contacts.assign_contact(demo_db, admin, "helsinki", "demo-reviewer-2") is True
    assert contacts.assign_contact(demo_db, admin, "helsinki", "demo-reviewer-2") is False  # already one
    assert "demo-reviewer-2" in [c["username"] for c in contacts.contacts_by_area(demo_db)["helsinki"]]
    assert "helsinki" in auth.reviewer_area_ids(demo_db, "demo-reviewer-2")  # the same data the users page edits
    assert contacts.unassign_contact(demo_db, admin, "helsinki", "demo-reviewer-2") is True
    assert [c["username"] for c in auth.area_contacts(demo_db, "helsinki")] == before
    logged = [(event["action"], event["target"], event["username"]) for event in audit.events(demo_db)
              if event["action"].startswith("contact_")]
    assert logged == [("contact_unassigned", "helsinki", "demo-admin"), ("contact_assigned", "helsinki", "demo-admin")]


def test_set_area_contacts_replaces_the_areas_reviewers(demo_db, admin):
    contacts.set_area_contacts(demo_db, admin, "vantaa", ["demo-reviewer-2", "demo-reviewer"])
    assert sorted(c["username"] for c in auth.area_contacts(demo_db, "vantaa")) == ["demo-reviewer", "demo-reviewer-2"]
    contacts.set_area_contacts(demo_db, admin, "vantaa", [])
    assert auth.area_contacts(demo_db, "vantaa") == []


def test_only_admins_assign_contacts_and_only_reviewers_can_be_contacts(demo_db, admin, reviewer):
    with pytest.raises(PermissionDenied):
        contacts.assign_contact(demo_db, reviewer, "vantaa", "demo-reviewer")
    with pytest.raises(AuthError) as raised:
        contacts.assign_contact(demo_db, admin, "vantaa", "demo-helsinki")
    assert "ei ole tarkastaja" in raised.value.message("fi")
    with pytest.raises(NotFound):
        contacts.assign_contact(demo_db, admin, "no-such-area", "demo-reviewer")
    assert "demo-helsinki" not in [c["username"] for c in auth.area_contacts(demo_db, "vantaa")]


def test_demo_round_has_tems_2025_texts_and_demo_reviewer_as_a_contact(demo_db):
    texts = round_texts(demo_db, ROUND)
    assert texts["goals"]["fi"].startswith("Mahdollisimman hyvän tilannekuvan saaminen")
    assert "Heikko työmarkkinatilanne sekä pitkäaikais- ja nuorisotyöttömyyden kasvu" in texts["topics"]["fi"]
    assert texts["topics"]["sv"] and texts["goals"]["sv"]
    assert "TEM" in texts["source"]["fi"] and "2025" in texts["source"]["fi"]
    topic_points = points(texts["topics"]["fi"])
    assert [level for level, _ in topic_points].count(0) == 4  # TEM's four topical matters, with sub-points
    assert (1, "Datapakettien hyödyntäminen ja siihen liittyvän osaamisen varmistaminen.") in topic_points
    assert "demo-reviewer" in [c["username"] for c in auth.area_contacts(demo_db, "helsinki")]


def test_admin_saves_round_texts_others_may_not(demo_db, admin, reviewer):
    set_round_text(demo_db, admin, ROUND, "goals", "sv", "Första målet\n  o underpunkt\nAndra målet")
    assert round_texts(demo_db, ROUND)["goals"]["sv"] == "Första målet\n  o underpunkt\nAndra målet"
    assert points(round_texts(demo_db, ROUND)["goals"]["sv"]) == [(0, "Första målet"), (1, "underpunkt"), (0, "Andra målet")]
    set_round_text(demo_db, admin, ROUND, "goals", "en", "")
    assert "en" not in round_texts(demo_db, ROUND)["goals"]
    with pytest.raises(PermissionDenied):
        set_round_text(demo_db, reviewer, ROUND, "goals", "fi", "x")
    with pytest.raises(YseError) as raised:
        set_round_text(demo_db, admin, ROUND, "agenda", "fi", "x")
    assert "agenda" in raised.value.message("sv")
    newest = [event["target"] for event in audit.events(demo_db, action="round_text_set")][:2]
    assert newest == [f"{ROUND}/goals/en", f"{ROUND}/goals/sv"]  # the removal is logged too


# --- the deck ---------------------------------------------------------------------------------------


def test_slides_hold_area_contacts_figures_chart_questions_and_texts(demo_db, demo_db_path, reviewer, helsinki_points):
    data = slides_pptx(demo_db, reviewer, ROUND, "helsinki")
    slides = deck_texts(data)
    text = "\n".join(slides)
    assert "Helsingin kaupunki" in slides[0] and "TEM:n yhteyshenkilöt" in slides[0]
    assert all(c["display_name"] in slides[0] for c in auth.area_contacts(demo_db, "helsinki"))
    assert "Demo-tarkastaja (TEM)" in slides[0]
    assert "Mahdollisimman hyvän tilannekuvan saaminen" in slides[1]
    assert "Ajankohtaiset" in text and "ÄRM -tilanteita ilmaantunut tänä vuonna." in text
    assert "demoaineistoa" in text and "DEMO" in text
    # a figure as `indicators show` prints it for the round's statistics month
    period = reference_period(demo_db, ROUND)
    shown = run_cli("indicators", "show", "--area", "helsinki", "--period", period, db_path=demo_db_path)
    assert shown.returncode == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if line.rstrip().endswith("(TYOTTOMYYSASTE)"))
    assert period in line
    value = float(re.search(r"\s(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s+%", line).group(1))
    rate = load_catalogue().get("TYOTTOMYYSASTE")
    expected = value_with_unit(value, rate.unit, "fi", rate.decimals)
    figures = next(slide for slide in slides if slide.startswith("Havaintoja alueelta"))
    assert expected in figures and f"{period[5:]}/{period[:4]}" in figures
    assert len(pictures(data)) == 1  # the chart
    for point in helsinki_points:
        assert point.title_in("fi") in text and point_question(point, "fi") in text
    assert "Edellisen kierroksen jatkotoimet" in text


def test_slides_say_when_an_area_has_no_contacts_and_show_last_rounds_follow_ups(demo_db, admin, reviewer):
    contacts.set_area_contacts(demo_db, admin, "vantaa", [])
    demo_db.execute(f"""INSERT INTO rounds(year, questionnaire_key, opens, deadline, state, created_at)
                       VALUES ({PREVIOUS}, 'yse-2025@1', '2024-01-08', '2024-02-29', 'closed', '2024-01-08T00:00:00+00:00')""")
    demo_db.execute(f"""INSERT INTO follow_ups(round_year, area_id, body, owner_side, owner, due, status, created_by, created_at)
                       VALUES ({PREVIOUS}, 'vantaa', 'Kasvokkaisten tapaamisten seuranta kuukausittain', 'area', NULL,
                               '2025-06-30', 'open', 'demo-reviewer', '2024-03-01T10:00:00+00:00')""")
    demo_db.conn.commit()
    slides = deck_texts(slides_pptx(demo_db, reviewer, ROUND, "vantaa"))
    assert "Vantaan työllisyysalue" in slides[0] and "Alueelle ei ole nimetty TEM:n yhteyshenkilöitä." in slides[0]
    follow_ups = slides[-1]
    assert f"Edellisen kierroksen ({PREVIOUS}) jatkotoimet" in follow_ups
    assert "Kasvokkaisten tapaamisten seuranta kuukausittain" in follow_ups and "Avoin" in follow_ups


def test_slides_in_swedish(demo_db, reviewer, helsinki_points):
    slides = deck_texts(slides_pptx(demo_db, reviewer, ROUND, "helsinki", lang="sv"))
    text = "\n".join(slides)
    assert "Helsingfors stad" in slides[0] and "ANM:s kontaktpersoner" in slides[0]
    assert "Aktuellt" in text and "Frågor för diskussionen" in text
    assert all(point_question(point, "sv") in text for point in helsinki_points)


def test_respondent_exports_own_slides_only(demo_db):
    helsinki = auth.get_user(demo_db, "demo-helsinki")
    assert slides_pptx(demo_db, helsinki, ROUND, "helsinki")[:2] == b"PK"
    with pytest.raises(PermissionDenied):
        slides_pptx(demo_db, helsinki, ROUND, "vantaa")
    with pytest.raises(PermissionDenied):
        slides_zip(demo_db, helsinki, ROUND)
    assert [event["target"] for event in audit.events(demo_db, action="export_slides")] == [f"{ROUND}/helsinki"]


def test_cli_exports_one_deck_and_the_zip_of_every_area(demo_db_path, tmp_path):
    one = tmp_path / "helsinki.pptx"
    result = run_cli("export", "slides", "--round", str(ROUND), "--area", "helsinki", str(one), db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert "Helsingin kaupunki" in deck_texts(one.read_bytes())[0]
    bundle = tmp_path / "all.zip"
    result = run_cli("export", "slides", "--round", str(ROUND), "--lang", "sv", str(bundle), db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    with closing(open_db(demo_db_path)) as db:
        area_ids = [row[0] for row in db.execute("SELECT id FROM areas ORDER BY id")]
        names = {row[0]: row[1] for row in db.execute("SELECT id, name_sv FROM areas")}
        assert [event["target"] for event in audit.events(db, action="export_slides_zip")] == [str(ROUND)]
    archive = zipfile.ZipFile(bundle)
    assert len(area_ids) == 45
    assert sorted(archive.namelist()) == sorted(f"YSE-2025-{area_id}-kalvot.pptx" for area_id in area_ids)
    for area_id in ("vantaa", "helsinki"):
        assert names[area_id] in deck_texts(archive.read(f"YSE-2025-{area_id}-kalvot.pptx"))[0]


def test_cli_lists_and_changes_contacts(demo_db_path):
    added = run_cli("areas", "contacts", "add", "vantaa", "demo-reviewer-2", db_path=demo_db_path)
    assert added.returncode == 0, added.stderr
    listing = run_cli("areas", "contacts", "list", "--area", "vantaa", db_path=demo_db_path).stdout
    assert "Toinen demo-tarkastaja (TEM) (demo-reviewer-2)" in listing
    refused = run_cli("areas", "contacts", "add", "vantaa", "demo-vantaa", db_path=demo_db_path)
    assert refused.returncode == 1 and "ei ole tarkastaja" in refused.stderr


# --- the pages --------------------------------------------------------------------------------------


def test_exports_page_prepares_the_slides_on_click(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.switch_page("pages/exports.py").run()
    assert not app.exception, app.exception
    assert "Lataa keskustelukalvot (.pptx)" not in [element.proto.label for element in app.get("download_button")]
    next(button for button in app.button if button.label == "Laadi keskustelukalvot (.pptx)").click().run(timeout=120)
    assert not app.exception, app.exception
    assert "Lataa keskustelukalvot (.pptx)" in [element.proto.label for element in app.get("download_button")]
    assert "Laadi kaikkien alueiden keskustelukalvot (.zip)" in [button.label for button in app.button]
    with closing(open_db(demo_db_path)) as db:
        assert len(audit.events(db, action="export_slides")) == 1


def test_admin_edits_the_round_texts_on_the_rounds_page(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_rounds.py").run()
    assert not app.exception, app.exception
    goals = next(area for area in app.text_area if area.label == "Vuoden tavoitteet")
    assert goals.value.startswith("Mahdollisimman hyvän tilannekuvan saaminen")  # the demo's TEM texts, shown
    goals.input("Uusi tavoite\n  o sen alakohta")
    next(button for button in app.button if button.label == "Tallenna tekstit").click().run()
    assert not app.exception, app.exception
    assert any("tallennettu" in success.value for success in app.success)
    with closing(open_db(demo_db_path)) as db:
        assert round_texts(db, ROUND)["goals"]["fi"] == "Uusi tavoite\n  o sen alakohta"
    assert next(area for area in app.text_area if area.label == "Vuoden tavoitteet").value == "Uusi tavoite\n  o sen alakohta"


def test_admin_assigns_contacts_on_the_areas_page(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_areas.py").run()
    assert not app.exception, app.exception
    app.selectbox(key="contacts-area").set_value("vantaa").run()
    app.multiselect(key="contacts-vantaa").set_value(["demo-reviewer-2"])
    next(button for button in app.button if button.label == "Tallenna yhteyshenkilöt").click().run()
    assert not app.exception, app.exception
    with closing(open_db(demo_db_path)) as db:
        assert [c["username"] for c in auth.area_contacts(db, "vantaa")] == ["demo-reviewer-2"]
