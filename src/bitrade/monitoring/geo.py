"""Ban areas as GeoJSON polygons: validation and a small inline SVG (no map tiles)."""

from __future__ import annotations


def polygon_problem(value) -> str:
    """'' when ``value`` is a GeoJSON Polygon with a closed outer ring of at least four points."""
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        return "Området ska vara en GeoJSON-polygon (type: Polygon)."
    rings = value.get("coordinates")
    if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
        return "Polygonen saknar koordinater."
    ring = rings[0]
    if len(ring) < 4:
        return "Polygonen behöver minst fyra punkter (den sista samma som den första)."
    for point in ring:
        if (not isinstance(point, list | tuple) or len(point) < 2
                or not all(isinstance(x, int | float) for x in point[:2])
                or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90)):
            return "Varje punkt ska vara [longitud, latitud] i grader."
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return "Polygonen ska vara sluten (sista punkten samma som den första)."
    return ""


def svg_points(polygons: list[dict], size: int = 200) -> list[str]:
    """Each polygon's outer ring as SVG ``points`` in a ``size``×``size`` box (north up)."""
    rings = [p["coordinates"][0] for p in polygons if not polygon_problem(p)]
    if not rings:
        return []
    xs = [pt[0] for r in rings for pt in r]
    ys = [pt[1] for r in rings for pt in r]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1e-6
    pad = size * 0.05
    scale = (size - 2 * pad) / span
    return [" ".join(f"{pad + (x - min(xs)) * scale:.1f},{size - pad - (y - min(ys)) * scale:.1f}" for x, y, *_ in r)
            for r in rings]
