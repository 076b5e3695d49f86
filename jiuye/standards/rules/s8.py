"""S8 Organization in place: the 组织建设 row of year(D) says 是 for 服务站, 人员经费,
工作经费, 固定场所 and 办公服务设施 (blank is not 是) and 专职人员数 ≥ s8_min_staff.
No row: fail with every item missing."""

import pandas as pd

from jiuye.standards.context import Context

ITEMS = ("服务站", "专职人员", "人员经费", "工作经费", "固定场所", "办公服务设施")


def evaluate(ctx: Context) -> list[dict]:
    rows = {int(r["comm"]): r for r in ctx.organization.to_dict("records")}
    minimum = ctx.params["s8_min_staff"]
    results = []
    for i in range(ctx.n_communities):
        row = rows.get(i)
        if row is None:
            missing = list(ITEMS)
        else:
            missing = []
            for item in ITEMS:
                value = row[item]
                if item == "专职人员":
                    ok = value is not None and not pd.isna(value) and int(value) >= minimum
                else:
                    ok = value is not None and not pd.isna(value) and bool(value)
                if not ok:
                    missing.append(item)
        results.append({"pass": not missing, "missing": missing})
    return results
