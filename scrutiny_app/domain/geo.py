"""A latitude and longitude as a place a British reader can use: an OS grid reference.

data.police.uk gives each stop's latitude and longitude (WGS84), moved to the nearest of a set
of anonymous map points, so the position is approximate by design. A panel member reads it as
an Ordnance Survey National Grid reference ("ST 58850 72650"), which they can type into any
map. The conversion is the Ordnance Survey's own method ("A guide to coordinate systems in
Great Britain"): a Helmert transformation from WGS84 to OSGB36 (good to about 5 m, far finer
than the anonymised point) and the Transverse Mercator projection of the National Grid.
"""

from __future__ import annotations

import math

# Ellipsoids: (a, b)
_WGS84 = (6378137.000, 6356752.314245)
_AIRY1830 = (6377563.396, 6356256.909)
# Helmert WGS84 -> OSGB36: translations (m), scale (ppm), rotations (arc-seconds)
_TX, _TY, _TZ = -446.448, 125.157, -542.060
_S = 20.4894
_RX, _RY, _RZ = -0.1502, -0.2470, -0.8421
# The National Grid's projection
_F0 = 0.9996012717
_LAT0, _LON0 = math.radians(49.0), math.radians(-2.0)
_N0, _E0 = -100_000.0, 400_000.0
_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # no I


def wgs84_to_osgb36(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 degrees to OSGB36 (Airy 1830) degrees, by the OS Helmert transformation."""
    phi, lam = math.radians(lat), math.radians(lon)
    a, b = _WGS84
    e2 = 1 - (b * b) / (a * a)
    nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    x = nu * math.cos(phi) * math.cos(lam)
    y = nu * math.cos(phi) * math.sin(lam)
    z = (1 - e2) * nu * math.sin(phi)
    s = _S * 1e-6
    rx, ry, rz = (math.radians(r / 3600) for r in (_RX, _RY, _RZ))
    x2 = _TX + (1 + s) * x - rz * y + ry * z
    y2 = _TY + rz * x + (1 + s) * y - rx * z
    z2 = _TZ - ry * x + rx * y + (1 + s) * z
    a, b = _AIRY1830
    e2 = 1 - (b * b) / (a * a)
    p = math.hypot(x2, y2)
    phi = math.atan2(z2, p * (1 - e2))
    for _ in range(10):
        nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
        phi = math.atan2(z2 + e2 * nu * math.sin(phi), p)
    return math.degrees(phi), math.degrees(math.atan2(y2, x2))


def osgb36_to_grid(lat: float, lon: float) -> tuple[float, float]:
    """OSGB36 degrees to National Grid easting and northing (metres)."""
    phi, lam = math.radians(lat), math.radians(lon)
    a, b = _AIRY1830
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    sin, cos = math.sin(phi), math.cos(phi)
    nu = a * _F0 / math.sqrt(1 - e2 * sin * sin)
    rho = a * _F0 * (1 - e2) / (1 - e2 * sin * sin) ** 1.5
    eta2 = nu / rho - 1
    dphi, sphi = phi - _LAT0, phi + _LAT0
    m = (
        b
        * _F0
        * (
            (1 + n + 5 / 4 * n**2 + 5 / 4 * n**3) * dphi
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(dphi) * math.cos(sphi)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * math.sin(2 * dphi) * math.cos(2 * sphi)
            - 35 / 24 * n**3 * math.sin(3 * dphi) * math.cos(3 * sphi)
        )
    )
    tan2 = math.tan(phi) ** 2
    i = m + _N0
    ii = nu / 2 * sin * cos
    iii = nu / 24 * sin * cos**3 * (5 - tan2 + 9 * eta2)
    iiia = nu / 720 * sin * cos**5 * (61 - 58 * tan2 + tan2 * tan2)
    iv = nu * cos
    v = nu / 6 * cos**3 * (nu / rho - tan2)
    vi = nu / 120 * cos**5 * (5 - 18 * tan2 + tan2 * tan2 + 14 * eta2 - 58 * tan2 * eta2)
    dl = lam - _LON0
    northing = i + ii * dl**2 + iii * dl**4 + iiia * dl**6
    easting = _E0 + iv * dl + v * dl**3 + vi * dl**5
    return easting, northing


def grid_reference(easting: float, northing: float, digits: int = 10) -> str | None:
    """'ST 58850 72650' for a point on the National Grid (None outside it)."""
    if not (0 <= easting < 700_000 and 0 <= northing < 1_300_000):
        return None
    e100k, n100k = int(easting // 100_000), int(northing // 100_000)
    first = (19 - n100k) - (19 - n100k) % 5 + (e100k + 10) // 5
    second = ((19 - n100k) * 5) % 25 + e100k % 5
    half = digits // 2
    e = int(easting % 100_000) // 10 ** (5 - half)
    n = int(northing % 100_000) // 10 ** (5 - half)
    return f"{_LETTERS[first]}{_LETTERS[second]} {e:0{half}d} {n:0{half}d}"


def place(lat: float, lon: float) -> str | None:
    """The OS grid reference of a WGS84 point in Great Britain (None elsewhere)."""
    if not (49.0 <= lat <= 61.5 and -9.0 <= lon <= 2.5):
        return None
    return grid_reference(*osgb36_to_grid(*wgs84_to_osgb36(lat, lon)))


def location_text(latitude: object, longitude: object) -> str | None:
    """'Approximate location: grid reference ST 59247 72999 (51.4545, -2.5879)', or None."""
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    ref = place(lat, lon)
    where = f"grid reference {ref} " if ref else ""
    return f"{where}({lat:.4f}, {lon:.4f}), approximate: moved to a nearby map point"
