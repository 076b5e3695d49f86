"""Why a standard fails: the persons and households behind each failing standard."""

from collections import defaultdict

import numpy as np

from jiuye.registry import models as m
from jiuye.registry.rules import idnumber
from jiuye.standards.context import Context
from jiuye.standards.dates import from_day
from jiuye.standards.rules import s1, s2, s3, s4, s5, s6, s7


def _date(day) -> str | None:
    value = from_day(day)
    return value.isoformat() if value else None


def explain_all(ctx: Context, communities: list[dict]) -> list[dict]:
    """For each community, a dict standard -> list of items, for the failing standards only."""
    failing = [{k for k, v in c["standards"].items() if not v["pass"]} for c in communities]
    items: list[dict] = [defaultdict(list) for _ in communities]
    persons = ctx.persons
    ids = persons.index.to_numpy()
    comm = persons["comm"].to_numpy()

    def add_persons(key: str, mask: np.ndarray, reason: str) -> None:
        for pid, c in zip(ids[mask].tolist(), comm[mask].tolist(), strict=True):
            if key in failing[c]:
                items[c][key].append({"person": pid, "reason": reason})

    mk = s1.masks(ctx)
    add_persons("s1", mk["labour"] & ~mk["employed"], "失业 / unemployed at D")
    current, overdue, late = s2.frames(ctx)
    for frame, reason in ((overdue, "逾期未消除 / zero-employment past the limit"),
                          (late, "超期消除 / eliminated late")):
        for row in frame.itertuples(index=False):
            c = int(row.comm)
            if "s2" in failing[c]:
                items[c]["s2"].append(
                    {"household": int(row.hh), "reason": reason, "since": _date(row.start),
                     "deadline": _date(row.deadline),
                     "eliminated": _date(row.eliminated) if row.eliminated <= ctx.D else None}
                )
    add_persons("s3", s3.masks(ctx)["not_working"], "低保对象未就业 / 低保 member not working")
    reg = s4.frame(ctx)
    for row in reg[~reg["on_time"] & ~reg["pending"]].itertuples(index=False):
        c = int(row.comm)
        if "s4" in failing[c]:
            items[c]["s4"].append(
                {"person": int(row.person), "registered": _date(row.registered), "deadline": _date(row.deadline),
                 "working_days_late": s4.working_days_late(ctx, row.registered, row.deadline, row.guidance),
                 "reason": "职业指导超期 / guidance missed its deadline"}
            )
    add_persons("s5", s5.mask(ctx), "登记失业满一年 / registered and unemployed for the long term")
    outreach = s6.outreach_frame(ctx)
    for row in outreach[~outreach["reached"]].itertuples(index=False):
        c = int(row.comm)
        if "s6" in failing[c]:
            items[c]["s6"].append({"person": int(row.person), "registered": _date(row.registered),
                                   "reason": "未开展政策宣传 / no policy outreach"})
    mk7 = s7.masks(ctx)
    add_persons("s7", mk7["due"] & ~mk7["active"], "90天内无就业准备服务 / no active service in the window")
    add_persons("s7", mk7["migrant"] & ~mk7["served"], "农民工未获服务 / migrant worker not served")
    _label(items)
    return [dict(i) for i in items]


def _label(items: list[dict]) -> None:
    person_ids = {e["person"] for i in items for v in i.values() for e in v if "person" in e}
    hh_ids = {e["household"] for i in items for v in i.values() for e in v if "household" in e}
    people = {p.pk: p for p in m.Person.objects.filter(pk__in=person_ids).select_related("household")}
    households = dict(m.Household.objects.filter(pk__in=hh_ids).values_list("pk", "code"))
    for i in items:
        for entries in i.values():
            for e in entries:
                if "person" in e:
                    p = people[e.pop("person")]
                    e.update({"name": p.name, "id_number": idnumber.mask(p.id_number), "household": p.household.code,
                              "person_id": p.pk, "household_id": p.household_id})
                elif "household" in e:
                    e["household_id"] = e["household"]
                    e["household"] = households[e["household"]]
