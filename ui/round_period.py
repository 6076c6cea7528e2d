"""How the rounds page shows a round's statistics month: 06/2026, the default marked, the choices offered."""

from __future__ import annotations

from ui.session import t
from yse_core import formatting

DEFAULT_MONTH = ""  # the statistics-month choice "default" (not None: a None choice gets a clear button)


def month_text(period: str | None) -> str:
    """A statistics month as the admin reads it (06/2026), or why there is none."""
    return formatting.period(period) if period else t("rounds.month_none")


def month_label(month: dict) -> str:
    """A round's statistics month (``rounds.statistics_month``), marked when it is the default."""
    text = month_text(month["period"])
    return t("rounds.month_default", month=text) if month["is_default"] else text


def period_option(period: str, default: str | None) -> str:
    """A choice of statistics month; DEFAULT_MONTH stands for the default (the latest month before the deadline)."""
    if period != DEFAULT_MONTH:
        return formatting.period(period)
    return t("rounds.default_option", month=formatting.period(default)) if default else t("rounds.default_option_none")
