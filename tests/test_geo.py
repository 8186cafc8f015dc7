"""Latitude and longitude as an OS grid reference (issue 11, item 6)."""

from __future__ import annotations

import pytest

from scrutiny_app.domain import geo


def test_the_projection_matches_the_ordnance_survey_worked_example():
    # OS, "A guide to coordinate systems in Great Britain", annex C: OSGB36 52°39'27.2531"N,
    # 1°43'4.5177"E is E 651409.903, N 313177.270.
    lat = 52 + 39 / 60 + 27.2531 / 3600
    lon = 1 + 43 / 60 + 4.5177 / 3600
    e, n = geo.osgb36_to_grid(lat, lon)
    assert e == pytest.approx(651409.903, abs=0.01)
    assert n == pytest.approx(313177.270, abs=0.01)
    assert geo.grid_reference(e, n) == "TG 51409 13177"


def test_the_datum_shift_puts_greenwich_on_the_airy_meridian():
    # The Airy transit circle defines OSGB36's prime meridian; in WGS84 it is about 102 m west.
    _lat, lon = geo.wgs84_to_osgb36(51.47788, -0.00147)
    assert abs(lon) < 0.0003  # within about 20 m of longitude 0


@pytest.mark.parametrize(
    ("lat", "lon", "square"),
    [(51.4545, -2.5879, "ST"), (55.9533, -3.1883, "NT"), (51.5007, -0.1246, "TQ")],
)
def test_places_fall_in_their_100_km_squares(lat, lon, square):
    # Bristol, Edinburgh, Westminster.
    assert geo.place(lat, lon).startswith(square + " ")


def test_outside_great_britain_or_not_numbers_there_is_no_grid_reference():
    assert geo.place(48.85, 2.35) is None  # Paris
    assert geo.location_text("", "-2.5") is None
    assert geo.location_text("nan", "1") is None
    text = geo.location_text("51.4545", "-2.5879")
    assert text.startswith("grid reference ST ") and "approximate" in text
