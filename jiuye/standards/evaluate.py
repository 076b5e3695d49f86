"""The evaluation of every community as of a date (exchange.md's JSON object)."""

import datetime as dt

from jiuye.standards.calendar import package_label
from jiuye.standards.context import load_context, period_start, shared_context
from jiuye.standards.parameters import load_parameters
from jiuye.standards.rules import s1, s2, s3, s4, s5, s6, s7, s8

RULES = (("s2", s2), ("s3", s3), ("s4", s4), ("s5", s5), ("s6", s6), ("s7", s7), ("s8", s8))


def evaluate(as_of: dt.date, *, prefix: str = "", params: dict | None = None, explain: bool = False,
             rollups: bool = False, shared: bool = False) -> dict:
    """Evaluate the communities whose code starts with ``prefix`` ('' for all). ``shared``: from
    the context the pages share (``context.shared_context``)."""
    params = params or load_parameters()
    ctx = (shared_context if shared else load_context)(as_of, params, prefix)
    s1_results, quality = s1.evaluate(ctx)
    per_rule = {"s1": s1_results}
    for name, module in RULES:
        per_rule[name] = module.evaluate(ctx)
    communities = []
    for i, (code, name) in enumerate(zip(ctx.communities["code"], ctx.communities["name"], strict=True)):
        standards = {key: per_rule[key][i] for key in ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8")}
        communities.append(
            {
                "code": code,
                "name": name,
                "pass": all(s["pass"] for s in standards.values()),
                "standards": standards,
                "data_quality": {"unknown_status": quality["unknown_status"][i]},
            }
        )
    result = {
        "as_of": as_of.isoformat(),
        "period": {"start": period_start(as_of, params).isoformat(), "end": as_of.isoformat()},
        "parameters": {**params, "calendar": package_label()},
        "warnings": ctx.calendar.warnings(),
        "communities": communities,
    }
    if explain:
        from jiuye.standards.explain import explain_all

        for community, items in zip(communities, explain_all(ctx, communities), strict=True):
            community["explain"] = items
    if rollups:
        from jiuye.standards.rollups import rollup

        result["rollups"] = rollup(result, params, ctx)
    return result
