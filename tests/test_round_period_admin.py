"""A round's statistics month set by an admin (CLI and rounds page), and the demo banner that says what is demo."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import NEXT, ROUND
from ui.round_period import DEFAULT_MONTH
from yse_core import rounds
from yse_core.cli import main
from yse_core.demo_answers import fill_demo_answers
from yse_core.errors import YseError
from yse_core.i18n import t
from yse_core.indicators.store import import_file

REAL_FILE = Path(__file__).parent / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"


def _cli(db_path: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _period_events(db) -> list[dict]:
    rows = db.execute("SELECT username, target, details FROM audit_log WHERE action = 'round_reference_period_set' "
                      "ORDER BY id").fetchall()
    return [{"username": row[0], "target": row[1], **json.loads(row[2])} for row in rows]


def _older_month(db) -> str:
    """A month with data that is not the 2025 round's default, so setting it is a visible change."""
    months = rounds.statistics_months(db)
    default = rounds.default_reference_period(db, rounds.get_round(db, ROUND)["deadline"])
    return next(month for month in months if month != default)


# --- command line ---------------------------------------------------------------------------------


def test_cli_opens_a_round_with_its_statistics_month(demo_db, demo_db_path, capsys):
    month = _older_month(demo_db)
    deadline = (date.today() + timedelta(days=30)).isoformat()
    code, out, err = _cli(demo_db_path, capsys, "rounds", "open", "--year", str(NEXT), "--questionnaire", "yse-2026@1",
                          "--deadline", deadline, "--reference-period", month)
    assert code == 0, err
    assert out.strip() == f"Kierros {NEXT} avattu, määräaika {deadline}, tilastokuukausi {month}"
    assert rounds.get_round(demo_db, NEXT)["reference_period"] == month
    details = json.loads(demo_db.execute(
        f"SELECT details FROM audit_log WHERE action = 'round_opened' AND target = '{NEXT}'").fetchone()[0])
    assert details["reference_period"] == month


def test_cli_set_period_then_default_are_audited_and_listed(demo_db, demo_db_path, capsys):
    month = _older_month(demo_db)
    default = rounds.default_reference_period(demo_db, rounds.get_round(demo_db, ROUND)["deadline"])
    assert _cli(demo_db_path, capsys, "rounds", "set-period", "--year", str(ROUND), "--period", month)[:2] == (
        0, f"Kierros {ROUND}: tilastokuukausi {month}\n")
    assert rounds.get_round(demo_db, ROUND)["reference_period"] == month
    assert f"tilastokuukausi {month}\n" in _cli(demo_db_path, capsys, "rounds", "list")[1]

    assert _cli(demo_db_path, capsys, "rounds", "set-period", "--year", str(ROUND), "--default")[:2] == (
        0, f"Kierros {ROUND}: tilastokuukausi {default} (oletus)\n")
    assert rounds.get_round(demo_db, ROUND)["reference_period"] is None
    assert f"tilastokuukausi {default} (oletus)" in _cli(demo_db_path, capsys, "rounds", "list")[1]
    assert _period_events(demo_db) == [
        {"username": "cli", "target": str(ROUND), "old": None, "new": month},
        {"username": "cli", "target": str(ROUND), "old": month, "new": None},
    ]


@pytest.mark.parametrize("bad", ["2025-13", "2025-00", "2025-1", "2025/12", "kesäkuu 2025", "12/2025"])
def test_cli_bad_period_says_the_format_in_finnish_and_writes_nothing(demo_db, demo_db_path, capsys, bad):
    code, out, err = _cli(demo_db_path, capsys, "rounds", "set-period", "--year", str(ROUND), "--period", bad)
    assert (code, out) == (1, "")
    assert err.strip() == f"virhe: Tilastokuukausi '{bad}' ei ole muotoa VVVV-KK (esim. 2025-12)."
    assert rounds.get_round(demo_db, ROUND)["reference_period"] is None
    assert _period_events(demo_db) == []


def test_cli_open_with_a_bad_period_opens_no_round(demo_db, demo_db_path, capsys):
    deadline = (date.today() + timedelta(days=30)).isoformat()
    code, _, err = _cli(demo_db_path, capsys, "rounds", "open", "--year", str(NEXT), "--questionnaire", "yse-2026@1",
                        "--deadline", deadline, "--reference-period", "2026-6")
    assert code == 1 and "ei ole muotoa VVVV-KK" in err
    assert demo_db.execute(f"SELECT COUNT(*) FROM rounds WHERE year = {NEXT}").fetchone()[0] == 0
    assert demo_db.execute(f"SELECT COUNT(*) FROM responses WHERE round_year = {NEXT}").fetchone()[0] == 0


def test_cli_set_period_needs_a_period_or_default(demo_db_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(demo_db_path), "rounds", "set-period", "--year", str(ROUND)])
    assert exit_info.value.code == 2
    assert "--period" in capsys.readouterr().err


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", "Tilastokuukausi '2025-13' ei ole muotoa VVVV-KK (esim. 2025-12)."),
    ("sv", "Statistikmånaden '2025-13' har inte formen ÅÅÅÅ-MM (t.ex. 2025-12)."),
    ("en", "The statistics month '2025-13' is not of the form YYYY-MM (e.g. 2025-12)."),
])
def test_bad_period_error_is_in_the_callers_language(demo_db, lang, expected):
    with pytest.raises(YseError) as error:
        rounds.set_reference_period(demo_db, ROUND, "2025-13", actor="x")
    assert error.value.message(lang) == expected


# --- the admin rounds page ------------------------------------------------------------------------


def _rounds_page(db_path: Path):
    app = logged_in_app(db_path, "demo-admin")
    app.switch_page("pages/admin_rounds.py").run()
    assert not app.exception, app.exception
    return app


def _month_column(app) -> dict[int, str]:
    frame = next(frame.value for frame in app.dataframe if "statistics_month" in frame.value.columns)
    return dict(zip(frame["year"], frame["statistics_month"], strict=True))


def _display(month: str) -> str:
    return f"{month[5:]}/{month[:4]}"


def test_admin_sets_a_rounds_statistics_month_on_the_page(demo_db, demo_db_path):
    month = _older_month(demo_db)
    app = _rounds_page(demo_db_path)
    assert _month_column(app)[ROUND].endswith(" (oletus)")
    app.selectbox(key="period-month-2025").set_value(month).run()
    app.button(key="period-save").click().run()
    assert not app.exception, app.exception
    assert rounds.get_round(demo_db, ROUND)["reference_period"] == month
    assert [element.value for element in app.success] == [f"Kierroksen {ROUND} tilastokuukausi on nyt {_display(month)}."]
    assert _month_column(app)[ROUND] == _display(month)
    assert _period_events(demo_db) == [{"username": "demo-admin", "target": str(ROUND), "old": None, "new": month}]


def test_admin_resets_a_rounds_statistics_month_to_the_default_on_the_page(demo_db, demo_db_path):
    month = _older_month(demo_db)
    default = rounds.default_reference_period(demo_db, rounds.get_round(demo_db, ROUND)["deadline"])
    rounds.set_reference_period(demo_db, ROUND, month, actor="setup")
    app = _rounds_page(demo_db_path)
    select = app.selectbox(key="period-month-2025")
    assert select.value == month
    assert select.options[0] == f"Oletus: viimeisin ennen määräaikaa ({_display(default)})"
    select.set_value(DEFAULT_MONTH).run()
    app.button(key="period-save").click().run()
    assert rounds.get_round(demo_db, ROUND)["reference_period"] is None
    assert [element.value for element in app.success] == [
        f"Kierroksen {ROUND} tilastokuukausi palautettiin oletukseen: {_display(default)}."]
    assert _month_column(app)[ROUND] == f"{_display(default)} (oletus)"
    assert _period_events(demo_db)[-1] == {"username": "demo-admin", "target": str(ROUND), "old": month, "new": None}


def test_admin_opens_a_round_with_a_statistics_month_on_the_page(demo_db, demo_db_path):
    month = _older_month(demo_db)
    app = _rounds_page(demo_db_path)
    app.number_input(key="open-year").set_value(NEXT)
    app.selectbox(key="open-questionnaire").set_value("yse-2026@1")
    app.selectbox(key="open-period").set_value(month).run()
    app.button(key="open-round").click().run()
    assert not app.exception, app.exception
    assert rounds.get_round(demo_db, NEXT)["reference_period"] == month
    assert [element.value for element in app.success] == [
        f"Kierros {NEXT} avattu; jokaiselle alueelle luotiin vastauspohja. "
        f"Tilastokuukausi: {_display(month)}."]
    assert _month_column(app)[NEXT] == _display(month)


# --- the demo banner ------------------------------------------------------------------------------


def _sidebar_warnings(db_path: Path) -> list[str]:
    app = logged_in_app(db_path, "demo-admin")
    return [element.value for element in app.sidebar.warning]


def _import_real_statistics(db) -> None:
    import_file(db, REAL_FILE.name, REAL_FILE.read_bytes(), user="test")


def test_banner_on_a_demo_database_says_statistics_and_answers_are_demo(demo_db, demo_db_path):
    fill_demo_answers(demo_db, ROUND)
    assert _sidebar_warnings(demo_db_path) == [t("demo.banner_both")]


def test_banner_says_only_the_answers_are_demo_after_real_statistics_are_imported(demo_db, demo_db_path):
    fill_demo_answers(demo_db, ROUND)
    _import_real_statistics(demo_db)
    assert _sidebar_warnings(demo_db_path) == [
        "Demo: vain vastaukset ovat demoa – osalla alueista on keksittyjä demovastauksia; tilastot ovat todellisia."]


def test_banner_is_absent_without_demo_content(demo_db, demo_db_path):
    _import_real_statistics(demo_db)  # the demo database here has no demo answers
    assert _sidebar_warnings(demo_db_path) == []


def test_banner_follows_the_data_within_one_process(demo_db, demo_db_path):
    assert _sidebar_warnings(demo_db_path) == [t("demo.banner_statistics")]
    _import_real_statistics(demo_db)  # the cached banner must not outlive the demo statistics
    assert _sidebar_warnings(demo_db_path) == []
