"""The second factor (TOTP and recovery codes) on real SQLite files: enrolment, codes, replay, lockout, reset."""

from __future__ import annotations

import json
import time

import pyotp
import pytest

from tools.second_factor_helpers import enrol_user
from yse_core import audit, auth, second_factor
from yse_core.db import migrate
from yse_core.errors import AuthError

NOW = 1_800_000_000.0  # a fixed moment: steps are NOW // 30


@pytest.fixture
def db(plain_db):
    auth.add_user(plain_db, "tem.reviewer", "Tarkastaja", "a long enough password", "reviewer")
    auth.add_user(plain_db, "hel.analyst", "Analyytikko", "a long enough password", "respondent", "helsinki")
    return plain_db


def _code(secret: str, at: float) -> str:
    return pyotp.TOTP(secret).at(at)


def test_migration_applies_twice_without_change(db):
    migrate(db)
    assert {"second_factors", "recovery_codes"} <= set(db.table_names())
    names = [row[0] for row in db.execute("SELECT name FROM _sqlite_migrations WHERE name = '0011_second_factor'")]
    assert names == ["0011_second_factor"]


@pytest.mark.parametrize(("role_user", "demo", "required"), [
    ("tem.reviewer", False, True), ("hel.analyst", False, False), ("tem.reviewer", True, False),
])
def test_the_factor_is_required_for_tem_roles_except_on_the_demo_database(db, role_user, demo, required):
    if demo:
        db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('demo', '1')")
    assert second_factor.is_required(db, auth.get_user(db, role_user).role) is required


def test_the_provisioning_address_names_the_portal_and_the_user_and_the_qr_is_a_png():
    secret = second_factor.new_secret()
    uri = second_factor.provisioning_uri(secret, "tem.reviewer")
    assert uri.startswith("otpauth://totp/YSE-portaali:tem.reviewer?") and f"secret={secret}" in uri
    assert second_factor.qr_png(uri).startswith(b"\x89PNG")


def test_enrolment_needs_a_right_code_and_gives_ten_single_use_recovery_codes_stored_hashed(db):
    secret = second_factor.new_secret()
    with pytest.raises(AuthError) as wrong:
        second_factor.enrol(db, "tem.reviewer", secret, "000000" if _code(secret, NOW) != "000000" else "111111", at=NOW)
    assert wrong.value.key == "second_factor.error.enrol_wrong_code"
    assert not second_factor.is_enrolled(db, "tem.reviewer")
    codes = second_factor.enrol(db, "tem.reviewer", secret, _code(secret, NOW), at=NOW)
    assert len(codes) == len(set(codes)) == 10
    stored = [row[0] for row in db.execute("SELECT code_hash FROM recovery_codes WHERE username = 'tem.reviewer'")]
    assert len(stored) == 10 and not set(codes) & set(stored) and all(h.startswith("$2") for h in stored)
    state = second_factor.status(db, "tem.reviewer")
    assert (state.enrolled, state.recovery_codes_left) == (True, 10)


def test_a_code_of_the_current_or_a_neighbouring_step_logs_in_and_is_recorded(db):
    secret = enrol_user(db, "tem.reviewer", at=NOW - 90)
    assert second_factor.verify(db, "tem.reviewer", _code(secret, NOW - 30), at=NOW) == "totp"
    assert second_factor.verify(db, "tem.reviewer", _code(secret, NOW + 30), at=NOW) == "totp"
    login = audit.events(db, username="tem.reviewer", action="login", limit=1)[0]
    assert json.loads(login["details"]) == {"second_factor": "totp"}


def test_a_code_two_steps_away_is_refused(db):
    secret = enrol_user(db, "tem.reviewer", at=NOW - 300)
    with pytest.raises(AuthError) as refused:
        second_factor.verify(db, "tem.reviewer", _code(secret, NOW - 60), at=NOW)
    assert refused.value.key == "second_factor.error.wrong_code"


def test_a_replayed_code_is_refused_and_so_is_an_earlier_step(db):
    secret = enrol_user(db, "tem.reviewer", at=NOW - 90)
    second_factor.verify(db, "tem.reviewer", _code(secret, NOW), at=NOW)
    for code in (_code(secret, NOW), _code(secret, NOW - 30)):
        with pytest.raises(AuthError) as replayed:
            second_factor.verify(db, "tem.reviewer", code, at=NOW + 5)
        assert replayed.value.key == "second_factor.error.replayed"
    assert "tämä koodi on jo käytetty" in str(replayed.value).lower()


def test_the_code_that_confirmed_the_enrolment_does_not_log_in(db):
    secret = second_factor.new_secret()
    second_factor.enrol(db, "tem.reviewer", secret, _code(secret, NOW), at=NOW)
    with pytest.raises(AuthError, match="jo käytetty"):
        second_factor.verify(db, "tem.reviewer", _code(secret, NOW), at=NOW)


def test_a_recovery_code_works_once_in_any_spelling(db):
    secret = second_factor.new_secret()
    codes = second_factor.enrol(db, "tem.reviewer", secret, _code(secret, NOW), at=NOW)
    assert second_factor.verify(db, "tem.reviewer", " " + codes[3].lower().replace("-", " ") + " ", at=NOW) == "recovery_code"
    assert second_factor.status(db, "tem.reviewer").recovery_codes_left == 9
    with pytest.raises(AuthError) as used:
        second_factor.verify(db, "tem.reviewer", codes[3], at=NOW)
    assert used.value.key == "second_factor.error.recovery_code_used"
    assert second_factor.verify(db, "tem.reviewer", codes[4], at=NOW) == "recovery_code"


def test_renewed_recovery_codes_replace_the_old_ones(db):
    secret = second_factor.new_secret()
    old = second_factor.enrol(db, "hel.analyst", secret, _code(secret, NOW), at=NOW)
    new = second_factor.new_recovery_codes(db, "hel.analyst")
    with pytest.raises(AuthError, match="Koodi ei kelpaa"):
        second_factor.verify(db, "hel.analyst", old[0], at=NOW)
    assert second_factor.verify(db, "hel.analyst", new[0], at=NOW) == "recovery_code"


def test_wrong_codes_count_toward_the_password_lockout_and_the_fifth_locks(db):
    enrol_user(db, "tem.reviewer", at=NOW - 90)
    auth.record_failed_login(db, "tem.reviewer")  # a wrong password before counts too
    messages = []
    for _ in range(4):
        with pytest.raises(AuthError) as refused:
            second_factor.verify(db, "tem.reviewer", "ABCDE-FGHJK", at=NOW)
        messages.append(refused.value.key)
    assert messages[:3] == ["second_factor.error.wrong_code"] * 3
    assert messages[3] == "second_factor.error.locked"
    assert "jäljellä ennen lukitusta: 3" not in str(refused.value)
    assert auth.is_locked(auth.get_user(db, "tem.reviewer"))
    failed = audit.events(db, username="tem.reviewer", action="login_failed", limit=1)[0]
    assert json.loads(failed["details"])["step"] == "second factor"
    with pytest.raises(AuthError) as locked:  # locked: even a right code is not checked
        second_factor.verify(db, "tem.reviewer", "123456", at=NOW)
    assert locked.value.key == "auth.error.locked_until"


def test_the_message_says_how_many_attempts_are_left(db):
    enrol_user(db, "tem.reviewer", at=NOW - 90)
    with pytest.raises(AuthError) as refused:
        second_factor.verify(db, "tem.reviewer", "ABCDE-FGHJK", at=NOW)
    assert str(refused.value).endswith("Yrityksiä jäljellä ennen lukitusta: 4.")


def test_a_right_code_clears_the_failure_count(db):
    secret = enrol_user(db, "tem.reviewer", at=NOW - 90)
    for _ in range(3):
        with pytest.raises(AuthError):
            second_factor.verify(db, "tem.reviewer", "ABCDE-FGHJK", at=NOW)
    second_factor.verify(db, "tem.reviewer", _code(secret, NOW), at=NOW)
    assert db.execute("SELECT failed_logins FROM users WHERE username = 'tem.reviewer'").fetchone()[0] == 0


def test_an_admin_reset_removes_the_factor_and_its_codes_and_is_audited(db):
    enrol_user(db, "tem.reviewer", at=NOW)
    assert second_factor.reset(db, "tem.reviewer", actor="boss") is True
    assert not second_factor.is_enrolled(db, "tem.reviewer")
    assert db.execute("SELECT COUNT(*) FROM recovery_codes").fetchone()[0] == 0
    event = audit.events(db, action="second_factor_reset", limit=1)[0]
    assert (event["username"], event["target"]) == ("boss", "tem.reviewer")
    assert second_factor.reset(db, "tem.reviewer", actor="boss") is False
    with pytest.raises(AuthError, match="ei ole käytössä"):
        second_factor.verify(db, "tem.reviewer", "123456", at=NOW)


def test_enrolling_twice_is_refused(db):
    secret = enrol_user(db, "tem.reviewer", at=NOW)
    with pytest.raises(AuthError, match="jo käytössä"):
        second_factor.enrol(db, "tem.reviewer", secret, _code(secret, NOW + 30), at=NOW + 30)


def test_the_helper_enrols_so_that_the_current_code_logs_in(db):
    secret = enrol_user(db, "tem.reviewer")
    assert second_factor.verify(db, "tem.reviewer", pyotp.TOTP(secret).now(), at=time.time()) == "totp"


def test_cli_resets_the_factor_and_audits_it(db, capsys):
    from yse_core.cli import main

    enrol_user(db, "tem.reviewer")
    path = db.execute("PRAGMA database_list").fetchone()[2]
    assert main(["--db", path, "users", "reset-2fa", "tem.reviewer"]) == 0
    assert "tem.reviewer" in capsys.readouterr().out
    assert not second_factor.is_enrolled(db, "tem.reviewer")
    assert audit.events(db, action="second_factor_reset", limit=1)[0]["username"] == "cli"
    assert main(["--db", path, "users", "reset-2fa", "nobody"]) == 1


def test_an_admin_resets_a_reviewers_factor_on_the_users_page_and_it_is_audited(demo_db_path):
    from tools.apptest_helpers import logged_in_app
    from yse_core.db import open_db

    db = open_db(demo_db_path)
    enrol_user(db, "demo-reviewer")
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_users.py").run()
    app.selectbox(key="admin-user-choice").set_value("demo-reviewer").run()
    assert not app.button(key="admin-reset-2fa").disabled
    app.button(key="admin-reset-2fa").click().run()
    assert not app.exception
    assert "Kaksivaiheinen tunnistautuminen poistettu: demo-reviewer." in [element.value for element in app.success]
    assert not second_factor.is_enrolled(db, "demo-reviewer")
    event = audit.events(db, action="second_factor_reset", limit=1)[0]
    assert (event["username"], event["target"]) == ("demo-admin", "demo-reviewer")
    assert app.button(key="admin-reset-2fa").disabled  # nothing left to reset
