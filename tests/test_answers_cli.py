"""`python -m yse_core answers export/import`: JSON round trip and one-line errors that write nothing."""

from __future__ import annotations

import json

import pytest

from tests.test_foundation import run_cli
from tools.test_calendar import ROUND as ROUND_YEAR
from yse_core import auth, responses
from yse_core.db import open_db

ROUND = str(ROUND_YEAR)
AREA = "helsinki"
SAVED = {
    "trends_process_exists": True,
    "trends_process_self": 4,
    "trends_data_sources": ["employment_bulletin", "other"],
    "trends_process_description": "<b>Rivi 1</b>\n=SUM(A1) 📈 שלום",
    "ltu_measures": [{"name": "Työkokeilu", "target_groups": ["youth"], "start_date": "2025-03-01",
                      "resources": None, "impact_indicator": None, "baseline": None, "target": None,
                      "follow_up_frequency": "monthly", "latest_result": None}],
}


@pytest.fixture
def answered_db_path(demo_db_path):
    """The demo database with some Helsinki answers saved through the core."""
    db = open_db(demo_db_path)
    respondent = auth.get_user(db, "demo-helsinki")
    response_id = responses.get_response_row(db, respondent, int(ROUND), AREA)["id"]
    for question_id, value in SAVED.items():
        responses.save_answer(db, respondent, response_id, question_id, value, base_version=0)
    db.close()
    return demo_db_path


def export(db_path, out) -> dict:
    result = run_cli("answers", "export", "--round", ROUND, "--area", AREA, str(out), db_path=db_path)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def run_import(db_path, file):
    return run_cli("answers", "import", "--round", ROUND, "--area", AREA, "--user", "demo-helsinki", str(file),
                   db_path=db_path)


def stored_rows(db_path) -> dict[str, list]:
    db = open_db(db_path)
    rows = {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in ("answers", "answer_history")}
    db.close()
    return rows


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_export_writes_the_saved_answers_as_json(answered_db_path, tmp_path):
    assert export(answered_db_path, tmp_path / "out.json") == SAVED


def test_importing_an_unchanged_export_changes_nothing(answered_db_path, tmp_path):
    exported = tmp_path / "out.json"
    export(answered_db_path, exported)
    before = stored_rows(answered_db_path)
    result = run_import(answered_db_path, exported)
    assert result.returncode == 0, result.stderr
    assert f"0 muuttunutta, {len(SAVED)} ennallaan" in result.stdout
    assert stored_rows(answered_db_path) == before


def test_edited_export_imports_and_exports_again_the_same(answered_db_path, tmp_path):
    exported = tmp_path / "out.json"
    edited = {**export(answered_db_path, exported), "trends_process_self": 2, "funding_redirected": False}
    exported.write_text(json.dumps(edited, ensure_ascii=False, indent=2), encoding="utf-8")
    result = run_import(answered_db_path, exported)
    assert result.returncode == 0, result.stderr
    assert "Tuotu: 2 muuttunutta" in result.stdout
    assert export(answered_db_path, tmp_path / "again.json") == edited


def test_import_with_an_unknown_id_fails_in_one_line_and_writes_nothing(answered_db_path, tmp_path):
    file = tmp_path / "unknown.json"
    file.write_text(json.dumps({"trends_process_self": 1, "no_such_question": "x"}), encoding="utf-8")
    before = stored_rows(answered_db_path)
    assert_one_line_error(run_import(answered_db_path, file), "no_such_question", "mitään ei tallennettu")
    assert stored_rows(answered_db_path) == before


def test_invalid_json_fails_in_one_line_naming_line_and_column(answered_db_path, tmp_path):
    file = tmp_path / "broken.json"
    file.write_text('{\n  "trends_process_self": 4,\n  "trends_process_exists": tru\n}\n', encoding="utf-8")
    before = stored_rows(answered_db_path)
    assert_one_line_error(run_import(answered_db_path, file), "broken.json", "rivi 3, sarake 28")
    assert stored_rows(answered_db_path) == before


def test_file_that_is_not_utf8_fails_in_one_line(answered_db_path, tmp_path):
    file = tmp_path / "latin1.json"
    file.write_bytes('{"trends_process_description": "Työllisyys"}'.encode("latin-1"))
    before = stored_rows(answered_db_path)
    assert_one_line_error(run_import(answered_db_path, file), "latin1.json", "UTF-8")
    assert stored_rows(answered_db_path) == before


def test_import_as_a_respondent_of_another_area_is_refused(answered_db_path, tmp_path):
    file = tmp_path / "answers.json"
    file.write_text(json.dumps({"trends_process_self": 1}), encoding="utf-8")
    before = stored_rows(answered_db_path)
    result = run_cli("answers", "import", "--round", ROUND, "--area", AREA, "--user", "demo-vantaa", str(file),
                     db_path=answered_db_path)
    assert_one_line_error(result, "demo-vantaa", AREA)
    assert stored_rows(answered_db_path) == before
