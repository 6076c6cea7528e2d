"""A deterministic demo dataset: monthly figures from 2023-01 for every area and the whole country.

The model is calibrated on 2023-01…2025-12 (``MONTHS``). A demo database gets ``demo_months(today)``: the
calibrated months and, when the database is made later, the months after them up to the one before the
month it is made in (a month's figures come out after it ends), the trends carried on. The figures of the
calibrated months do not depend on how many months follow them.

``generate_demo(areas, months=...)`` also gives earlier months (the benchmark's ten-year scale database,
``tools/scale_data.py``): trends then run backwards from 2023 and are clamped where they would leave a
plausible range; the 2023-01…2025-12 default is unchanged.

DEMO DATA — NOT OFFICIAL STATISTICS. Magnitudes follow ``domain/FACTS.md`` §5: Helsinki about 50,000
unemployed and about 14 % by late 2025, the whole country about 300–320k, long-term unemployment
growing 25–30 % a year, a summer peak for the under-25s. A few areas stand out on purpose
(``STANDOUT_AREAS``) so that discussion-point rules have something to find.
Seeded with a fixed seed per area; nothing depends on the clock or on dict/hash order.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from pathlib import Path

import sqlite_utils

from yse_core.errors import IndicatorImportError

from .aggregate import round_half_up
from .parsers import ParsedTable, Record
from .store import DEMO_SOURCE, ImportSummary, has_real_values, import_parsed

DEMO_SEED = 20251119  # the date of TEM's YSE slides; any fixed number would do
FIRST_YEAR, LAST_YEAR = 2023, 2025
MONTHS = tuple(f"{year}-{month:02d}" for year in range(FIRST_YEAR, LAST_YEAR + 1) for month in range(1, 13))


def demo_months(today: date) -> tuple[str, ...]:
    """The months of a demo database made on ``today``: 2023-01 to the month before today's, at least to 2025-12."""
    last_year, last_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    extra = []
    for year in range(LAST_YEAR + 1, last_year + 1):
        extra += [f"{year}-{month:02d}" for month in range(1, (last_month if year == last_year else 12) + 1)]
    return MONTHS + tuple(extra)


REFERENCE_FILE = Path(__file__).with_name("municipal_reference_2026M06.csv")

NATIONAL_RATE_2026M06 = 12.8  # SSS TYOTOSUUS in 12r5 2026M06; reference for each area's relative level
ALAND_AND_UNKNOWN = 0.003  # the whole country = sum of areas plus Åland and unknown location
ALAND_LABOUR_FORCE = 15_500
KNOWN_LABOUR_FORCE = {"helsinki": 370_847, "vantaa": 134_799, "espoo-kauniainen": 173_330}

# Register unemployment: January and July peaks, lows in May and September–October.
SEASON = (1.07, 1.04, 1.01, 0.98, 0.95, 1.03, 1.06, 0.97, 0.955, 0.955, 0.97, 0.985)
YOUTH_SEASON = (0.97, 0.95, 0.93, 0.93, 0.97, 1.22, 1.15, 0.97, 0.92, 0.92, 0.95, 0.97)
LAYOFF_SEASON = (1.25, 1.15, 1.0, 0.9, 0.85, 0.95, 1.3, 0.95, 0.85, 0.9, 1.0, 1.2)
VACANCY_SEASON = (0.85, 1.0, 1.15, 1.25, 1.2, 1.0, 0.75, 0.95, 1.05, 1.0, 0.9, 0.7)
SERVICE_SEASON = (0.95, 1.02, 1.05, 1.05, 1.0, 0.9, 0.7, 0.85, 1.05, 1.1, 1.1, 1.0)
# Shares of people in services by service, from 12r5 2026M06 (SSS).
SERVICE_MIX = {"TYOLLISTETTYLOP": 0.188, "KOKEILULOP": 0.053, "TVKOULUTUSLOP": 0.327, "VALMENNUSLOP": 0.008,
               "MTPPALVELUTLOP": 0.424}
SERVICES_PER_UNEMPLOYED = {2023: 0.36, 2024: 0.32, 2025: 0.20}  # 2025 drop: register change + fewer services
LONG_TERM_SHARE_RANGE = (0.12, 0.6)  # binds only for months before 2023 (the trend runs backwards from 2023)

STANDOUT_REASONS = ("youth_rising", "interviews_late", "few_face_to_face", "good_service")
STANDOUT_COUNT_PER_45 = {"youth_rising": 3, "interviews_late": 4, "few_face_to_face": 3, "good_service": 3}
# FACTS §4.2: Pohjanmaa areas wait longest (up to 46 days), Päijät-Häme 35 days;
# Pohjoisen Keski-Suomen area had ~70 % face-to-face meetings.
PREFERRED = {
    "interviews_late": ("pohjanmaa", "pietarsaari", "keski-pohjanmaa", "paijat-hame"),
    "good_service": ("pohjoinen-keski-suomi",),
}
NEVER_STANDOUT = ("helsinki",)  # keeps the capital's figures close to the published ones

# The standouts of the most recent generate_demo()/load_demo() call (updated in place, so an imported
# reference stays current). Prefer standout_areas(areas) where the input is at hand.
STANDOUT_AREAS: dict[str, list[str]] = {reason: [] for reason in STANDOUT_REASONS}


def standout_areas(areas: Iterable[dict]) -> dict[str, list[str]]:
    """Return reason → area ids that stand out in the demo, chosen deterministically from the input ids."""
    ids = sorted({area["id"] for area in areas})
    pool = [area_id for area_id in ids if area_id not in NEVER_STANDOUT]
    random.Random(f"{DEMO_SEED}:standouts").shuffle(pool)
    used: set[str] = set()
    chosen: dict[str, list[str]] = {}
    for reason in STANDOUT_REASONS:
        wanted = max(1, round(len(ids) * STANDOUT_COUNT_PER_45[reason] / 45))
        picks = [area_id for area_id in PREFERRED.get(reason, ()) if area_id in pool and area_id not in used][:wanted]
        picks += [area_id for area_id in pool if area_id not in used and area_id not in picks][: wanted - len(picks)]
        used.update(picks)
        chosen[reason] = sorted(picks)
    return chosen


def _month_index(period: str) -> int:
    """Months since 2023-01 (negative for earlier months)."""
    return (int(period[:4]) - FIRST_YEAR) * 12 + int(period[5:7]) - 1


def _national_rate(period: str) -> float:
    """National register unemployment rate (%), ~11.6 % in autumn 2025 as in KEHA's figures."""
    index = _month_index(period)
    unemployed = 243_000 * 1.095 ** (index / 12) * SEASON[int(period[5:7]) - 1]
    return unemployed / 2_743_596 * 100


def _profile(area: dict, standouts: dict[str, list[str]]) -> dict:
    """Fixed characteristics of one area, drawn from its own seeded generator."""
    area_id = area["id"]
    rng = random.Random(f"{DEMO_SEED}:{area_id}")
    reasons = {reason for reason, ids in standouts.items() if area_id in ids}
    labour_force = area.get("labour_force") or KNOWN_LABOUR_FORCE.get(area_id) or int(
        min(250_000, max(14_000, rng.lognormvariate(math.log(45_000), 0.6))))
    uusimaa = bool(area.get("uusimaa"))
    if area.get("unemployment_rate"):
        relative = area["unemployment_rate"] / NATIONAL_RATE_2026M06
    else:
        relative = rng.uniform(0.95, 1.15) if uusimaa else rng.uniform(0.75, 1.2)
    if uusimaa:
        relative *= 1.08  # the seed's observation: Uusimaa harder than many other areas
    if "interviews_late" in reasons:
        wait = rng.uniform(37.0, 44.0)
    elif "good_service" in reasons:
        wait = rng.uniform(6.5, 8.0)
    else:
        wait = rng.uniform(10.0, 28.0)
    if "few_face_to_face" in reasons:
        face_to_face = rng.uniform(26.0, 29.0)
    elif "good_service" in reasons:
        face_to_face = 68.0 if area_id == "pohjoinen-keski-suomi" else rng.uniform(51.0, 59.0)
    else:
        face_to_face = min(52.0, max(31.0, rng.gauss(40.0, 5.0)))
    statement_days = (rng.uniform(27.0, 33.0) if "interviews_late" in reasons
                      else rng.uniform(10.5, 13.5) if "good_service" in reasons else rng.uniform(14.0, 27.0))
    return {
        "rng": rng,
        "labour_force": int(labour_force),
        "relative": relative,
        "growth": 1.03 if uusimaa else rng.uniform(0.985, 1.02),
        "youth_share": 0.09 if "youth_rising" in reasons else rng.uniform(0.10, 0.13),
        "youth_rising": "youth_rising" in reasons,
        "long_term_offset": rng.uniform(-0.04, 0.04),
        "foreign_share": rng.uniform(0.17, 0.22) if uusimaa else rng.uniform(0.04, 0.12),
        "men_share": rng.uniform(0.52, 0.57),
        "fund_share": rng.uniform(0.2, 0.32),
        "vacancy_rate": rng.uniform(0.008, 0.02),
        "wait": wait,
        "face_to_face": face_to_face,
        "statement_days": statement_days,
        "held_share": 0.72 if "interviews_late" in reasons else 0.93 if "good_service" in reasons
        else rng.uniform(0.8, 0.9),
        "plan_share": rng.uniform(0.7, 0.85),
    }


def _area_month(profile: dict, period: str) -> dict[str, float]:
    """Every 12r5 and service-process count for one area and month."""
    rng: random.Random = profile["rng"]
    year, month = int(period[:4]), int(period[5:7])
    index = _month_index(period)
    years_to_end = (index - (len(MONTHS) - 1)) / 12

    def noisy(value: float, spread: float = 0.015) -> float:
        return value * (1 + rng.uniform(-spread, spread))

    labour_force = round(profile["labour_force"] * (1 + 0.003 * (year - 2025)))
    rate = _national_rate(period) * profile["relative"] * profile["growth"] ** years_to_end
    unemployed = round(noisy(labour_force * rate / 100))
    youth_trend = 1.04 ** (index / 12)
    if profile["youth_rising"] and index >= 12:
        youth_trend *= 1.40 ** ((index - 11) / 12)  # from 2024 on, youth unemployment accelerates here
    youth = round(noisy(unemployed * profile["youth_share"] * YOUTH_SEASON[month - 1] * youth_trend, 0.03))
    long_term_share = min(max(0.255 + 0.165 * index / (len(MONTHS) - 1) + profile["long_term_offset"],
                              LONG_TERM_SHARE_RANGE[0]), LONG_TERM_SHARE_RANGE[1])
    men = round(unemployed * noisy(profile["men_share"], 0.01))
    services_total = (unemployed * SERVICES_PER_UNEMPLOYED[min(max(year, FIRST_YEAR), LAST_YEAR)]
                      * SERVICE_SEASON[month - 1])
    values = {
        "HAKIJALOPUSSA": round(noisy(unemployed * 1.54, 0.01)),
        "TYOTTOMATLOPUSSA": unemployed,
        "TYOVOIMATK": labour_force,
        "TYOTTOMATMIEHET": men,
        "TYOTTOMATNAISET": unemployed - men,
        "TYOTTOMAT20": round(youth * noisy(0.27, 0.05)),
        "TYOTTOMAT25": youth,
        "TYOTTOMAT50": round(noisy(unemployed * 0.33, 0.02)),
        "TYOTTOMATSAIR": round(noisy(unemployed * 0.12, 0.03)),
        "TYOTTOMATULK": round(noisy(unemployed * profile["foreign_share"] * 1.04 ** (index / 12), 0.02)),
        "PITKAAIKAISTYOTTOMAT": round(noisy(unemployed * long_term_share, 0.01)),
        "KASSASSA": round(noisy(unemployed * profile["fund_share"], 0.01)),
        "LOMAUTETTU": round(noisy(unemployed * 0.045 * LAYOFF_SEASON[month - 1], 0.05)),
        "LYHTYOVKO": round(noisy(unemployed * 0.024, 0.08)),
        "TYOHARJOITTELULOP": 0 if year >= 2025 else round(noisy(services_total * 0.01, 0.1)),
        "AVPAIKATLOPUSSA": round(noisy(labour_force * profile["vacancy_rate"] * VACANCY_SEASON[month - 1]
                                       * 0.93 ** (index / 12), 0.05)),
        "UUDETAVP": round(noisy(labour_force * profile["vacancy_rate"] * 0.8 * VACANCY_SEASON[month - 1]
                                * 0.93 ** (index / 12), 0.05)),
    }
    for code, share in SERVICE_MIX.items():
        values[code] = round(noisy(services_total * share, 0.04))
    values["TYOTOSUUS"] = round_half_up(unemployed / labour_force * 100, 1)

    # Service process. Before 2025 (TE offices) the areas' differences were smaller.
    pull = 1.0 if year >= 2025 else 0.4
    wait = noisy(profile["wait"] * pull + 14.0 * (1 - pull), 0.04)
    interviews = max(10, round(noisy(unemployed * 0.085 * (1.15 if month in (1, 8) else 1.0), 0.05)))
    in_time_share = min(60.0, max(3.0, 58.0 * math.exp(-(wait - 7.0) / 15.0) + rng.uniform(-1.5, 1.5)))
    face_to_face = min(70.0, max(25.0, noisy(profile["face_to_face"] * pull + 45.0 * (1 - pull), 0.03)))
    statement_days = min(35.0, max(10.0, noisy(profile["statement_days"] + (0 if year >= 2025 else 6.0), 0.05)))
    plan_share = profile["plan_share"] - (0.12 if year == 2025 and month <= 6 else 0.06 if year == 2025 else 0.0)
    planned = round(noisy(unemployed * 0.32, 0.03))
    plans = round(noisy(unemployed * 0.92, 0.01))
    meetings = round(noisy(unemployed * 0.55, 0.03))
    statements = round(noisy(unemployed * 0.11 * (0.84 if year >= 2025 else 1.0), 0.05))
    values.update({
        "ALKUHAASTATTELUT": interviews,
        "ALKUHAASTATTELUT_AJASSA": round(interviews * in_time_share / 100),
        "ALKUHAASTATTELU_ODOTUS_SUMMA_PV": round(interviews * wait),
        "TYONHAKUKESKUSTELUT_SUUNNITELLUT": planned,
        "TYONHAKUKESKUSTELUT_PIDETYT": round(planned * noisy(profile["held_share"] - (0.03 if year >= 2025 else 0),
                                                                 0.02)),
        "SUUNNITELMAT": plans,
        "SUUNNITELMAT_AJANTASALLA": round(plans * noisy(plan_share, 0.02)),
        "TAPAAMISET": meetings,
        "TAPAAMISET_KASVOKKAIN": round(meetings * face_to_face / 100),
        "LAUSUNNOT": statements,
        "LAUSUNNOT_KASITTELYPV_SUMMA": round(statements * statement_days),
    })
    return values


def generate_demo(areas: list[dict], months: Sequence[str] = MONTHS) -> list[Record]:
    """Return demo cells for every area (``id``, ``uusimaa``, optional ``labour_force``) and ``SSS``, 2023-01…2025-12.

    ``months`` (``YYYY-MM``, in order) replaces the default period; the benchmark's scale database asks for
    ten years. Also refreshes ``STANDOUT_AREAS`` with this input's standouts.
    """
    standouts = standout_areas(areas)
    STANDOUT_AREAS.clear()
    STANDOUT_AREAS.update(standouts)
    records: list[Record] = []
    totals: dict[tuple[str, str], float] = {}
    for area in sorted(areas, key=lambda item: item["id"]):
        profile = _profile(area, standouts)
        for period in months:
            for code, value in _area_month(profile, period).items():
                records.append(Record(area["id"], period, code, float(value), False))
                if code != "TYOTOSUUS":
                    totals[(period, code)] = totals.get((period, code), 0.0) + value
    for period in months:
        country: dict[str, float] = {}
        for (total_period, code), total in totals.items():
            if total_period != period:
                continue
            if code == "TYOVOIMATK":
                country[code] = total + ALAND_LABOUR_FORCE
            elif code.startswith(("ALKUHAASTATTELU", "TYONHAKUKESKUSTELUT", "SUUNNITELMAT", "TAPAAMISET", "LAUSUNNOT")):
                country[code] = total  # service-process reports cover the 45 areas only
            else:
                country[code] = round(total * (1 + ALAND_AND_UNKNOWN))
        if country:
            country["TYOTOSUUS"] = round_half_up(country["TYOTTOMATLOPUSSA"] / country["TYOVOIMATK"] * 100, 1)
        records += [Record("SSS", period, code, float(value), False) for code, value in sorted(country.items())]
    return records


@cache
def municipal_reference() -> dict[str, tuple[int, int | None]]:
    """Return municipality code → (labour force, unemployed) from 12r5 2026M06 (Statistics Finland, CC BY 4.0)."""
    with REFERENCE_FILE.open(encoding="utf-8", newline="") as handle:
        return {
            row["municipality_code"]: (int(row["labour_force"]), int(row["unemployed"]) if row["unemployed"] else None)
            for row in csv.DictReader(handle)
        }


def demo_areas(db: sqlite_utils.Database) -> list[dict]:
    """Return the stored areas with a labour force and reference rate summed from their municipalities."""
    reference = municipal_reference()
    areas: dict[str, dict] = {
        row[0]: {"id": row[0], "uusimaa": bool(row[1]), "labour_force": 0, "unemployed": 0}
        for row in db.execute("SELECT id, uusimaa FROM areas ORDER BY id")
    }
    for municipality, area_id in db.execute("SELECT municipality_code, area_id FROM area_municipalities"):
        labour_force, unemployed = reference.get(municipality, (0, None))
        if area_id in areas:
            areas[area_id]["labour_force"] += labour_force
            areas[area_id]["unemployed"] += unemployed or 0
    result = []
    for area in areas.values():
        labour_force, unemployed = area.pop("labour_force"), area.pop("unemployed")
        if labour_force:
            area["labour_force"] = labour_force
            area["unemployment_rate"] = unemployed / labour_force * 100
        result.append(area)
    return result


def load_demo(db: sqlite_utils.Database, user: str | None = None, months: Sequence[str] = MONTHS) -> ImportSummary:
    """Write the demo dataset (``months``, see ``demo_months``) through the normal import path, flagged ``is_demo``.

    Refused over real data.
    """
    if has_real_values(db):
        raise IndicatorImportError("demo_error.real_values")
    areas = demo_areas(db)
    if not areas:
        raise IndicatorImportError("demo_error.no_areas")
    records = generate_demo(areas, months)
    table = ParsedTable("demo", None, None, DEMO_SOURCE, records, "DEMO")
    return import_parsed(db, table, "demo", user=user, is_demo=True,
                         extra_summary={"standout_areas": standout_areas(areas)})


def stored_standouts(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Return the standout areas of the demo data in the database (empty when there is none any more)."""
    if not db.execute("SELECT 1 FROM indicator_values WHERE is_demo = 1 LIMIT 1").fetchone():
        return {}
    row = db.execute("SELECT summary FROM imports WHERE is_demo = 1 ORDER BY id DESC LIMIT 1").fetchone()
    if not row or not row[0]:
        return {}
    return json.loads(row[0]).get("standout_areas", {})
