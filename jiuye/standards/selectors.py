"""Reads of the standards for the pages: always restricted to the user's scope."""

import datetime as dt

from django.utils.translation import get_language

from jiuye.divisions.revisions import cached
from jiuye.registry.scoping import scope_prefix


def _evaluated(prefix: str, as_of: dt.date, explain: bool) -> dict:
    """The evaluation of a scope, once per day and revision of the register (IDs in it are masked)."""
    from jiuye.standards.evaluate import evaluate  # loads pandas: not at start-up

    if not explain and len(prefix) == 12:
        # A community: its own page's evaluation (computed once for both pages) less the persons
        # behind each failure, which is what the evaluation without them is.
        def plain() -> dict:
            full = _evaluated(prefix, as_of, True)
            return {**full, "communities": [{k: v for k, v in c.items() if k != "explain"} for c in full["communities"]]}

        return cached("standing", prefix, dt.date.today(), plain, as_of.isoformat(), 0, get_language())
    return cached("standing", prefix, dt.date.today(), lambda: evaluate(as_of, prefix=prefix, explain=explain, shared=True),
                  as_of.isoformat(), int(explain), get_language())


def standing_warm(prefix: str, as_of: dt.date) -> None:
    """The standing page of a scope and its community page (with the persons behind each
    failure) computed into the cache (``casework.selectors.desk_pages_warm``)."""
    _evaluated(prefix, as_of, False)  # a community's: both, from one evaluation


def standing_for_user(user, as_of: dt.date, explain: bool = False) -> dict:
    prefix = scope_prefix(user)
    if prefix is None:
        return {"as_of": as_of.isoformat(), "period": {}, "warnings": [], "communities": []}
    return _evaluated(prefix, as_of, explain)


def community_standing(user, code: str, as_of: dt.date) -> dict | None:
    """One community's eight standards with the persons behind each failure, if the user may see it."""
    prefix = scope_prefix(user)
    if prefix is None or len(code) != 12 or not code.isdigit() or not code.startswith(prefix):
        return None
    result = _evaluated(code, as_of, True)
    if not result["communities"]:
        return None
    return {"as_of": result["as_of"], "period": result["period"], "warnings": result["warnings"],
            "community": result["communities"][0]}
