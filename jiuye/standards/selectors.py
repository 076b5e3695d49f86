"""Reads of the standards for the pages: always restricted to the user's scope."""

import datetime as dt

from jiuye.registry.scoping import scope_prefix


def standing_for_user(user, as_of: dt.date, explain: bool = False) -> dict:
    from jiuye.standards.evaluate import evaluate  # loads pandas: not at start-up

    prefix = scope_prefix(user)
    if prefix is None:
        return {"as_of": as_of.isoformat(), "period": {}, "warnings": [], "communities": []}
    return evaluate(as_of, prefix=prefix, explain=explain)


def community_standing(user, code: str, as_of: dt.date) -> dict | None:
    """One community's eight standards with the persons behind each failure, if the user may see it."""
    from jiuye.standards.evaluate import evaluate  # loads pandas: not at start-up

    prefix = scope_prefix(user)
    if prefix is None or len(code) != 12 or not code.isdigit() or not code.startswith(prefix):
        return None
    result = evaluate(as_of, prefix=code, explain=True)
    if not result["communities"]:
        return None
    return {"as_of": result["as_of"], "period": result["period"], "warnings": result["warnings"],
            "community": result["communities"][0]}
