"""The shipped municipalities and employment areas, and the validated parser for an admin's replacement CSV."""

from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path

import pytest

from yse_core import areas
from yse_core.errors import ReferenceDataError
from yse_core.i18n import LANGUAGES, catalogue

GEOJSON = Path(__file__).resolve().parents[2] / "shared" / "data" / "kunnat-2025-tilastokeskus-2km.geojson"
ORGANISE_ALONE = {"helsinki": "091", "vantaa": "092", "lahti": "398", "kouvola": "286"}
VERIFIED_AREAS = {
    "helsinki", "vantaa", "kerava-sipoo", "keski-uusimaa", "porvoo", "hanko-inkoo-raasepori", "paijat-hame",
    "lahti", "kouvola", "lantinen-pirkanmaa", "etelainen-keski-suomi", "pohjoinen-keski-suomi", "kymppi",
    "oulun-seutu",
}
ALAND_NAMES = {
    "Brändö", "Eckerö", "Finström", "Föglö", "Geta", "Hammarland", "Jomala", "Kumlinge", "Kökar", "Lemland",
    "Lumparland", "Maarianhamina", "Saltvik", "Sottunga", "Sund", "Vårdö",
}
HELSINKI_ROW = "091,helsinki,Helsingin kaupunki,Helsingfors stad,Uusimaa,ELY01,1,1"


def shipped_text() -> str:
    return areas.AREAS_CSV.read_text(encoding="utf-8")


def line_of(text: str, prefix: str) -> int:
    """Return the 1-based line number of the first line starting with prefix."""
    return next(number for number, line in enumerate(text.splitlines(), start=1) if line.startswith(prefix))


def parse(data: bytes | str, lang: str = "fi") -> areas.ParsedAreas:
    return areas.parse_area_csv(data, areas.load_municipalities(), lang=lang)


def test_shipped_file_has_45_areas():
    parsed = areas.load_reference_areas()
    assert len(parsed.areas) == 45
    assert len({area["id"] for area in parsed.areas}) == 45


def test_shipped_file_places_every_mainland_municipality_exactly_once():
    parsed = areas.load_reference_areas()
    mainland = {row["code"] for row in areas.load_municipalities()} - areas.OUT_OF_SCOPE_CODES
    counts = Counter(code for _, code in parsed.memberships)
    assert set(counts) == mainland
    assert set(counts.values()) == {1}


@pytest.mark.parametrize(("area_id", "code"), ORGANISE_ALONE.items())
def test_areas_that_organise_alone_have_one_municipality(area_id, code):
    parsed = areas.load_reference_areas()
    assert [member for area, member in parsed.memberships if area == area_id] == [code]


def test_helsinki_area_is_helsinki_alone():
    parsed = areas.load_reference_areas()
    helsinki = next(area for area in parsed.areas if area["id"] == "helsinki")
    assert helsinki["name_fi"] == "Helsingin kaupunki"
    assert helsinki["uusimaa"] is True
    assert [code for area, code in parsed.memberships if area == "helsinki"] == ["091"]


def test_shipped_file_excludes_aland():
    parsed = areas.load_reference_areas()
    assert not {code for _, code in parsed.memberships} & areas.OUT_OF_SCOPE_CODES


def test_out_of_scope_codes_are_the_16_aland_municipalities():
    names = {row["code"]: row["name_fi"] for row in areas.load_municipalities()}
    assert {names[code] for code in areas.OUT_OF_SCOPE_CODES} == ALAND_NAMES


def test_only_areas_with_a_sourced_member_list_are_marked_verified():
    parsed = areas.load_reference_areas()
    assert {area["id"] for area in parsed.areas if area["membership_verified"]} == VERIFIED_AREAS


def test_uusimaa_flag_matches_region():
    parsed = areas.load_reference_areas()
    assert all(area["uusimaa"] == (area["region"] == "Uusimaa") for area in parsed.areas)


def test_shipped_municipalities_are_308_with_three_digit_codes():
    municipalities = areas.load_municipalities()
    assert len(municipalities) == 308
    assert all(re.fullmatch(r"\d{3}", row["code"]) for row in municipalities)
    assert {"code": "091", "name_fi": "Helsinki", "name_sv": "Helsingfors"} in municipalities


@pytest.mark.skipif(not GEOJSON.exists(), reason="the shared geojson is not beside the repository")
def test_municipalities_csv_is_what_the_build_script_makes_from_the_geojson(tmp_path):
    from yse_core.reference.build_municipalities import municipalities_from_geojson, write_csv

    output = tmp_path / "municipalities.csv"
    write_csv(municipalities_from_geojson(GEOJSON), output)
    assert output.read_text(encoding="utf-8") == areas.MUNICIPALITIES_CSV.read_text(encoding="utf-8")


# Each malformed variant is the shipped file with one edit; the expected message is built from the
# shipped text so line numbers stay right if the roster changes.
def _missing_municipality(text):
    return text.replace("092,vantaa,Vantaan työllisyysalue,Vanda sysselsättningsområde,Uusimaa,ELY01,1,1\n", ""), (
        "Tiedostosta puuttuu manner-Suomen kuntia (1): 092 Vantaa."
    )


def _municipality_in_two_areas(text):
    edited = text + "092,helsinki,Helsingin kaupunki,Helsingfors stad,Uusimaa,ELY01,1,1\n"
    return edited, (
        f"Rivi {len(edited.splitlines())}: kunta 092 Vantaa on jo rivillä {line_of(text, '092,')} alueessa vantaa; "
        "tällä rivillä se on alueessa helsinki. Kunta voi kuulua vain yhteen alueeseen."
    )


def _unknown_code(text):
    return text.replace(HELSINKI_ROW, HELSINKI_ROW.replace("091", "999")), "Rivi 2: tuntematon kuntakoodi 999."


def _misspelled_header(text):
    return text.replace("municipality_code", "municipalty_code", 1), (
        "Rivi 1 (otsikkorivi): tuntematon sarake municipalty_code (tarkoititko municipality_code?); "
        "puuttuu sarake municipality_code. Odotetut sarakkeet: " + ",".join(areas.AREA_COLUMNS) + "."
    )


def _extra_header_column(text):
    return text.replace("membership_verified\n", "membership_verified,comment\n", 1), (
        "Rivi 1 (otsikkorivi): tuntematon sarake comment. Odotetut sarakkeet: " + ",".join(areas.AREA_COLUMNS) + "."
    )


def _missing_header_column(text):
    edited = re.sub(r",ely(?=,)", "", text.splitlines(keepends=True)[0]) + "".join(text.splitlines(keepends=True)[1:])
    return edited, (
        "Rivi 1 (otsikkorivi): puuttuu sarake ely. Odotetut sarakkeet: " + ",".join(areas.AREA_COLUMNS) + "."
    )


def _aland_included(text):
    edited = text + "478,helsinki,Helsingin kaupunki,Helsingfors stad,Uusimaa,ELY01,1,1\n"
    return edited, (
        f"Rivi {len(edited.splitlines())}: kunta 478 Maarianhamina on Ahvenanmaalla, "
        "joka ei kuulu työllisyysalueisiin."
    )


def _inconsistent_attributes(text):
    # Hyvinkää is the second row of Keski-Uusimaa; give it another ELY than Järvenpää's first row.
    hyvinkaa = next(line for line in text.splitlines() if line.startswith("106,keski-uusimaa,"))
    return text.replace(hyvinkaa, hyvinkaa.replace("ELY01", "ELY02")), (
        f"Rivi {line_of(text, '106,')}: alueen keski-uusimaa kentässä ely on \"ELY02\", "
        f"mutta rivillä {line_of(text, '186,')} samalla alueella on \"ELY01\"."
    )


def _bad_boolean(text):
    return text.replace(HELSINKI_ROW, HELSINKI_ROW.replace("ELY01,1,1", "ELY01,yes,1")), (
        'Rivi 2: kentän uusimaa arvo "yes" ei ole kelvollinen (käytä 0/1, true/false tai kyllä/ei).'
    )


def _bad_area_id(text):
    return text.replace("091,helsinki,", "091,Helsinki kaupunki,", 1), (
        'Rivi 2: alueen tunnus "Helsinki kaupunki" ei kelpaa; käytä pieniä kirjaimia a–z, numeroita ja '
        "yhdysmerkkejä (esim. kerava-sipoo)."
    )


def _empty_field(text):
    return text.replace(HELSINKI_ROW, HELSINKI_ROW.replace(",Uusimaa,", ",,")), (
        "Rivi 2: pakollinen kenttä region on tyhjä."
    )


def _empty_file(text):
    return "", "Tiedosto on tyhjä."


def _header_only(text):
    return text.splitlines(keepends=True)[0], "Tiedostossa on vain otsikkorivi, ei yhtään kuntariviä."


def _bad_code_format(text):
    return text.replace(HELSINKI_ROW, HELSINKI_ROW.replace("091", "HEL")), (
        'Rivi 2: kuntakoodi "HEL" ei ole kelvollinen (käytä muotoa 091, 91 tai KU091).'
    )


def _bad_ely(text):
    return text.replace(HELSINKI_ROW, HELSINKI_ROW.replace("ELY01", "ELY16")), (
        'Rivi 2: ELY-koodi "ELY16" ei kelpaa (käytä muotoa ELY01–ELY15).'
    )


def _wrong_field_count(text):
    return text.replace(HELSINKI_ROW, HELSINKI_ROW + ",extra"), "Rivi 2: odotettiin 8 kenttää, löytyi 9."


@pytest.mark.parametrize(
    "edit",
    [
        _missing_municipality,
        _municipality_in_two_areas,
        _unknown_code,
        _misspelled_header,
        _extra_header_column,
        _missing_header_column,
        _aland_included,
        _inconsistent_attributes,
        _bad_boolean,
        _bad_area_id,
        _empty_field,
        _empty_file,
        _header_only,
        _bad_code_format,
        _bad_ely,
        _wrong_field_count,
    ],
    ids=lambda edit: edit.__name__.lstrip("_"),
)
def test_malformed_file_gives_precise_message(edit):
    text, expected = edit(shipped_text())
    with pytest.raises(ReferenceDataError) as raised:
        parse(text)
    assert str(raised.value) == expected


def test_missing_municipalities_are_listed_up_to_ten():
    lines = shipped_text().splitlines(keepends=True)
    with pytest.raises(ReferenceDataError) as raised:
        parse("".join(lines[:-12]))
    listed, rest = str(raised.value).split(": ", 1)[1].rsplit(" ja ", 1)
    assert listed.count(",") == 9
    assert rest == "2 muuta."


def test_file_that_is_not_utf8_is_refused_with_advice():
    with pytest.raises(ReferenceDataError, match='CSV UTF-8'):
        parse(shipped_text().encode("cp1252", errors="replace"))


@pytest.mark.parametrize(
    ("variant", "convert"),
    [
        ("semicolon delimiter", lambda text: text.replace(",", ";")),
        ("semicolons with Excel's empty trailing cells", lambda text: text.replace(",", ";").replace("\n", ";;\n")),
        ("utf-8 BOM, bytes", lambda text: "\ufeff".encode() + text.encode("utf-8")),
        ("utf-8 BOM, str", lambda text: "\ufeff" + text),
        ("KU-prefixed codes", lambda text: re.sub(r"^(\d{3}),", r"KU\1,", text, flags=re.MULTILINE)),
        ("codes without leading zeros", lambda text: re.sub(r"^0+(\d+),", r"\1,", text, flags=re.MULTILINE)),
        ("CRLF line endings", lambda text: text.replace("\n", "\r\n")),
        ("booleans as kyllä/ei", lambda text: text.replace(",1,1\n", ",kyllä,true\n").replace(",0,0\n", ",ei,FALSE\n")),
    ],
)
def test_accepted_variants_parse_like_the_shipped_file(variant, convert):
    assert parse(convert(shipped_text())) == areas.load_reference_areas()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("091", "091"), ("91", "091"), ("KU091", "091"), ("ku91", "091"), (" 5 ", "005"), ("0911", None), ("KU", None)],
)
def test_municipality_codes_are_normalised(value, expected):
    assert areas.normalise_municipality_code(value) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fi", "Rivi 2: tuntematon kuntakoodi 999."),
        ("sv", "Rad 2: okänd kommunkod 999."),
        ("en", "Line 2: unknown municipality code 999."),
    ],
)
def test_messages_follow_the_requested_language(lang, expected):
    text, _ = _unknown_code(shipped_text())
    with pytest.raises(ReferenceDataError) as raised:
        parse(text)
    assert raised.value.message(lang) == expected


def test_swedish_messages_use_swedish_municipality_names():
    text, _ = _aland_included(shipped_text())
    with pytest.raises(ReferenceDataError) as raised:
        parse(text)
    assert "478 Mariehamn" in raised.value.message("sv")


@pytest.mark.parametrize("message_id", sorted(key for key in catalogue() if key.startswith("areas.error.")))
def test_every_message_has_fi_sv_en_with_the_same_placeholders(message_id):
    variants = catalogue()[message_id]
    assert set(variants) == set(LANGUAGES)
    placeholders = {
        lang: {name for _, name, _, _ in string.Formatter().parse(text) if name} for lang, text in variants.items()
    }
    assert placeholders["sv"] == placeholders["fi"] == placeholders["en"]
