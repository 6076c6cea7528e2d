"""Regenerate areas_map.geojson: the 45 employment areas dissolved from Statistics Finland's municipalities.

Source: Statistics Finland (Tilastokeskus), municipality boundaries 2025 (kunnat 2025, generalised to about
2 km, EPSG:3067, property ``natcode``). Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
Attribution: "Source: Statistics Finland". Membership comes from the shipped ``areas_2025.csv``.
The output is WGS84 lon/lat rounded to 4 decimals (about 10 m), one MultiPolygon per area with
``properties.area_id``, ``name_fi`` and ``name_sv``. Run it again after the area roster changes.

Usage: python -m yse_core.reference.build_area_map PATH/TO/kunnat-2025.geojson [OUTPUT.geojson]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from yse_core.areas import load_reference_areas
from yse_core.indicators.geo import AREA_MAP_PATH, build_area_map


def main(argv: list[str]) -> None:
    """Read the municipality boundaries named on the command line and write the area map."""
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    output = Path(argv[2]) if len(argv) == 3 else AREA_MAP_PATH
    municipal = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    reference = load_reference_areas()
    area_map = build_area_map(municipal, reference.areas, reference.memberships)
    output.write_text(json.dumps(area_map, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    vertices = sum(len(ring) for feature in area_map["features"]
                   for polygon in feature["geometry"]["coordinates"] for ring in polygon)
    print(f"Wrote {len(area_map['features'])} areas ({vertices} vertices, {output.stat().st_size} bytes) to {output}")


if __name__ == "__main__":
    main(sys.argv)
