"""Shaping the demonstration register so that certification can be shown.

The synthetic register rarely has a community meeting all eight standards: S1 (95% of
the labour force in work) is the one most communities miss, by a few residents. After
the import, ``showcase_pick`` chooses two communities whose only failures are S1 and
S3 (both mended by residents finding work), close to each other (the same street when
possible): ``model`` is brought to meet every standard, ``narrow`` to miss S1 by one
resident. ``showcase_shape`` records the jobs as each community's own worker would
(``casework.services.employment_record``: the register's history, the audit log and
the zero-employment cases all follow), the unemployed residents behind S3 first, then
those behind S1.
"""

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

from jiuye.casework.services import employment_record
from jiuye.standards.evaluate import evaluate
from jiuye.standards.parameters import ratio

MENDED_BY_WORK = {"s1", "s3"}  # standards residents finding work can bring to pass
EMPLOYER = "重庆某物业服务有限公司"
MAX_STEPS = 40


@dataclass
class Showcase:
    model: str  # community code: meets every standard once shaped
    narrow: str | None  # misses S1 by one resident once shaped
    hired: dict  # code -> number of residents recorded in work


def _failing(community: dict) -> set[str]:
    return {key for key, value in community["standards"].items() if not value["pass"]}


def _s1_short(community: dict, params: dict) -> int:
    """How many more residents in work S1 needs (0 when it passes)."""
    s1 = community["standards"]["s1"]
    if s1["pass"] or not s1.get("denominator"):
        return 0
    threshold = ratio(params["s1_min_rate"])
    return max(1, math.ceil(Fraction(threshold) * s1["denominator"]) - s1["numerator"])


def _s3_short(community: dict, params: dict) -> int:
    s3 = community["standards"]["s3"]
    if s3["pass"] or not s3.get("denominator"):
        return 0
    limit = ratio(params["s3_max_rate"])
    return max(1, s3["numerator"] - math.floor(Fraction(limit) * s3["denominator"]))


def _cost(community: dict, params: dict) -> int:
    return _s1_short(community, params) + _s3_short(community, params)


def showcase_pick(result: dict) -> Showcase | None:
    """The two communities to shape, from an evaluation with ``explain`` (None: none fits)."""
    params = result["parameters"]
    mendable = [c for c in result["communities"] if _failing(c) <= MENDED_BY_WORK]
    if not mendable:
        return None
    # S1 missed (alone, best): left one resident short of it
    narrow_ok = ([c for c in mendable if _failing(c) == {"s1"}]
                 or [c for c in mendable if "s1" in _failing(c)])

    def distance(a: dict, b: dict) -> int:
        return 0 if a["code"][:9] == b["code"][:9] else (1 if a["code"][:6] == b["code"][:6] else 2)

    best = None
    for model in mendable:
        partners = [c for c in narrow_ok if c["code"] != model["code"]]
        partner = min(partners, key=lambda c: (distance(model, c), _cost(c, params), c["code"]), default=None)
        key = (partner is None, distance(model, partner) if partner else 3, _cost(model, params), model["code"])
        if best is None or key < best[0]:
            best = (key, model, partner)
    _, model, partner = best
    return Showcase(model=model["code"], narrow=partner["code"] if partner else None, hired={})


def _candidates(community: dict, keys) -> list[int]:
    """Persons behind the failures of ``keys`` (S3 first: they count for S1 too), each once."""
    seen, out = set(), []
    for key in keys:
        for item in community.get("explain", {}).get(key, []):
            pk = item.get("person_id")
            if pk and pk not in seen:
                seen.add(pk)
                out.append(pk)
    return out


def _hire(worker, code: str, as_of: dt.date, *, leave_s1_short: bool) -> int:
    """Record residents in work (as the community's worker) until the community passes S3 and
    S1 (or S1 is one resident short). Returns how many were recorded."""
    hired = 0
    for _ in range(MAX_STEPS):
        result = evaluate(as_of, prefix=code, explain=True)
        community = result["communities"][0]
        params = result["parameters"]
        wanted_s1 = _s1_short(community, params) - (1 if leave_s1_short else 0)
        wanted = max(_s3_short(community, params), wanted_s1)
        if wanted <= 0:
            return hired
        keys = ["s3", "s1"] if _s3_short(community, params) else ["s1"]
        people = _candidates(community, keys)[:wanted]
        if not people:
            return hired
        for pk in people:
            employment_record(user=worker, person=pk, start=as_of, employment_form="单位就业",
                              employer_name=EMPLOYER)
            hired += 1
    return hired


def showcase_shape(showcase: Showcase, *, as_of: dt.date, workers: dict) -> Showcase:
    """Record the jobs that make ``model`` pass and ``narrow`` miss S1 by one; ``workers`` maps each
    community code to its worker (the user the writes are made as)."""
    showcase.hired[showcase.model] = _hire(workers[showcase.model], showcase.model, as_of, leave_s1_short=False)
    if showcase.narrow:
        showcase.hired[showcase.narrow] = _hire(workers[showcase.narrow], showcase.narrow, as_of,
                                                leave_s1_short=True)
    return showcase
