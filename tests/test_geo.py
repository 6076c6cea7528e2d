"""The shipped map of the 45 areas, the TM35FIN → lon/lat projection, dissolving and the choropleth."""

from __future__ import annotations

import json
import math
from urllib.parse import unquote

import pytest

from yse_core.areas import load_reference_areas
from yse_core.indicators import geo

GRS80_A, GRS80_F = 6378137.0, 1 / 298.257222101


def _forward_tm35fin(longitude: float, latitude: float) -> tuple[float, float]:
    """An independent forward transverse Mercator (Krüger series, forward direction) to check the inverse."""
    n = GRS80_F / (2 - GRS80_F)
    a1 = GRS80_A / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    e = math.sqrt(GRS80_F * (2 - GRS80_F))
    h = (n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180,
         13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440,
         61 * n**3 / 240 - 103 * n**4 / 140,
         49561 * n**4 / 161280)
    phi, offset = math.radians(latitude), math.radians(longitude - 27.0)
    q = math.asinh(math.tan(phi)) - e * math.atanh(e * math.sin(phi))
    beta = math.atan(math.sinh(q))
    eta0 = math.atanh(math.cos(beta) * math.sin(offset))
    xi0 = math.asin(math.sin(beta) * math.cosh(eta0))
    xi = xi0 + sum(hk * math.sin(2 * k * xi0) * math.cosh(2 * k * eta0) for k, hk in enumerate(h, start=1))
    eta = eta0 + sum(hk * math.cos(2 * k * xi0) * math.sinh(2 * k * eta0) for k, hk in enumerate(h, start=1))
    return 500000 + a1 * 0.9996 * eta, a1 * 0.9996 * xi


def _points(feature: dict):
    for polygon in feature["geometry"]["coordinates"]:
        for ring in polygon:
            yield from ring


@pytest.fixture(scope="module")
def area_map() -> dict:
    return json.loads(geo.AREA_MAP_PATH.read_text(encoding="utf-8"))


def test_shipped_map_has_one_feature_per_area_of_the_areas_table(area_map, plain_db):
    area_ids = {row[0] for row in plain_db.execute("SELECT id FROM areas")}
    feature_ids = [feature["properties"]["area_id"] for feature in area_map["features"]]
    assert len(feature_ids) == 45
    assert sorted(feature_ids) == sorted(area_ids)


def test_shipped_map_matches_the_reference_roster_names(area_map):
    names = {area["id"]: area["name_fi"] for area in load_reference_areas().areas}
    assert {f["properties"]["area_id"]: f["properties"]["name_fi"] for f in area_map["features"]} == names


def test_shipped_map_coordinates_lie_in_finland(area_map):
    for feature in area_map["features"]:
        for longitude, latitude in _points(feature):
            assert 19 <= longitude <= 32 and 59 <= latitude <= 71, feature["properties"]["area_id"]


def test_shipped_map_is_small_and_credits_statistics_finland(area_map):
    assert geo.AREA_MAP_PATH.stat().st_size < 1_000_000
    assert "Statistics Finland" in area_map["attribution"] and "CC BY 4.0" in area_map["attribution"]


def test_shipped_map_exteriors_wind_clockwise_for_plotly(area_map):
    for feature in area_map["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            assert geo.signed_area(polygon[0]) < 0, feature["properties"]["area_id"]
            assert all(geo.signed_area(hole) > 0 for hole in polygon[1:])


@pytest.mark.parametrize(
    ("easting", "northing", "longitude", "latitude", "tolerance"),
    [
        (385000, 6672000, 24.93, 60.17, 0.01),  # Helsinki centre
        (500000, 6651411.19, 27.0, 60.0, 1e-5),  # on the central meridian: 0.9996 × meridian arc to 60° N
        (500000, 0, 27.0, 0.0, 1e-9),
    ],
)
def test_inverse_projection_of_known_points(easting, northing, longitude, latitude, tolerance):
    found_longitude, found_latitude = geo.tm35fin_to_lonlat(easting, northing)
    assert abs(found_longitude - longitude) < tolerance and abs(found_latitude - latitude) < tolerance


@pytest.mark.parametrize(("easting", "northing"), [(385000, 6672000), (240000, 6950000), (730000, 7700000),
                                                    (440000, 7750000)])
def test_inverse_projection_round_trips_through_an_independent_forward_formula(easting, northing):
    longitude, latitude = geo.tm35fin_to_lonlat(easting, northing)
    back = _forward_tm35fin(longitude, latitude)
    assert abs(back[0] - easting) < 0.01 and abs(back[1] - northing) < 0.01


def test_dissolve_drops_the_shared_edge_of_two_squares():
    left = [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]
    right = [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]  # anticlockwise on purpose: dissolve orients it
    (merged,) = geo.dissolve([left, right])
    assert len(merged) == 1
    assert geo.signed_area(merged[0]) == -2
    assert [1, 0.5] not in merged[0] and len(merged[0]) == 7  # 6 boundary vertices, closed


def test_dissolve_keeps_separate_islands_and_a_hole():
    frame = [[[0, 0], [0, 3], [3, 3], [3, 0], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]]
    island = [[[5, 5], [5, 6], [6, 6], [6, 5], [5, 5]]]
    pieces = geo.dissolve([frame, island])
    assert sorted(len(piece) for piece in pieces) == [1, 2]
    with_hole = next(piece for piece in pieces if len(piece) == 2)
    assert geo.signed_area(with_hole[0]) == -9 and geo.signed_area(with_hole[1]) == 1


def test_area_map_figure_colours_areas_and_outlines_the_chosen_one(area_map):
    values = {feature["properties"]["area_id"]: float(index) for index, feature in enumerate(area_map["features"])}
    values["helsinki"] = None
    figure = geo.area_map_figure(area_map, values, "Työttömyys", "%", "fi", decimals=1, highlight="vantaa", demo=True)
    missing, coloured, outlines, chosen = figure.data
    assert (missing.type, coloured.type, outlines.type, chosen.type) == ("choropleth", "choropleth", "scattergeo",
                                                                         "scattergeo")
    assert list(missing.locations) == ["helsinki"] and len(coloured.locations) == 44
    assert dict(zip(coloured.locations, coloured.z, strict=True)) == {k: v for k, v in values.items() if v is not None}
    hover = {location: list(row) for location, row in zip(coloured.locations, coloured.customdata, strict=True)}
    assert hover["vantaa"] == ["Vantaan työllisyysalue", f"{values['vantaa']:.1f} %".replace(".", ",")]
    vantaa_outline = area_map["features"][[f["id"] for f in area_map["features"]].index("vantaa")]["properties"]["outline"]
    assert len([lon for lon in chosen.lon if math.isnan(lon)]) == len(vantaa_outline)  # NaN ends each line
    assert chosen.lon.dtype.name == "float32"  # sent as base64, 4 bytes a number
    assert '"bdata"' in figure.to_json()
    assert "demoaineisto" in figure.layout.title.text


def test_each_area_geometry_goes_to_the_browser_once_without_its_outline(area_map):
    values = {feature["properties"]["area_id"]: float(index) for index, feature in enumerate(area_map["features"])}
    values["helsinki"] = values["espoo-kauniainen"] = None
    missing, coloured = geo.area_map_figure(area_map, values, "T", "%", "fi").data[:2]
    for trace in (missing, coloured):
        assert [f["properties"]["area_id"] for f in trace.geojson["features"]] == list(trace.locations)
        assert all(set(f["properties"]) == {"area_id"} for f in trace.geojson["features"])
    shipped = {f["properties"]["area_id"]: f["geometry"] for f in area_map["features"]}
    sent = [f for trace in (missing, coloured) for f in trace.geojson["features"]]
    assert len(sent) == len(shipped) and all(f["geometry"] == shipped[f["properties"]["area_id"]] for f in sent)
    assert "outline" in area_map["features"][0]["properties"]  # the shipped map itself is unchanged


def test_area_map_needs_no_network(area_map):
    figure = geo.area_map_figure(area_map, {"helsinki": 1.0}, "T", "%", "en")
    assert figure.layout.geo.visible is False
    assert not {"map", "mapbox"} & set(figure.to_dict()["layout"])  # no tile layers to download
    # plotly's geo layer would fetch a world topojson from its CDN: the config points it at an inline empty one
    assert geo.PLOTLY_CONFIG["topojsonURL"].startswith("data:application/json,")
    assert json.loads(unquote(geo.PLOTLY_CONFIG["topojsonURL"].split(",", 1)[1].rstrip("#")))["type"] == "Topology"


def test_area_outlines_skip_edges_between_pieces_of_the_same_area():
    # two squares with a sliver gap between them (not clean topology): the facing edges are not outline
    left = [[[0, 0], [0, 1000], [1000, 1000], [1000, 0], [0, 0]]]
    right = [[[1100, 0], [1100, 1000], [2100, 1000], [2100, 0], [1100, 0]]]
    lines = geo.boundary_lines([left, right], reach=500)
    drawn = {(tuple(a), tuple(b)) for line in lines for a, b in zip(line, line[1:], strict=False)}
    assert ((1000, 1000), (1000, 0)) not in drawn and ((1100, 0), (1100, 1000)) not in drawn
    assert ((0, 0), (0, 1000)) in drawn and ((2100, 1000), (2100, 0)) in drawn


def test_every_shipped_area_has_an_outline(area_map):
    assert all(feature["properties"]["outline"] for feature in area_map["features"])


def test_douglas_peucker_keeps_corners_and_drops_points_on_a_line():
    line = [[20.0, 60.0], [20.5, 60.0001], [21.0, 60.0], [21.0, 61.0]]
    assert geo.simplify_line(line, 0.001) == [[20.0, 60.0], [21.0, 60.0], [21.0, 61.0]]
    assert geo.simplify_line(line, 0.00001) == line  # the bend of 0.0001 degrees is kept at a finer tolerance
    assert geo.simplify_line(line[:2], 1.0) == line[:2]


def test_the_browser_map_is_smaller_and_keeps_every_area_where_it_was(area_map):
    shown = geo.load_display_map()
    assert [f["properties"]["area_id"] for f in shown["features"]] == [f["properties"]["area_id"] for f in area_map["features"]]
    vertices = {name: sum(len(ring) for f in m["features"] for polygon in f["geometry"]["coordinates"] for ring in polygon)
                for name, m in (("shipped", area_map), ("shown", shown))}
    assert vertices["shown"] < vertices["shipped"]
    for original, simplified in zip(area_map["features"], shown["features"], strict=True):
        assert simplified["geometry"]["coordinates"] and simplified["properties"]["outline"]
        # every kept vertex is a shipped vertex rounded to 3 decimals: nothing moves by more than about 60 m
        shipped = {(round(x, 3), round(y, 3)) for x, y in _points(original)}
        assert {(x, y) for x, y in _points(simplified)} <= shipped
        for polygon in simplified["geometry"]["coordinates"]:
            assert geo.signed_area(polygon[0]) < 0  # exteriors still wind clockwise for plotly
    values = {f["properties"]["area_id"]: float(i) for i, f in enumerate(area_map["features"])}
    full, small = (len(geo.area_map_figure(m, values, "T", "%", "fi").to_json()) for m in (area_map, shown))
    assert small < 0.9 * full
