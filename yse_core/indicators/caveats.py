"""Caveats whose figures come from the stored data, filled in for the figure's own code and period when shown.

The catalogue holds the words (``caveat``, and ``data_caveat`` with placeholders from ``CAVEAT_FIELDS``);
the figures are read here, so a caveat never states a number or a year the data do not bear out:

- ``period``: the figure's month, as displayed (``06/2026``);
- ``country_value``: the whole country's (``SSS``) value of the code in that month;
- ``unknown_location_count``: the value in StatFin's unknown-municipality bucket (``KUJOU``), which counts
  towards the country but towards no municipality and so no employment area (vacancies only);
- ``unknown_location_share``: that count as a share of the country's value, in %.

A figure that is not stored for the month is left out, and with it the data caveat (the fixed text stays).
"""

from __future__ import annotations

import sqlite_utils

from yse_core import formatting

from .aggregate import COUNTRY, round_half_up
from .catalogue import LANGUAGES, Indicator, load_catalogue

UNKNOWN_MUNICIPALITY = "KUJOU"


def caveat_figures(db: sqlite_utils.Database, indicator: Indicator, period: str) -> dict[str, dict[str, str]]:
    """Return language → placeholder → formatted figure for the indicator's data caveat in one period."""
    stored = dict(db.execute(
        "SELECT region_code, value FROM indicator_values WHERE indicator_code = ? AND period = ? "
        "AND region_code IN (?, ?) AND value IS NOT NULL",
        [indicator.code, period, COUNTRY, UNKNOWN_MUNICIPALITY],
    ).fetchall())
    country, unknown = stored.get(COUNTRY), stored.get(UNKNOWN_MUNICIPALITY)
    figures: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        known = {"period": formatting.period(period)}
        if country is not None:
            known["country_value"] = formatting.value_with_unit(country, indicator.unit, lang, indicator.decimals or 0)
        if unknown is not None:
            known["unknown_location_count"] = formatting.value_with_unit(unknown, indicator.unit, lang, 0)
            if country:
                share = round_half_up(unknown / country * 100, 1)
                known["unknown_location_share"] = formatting.value_with_unit(share, "percent", lang, 1)
        figures[lang] = known
    return figures


def caveat_texts(db: sqlite_utils.Database, code: str, period: str) -> dict[str, str] | None:
    """Return the caveat of one code's figure for one period in fi/sv/en, its data figures filled in, or None."""
    indicator = load_catalogue().get(code)
    figures = caveat_figures(db, indicator, period) if indicator.data_caveat else None
    return indicator.caveat_texts(figures)


__all__ = ["UNKNOWN_MUNICIPALITY", "caveat_figures", "caveat_texts"]
