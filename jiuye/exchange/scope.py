"""An import limited to the importing user's divisions.

``scope_check`` runs after the importer's own checks (``ledger_import(scope=...)``):
every row that would write to a community outside the scope — given in the row, or
reached through the household or person the row names, as the input leaves them or
as they are stored — is rejected like any other bad row, so nothing is written.
"""

from jiuye.registry import models as m

# Tables whose rows name their community directly.
BY_COMMUNITY = ("社区", "家庭", "投诉", "目标任务", "组织建设")
# Tables whose rows reach it through a person or a household.
BY_PERSON = ("人员", "就业状态", "失业登记", "服务记录")


def _outside(code: str, scope: str) -> str:
    return f"社区 {code} 不在您的管辖范围 {scope} 内 / community {code} is outside your scope {scope}"


def scope_check(importer, scope: str) -> None:
    """Reject (``importer.bad``) each row of ``importer`` touching a community outside ``scope``."""
    households = {code: row.get("社区代码") for code, row in importer.input_households.items()}
    stored_households = {code: hh["community__code"] for code, hh in importer.stored_households.items()}
    # Households of stored persons that the input does not name (a person moved out of them).
    missing = {p["household__code"] for p in importer.stored_persons.values()} - set(stored_households)
    if missing:
        stored_households.update(
            m.Household.objects.filter(code__in=sorted(missing)).values_list("code", "community__code"))

    def household_communities(code: str) -> set:
        return {c for c in (households.get(code), stored_households.get(code)) if c}

    def person_communities(id_number: str) -> set:
        found = set()
        effective = importer.effective_persons.get(id_number)
        if effective is not None:
            found |= household_communities(effective.household)
        stored = importer.stored_persons.get(id_number)
        if stored is not None:
            found |= household_communities(stored["household__code"])
        return found

    def check(table, row, column, communities) -> None:
        outside = sorted(c for c in communities if not c.startswith(scope))
        if outside:
            importer.bad(table, row, column, _outside(outside[0], scope), "outside_scope")

    for table in BY_COMMUNITY:
        for row in importer.rows(table):
            codes = {row.get("社区代码")}
            if table == "家庭":
                codes |= household_communities(row.get("家庭编号"))
            check(table, row, "社区代码", {c for c in codes if c})
    for table in BY_PERSON:
        for row in importer.rows(table):
            id_number = row.get("身份证号")
            communities = person_communities(id_number)
            if table == "人员":
                communities |= household_communities(row.get("家庭编号"))
            check(table, row, "身份证号" if table != "人员" else "家庭编号", communities)
    for row in importer.rows("低保"):
        check("低保", row, "家庭编号", household_communities(row.get("家庭编号")))
