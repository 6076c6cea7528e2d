"""Employment areas (työllisyysalueet) and municipalities: the shipped reference data and the admin CSV parser.

Pure Python over plain data: no Streamlit, no database. The parser raises ``ReferenceDataError`` with a
message in the requested language (fi, sv, en) that names the line and the problem.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ReferenceDataError

REFERENCE_DIR = Path(__file__).parent / "reference"
MUNICIPALITIES_CSV = REFERENCE_DIR / "municipalities.csv"
AREAS_CSV = REFERENCE_DIR / "areas_2025.csv"

MUNICIPALITY_COLUMNS = ("code", "name_fi", "name_sv")
AREA_COLUMNS = (
    "municipality_code",
    "area_id",
    "area_name_fi",
    "area_name_sv",
    "region",
    "ely",
    "uusimaa",
    "membership_verified",
)
# Columns that describe the area (every row of the same area repeats them) → key in the parsed area dict.
AREA_ATTRIBUTE_KEYS = {
    "area_name_fi": "name_fi",
    "area_name_sv": "name_sv",
    "region": "region",
    "ely": "ely",
    "uusimaa": "uusimaa",
    "membership_verified": "membership_verified",
}
BOOLEAN_COLUMNS = ("uusimaa", "membership_verified")
MESSAGE_LANGUAGES = ("fi", "sv", "en")

# Åland's 16 municipalities belong to no area: Åland runs its own employment services and is not part of
# the 2025 reform (general knowledge; unsourced in the domain facts). Codes checked against the names in
# Statistics Finland's 2025 municipality boundaries: Brändö, Eckerö, Finström, Föglö, Geta, Hammarland,
# Jomala, Kumlinge, Kökar, Lemland, Lumparland, Maarianhamina (Mariehamn), Saltvik, Sottunga, Sund, Vårdö.
OUT_OF_SCOPE_CODES: frozenset[str] = frozenset(
    {"035", "043", "060", "062", "065", "076", "170", "295", "318", "417", "438", "478", "736", "766", "771", "941"}
)

TRUE_WORDS = frozenset({"1", "true", "kyllä"})
FALSE_WORDS = frozenset({"0", "false", "ei"})
AREA_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ELY_PATTERN = re.compile(r"^ELY(0[1-9]|1[0-5])$")
MUNICIPALITY_CODE_PATTERN = re.compile(r"^(?:KU)?(\d{1,3})$")
MISSING_LIST_LIMIT = 10

MESSAGES: dict[str, dict[str, str]] = {
    "not_utf8": {
        "fi": "Tiedosto ei ole UTF-8-muodossa. Tallenna se Excelissä muodossa \"CSV UTF-8\".",
        "sv": "Filen är inte i UTF-8-format. Spara den i Excel som \"CSV UTF-8\".",
        "en": "The file is not UTF-8. Save it from Excel as \"CSV UTF-8\".",
    },
    "empty_file": {
        "fi": "Tiedosto on tyhjä.",
        "sv": "Filen är tom.",
        "en": "The file is empty.",
    },
    "no_rows": {
        "fi": "Tiedostossa on vain otsikkorivi, ei yhtään kuntariviä.",
        "sv": "Filen har bara en rubrikrad och inga kommunrader.",
        "en": "The file has only a header line and no municipality rows.",
    },
    "bad_csv": {
        "fi": "Rivi {line}: CSV-muoto on virheellinen (tarkista lainausmerkit).",
        "sv": "Rad {line}: CSV-formatet är felaktigt (kontrollera citattecknen).",
        "en": "Line {line}: malformed CSV (check the quotation marks).",
    },
    "header_problems": {
        "fi": "Rivi {line} (otsikkorivi): {problems}. Odotetut sarakkeet: {expected}.",
        "sv": "Rad {line} (rubrikrad): {problems}. Förväntade kolumner: {expected}.",
        "en": "Line {line} (header): {problems}. Expected columns: {expected}.",
    },
    "header_missing": {
        "fi": "puuttuu sarake {column}",
        "sv": "kolumnen {column} saknas",
        "en": "column {column} is missing",
    },
    "header_unknown": {
        "fi": "tuntematon sarake {column}",
        "sv": "okänd kolumn {column}",
        "en": "unknown column {column}",
    },
    "header_unknown_suggestion": {
        "fi": "tuntematon sarake {column} (tarkoititko {suggestion}?)",
        "sv": "okänd kolumn {column} (menade du {suggestion}?)",
        "en": "unknown column {column} (did you mean {suggestion}?)",
    },
    "header_duplicate": {
        "fi": "sarake {column} on kahdesti",
        "sv": "kolumnen {column} förekommer två gånger",
        "en": "column {column} appears twice",
    },
    "field_count": {
        "fi": "Rivi {line}: odotettiin {expected} kenttää, löytyi {found}.",
        "sv": "Rad {line}: {expected} fält förväntades, {found} hittades.",
        "en": "Line {line}: expected {expected} fields, found {found}.",
    },
    "empty_field": {
        "fi": "Rivi {line}: pakollinen kenttä {field} on tyhjä.",
        "sv": "Rad {line}: det obligatoriska fältet {field} är tomt.",
        "en": "Line {line}: the required field {field} is empty.",
    },
    "bad_code": {
        "fi": "Rivi {line}: kuntakoodi \"{value}\" ei ole kelvollinen (käytä muotoa 091, 91 tai KU091).",
        "sv": "Rad {line}: kommunkoden \"{value}\" är ogiltig (använd formen 091, 91 eller KU091).",
        "en": "Line {line}: municipality code \"{value}\" is not valid (write it as 091, 91 or KU091).",
    },
    "unknown_code": {
        "fi": "Rivi {line}: tuntematon kuntakoodi {code}.",
        "sv": "Rad {line}: okänd kommunkod {code}.",
        "en": "Line {line}: unknown municipality code {code}.",
    },
    "out_of_scope": {
        "fi": "Rivi {line}: kunta {municipality} on Ahvenanmaalla, joka ei kuulu työllisyysalueisiin.",
        "sv": "Rad {line}: kommunen {municipality} ligger på Åland, som inte hör till sysselsättningsområdena.",
        "en": "Line {line}: municipality {municipality} is in Åland, which is not part of the employment areas.",
    },
    "duplicate_municipality": {
        "fi": "Rivi {line}: kunta {municipality} on jo rivillä {first_line} alueessa {first_area}; "
        "tällä rivillä se on alueessa {area}. Kunta voi kuulua vain yhteen alueeseen.",
        "sv": "Rad {line}: kommunen {municipality} finns redan på rad {first_line} i området {first_area}; "
        "på den här raden är den i området {area}. En kommun kan höra till bara ett område.",
        "en": "Line {line}: municipality {municipality} is already on line {first_line} in area {first_area}; "
        "this line puts it in area {area}. A municipality can belong to one area only.",
    },
    "missing_municipalities": {
        "fi": "Tiedostosta puuttuu manner-Suomen kuntia ({count}): {municipalities}.",
        "sv": "Kommuner på fastlandet saknas i filen ({count}): {municipalities}.",
        "en": "Mainland municipalities are missing from the file ({count}): {municipalities}.",
    },
    "and_more": {
        "fi": "ja {count} muuta",
        "sv": "och {count} till",
        "en": "and {count} more",
    },
    "bad_area_id": {
        "fi": "Rivi {line}: alueen tunnus \"{value}\" ei kelpaa; käytä pieniä kirjaimia a–z, numeroita ja "
        "yhdysmerkkejä (esim. kerava-sipoo).",
        "sv": "Rad {line}: områdeskoden \"{value}\" är ogiltig; använd små bokstäver a–z, siffror och "
        "bindestreck (t.ex. kerava-sipoo).",
        "en": "Line {line}: area id \"{value}\" is not valid; use lowercase letters a–z, digits and hyphens "
        "(e.g. kerava-sipoo).",
    },
    "bad_boolean": {
        "fi": "Rivi {line}: kentän {field} arvo \"{value}\" ei ole kelvollinen (käytä 0/1, true/false tai kyllä/ei).",
        "sv": "Rad {line}: värdet \"{value}\" i fältet {field} är ogiltigt (använd 0/1, true/false eller kyllä/ei).",
        "en": "Line {line}: value \"{value}\" in field {field} is not valid (use 0/1, true/false or kyllä/ei).",
    },
    "bad_ely": {
        "fi": "Rivi {line}: ELY-koodi \"{value}\" ei kelpaa (käytä muotoa ELY01–ELY15).",
        "sv": "Rad {line}: NTM-koden \"{value}\" är ogiltig (använd formen ELY01–ELY15).",
        "en": "Line {line}: ELY code \"{value}\" is not valid (use ELY01–ELY15).",
    },
    "inconsistent_area": {
        "fi": "Rivi {line}: alueen {area} kentässä {field} on \"{value}\", mutta rivillä {first_line} "
        "samalla alueella on \"{first_value}\".",
        "sv": "Rad {line}: fältet {field} för området {area} är \"{value}\", men på rad {first_line} "
        "har samma område \"{first_value}\".",
        "en": "Line {line}: field {field} of area {area} is \"{value}\", but line {first_line} "
        "gives the same area \"{first_value}\".",
    },
    "bad_municipality_file": {
        "fi": "Kuntaluettelo {path} on virheellinen: odotettiin sarakkeet {expected}.",
        "sv": "Kommunförteckningen {path} är felaktig: kolumnerna {expected} förväntades.",
        "en": "The municipality list {path} is malformed: expected the columns {expected}.",
    },
}


@dataclass(frozen=True)
class ParsedAreas:
    """Validated areas (id, name_fi, name_sv, region, ely, uusimaa, membership_verified) and memberships."""

    areas: list[dict]
    memberships: list[tuple[str, str]]


def message(message_id: str, lang: str = "fi", **values: object) -> str:
    """Return a parser message in fi, sv or en, filled with the given values."""
    if lang not in MESSAGE_LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(MESSAGE_LANGUAGES)}")
    return MESSAGES[message_id][lang].format(**values)


def load_municipalities() -> list[dict]:
    """Return every municipality (code, name_fi, name_sv) from the shipped municipalities.csv."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != MUNICIPALITY_COLUMNS:
            raise ReferenceDataError(
                message("bad_municipality_file", path=MUNICIPALITIES_CSV.name, expected=",".join(MUNICIPALITY_COLUMNS))
            )
        return [{column: row[column] for column in MUNICIPALITY_COLUMNS} for row in reader]


def load_reference_areas() -> ParsedAreas:
    """Parse the shipped areas_2025.csv through the same validator an admin's upload goes through."""
    return parse_area_csv(AREAS_CSV.read_bytes(), load_municipalities())


def normalise_municipality_code(value: str) -> str | None:
    """Return a code written as 91, 091 or KU091 as "091", or None if it is not a code."""
    match = MUNICIPALITY_CODE_PATTERN.match(value.strip().upper())
    return match.group(1).zfill(3) if match else None


def parse_area_csv(data: bytes | str, municipalities: list[dict], lang: str = "fi") -> ParsedAreas:
    """Validate an areas CSV (long format, one row per municipality) and return its areas and memberships."""
    text = _decode(data, lang)
    if not text.strip():
        raise ReferenceDataError(message("empty_file", lang))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    municipality_names = {row["code"]: _municipality_name(row, lang) for row in municipalities}
    try:
        header = _read_header(reader, lang)
        column_index = {column: header.index(column) for column in AREA_COLUMNS}
        areas: dict[str, dict] = {}
        first_rows: dict[str, tuple[int, dict]] = {}  # area id → (line, fields) of its first row
        placed: dict[str, tuple[int, str]] = {}  # municipality code → (line, area id)
        memberships: list[tuple[str, str]] = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            fields = _row_fields(row, header, column_index, line, lang)
            code, area = _parse_row(fields, municipality_names, line, lang)
            if code in placed:
                first_line, first_area = placed[code]
                raise ReferenceDataError(
                    message(
                        "duplicate_municipality", lang, line=line, municipality=_label(code, municipality_names),
                        first_line=first_line, first_area=first_area, area=area["id"],
                    )
                )
            if area["id"] in areas:
                _check_same_area(areas[area["id"]], first_rows[area["id"]], area, fields, line, lang)
            else:
                areas[area["id"]] = area
                first_rows[area["id"]] = (line, fields)
            placed[code] = (line, area["id"])
            memberships.append((area["id"], code))
    except csv.Error:
        raise ReferenceDataError(message("bad_csv", lang, line=reader.line_num)) from None
    if not memberships:
        raise ReferenceDataError(message("no_rows", lang))
    _check_all_mainland_placed(placed, municipality_names, lang)
    return ParsedAreas(areas=list(areas.values()), memberships=memberships)


def _decode(data: bytes | str, lang: str) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReferenceDataError(message("not_utf8", lang)) from None
    return data.removeprefix("\ufeff")


def _delimiter(text: str) -> str:
    # Finnish Excel saves "CSV" with semicolons; the header decides, since column names contain neither.
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _municipality_name(row: dict, lang: str) -> str:
    return row["name_sv"] if lang == "sv" and row.get("name_sv") else row["name_fi"]


def _read_header(reader, lang: str) -> list[str]:
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            while not header[-1]:  # empty trailing cells that Excel adds
                header.pop()
            _check_header(header, reader.line_num, lang)
            return header
    raise ReferenceDataError(message("empty_file", lang))


def _check_header(header: list[str], line: int, lang: str) -> None:
    problems = []
    for column in dict.fromkeys(header):
        if header.count(column) > 1:
            problems.append(message("header_duplicate", lang, column=column or '""'))
    missing = [column for column in AREA_COLUMNS if column not in header]
    for column in header:
        if column in AREA_COLUMNS:
            continue
        suggestion = difflib.get_close_matches(column, missing, n=1, cutoff=0.75)
        if suggestion:
            problems.append(
                message("header_unknown_suggestion", lang, column=column or '""', suggestion=suggestion[0])
            )
        else:
            problems.append(message("header_unknown", lang, column=column or '""'))
    problems.extend(message("header_missing", lang, column=column) for column in missing)
    if problems:
        raise ReferenceDataError(
            message("header_problems", lang, line=line, problems="; ".join(problems), expected=",".join(AREA_COLUMNS))
        )


def _row_fields(row: list[str], header: list[str], column_index: dict[str, int], line: int, lang: str) -> dict:
    cells = [cell.strip() for cell in row]
    # Excel often pads rows with empty trailing cells (";;;"); only real content counts.
    while len(cells) > len(header) and not cells[-1]:
        cells.pop()
    if len(cells) != len(header):
        raise ReferenceDataError(message("field_count", lang, line=line, expected=len(header), found=len(cells)))
    fields = {column: cells[index] for column, index in column_index.items()}
    for column in AREA_COLUMNS:
        if not fields[column]:
            raise ReferenceDataError(message("empty_field", lang, line=line, field=column))
    return fields


def _parse_row(fields: dict, municipality_names: dict[str, str], line: int, lang: str) -> tuple[str, dict]:
    code = _municipality_code(fields["municipality_code"], municipality_names, line, lang)
    if not AREA_ID_PATTERN.match(fields["area_id"]):
        raise ReferenceDataError(message("bad_area_id", lang, line=line, value=fields["area_id"]))
    if not ELY_PATTERN.match(fields["ely"]):
        raise ReferenceDataError(message("bad_ely", lang, line=line, value=fields["ely"]))
    area = {"id": fields["area_id"]}
    for column, key in AREA_ATTRIBUTE_KEYS.items():
        area[key] = _boolean(fields[column], column, line, lang) if column in BOOLEAN_COLUMNS else fields[column]
    return code, area


def _municipality_code(value: str, municipality_names: dict[str, str], line: int, lang: str) -> str:
    code = normalise_municipality_code(value)
    if code is None:
        raise ReferenceDataError(message("bad_code", lang, line=line, value=value))
    # Åland first: a list of municipalities without Åland must still say why an Åland code is refused.
    if code in OUT_OF_SCOPE_CODES:
        raise ReferenceDataError(
            message("out_of_scope", lang, line=line, municipality=_label(code, municipality_names))
        )
    if code not in municipality_names:
        raise ReferenceDataError(message("unknown_code", lang, line=line, code=code))
    return code


def _label(code: str, municipality_names: dict[str, str]) -> str:
    return f"{code} {municipality_names.get(code, '')}".strip()


def _boolean(value: str, field: str, line: int, lang: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ReferenceDataError(message("bad_boolean", lang, line=line, field=field, value=value))


def _check_same_area(
    first_area: dict, first_row: tuple[int, dict], area: dict, fields: dict, line: int, lang: str
) -> None:
    # Compare parsed values, so "1" on one row and "true" on another are the same flag.
    first_line, first_fields = first_row
    for column, key in AREA_ATTRIBUTE_KEYS.items():
        if first_area[key] != area[key]:
            raise ReferenceDataError(
                message(
                    "inconsistent_area", lang, line=line, area=area["id"], field=column,
                    value=fields[column], first_line=first_line, first_value=first_fields[column],
                )
            )


def _check_all_mainland_placed(placed: dict, municipality_names: dict[str, str], lang: str) -> None:
    missing = sorted(code for code in municipality_names if code not in placed and code not in OUT_OF_SCOPE_CODES)
    if not missing:
        return
    listed = ", ".join(_label(code, municipality_names) for code in missing[:MISSING_LIST_LIMIT])
    if len(missing) > MISSING_LIST_LIMIT:
        listed += " " + message("and_more", lang, count=len(missing) - MISSING_LIST_LIMIT)
    raise ReferenceDataError(message("missing_municipalities", lang, count=len(missing), municipalities=listed))
