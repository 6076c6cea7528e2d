"""Regenerate municipalities.csv (code, name_fi, name_sv) from Statistics Finland's municipality boundaries.

Source: Statistics Finland (Tilastokeskus), municipality boundaries 2025 (kunnat 2025, generalised to about
2 km), properties ``natcode``, ``namefin`` and ``nameswe``. Licence: CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). Attribution: "Source: Statistics Finland".

Usage: python yse_core/reference/build_municipalities.py PATH/TO/kunnat-2025.geojson [OUTPUT.csv]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).with_name("municipalities.csv")
COLUMNS = ("code", "name_fi", "name_sv")


def municipalities_from_geojson(geojson_path: Path) -> list[dict]:
    """Return one {code, name_fi, name_sv} row per feature, sorted by code."""
    collection = json.loads(geojson_path.read_text(encoding="utf-8"))
    rows = [
        {
            "code": str(feature["properties"]["natcode"]).zfill(3),
            "name_fi": feature["properties"]["namefin"].strip(),
            "name_sv": feature["properties"]["nameswe"].strip(),
        }
        for feature in collection["features"]
    ]
    codes = [row["code"] for row in rows]
    if len(codes) != len(set(codes)):
        raise SystemExit(f"{geojson_path}: the same municipality code appears in more than one feature")
    return sorted(rows, key=lambda row: row["code"])


def write_csv(rows: list[dict], output: Path) -> None:
    """Write the rows as UTF-8 CSV with a header line."""
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> None:
    """Read the geojson named on the command line and write municipalities.csv."""
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    output = Path(argv[2]) if len(argv) == 3 else OUTPUT
    rows = municipalities_from_geojson(Path(argv[1]))
    write_csv(rows, output)
    print(f"Wrote {len(rows)} municipalities to {output}")


if __name__ == "__main__":
    main(sys.argv)
