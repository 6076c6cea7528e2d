"""The statements a Finnish public service publishes: the accessibility statement (Act 306/2019, sections 15-16)
and the privacy notice (GDPR articles 13-14), in Finnish, Swedish and English.

Both are built here as Markdown from three parts: the catalogue's wording (``i18n/statements.yaml``), the
accessibility evaluation (``reference/accessibility_evaluation.yaml``, kept in step with docs/accessibility.md
by tests/test_statements.py) and what an admin sets in the portal: the controller and its contacts, the
feedback channel, the supervisory authority, the retention period and texts of their own in each language.
A value the admin has not set yet is said to be unset, never left blank. Reading them needs no login.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import sqlite_utils
import yaml

from . import audit
from .auth import User
from .db import get_setting, transaction
from .errors import YseError
from .formatting import local_date
from .i18n import LANGUAGES, t

EVALUATION_FILE = Path(__file__).parent / "reference" / "accessibility_evaluation.yaml"
# What an admin sets: the same in every language (names, addresses, a number of years).
CONTACT_FIELDS = ("controller", "controller_contact", "dpo_contact", "feedback_email", "supervisor",
                  "retention_years")
# What an admin writes in each language: the legal basis of the processing and an addition to either statement.
TEXT_KINDS = ("privacy_basis", "privacy_extra", "accessibility_extra")
MAX_CONTACT_LENGTH = 500
MAX_TEXT_LENGTH = 5_000
MAX_RETENTION_YEARS = 50
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PREFIX = "statement."


@cache
def evaluation() -> dict:
    """Return the accessibility evaluation the statement reports (standard, date, method, results, limitations)."""
    with EVALUATION_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def contacts(db: sqlite_utils.Database) -> dict[str, str]:
    """Return every contact field, "" where the admin has not set it."""
    return {field: get_setting(db, f"{PREFIX}{field}", "") or "" for field in CONTACT_FIELDS}


def texts(db: sqlite_utils.Database) -> dict[str, dict[str, str]]:
    """Return kind → language → the admin's own text ("" where none is written)."""
    return {kind: {lang: get_setting(db, f"{PREFIX}{kind}.{lang}", "") or "" for lang in LANGUAGES} for kind in TEXT_KINDS}


def retention_years(db: sqlite_utils.Database) -> int | None:
    """Return the retention period in years the admin has set, or None."""
    value = contacts(db)["retention_years"]
    return int(value) if value else None


def _check_contact(field: str, value: str) -> str:
    if field not in CONTACT_FIELDS:
        raise YseError("statements.error.unknown_field", field=field, fields=", ".join(CONTACT_FIELDS))
    value = " ".join(value.split())
    if len(value) > MAX_CONTACT_LENGTH:
        raise YseError("statements.error.too_long", field=t(f"statements.field.{field}"), limit=MAX_CONTACT_LENGTH,
                       length=len(value))
    if value and field == "feedback_email" and not EMAIL_PATTERN.match(value):
        raise YseError("statements.error.bad_email", value=value)
    if value and field == "retention_years" and not (value.isdigit() and 1 <= int(value) <= MAX_RETENTION_YEARS):
        raise YseError("statements.error.bad_years", value=value, limit=MAX_RETENTION_YEARS)
    return value


def set_statement_settings(
    db: sqlite_utils.Database, user: User, contact_values: dict[str, str] | None = None,
    text_values: dict[tuple[str, str], str] | None = None,
) -> list[str]:
    """Store contact fields and per-language texts (admins only), all or nothing; returns the changed keys, audited."""
    user.require_role("admin")
    wanted: dict[str, str] = {}
    for field, value in (contact_values or {}).items():
        wanted[f"{PREFIX}{field}"] = _check_contact(field, value or "")
    for (kind, lang), body in (text_values or {}).items():
        if kind not in TEXT_KINDS:
            raise YseError("statements.error.unknown_field", field=kind, fields=", ".join(TEXT_KINDS))
        if lang not in LANGUAGES:
            raise YseError("round_texts.error.unknown_language", language=lang)
        body = (body or "").replace("\r\n", "\n").strip()
        if len(body) > MAX_TEXT_LENGTH:
            raise YseError("statements.error.too_long", field=t(f"statements.field.{kind}"), limit=MAX_TEXT_LENGTH,
                           length=len(body))
        wanted[f"{PREFIX}{kind}.{lang}"] = body
    changed = [key for key, value in wanted.items() if (get_setting(db, key, "") or "") != value]
    if not changed:
        return []
    with transaction(db):
        for key in changed:
            db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       [key, wanted[key]])
        audit.record(db, user.username, "statements.change", None, keys=[key.removeprefix(PREFIX) for key in changed])
    return changed


def _or_unset(value: str, lang: str) -> str:
    return value if value.strip() else t("statements.unset", lang)


def accessibility_statement(db: sqlite_utils.Database, lang: str) -> str:
    """Return the accessibility statement as Markdown in ``lang``."""
    found = evaluation()
    given = contacts(db)
    extra = texts(db)["accessibility_extra"]
    own = extra[lang] or extra["fi"]
    feedback = given["feedback_email"]
    parts = [
        t("statements.a11y.intro", lang),
        f"### {t('statements.a11y.status_heading', lang)}",
        t(f"statements.a11y.status_{found['status']}", lang, standard=found["standard"]),
        f"### {t('statements.a11y.evaluation_heading', lang)}",
        t("statements.a11y.evaluated_on", lang, date=local_date(str(found["evaluated_on"]))),
        found["method"][lang],
        found["results"][lang],
        f"### {t('statements.a11y.limitations_heading', lang)}",
        "\n".join(f"- {item[lang]}" for item in found["limitations"]) or t("statements.a11y.no_limitations", lang),
        f"### {t('statements.a11y.feedback_heading', lang)}",
        t("statements.a11y.feedback", lang, email=f"[{feedback}](mailto:{feedback})" if feedback else t("statements.unset", lang)),
        f"### {t('statements.a11y.enforcement_heading', lang)}",
        t("statements.a11y.enforcement", lang, supervisor=_or_unset(given["supervisor"], lang)),
    ]
    if own:
        parts += [f"### {t('statements.extra_heading', lang)}", own]
    return "\n\n".join(parts)


def privacy_notice(db: sqlite_utils.Database, lang: str) -> str:
    """Return the privacy notice as Markdown in ``lang``."""
    given = contacts(db)
    own = texts(db)
    years = given["retention_years"]
    basis = own["privacy_basis"][lang] or own["privacy_basis"]["fi"]
    extra = own["privacy_extra"][lang] or own["privacy_extra"]["fi"]
    parts = [
        t("statements.privacy.intro", lang),
        f"### {t('statements.privacy.controller_heading', lang)}",
        t("statements.privacy.controller", lang, controller=_or_unset(given["controller"], lang),
          contact=_or_unset(given["controller_contact"], lang), dpo=_or_unset(given["dpo_contact"], lang)),
        f"### {t('statements.privacy.purpose_heading', lang)}",
        t("statements.privacy.purpose", lang),
        t("statements.privacy.basis", lang, basis=_or_unset(basis, lang)),
        f"### {t('statements.privacy.data_heading', lang)}",
        t("statements.privacy.data", lang),
        f"### {t('statements.privacy.sources_heading', lang)}",
        t("statements.privacy.sources", lang),
        f"### {t('statements.privacy.recipients_heading', lang)}",
        t("statements.privacy.recipients", lang),
        f"### {t('statements.privacy.retention_heading', lang)}",
        t("statements.privacy.retention", lang, years=years) if years else t("statements.privacy.retention_unset", lang),
        f"### {t('statements.privacy.cookies_heading', lang)}",
        t("statements.privacy.cookies", lang),
        f"### {t('statements.privacy.rights_heading', lang)}",
        t("statements.privacy.rights", lang),
    ]
    if extra:
        parts += [f"### {t('statements.extra_heading', lang)}", extra]
    return "\n\n".join(parts)
