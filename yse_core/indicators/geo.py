"""The map of the 45 employment areas: projection, dissolving municipalities into areas, the choropleth.

The shipped map ``yse_core/reference/areas_map.geojson`` (WGS84 lon/lat, ``properties.area_id``,
``name_fi``, ``name_sv``) is built once by ``yse_core/reference/build_area_map.py`` from Statistics
Finland's municipality boundaries 2025 (EPSG:3067, about 2 km generalisation, CC BY 4.0). At run time
only the small shipped file is read. The map is drawn with plotly's own geo layer, no basemap and no map
tiles; show it with ``PLOTLY_CONFIG`` (plotly would otherwise fetch a world outline from its CDN).
The generalised boundaries leave slivers between neighbours, so inner edges can survive the dissolve; each
area therefore also carries ``properties.outline`` (its real border as line strings), drawn over the fills.

Map boundaries: Statistics Finland, municipality boundaries 2025, CC BY 4.0.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from urllib.parse import quote

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from yse_core import formatting
from yse_core.i18n import t

AREA_MAP_PATH = Path(__file__).resolve().parent.parent / "reference" / "areas_map.geojson"
MAP_CREDIT = "Statistics Finland, municipality boundaries 2025, CC BY 4.0"

# ETRS-TM35FIN (EPSG:3067): transverse Mercator on the GRS80 ellipsoid.
GRS80_A = 6378137.0
GRS80_F = 1 / 298.257222101
TM35_K0 = 0.9996
TM35_LON0 = 27.0
TM35_FALSE_EASTING = 500000.0

NO_VALUE_COLOUR = "#d9d9d9"
# plotly's geo layer downloads a world basemap (topojson) from its CDN for every choropleth, even with the
# basemap hidden; an empty topology given inline stops that, so the map renders with no network at all.
EMPTY_TOPOJSON_URL = "data:application/json," + quote('{"type":"Topology","objects":{},"arcs":[]}') + "#"
PLOTLY_CONFIG = {"topojsonURL": EMPTY_TOPOJSON_URL, "scrollZoom": False, "displaylogo": False}

Ring = list[list[float]]
Polygon = list[Ring]


def _krueger_constants() -> tuple[float, float, tuple[float, float, float, float]]:
    n = GRS80_F / (2 - GRS80_F)
    a1 = GRS80_A / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    e = math.sqrt(GRS80_F * (2 - GRS80_F))
    h = (
        n / 2 - 2 * n**2 / 3 + 37 * n**3 / 96 - n**4 / 360,
        n**2 / 48 + n**3 / 15 - 437 * n**4 / 1440,
        17 * n**3 / 480 - 37 * n**4 / 840,
        4397 * n**4 / 161280,
    )
    return a1, e, h


_A1, _E, _H = _krueger_constants()


def tm35fin_to_lonlat(easting: float, northing: float) -> tuple[float, float]:
    """Return (longitude, latitude) in degrees for an ETRS-TM35FIN point (Krüger series, as in JHS 154)."""
    xi = northing / (_A1 * TM35_K0)
    eta = (easting - TM35_FALSE_EASTING) / (_A1 * TM35_K0)
    xi_prime, eta_prime = xi, eta
    for order, h in enumerate(_H, start=1):
        xi_prime -= h * math.sin(2 * order * xi) * math.cosh(2 * order * eta)
        eta_prime -= h * math.cos(2 * order * xi) * math.sinh(2 * order * eta)
    beta = math.asin(math.sin(xi_prime) / math.cosh(eta_prime))
    longitude_offset = math.asin(math.tanh(eta_prime) / math.cos(beta))
    q = math.asinh(math.tan(beta))
    q_prime = q + _E * math.atanh(_E * math.tanh(q))
    for _ in range(6):  # converges to far below a millimetre in a few rounds
        q_prime = q + _E * math.atanh(_E * math.tanh(q_prime))
    latitude = math.atan(math.sinh(q_prime))
    return TM35_LON0 + math.degrees(longitude_offset), math.degrees(latitude)


def signed_area(ring: Ring) -> float:
    """Return the shoelace area of a closed ring: negative when clockwise (x east, y north)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def _oriented(ring: Ring, clockwise: bool) -> Ring:
    return ring if (signed_area(ring) < 0) == clockwise else ring[::-1]


def _polygons(geometry: Mapping) -> list[Polygon]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unsupported geometry type {geometry['type']}")


def _point_in_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def dissolve(polygons: Iterable[Polygon]) -> list[Polygon]:
    """Merge polygons that share edges into one outline per connected piece (with holes).

    Works on topologically clean input where neighbours share identical vertices (as Statistics
    Finland's generalised boundaries do): an edge used by two polygons is inside the union and is
    dropped, the remaining edges are chained back into rings. Exterior rings come out clockwise and holes
    anticlockwise, the winding plotly's geo layer (d3-geo) expects.
    """
    edges: dict[tuple[tuple[float, float], tuple[float, float]], int] = defaultdict(int)
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            ring = _oriented([list(point) for point in ring], clockwise=index == 0)
            for start, end in zip(ring, ring[1:], strict=False):
                if start != end:
                    edges[(tuple(start), tuple(end))] += 1
    boundary = [edge for edge in edges if (edge[1], edge[0]) not in edges]
    outgoing: dict[tuple[float, float], list[tuple[float, float]]] = defaultdict(list)
    for start, end in sorted(boundary):
        outgoing[start].append(end)
    rings: list[Ring] = []
    for first in sorted(outgoing):
        while outgoing[first]:
            ring = [first]
            point = outgoing[first].pop()
            while point != first:
                ring.append(point)
                if not outgoing[point]:  # an open chain: input not clean; drop it rather than draw nonsense
                    ring = []
                    break
                point = outgoing[point].pop()
            if len(ring) >= 3:
                rings.append([list(p) for p in ring] + [list(first)])
    exteriors = [ring for ring in rings if signed_area(ring) < 0]
    holes = [ring for ring in rings if signed_area(ring) > 0]
    result: list[Polygon] = [[ring] for ring in sorted(exteriors, key=signed_area)]  # largest first
    for hole in holes:
        x, y = hole[0]
        containing = [polygon for polygon in result if _point_in_ring(x, y, polygon[0])]
        if containing:  # the smallest exterior around it
            min(containing, key=lambda polygon: -signed_area(polygon[0])).append(hole)
    return result


def _inside(x: float, y: float, polygons: list[Polygon]) -> bool:
    return any(_point_in_ring(x, y, polygon[0]) and not any(_point_in_ring(x, y, hole) for hole in polygon[1:])
               for polygon in polygons)


def boundary_lines(polygons: list[Polygon], reach: float = 2000.0) -> list[Ring]:
    """Return the outline of an area as line strings: the edges that do not face another piece of the same area.

    The generalised municipality boundaries are not topologically clean (neighbours' edges do not always
    coincide, leaving thin slivers), so some inner edges survive ``dissolve``. An edge is an outline edge when
    the point ``reach`` metres outward from its middle lies in none of the area's polygons.
    """
    lines: list[Ring] = []
    for polygon in polygons:
        for ring in polygon:  # exteriors clockwise, holes anticlockwise: the area is on the right of each edge
            edges = list(zip(ring, ring[1:], strict=False))

            def outline(edge: tuple) -> bool:
                (x1, y1), (x2, y2) = edge
                length = math.hypot(x2 - x1, y2 - y1)
                if length == 0:
                    return False
                left_x, left_y = -(y2 - y1) / length, (x2 - x1) / length
                middle_x, middle_y = (x1 + x2) / 2, (y1 + y2) / 2
                return not _inside(middle_x + reach * left_x, middle_y + reach * left_y, polygons)

            flags = [outline(edge) for edge in edges]
            if all(flags):
                lines.append([list(point) for point in ring])
                continue
            start = flags.index(False)  # begin at an inner edge so that no run wraps around the ring's start
            run: Ring = []
            for index in range(start, start + len(edges)):
                edge, on_outline = edges[index % len(edges)], flags[index % len(edges)]
                if on_outline:
                    run = run or [list(edge[0])]
                    run.append(list(edge[1]))
                elif run:
                    lines.append(run)
                    run = []
            if run:
                lines.append(run)
    return lines


def project_lines(lines: Iterable[Ring], decimals: int = 4) -> list[Ring]:
    """Reproject TM35FIN line strings to lon/lat and round them, dropping repeated points."""
    projected = []
    for line in lines:
        rounded: Ring = []
        for x, y in line:
            point = [round(value, decimals) for value in tm35fin_to_lonlat(x, y)]
            if not rounded or rounded[-1] != point:
                rounded.append(point)
        if len(rounded) >= 2:
            projected.append(rounded)
    return projected


def _simplified(ring: Ring, decimals: int) -> Ring | None:
    rounded: Ring = []
    for x, y in ring:
        point = [round(x, decimals), round(y, decimals)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(rounded) >= 4 and signed_area(rounded) != 0 else None


def project_polygons(polygons: Iterable[Polygon], decimals: int = 4) -> list[Polygon]:
    """Reproject TM35FIN polygons to lon/lat, round to ``decimals`` and drop rings that collapse."""
    projected: list[Polygon] = []
    for polygon in polygons:
        rings = []
        for index, ring in enumerate(polygon):
            simplified = _simplified([list(tm35fin_to_lonlat(x, y)) for x, y in ring], decimals)
            if simplified is None:
                if index == 0:
                    break
                continue
            rings.append(_oriented(simplified, clockwise=index == 0))
        if rings:
            projected.append(rings)
    return projected


def build_area_map(municipal_geojson: Mapping, areas: list[dict], memberships: Iterable[tuple[str, str]],
                   decimals: int = 4) -> dict:
    """Return a lon/lat FeatureCollection with one MultiPolygon per area from the municipalities (EPSG:3067)."""
    by_code = {str(feature["properties"]["natcode"]).zfill(3): feature for feature in municipal_geojson["features"]}
    members: dict[str, list[str]] = defaultdict(list)
    for area_id, code in memberships:
        members[area_id].append(code)
    features = []
    for area in sorted(areas, key=lambda area: area["id"]):
        missing = [code for code in members[area["id"]] if code not in by_code]
        if missing:
            raise ValueError(f"area {area['id']}: municipalities {', '.join(missing)} are not in the boundary file")
        parts = dissolve(polygon for code in members[area["id"]] for polygon in _polygons(by_code[code]["geometry"]))
        features.append({
            "type": "Feature",
            "id": area["id"],
            "properties": {"area_id": area["id"], "name_fi": area["name_fi"], "name_sv": area["name_sv"],
                           "outline": project_lines(boundary_lines(parts), decimals)},
            "geometry": {"type": "MultiPolygon", "coordinates": project_polygons(parts, decimals)},
        })
    return {
        "type": "FeatureCollection",
        "name": "tyollisyysalueet_2025",
        "attribution": f"Source: {MAP_CREDIT}. Areas dissolved from municipalities by the YSE portal.",
        "features": features,
    }


@cache
def load_area_map(path: Path = AREA_MAP_PATH) -> dict:
    """Return the shipped map of the areas (lon/lat GeoJSON FeatureCollection, ``properties.area_id``)."""
    return json.loads(path.read_text(encoding="utf-8"))


# What the browser map needs: the map is 640 px tall for about 11 degrees of latitude, some 0.02 degrees a
# pixel, so vertices closer than a quarter pixel to the line their neighbours draw are invisible. Dropping them
# (Douglas-Peucker) and rounding to 3 decimals (about 100 m) cut what the situation page sends for its map.
DISPLAY_TOLERANCE = 0.005  # degrees of latitude; longitude is scaled by cos(latitude) to be measured alike
DISPLAY_DECIMALS = 3


def simplify_line(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker: keep the end points and every vertex farther than ``tolerance`` from the simplified line.

    Distances are in degrees of latitude with longitude scaled by cos(latitude), so the tolerance means the
    same on the ground in the north and the south.
    """
    if len(points) < 3:
        return [list(point) for point in points]
    scale = math.cos(math.radians(sum(point[1] for point in points) / len(points)))
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        x1, y1 = points[first][0] * scale, points[first][1]
        x2, y2 = points[last][0] * scale, points[last][1]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            x, y = points[index][0] * scale, points[index][1]
            if length == 0:
                gap = math.hypot(x - x1, y - y1)
            else:
                gap = abs(dy * (x - x1) - dx * (y - y1)) / length
            if gap > distance:
                farthest, distance = index, gap
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [list(point) for point, kept in zip(points, keep, strict=True) if kept]


def _display_ring(ring: Ring, tolerance: float, decimals: int) -> Ring | None:
    """A closed ring simplified in two halves (its start is fixed), rounded; None when it collapses."""
    middle = len(ring) // 2
    halves = simplify_line(ring[:middle + 1], tolerance)[:-1] + simplify_line(ring[middle:], tolerance)
    return _simplified(halves, decimals)


def display_features(geojson: Mapping, tolerance: float = DISPLAY_TOLERANCE,
                     decimals: int = DISPLAY_DECIMALS) -> list[dict]:
    """The shipped map's features, generalised for the screen: fewer vertices, fewer decimals, same areas.

    A ring that collapses is dropped, except an area's largest exterior, which is always kept, so that no area
    disappears from the map. The outline lines are simplified the same way; their ends stay where they were,
    so lines still meet.
    """
    features = []
    for feature in geojson["features"]:
        polygons = feature["geometry"]["coordinates"]
        largest = max(range(len(polygons)), key=lambda index: abs(signed_area(polygons[index][0])))
        kept = []
        for index, polygon in enumerate(polygons):
            rings = []
            for ring_index, ring in enumerate(polygon):
                shown = _display_ring(ring, tolerance, decimals)
                if shown is None and index == largest and ring_index == 0:
                    shown = _simplified(ring, decimals) or ring
                if shown is None:
                    if ring_index == 0:
                        break  # an exterior too small to see: its holes go with it
                    continue
                rings.append(_oriented(shown, clockwise=ring_index == 0))
            if rings:
                kept.append(rings)
        outline = []
        for line in feature["properties"].get("outline", []):
            shown = [[round(value, decimals) for value in point] for point in simplify_line(line, tolerance)]
            shown = [point for position, point in enumerate(shown) if position == 0 or point != shown[position - 1]]
            if len(shown) >= 2:
                outline.append(shown)
        features.append({**feature, "properties": {**feature["properties"], "outline": outline},
                         "geometry": {"type": "MultiPolygon", "coordinates": kept}})
    return features


@cache
def load_display_map(path: Path = AREA_MAP_PATH) -> dict:
    """The shipped map generalised for the browser (``display_features``); computed once per process."""
    geojson = load_area_map(path)
    return {**geojson, "features": display_features(geojson)}


def _bounds(features: Iterable[Mapping], pad: float = 0.3) -> tuple[list[float], list[float]]:
    longitudes, latitudes = [], []
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            longitudes += [point[0] for point in polygon[0]]
            latitudes += [point[1] for point in polygon[0]]
    return [min(longitudes) - pad, max(longitudes) + pad], [min(latitudes) - pad / 2, max(latitudes) + pad / 2]


def _outline_coordinates(features: Iterable[Mapping]) -> tuple[np.ndarray, np.ndarray]:
    """The outline lines as one lon and one lat array, NaN between lines.

    float32 arrays: plotly writes a NumPy array as base64 (``{"dtype": "f4", "bdata": …}``), 4 bytes a number
    instead of about 7 characters of text, and float32 keeps a point to about a metre.
    """
    longitudes: list[float] = []
    latitudes: list[float] = []
    for feature in features:
        for line in feature["properties"].get("outline", []):
            longitudes += [point[0] for point in line] + [math.nan]
            latitudes += [point[1] for point in line] + [math.nan]
    return np.array(longitudes, dtype=np.float32), np.array(latitudes, dtype=np.float32)


def area_map_figure(
    geojson: Mapping,
    values: Mapping[str, float | None],
    title: str,
    unit: str,
    lang: str,
    *,
    names: Mapping[str, str] | None = None,
    higher_is_worse: bool | None = None,
    decimals: int | None = None,
    highlight: str | None = None,
    subtitle: str | None = None,
    demo: bool = False,
) -> go.Figure:
    """Return a choropleth of the areas coloured by ``values`` (area id → value); areas without a value are grey.

    Show it with ``PLOTLY_CONFIG`` so that plotly does not try to download its world basemap.
    """
    features = geojson["features"]
    label = {feature["properties"]["area_id"]: _feature_name(feature, lang) for feature in features}
    label.update(names or {})
    with_value = [f["properties"]["area_id"] for f in features if values.get(f["properties"]["area_id"]) is not None]
    without_value = [f["properties"]["area_id"] for f in features if values.get(f["properties"]["area_id"]) is None]
    unit_suffix = f" {unit}" if unit else ""
    scale = "Reds" if higher_is_worse else ("Blues" if higher_is_worse is None else "Greens")
    numbers = [values[a] for a in with_value]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    span = (high - low) or 1.0
    # Each area's edge is drawn in its own fill colour: it covers the thin slivers the generalised boundaries
    # leave between member municipalities; the white outline trace then draws the real area borders.
    edge_colours = sample_colorscale(scale, [(value - low) / span for value in numbers]) if numbers else []
    figure = go.Figure()
    if without_value:
        figure.add_trace(go.Choropleth(
            geojson=_geometry_of(features, without_value), featureidkey="properties.area_id", locations=without_value,
            z=[0] * len(without_value),
            colorscale=[[0, NO_VALUE_COLOUR], [1, NO_VALUE_COLOUR]], showscale=False, name=t("situation.no_value", lang),
            customdata=[[label[a], t("situation.no_value", lang)] for a in without_value],
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>", marker_line_color=NO_VALUE_COLOUR,
            marker_line_width=1,
        ))
    figure.add_trace(go.Choropleth(
        geojson=_geometry_of(features, with_value), featureidkey="properties.area_id", locations=with_value, z=numbers,
        zmin=low, zmax=high,
        colorscale=scale, name=title,
        customdata=[[label[a], formatting.number(values[a], lang, decimals or 0) + unit_suffix] for a in with_value],
        hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
        marker_line_color=edge_colours, marker_line_width=1,
        colorbar={"title": {"text": unit}, "thickness": 14, "len": 0.6, "separatethousands": True},
    ))
    outline_lon, outline_lat = _outline_coordinates(features)
    figure.add_trace(go.Scattergeo(lon=outline_lon, lat=outline_lat, mode="lines", hoverinfo="skip", showlegend=False,
                                   line={"color": "white", "width": 1}, name="outline"))
    if highlight and highlight in label:
        chosen = [f for f in features if f["properties"]["area_id"] == highlight]
        chosen_lon, chosen_lat = _outline_coordinates(chosen)
        figure.add_trace(go.Scattergeo(lon=chosen_lon, lat=chosen_lat, mode="lines", hoverinfo="skip",
                                       showlegend=False, line={"color": "black", "width": 2.5}, name=label[highlight]))
    longitude_range, latitude_range = _bounds(features)
    figure.update_geos(
        visible=False, projection={"type": "transverse mercator", "rotation": {"lon": TM35_LON0}},
        lonaxis_range=longitude_range, lataxis_range=latitude_range, bgcolor="rgba(0,0,0,0)",
    )
    figure.update_layout(
        title={"text": f"{title} {t('situation.demo_suffix', lang)}" if demo else title, "subtitle": {"text": subtitle or ""}, "font": {"size": 15}},
        margin={"l": 0, "r": 0, "t": 70, "b": 24}, height=640, showlegend=False,
        separators=", " if lang in ("fi", "sv") else ".,",
        annotations=[{"text": t("situation.map_credit", lang), "showarrow": False, "xref": "paper", "yref": "paper",
                      "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "font": {"size": 10, "color": "#555"}}],
    )
    return figure


def _geometry_of(features: Iterable[Mapping], area_ids: Iterable[str]) -> dict:
    """The GeoJSON one choropleth trace needs: only its own areas, each with its geometry and ``area_id``.

    Plotly sends a trace's whole ``geojson`` to the browser. The shipped map's properties also hold the names and
    the outline coordinates (drawn by the outline trace, not by the choropleth), and with areas lacking a value
    the grey trace and the coloured one each carried every feature: the map's geometry went over the websocket
    up to twice, plus the outlines twice more.
    """
    wanted = set(area_ids)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": feature.get("id"), "properties": {"area_id": feature["properties"]["area_id"]},
         "geometry": feature["geometry"]}
        for feature in features if feature["properties"]["area_id"] in wanted
    ]}


def _feature_name(feature: Mapping, lang: str) -> str:
    properties = feature["properties"]
    return properties.get("name_sv") if lang == "sv" and properties.get("name_sv") else properties["name_fi"]


__all__ = [
    "AREA_MAP_PATH",
    "MAP_CREDIT",
    "PLOTLY_CONFIG",
    "boundary_lines",
    "area_map_figure",
    "build_area_map",
    "dissolve",
    "display_features",
    "load_area_map",
    "load_display_map",
    "simplify_line",
    "project_polygons",
    "signed_area",
    "tm35fin_to_lonlat",
]
