"""Which unit an entry belongs to at a review level, and whether the level applies to it (pure).

An entry's unit path names its units from the root down. With their levels
(``Attribution.unit_path_levels``, carried since decision 0031) the entry's unit at a level is the
one of that level's kind, and a path that skips a kind (a 省直 unit directly under the province, a
市直 school directly under its city) takes no part in that level: the entry enters at the next
level that applies to it. Entries registered before levels were carried are read by position
(province > city > county > school), and a path too short for a level skips it the same way."""

from collections.abc import Sequence

# Depth of a unit level in a full unit path (province > city > county > school).
DEPTH = {"province": 0, "city": 1, "county": 2, "school": 3}


def unit_of(unit_level: str, path: Sequence[str], levels: Sequence[str]) -> str | None:
    """The unit of ``unit_level`` in ``path`` (``levels`` names each one's kind, or is empty);
    None when the path has none (the entry skips that level)."""
    if levels and len(levels) == len(path) and all(levels):
        return next((code for code, kind in zip(path, levels, strict=True) if kind == unit_level), None)
    depth = DEPTH.get(unit_level)
    if depth is None or depth >= len(path):
        return None
    return path[depth]


def subtree_path(path: Sequence[str], unit: str) -> list[str]:
    """The codes from the root down to ``unit`` (its own path), read off an entry's path below it."""
    return list(path[: list(path).index(unit) + 1]) if unit in path else []
