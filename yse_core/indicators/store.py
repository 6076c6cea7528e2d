"""Indicator values in the database: import a file in one transaction, re-aggregate areas, query.

Tables (see ``db.py`` migration 0003): ``imports`` (one row per import) and ``indicator_values``
(primary key: code, region, period; ``region_level`` country | area | municipality | other).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import sqlite_utils

from yse_core import audit
from yse_core.db import now_iso, transaction
from yse_core.errors import IndicatorImportError

from .aggregate import COUNTRY, AggregationResult, IndicatorValue, aggregate_to_areas, previous_period, region_level
from .catalogue import Catalogue, Indicator, load_catalogue
from .caveats import caveat_texts
from .parsers import ParsedTable, Record, parse_file

DEMO_SOURCE = "DEMO DATA — not official statistics"
SOURCE_REQUIRED_FORMATS = ("csv", "xlsx")  # the long layout carries no source of its own
EXAMPLE_LIMIT = 5

_UPSERT = """
INSERT INTO indicator_values(indicator_code, region_code, region_level, period, value, flag, is_demo, import_id,
                             value_low, value_high, missing_members)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(indicator_code, region_code, period) DO UPDATE SET
  region_level = excluded.region_level, value = excluded.value, flag = excluded.flag,
  is_demo = excluded.is_demo, import_id = excluded.import_id, value_low = excluded.value_low,
  value_high = excluded.value_high, missing_members = excluded.missing_members
"""

_TEXTS = {
    "fi": {
        "head": "Tuotu {file_name} (muoto {format}{table}{updated}{demo}).",
        "table": ", taulukko {table_id}",
        "updated": ", tiedot päivitetty {data_updated}",
        "demo": ", DEMODATAA — ei virallinen tilasto",
        "periods": "Kaudet: {periods}.",
        "counts": "Arvoja {total}: alueet {area}, koko maa {country}, kunnat {municipality}, muut tasot {other}.",
        "changes": "Uusia {new}, muuttuneita {changed}, ennallaan {unchanged}.",
        "example": "  {region_code} {period} {code}: {old} → {new}",
        "flags": "Osittaisia arvoja {partial} (jäsenkunnan luku salattu tai puuttuu), salattuja {suppressed}.",
        "unassigned": "Alueisiin kuulumattomat koodit ({count}, ei laskettu alueisiin): {codes}.",
        "demo_removed": "Poistettu {count} demoarvoa.",
    },
    "sv": {
        "head": "Importerade {file_name} (format {format}{table}{updated}{demo}).",
        "table": ", tabell {table_id}",
        "updated": ", uppgifterna uppdaterade {data_updated}",
        "demo": ", DEMODATA — inte officiell statistik",
        "periods": "Perioder: {periods}.",
        "counts": "Värden {total}: områden {area}, hela landet {country}, kommuner {municipality}, andra nivåer {other}.",
        "changes": "Nya {new}, ändrade {changed}, oförändrade {unchanged}.",
        "example": "  {region_code} {period} {code}: {old} → {new}",
        "flags": "Partiella värden {partial} (en medlemskommuns siffra skyddad eller saknas), skyddade {suppressed}.",
        "unassigned": "Koder utanför områdena ({count}, inte summerade): {codes}.",
        "demo_removed": "Tog bort {count} demovärden.",
    },
    "en": {
        "head": "Imported {file_name} (format {format}{table}{updated}{demo}).",
        "table": ", table {table_id}",
        "updated": ", data updated {data_updated}",
        "demo": ", DEMO DATA — not official statistics",
        "periods": "Periods: {periods}.",
        "counts": "Values {total}: areas {area}, whole country {country}, municipalities {municipality}, other levels {other}.",
        "changes": "New {new}, changed {changed}, unchanged {unchanged}.",
        "example": "  {region_code} {period} {code}: {old} → {new}",
        "flags": "Partial values {partial} (a member municipality's figure suppressed or missing), suppressed {suppressed}.",
        "unassigned": "Codes outside every area ({count}, not summed): {codes}.",
        "demo_removed": "Removed {count} demo values.",
    },
}


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote: counts by level, new/changed/unchanged values and examples of changes."""

    import_id: int
    file_name: str
    format: str
    table_id: str | None
    source: str | None
    data_updated: str | None
    periods: list[str]
    counts: dict[str, int]
    new: int
    changed: int
    unchanged: int
    changed_examples: list[dict] = field(default_factory=list)
    partial: int = 0
    suppressed: int = 0
    unassigned_codes: list[str] = field(default_factory=list)
    demo_values_removed: int = 0
    is_demo: bool = False

    def to_dict(self) -> dict:
        """Return the summary as plain data (stored as JSON in ``imports.summary``)."""
        return asdict(self)

    def to_text(self, lang: str = "fi") -> str:
        """Return a short report in Finnish, Swedish or English for the CLI and the admin page."""
        texts = _TEXTS.get(lang, _TEXTS["fi"])
        lines = [
            texts["head"].format(
                file_name=self.file_name,
                format=self.format,
                table=texts["table"].format(table_id=self.table_id) if self.table_id else "",
                updated=texts["updated"].format(data_updated=self.data_updated) if self.data_updated else "",
                demo=texts["demo"] if self.is_demo else "",
            ),
            texts["periods"].format(periods=_period_span(self.periods)),
            texts["counts"].format(total=sum(self.counts.values()), **{k: self.counts.get(k, 0) for k in
                                                                       ("area", "country", "municipality", "other")}),
            texts["changes"].format(new=self.new, changed=self.changed, unchanged=self.unchanged),
        ]
        lines += [texts["example"].format(**{**example, "old": _number(example["old"]), "new": _number(example["new"])})
                  for example in self.changed_examples]
        if self.partial or self.suppressed:
            lines.append(texts["flags"].format(partial=self.partial, suppressed=self.suppressed))
        if self.unassigned_codes:
            shown = ", ".join(self.unassigned_codes[:12]) + (" …" if len(self.unassigned_codes) > 12 else "")
            lines.append(texts["unassigned"].format(count=len(self.unassigned_codes), codes=shown))
        if self.demo_values_removed:
            lines.append(texts["demo_removed"].format(count=self.demo_values_removed))
        return "\n".join(lines)


def _period_span(periods: list[str]) -> str:
    if not periods:
        return "–"
    return periods[0] if len(periods) == 1 else f"{periods[0]}…{periods[-1]} ({len(periods)})"


def _number(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _same(old: tuple[float | None, str], new: tuple[float | None, str]) -> bool:
    (old_value, old_flag), (new_value, new_flag) = old, new
    if old_flag != new_flag or (old_value is None) != (new_value is None):
        return False
    return old_value is None or math.isclose(old_value, new_value, rel_tol=1e-12, abs_tol=1e-9)


# --- import ---------------------------------------------------------------------------------


class SourceRequired(IndicatorImportError):
    """A CSV or Excel file was imported without saying whose figures it holds; nothing was written."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        super().__init__("imports.source_required", file=file_name)


def source_required(table: ParsedTable) -> bool:
    """True when a parsed file carries no source of its own and the importer must give one (CSV, Excel)."""
    return table.format in SOURCE_REQUIRED_FORMATS and not (table.source or "").strip()


def _import_source(table: ParsedTable, file_name: str, source: str | None) -> str | None:
    given = " ".join((source or "").split())
    if given:
        return given
    if source_required(table):
        raise SourceRequired(file_name)
    return table.source


def import_file(
    db: sqlite_utils.Database,
    file_name: str,
    data: bytes,
    fmt: str = "auto",
    user: str | None = None,
    is_demo: bool = False,
    *,
    source: str | None = None,
) -> ImportSummary:
    """Parse a statistics file, aggregate it to areas with the stored memberships and write it in one transaction.

    ``source`` (whose figures these are) overrides the file's own; CSV and Excel files have none, so for them
    it is required (``SourceRequired``, nothing written).
    """
    table = parse_file(file_name, data, fmt)
    return import_parsed(db, table, file_name, user=user, is_demo=is_demo, source=source)


def import_parsed(
    db: sqlite_utils.Database,
    table: ParsedTable,
    file_name: str,
    user: str | None = None,
    is_demo: bool = False,
    extra_summary: dict | None = None,
    *,
    source: str | None = None,
) -> ImportSummary:
    """Aggregate already parsed cells and write them (used by ``import_file`` and the demo loader).

    ``source`` overrides or fills the table's source, as in ``import_file``.
    """
    catalogue = load_catalogue()
    _check_area_ids(db, table.records)
    source = DEMO_SOURCE if is_demo else _import_source(table, file_name, source)  # before anything is written
    periods = table.periods
    memberships = _memberships(db)
    # year-on-year bases come from stored values of the same kind: never a real change on a demo base
    previous = _stored_values(db, [previous_period(period) for period in periods], ("area", "country"), is_demo)
    result = aggregate_to_areas(table.records, memberships, catalogue, previous)
    rows = list(_rows(result))
    with transaction(db):
        demo_removed = 0
        if not is_demo:
            demo_removed = db.execute("DELETE FROM indicator_values WHERE is_demo = 1").rowcount
        existing = _existing(db, periods)
        new = changed = unchanged = 0
        examples: list[dict] = []
        for level, value in rows:
            old = existing.get((value.code, value.region_code, value.period))
            if old is None:
                new += 1
            elif _same(old, (value.value, value.flag)):
                unchanged += 1
            else:
                changed += 1
                if len(examples) < EXAMPLE_LIMIT:
                    examples.append({"region_code": value.region_code, "region_level": level, "period": value.period,
                                     "code": value.code, "old": old[0], "new": value.value})
        cursor = db.execute(
            """INSERT INTO imports(file_name, format, source, table_id, data_updated, imported_by, imported_at, is_demo)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [file_name, table.format if not is_demo else "demo", source, table.table_id, table.updated, user,
             now_iso(), int(is_demo)],
        )
        import_id = cursor.lastrowid
        db.conn.executemany(
            _UPSERT,  # in primary-key order: much faster B-tree inserts
            sorted((v.code, v.region_code, level, v.period, v.value, v.flag, int(is_demo), import_id, v.low, v.high,
                    ",".join(v.missing) or None)
                   for level, v in rows),
        )
        counts: dict[str, int] = defaultdict(int)
        for level, _ in rows:
            counts[level] += 1
        summary = ImportSummary(
            import_id=import_id,
            file_name=file_name,
            format=table.format if not is_demo else "demo",
            table_id=table.table_id,
            source=source,
            data_updated=table.updated,
            periods=periods,
            counts=dict(counts),
            new=new,
            changed=changed,
            unchanged=unchanged,
            changed_examples=examples,
            partial=sum(1 for level, v in rows if level in ("area", "country") and v.flag == "partial"),
            suppressed=sum(1 for level, v in rows if level in ("area", "country") and v.flag == "suppressed"),
            unassigned_codes=result.unassigned_codes,
            demo_values_removed=demo_removed,
            is_demo=is_demo,
        )
        stored = summary.to_dict() | {"given": _given(table.records)} | (extra_summary or {})
        db.execute("UPDATE imports SET summary = ? WHERE id = ?", [json.dumps(stored, ensure_ascii=False), import_id])
        audit.record(db, user, "indicators_imported", file_name, import_id=import_id, values=len(rows),
                     periods=_period_span(periods), is_demo=is_demo)
    return summary


def _rows(result: AggregationResult) -> Iterable[tuple[str, IndicatorValue]]:
    for value in result.municipalities:
        yield "municipality", value
    for value in result.values:
        yield "area", value
    for value in result.country:
        yield "country", value
    for value in result.other_levels:
        yield "other", value


def _given(records: list[Record]) -> dict[str, list[str]]:
    """Region → codes the file itself gives for an area or the whole country (the rest there the portal computes)."""
    given: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if region_level(record.region_code) in ("area", "country"):
            given[record.region_code].add(record.indicator_code)
    return {region: sorted(codes) for region, codes in sorted(given.items())}


def _check_area_ids(db: sqlite_utils.Database, records: list[Record]) -> None:
    named = {record.region_code for record in records if region_level(record.region_code) == "area"}
    if not named:
        return
    known = {row[0] for row in db.execute("SELECT id FROM areas")}
    unknown = sorted(named - known)
    if unknown:
        raise IndicatorImportError("import_error.unknown_areas", areas=", ".join(unknown[:10]))


def _memberships(db: sqlite_utils.Database) -> dict[str, str]:
    return {row[0]: row[1] for row in db.execute("SELECT municipality_code, area_id FROM area_municipalities")}


def _existing(db: sqlite_utils.Database, periods: list[str]) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    found: dict[tuple[str, str, str], tuple[float | None, str]] = {}
    for chunk in _chunks(periods, 500):
        marks = ", ".join("?" for _ in chunk)
        for code, region, period, value, flag in db.execute(
            f"SELECT indicator_code, region_code, period, value, flag FROM indicator_values WHERE period IN ({marks})",
            chunk,
        ):
            found[(code, region, period)] = (value, flag)
    return found


def _stored_values(
    db: sqlite_utils.Database, periods: list[str], levels: tuple[str, ...], is_demo: bool
) -> list[IndicatorValue]:
    values: list[IndicatorValue] = []
    level_marks = ", ".join("?" for _ in levels)
    for chunk in _chunks(sorted(set(periods)), 500):
        marks = ", ".join("?" for _ in chunk)
        values += [
            IndicatorValue(*row)
            for row in db.execute(
                f"""SELECT region_code, period, indicator_code, value, flag, value_low, value_high FROM indicator_values
                    WHERE period IN ({marks}) AND region_level IN ({level_marks}) AND is_demo = ?""",
                [*chunk, *levels, int(is_demo)],
            )
        ]
    return values


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- re-aggregation -------------------------------------------------------------------------


def recompute_areas(db: sqlite_utils.Database) -> dict[str, int]:
    """Re-aggregate stored municipality values into areas after a membership change; returns counts.

    Area values that came from municipalities (and figures computed only from such codes) are rebuilt;
    area values imported directly per area (service-process reports, demo data) are kept and used.
    """
    catalogue = load_catalogue()
    municipal_rows = list(db.execute(
        "SELECT region_code, period, indicator_code, value, flag, import_id FROM indicator_values "
        "WHERE region_level = 'municipality'"
    ))
    if not municipal_rows:
        return {"written": 0, "removed": 0}
    records = [Record(f"KU{region}", period, code, value, flag == "suppressed" or value is None)
               for region, period, code, value, flag, _ in municipal_rows]
    municipal_codes = {code for _, _, code, _, _, _ in municipal_rows if code in catalogue}
    municipal_periods = {period for _, period, _, _, _, _ in municipal_rows}
    import_by_period: dict[str, int] = {}
    for _, period, _, _, _, import_id in municipal_rows:
        if import_id is not None:
            import_by_period[period] = max(import_by_period.get(period, 0), import_id)

    def rebuilt(code: str) -> bool:
        return code in catalogue and catalogue.raw_components(code) <= municipal_codes

    area_rows = list(db.execute(
        "SELECT region_code, period, indicator_code, value, flag FROM indicator_values WHERE region_level = 'area'"
    ))
    # Area values computed from municipalities are rebuilt; the rest (reported per area) are inputs and kept.
    stale = {(code, region, period) for region, period, code, _, _ in area_rows
             if period in municipal_periods and rebuilt(code)}
    kept = [Record(region, period, code, value, flag == "suppressed" or value is None)
            for region, period, code, value, flag in area_rows
            if (code, region, period) not in stale and code in catalogue]
    kept_keys = {(record.indicator_code, record.region_code, record.period) for record in kept}
    result = aggregate_to_areas(records + kept, _memberships(db), catalogue)
    fresh = [value for value in result.values if (value.code, value.region_code, value.period) not in kept_keys]
    fresh_keys = {(value.code, value.region_code, value.period) for value in fresh}
    with transaction(db):
        # the data stamp (db.data_stamp), in the transaction that rewrites the values: a reader never sees the
        # new stamp with the old values
        db.execute("INSERT INTO settings(key, value) VALUES ('values_recomputed', '1') "
                   "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        removed = 0
        for code, region, period in sorted(stale - fresh_keys):
            removed += db.execute(
                "DELETE FROM indicator_values WHERE indicator_code = ? AND region_code = ? AND period = ?",
                [code, region, period],
            ).rowcount
        db.conn.executemany(
            """INSERT INTO indicator_values(indicator_code, region_code, region_level, period, value, flag, is_demo,
                                            import_id, value_low, value_high, missing_members)
               VALUES (?, ?, 'area', ?, ?, ?, 0, ?, ?, ?, ?)
               ON CONFLICT(indicator_code, region_code, period) DO UPDATE SET
                 region_level = 'area', value = excluded.value, flag = excluded.flag, value_low = excluded.value_low,
                 value_high = excluded.value_high, missing_members = excluded.missing_members""",
            [(v.code, v.region_code, v.period, v.value, v.flag, import_by_period.get(v.period), v.low, v.high,
              ",".join(v.missing) or None) for v in fresh],
        )
    return {"written": len(fresh), "removed": removed}


# --- queries --------------------------------------------------------------------------------


COMPUTED_METHODS = ("sum_of_members", "sum_of_parts", "ratio", "year_on_year")


def computed_method(indicator: Indicator, region_level: str, given: bool | None,
                    import_format: str | None = None) -> str | None:
    """How the portal computed a stored figure (one of ``COMPUTED_METHODS``), or None when the file gave it as such.

    Municipality and other-level figures are always the file's own. An area or whole-country figure is the
    file's own when the file held it for that region (``given``, recorded per import since imports keep a
    ``given`` list); otherwise a count of an area is the sum of its member municipalities, and a ratio, a sum
    of codes or a year-on-year change is computed from its parts. ``given`` None (an import from before that
    record) falls back to: plain counts of the whole country, and plain counts of an area from a per-area file
    (CSV, Excel, demo), are given; everything else is computed.
    """
    if region_level not in ("area", "country"):
        return None
    if given is None:
        given = not indicator.is_computed and (region_level == "country" or import_format in ("csv", "xlsx", "demo"))
    if given:
        return None
    if indicator.yoy_of:
        return "year_on_year"
    if indicator.denominator:
        return "ratio"
    if indicator.numerator:
        return "sum_of_parts"
    return "sum_of_members" if region_level == "area" else None


def _given_by_import(db: sqlite_utils.Database, import_ids: Iterable[int | None]) -> dict[int, dict[str, set[str]]]:
    """Import id → region → codes its file gave (imports without that record are left out)."""
    ids = sorted({import_id for import_id in import_ids if import_id is not None})
    if not ids:
        return {}
    rows = db.execute(f"SELECT id, json_extract(summary, '$.given') FROM imports WHERE id IN ({', '.join('?' for _ in ids)})",
                      ids)
    return {import_id: {region: set(codes) for region, codes in json.loads(given).items()}
            for import_id, given in rows if given is not None}


def _mark_computed(db: sqlite_utils.Database, catalogue: Catalogue, rows: list[dict]) -> None:
    """Add ``computed_method`` and ``computed`` to stored rows (each with code, region_code, region_level,
    import_id and import_format): the one place that decides whether the portal computed a figure."""
    given = _given_by_import(db, (row["import_id"] for row in rows))
    for row in rows:
        recorded = given.get(row["import_id"])
        row["computed_method"] = computed_method(
            catalogue.get(row["code"]), row["region_level"],
            None if recorded is None else row["code"] in recorded.get(row["region_code"], ()), row["import_format"])
        row["computed"] = row["computed_method"] is not None


def _metadata(catalogue: Catalogue, code: str, period: str) -> dict:
    indicator = catalogue.get(code)
    rule = indicator.deadline_rule_for(period)
    return {
        "name": indicator.name.model_dump(),
        "unit": indicator.unit,
        "higher_is_worse": indicator.higher_is_worse,
        "kind": indicator.kind,
        "definition": indicator.definition.model_dump(),
        "source": indicator.source,
        "deadline_rule": rule.model_dump() if rule else None,
    }


def area_values(
    db: sqlite_utils.Database,
    region_code: str,
    period: str | None = None,
    codes: Iterable[str] | None = None,
    *,
    reference: str | None = None,
) -> list[dict]:
    """Return a region's values with catalogue metadata, per code at ``period`` if given, else at its latest month
    at or before ``reference`` (a round's statistics month), else at its latest period.

    Rows also carry ``value_low``/``value_high`` and ``missing_members`` (a list of municipality codes), as
    ``values_at`` describes them; ``caveat`` (fi/sv/en, its data figures filled in for the row's period);
    ``computed``/``computed_method`` (``computed_method``: whether and how the portal computed the figure).
    """
    catalogue = load_catalogue()
    sql = """SELECT v.indicator_code AS code, v.region_code, v.region_level, v.period, v.value, v.flag, v.is_demo,
                    v.value_low, v.value_high, v.missing_members,
                    v.import_id, i.source AS data_source, i.data_updated, i.file_name, i.format AS import_format
             FROM indicator_values v LEFT JOIN imports i ON i.id = v.import_id
             WHERE v.region_code = ?"""
    params: list = [region_code]
    if period is not None:
        sql += " AND v.period = ?"
        params.append(period)
    else:
        cap = " AND length(w.period) = 7 AND w.period <= ?" if reference else ""
        sql += f""" AND v.period = (SELECT MAX(w.period) FROM indicator_values w
                                    WHERE w.region_code = v.region_code AND w.indicator_code = v.indicator_code{cap})"""
        params += [reference] if reference else []
    wanted = list(codes) if codes is not None else None
    if wanted is not None:
        sql += f" AND v.indicator_code IN ({', '.join('?' for _ in wanted)})"
        params += wanted
    order = {code: position for position, code in enumerate(catalogue.codes())}
    rows = [row for row in db.query(sql, params) if row["code"] in order]
    rows.sort(key=lambda row: order[row["code"]])
    _mark_computed(db, catalogue, rows)
    for row in rows:
        row["is_demo"] = bool(row["is_demo"])
        row["missing_members"] = row["missing_members"].split(",") if row["missing_members"] else []
        row.update(_metadata(catalogue, row["code"], row["period"]))
        row["caveat"] = caveat_texts(db, row["code"], row["period"])
        if row["is_demo"]:
            row["data_source"] = DEMO_SOURCE
    return rows


def latest_period(db: sqlite_utils.Database, code: str | None = None) -> str | None:
    """Return the latest monthly period (``YYYY-MM``) with any value, or for one code."""
    # Newest first along idx_values_period (or idx_values_code_period): stops at the first monthly row instead of reading them all.
    sql = "SELECT period FROM indicator_values WHERE length(period) = 7"
    params: list = []
    if code:
        sql += " AND indicator_code = ?"
        params.append(code)
    row = db.execute(sql + " ORDER BY period DESC LIMIT 1", params).fetchone()
    return row[0] if row else None


def periods_as_of(db: sqlite_utils.Database, codes: Iterable[str], reference: str | None) -> dict[str, str]:
    """Code → its latest monthly period at or before ``reference`` (``YYYY-MM``; None: the latest of all).

    Per indicator, not per database: service-process figures imported for 12/2025 stay the figures of a
    round whose reference month is 06/2026 when no later month of them exists. Codes with no such month
    are left out.
    """
    found = {}
    for code in dict.fromkeys(codes):
        sql = "SELECT MAX(period) FROM indicator_values WHERE indicator_code = ? AND length(period) = 7"
        params: list = [code]
        if reference is not None:
            sql += " AND period <= ?"
            params.append(reference)
        row = db.execute(sql, params).fetchone()  # one seek along idx_values_code_period
        if row and row[0]:
            found[code] = row[0]
    return found


def values_at(
    db: sqlite_utils.Database, region_codes: Iterable[str], periods_by_code: dict[str, str]
) -> dict[str, dict[str, dict]]:
    """Region → code → its stored row at the period given per code, with the import's source.

    A row has ``period``, ``value``, ``flag``, ``is_demo``, ``value_low``/``value_high`` (bounds of the true
    value of a partial or suppressed figure, None when exact or unknown), ``missing_members`` (a list of the
    member municipality codes left out), ``source``, ``data_updated``, ``file_name``, ``import_format`` and
    ``computed``/``computed_method`` (``computed_method``: whether the portal computed it, and how).
    """
    catalogue = load_catalogue()
    regions = list(dict.fromkeys(region_codes))
    result: dict[str, dict[str, dict]] = {}
    if not regions or not periods_by_code:
        return result
    pairs = list(periods_by_code.items())
    region_marks = ", ".join("?" for _ in regions)
    rows: list[dict] = []
    for start in range(0, len(pairs), 200):
        chunk = pairs[start : start + 200]
        pair_sql = " OR ".join("(v.indicator_code = ? AND v.period = ?)" for _ in chunk)
        params = [item for pair in chunk for item in pair] + regions
        for row in db.query(
            f"""SELECT v.indicator_code AS code, v.region_code, v.region_level, v.period, v.value, v.flag,
                       v.is_demo, v.import_id, v.value_low, v.value_high, v.missing_members, i.source,
                       i.data_updated, i.file_name, i.format AS import_format
                FROM indicator_values v LEFT JOIN imports i ON i.id = v.import_id
                WHERE ({pair_sql}) AND v.region_code IN ({region_marks})""",
            params,
        ):
            rows.append(row)
    _mark_computed(db, catalogue, [row for row in rows if row["code"] in catalogue])
    for row in rows:
        row["is_demo"] = bool(row["is_demo"])
        row["missing_members"] = row["missing_members"].split(",") if row["missing_members"] else []
        if row["is_demo"]:
            row["source"] = DEMO_SOURCE
        result.setdefault(row.pop("region_code"), {})[row["code"]] = row
    return result


def series(db: sqlite_utils.Database, region_codes: Iterable[str], code: str) -> list[dict]:
    """Return one code's values over time for several regions (for trend charts), ordered by region and period."""
    regions = list(region_codes)
    if not regions:
        return []
    rows = db.query(
        f"""SELECT region_code, period, value, flag, is_demo FROM indicator_values
            WHERE indicator_code = ? AND region_code IN ({', '.join('?' for _ in regions)})
            ORDER BY region_code, period""",
        [code, *regions],
    )
    return [{**row, "code": code, "is_demo": bool(row["is_demo"])} for row in rows]


def values_for_period(
    db: sqlite_utils.Database, code: str, period: str, level: str | None = None
) -> dict[str, tuple[float | None, str]]:
    """Return {region_code: (value, flag)} for one code and period (optionally only one region level)."""
    sql = "SELECT region_code, value, flag FROM indicator_values WHERE indicator_code = ? AND period = ?"
    params: list = [code, period]
    if level:
        sql += " AND region_level = ?"
        params.append(level)
    return {region: (value, flag) for region, value, flag in db.execute(sql, params)}


def has_real_values(db: sqlite_utils.Database) -> bool:
    """Return True when any stored value comes from a real (not demo) import."""
    return db.execute("SELECT 1 FROM indicator_values WHERE is_demo = 0 LIMIT 1").fetchone() is not None


def imports(db: sqlite_utils.Database, limit: int = 50) -> list[dict]:
    """Return the latest imports, newest first, with their summaries decoded."""
    rows = list(db.query("SELECT * FROM imports ORDER BY id DESC LIMIT ?", [limit]))
    for row in rows:
        row["summary"] = json.loads(row["summary"]) if row["summary"] else None
        row["is_demo"] = bool(row["is_demo"])
    return rows


__all__ = [
    "COMPUTED_METHODS",
    "COUNTRY",
    "DEMO_SOURCE",
    "ImportSummary",
    "SOURCE_REQUIRED_FORMATS",
    "SourceRequired",
    "area_values",
    "computed_method",
    "has_real_values",
    "import_file",
    "import_parsed",
    "imports",
    "latest_period",
    "periods_as_of",
    "recompute_areas",
    "series",
    "source_required",
    "values_at",
    "values_for_period",
]
